using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;
using Tendril.Hubble.Storage;

namespace Tendril.Hubble.Hosting;

/// <summary>
/// The node's flow observer: decodes datapath event records, stores them in the <see cref="Store"/>, tracks
/// namespaces, and tells subscribers about every flow. The gRPC services read from it.
/// </summary>
/// <remarks>
/// <para>Ingestion (<see cref="OnRecord"/>, <see cref="Append"/>, <see cref="ReportKernelLost"/>) belongs to one
/// thread at a time, normally the reading thread started by <see cref="RunAsync"/>. Everything else is safe from
/// any thread. A record is resolved at once (pods, labels, identities and services as the agent knows them when the
/// event arrives) and stored as a <see cref="CompactFlow"/>; its <see cref="Flow"/> message is built when someone
/// reads it, so ingestion allocates nothing while nobody subscribes to <see cref="FlowObserved"/>.</para>
/// <para>Handlers of <see cref="FlowObserved"/> and <see cref="CompactFlowObserved"/> run on the ingesting thread
/// for every flow and must be quick and must not throw (a throwing handler is logged and skipped); what they get is
/// shared and must not be modified.</para>
/// <para>Owns the store and the decoder; does not own the event source given to <see cref="RunAsync"/>.</para>
/// </remarks>
public sealed partial class HubbleObserver : IFlowRecordSink
{
    private readonly FlowDecoder _decoder;
    private readonly NamespaceTracker _namespaces = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _startTimestamp;
    private readonly Lock _subscribing = new();
    private Action<Flow>[] _flowHandlers = [];
    private CompactFlowHandler[] _compactHandlers = [];

    /// <summary>Creates an observer with an empty store. Performs no I/O and starts nothing.</summary>
    public HubbleObserver(HubbleOptions options, IFlowEndpointResolver? resolver = null, TimeProvider? time = null, ILogger<HubbleObserver>? logger = null)
    {
        options.Validate();
        Options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _startTimestamp = _time.GetTimestamp();
        _decoder = new FlowDecoder(options.NodeName, resolver ?? ReservedOnlyEndpointResolver.Instance, new BootClock(_time), options.Version);
        Store = new FlowStore(options.BufferCapacity, _decoder);
    }

    /// <summary>
    /// Raised on the ingesting thread for every flow, after it is stored, with the message a reader of the store
    /// gets (same UUID). Subscribing costs a materialised flow per event; prefer <see cref="CompactFlowObserved"/>.
    /// </summary>
    public event Action<Flow>? FlowObserved
    {
        add => Subscribe(ref _flowHandlers, value);
        remove => Unsubscribe(ref _flowHandlers, value);
    }

    /// <summary>
    /// Raised on the ingesting thread for every flow decoded from a record, after it is stored, with its compact
    /// form (e.g. for flow metrics; nothing is allocated). Not raised for flows given to <see cref="Append"/> as messages.
    /// </summary>
    public event CompactFlowHandler? CompactFlowObserved
    {
        add => Subscribe(ref _compactHandlers, value);
        remove => Unsubscribe(ref _compactHandlers, value);
    }

    /// <summary>The settings this observer runs with.</summary>
    public HubbleOptions Options { get; }

    /// <summary>The flows kept in memory.</summary>
    public FlowStore Store { get; }

    /// <summary>The decoder, for its counters.</summary>
    public FlowDecoder Decoder => _decoder;

    /// <summary>Time since the observer was created.</summary>
    public TimeSpan Uptime => _time.GetElapsedTime(_startTimestamp);

    /// <summary>Event records rejected as malformed.</summary>
    public long MalformedRecords => _decoder.Malformed;

    /// <summary>The clock used for status and namespace ages.</summary>
    public TimeProvider Time => _time;

