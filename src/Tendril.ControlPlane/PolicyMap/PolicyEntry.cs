namespace Tendril.ControlPlane.PolicyMap;

/// <summary>
/// A policy map value (<c>struct policy_entry</c>): deny flag, L7 proxy port (0: no redirect — always 0 until an L7
/// proxy exists) and auth type (0 = none). The entry's <c>l4_prefix</c> is the key's
/// <see cref="PolicyKey.L4PrefixLength"/>.
/// </summary>
public readonly record struct PolicyEntry(bool Deny, ushort ProxyPort = 0, byte AuthType = 0)
{
    public static PolicyEntry Allow { get; } = new(false);

    public static PolicyEntry Denied { get; } = new(true);

    public override string ToString() => Deny ? "Deny" : ProxyPort == 0 ? "Allow" : $"Allow (proxy {ProxyPort})";
}

/// <summary>Cilium's policy match types as reported in policy-verdict events (§2.2).</summary>
public enum PolicyMatchType : byte
{
    None = 0,
    L3Only = 1,
    L3L4 = 2,
    L4Only = 3,
    All = 4,
    L3Proto = 5,
    ProtoOnly = 6,
}

/// <summary>The verdict of a policy lookup.</summary>
public enum PolicyVerdict
{
    /// <summary>An allow entry matched.</summary>
    Allowed,

    /// <summary>A deny entry matched (DROP_POLICY_DENY, 181).</summary>
    DeniedByRule,

    /// <summary>No entry matched in an enforced direction (DROP_POLICY, 133).</summary>
    DeniedByDefault,
}

/// <summary>What the datapath decides for one packet, and the key that decided it.</summary>
public readonly record struct PolicyDecision(PolicyVerdict Verdict, PolicyMatchType MatchType, PolicyKey? Key)
{
    public bool Allowed => Verdict == PolicyVerdict.Allowed;

    /// <summary>The match type of a winning key, as the datapath computes it.</summary>
    public static PolicyMatchType MatchTypeOf(PolicyKey key) => (key.IsAnyPeer, key.L4PrefixLength) switch
    {
        (false, > 8) => PolicyMatchType.L3L4,
        (true, > 8) => PolicyMatchType.L4Only,
        (false, 8) => PolicyMatchType.L3Proto,
        (true, 8) => PolicyMatchType.ProtoOnly,
        (false, _) => PolicyMatchType.L3Only,
        (true, _) => PolicyMatchType.All,
    };
}
