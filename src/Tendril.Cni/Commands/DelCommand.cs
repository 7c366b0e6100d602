using Tendril.Api;
using Tendril.Cni.Agent;

namespace Tendril.Cni.Commands;

/// <summary>
/// DEL: deletes the attachment's endpoint through the agent, succeeding when there is none. When the agent is down,
/// deletes the pod's veth itself (which removes the host side too) and succeeds: the agent drops endpoints whose
/// device vanished when it starts.
/// </summary>
internal static class DelCommand
{
    public static async Task RunAsync(CniInvocation call, CancellationToken token)
    {
        var env = call.Environment;
        using var agent = call.Host.ConnectAgent(call.AgentSocket);
        try
        {
            await agent.DeleteAttachmentAsync(env.ContainerId, env.InterfaceName, token);
        }
        catch (AgentUnavailableException e)
        {
            RemoveVethWithoutAgent(call, e);
        }
    }

    private static void RemoveVethWithoutAgent(CniInvocation call, AgentUnavailableException down)
    {
        var env = call.Environment;
        string agentDown = $"the Tendril agent at {call.AgentSocket} is down ({AgentFailures.NotAvailable(down, call.AgentSocket).Details})";
        const string Later = "tendril-agent drops the endpoint when it starts";
        if (env.Netns.Length == 0 || !File.Exists(env.Netns))
        {
            string where = env.Netns.Length == 0 ? "no CNI_NETNS was given" : $"the network namespace {env.Netns} is gone";
            call.Note($"{agentDown} and {where}, so {env.InterfaceName} of container {env.ContainerId} has no device left to delete; {Later}");
            return;
        }
        try
        {
            string done = call.Host.RemovePodVeth(env.Netns, env.InterfaceName) switch
            {
                PodVethRemoval.Deleted => $"deleted the veth {env.InterfaceName} in {env.Netns} and its host side",
                PodVethRemoval.NotFound => $"{env.Netns} has no {env.InterfaceName}, nothing to delete",
                _ => $"{env.InterfaceName} in {env.Netns} is not a veth, so not Tendril's: left it alone",
            };
            call.Note($"{agentDown}; {done}; {Later}");
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // DEL is best effort: failing would only make the runtime retry against the same dead agent.
            call.Note($"{agentDown}, and deleting {env.InterfaceName} in {env.Netns} failed: {e.Message}; {Later}");
        }
    }
}