    /// <summary>Resolves and stores one record; malformed ones are counted and logged, never thrown.</summary>
    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (!_decoder.TryResolve(record, out var flow, out var error))
        {
            LogMalformed(error, record.Length, _decoder.Malformed);
            return;
        }
        long seq = Store.Append(in flow);
        _namespaces.Observe(flow.Source, flow.UnixNanoseconds);
        _namespaces.Observe(flow.Destination, flow.UnixNanoseconds);
        var compactHandlers = Volatile.Read(ref _compactHandlers);
        foreach (var handler in compactHandlers)
        {
            try
            {
                handler(in flow);
            }
            catch (Exception e)
            {
                LogHandlerFailed(e);
            }
        }
        var flowHandlers = Volatile.Read(ref _flowHandlers);
        if (flowHandlers.Length != 0)
            Notify(flowHandlers, Store.Materialize(in flow, seq));
    }

    /// <summary>Stores an already decoded flow (also used for flows that do not come from the event ring).</summary>
    public void Append(Flow flow)
    {
        Store.Append(flow);
        long ns = flow.Time is { } t ? t.Seconds * 1_000_000_000 + t.Nanos : 0;
        if (flow.Source is { } src)
            _namespaces.Observe(src.ClusterName, src.Namespace, ns);
        if (flow.Destination is { } dst)
            _namespaces.Observe(dst.ClusterName, dst.Namespace, ns);
        Notify(Volatile.Read(ref _flowHandlers), flow);
    }

    private void Notify(Action<Flow>[] handlers, Flow flow)
    {
        foreach (var handler in handlers)
        {
            try
            {
                handler(flow);
            }
            catch (Exception e)
            {
                LogHandlerFailed(e);
            }
        }
    }

    // Handlers are kept as immutable arrays, swapped under a lock: raising an event walks an array instead of
    // calling GetInvocationList, which allocates on every call.
    private void Subscribe<T>(ref T[] handlers, T? handler) where T : Delegate
    {
        if (handler is null)
            return;
        lock (_subscribing)
            Volatile.Write(ref handlers, [.. handlers, handler]);
    }

    private void Unsubscribe<T>(ref T[] handlers, T? handler) where T : Delegate
    {
        if (handler is null)
            return;
        lock (_subscribing)
        {
            int index = Array.LastIndexOf(handlers, handler);
            if (index >= 0)
                Volatile.Write(ref handlers, [.. handlers[..index], .. handlers[(index + 1)..]]);
        }
    }

    /// <summary>Takes the kernel's cumulative lost-event counter; a rise is stored as a PERF_EVENT_RING_BUFFER notice.</summary>
    public void ReportKernelLost(long totalLost) => Store.ReportKernelLost(totalLost, _time.GetUtcNow());

    /// <summary>Namespaces that had flows during the last hour, sorted by cluster then namespace.</summary>
    public IReadOnlyList<(string Cluster, string Namespace)> RecentNamespaces() =>
        _namespaces.Recent(_time.GetUtcNow().AddHours(-1));

    /// <summary>
    /// Reads <paramref name="source"/> on a dedicated thread until <paramref name="cancellationToken"/> fires. The
    /// returned task completes once the thread has exited, so the caller may then dispose the source.
    /// </summary>
    public Task RunAsync(IFlowEventSource source, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var wake = cancellationToken.Register(source.Wake);
            try
            {
                long nextLostCheck = 0;
                while (!cancellationToken.IsCancellationRequested)
                {
                    // The timeout only bounds how stale the kernel's lost counter may get; records wake us at once.
                    source.Poll(this, 1000);
                    // The lost counter is a per-CPU map read (a system call): at most ten times a second, not per batch.
                    long now = System.Diagnostics.Stopwatch.GetTimestamp();
                    if (now >= nextLostCheck)
                    {
                        ReportKernelLost(source.KernelLost);
                        nextLostCheck = now + System.Diagnostics.Stopwatch.Frequency / 10;
                    }
                }
                done.SetResult();
            }
            catch (Exception e)
            {
                LogReaderFailed(e);
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "hubble-events",
        };
        thread.Start();
        return done.Task;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a malformed flow event: {Error}, {Length} bytes ({Total} so far)")]
    private partial void LogMalformed(FlowDecodeError error, int length, long total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A FlowObserved handler threw; the flow was still stored")]
    private partial void LogHandlerFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Hubble event reader stopped on an error")]
    private partial void LogReaderFailed(Exception exception);
}

/// <summary>Receives a flow in its compact form; <paramref name="flow"/> is only valid during the call.</summary>
public delegate void CompactFlowHandler(in CompactFlow flow);
