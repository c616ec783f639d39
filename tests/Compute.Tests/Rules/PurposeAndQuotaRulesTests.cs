using Compute.Service.Catalogue;
using Compute.Service.Domain;

namespace Compute.Tests.Rules;

public sealed class PurposeAndQuotaRulesTests
{
    private static readonly VmSizeCatalogue Catalogue = VmSizeCatalogue.LoadDefault();

    [Theory]
    [InlineData("Standard_D3_v2", 3, true)]    // 12 vCPUs: the smallest FastProd cluster
    [InlineData("Standard_D3_v2", 2, false)]   // 8
    [InlineData("Standard_D4_v2", 2, true)]    // 16
    [InlineData("Standard_D2_v2", 5, false)]   // 10
    [InlineData("Standard_NC12s_v3", 1, true)] // 12
    public void FastProd_needs_at_least_12_vcpus_across_agents(string size, int agents, bool allowed)
    {
        var error = PurposeRules.Check(Purposes.FastProd, Catalogue.Find(size)!, agents);
        Assert.Equal(allowed, error is null);
        if (!allowed) Assert.Contains("≥ 12", error);
    }

    [Theory]
    [InlineData("Standard_D1_v2", 1, false)]  // 1 vCPU
    [InlineData("Standard_D1_v2", 2, true)]
    [InlineData("Standard_D2_v2", 1, true)]
    public void DevTest_needs_at_least_2_vcpus(string size, int agents, bool allowed) =>
        Assert.Equal(allowed, PurposeRules.Check(Purposes.DevTest, Catalogue.Find(size)!, agents) is null);

    [Fact]
    public void The_refusal_shows_the_arithmetic()
    {
        var error = PurposeRules.Check(Purposes.FastProd, Catalogue.Find("Standard_DS3_v2")!, 2);
        Assert.Equal("FastProd needs agentCount × vCPUs(vmSize) ≥ 12, but 2 × 4 (Standard_DS3_v2) = 8.", error);
    }

    [Fact]
    public void The_catalogue_knows_the_sizes_of_the_design_case_insensitively()
    {
        Assert.Equal(new VmSize("Standard_D3_v2", 4, 14, 0), Catalogue.Find("standard_d3_v2"));
        Assert.Equal(1, Catalogue.Find("Standard_NC6s_v3")!.Gpus);
        Assert.Equal(112, Catalogue.Find("Standard_NC6s_v3")!.MemoryGb);
        Assert.Equal(24, Catalogue.Find("Standard_NC24s_v3")!.VCpus);
        Assert.Null(Catalogue.Find("Standard_Nope"));
    }

    [Theory]
    [InlineData(1, 2)]   // ceil(1.2) = 2
    [InlineData(3, 4)]   // ceil(3.6) = 4
    [InlineData(5, 6)]
    [InlineData(10, 12)]
    public void Quota_holds_ceil_of_1_2_times_instances(int instances, int quotaInstances) =>
        Assert.Equal(quotaInstances, Quota.QuotaInstances(instances));

    [Fact]
    public void Quota_cores_multiply_by_fractional_cores_exactly() =>
        Assert.Equal(0.4m, Quota.QuotaCores(3, 0.1m));
}
