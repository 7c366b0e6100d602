using Tendril.Api;

namespace Tendril.Cni.Commands;

/// <summary>
/// GC (1.1.0): the agent deletes this network's CNI endpoints whose attachment is not among the configuration's
/// still-valid ones. Prints nothing on success; notes what was deleted on stderr.
/// </summary>
internal static class GcCommand
{
    public static async Task RunAsync(CniInvocation call, CancellationToken token)
    {
        call.RequireVersion(CniVersion.V1_1_0);
        var request = new EndpointGcRequest { Network = call.Config.Name, Valid = [.. call.Config.ValidAttachments ?? []] };
        using var agent = call.Host.ConnectAgent(call.AgentSocket);
        var response = await agent.CollectGarbageAsync(request, token);
        if (response?.Deleted is { Count: > 0 } deleted)
            call.Note($"deleted stale endpoints {string.Join(", ", deleted)} of network {call.Config.Name}");
    }
}
