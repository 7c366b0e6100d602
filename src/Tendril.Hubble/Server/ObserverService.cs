using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Hubble.Api.Relay;
using Tendril.Hubble.Filtering;
using Tendril.Hubble.Hosting;
using Tendril.Hubble.Storage;

namespace Tendril.Hubble.Server;

/// <summary>
/// Hubble's <c>observer.Observer</c> service over one node's <see cref="HubbleObserver"/>. Stateless per call;
/// ASP.NET Core creates it per request, and any number of calls may run at once.
/// </summary>
internal sealed class ObserverService(HubbleObserver observer) : Api.Observer.Observer.ObserverBase
{
    public override async Task GetFlows(GetFlowsRequest request, IServerStreamWriter<GetFlowsResponse> responseStream, ServerCallContext context)
    {
        var query = ToQuery(request);
        var mask = request.FieldMask is { Paths.Count: > 0 } m ? m : null;
        if (mask is not null && !Google.Protobuf.WellKnownTypes.FieldMask.IsValid(Flow.Descriptor, mask))
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"field_mask {mask} names fields that flow.Flow does not have"));
        string node = observer.Options.NodeName;
        await foreach (var ev in observer.Store.Query(query, context.CancellationToken).ConfigureAwait(false))
        {
            var response = new GetFlowsResponse { NodeName = node };
            if (ev.Flow is { } flow)
            {
                response.Flow = mask is null ? flow : Masked(flow, mask);
                response.Time = flow.Time;
            }
            else
            {
                response.LostEvents = ev.Lost;
                response.Time = ev.UnixNanoseconds != 0 ? Timestamp.FromDateTimeOffset(ev.Time) : Timestamp.FromDateTimeOffset(observer.Time.GetUtcNow());
            }
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Validates <paramref name="request"/> and turns it into a store query; throws InvalidArgument.</summary>
    internal static FlowQuery ToQuery(GetFlowsRequest request)
    {
        if (request.First && request.Follow)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "first cannot be combined with follow"));
        if (request.Since is { } since && request.Until is { } until && since.ToDateTimeOffset() > until.ToDateTimeOffset())
            throw new RpcException(new Status(StatusCode.InvalidArgument, "since is after until"));
        Func<Flow, bool>? predicate;
        CompactFlowPredicate? prefilter;
        try
        {
            predicate = FlowFilterCompiler.Compile(request.Whitelist, request.Blacklist);
            prefilter = CompactFlowFilter.Compile(request.Whitelist);
        }
        catch (FlowFilterException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        return new FlowQuery
        {
            Number = request.Number,
            First = request.First,
            Follow = request.Follow,
            Since = request.Since?.ToDateTimeOffset(),
            Until = request.Until?.ToDateTimeOffset(),
            Predicate = predicate,
            Prefilter = prefilter,
        };
    }

    public override Task<ServerStatusResponse> ServerStatus(ServerStatusRequest request, ServerCallContext context)
    {
        var store = observer.Store;
        return Task.FromResult(new ServerStatusResponse
        {
            NumFlows = (ulong)store.Count,
            MaxFlows = (ulong)store.Capacity,
            SeenFlows = (ulong)store.SeenFlows,
            UptimeNs = (ulong)(observer.Uptime.Ticks * 100),
            Version = observer.Options.Version,
            FlowsRate = store.FlowsRate(observer.Time.GetUtcNow()),
            NumConnectedNodes = 1,
            NumUnavailableNodes = 0,
        });
    }

    public override Task<GetNodesResponse> GetNodes(GetNodesRequest request, ServerCallContext context)
    {
        var store = observer.Store;
        var response = new GetNodesResponse();
        response.Nodes.Add(new Node
        {
            Name = observer.Options.NodeName,
            Version = observer.Options.Version,
            Address = observer.Options.PeerAddress,
            State = NodeState.NodeConnected,
            Tls = new TLS { Enabled = false },
            UptimeNs = (ulong)(observer.Uptime.Ticks * 100),
            NumFlows = (ulong)store.Count,
            MaxFlows = (ulong)store.Capacity,
            SeenFlows = (ulong)store.SeenFlows,
        });
        return Task.FromResult(response);
    }

    public override Task<GetNamespacesResponse> GetNamespaces(GetNamespacesRequest request, ServerCallContext context)
    {
        var response = new GetNamespacesResponse();
        foreach (var (cluster, ns) in observer.RecentNamespaces())
            response.Namespaces.Add(new Api.Observer.Namespace { Cluster = cluster, Namespace_ = ns });
        return Task.FromResult(response);
    }

    public override Task GetAgentEvents(GetAgentEventsRequest request, IServerStreamWriter<GetAgentEventsResponse> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "Tendril does not export agent events yet; use GetFlows"));

    public override Task GetDebugEvents(GetDebugEventsRequest request, IServerStreamWriter<GetDebugEventsResponse> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "Tendril's datapath emits no debug events"));

    private static Flow Masked(Flow flow, Google.Protobuf.WellKnownTypes.FieldMask mask)
    {
        var copy = new Flow();
        mask.Merge(flow, copy);
        return copy;
    }
}
