using System.Diagnostics.CodeAnalysis;
using ActorRelay.Core.Access;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Access;

/// <summary>
/// Checks the virtual key of a call (<c>Authorization: Bearer</c> or <c>x-api-key</c>) against this node's copy of
/// the directory: one SHA-256 and one dictionary lookup, no database round trip.
/// </summary>
internal sealed class Authenticator(AccessCache cache, IOptionsMonitor<AccessOptions> access, IOptionsMonitor<GatewayOptions> gateway, TimeProvider time)
{
    private const string BearerPrefix = "Bearer ";

    public bool TryAuthenticate(HttpContext context, [NotNullWhen(true)] out Caller? caller, [NotNullWhen(false)] out AccessDenial? denial)
    {
        var isPresented = TryGetPresentedKey(context.Request, out var presented);
        var snapshot = cache.Current;
        if (!isPresented && !access.CurrentValue.RequireKeys)
        {
            caller = new Caller(gateway.CurrentValue.DefaultTenant, null, null, [], snapshot.TagsFor(gateway.CurrentValue.DefaultTenant, null));
            denial = null;
            return true;
        }

        var key = snapshot.Authenticate(presented, time.GetUtcNow(), null, out var rejection);
        if (key is null)
        {
            caller = null;
            denial = rejection switch
            {
                KeyRejection.Missing => new AccessDenial(StatusCodes.Status401Unauthorized,
                    "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", "missing_api_key"),
                KeyRejection.Revoked => new AccessDenial(StatusCodes.Status401Unauthorized, "This API key has been revoked.", "invalid_api_key"),
                KeyRejection.Expired => new AccessDenial(StatusCodes.Status401Unauthorized, "This API key has expired.", "invalid_api_key"),
                _ => new AccessDenial(StatusCodes.Status401Unauthorized, "Incorrect API key provided.", "invalid_api_key"),
            };
            return false;
        }

        caller = new Caller(key.TenantId, key.ProjectId, key.KeyId, key.AllowedModels, snapshot.TagsFor(key.TenantId, key.ProjectId));
        denial = null;
        return true;
    }

    public static AccessDenial ModelNotAllowed(string model) =>
        new(StatusCodes.Status403Forbidden, $"This API key is not allowed to use the model `{model}`.", "model_not_allowed");

    /// <summary>The key a request presents (a slice of its header, no copy); false when it presents none.</summary>
    private static bool TryGetPresentedKey(HttpRequest request, out ReadOnlySpan<char> key)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            key = authorization.AsSpan(BearerPrefix.Length).Trim();
            return true;
        }

        key = request.Headers["x-api-key"].ToString();
        return !key.IsEmpty;
    }
}
