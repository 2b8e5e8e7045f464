using ActorRelay.Core.Translation;

namespace ActorRelay.Gateway.Errors;

/// <summary>
/// Nothing answers a bare error status: one that no endpoint gave a body (a 404 of an unknown URL, a 405, a status
/// result) gets an error body in the caller's protocol once the rest of the pipeline is done. ASP.NET Core's status code
/// pages do the same, but made a feature and the request's items dictionary for every request to do it.
/// </summary>
internal sealed class BareStatusMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var response = context.Response;
        if (response.HasStarted || response.StatusCode is < 400 or >= 600 || response.ContentLength.HasValue || !string.IsNullOrEmpty(response.ContentType))
        {
            return;
        }

        var code = response.StatusCode;
        var (message, type) = code switch
        {
            StatusCodes.Status404NotFound => ($"Unknown request URL: {context.Request.Method} {context.Request.Path}.", OpenAiErrorTypes.InvalidRequest),
            StatusCodes.Status405MethodNotAllowed => ($"Method {context.Request.Method} is not allowed on {context.Request.Path}.", OpenAiErrorTypes.InvalidRequest),
            >= 500 => ("The gateway could not handle the request.", OpenAiErrorTypes.Server),
            _ => ($"The request failed with HTTP {code}.", OpenAiErrorTypes.InvalidRequest),
        };
        await ErrorResponses.WriteAsync(context, code, message, type, null);
    }
}
