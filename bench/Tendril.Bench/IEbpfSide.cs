namespace Tendril.Bench;

/// <summary>
/// One side of the `ebpf` benchmark: the selftest object loaded once, and one step of each figure on demand, so the
/// orchestrator can alternate the two sides step by step. Not thread-safe; dispose releases every BPF object.
/// </summary>
internal interface IEbpfSide : IDisposable
{
    /// <summary>One pass of the four map figures over keys 0..Keys-1, in ops/s, in <see cref="MapFigures.Names"/> order.</summary>
    double[] Maps();

    /// <summary>Fills the empty ring with <paramref name="events"/> events, then times one drain of all of them; events/s.</summary>
    double Drain(int events);

    /// <summary>Produces on this thread for <paramref name="duration"/> while another thread waits and consumes.</summary>
    RingFigure Concurrent(TimeSpan duration);
}

internal static class MapFigures
{
    public static readonly string[] Names = ["map_update_single", "map_lookup_single", "map_update_batch", "map_lookup_batch"];
}

/// <summary>Events per second a reader handled, and what the producer wrote and could not write meanwhile.</summary>
internal readonly record struct RingFigure(double EventsPerSecond, long Produced, long Lost)
{
    public double LostShare => Produced == 0 ? 0 : (double)Lost / Produced;
}
