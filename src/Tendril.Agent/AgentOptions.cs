using System.Net;

namespace Tendril.Agent;

/// <summary>
/// Everything the agent owns on the machine comes from here, so several agents (one per node namespace) can share
/// one machine and one kernel. Validated once at start.
/// </summary>
public sealed record AgentOptions
{
    /// <summary>This node's name; it names the default state, socket and bpffs paths.</summary>
    public string NodeName { get; init; } = "node1";

    /// <summary>The network namespace the node's devices live in; null = the agent's own.</summary>
    public string? NodeNamespacePath { get; init; }

    /// <summary>The node's pod range (host-scope IPAM); its first address is the pods' gateway.</summary>
    public IPNetwork PodCidr { get; init; } = IPNetwork.Parse("10.200.0.0/24");

    /// <summary>MTU of pod devices.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Prefix of node-side endpoint devices (lxc + a hex number).</summary>
    public string DevicePrefix { get; init; } = "lxc";

    /// <summary>Policy enforcement mode: default (once a rule selects an endpoint), always, never.</summary>
    public Tendril.ControlPlane.Policy.EnforcementMode Enforcement { get; init; } = Tendril.ControlPlane.Policy.EnforcementMode.Default;

    public string? StateDirectory { get; init; }

    public string? SocketPath { get; init; }

    public string? BpfDirectory { get; init; }

    public string ResolvedStateDirectory => StateDirectory ?? $"/var/lib/tendril/{NodeName}";

    public string ResolvedSocketPath => SocketPath ?? "/var/run/tendril/tendril.sock";

    public string ResolvedBpfDirectory => BpfDirectory ?? $"/sys/fs/bpf/tendril/{NodeName}";

    /// <summary>The pods' default gateway: the first address of <see cref="PodCidr"/>, held by the node.</summary>
    public IPAddress Gateway => Ipam.HostScopeIpam.Nth(PodCidr, 1);

    /// <summary>Throws naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeName) || NodeName.Contains('/'))
            throw new ArgumentException($"node name '{NodeName}' must be non-empty and contain no '/'");
        if (PodCidr.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || PodCidr.PrefixLength > 30)
            throw new ArgumentException($"pod CIDR {PodCidr} must be an IPv4 prefix of /30 or larger");
        if (Mtu is < 576 or > 9000)
            throw new ArgumentException($"MTU {Mtu} must be between 576 and 9000");
        if (DevicePrefix.Length is 0 or > 7)
            throw new ArgumentException($"device prefix '{DevicePrefix}' must be 1 to 7 characters (device names end with 8 hex digits)");
    }
}
