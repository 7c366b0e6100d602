using Tendril.Cni.Agent;

namespace Tendril.Cni.Commands;

/// <summary>
/// STATUS (1.1.0): ready when the agent answers its health check. The agent's pinned maps and links keep existing pods
/// connected while it is down, so an unreachable agent is code 50, not 51.
/// </summary>
internal static class StatusCommand
{
    public static async Task RunAsync(CniInvocation call, CancellationToken token)
    {
        call.RequireVersion(CniVersion.V1_1_0);
        using var agent = call.Host.ConnectAgent(call.AgentSocket);
        try
        {
            await agent.HealthAsync(token);
        }
        catch (Exception e) when (AgentFailures.IsAgentFailure(e))
        {
            var error = AgentFailures.ToCniError(e, call.AgentSocket);
            throw new CniException(error.Code == CniErrorCode.PluginNotAvailable
                ? error
                : new CniError(CniErrorCode.PluginNotAvailable, $"the Tendril agent at {call.AgentSocket} is not ready: {error.Message}", error.Details));
        }
    }
}
