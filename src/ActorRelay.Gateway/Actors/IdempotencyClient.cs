using System.Security.Cryptography;
using System.Text;
using ActorRelay.Actors.Idempotency;
using ActorRelay.Core;
using ActorRelay.Gateway.Options;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Actors;

/// <summary>The HTTP side's handle on the idempotency entities: one per tenant and <c>Idempotency-Key</c>.</summary>
internal sealed class IdempotencyClient(IRequiredActor<IdempotencyActor> entities, IOptionsMonitor<GatewayOptions> options)
{
    /// <summary>The scope (entity id) of a tenant's key: the key is hashed, so any header value makes a safe id.</summary>
    public static string Scope(string tenantId, string idempotencyKey) =>
        $"{tenantId}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))}";

    public static string Fingerprint(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>
    /// Proceed, Replay or Refused. A repeat of a call still running waits here (without blocking a thread) until the
    /// first call finishes, at most <paramref name="lease"/>.
    /// </summary>
    public async Task<IActorRelayMessage> BeginAsync(string scope, string requestId, string fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        var region = await entities.GetAsync(cancellationToken);
        var leaseSeconds = (int)Math.Ceiling(lease.TotalSeconds);
        return await region.Ask<IActorRelayMessage>(
            new IdempotencyCommands.Begin(scope, requestId, fingerprint, leaseSeconds, options.CurrentValue.Idempotency.WindowSeconds),
            lease + lease,
            cancellationToken);
    }

    public async Task FinishAsync(string scope, string requestId, bool succeeded, IdempotentResult? result)
    {
        var region = await entities.GetAsync();
        region.Tell(new IdempotencyCommands.Finish(scope, requestId, succeeded, result));
    }
}
