using Deploy.Service.Domain;

namespace Deploy.Tests;

public sealed class PackageKeyTests
{
    private static readonly PackageFileDigest Model = new("model.onnx", "aa11" + new string('0', 60));
    private static readonly PackageFileDigest Vocab = new("vocab/tokens.txt", "bb22" + new string('1', 60));
    private static readonly PackageKeyInputs Baseline = new([Model, Vocab], "onnxruntime-1.30.0", 8, 500, "cpu");

    [Fact]
    public void SameInputsGiveTheSameKey()
    {
        var again = new PackageKeyInputs([Model, Vocab], "onnxruntime-1.30.0", 8, 500, "cpu");
        Assert.Equal(Baseline.ComputeKey(), again.ComputeKey());
        Assert.Matches("^[0-9a-f]{64}$", Baseline.ComputeKey());
    }

    [Fact]
    public void FileOrderAndDigestCaseDoNotChangeTheKey()
    {
        var reordered = Baseline with { Files = [Vocab with { Sha256 = Vocab.Sha256.ToUpperInvariant() }, Model] };
        Assert.Equal(Baseline.ComputeKey(), reordered.ComputeKey());
    }

    public static TheoryData<string, PackageKeyInputs> Changes() => new()
    {
        { "file content", Baseline with { Files = [Model with { Sha256 = "cc33" + new string('0', 60) }, Vocab] } },
        { "file path", Baseline with { Files = [Model with { Path = "other.onnx" }, Vocab] } },
        { "extra file", Baseline with { Files = [Model, Vocab, new PackageFileDigest("extra.bin", new string('2', 64))] } },
        { "runtime version", Baseline with { RuntimeVersion = "onnxruntime-1.31.0" } },
        { "max batch size", Baseline with { MaxBatchSize = 16 } },
        { "max queue delay", Baseline with { MaxQueueDelayMicroseconds = 0 } },
        { "provider", Baseline with { Provider = PackageKeyInputs.ProviderFor(gpus: 1) } },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void EverythingThatShapesThePackageChangesTheKey(string what, PackageKeyInputs changed)
    {
        Assert.False(Baseline.ComputeKey() == changed.ComputeKey(), $"changing the {what} must change the key");
    }

    [Fact]
    public void HashInputsAreListedSoUsersCanSeeWhyARebuildHappened()
    {
        var lines = Baseline.CanonicalLines();
        Assert.Contains("runtime=onnxruntime-1.30.0", lines);
        Assert.Contains("provider=cpu", lines);
        Assert.Contains("batching.maxBatchSize=8", lines);
        Assert.Contains("batching.maxQueueDelayMicroseconds=500", lines);
        Assert.Contains($"file=model.onnx sha256={Model.Sha256}", lines);
    }

    [Fact]
    public void ProviderFollowsTheGpuRequest()
    {
        Assert.Equal("cpu", PackageKeyInputs.ProviderFor(0));
        Assert.Equal("cuda", PackageKeyInputs.ProviderFor(2));
    }
}
