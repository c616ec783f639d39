using TestSupport;

namespace EndToEnd.Tests.Journey;

/// <summary>
/// One running platform for the journey tests. Wraps <see cref="PlatformFixture"/> because xUnit requires a
/// collection fixture with a single public constructor, and PlatformFixture has two.
/// </summary>
public sealed class JourneyPlatform : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public Task InitializeAsync() => Platform.InitializeAsync();

    public Task DisposeAsync() => Platform.DisposeAsync();
}

[CollectionDefinition(nameof(JourneyCollection))]
public sealed class JourneyCollection : ICollectionFixture<JourneyPlatform>;
