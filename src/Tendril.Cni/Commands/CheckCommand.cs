using Tendril.Api;
using Tendril.Cni.Results;

namespace Tendril.Cni.Commands;

/// <summary>
/// CHECK: the attachment must still have its endpoint, the <c>prevResult</c> must still show the pod's interface and
/// address as ADD reported them, and the agent's own check of the endpoint's devices and datapath must pass.
/// Prints nothing on success.
/// </summary>
internal static class CheckCommand
{
    public static async Task RunAsync(CniInvocation call, CancellationToken token)
    {
        var env = call.Environment;
        call.RequireVersion(CniVersion.V0_4_0);
        var previous = call.Config.PrevResult
            ?? throw ConfigJson.Invalid("CHECK needs prevResult, the result of the ADD it checks");
        call.RequireNetns();

        using var agent = call.Host.ConnectAgent(call.AgentSocket);
        var endpoints = await agent.FindEndpointsAsync(env.ContainerId, env.InterfaceName, token);
        if (endpoints.Count == 0)
        {
            throw Failed($"Tendril has no endpoint for container {env.ContainerId} interface {env.InterfaceName}",
                "it was deleted or never added; the container needs ADD again");
        }
        var endpoint = endpoints[0];
        var differences = Compare(previous, endpoint, env);
        if (differences.Count > 0)
        {
            throw Failed($"endpoint {endpoint.Id} of container {env.ContainerId} interface {env.InterfaceName} differs from prevResult: {string.Join("; ", differences)}");
        }
        var check = await agent.CheckEndpointAsync(endpoint.Id, token);
        if (check.Problems is { Count: > 0 } problems)
        {
            throw Failed($"endpoint {endpoint.Id} of container {env.ContainerId} interface {env.InterfaceName} is broken: {string.Join("; ", problems)}");
        }
    }

    /// <summary>What prevResult and the endpoint disagree on, one readable line each; empty when they agree.</summary>
    private static List<string> Compare(CniResult previous, EndpointModel endpoint, CniEnvironment env)
    {
        var differences = new List<string>();
        if (endpoint.NetnsPath != env.Netns)
            differences.Add($"the endpoint is in {endpoint.NetnsPath}, CNI_NETNS is {env.Netns}");

        int podIndex = -1;
        for (int i = 0; i < previous.Interfaces.Count; i++)
        {
            if (previous.Interfaces[i].Name == env.InterfaceName && previous.Interfaces[i].Sandbox == env.Netns)
                podIndex = i;
        }
        if (podIndex < 0)
        {
            differences.Add($"prevResult has no interface {env.InterfaceName} with sandbox {env.Netns}");
        }
        else if (previous.Interfaces[podIndex].Mac is { Length: > 0 } mac && !CniMac.Same(mac, endpoint.Mac))
        {
            differences.Add($"prevResult gives {env.InterfaceName} the MAC {mac}, the endpoint has {CniMac.Normalize(endpoint.Mac)}");
        }

        var ours = previous.Ips.FirstOrDefault(ip => ip.Address.Ip.ToString() == endpoint.Ipv4);
        if (ours is null)
        {
            string listed = previous.Ips.Count == 0 ? "none" : string.Join(", ", previous.Ips.Select(ip => ip.Address));
            differences.Add($"prevResult does not list the endpoint's address {endpoint.Ipv4} (it lists {listed})");
        }
        else if (podIndex >= 0 && ours.Interface is { } index && index != podIndex)
        {
            differences.Add($"prevResult puts {ours.Address} on interface {index} ({previous.Interfaces[(int)index].Name}), not on {env.InterfaceName}");
        }
        return differences;
    }

    private static CniException Failed(string message, string? details = null) =>
        new(CniErrorCode.CheckFailed, message, details);
}
