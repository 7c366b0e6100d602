namespace Tendril.Hubble.Decoding;

/// <summary>
/// Converts the datapath's <c>bpf_ktime_get_ns()</c> (CLOCK_MONOTONIC, ns since boot) to wall-clock time, using an
/// offset taken once from <see cref="TimeProvider"/>: wall = boot time + ktime. On Linux the system provider's
/// timestamps are CLOCK_MONOTONIC, the same clock the kernel stamps events with. Immutable and thread-safe.
/// </summary>
/// <remarks>The offset drifts if the wall clock is stepped later; a restart picks up the new offset.</remarks>
public sealed class BootClock
{
    private const long NanosPerSecond = 1_000_000_000;
    private readonly long _bootUnixNs;

    /// <summary>Reads <paramref name="time"/> once to compute the boot time.</summary>
    public BootClock(TimeProvider time)
    {
        long monotonicNs = ToNanoseconds(time.GetTimestamp(), time.TimestampFrequency);
        long wallNs = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        _bootUnixNs = wallNs - monotonicNs;
    }

    /// <summary>Unix time in nanoseconds at which the monotonic clock read zero.</summary>
    public long BootUnixNanoseconds => _bootUnixNs;

    /// <summary>Unix nanoseconds for a monotonic kernel timestamp.</summary>
    public long ToUnixNanoseconds(ulong ktimeNs) => _bootUnixNs + (long)ktimeNs;

    /// <summary>Seconds and nanoseconds for a protobuf Timestamp.</summary>
    public (long Seconds, int Nanos) ToTimestamp(ulong ktimeNs) => Split(ToUnixNanoseconds(ktimeNs));

    /// <summary>Seconds and nanoseconds (0 ≤ nanos &lt; 10⁹) of Unix nanoseconds, for a protobuf Timestamp.</summary>
    public static (long Seconds, int Nanos) Split(long ns)
    {
        long seconds = Math.DivRem(ns, NanosPerSecond, out long rest);
        if (rest < 0)
        {
            seconds--;
            rest += NanosPerSecond;
        }
        return (seconds, (int)rest);
    }

    private static long ToNanoseconds(long timestamp, long frequency) =>
        frequency == NanosPerSecond ? timestamp : (long)((Int128)timestamp * NanosPerSecond / frequency);
}
