namespace ActorRelay.Core.Routing;

/// <summary>
/// One place a model alias can be served: a vendor channel and the model name sent to it. A lower
/// <paramref name="Priority"/> is tried first; deployments of equal priority form a group ordered by the route's
/// strategy, and <paramref name="Weight"/> biases weighted-random draws and breaks ties of the other strategies.
/// </summary>
public sealed record Deployment(string Id, string ChannelId, string VendorModel, int Weight = 1, int Priority = 0);
