using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Tests;

/// <summary>A harness with three pods (backend and frontend in default, frontend in other) and helpers.</summary>
public abstract class ResolverFixture
{
    protected const TrafficDirection In = TrafficDirection.Ingress;
    protected const TrafficDirection Out = TrafficDirection.Egress;
    protected const byte Tcp = 6, Udp = 17, Sctp = 132, Icmp = 1;

    protected PolicyHarness H { get; } = new();

    protected EndpointInfo Backend { get; }

    protected EndpointInfo Frontend { get; }

    protected EndpointInfo Stranger { get; }

    protected ResolverFixture()
    {
        Backend = H.Pod(1, "default", ("app", "backend"));
        Frontend = H.Pod(2, "default", ("app", "frontend"));
        Stranger = H.Pod(3, "other", ("app", "frontend"));
    }

    protected static string Cnp(string spec, string name = "p") => $"""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {"{"}name: {name}, namespace: default{"}"}
        spec:
          endpointSelector: {"{matchLabels: {app: backend}}"}
        {Indent(spec)}
        """;

    private static string Indent(string text) => string.Join("\n", text.Split('\n').Select(l => "  " + l));

    protected static List<PolicyKey> Keys(MapState map, TrafficDirection direction) =>
        [.. map.Sorted.Where(e => e.Key.Direction == direction).Select(e => e.Key)];
}
