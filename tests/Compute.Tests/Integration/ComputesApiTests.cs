using TestSupport;
using System.Net;
using System.Text.Json;

namespace Compute.Tests.Integration;

[Collection(nameof(InfrastructureCollection))]
public sealed class ComputesApiTests(SharedComputeApp shared) : IClassFixture<SharedComputeApp>
{
    private readonly HttpClient _client = shared.Client;
    private readonly BusEventListener _bus = shared.Bus;

    [Fact]
    public async Task A_DevTest_compute_is_created_then_provisioned_and_each_state_is_published_on_the_bus()
    {
        var response = await _client.PutComputeAsync("dev-box", new { type = "local", purpose = "DevTest", vmSize = "Standard_D2_v2", agentCount = 1 });
        var created = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal("/api/v1/computes/dev-box", response.Headers.Location?.OriginalString);
        Assert.Equal("Creating", created.GetProperty("provisioningState").GetString());
        Assert.Equal("DevTest", created.GetProperty("purpose").GetString());

        var compute = await _client.WaitProvisionedAsync("dev-box");
        Assert.Equal("Succeeded", compute.GetProperty("provisioningState").GetString());
        Assert.Equal(JsonValueKind.Null, compute.GetProperty("error").ValueKind);
        Assert.Equal(2m, compute.GetProperty("capacity").GetProperty("cpuCores").GetDecimal());
        Assert.Equal(7m, compute.GetProperty("free").GetProperty("memoryGb").GetDecimal());

        await _bus.WaitForAsync("dev-box", "Creating");
        var succeeded = await _bus.WaitForAsync("dev-box", "Succeeded");
        Assert.Equal("local", succeeded.ComputeType);
    }

    [Fact]
    public async Task A_FastProd_compute_with_12_vcpus_is_created()
    {
        await (await _client.PutComputeAsync("prod-1", new { type = "local", purpose = "FastProd", vmSize = "Standard_D3_v2", agentCount = 3 }))
            .JsonAsync(HttpStatusCode.Created);
        var compute = await _client.WaitProvisionedAsync("prod-1");
        Assert.Equal("Succeeded", compute.GetProperty("provisioningState").GetString());
        Assert.Equal(12m, compute.GetProperty("capacity").GetProperty("cpuCores").GetDecimal());
    }

