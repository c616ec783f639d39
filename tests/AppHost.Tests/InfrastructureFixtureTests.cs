using System.Text;
using Npgsql;
using RabbitMQ.Client;
using TestSupport;

namespace AppHost.Tests;

[Collection(nameof(InfrastructureCollection))]
public sealed class InfrastructureFixtureTests(InfrastructureFixture infrastructure)
{
    [Fact]
    public async Task Postgres_database_is_created_and_accepts_reads_and_writes()
    {
        var connectionString = infrastructure.PostgresConnectionString("fixture_rw");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE items (id int primary key, name text); INSERT INTO items VALUES (1, 'one'), (2, 'two');", connection))
            await create.ExecuteNonQueryAsync();
        await using var read = new NpgsqlCommand("SELECT string_agg(name, ',' ORDER BY id), current_database(), split_part(version(), ' ', 2) FROM items", connection);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("one,two", reader.GetString(0));
        Assert.Equal("fixture_rw", reader.GetString(1));
        Assert.StartsWith("15.", reader.GetString(2));
    }

    [Fact]
    public async Task Asking_twice_for_a_database_returns_the_same_one_with_its_data()
    {
        var first = infrastructure.PostgresConnectionString("fixture_twice");
        await using (var connection = new NpgsqlConnection(first))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE marker (v int); INSERT INTO marker VALUES (42);", connection);
            await create.ExecuteNonQueryAsync();
        }
        var second = infrastructure.PostgresConnectionString("fixture_twice");
        Assert.Equal(first, second);
        await using var again = new NpgsqlConnection(second);
        await again.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT v FROM marker", again);
        Assert.Equal(42, await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Postgres_rejects_a_wrong_password()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(infrastructure.PostgresConnectionString("fixture_auth")) { Password = "wrong" };
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    [Fact]
    public void Database_names_that_could_inject_sql_are_refused()
    {
        Assert.Throws<ArgumentException>(() => infrastructure.PostgresConnectionString("x\"; DROP DATABASE postgres; --"));
    }

    [Fact]
    public async Task RabbitMq_routes_a_published_message_to_a_queue()
    {
        var factory = new ConnectionFactory { Uri = new Uri(infrastructure.RabbitMqConnectionString) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("fixture-test-" + Guid.NewGuid().ToString("N"), durable: false, exclusive: true, autoDelete: true)).QueueName;

        await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes("hello"));

        BasicGetResult? got = null;
        for (var i = 0; i < 50 && got is null; i++)
        {
            got = await channel.BasicGetAsync(queue, autoAck: true);
            if (got is null) await Task.Delay(100);
        }
        Assert.NotNull(got);
        Assert.Equal("hello", Encoding.UTF8.GetString(got.Body.Span));
    }

    [Fact]
    public void RabbitMq_connection_string_is_the_guest_user_on_loopback()
    {
        var uri = new Uri(infrastructure.RabbitMqConnectionString);
        Assert.Equal("amqp", uri.Scheme);
        Assert.Equal("127.0.0.1", uri.Host);
        Assert.Equal("guest:guest", uri.UserInfo);
        Assert.True(uri.Port > 0);
    }
}
