using AigneHub.Infrastructure.Persistence;
using Npgsql;

namespace AigneHub.UnitTests.Infrastructure.Persistence;

public sealed class ConnectionBudgetTests
{
    private const string Server = "Host=db;Port=5432;Username=hub;Password=p;Database=hub;Maximum Pool Size=100";

    [Theory]
    [InlineData(30, 2, true)]
    [InlineData(30, null, false)]
    [InlineData(9, 1, true)]
    [InlineData(200, 64, true)]
    public void The_pools_of_one_instance_together_never_exceed_its_budget(int maxConnections, int? workers, bool lease)
    {
        var budget = ConnectionBudget.For(maxConnections, workers, lease);

        var main = new NpgsqlConnectionStringBuilder(budget.MainConnectionString(Server, 15)).MaxPoolSize;
        var hangfire = new NpgsqlConnectionStringBuilder(budget.HangfireConnectionString(Server, 15)).MaxPoolSize;
        Assert.Equal(maxConnections, main + hangfire + (lease ? 1 : 0));
        Assert.Equal(maxConnections, budget.Total);
    }

    [Fact]
    public void Three_default_instances_fit_postgres_default_max_connections_with_its_reserved_slots()
    {
        var perInstance = ConnectionBudget.For(new DatabaseOptions().MaxConnections, 2, true).Total;

        // PostgreSQL's default max_connections is 100, three of them reserved for superusers.
        Assert.True(3 * perInstance <= 100 - 3, $"3 x {perInstance} connections do not fit 97");
    }

    [Fact]
    public void Work_waits_in_the_process_for_the_configured_time_rather_than_opening_more_connections()
    {
        var budget = ConnectionBudget.For(30, 2, true);

        var main = new NpgsqlConnectionStringBuilder(budget.MainConnectionString(Server, 9));
        Assert.Equal((9, 23), (main.Timeout, main.MaxPoolSize));
    }

    [Fact]
    public void A_budget_too_small_for_the_hangfire_workers_stops_the_start_saying_what_to_change()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ConnectionBudget.For(10, 8, true));

        Assert.Contains("Database:MaxConnections (10)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at least 16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_main_pool_keeps_its_repeated_statements_prepared_unless_the_operator_turned_that_off()
    {
        var budget = ConnectionBudget.For(30, 2, true);

        var prepared = new NpgsqlConnectionStringBuilder(budget.MainConnectionString(Server, 15));
        var turnedOff = new NpgsqlConnectionStringBuilder(budget.MainConnectionString(Server + ";Max Auto Prepare=0", 15));
        var chosen = new NpgsqlConnectionStringBuilder(budget.MainConnectionString(Server + ";Max Auto Prepare=10", 15));

        Assert.Equal((ConnectionBudget.MainPoolPreparedStatements, 0, 10), (prepared.MaxAutoPrepare, turnedOff.MaxAutoPrepare, chosen.MaxAutoPrepare));
    }

    [Fact]
    public void The_statistics_lease_has_its_own_unpooled_connection()
    {
        var lease = new NpgsqlConnectionStringBuilder(ConnectionBudget.LeaseConnectionString(Server));

        Assert.False(lease.Pooling);
    }
}
