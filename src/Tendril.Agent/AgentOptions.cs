using System.Net;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Services.LoadBalancing;
using Tendril.ControlPlane.Services.Model;
using Tendril.ControlPlane.Services.Parsing;

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

    /// <summary>Where the agent's Prometheus metrics are served (<c>host:port</c>); null or empty: not served.</summary>
    public string? PrometheusServeAddress { get; init; } = "127.0.0.1:9962";

    /// <summary>The Hubble API's unix socket.</summary>
    public string? HubbleSocketPath { get; init; }

    /// <summary>The Hubble API's TCP address (<c>host:port</c>, e.g. 127.0.0.1:4244); null or empty: unix socket only.</summary>
    public string? HubbleListenAddress { get; init; }

    /// <summary>Flows the observer keeps (2^n − 1).</summary>
    public int HubbleEventBufferCapacity { get; init; } = 4095;

    /// <summary>Where flow metrics are served (<c>host:port</c>); null or empty: not served.</summary>
    public string? HubbleMetricsServer { get; init; } = "127.0.0.1:9965";

    /// <summary>The flow metrics enabled, as Cilium's --hubble-metrics (comma-separated names).</summary>
    public string HubbleMetrics { get; init; } = "flow,drop,tcp,icmp,port-distribution,policy";

    /// <summary>
    /// A cgroup v2 directory whose processes get the socket-LB (connect/sendmsg/recvmsg/getpeername hooks); null: off.
    /// Per-packet load balancing in the endpoint program works without it.
    /// </summary>
    public string? SocketLbCgroup { get; init; }

    /// <summary>
    /// The node's external devices (Cilium's --devices): NodePort, ExternalIP and LoadBalancer frontends are served to
    /// clients that reach the node through them (bpf/host.c on tcx ingress and egress). Empty: only pods reach them.
    /// </summary>
    public IReadOnlyList<string> Devices { get; init; } = [];

    /// <summary>Backend selection of services without the lb-algorithm annotation (Cilium's --bpf-lb-algorithm).</summary>
    public LoadBalancingAlgorithm LbAlgorithm { get; init; } = LoadBalancingAlgorithm.Random;

    /// <summary>Entries of every Maglev table: a prime from 251 to 131071.</summary>
    public int MaglevTableSize { get; init; } = 16381;

    /// <summary>A frontend without backends: reject (refuse the connection) or drop.</summary>
    public NoBackendAction ServiceNoBackendResponse { get; init; } = NoBackendAction.Reject;

    /// <summary>How endpoint programs are attached: tcx (default) or legacy tc (faster endpoint creation).</summary>
    public Tendril.Datapath.Loader.EndpointAttachMode EndpointAttach { get; init; } = Tendril.Datapath.Loader.EndpointAttachMode.Tcx;

    /// <summary>Where cluster IPs are allocated.</summary>
    public CidrPrefix ServiceCidr { get; init; } = ServiceParserOptions.DefaultServiceCidr;

    /// <summary>The node port range, inclusive.</summary>
    public (int Min, int Max) NodePortRange { get; init; } = (30000, 32767);

    /// <summary>The service parser's and repository's settings.</summary>
    public ServiceParserOptions ServiceParser => new() { ServiceCidr = ServiceCidr, NodePortMin = NodePortRange.Min, NodePortMax = NodePortRange.Max };

    /// <summary>The load-balancer state's settings.</summary>
    public LoadBalancerOptions LoadBalancer => new() { Algorithm = LbAlgorithm, MaglevTableSize = MaglevTableSize, NoBackendAction = ServiceNoBackendResponse };

    public string? SocketPath { get; init; }

    public string? BpfDirectory { get; init; }

    public string ResolvedStateDirectory => StateDirectory ?? $"/var/lib/tendril/{NodeName}";

    public string ResolvedSocketPath => SocketPath ?? "/var/run/tendril/tendril.sock";

    /// <summary>Beside the API socket: /var/run/tendril/hubble.sock by default, else <c>&lt;api socket&gt;-hubble.sock</c>.</summary>
    public string ResolvedHubbleSocketPath => HubbleSocketPath
        ?? (SocketPath is null ? "/var/run/tendril/hubble.sock" : Path.ChangeExtension(SocketPath, null) + "-hubble.sock");

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
        foreach (var (flag, address) in new[] { ("--prometheus-serve-addr", PrometheusServeAddress), ("--hubble-listen-address", HubbleListenAddress), ("--hubble-metrics-server", HubbleMetricsServer) })
        {
            if (!string.IsNullOrEmpty(address) && !IPEndPoint.TryParse(address, out _))
                throw new ArgumentException($"{flag}: '{address}' is not host:port (e.g. 127.0.0.1:9962)");
        }
        if (HubbleEventBufferCapacity < 1 || ((HubbleEventBufferCapacity + 1) & HubbleEventBufferCapacity) != 0)
            throw new ArgumentException($"--hubble-event-buffer-capacity: {HubbleEventBufferCapacity} must be 2^n - 1 (e.g. 4095)");
        try
        {
            ServiceParser.Validate();
            LoadBalancer.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"services: {e.Message}", e);
        }
        if (SocketLbCgroup is not null && !Directory.Exists(SocketLbCgroup))
            throw new ArgumentException($"--socket-lb-cgroup: {SocketLbCgroup} is not a directory (give a cgroup v2 directory)");
        foreach (string device in Devices)
        {
            if (device.Length is 0 or > 15 || device.Contains('/') || device.Any(char.IsWhiteSpace))
                throw new ArgumentException($"--devices: '{device}' is not an interface name");
        }
        if (DevicePrefix.Length is 0 or > 7)
            throw new ArgumentException($"device prefix '{DevicePrefix}' must be 1 to 7 characters (device names end with 8 hex digits)");
    }
}
