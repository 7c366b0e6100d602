using Tendril.Api;

namespace Tendril.Cni.Agent;

/// <summary>The real <see cref="IAgentPort"/>: the agent's REST API over its unix socket. Disposing closes the connection.</summary>
internal sealed class AgentClientPort(string socketPath) : IAgentPort
{
    private readonly AgentClient _client = new(socketPath);

    public Task<EndpointModel> CreateEndpointAsync(EndpointCreateRequest request, CancellationToken token) =>
        _client.CreateEndpointAsync(request, token);

    public Task<List<EndpointModel>> FindEndpointsAsync(string containerId, string interfaceName, CancellationToken token) =>
        _client.FindEndpointsAsync(containerId, interfaceName, token);

    public Task<EndpointDeleteResponse> DeleteAttachmentAsync(string containerId, string interfaceName, CancellationToken token) =>
        _client.DeleteAttachmentAsync(containerId, interfaceName, token);

    public Task<EndpointCheckResponse> CheckEndpointAsync(int id, CancellationToken token) =>
        _client.CheckEndpointAsync(id, token);

    public Task<EndpointGcResponse> CollectGarbageAsync(EndpointGcRequest request, CancellationToken token) =>
        _client.CollectGarbageAsync(request, token);

    public Task HealthAsync(CancellationToken token) => _client.HealthAsync(token);

    public void Dispose() => _client.Dispose();
}
