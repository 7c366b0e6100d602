using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tendril.Api;

/// <summary>The agent said no: its problem document's detail, and the HTTP status.</summary>
public sealed class AgentException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>Thrown when nothing listens on the agent's socket.</summary>
public sealed class AgentUnavailableException(string socketPath, Exception inner)
    : Exception($"cannot reach the Tendril agent at {socketPath}: {inner.Message}. Is tendril-agent running?", inner);

/// <summary>
/// A client of the agent's REST API over its unix socket. Thread-safe; dispose to close connections.
/// </summary>
public sealed class AgentClient : IDisposable
{
    public const string DefaultSocket = "/var/run/tendril/tendril.sock";

    private readonly HttpClient _http;

    public AgentClient(string? socketPath = null)
    {
        SocketPath = socketPath ?? Environment.GetEnvironmentVariable("TENDRIL_SOCK") ?? DefaultSocket;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://tendril/v1/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string SocketPath { get; }

    private static ApiJsonContext Json => ApiJsonContext.Default;

    public Task<JsonElement> HealthAsync(CancellationToken token = default) => GetJsonAsync("healthz", token);

    public Task<List<EndpointModel>> ListEndpointsAsync(CancellationToken token = default) =>
        SendAsync(HttpMethod.Get, "endpoints", null, Json.ListEndpointModel, token);

    public Task<EndpointModel> GetEndpointAsync(int id, CancellationToken token = default) =>
        SendAsync(HttpMethod.Get, $"endpoints/{id}", null, Json.EndpointModel, token);

    public Task<EndpointModel> CreateEndpointAsync(EndpointCreateRequest request, CancellationToken token = default) =>
        SendAsync(HttpMethod.Post, "endpoints", JsonContent.Create(request, Json.EndpointCreateRequest), Json.EndpointModel, token);

    public Task DeleteEndpointAsync(int id, CancellationToken token = default) =>
        SendAsync(HttpMethod.Delete, $"endpoints/{id}", null, Json.JsonElement, token);

    /// <summary>The endpoints of a CNI attachment (the container's, or only its <paramref name="interfaceName"/>).</summary>
    public Task<List<EndpointModel>> FindEndpointsAsync(string containerId, string? interfaceName = null, CancellationToken token = default) =>
        SendAsync(HttpMethod.Get, $"endpoints?{AttachmentQuery(containerId, interfaceName)}", null, Json.ListEndpointModel, token);

    /// <summary>Deletes the endpoint of a CNI attachment; succeeds, deleting nothing, when there is none.</summary>
    public Task<EndpointDeleteResponse> DeleteAttachmentAsync(string containerId, string interfaceName, CancellationToken token = default) =>
        SendAsync(HttpMethod.Delete, $"endpoints?{AttachmentQuery(containerId, interfaceName)}", null, Json.EndpointDeleteResponse, token);

    /// <summary>The agent's check of an endpoint: its devices, address, routes and datapath entries.</summary>
    public Task<EndpointCheckResponse> CheckEndpointAsync(int id, CancellationToken token = default) =>
        SendAsync(HttpMethod.Get, $"endpoints/{id}/check", null, Json.EndpointCheckResponse, token);

    /// <summary>CNI GC: deletes the network's CNI endpoints whose attachments are not listed as valid.</summary>
    public Task<EndpointGcResponse> CollectGarbageAsync(EndpointGcRequest request, CancellationToken token = default) =>
        SendAsync(HttpMethod.Post, "endpoints/gc", JsonContent.Create(request, Json.EndpointGcRequest), Json.EndpointGcResponse, token);

    /// <summary>Any GET under /v1, as raw JSON (the bpf dumps and listings).</summary>
    public Task<JsonElement> GetJsonAsync(string path, CancellationToken token = default) =>
        SendAsync(HttpMethod.Get, path, null, Json.JsonElement, token);

    /// <summary>Any request under /v1 with a raw body; the answer as raw JSON (undefined when empty).</summary>
    public Task<JsonElement> SendJsonAsync(HttpMethod method, string path, HttpContent? body, CancellationToken token = default) =>
        SendAsync(method, path, body, Json.JsonElement, token);

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> type, CancellationToken token)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(new HttpRequestMessage(method, path) { Content = body }, token);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException)
        {
            throw new AgentUnavailableException(SocketPath, e.InnerException);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new AgentException(response.StatusCode, await ProblemAsync(response, token));
            if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
                return default!;
            return (await response.Content.ReadFromJsonAsync(type, token))!;
        }
    }

    private static string AttachmentQuery(string containerId, string? interfaceName) =>
        interfaceName is null
            ? $"containerId={Uri.EscapeDataString(containerId)}"
            : $"containerId={Uri.EscapeDataString(containerId)}&interface={Uri.EscapeDataString(interfaceName)}";

    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken token)
    {
        string text = await response.Content.ReadAsStringAsync(token);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                // Validation problems list every error: document, field path, reason.
                var lines = errors.EnumerateArray().Select(e =>
                    $"  document {e.GetProperty("document")}: {e.GetProperty("path").GetString()}{LineOf(e)}: {e.GetProperty("reason").GetString()}");
                return $"{doc.RootElement.GetProperty("title").GetString()}, nothing was applied:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
            }
            if (doc.RootElement.TryGetProperty("detail", out var detail))
                return detail.GetString() ?? text;
        }
        catch (JsonException)
        {
        }
        return $"{(int)response.StatusCode} {response.ReasonPhrase}: {text}";
    }

    private static string LineOf(JsonElement error) =>
        error.TryGetProperty("line", out var line) && line.ValueKind == JsonValueKind.Number ? $" (line {line.GetInt32()})" : "";
}
