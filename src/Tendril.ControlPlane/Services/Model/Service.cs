using System.Net;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Services.Model;

/// <summary>A Kubernetes service type Tendril load-balances (ExternalName is DNS-only and not accepted).</summary>
public enum ServiceType
{
    ClusterIP,
    NodePort,
    LoadBalancer,
}

/// <summary><c>spec.sessionAffinity</c>.</summary>
public enum SessionAffinity
{
    None,

    /// <summary>A client IP keeps its backend for <see cref="Service.AffinityTimeoutSeconds"/> of inactivity.</summary>
    ClientIP,
}

/// <summary><c>spec.externalTrafficPolicy</c> / <c>spec.internalTrafficPolicy</c>.</summary>
public enum TrafficPolicy
{
    /// <summary>Every backend, on any node.</summary>
    Cluster,

    /// <summary>Only backends on this node.</summary>
    Local,
}

/// <summary>How a service picks a backend for a new connection (option or <c>service.cilium.io/lb-algorithm</c>).</summary>
public enum LoadBalancingAlgorithm
{
    /// <summary><c>slot = random % count + 1</c>.</summary>
    Random,

    /// <summary>Consistent hashing of the 5-tuple into a Maglev table (same backend on every node).</summary>
    Maglev,
}

/// <summary>
/// <c>targetPort</c>: a number, or the name of a container port resolved per backend pod (a pod without that
/// port is not a backend of that service port). Immutable.
/// </summary>
public readonly record struct TargetPort
{
    private TargetPort(ushort number, string? name)
    {
        Number = number;
        Name = name;
    }

    /// <summary>The port number; 0 when the target is named.</summary>
    public ushort Number { get; }

    /// <summary>The container port name, or null when the target is a number.</summary>
    public string? Name { get; }

    public bool IsNamed => Name is not null;

    public static TargetPort FromNumber(ushort number) => new(number, null);

    public static TargetPort FromName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new TargetPort(0, name);
    }

    public override string ToString() => Name ?? Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One <c>spec.ports[]</c> entry. <see cref="NodePort"/> is 0 when the service has none (yet). Immutable.</summary>
/// <param name="Name">The port name ("" for the single unnamed port); EndpointSlice ports match it.</param>
/// <param name="Protocol">TCP, UDP or SCTP.</param>
/// <param name="Port">The frontend port on the cluster IP, external IPs and load-balancer IPs.</param>
/// <param name="TargetPort">The backend port (defaults to <paramref name="Port"/>).</param>
/// <param name="NodePort">The port on every node address (NodePort and LoadBalancer services), or 0.</param>
public sealed record ServicePort(string Name, L4Protocol Protocol, ushort Port, TargetPort TargetPort, ushort NodePort = 0)
{
    public override string ToString() =>
        $"{(Name.Length > 0 ? Name + ":" : "")}{Port}/{Protocol}->{TargetPort}{(NodePort != 0 ? $" (node port {NodePort})" : "")}";
}

/// <summary>
/// A <c>v1 Service</c> as Tendril keeps it. Immutable, compared by value. The parser leaves <see cref="ClusterIP"/>
/// null and <see cref="ServicePort.NodePort"/> 0 when the manifest gives none; the repository fills them from its
/// allocators, so a service in a <see cref="ServiceSnapshot"/> has them.
/// </summary>
public sealed record Service(ServiceKey Key, ServiceType Type)
{
    /// <summary>The cluster IP; null when not allocated yet or when <see cref="IsHeadless"/>.</summary>
    public IPAddress? ClusterIP { get; init; }

    /// <summary><c>clusterIP: None</c>: no frontend at all (DNS-only), backends are still tracked.</summary>
    public bool IsHeadless { get; init; }

    public ValueArray<ServicePort> Ports { get; init; } = [];

    /// <summary>
    /// <c>spec.selector</c> as <c>k8s:</c> labels, matched against the labels of the pods in the service's namespace;
    /// null when the service has no selector (its backends come from EndpointSlices labelled with its name).
    /// </summary>
    public LabelSet? Selector { get; init; }

    public ValueArray<IPAddress> ExternalIPs { get; init; } = [];

    /// <summary><c>status.loadBalancer.ingress[].ip</c>: static load-balancer IPs.</summary>
    public ValueArray<IPAddress> LoadBalancerIngress { get; init; } = [];

    /// <summary><c>spec.loadBalancerIP</c> (deprecated in Kubernetes, still honoured).</summary>
    public IPAddress? LoadBalancerIP { get; init; }

    /// <summary><c>spec.allocateLoadBalancerNodePorts</c>: false gives a LoadBalancer service no node ports.</summary>
    public bool AllocateLoadBalancerNodePorts { get; init; } = true;

    public SessionAffinity SessionAffinity { get; init; }

    /// <summary><c>sessionAffinityConfig.clientIP.timeoutSeconds</c> (Kubernetes default 10800).</summary>
    public int AffinityTimeoutSeconds { get; init; } = DefaultAffinityTimeoutSeconds;

    public TrafficPolicy ExternalTrafficPolicy { get; init; }

    public TrafficPolicy InternalTrafficPolicy { get; init; }

    /// <summary><c>spec.publishNotReadyAddresses</c>: pods that are not ready are backends too.</summary>
    public bool PublishNotReadyAddresses { get; init; }

    /// <summary>The <c>service.cilium.io/lb-algorithm</c> annotation; null follows the agent's option.</summary>
    public LoadBalancingAlgorithm? Algorithm { get; init; }

    /// <summary><c>metadata.labels</c> (source <c>k8s</c>).</summary>
    public LabelSet Labels { get; init; } = LabelSet.Empty;

    /// <summary>The Kubernetes default of <see cref="AffinityTimeoutSeconds"/>: three hours.</summary>
    public const int DefaultAffinityTimeoutSeconds = 10800;

    /// <summary>True when the service exposes node ports (NodePort, or LoadBalancer unless disabled).</summary>
    public bool HasNodePorts => Type == ServiceType.NodePort || (Type == ServiceType.LoadBalancer && AllocateLoadBalancerNodePorts);

    /// <summary>The load-balancer IPs: <see cref="LoadBalancerIngress"/> and <see cref="LoadBalancerIP"/>, without duplicates.</summary>
    public IEnumerable<IPAddress> LoadBalancerIPs =>
        Type != ServiceType.LoadBalancer
            ? []
            : LoadBalancerIngress.Concat(LoadBalancerIP is { } ip ? [ip] : []).Distinct();

    public override string ToString() => $"{Key} ({Type}{(ClusterIP is { } ip ? " " + ip : IsHeadless ? " headless" : "")})";
}
