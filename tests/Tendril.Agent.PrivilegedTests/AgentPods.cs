using System.Net;
using Tendril.Api;
using Tendril.Interop.Namespaces;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>A node namespace, an agent for it, and pods created through the agent's API. Dispose removes everything.</summary>
internal sealed class AgentPods : IAsyncDisposable
{
    private readonly List<string> _namespaces = new();

    private AgentPods()
    {
    }

    public string NodeName { get; private set; } = "";

    public AgentProcess Agent { get; private set; } = null!;

    public AgentClient Client { get; private set; } = null!;

    public NetNsThread Node { get; private set; } = null!;

    public List<Pod> Pods { get; } = new();

    /// <param name="prepareNode">Runs with the node namespace's name before the agent starts (devices the agent is told about).</param>
    public static async Task<AgentPods> StartAsync(IReadOnlyList<string>? agentArgs = null, Action<string>? prepareNode = null)
    {
        var pods = new AgentPods();
        try
        {
            pods.NodeName = TestNames.Unique("n");
            pods._namespaces.Add(pods.NodeName);
            NetworkNamespaces.Create(pods.NodeName);
            pods.Node = NetNsThread.StartNamed(pods.NodeName);
            prepareNode?.Invoke(pods.NodeName);
            pods.Agent = await AgentProcess.StartAsync(NetworkNamespaces.PathOf(pods.NodeName), extraArgs: agentArgs);
            pods.Client = pods.Agent.Client();
            return pods;
        }
        catch
        {
            await pods.DisposeAsync();
            throw;
        }
    }

    /// <summary>A network namespace with no endpoint yet (for a CNI ADD), removed with the rest; its name.</summary>
    public string AddNamespace()
    {
        string netns = TestNames.Unique("p");
        _namespaces.Add(netns);
        NetworkNamespaces.Create(netns);
        return netns;
    }

    public async Task<Pod> AddPodAsync(string name, Dictionary<string, string> labels, string ns = "default")
    {
        string netns = TestNames.Unique("p");
        _namespaces.Add(netns);
        NetworkNamespaces.Create(netns);
        var endpoint = await Client.CreateEndpointAsync(new EndpointCreateRequest
        {
            Netns = NetworkNamespaces.PathOf(netns), Name = name, Namespace = ns, Labels = labels,
        });
        var pod = new Pod(endpoint, NetNsThread.StartNamed(netns), netns);
        Pods.Add(pod);
        return pod;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in Pods)
            pod.Thread.Dispose();
        Client?.Dispose();
        if (Agent is not null)
            await Agent.DisposeAsync();
        Node?.Dispose();
        foreach (var name in _namespaces)
        {
            if (NetworkNamespaces.Exists(name))
                NetworkNamespaces.Delete(name);
        }
    }

    internal sealed record Pod(EndpointModel Endpoint, NetNsThread Thread, string Namespace)
    {
        public IPAddress Address => IPAddress.Parse(Endpoint.Ipv4);
    }
}
