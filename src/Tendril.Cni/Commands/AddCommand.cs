using Tendril.Api;
using Tendril.Cni.Results;

namespace Tendril.Cni.Commands;

/// <summary>
/// ADD: asks the agent for the attachment's endpoint (the agent returns the existing one when a runtime repeats
/// ADD) and prints the result, the previous plugins' result with the endpoint appended.
/// </summary>
internal static class AddCommand
{
    /// <summary>The pod name when CNI_ARGS has no K8S_POD_NAME: a short container ID, as runtimes show it.</summary>
    private const int DefaultNameLength = 12;

    public static async Task RunAsync(CniInvocation call, CancellationToken token)
    {
        var env = call.Environment;
        call.RequireNetns();
        var request = new EndpointCreateRequest
        {
            Netns = env.Netns,
            Interface = env.InterfaceName,
            ContainerId = env.ContainerId,
            Network = call.Config.Name,
            Name = env.Args.PodName ?? env.ContainerId[..Math.Min(DefaultNameLength, env.ContainerId.Length)],
            Namespace = env.Args.PodNamespace ?? "default",
            Labels = new Dictionary<string, string>(call.Config.Labels),
        };
        using var agent = call.Host.ConnectAgent(call.AgentSocket);
        var endpoint = await agent.CreateEndpointAsync(request, token);
        var result = EndpointResult.Merge(call.Config.PrevResult, endpoint, env.InterfaceName, env.Netns, call.Config.Dns);
        call.Stdout.WriteLine(CniResultWriter.Write(result, call.Config.Version));
    }
}
