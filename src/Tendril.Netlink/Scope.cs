namespace Tendril.Netlink;

/// <summary>How far an address or route reaches (<c>enum rt_scope_t</c>).</summary>
public enum Scope : byte
{
    /// <summary>Everywhere: the default for addresses and gateway routes.</summary>
    Universe = 0,
    Site = 200,

    /// <summary>Only on the attached link: directly connected routes, link-local addresses.</summary>
    Link = 253,

    /// <summary>Only this host: local routes, loopback addresses.</summary>
    Host = 254,
    Nowhere = 255,
}
