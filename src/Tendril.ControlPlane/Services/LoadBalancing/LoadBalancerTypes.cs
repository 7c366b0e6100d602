using System.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services.Maglev;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.LoadBalancing;

/// <summary>How a frontend is reached.</summary>
public enum FrontendKind : byte
{
    /// <summary>The cluster IP: in-node clients only (non-routable).</summary>
    ClusterIP,

    /// <summary>A node address (or the 0.0.0.0 surrogate) on the node port.</summary>
    NodePort,

    /// <summary>One of <c>spec.externalIPs</c>.</summary>
    ExternalIP,

    /// <summary>A load-balancer IP (<c>status.loadBalancer.ingress</c> or <c>spec.loadBalancerIP</c>).</summary>
    LoadBalancer,
}

/// <summary>Which clients an entry serves (Cilium's <c>lb4_key.scope</c>).</summary>
public enum FrontendScope : byte
{
    /// <summary>Traffic from outside the node (and the only scope of a single-scope frontend).</summary>
    External = 0,

    /// <summary>Traffic from this node's pods and host, when the two scopes have different backends.</summary>
    Internal = 1,
}

/// <summary>What the datapath does with a connection to a frontend without active backends.</summary>
public enum NoBackendAction : byte
{
    /// <summary>Answer with ICMP destination unreachable (Cilium's default).</summary>
    Reject,

    /// <summary>Drop silently.</summary>
    Drop,
}

/// <summary>Service entry flags, values of Cilium's <c>lb4_service.flags</c>.</summary>
[Flags]
public enum ServiceFlags : byte
{
    None = 0,
    ExternalIP = 0x01,
    NodePort = 0x02,
    ExternalLocalScope = 0x04,
    HostPort = 0x08,
    SessionAffinity = 0x10,
    LoadBalancer = 0x20,

    /// <summary>Reachable from outside the node (every kind but ClusterIP).</summary>
    Routable = 0x40,
    SourceRange = 0x80,
}

/// <summary>Service entry flags, values of Cilium's <c>lb4_service.flags2</c>.</summary>
[Flags]
public enum ServiceFlags2 : byte
{
    None = 0,
    LocalRedirect = 0x01,
    Nat46x64 = 0x02,
    L7LoadBalancer = 0x04,
    Loopback = 0x08,
    InternalLocalScope = 0x10,

    /// <summary>The frontend has an internal-scope entry too (looked up for in-node clients).</summary>
    TwoScopes = 0x20,
}

/// <summary>A frontend's address, port and protocol: what a service ID (rev-NAT index) stands for.</summary>
public readonly record struct FrontendAddress(IPAddress Address, ushort Port, L4Protocol Protocol) : IComparable<FrontendAddress>
{
    public int CompareTo(FrontendAddress other) =>
        new BackendAddress(Address, Port, Protocol).CompareTo(new BackendAddress(other.Address, other.Port, other.Protocol));

    public override string ToString() => $"{Address}:{Port}/{Protocol}";
}

/// <summary>A frontend entry: address and scope (the services map key without the slot).</summary>
public readonly record struct FrontendKey(FrontendAddress Address, FrontendScope Scope) : IComparable<FrontendKey>
{
    public int CompareTo(FrontendKey other)
    {
        int c = Address.CompareTo(other.Address);
        return c != 0 ? c : Scope.CompareTo(other.Scope);
    }

    public override string ToString() => Scope == FrontendScope.External ? Address.ToString() : $"{Address} (internal)";
}

/// <summary>
/// One frontend as the datapath needs it. <see cref="ActiveBackends"/> are backend IDs in slot order (slot i+1);
/// <see cref="TerminatingBackends"/> stay in the backends map for existing connections but get no slot. Immutable,
/// compared by value.
/// </summary>
public sealed record Frontend(FrontendKey Key, ServiceKey Service, string PortName, ushort ServiceId, FrontendKind Kind)
{
    public ValueArray<uint> ActiveBackends { get; init; } = [];

    public ValueArray<uint> TerminatingBackends { get; init; } = [];

    public ServiceFlags Flags { get; init; }

