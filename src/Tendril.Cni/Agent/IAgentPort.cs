using Tendril.Api;

namespace Tendril.Cni.Agent;

/// <summary>
/// The agent calls the plugin makes, as <see cref="AgentClient"/> offers them and with its failures:
/// <see cref="AgentUnavailableException"/> when nothing listens on the socket, <see cref="AgentException"/> when the
/// agent answers with an error status, <see cref="TaskCanceledException"/> or <see cref="HttpRequestException"/> when
/// it does not answer. Owned by the command that opened it; one call at a time.
/// </summary>
internal interface IAgentPort : IDisposable
{
    /// <summary>Creates the endpoint of an attachment, or returns the one that exists for the same netns.</summary>
    Task<EndpointModel> CreateEndpointAsync(EndpointCreateRequest request, CancellationToken token);

    Task<List<EndpointModel>> FindEndpointsAsync(string containerId, string interfaceName, CancellationToken token);

    /// <summary>Deletes an attachment's endpoint; 0 deleted when there is none.</summary>
    Task<EndpointDeleteResponse> DeleteAttachmentAsync(string containerId, string interfaceName, CancellationToken token);

    Task<EndpointCheckResponse> CheckEndpointAsync(int id, CancellationToken token);

    Task<EndpointGcResponse> CollectGarbageAsync(EndpointGcRequest request, CancellationToken token);

    /// <summary>Completes when the agent answers its health check.</summary>
    Task HealthAsync(CancellationToken token);
}
