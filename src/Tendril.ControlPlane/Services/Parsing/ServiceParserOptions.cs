using Tendril.ControlPlane.Net;

namespace Tendril.ControlPlane.Services.Parsing;

/// <summary>
/// The cluster-wide settings service manifests are validated against (the API server's
/// <c>--service-cluster-ip-range</c> and <c>--service-node-port-range</c>). Immutable; validate once at start.
/// </summary>
public sealed record ServiceParserOptions
{
    /// <summary>Kubernetes' usual service CIDR.</summary>
    public static CidrPrefix DefaultServiceCidr { get; } = CidrPrefix.Parse("10.96.0.0/12");

    public static ServiceParserOptions Default { get; } = new();

    /// <summary>Where cluster IPs live; a requested <c>clusterIP</c> outside it is an error. IPv4.</summary>
    public CidrPrefix ServiceCidr { get; init; } = DefaultServiceCidr;

    /// <summary>Lowest node port (inclusive).</summary>
    public int NodePortMin { get; init; } = 30000;

    /// <summary>Highest node port (inclusive).</summary>
    public int NodePortMax { get; init; } = 32767;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (ServiceCidr.IsIPv6)
            throw new ArgumentException($"service CIDR {ServiceCidr} must be IPv4 (IPv6 services are not supported yet)");
        if (ServiceCidr.PrefixLength > 30)
            throw new ArgumentException($"service CIDR {ServiceCidr} is too small: use a prefix of /30 or shorter");
        if (NodePortMin < 1 || NodePortMax > 65535 || NodePortMin > NodePortMax)
            throw new ArgumentException($"node port range {NodePortMin}-{NodePortMax} is not valid: give 1 <= min <= max <= 65535");
    }

    /// <summary><c>30000-32767</c>.</summary>
    public string NodePortRange => $"{NodePortMin}-{NodePortMax}";
}