    public ServiceFlags2 Flags2 { get; init; }

    /// <summary>Session affinity timeout in seconds; 0 without affinity.</summary>
    public uint AffinityTimeoutSeconds { get; init; }

    public NoBackendAction NoBackendAction { get; init; }

    public LoadBalancingAlgorithm Algorithm { get; init; }
}

/// <summary>A backends map value. Immutable.</summary>
public sealed record BackendEntry(BackendAddress Address, BackendState State);

/// <summary>A reverse-NAT map value: the frontend that replies are rewritten to. Immutable.</summary>
public sealed record RevNatEntry(IPAddress Address, ushort Port);

/// <summary>A Maglev map key: one table per service ID and scope.</summary>
public readonly record struct MaglevKey(ushort ServiceId, FrontendScope Scope) : IComparable<MaglevKey>
{
    public int CompareTo(MaglevKey other)
    {
        int c = ServiceId.CompareTo(other.ServiceId);
        return c != 0 ? c : Scope.CompareTo(other.Scope);
    }
}

/// <summary>A services map key (Cilium's <c>lb4_key</c>): slot 0 is the frontend's master entry, 1..n its backends.</summary>
public readonly record struct ServiceMapKey(FrontendKey Frontend, ushort Slot) : IComparable<ServiceMapKey>
{
    public int CompareTo(ServiceMapKey other)
    {
        int c = Frontend.CompareTo(other.Frontend);
        return c != 0 ? c : Slot.CompareTo(other.Slot);
    }

    public override string ToString() => $"{Frontend} slot {Slot}";
}

/// <summary>
/// A services map value (Cilium's <c>lb4_service</c>, logically). The master entry (slot 0) carries the count,
/// flags, affinity timeout, algorithm and no-backend action; a slot entry carries its backend ID and the rev-NAT
/// index only, so that a change of flags rewrites one entry rather than every slot. How these fields are packed is
/// the datapath's business.
/// </summary>
public sealed record ServiceMapValue(uint BackendId, ushort Count, ushort RevNatId)
{
    public ServiceFlags Flags { get; init; }

    public ServiceFlags2 Flags2 { get; init; }

    public uint AffinityTimeoutSeconds { get; init; }

    public LoadBalancingAlgorithm Algorithm { get; init; }

    public NoBackendAction NoBackendAction { get; init; }
}

/// <summary>The agent's load-balancing options (Cilium's <c>--bpf-lb-*</c> flags). Immutable; validate at start.</summary>
public sealed record LoadBalancerOptions
{
    public static LoadBalancerOptions Default { get; } = new();

    /// <summary>Backend selection for services without the <c>service.cilium.io/lb-algorithm</c> annotation.</summary>
    public LoadBalancingAlgorithm Algorithm { get; init; } = LoadBalancingAlgorithm.Random;

    /// <summary>Maglev table size: a prime (Cilium allows 251 … 131071).</summary>
    public int MaglevTableSize { get; init; } = MaglevTable.DefaultSize;

    /// <summary>Maglev hash seed; must be the same on every node so that all compute the same tables.</summary>
    public string MaglevSeed { get; init; } = MaglevTable.DefaultSeed;

    /// <summary>
    /// Use <see cref="Algorithm"/> for cluster IPs too. Off, as in Cilium: in-node clients get random selection
    /// (Maglev's point is that every node picks the same backend for external traffic).
    /// </summary>
    public bool MaglevForClusterIP { get; init; }

    /// <summary>What happens to a connection to a frontend without backends.</summary>
    public NoBackendAction NoBackendAction { get; init; } = NoBackendAction.Reject;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (!MaglevTable.IsPrime(MaglevTableSize) || MaglevTableSize < 251 || MaglevTableSize > 131071)
            throw new ArgumentException($"Maglev table size {MaglevTableSize} must be a prime from 251 to 131071 (e.g. {string.Join(", ", MaglevTable.RecommendedSizes)})");
        if (string.IsNullOrEmpty(MaglevSeed))
            throw new ArgumentException("the Maglev seed must not be empty");
    }
}
