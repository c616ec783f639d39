namespace Compute.Service.Domain;

/// <summary>An amount of compute. Cores and memory are decimals so fractional requests (0.1 cores) add up exactly.</summary>
public readonly record struct Capacity(decimal CpuCores, decimal MemoryGb, int Gpus)
{
    public static readonly Capacity Zero = new(0, 0, 0);

    public static Capacity operator +(Capacity a, Capacity b) => new(a.CpuCores + b.CpuCores, a.MemoryGb + b.MemoryGb, a.Gpus + b.Gpus);
    public static Capacity operator -(Capacity a, Capacity b) => new(a.CpuCores - b.CpuCores, a.MemoryGb - b.MemoryGb, a.Gpus - b.Gpus);
    public static Capacity operator *(Capacity a, int n) => new(a.CpuCores * n, a.MemoryGb * n, a.Gpus * n);

    public bool Fits(Capacity request) => request.CpuCores <= CpuCores && request.MemoryGb <= MemoryGb && request.Gpus <= Gpus;

    public Capacity AtLeastZero() => new(Math.Max(0, CpuCores), Math.Max(0, MemoryGb), Math.Max(0, Gpus));

    public override string ToString() => $"{CpuCores:0.####} cores, {MemoryGb:0.####} GB memory, {Gpus} GPUs";

    /// <summary>Requests arrive as doubles (JSON, protobuf); four decimals is finer than anything a scheduler honours.</summary>
    public static decimal FromDouble(double value) => Math.Round((decimal)value, 4, MidpointRounding.AwayFromZero);
}
