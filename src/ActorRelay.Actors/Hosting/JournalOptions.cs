using LinqToDB;
using Microsoft.Data.Sqlite;

namespace ActorRelay.Actors.Hosting;

public enum JournalProvider
{
    Sqlite = 0,
    PostgreSql = 1,
}

/// <summary>Where the event journal and snapshot store live (Akka.Persistence.Sql).</summary>
public sealed record JournalOptions
{
    public JournalProvider Provider { get; init; } = JournalProvider.Sqlite;

    /// <summary>ADO.NET connection string. The SQLite default keeps the journal in <c>data/actorrelay.db</c> under the working directory.</summary>
    public string ConnectionString { get; init; } = "Data Source=data/actorrelay.db";

    /// <summary>
    /// Whether the ledger writes its compact forms: cost batches as <c>CostsRecorded.v2</c> (about a fifth of the bytes
    /// per call) and snapshots as <c>LedgerSnapshot.v2</c> (request-id window as raw bytes, a quarter fewer bytes than
    /// base64 in JSON). Nodes of a version before a form cannot read it: while a rolling upgrade still has such nodes in
    /// the cluster, set it off (<c>ActorRelay__Akka__Journal__CompactCostBatches=false</c>), then on once every node runs
    /// this version. Either way every node of this version reads every form.
    /// </summary>
    public bool CompactCostBatches { get; init; } = true;

    internal string LinqToDbProviderName => Provider switch
    {
        JournalProvider.Sqlite => ProviderName.SQLiteMS,
        JournalProvider.PostgreSql => ProviderName.PostgreSQL15,
        _ => throw new InvalidOperationException($"Unknown journal provider {Provider}."),
    };

    /// <summary>
    /// Prepares an SQLite journal: Microsoft.Data.Sqlite does not create a missing folder, and write-ahead logging
    /// (a setting stored in the database file) lets the journal commit without rewriting pages and lets reports
    /// read while the ledger writes.
    /// </summary>
    internal void EnsureStorageExists()
    {
        if (Provider != JournalProvider.Sqlite)
        {
            return;
        }

        var dataSource = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
        var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode=WAL;";
        wal.ExecuteNonQuery();
    }
}
