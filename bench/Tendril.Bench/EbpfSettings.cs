namespace Tendril.Bench;

/// <summary>Sizes of one benchmark run; C# and C always get the same ones.</summary>
internal sealed record EbpfSettings(int Keys, int Batch, int Repetitions, int RingEvents, int RingBytes, TimeSpan ConcurrentDuration)
{
    public static EbpfSettings Full { get; } = new(200_000, 10_000, 5, 400_000, 16 << 20, TimeSpan.FromSeconds(3));

    /// <summary>Proves the benchmark works in a few seconds (CI); its figures are not meaningful.</summary>
    public static EbpfSettings Smoke { get; } = new(10_000, 2_000, 1, 20_000, 1 << 20, TimeSpan.FromMilliseconds(300));
}
