using System.Net;
using System.Text.Json;
using Tendril.Api;

namespace Tendril.Cni.Agent;

/// <summary>
/// Turns a failed agent call into the CNI error a runtime acts on: agent down → 50, no answer or a 5xx → 11 (try
/// again), 400 → 7 (the request built from the configuration is wrong), anything else (an answer it cannot read
/// included) → 100 with the agent's reason.
/// </summary>
internal static class AgentFailures
{
    /// <summary>True for the exceptions an <see cref="IAgentPort"/> call fails with.</summary>
    public static bool IsAgentFailure(Exception e) =>
        e is AgentUnavailableException or AgentException or TaskCanceledException or TimeoutException or HttpRequestException
            or JsonException;

    public static CniError ToCniError(Exception e, string socketPath) => e switch
    {
        AgentUnavailableException => NotAvailable(e, socketPath),
        AgentException { Status: HttpStatusCode.BadRequest } refused => new CniError(CniErrorCode.InvalidNetworkConfig,
            $"the Tendril agent rejected the request: {refused.Message}"),
        AgentException { Status: >= HttpStatusCode.InternalServerError } failed => new CniError(CniErrorCode.TryAgainLater,
            $"the Tendril agent failed ({(int)failed.Status} {failed.Status}); try again later", failed.Message),
        AgentException refused => new CniError(CniErrorCode.AgentRefused,
            $"the Tendril agent refused the request ({(int)refused.Status} {refused.Status}): {refused.Message}"),
        JsonException => new CniError(CniErrorCode.AgentRefused,
            $"the Tendril agent at {socketPath} answered something tendril-cni cannot read; is it the same version?", e.Message),
        _ => new CniError(CniErrorCode.TryAgainLater,
            $"the Tendril agent at {socketPath} did not answer in time; try again later", e.Message),
    };

    /// <summary>Code 50: nothing answers on the socket.</summary>
    public static CniError NotAvailable(Exception e, string socketPath)
    {
        // A missing socket file surfaces as EADDRNOTAVAIL ("Cannot assign requested address"): say what it means.
        string reason = (e.InnerException ?? e).Message;
        return new CniError(CniErrorCode.PluginNotAvailable,
            $"cannot reach the Tendril agent at {socketPath}: start tendril-agent",
            File.Exists(socketPath) ? reason : $"{socketPath} does not exist ({reason})");
    }
}
