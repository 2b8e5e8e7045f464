using ActorRelay.Gateway;

// Socket completions run on the socket engine's event threads instead of each taking a turn of the thread pool: a
// request reaches Kestrel, and a vendor's answer the relay, one turn sooner (a stream's added time to first token
// -0.25 ms here, benchmarks/README.md). The relay takes a vendor's whole answer off those threads before working on it
// (Bodies), and a stream's events go to its relay graph's actor. Read once, at the first socket; set it to 0 to opt out.
const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
}

await GatewayApp.Build(args).RunAsync();
