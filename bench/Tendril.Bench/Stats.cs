namespace Tendril.Bench;

internal static class Stats
{
    /// <summary>The middle value (the upper one of an even count), as median() in ebpf_baseline.c picks it.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count > 0 ? sorted[sorted.Count / 2] : throw new ArgumentException("no values", nameof(values));
    }
}
