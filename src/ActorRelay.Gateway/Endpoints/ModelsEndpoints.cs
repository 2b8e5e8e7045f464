using System.Text.Json.Serialization;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Routing;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>OpenAI's model object; <c>owned_by</c> names the channel that serves the alias first.</summary>
internal sealed record ModelCard(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy);

internal sealed record ModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelCard> Data);

internal static class ModelsEndpoints
{
    public static IEndpointRouteBuilder MapModelsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/models").WithTags("OpenAI").AddEndpointFilter<CallerFilter>();
        group.MapGet("/", (ModelRouter router, HttpContext context) =>
                TypedResults.Json(
                    new ModelList("list", router.Table.Routes.Values
                        .Where(route => CallerFilter.Of(context).AllowsModel(route.Alias))
                        .OrderBy(route => route.Alias, StringComparer.Ordinal)
                        .Select(Card).ToList()),
                    GatewayJsonContext.Default.ModelList))
            .WithName("ListModels")
            .WithSummary("Lists the model aliases this gateway serves.");

        group.MapGet("/{model}", async (string model, ModelRouter router, HttpContext context) =>
            {
                if (CallerFilter.Of(context).AllowsModel(model) && router.TryGetRoute(model, out var route))
                {
                    return Results.Json(Card(route), GatewayJsonContext.Default.ModelCard);
                }

                await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound,
                    $"The model `{model}` does not exist or you do not have access to it.", OpenAiErrorTypes.InvalidRequest, "model_not_found", "model");
                return Results.Empty;
            })
            .WithName("RetrieveModel")
            .WithSummary("Describes one model alias.")
            .Produces<ModelCard>()
            .Produces<OpenAiErrorEnvelope>(StatusCodes.Status404NotFound);
        return endpoints;
    }

    /// <summary>The card of an alias; <c>owned_by</c> names the channel of its first deployment.</summary>
    private static ModelCard Card(ModelRoute route) => new(route.Alias, "model", 0, route.Deployments[0].ChannelId);
}
