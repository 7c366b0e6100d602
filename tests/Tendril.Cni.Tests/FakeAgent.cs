using System.Net;
using Tendril.Api;
using Tendril.Cni.Agent;

namespace Tendril.Cni.Tests;

/// <summary>An in-memory agent: answers with <see cref="Endpoint"/>, or fails with <see cref="Failure"/>, and records every call.</summary>
internal sealed class FakeAgent : IAgentPort
{
    /// <summary>The pod-side MAC as the agent reports it: .NET's <c>PhysicalAddress.ToString()</c>, no separators.</summary>
    public const string PodMac = "0A580AC80005";

    /// <summary>The same MAC as a result must carry it.</summary>
    public const string PodMacInResult = "0a:58:0a:c8:00:05";

    public const string HostMac = "EEEEEE00AB05";

    public const string HostMacInResult = "ee:ee:ee:00:ab:05";

    public EndpointModel Endpoint { get; set; } = NewEndpoint();

    /// <summary>Thrown by every call when set.</summary>
    public Exception? Failure { get; set; }

    /// <summary>What <see cref="FindEndpointsAsync"/> answers; by default the one endpoint.</summary>
    public List<EndpointModel>? Found { get; set; }

    public List<string> Problems { get; } = [];

    public int Deleted { get; set; } = 1;

    public List<ushort> Collected { get; } = [];

    public List<EndpointCreateRequest> Created { get; } = [];

    public List<(string ContainerId, string Interface)> DeleteCalls { get; } = [];

    public List<(string ContainerId, string Interface)> FindCalls { get; } = [];

    public List<int> CheckCalls { get; } = [];

    public List<EndpointGcRequest> GcCalls { get; } = [];

    public int HealthCalls { get; private set; }

    public static EndpointModel NewEndpoint(string netns = "/var/run/netns/pod", string ifname = "eth0") => new()
    {
        Id = 5,
        Name = "web-1",
        Namespace = "default",
        Labels = new Dictionary<string, string>(),
        IdentityLabels = [],
        Ipv4 = "10.200.0.5",
        Gateway = "10.200.0.1",
        Identity = 256,
        NetnsPath = netns,
        HostDevice = "lxc0a000005",
        HostIfindex = 42,
        Mac = PodMac,
        HostMac = HostMac,
        Mtu = 1450,
        Interface = ifname,
        ContainerId = "abc",
        Network = "tendril",
    };

    public static AgentUnavailableException Down(string socket) =>
        new(socket, new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));

    public static AgentException Refused(HttpStatusCode status, string message) => new(status, message);

    public Task<EndpointModel> CreateEndpointAsync(EndpointCreateRequest request, CancellationToken token)
    {
        Created.Add(request);
        return Answer(Endpoint);
    }

    public Task<List<EndpointModel>> FindEndpointsAsync(string containerId, string interfaceName, CancellationToken token)
    {
        FindCalls.Add((containerId, interfaceName));
        return Answer(Found ?? [Endpoint]);
    }

    public Task<EndpointDeleteResponse> DeleteAttachmentAsync(string containerId, string interfaceName, CancellationToken token)
    {
        DeleteCalls.Add((containerId, interfaceName));
        return Answer(new EndpointDeleteResponse(Deleted));
    }

    public Task<EndpointCheckResponse> CheckEndpointAsync(int id, CancellationToken token)
    {
        CheckCalls.Add(id);
        return Answer(new EndpointCheckResponse([.. Problems]));
    }

    public Task<EndpointGcResponse> CollectGarbageAsync(EndpointGcRequest request, CancellationToken token)
    {
        GcCalls.Add(request);
        return Answer(new EndpointGcResponse([.. Collected]));
    }

    public Task HealthAsync(CancellationToken token)
    {
        HealthCalls++;
        return Answer(0);
    }

    public void Dispose()
    {
    }

    private Task<T> Answer<T>(T value) => Failure is { } failure ? Task.FromException<T>(failure) : Task.FromResult(value);
}

/// <summary>A host that hands out one <see cref="FakeAgent"/> and records DEL's fallback instead of touching a namespace.</summary>
internal sealed class FakeHost : ICniHost
{
    public FakeAgent Agent { get; } = new();

    public List<string> Sockets { get; } = [];

    public List<(string Netns, string Interface)> VethRemovals { get; } = [];

    public PodVethRemoval RemovalOutcome { get; set; } = PodVethRemoval.Deleted;

    public Exception? RemovalFailure { get; set; }

    public IAgentPort ConnectAgent(string socketPath)
    {
        Sockets.Add(socketPath);
        return Agent;
    }

    public PodVethRemoval RemovePodVeth(string netnsPath, string interfaceName)
    {
        VethRemovals.Add((netnsPath, interfaceName));
        if (RemovalFailure is { } failure)
            throw failure;
        return RemovalOutcome;
    }
}
