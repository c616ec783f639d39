namespace EndToEnd.Tests.Journey;

/// <summary>
/// One running platform for the journey and fuzz tests, started through Aspire.Hosting.Testing
/// (<see cref="TestingBuilderPlatform"/>) once for the whole collection.
/// </summary>
public sealed class JourneyPlatform : IAsyncLifetime
{
    public TestingBuilderPlatform Platform { get; } = new();

    public Task InitializeAsync() => Platform.InitializeAsync();

    public Task DisposeAsync() => Platform.DisposeAsync();
}

[CollectionDefinition(nameof(JourneyCollection))]
public sealed class JourneyCollection : ICollectionFixture<JourneyPlatform>;
