namespace Tendril.Hubble.Decoding;

/// <summary>
/// The fixed identities every node knows (Cilium's numbers), described as flow endpoints with a single
/// "reserved:name" label. Immutable and thread-safe.
/// </summary>
public static class ReservedIdentities
{
    private static readonly FlowEndpointInfo?[] Known = Build();

    /// <summary>The reserved identity with this number, or null when <paramref name="identity"/> is not reserved.</summary>
    public static FlowEndpointInfo? Describe(uint identity) =>
        identity < (uint)Known.Length ? Known[identity] : null;

    /// <summary>The short name ("host", "world", …) of a reserved identity, or null.</summary>
    public static string? Name(uint identity) =>
        Describe(identity)?.Labels[0]["reserved:".Length..];

    private static FlowEndpointInfo?[] Build()
    {
        string?[] names =
        [
            null, "host", "world", "unmanaged", "health", "init", "remote-node", "kube-apiserver", "ingress",
            "world-ipv4", "world-ipv6",
        ];
        var known = new FlowEndpointInfo?[names.Length];
        for (uint id = 1; id < names.Length; id++)
            known[id] = new FlowEndpointInfo(0, id, "", "", ["reserved:" + names[id]]);
        return known;
    }
}
