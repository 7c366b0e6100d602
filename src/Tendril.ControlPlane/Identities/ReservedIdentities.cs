using System.Collections.Frozen;
using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Identities;

/// <summary>Cilium's reserved identities, with their fixed numbers and <c>reserved:</c> labels (§3.2).</summary>
public static class ReservedIdentities
{
    public static readonly NumericIdentity Unknown = new(0);
    public static readonly NumericIdentity Host = new(1);
    public static readonly NumericIdentity World = new(2);
    public static readonly NumericIdentity Unmanaged = new(3);
    public static readonly NumericIdentity Health = new(4);
    public static readonly NumericIdentity Init = new(5);
    public static readonly NumericIdentity RemoteNode = new(6);
    public static readonly NumericIdentity KubeApiServer = new(7);
    public static readonly NumericIdentity Ingress = new(8);
    public static readonly NumericIdentity WorldIPv4 = new(9);
    public static readonly NumericIdentity WorldIPv6 = new(10);

    private static readonly FrozenDictionary<uint, string> Names = new Dictionary<uint, string>
    {
        [0] = "unknown",
        [1] = "host",
        [2] = "world",
        [3] = "unmanaged",
        [4] = "health",
        [5] = "init",
        [6] = "remote-node",
        [7] = "kube-apiserver",
        [8] = "ingress",
        [9] = "world-ipv4",
        [10] = "world-ipv6",
    }.ToFrozenDictionary();

    /// <summary>
    /// The reserved identities that exist at runtime (1–10) with their labels. Unknown (0) is not among them:
    /// it never names a peer, and 0 means "any peer" in a policy key. Kube-apiserver carries
    /// <c>reserved:kube-apiserver</c> and <c>reserved:remote-node</c>.
    /// </summary>
    public static ImmutableArray<Identity> All { get; } =
    [
        .. Names.Where(n => n.Key != 0).OrderBy(n => n.Key).Select(n => new Identity(new NumericIdentity(n.Key),
            n.Key == KubeApiServer.Value
                ? LabelSet.Of(Label.Reserved("kube-apiserver"), Label.Reserved("remote-node"))
                : LabelSet.Of(Label.Reserved(n.Value)))),
    ];

    private static readonly FrozenDictionary<LabelSet, Identity> ByLabels = All.ToFrozenDictionary(i => i.Labels);

    /// <summary>The reserved name of <paramref name="id"/>, or null when it is not reserved (0–10).</summary>
    public static string? NameOf(NumericIdentity id) => Names.GetValueOrDefault(id.Value);

    /// <summary>The reserved identity with this number, if any.</summary>
    public static Identity? Lookup(NumericIdentity id) => All.FirstOrDefault(i => i.Id == id);

    /// <summary>The reserved identity whose label set is exactly <paramref name="labels"/>, if any.</summary>
    public static Identity? Lookup(LabelSet labels) => ByLabels.GetValueOrDefault(labels);
}
