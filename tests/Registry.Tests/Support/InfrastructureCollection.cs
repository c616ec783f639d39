using TestSupport;

namespace Registry.Tests.Support;

/// <summary>Integration tests share one private PostgreSQL and RabbitMQ for the whole project.</summary>
[CollectionDefinition(nameof(InfrastructureCollection))]
public sealed class InfrastructureCollection : ICollectionFixture<InfrastructureFixture>;
