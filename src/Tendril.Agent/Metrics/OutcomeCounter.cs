namespace Tendril.Agent.Metrics;

/// <summary>Counts operations by outcome, for metrics read at scrape time. Thread-safe.</summary>
public sealed class OutcomeCounter
{
    private long _succeeded;
    private long _failed;

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    public void Success() => Interlocked.Increment(ref _succeeded);

    public void Failure() => Interlocked.Increment(ref _failed);
}
