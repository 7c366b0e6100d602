using System.Collections.Frozen;
using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Identities;

/// <summary>Policy entities (<c>fromEntities</c>/<c>toEntities</c>), §4.4.</summary>
public enum Entity
{
    All,
    World,
    WorldIPv4,
    WorldIPv6,
    Cluster,
    Host,
    RemoteNode,
    KubeApiServer,
    Ingress,
    Init,
    Health,
    Unmanaged,
    None,
}

/// <summary>Entity names and the selectors they stand for.</summary>
public static class Entities
{
    private static readonly FrozenDictionary<string, Entity> ByName = new Dictionary<string, Entity>(StringComparer.Ordinal)
    {
        ["all"] = Entity.All,
        ["world"] = Entity.World,
        ["world-ipv4"] = Entity.WorldIPv4,
        ["world-ipv6"] = Entity.WorldIPv6,
        ["cluster"] = Entity.Cluster,
        ["host"] = Entity.Host,
        ["remote-node"] = Entity.RemoteNode,
        ["kube-apiserver"] = Entity.KubeApiServer,
        ["ingress"] = Entity.Ingress,
        ["init"] = Entity.Init,
        ["health"] = Entity.Health,
        ["unmanaged"] = Entity.Unmanaged,
        ["none"] = Entity.None,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>All entity names, as written in policies.</summary>
    public static IEnumerable<string> Names => ByName.Keys.Order(StringComparer.Ordinal);

    /// <summary>Parses an entity name (case-sensitive, as Cilium's CRD enum).</summary>
    public static bool TryParse(string? name, out Entity entity) => ByName.TryGetValue(name ?? "", out entity);

    /// <summary>The name as written in policies.</summary>
    public static string NameOf(Entity entity) => ByName.First(p => p.Value == entity).Key;

    /// <summary>
    /// The selectors an entity stands for. <c>all</c> is the wildcard selector (identity 0 in policy keys);
    /// <c>world</c> selects <c>reserved:world</c>, <c>reserved:world-ipv4/6</c> and (through <c>reserved:world</c>) every
    /// CIDR identity; <c>cluster</c> selects the in-cluster reserved identities and every endpoint of the local
    /// cluster; <c>none</c> selects nothing.
    /// </summary>
    public static ImmutableArray<LabelSelector> SelectorsFor(Entity entity, string clusterName = WellKnownLabels.DefaultClusterName) =>
        entity switch
        {
            Entity.All => [LabelSelector.All],
            Entity.World => [Reserved("world"), Reserved("world-ipv4"), Reserved("world-ipv6")],
            Entity.WorldIPv4 => [Reserved("world-ipv4")],
            Entity.WorldIPv6 => [Reserved("world-ipv6")],
            Entity.Cluster =>
            [
                Reserved("host"), Reserved("remote-node"), Reserved("init"), Reserved("ingress"), Reserved("health"),
                Reserved("unmanaged"), Reserved("kube-apiserver"),
                new LabelSelector([new SelectorRequirement(new SelectorKey(LabelSources.K8s, WellKnownLabels.PolicyCluster), SelectorOperator.In, [clusterName])]),
            ],
            Entity.Host => [Reserved("host")],
            Entity.RemoteNode => [Reserved("remote-node")],
            Entity.KubeApiServer => [Reserved("kube-apiserver")],
            Entity.Ingress => [Reserved("ingress")],
            Entity.Init => [Reserved("init")],
            Entity.Health => [Reserved("health")],
            Entity.Unmanaged => [Reserved("unmanaged")],
            _ => [],
        };

    private static LabelSelector Reserved(string name) =>
        new([new SelectorRequirement(new SelectorKey(LabelSources.Reserved, name), SelectorOperator.Exists)]);
}
