using System.Collections.Immutable;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Allocation;

/// <summary>The service port a node port belongs to: (service, port, protocol).</summary>
public readonly record struct NodePortOwner(ServiceKey Service, ushort Port, L4Protocol Protocol);

/// <summary>One node port held by one service port: the persisted form of <see cref="NodePortAllocator"/>.</summary>
public sealed record NodePortAllocation(NodePortOwner Owner, ushort NodePort);

/// <summary>
/// Hands out node ports from the node port range. A node port number belongs to one service (that service may use it
/// for several protocols, e.g. DNS on TCP and UDP); each service port keeps its node port while it holds it. New ports
/// are taken round-robin. State is a plain list (<see cref="Allocations"/>, <see cref="Restore"/>). Not thread-safe:
/// owned by <see cref="ServiceRepository"/> under its lock, through a <see cref="Clone"/> per import.
/// </summary>
public sealed class NodePortAllocator
{
    private readonly Dictionary<NodePortOwner, ushort> _byOwner = [];
    private readonly Dictionary<ushort, (ServiceKey Service, int Users)> _byPort = [];
    private int _cursor;

    public NodePortAllocator(int min = 30000, int max = 32767)
    {
        if (min < 1 || max > 65535 || min > max)
            throw new ArgumentException($"node port range {min}-{max} is not valid: give 1 <= min <= max <= 65535");
        Min = min;
        Max = max;
    }

    public int Min { get; }

    public int Max { get; }

    /// <summary>Every allocation, by node port.</summary>
    public ImmutableArray<NodePortAllocation> Allocations =>
        [.. _byOwner.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key.Protocol).Select(kv => new NodePortAllocation(kv.Key, kv.Value))];

    /// <summary>The node port of one service port, or 0.</summary>
    public ushort Lookup(NodePortOwner owner) => _byOwner.GetValueOrDefault(owner);

    /// <summary>
    /// Gives <paramref name="owner"/> the <paramref name="requested"/> node port (0: the one it holds, or a free one).
    /// Fails when another service holds the requested port, or when the range is full.
    /// </summary>
    public bool TryAllocate(NodePortOwner owner, ushort requested, out ushort nodePort,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        nodePort = 0;
        if (requested != 0)
        {
            if (requested < Min || requested > Max)
            {
                error = $"node port {requested} is outside the node port range {Min}-{Max}";
                return false;
            }

            if (_byPort.TryGetValue(requested, out var holder) && holder.Service != owner.Service)
            {
                error = $"node port {requested} is already allocated to service {holder.Service}; choose another or leave nodePort out";
                return false;
            }

            Release(owner);
            Take(owner, requested);
            nodePort = requested;
            error = null;
            return true;
        }

        if (_byOwner.TryGetValue(owner, out nodePort))
        {
            error = null;
            return true;
        }

        int size = Max - Min + 1;
        for (int i = 0; i < size; i++)
        {
            int offset = (_cursor + i) % size;
            ushort candidate = (ushort)(Min + offset);
            if (_byPort.ContainsKey(candidate))
                continue;
            _cursor = (offset + 1) % size;
            Take(owner, candidate);
            nodePort = candidate;
            error = null;
            return true;
        }

        error = $"the node port range {Min}-{Max} is full; delete NodePort services or widen the range";
        return false;
    }

    /// <summary>Frees the node port of one service port (no-op when none).</summary>
    public void Release(NodePortOwner owner)
    {
        if (!_byOwner.Remove(owner, out ushort port))
            return;
        (ServiceKey service, int users) = _byPort[port];
        if (users <= 1)
            _byPort.Remove(port);
        else
            _byPort[port] = (service, users - 1);
    }

    /// <summary>Frees every node port of <paramref name="service"/> except those of <paramref name="keep"/>.</summary>
    public void ReleaseAll(ServiceKey service, IReadOnlySet<NodePortOwner>? keep = null)
    {
        foreach (NodePortOwner owner in _byOwner.Keys.Where(o => o.Service == service && keep?.Contains(o) != true).ToList())
            Release(owner);
    }

    /// <summary>Takes back persisted allocations; returns those that cannot be honoured.</summary>
    public ImmutableArray<NodePortAllocation> Restore(IEnumerable<NodePortAllocation> allocations)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        var rejected = ImmutableArray.CreateBuilder<NodePortAllocation>();
        foreach (NodePortAllocation a in allocations)
        {
            bool taken = _byPort.TryGetValue(a.NodePort, out var holder) && holder.Service != a.Owner.Service;
            if (a.NodePort < Min || a.NodePort > Max || taken || _byOwner.ContainsKey(a.Owner))
                rejected.Add(a);
            else
                Take(a.Owner, a.NodePort);
        }

        return rejected.ToImmutable();
    }

    /// <summary>An independent copy (a transaction the owner commits by keeping it).</summary>
    public NodePortAllocator Clone()
    {
        var copy = new NodePortAllocator(Min, Max) { _cursor = _cursor };
        foreach ((NodePortOwner owner, ushort port) in _byOwner)
            copy.Take(owner, port);
        return copy;
    }

    private void Take(NodePortOwner owner, ushort port)
    {
        _byOwner[owner] = port;
        _byPort[port] = _byPort.TryGetValue(port, out var holder) ? (holder.Service, holder.Users + 1) : (owner.Service, 1);
    }
}
