using System.Net;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Services.Model;

/// <summary>
/// What the service repository needs to know about one of this node's pods to make it a backend of the services
/// whose selector matches it. Immutable, compared by value.
/// </summary>
/// <param name="Key">The pod's namespace and name.</param>
/// <param name="Address">Its IPv4 address; null while it has none (it is then nobody's backend).</param>
/// <param name="Labels">Its own labels, source <c>k8s</c> (what service selectors match).</param>
public sealed record PodInfo(ServiceKey Key, IPAddress? Address, LabelSet Labels)
{
    /// <summary>Named container ports (resolve named <c>targetPort</c>s).</summary>
    public ValueArray<NamedPort> NamedPorts { get; init; } = [];

    /// <summary>False while the pod is not ready: not a backend unless the service publishes not-ready addresses.</summary>
    public bool Ready { get; init; } = true;

    /// <summary>The pod is shutting down: no new connections, existing ones finish.</summary>
    public bool Terminating { get; init; }

    /// <summary>Builds a pod from plain label and port data as the agent holds them.</summary>
    public static PodInfo Create(string @namespace, string name, IPAddress? address,
        IEnumerable<KeyValuePair<string, string>> labels, IEnumerable<NamedPort>? namedPorts = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(labels);
        return new PodInfo(new ServiceKey(@namespace, name), address, LabelSet.Of(labels.Select(l => Label.K8s(l.Key, l.Value))))
        {
            NamedPorts = ValueArray.From(namedPorts ?? []),
        };
    }
}
