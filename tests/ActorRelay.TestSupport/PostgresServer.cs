using System.Diagnostics;
using Npgsql;

namespace ActorRelay.TestSupport;

/// <summary>
/// A real PostgreSQL for persistence tests, on 127.0.0.1. CI (<c>.ci/run</c>) starts one and passes its admin
/// connection string in <c>ACTORRELAY_TEST_POSTGRES</c>; without it, a private server is initialised and started
/// from the local PostgreSQL binaries (Debian's <c>postgresql</c> package) for the duration of the test run.
/// Each caller gets a fresh database, so tests never see each other's journals.
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "ACTORRELAY_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> AdminConnection = new(StartAsync);

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var admin = await AdminConnection.Value;
        var name = "actorrelay_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;
    }

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin")).Where(Directory.Exists).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                $"PostgreSQL persistence tests need a server: install Debian's 'postgresql' package (apt-get install -y postgresql) or set {EnvironmentVariable}.");
        }

        var dataDirectory = Path.Combine(Path.GetTempPath(), "actorrelay-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDirectory);
        var port = LoopbackPorts.Free();
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", $"postgres:postgres {dataDirectory}");
        }

        await RunAsync(Path.Combine(bin, "initdb"), $"-D {dataDirectory} --auth=trust -U postgres", asRoot);
        await RunAsync(Path.Combine(bin, "pg_ctl"),
            $"-D {dataDirectory} -l {dataDirectory}/server.log -o \"-c listen_addresses=127.0.0.1 -p {port} -k {dataDirectory} -c fsync=off\" -w start", asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            using var stop = Process.Start(Command(Path.Combine(bin, "pg_ctl"), $"-D {dataDirectory} -m immediate stop", asRoot));
            stop?.WaitForExit(10_000);
            Directory.Delete(dataDirectory, recursive: true);
        };
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    private static async Task RunAsync(string file, string arguments, bool asPostgresUser = false)
    {
        using var process = Process.Start(Command(file, arguments, asPostgresUser))
                            ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {output}{error}");
        }
    }

    private static ProcessStartInfo Command(string file, string arguments, bool asPostgresUser) => asPostgresUser
        ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true }
        : new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
}
