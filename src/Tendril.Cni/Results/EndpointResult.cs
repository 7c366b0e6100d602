using Tendril.Api;

namespace Tendril.Cni.Results;

/// <summary>
/// ADD's result: the previous plugins' result with the endpoint appended — the host-side veth, the pod-side one in
/// its sandbox, the pod's /32 through the gateway and the default route. Pure.
/// </summary>
internal static class EndpointResult
{
    public const string DefaultRoute = "0.0.0.0/0";

    /// <param name="previous">The <c>prevResult</c>, or null when this plugin comes first.</param>
    /// <param name="endpoint">What the agent made.</param>
    /// <param name="interfaceName">CNI_IFNAME, the pod-side device.</param>
    /// <param name="netns">CNI_NETNS, the pod-side sandbox.</param>
    /// <param name="configDns">The configuration's <c>dns</c>, which wins over the previous result's when it says anything.</param>
    public static CniResult Merge(CniResult? previous, EndpointModel endpoint, string interfaceName, string netns, CniDns? configDns)
    {
        previous ??= CniResult.Empty;
        if (!CniAddress.TryParse($"{endpoint.Ipv4}/32", out var address) || !address.IsIpv4)
        {
            throw new CniException(CniErrorCode.AgentRefused,
                $"the Tendril agent gave endpoint {endpoint.Id} the address '{endpoint.Ipv4}', which is not IPv4");
        }
        uint? mtu = endpoint.Mtu > 0 ? (uint)endpoint.Mtu : null;
        var host = new CniInterface(endpoint.HostDevice) { Mac = CniMac.Normalize(endpoint.HostMac), Mtu = mtu };
        var pod = new CniInterface(interfaceName) { Mac = CniMac.Normalize(endpoint.Mac), Mtu = mtu, Sandbox = netns };
        var ip = new CniIpConfig(address) { Gateway = endpoint.Gateway, Interface = (uint)previous.Interfaces.Count + 1 };
        return new CniResult
        {
            Interfaces = [.. previous.Interfaces, host, pod],
            Ips = [.. previous.Ips, ip],
            Routes = endpoint.Gateway is null ? previous.Routes : [.. previous.Routes, new CniRoute(DefaultRoute) { Gw = endpoint.Gateway }],
            Dns = configDns is { IsEmpty: false } ? configDns : previous.Dns,
        };
    }
}
