using ActorRelay.Actors.Routing;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Routing;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>
/// The admin API of routing: the routing table (configuration's routes overlaid by routes set here), every run-time
/// change with its version, and the channels' circuit breakers. A route set here reaches every node within
/// <c>ActorRelay:Routing:RefreshSeconds</c>; removing it brings back the configured route, if any.
/// </summary>
internal static class RoutingAdminEndpoints
{
    public static IEndpointRouteBuilder MapRoutingAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").WithTags("Admin: routing").AddEndpointFilter<AdminKeyFilter>();

        admin.MapGet("/routes", (ModelRouter router) => TypedResults.Json(Table(router), GatewayJsonContext.Default.RoutingTableResponse))
            .WithSummary("This node's routing table, its versions, and where each route comes from (configuration or admin).");
        admin.MapGet("/routes/history", (ModelRouter router) => TypedResults.Json(
                new RouteHistoryResponse(router.Directory.Version, router.Directory.History
                    .Select(change => new RouteChangeResponse(change.Version, change.Alias, change.Action, change.At,
                        change.Route is null ? null : Route(change.Route.ToRoute(), RouteSource.Admin)))
                    .Reverse().ToList()),
                GatewayJsonContext.Default.RouteHistoryResponse))
            .WithSummary("Every route change made through the admin API, newest first, with its version.");
        admin.MapGet("/routes/{alias}", GetRouteAsync).WithSummary("One alias's route.").Produces<RouteResponse>();
        admin.MapPut("/routes/{alias}", SetRouteAsync)
            .WithSummary("Sets an alias's route on every node (creates the alias, or overrides its configured route). expected_version guards against concurrent edits.")
            .Produces<RoutingTableResponse>();
        admin.MapDelete("/routes/{alias}", (string alias, long? expectedVersion, HttpContext context, RouteDirectoryClient directory, ModelRouter router) =>
                ChangeAsync(context, directory, router, new RouteCommands.RemoveRoute(alias, expectedVersion)))
            .WithSummary("Removes a route set through the admin API; the configured route, if any, applies again.")
            .Produces<RoutingTableResponse>();

        admin.MapGet("/channels", ListChannelsAsync).WithSummary("Every configured channel's admission state: in flight, latency, circuit breaker.");
        admin.MapGet("/channels/{id}", GetChannelAsync).WithSummary("One channel's admission state and circuit breaker.").Produces<ChannelResponse>();
        return endpoints;
    }

    private static async Task<IResult> GetRouteAsync(string alias, HttpContext context, ModelRouter router)
    {
        if (router.TryGetRoute(alias, out var route))
        {
            return TypedResults.Json(Route(route, router.SourceOf(alias)), GatewayJsonContext.Default.RouteResponse);
        }

        await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, $"No route for alias '{alias}'.", OpenAiErrorTypes.NotFound, "route_not_found");
        return Results.Empty;
    }

    private static async Task<IResult> SetRouteAsync(
        string alias, RouteRequest body, HttpContext context, RouteDirectoryClient directory, ModelRouter router, IOptionsMonitor<GatewayOptions> options)
    {
        var strategy = RoutingStrategy.WeightedRandom;
        if (body.Strategy is not null && !Enum.TryParse(body.Strategy.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out strategy))
        {
            return await InvalidAsync(context, $"Unknown strategy '{body.Strategy}': use weighted_random, lowest_latency or least_in_flight.");
        }

        var spec = new RouteSpec(
            alias,
            strategy,
            (body.Deployments ?? []).Select(deployment => new Deployment(
                string.IsNullOrEmpty(deployment.Id) ? deployment.Channel : deployment.Id,
                deployment.Channel,
                string.IsNullOrEmpty(deployment.VendorModel) ? alias : deployment.VendorModel,
                deployment.Weight ?? 1,
                deployment.Priority ?? 0)).ToList(),
            (body.Canaries ?? []).Select(canary => new CanarySpec(canary.Deployment, canary.Percent, canary.Tenants)).ToList());
        var unknown = spec.Deployments.Select(deployment => deployment.ChannelId).Where(channel => !options.CurrentValue.Channels.ContainsKey(channel ?? "")).ToList();
        if (unknown.Count > 0)
        {
            return await InvalidAsync(context, $"Unknown channel(s): {string.Join(", ", unknown)}. Channels come from ActorRelay:Channels.");
        }

        return await ChangeAsync(context, directory, router, new RouteCommands.SetRoute(spec, body.ExpectedVersion));
    }

    private static async Task<IResult> ChangeAsync(HttpContext context, RouteDirectoryClient directory, ModelRouter router, IRouteDirectoryMessage command)
    {
        var reply = await directory.SendAsync(command, context.RequestAborted);
        if (reply.Outcome == RouteOutcome.Accepted)
        {
            return TypedResults.Json(Table(router), GatewayJsonContext.Default.RoutingTableResponse);
        }

        var status = reply.Outcome switch
        {
            RouteOutcome.NotFound => StatusCodes.Status404NotFound,
            RouteOutcome.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        await ErrorResponses.WriteAsync(context, status, reply.Error ?? "The change was refused.",
            status == StatusCodes.Status404NotFound ? OpenAiErrorTypes.NotFound : OpenAiErrorTypes.InvalidRequest, BreakerResponse.Snake(reply.Outcome.ToString()));
        return Results.Empty;
    }

    private static async Task<IResult> InvalidAsync(HttpContext context, string message)
    {
        await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, message, OpenAiErrorTypes.InvalidRequest, "invalid");
        return Results.Empty;
    }

    private static async Task<IResult> ListChannelsAsync(HttpContext context, ChannelGate gate, IOptionsMonitor<GatewayOptions> options)
    {
        var stats = await Task.WhenAll(options.CurrentValue.Channels.Keys.Order(StringComparer.Ordinal)
            .Select(channel => gate.StatsAsync(channel, context.RequestAborted)));
        return TypedResults.Json(stats.Select(ChannelResponse.From).ToList(), GatewayJsonContext.Default.ListChannelResponse);
    }

    private static async Task<IResult> GetChannelAsync(string id, HttpContext context, ChannelGate gate, IOptionsMonitor<GatewayOptions> options)
    {
        if (options.CurrentValue.Channels.ContainsKey(id))
        {
            return TypedResults.Json(ChannelResponse.From(await gate.StatsAsync(id, context.RequestAborted)), GatewayJsonContext.Default.ChannelResponse);
        }

        await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, $"Channel '{id}' is not configured.", OpenAiErrorTypes.NotFound, "channel_not_found");
        return Results.Empty;
    }

    private static RoutingTableResponse Table(ModelRouter router)
    {
        var (configVersion, loadedAt) = router.Configuration;
        return new RoutingTableResponse(
            router.DirectoryVersion,
            configVersion,
            loadedAt,
            router.Table.Routes.Values.OrderBy(route => route.Alias, StringComparer.Ordinal).Select(route => Route(route, router.SourceOf(route.Alias))).ToList());
    }

    private static RouteResponse Route(ModelRoute route, RouteSource source) => new(
        route.Alias,
        BreakerResponse.Snake(source.ToString()),
        BreakerResponse.Snake(route.Strategy.ToString()),
        route.Deployments.Select(DeploymentBody.From).ToList(),
        route.Canaries.Select(canary => new CanaryBody(canary.DeploymentId, canary.Percent, canary.Tenants?.Order(StringComparer.Ordinal).ToList())).ToList());
}
