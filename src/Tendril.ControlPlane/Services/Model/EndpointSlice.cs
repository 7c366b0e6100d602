using System.Net;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Services.Model;

/// <summary>
/// <c>endpoints[].conditions</c> with Kubernetes' defaults applied: <c>ready</c> unknown means ready,
/// <c>serving</c> unknown follows <c>ready</c>, <c>terminating</c> unknown means not terminating. Immutable.
/// </summary>
public readonly record struct EndpointConditions(bool Ready, bool Serving, bool Terminating)
{
    public static EndpointConditions Default => new(true, true, false);
}

/// <summary>One <c>endpoints[]</c> entry of an EndpointSlice. Immutable.</summary>
/// <param name="Addresses">IPv4 addresses (Kubernetes sends one; all are used).</param>
/// <param name="Conditions">Ready/serving/terminating.</param>
/// <param name="PodName">The <c>targetRef</c> name when it refers to a Pod.</param>
/// <param name="NodeName">The node hosting the endpoint (decides "local" for traffic policies).</param>
public sealed record SliceEndpoint(ValueArray<IPAddress> Addresses, EndpointConditions Conditions, string? PodName = null, string? NodeName = null);

/// <summary>One <c>ports[]</c> entry of an EndpointSlice; <see cref="Name"/> matches a service port's name.</summary>
public sealed record SlicePort(string Name, L4Protocol Protocol, ushort Port);

/// <summary>
/// A <c>discovery.k8s.io/v1 EndpointSlice</c> (address type IPv4) feeding the service named by its label
/// <c>kubernetes.io/service-name</c> in its own namespace. Immutable, compared by value.
/// </summary>
/// <param name="Key">The slice's own namespace and name.</param>
/// <param name="ServiceName">The label <c>kubernetes.io/service-name</c>.</param>
public sealed record EndpointSlice(ServiceKey Key, string ServiceName)
{
    /// <summary>The label naming the service a slice belongs to.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public ValueArray<SliceEndpoint> Endpoints { get; init; } = [];

    public ValueArray<SlicePort> Ports { get; init; } = [];

    /// <summary>The service this slice feeds.</summary>
    public ServiceKey Service => new(Key.Namespace, ServiceName);
}
