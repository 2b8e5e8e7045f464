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

    internal string LinqToDbProviderName => Provider switch
    {
        JournalProvider.Sqlite => ProviderName.SQLiteMS,
        JournalProvider.PostgreSql => ProviderName.PostgreSQL15,
        _ => throw new InvalidOperationException($"Unknown journal provider {Provider}."),
    };

    /// <summary>Microsoft.Data.Sqlite does not create a missing folder; create the journal's folder before the first write.</summary>
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
    }
}
