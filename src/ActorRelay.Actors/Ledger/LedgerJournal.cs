using System.Data.Common;
using ActorRelay.Actors.Hosting;
using ActorRelay.Core.Ledger;
using Akka;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams.Dsl;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorRelay.Actors.Ledger;

/// <summary>
/// Reads the cost ledger back from the journal through Akka.Persistence.Query: every <see cref="LedgerEvents.CostRecorded"/>
/// of every tenant, in journal order, by its tag, whether it was stored alone or in a <see cref="LedgerEvents.CostsRecorded"/>
/// group. Reports and the replay tool read the ledger only through here.
/// </summary>
public static class LedgerJournal
{
    /// <summary>
    /// The ledger as it is now (the stream completes at the current end of the journal): one element per journal
    /// entry, holding the calls it recorded in their order.
    /// </summary>
    public static Source<IReadOnlyList<LedgerEvents.CostRecorded>, NotUsed> CurrentEntries(ActorSystem system) =>
        PersistenceQuery.Get(system)
            .ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
            .CurrentEventsByTag(TenantLedgerActor.CostTag, Offset.NoOffset())
            .Select(envelope => envelope.Event)
            .Collect(
                payload => payload is LedgerEvents.CostRecorded or LedgerEvents.CostsRecorded,
                payload => payload is LedgerEvents.CostsRecorded batch ? batch.Costs : (IReadOnlyList<LedgerEvents.CostRecorded>)[(LedgerEvents.CostRecorded)payload]);

    /// <summary>Every call of the ledger as it is now, in journal order.</summary>
    public static Source<LedgerEvents.CostRecorded, NotUsed> CurrentCosts(ActorSystem system) =>
        CurrentEntries(system).SelectMany(costs => costs);

    /// <summary>How many ledger journal entries the journal holds (for progress reporting), or null when it cannot tell.</summary>
    public static async Task<long?> CountAsync(JournalOptions journal, CancellationToken cancellationToken)
    {
        try
        {
            await using DbConnection connection = journal.Provider == JournalProvider.PostgreSql
                ? new NpgsqlConnection(journal.ConnectionString)
                : new SqliteConnection(journal.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM tags WHERE tag = @tag";
            var tag = command.CreateParameter();
            tag.ParameterName = "@tag";
            tag.Value = TenantLedgerActor.CostTag;
            command.Parameters.Add(tag);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (DbException)
        {
            return null;
        }
    }
}
