using Tendril.Interop.Namespaces;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;

namespace Tendril.Bench;

/// <summary>
/// The `cni` benchmark's "node": a network namespace of its own with a thread inside it (to start plugins there), and
/// the empty pod namespaces the plugins are handed. All names are "tt…" (<see cref="TestNames"/>). Dispose stops the
/// thread and deletes every namespace it created, in reverse order, whatever state they are in; the node's devices
/// (the reference plugin's bridge, Tendril's host-side veths) go with it. Not thread-safe.
/// </summary>
internal sealed class CniNode : IDisposable
{
    private readonly List<string> _namespaces = [];

    private CniNode(string name)
    {
        Name = name;
    }

    /// <summary>The node namespace's name; also the agent's node name.</summary>
    public string Name { get; }

    public string NamespacePath => NetworkNamespaces.PathOf(Name);

    /// <summary>A thread inside the node namespace: processes forked from it start there.</summary>
    public NetNsThread Thread { get; private set; } = null!;

    public static CniNode Create()
    {
        var node = new CniNode(TestNames.Unique("cn"));
        try
        {
            NetworkNamespaces.Create(node.Name);
            node._namespaces.Add(node.Name);
            node.Thread = NetNsThread.StartNamed(node.Name);
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    /// <summary>Creates <paramref name="count"/> empty pod namespaces; their names.</summary>
    public IReadOnlyList<string> AddPods(int count, CancellationToken cancellationToken)
    {
        var names = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = TestNames.Unique("p");
            NetworkNamespaces.Create(name);
            _namespaces.Add(name);
            names.Add(name);
        }
        return names;
    }

    /// <summary>The path a runtime hands a plugin as CNI_NETNS.</summary>
    public static string PodPath(string pod) => $"/run/netns/{pod}";

    public void Dispose()
    {
        // The thread holds the node namespace open; release it before the namespace goes.
        Thread?.Dispose();
        for (int i = _namespaces.Count - 1; i >= 0; i--)
        {
            try
            {
                NetworkNamespaces.Delete(_namespaces[i]);
            }
            catch (Tendril.Interop.LinuxException e)
            {
                Console.Error.WriteLine($"cni benchmark: could not delete network namespace {_namespaces[i]}: {e.Message}");
            }
        }
        _namespaces.Clear();
    }
}
