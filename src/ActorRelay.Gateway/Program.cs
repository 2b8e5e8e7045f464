using ActorRelay.Gateway;

await GatewayApp.Build(args).RunAsync();