    [Fact]
    public async Task A_too_small_FastProd_compute_is_refused_with_the_rule_and_the_arithmetic()
    {
        var problem = await (await _client.PutComputeAsync("prod-small", new { type = "local", purpose = "FastProd", vmSize = "Standard_D3_v2", agentCount = 2 }))
            .JsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("FastProd needs agentCount × vCPUs(vmSize) ≥ 12, but 2 × 4 (Standard_D3_v2) = 8.", Assert.Single(problem.FieldErrors("purpose")));
        await (await _client.GetAsync("/api/v1/computes/prod-small")).JsonAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Putting_an_existing_compute_again_updates_it_with_200()
    {
        await (await _client.PutComputeAsync("grow-me", new { type = "local", purpose = "DevTest", vmSize = "Standard_D2_v2" })).JsonAsync(HttpStatusCode.Created);
        var updated = await (await _client.PutComputeAsync("grow-me", new { type = "local", purpose = "DevTest", vmSize = "Standard_D4_v2", agentCount = 2 }))
            .JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Standard_D4_v2", updated.GetProperty("vmSize").GetString());
        Assert.Equal(16m, (await _client.WaitProvisionedAsync("grow-me")).GetProperty("capacity").GetProperty("cpuCores").GetDecimal());
    }

    public static TheoryData<string, string, string, string> BadInput => new()
    {
        // name (in the route), body, field, part of the message
        { "ab", """{"type":"local","purpose":"DevTest"}""", "name", "3 to 24 characters" },
        { "a234567890123456789012345", """{"type":"local","purpose":"DevTest"}""", "name", "3 to 24 characters" },
        { "9lives", """{"type":"local","purpose":"DevTest"}""", "name", "start with a letter" },
        { "bad_name", """{"type":"local","purpose":"DevTest"}""", "name", "only letters, digits and '-'" },
        { "okname", """{"purpose":"DevTest"}""", "type", "is required" },
        { "okname", """{"type":"","purpose":"DevTest"}""", "type", "must not be empty" },
        { "okname", """{"type":"vm","purpose":"DevTest"}""", "type", "must be one of local, kubernetes" },
        { "okname", """{"type":7,"purpose":"DevTest"}""", "type", "must be a string" },
        { "okname", """{"type":"local","purpose":"Prod"}""", "purpose", "must be one of DevTest, FastProd" },
        { "okname", """{"type":"local","purpose":true}""", "purpose", "must be a string" },
        { "okname", """{"type":"local","purpose":"DevTest","vmSize":"Standard_Huge"}""", "vmSize", "is not in the VM size catalogue" },
        { "okname", """{"type":"local","purpose":"DevTest","vmSize":42}""", "vmSize", "must be a string" },
        { "okname", """{"type":"local","purpose":"DevTest","agentCount":0}""", "agentCount", "between 1 and 100" },
        { "okname", """{"type":"local","purpose":"DevTest","agentCount":101}""", "agentCount", "between 1 and 100" },
        { "okname", """{"type":"local","purpose":"DevTest","agentCount":1.5}""", "agentCount", "whole number" },
        { "okname", """{"type":"local","purpose":"DevTest","agentCount":"2"}""", "agentCount", "whole number" },
        { "okname", """{"type":"local","purpose":"DevTest","vmSize":"Standard_D1_v2","agentCount":1}""", "purpose", "DevTest needs agentCount × vCPUs(vmSize) ≥ 2" },
        { "okname", """{"type":"local","purpose":"DevTest","colour":"red"}""", "colour", "is not a field of a compute" },
        { "okname", """{"type":"local","purpose":"DevTest","kubernetes":{"apiServer":"https://k:6443","token":"t"}}""", "kubernetes", "only for type kubernetes" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest"}""", "kubernetes", "is required for type kubernetes" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":"https://k"}""", "kubernetes", "must be an object" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"token":"t"}}""", "kubernetes.apiServer", "is required" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"apiServer":"k8s.local","token":"t"}}""", "kubernetes.apiServer", "absolute http:// or https:// URL" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"apiServer":"ftp://k:21","token":"t"}}""", "kubernetes.apiServer", "absolute http:// or https:// URL" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"apiServer":"https://k:6443","namespace":"Has_Caps","token":"t"}}""", "kubernetes.namespace", "DNS label" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"apiServer":"https://k:6443","namespace":5,"token":"t"}}""", "kubernetes.namespace", "must be a string" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"apiServer":"https://k:6443"}}""", "kubernetes.token", "is required" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"apiServer":"https://k:6443","token":"two words"}}""", "kubernetes.token", "printable ASCII without spaces" },
        { "okname", """{"type":"kubernetes","purpose":"DevTest","kubernetes":{"apiServer":"https://k:6443","token":"t","user":"me"}}""", "kubernetes.user", "is not a field of kubernetes" },
        { "okname", """[1,2]""", "body", "must be a JSON object" },
        { "okname", """{"type":"local",""", "body", "is not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_refused_with_the_field_and_the_rule(string name, string body, string field, string rule)
    {
        var response = await _client.PutJsonAsync($"/api/v1/computes/{name}", body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.FieldErrors(field), m => m.Contains(rule, StringComparison.Ordinal));
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task The_local_compute_always_exists_and_cannot_be_changed_deleted_or_detached()
    {
        var local = await (await _client.GetAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("local", local.GetProperty("type").GetString());
        Assert.Equal("Succeeded", local.GetProperty("provisioningState").GetString());

        await (await _client.PutComputeAsync("local", new { type = "local", purpose = "DevTest" })).JsonAsync(HttpStatusCode.Conflict);
        await (await _client.DeleteAsync("/api/v1/computes/local")).JsonAsync(HttpStatusCode.Conflict);
        await (await _client.PostAsync("/api/v1/computes/local/detach", null)).JsonAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task The_list_shows_local_and_every_created_compute()
    {
        await (await _client.PutComputeAsync("listed-one", new { type = "local", purpose = "DevTest" })).JsonAsync(HttpStatusCode.Created);
        var list = await (await _client.GetAsync("/api/v1/computes")).JsonAsync(HttpStatusCode.OK);
        var names = list.GetProperty("value").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("local", names);
        Assert.Contains("listed-one", names);
    }

    [Fact]
    public async Task Unknown_computes_are_404_problems()
    {
        var problem = await (await _client.GetAsync("/api/v1/computes/nowhere")).JsonAsync(HttpStatusCode.NotFound);
        Assert.Contains("'nowhere' does not exist", problem.GetProperty("detail").GetString());
        await (await _client.DeleteAsync("/api/v1/computes/nowhere")).JsonAsync(HttpStatusCode.NotFound);
        await (await _client.PostAsync("/api/v1/computes/nowhere/detach", null)).JsonAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_compute_removes_it_and_is_published()
    {
        await (await _client.PutComputeAsync("short-lived", new { type = "local", purpose = "DevTest" })).JsonAsync(HttpStatusCode.Created);
        await (await _client.DeleteAsync("/api/v1/computes/short-lived")).JsonAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync("/api/v1/computes/short-lived")).JsonAsync(HttpStatusCode.NotFound);
        await _bus.WaitForAsync("short-lived", "Deleted");
    }

    [Fact]
    public async Task A_created_compute_is_deleted_not_detached()
    {
        await (await _client.PutComputeAsync("made-here", new { type = "local", purpose = "DevTest" })).JsonAsync(HttpStatusCode.Created);
        var problem = await (await _client.PostAsync("/api/v1/computes/made-here/detach", null)).JsonAsync(HttpStatusCode.Conflict);
        Assert.Contains("delete it instead", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Names_are_unique_regardless_of_case()
    {
        await (await _client.PutComputeAsync("CaseName", new { type = "local", purpose = "DevTest" })).JsonAsync(HttpStatusCode.Created);
        var problem = await (await _client.PutComputeAsync("casename", new { type = "local", purpose = "DevTest" })).JsonAsync(HttpStatusCode.Conflict);
        Assert.Contains("taken by compute 'CaseName'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_type_of_a_compute_cannot_change()
    {
        await (await _client.PutComputeAsync("fixed-type", new { type = "local", purpose = "DevTest" })).JsonAsync(HttpStatusCode.Created);
        var problem = await (await _client.PutComputeAsync("fixed-type",
            new { type = "kubernetes", purpose = "DevTest", kubernetes = new { apiServer = "http://127.0.0.1:1", token = "t" } })).JsonAsync(HttpStatusCode.Conflict);
        Assert.Contains("cannot change", problem.GetProperty("detail").GetString());
    }
}
