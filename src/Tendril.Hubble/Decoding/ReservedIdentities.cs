using Tendril.Hubble.Api;

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
    public static string? Name(uint identity) => ReservedIdentityNames.Name(identity);

    private static FlowEndpointInfo?[] Build()
    {
        var known = new FlowEndpointInfo?[ReservedIdentityNames.All.Max(r => r.Id) + 1];
        foreach (var (id, name) in ReservedIdentityNames.All)
            known[id] = new FlowEndpointInfo(0, id, "", "", ["reserved:" + name]);
        return known;
    }
}
