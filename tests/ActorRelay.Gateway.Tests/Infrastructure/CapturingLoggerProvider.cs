using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>One captured log line, with the request id and the trace id of the scopes it was written in (if any).</summary>
public sealed record LogEntry(string Category, LogLevel Level, string Message, string? RequestId, string? TraceId, string? ClientRequestId = null);

/// <summary>Keeps every log line written through it, in order, for tests to read.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, CapturingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string? requestId = null;
            string? traceId = null;
            string? clientRequestId = null;
            provider._scopes.ForEachScope(
                (scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var pair in pairs)
                        {
                            requestId = pair is { Key: "RequestId", Value: string id } ? id : requestId;
                            traceId = pair is { Key: "TraceId", Value: { } trace } ? trace.ToString() : traceId;
                            clientRequestId = pair is { Key: "ClientRequestId", Value: string client } ? client : clientRequestId;
                        }
                    }
                },
                state);
            provider.Entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), requestId, traceId, clientRequestId));
        }
    }
}
