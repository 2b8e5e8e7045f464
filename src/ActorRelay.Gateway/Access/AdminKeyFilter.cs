using System.Security.Cryptography;
using System.Text;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Access;

/// <summary>Guards the admin API with the configured admin credential (constant-time comparison).</summary>
internal sealed class AdminKeyFilter(IOptionsMonitor<AccessOptions> access) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var adminKey = access.CurrentValue.AdminKey;
        if (string.IsNullOrEmpty(adminKey))
        {
            await ErrorResponses.WriteAsync(http, StatusCodes.Status403Forbidden,
                "The admin API is disabled: configure ActorRelay:Access:AdminKey.", OpenAiErrorTypes.Permission, "admin_disabled");
            return Results.Empty;
        }

        var authorization = http.Request.Headers.Authorization.ToString();
        var presented = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(adminKey)))
        {
            await ErrorResponses.WriteAsync(http, StatusCodes.Status401Unauthorized,
                "The admin API needs 'Authorization: Bearer <admin key>'.", OpenAiErrorTypes.InvalidRequest, "invalid_admin_key");
            return Results.Empty;
        }

        return await next(context);
    }
}

/// <summary>Authenticates /v1 calls that are not relayed (models, usage) and hands the <see cref="Caller"/> to the handler.</summary>
internal sealed class CallerFilter(Authenticator authenticator) : IEndpointFilter
{
    private static readonly object ItemKey = new();

    public static Caller Of(HttpContext context) => (Caller)context.Items[ItemKey]!;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!authenticator.TryAuthenticate(context.HttpContext, out var caller, out var denial))
        {
            await ErrorResponses.WriteAsync(context.HttpContext, denial.Status, denial.Message, OpenAiErrorTypes.InvalidRequest, denial.Code);
            return Results.Empty;
        }

        context.HttpContext.Items[ItemKey] = caller;
        return await next(context);
    }
}
