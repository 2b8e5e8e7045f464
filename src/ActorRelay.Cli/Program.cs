using System.Globalization;
using ActorRelay.Cli;

if (!ReplayOptions.TryParse(args, out var options, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine();
    Console.Error.WriteLine(ReplayOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    press.Cancel = true;
    cancel.Cancel();
};

var result = await LedgerReplay.RunAsync(options, Console.Out, Console.Error, cancel.Token);
Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Replayed {result.Events:N0} ledger events: {result.Totals.Requests:N0} requests, {result.Totals.InputTokens:N0} input and {result.Totals.OutputTokens:N0} output tokens, cost {result.Totals.Cost}{(result.PriceVersion is null ? "" : $" at prices {result.PriceVersion} ({result.Unpriced:N0} events unpriced)")}."));
return 0;
