namespace Tendril.Bench;

/// <summary>Sizes of one `ebpf` benchmark run; the C# side and the C baseline always get the same ones.</summary>
/// <param name="Keys">Entries written and read by every map figure (keys 0..Keys-1).</param>
/// <param name="Batch">Entries per BPF_MAP_*_BATCH call.</param>
/// <param name="Repetitions">Timed runs per map and drain figure, after one untimed warm-up; the median is reported.</param>
/// <param name="RingEvents">Events written before each timed drain. 32-byte events take 40 bytes with their header,
/// so a 16 MiB ring holds at most 419,430: 400,000 fills it to 95 %.</param>
/// <param name="RingBytes">Size of selftest_events for both ring figures.</param>
/// <param name="ConcurrentDuration">How long one producer/consumer run lasts.</param>
/// <param name="ConcurrentRuns">Timed producer/consumer runs, after a warm-up of a quarter of the duration.</param>
/// <param name="IsSmoke">Sizes too small to mean anything; the run only proves the benchmark works.</param>
internal sealed record EbpfSettings(
    int Keys, int Batch, int Repetitions, int RingEvents, int RingBytes, TimeSpan ConcurrentDuration, int ConcurrentRuns, bool IsSmoke)
{
    public static EbpfSettings Full { get; } = new(200_000, 10_000, 5, 400_000, 16 << 20, TimeSpan.FromSeconds(3), 3, IsSmoke: false);

    /// <summary>Proves the benchmark works in a few seconds (CI); its figures are not meaningful.</summary>
    public static EbpfSettings Smoke { get; } = new(10_000, 2_000, 1, 20_000, 16 << 20, TimeSpan.FromSeconds(1), 1, IsSmoke: true);
}
