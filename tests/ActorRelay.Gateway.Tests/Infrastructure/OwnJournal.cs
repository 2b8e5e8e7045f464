namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>A fresh SQLite journal file per test, deleted afterwards; for tests that start their own gateways.</summary>
public abstract class OwnJournal : IDisposable
{
    protected string Database { get; } = RunningGateway.NewDatabasePath();

    public virtual void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Database, Database + "-wal", Database + "-shm" })
        {
            File.Delete(file);
        }

        GC.SuppressFinalize(this);
    }
}
