namespace Tendril.Hubble.Api;

/// <summary>
/// The policy-verdict match types (<c>flow.Flow.policy_match_type</c>) as the monitor and hubble print them
/// (<c>L3-L4</c>); Hubble's metrics use them in lower case. Immutable; thread-safe.
/// </summary>
public static class PolicyMatchTypes
{
    public static string Name(uint matchType) => matchType switch
    {
        0 => "none",
        1 => "L3-Only",
        2 => "L3-L4",
        3 => "L4-Only",
        4 => "all",
        5 => "L3-Proto",
        6 => "Proto-Only",
        _ => "unknown",
    };
}
