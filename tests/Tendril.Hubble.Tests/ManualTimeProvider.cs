namespace Tendril.Hubble.Tests;

/// <summary>A clock the test moves by hand: wall time and a nanosecond monotonic timestamp advance together.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start, long monotonicNs) : TimeProvider
{
    private DateTimeOffset _now = start;
    private long _monotonicNs = monotonicNs;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _monotonicNs;

    public override long TimestampFrequency => 1_000_000_000;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _monotonicNs += by.Ticks * 100;
    }
}
