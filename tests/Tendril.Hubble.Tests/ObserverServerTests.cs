using Grpc.Core;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Hubble.Api.Peer;
using Tendril.Hubble.Api.Relay;
using Tendril.Hubble.Server;

namespace Tendril.Hubble.Tests;

public class ObserverServerTests(HubbleServerFixture server) : IClassFixture<HubbleServerFixture>
{
    private Observer.ObserverClient Client => new(server.Channel);

    private static async Task<List<GetFlowsResponse>> Collect(AsyncServerStreamingCall<GetFlowsResponse> call)
    {
        var responses = new List<GetFlowsResponse>();
        await foreach (var r in call.ResponseStream.ReadAllAsync())
            responses.Add(r);
        return responses;
    }

    [Fact]
    public async Task GetFlows_Number_ReturnsNewestFlowsWithNodeAndTime()
    {
        using var call = Client.GetFlows(new GetFlowsRequest { Number = 2, Whitelist = { new FlowFilter { DestinationPod = { "default/web-1" } } } });

        var responses = await Collect(call);

        Assert.Equal(2, responses.Count);
        Assert.Equal(["coredns-1", "client-2"], responses.Select(r => r.Flow.Source.PodName));
        Assert.All(responses, r => Assert.Equal("node-a", r.NodeName));
        Assert.All(responses, r => Assert.Equal(r.Flow.Time, r.Time));
        var headers = await call.ResponseHeadersAsync;
        Assert.Equal("v1.2.3-test", headers.GetValue(ServerVersionInterceptor.HeaderName));
    }

    [Fact]
    public async Task GetFlows_WhitelistAndBlacklist_ReturnsAllowedMinusDenied()
    {
        using var call = Client.GetFlows(new GetFlowsRequest
        {
            Whitelist = { new FlowFilter { SourcePod = { "default/client" } } },
            Blacklist = { new FlowFilter { Verdict = { Verdict.Dropped } } },
        });

        var responses = await Collect(call);

        Assert.Equal(["client-1"], responses.Select(r => r.Flow.Source.PodName));
    }

    [Fact]
    public async Task GetFlows_UnsupportedFilter_IsInvalidArgumentNamingField()
    {
        using var call = Client.GetFlows(new GetFlowsRequest { Whitelist = { new FlowFilter { HttpMethod = { "GET" } } } });

        var e = await Assert.ThrowsAsync<RpcException>(() => Collect(call));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("http_method", e.Status.Detail);
    }

    [Fact]
    public async Task GetFlows_FirstWithFollow_IsInvalidArgument()
    {
        using var call = Client.GetFlows(new GetFlowsRequest { First = true, Follow = true });

        var e = await Assert.ThrowsAsync<RpcException>(() => Collect(call));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task GetFlows_Follow_ReceivesFlowAppendedAfterSubscribing()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var filter = new FlowFilter { SourcePod = { "default/late-" } };
        using var call = Client.GetFlows(new GetFlowsRequest { Follow = true, Whitelist = { filter } }, cancellationToken: cts.Token);
        await call.ResponseHeadersAsync; // the server has started the call

        var next = call.ResponseStream.MoveNext(cts.Token);
        await Task.Delay(100);
        server.Observer.Append(TestFlows.Tcp(srcPod: "late-1", time: DateTimeOffset.UtcNow));

        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal("late-1", call.ResponseStream.Current.Flow.Source.PodName);
    }

    [Fact]
    public async Task GetFlows_FieldMask_ReturnsOnlyRequestedFields()
    {
        var request = new GetFlowsRequest { Number = 1, FieldMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "verdict", "source.pod_name" } } };
        using var call = Client.GetFlows(request);

        var flow = Assert.Single(await Collect(call)).Flow;

        Assert.NotEqual("", flow.Source.PodName);
        Assert.Null(flow.IP);
        Assert.Equal("", flow.Summary);
    }

    [Fact]
    public async Task ServerStatus_ReportsRingAndNodeCounts()
    {
        var status = await Client.ServerStatusAsync(new ServerStatusRequest());

        Assert.True(status.NumFlows >= 3);
        Assert.Equal(63ul, status.MaxFlows);
        Assert.True(status.SeenFlows >= 3);
        Assert.True(status.UptimeNs > 0);
        Assert.Equal("v1.2.3-test", status.Version);
        Assert.Equal(1u, status.NumConnectedNodes);
        Assert.Equal(0u, status.NumUnavailableNodes);
        Assert.True(status.FlowsRate > 0);
    }

    [Fact]
    public async Task GetNodes_ReturnsThisNodeConnected()
    {
        var nodes = await Client.GetNodesAsync(new GetNodesRequest());

        var node = Assert.Single(nodes.Nodes);
        Assert.Equal("node-a", node.Name);
        Assert.Equal(NodeState.NodeConnected, node.State);
        Assert.Equal(63ul, node.MaxFlows);
        Assert.StartsWith("unix://", node.Address);
    }

    [Fact]
    public async Task GetNamespaces_ReturnsRecentNamespacesSorted()
    {
        var response = await Client.GetNamespacesAsync(new GetNamespacesRequest());

        Assert.Equal(["default", "kube-system"], response.Namespaces.Select(n => n.Namespace_));
    }

    [Fact]
    public async Task GetAgentEvents_IsUnimplemented()
    {
        using var call = Client.GetAgentEvents(new GetAgentEventsRequest());

        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
    }

    [Fact]
    public async Task Notify_SendsThisNodeAsAddedThenWaits()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var call = new Peer.PeerClient(server.Channel).Notify(new NotifyRequest(), cancellationToken: cts.Token);

        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        var change = call.ResponseStream.Current;
        Assert.Equal("node-a", change.Name);
        Assert.Equal(ChangeNotificationType.PeerAdded, change.Type);

        var more = call.ResponseStream.MoveNext(cts.Token);
        await Task.Delay(200);
        Assert.False(more.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => more);
    }
}
