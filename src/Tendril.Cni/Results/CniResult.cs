namespace Tendril.Cni.Results;

/// <summary>
/// A CNI ADD result, independent of the version it was read from or will be written in (see
/// <see cref="CniResultReader"/> and <see cref="CniResultWriter"/>). Immutable.
/// </summary>
internal sealed record CniResult
{
    public static CniResult Empty { get; } = new();

    /// <summary>Interfaces the attachment created, host side and sandbox side; <c>ips[].interface</c> indexes this list.</summary>
    public IReadOnlyList<CniInterface> Interfaces { get; init; } = [];

    public IReadOnlyList<CniIpConfig> Ips { get; init; } = [];

    public IReadOnlyList<CniRoute> Routes { get; init; } = [];

    /// <summary>DNS settings; null when there are none.</summary>
    public CniDns? Dns { get; init; }
}

/// <summary>An interface in a result. The 1.1.0 fields (<see cref="Mtu"/>, <see cref="SocketPath"/>, <see cref="PciId"/>) are only written in 1.1.0.</summary>
internal sealed record CniInterface(string Name)
{
    public string? Mac { get; init; }

    public uint? Mtu { get; init; }

    /// <summary>The network namespace path for an interface inside the container; null on the host.</summary>
    public string? Sandbox { get; init; }

    public string? SocketPath { get; init; }

    public string? PciId { get; init; }
}

/// <summary>
/// An address in a result, in CIDR notation. Its family (the 0.3.x/0.4.0 <c>"version"</c> field) follows from
/// <see cref="Address"/>.
/// </summary>
internal sealed record CniIpConfig(CniAddress Address)
{
    public string? Gateway { get; init; }

    /// <summary>Index into <see cref="CniResult.Interfaces"/>; null when the IP belongs to no listed interface.</summary>
    public uint? Interface { get; init; }
}

/// <summary>A route in a result. The route options other than <see cref="Gw"/> are 1.1.0 fields.</summary>
internal sealed record CniRoute(string Dst)
{
    public string? Gw { get; init; }

    public uint? Mtu { get; init; }

    public uint? AdvMss { get; init; }

    public uint? Priority { get; init; }

    public uint? Table { get; init; }

    public uint? Scope { get; init; }
}

/// <summary>DNS settings, as in the network configuration's <c>dns</c> and a result's <c>dns</c>. Immutable.</summary>
internal sealed record CniDns
{
    public IReadOnlyList<string> Nameservers { get; init; } = [];

    public string? Domain { get; init; }

    public IReadOnlyList<string> Search { get; init; } = [];

    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>No field has a value: the network says nothing about DNS.</summary>
    public bool IsEmpty => Nameservers.Count == 0 && string.IsNullOrEmpty(Domain) && Search.Count == 0 && Options.Count == 0;
}
