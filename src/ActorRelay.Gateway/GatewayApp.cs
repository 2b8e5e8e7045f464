using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Hosting;
using ActorRelay.Actors.Streaming;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Endpoints;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Lifecycle;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Relay;
using ActorRelay.Gateway.Routing;
using ActorRelay.Gateway.Simulated;
using ActorRelay.Gateway.Upstream;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway;

/// <summary>Composes the gateway: services, the ActorSystem, middleware and routes. <c>Program.cs</c> only runs it.</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        GatewayMetrics.LimitFrameworkMetrics();
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        AddServices(builder);
        var app = builder.Build();
        UsePipeline(app);
        return app;
    }

    private static void AddServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.Logging.AddJsonConsole(console => console.IncludeScopes = true);
        services.AddHostedService<TraceContext>();
        // Kestrel's limits from configuration too (Kestrel__Limits__MaxRequestBodySize=...): its own loader reads only endpoints.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));

        services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddOptions<AccessOptions>().Bind(builder.Configuration.GetSection(AccessOptions.SectionName)).ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AccessCache>();
        services.AddSingleton<AccessDirectoryClient>();
        services.AddSingleton<Authenticator>();
        services.AddHostedService<AccessDirectorySync>();
        services.AddSingleton<ChannelHealthBoard>();
        services.AddSingleton<IDeploymentHealth>(provider => provider.GetRequiredService<ChannelHealthBoard>());
        services.AddSingleton<IChannelHealthListener>(provider => provider.GetRequiredService<ChannelHealthBoard>());
        services.AddSingleton<ChannelLeases>();
        services.AddSingleton<ModelRouter>();
        services.AddSingleton<RouteDirectoryClient>();
        services.AddHostedService<RouteDirectorySync>();
        services.AddHostedService<ChannelHealthPoller>();
        services.AddSingleton<IChannelDirectory, ChannelDirectory>();
        services.AddSingleton<PriceBook>();
        services.AddSingleton<ChannelGate>();
        services.AddSingleton<BudgetLeases>();
        services.AddSingleton<SettledCalls>();
        services.AddSingleton<LedgerClient>();
        services.AddSingleton<RateLimitClient>();
        services.AddSingleton<IdempotencyClient>();
        services.AddSingleton<UpstreamClient>();
        services.AddSingleton<UpstreamAttempt>();
        services.AddSingleton<AttemptLoop>();
        services.AddSingleton<ModelRelay>();
        services.AddSingleton<InProcessSimulatedVendor>();
        services.AddHostedService(provider => provider.GetRequiredService<InProcessSimulatedVendor>());

        // One handler for the node's life: PooledConnectionLifetime already renews connections (and so DNS answers), and
        // the factory's default rotation (every 2 minutes) would start each new handler with an empty pool, so that the
        // calls of the next burst all had to connect first.
        services.AddHttpClient(UpstreamClient.HandlerName)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                ConnectCallback = UpstreamClient.ConnectAsync,
                MaxConnectionsPerServer = int.MaxValue,
                UseCookies = false,
                AllowAutoRedirect = false,
                // No activity of HttpClient's own per call: the request's trace context goes to the vendor from the
                // request's activity (TraceContext.Inject).
                ActivityHeadersPropagator = null,
            })
            .RemoveAllLoggers();

        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default));
        services.AddSingleton<GatewayDrain>();
        services.AddHealthChecks()
            .AddCheck<GatewayDrain>("draining", HealthStatus.Degraded, [ActorRelayAkkaHostingExtensions.ReadinessTag])
            .AddCheck<DirectoriesReadiness>("directories", HealthStatus.Degraded, [ActorRelayAkkaHostingExtensions.ReadinessTag]);
        var shutdown = builder.Configuration.GetSection($"{GatewayOptions.SectionName}:Shutdown").Get<ShutdownOptions>() ?? new ShutdownOptions();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.DrainTimeoutSeconds + shutdown.LeaveTimeoutSeconds));
        services.AddOpenApi();

        var akkaOptions = AkkaOptions(builder.Configuration);
        services.AddAkka(akkaOptions.SystemName, akka => akka.AddActorRelay(akkaOptions));
        // Registered after the ActorSystem and the in-process vendor: stopped before them, it drains while they still run.
        services.AddHostedService(provider => provider.GetRequiredService<GatewayDrain>());
        services.AddSingleton(provider => new SseRelay(provider.GetRequiredService<ActorSystem>().Materializer()));
    }

    private static ActorRelayAkkaOptions AkkaOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection(ActorRelayAkkaOptions.SectionName).Get<ActorRelayAkkaOptions>() ?? new ActorRelayAkkaOptions();
        if (options.Cluster.Roles is not { Length: > 0 })
        {
            options.Cluster.Roles = ["gateway"];
        }

        return options;
    }

    private static void UsePipeline(WebApplication app)
    {
        var drain = app.Services.GetRequiredService<GatewayDrain>();
        app.Use(drain.TrackAsync);
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteUnhandledErrorAsync,
            // A body the client cut short or sent over the size limit is the client's error, answered with a 4xx: it is
            // not logged as a failure of the gateway.
            SuppressDiagnosticsCallback = handled => handled.Exception is BadHttpRequestException,
        });
        app.UseMiddleware<BareStatusMiddleware>();

        app.MapOpenApi();
        app.MapChatEndpoints();
        app.MapMediaEndpoints();
        app.MapModelsEndpoints();
        app.MapUsageEndpoints();
        app.MapAdminEndpoints();
        app.MapReportEndpoints();
        app.MapRoutingAdminEndpoints();
        app.MapClusterAdminEndpoints();
        app.MapOperationsEndpoints();
    }

    /// <summary>Nothing answers a bare 500 or an HTML page: an unhandled failure is an OpenAI error too.</summary>
    private static Task WriteUnhandledErrorAsync(HttpContext context)
    {
        var failure = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        return failure is BadHttpRequestException badRequest
            ? ErrorResponses.WriteAsync(context, badRequest.StatusCode, badRequest.Message, OpenAiErrorTypes.InvalidRequest,
                badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "request_too_large" : null)
            : ErrorResponses.WriteAsync(context, StatusCodes.Status500InternalServerError,
                $"The gateway failed while handling request {RequestIdMiddleware.RequestId(context)}.", OpenAiErrorTypes.Server, "internal_error");
    }
}
