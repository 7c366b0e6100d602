namespace Tendril.Hubble.Api;

/// <summary>
/// Cilium's reserved identities by number (1 host … 10 world-ipv6), as flows label them (<c>reserved:name</c>) and as
/// the hubble CLI prints and accepts them. Immutable; thread-safe.
/// </summary>
public static class ReservedIdentityNames
{
    private static readonly string?[] Names =
    [
        null, "host", "world", "unmanaged", "health", "init", "remote-node", "kube-apiserver", "ingress",
        "world-ipv4", "world-ipv6",
    ];

    /// <summary>Every reserved identity, in number order.</summary>
    public static IEnumerable<(uint Id, string Name)> All =>
        Names.Select((name, id) => ((uint)id, name)).Where(x => x.name is not null).Select(x => (x.Item1, x.name!));

    /// <summary>The name of a reserved identity ("world"), or null when <paramref name="identity"/> has none.</summary>
    public static string? Name(uint identity) => identity < (uint)Names.Length ? Names[identity] : null;

    /// <summary>The number of a reserved identity's name, ignoring case.</summary>
    public static bool TryParse(string name, out uint identity)
    {
        for (uint id = 1; id < Names.Length; id++)
        {
            if (string.Equals(Names[id], name, StringComparison.OrdinalIgnoreCase))
            {
                identity = id;
                return true;
            }
        }
        identity = 0;
        return false;
    }
}
