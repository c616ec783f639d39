using Microsoft.Extensions.Configuration;
using ServiceDefaults.Http;

namespace ServiceDefaults.Tests;

public class ServiceAddressesTests
{
    private static ServiceAddresses From(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    [Fact]
    public void Resolves_the_first_address_of_an_aspire_style_setting()
    {
        var addresses = From(("services:registry:grpc:0", "http://127.0.0.1:5102"), ("services:registry:http:0", "http://127.0.0.1:5101"));

        Assert.Equal(new Uri("http://127.0.0.1:5102"), addresses.Resolve("registry", "grpc"));
        Assert.Equal(new Uri("http://127.0.0.1:5101"), addresses.Resolve("registry"));
    }

    [Fact]
    public void Lists_every_replica_address()
    {
        var addresses = From(("services:inference:grpc:0", "http://127.0.0.1:7000"), ("services:inference:grpc:1", "http://127.0.0.1:7001"));

        Assert.Equal([new Uri("http://127.0.0.1:7000"), new Uri("http://127.0.0.1:7001")], addresses.ResolveAll("inference", "grpc"));
    }

    [Fact]
    public void Missing_service_names_the_setting_to_configure()
    {
        var addresses = From();

        Assert.Null(addresses.TryResolve("deploy"));
        var error = Assert.Throws<InvalidOperationException>(() => addresses.Resolve("deploy", "grpc"));
        Assert.Contains("services__deploy__grpc__0", error.Message);
    }

    [Fact]
    public void Environment_variable_form_maps_onto_the_same_keys()
    {
        Environment.SetEnvironmentVariable("services__svc_env_test__http__0", "http://127.0.0.1:9999");
        try
        {
            var addresses = new ServiceAddresses(new ConfigurationBuilder().AddEnvironmentVariables().Build());
            Assert.Equal(new Uri("http://127.0.0.1:9999"), addresses.Resolve("svc_env_test"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("services__svc_env_test__http__0", null);
        }
    }
}
