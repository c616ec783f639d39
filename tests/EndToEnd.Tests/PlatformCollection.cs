using TestSupport;

// One platform at a time: two of them side by side on a two-core machine only slow each other down.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace EndToEnd.Tests;

/// <summary>Journey tests share one running platform: <c>[Collection(nameof(PlatformCollection))]</c>, then take PlatformFixture in the constructor.</summary>
[CollectionDefinition(nameof(PlatformCollection))]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>;
