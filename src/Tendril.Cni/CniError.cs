namespace Tendril.Cni;

/// <summary>
/// The CNI error codes this plugin returns: the spec's well-known codes (below 100) and the plugin's own (100 and up).
/// </summary>
internal enum CniErrorCode
{
    IncompatibleVersion = 1,
    UnsupportedField = 2,
    UnknownContainer = 3,
    InvalidEnvironment = 4,
    IoFailure = 5,
    DecodingFailure = 6,
    InvalidNetworkConfig = 7,
    TryAgainLater = 11,
    PluginNotAvailable = 50,
    PluginNotAvailableLimitedConnectivity = 51,

    /// <summary>The agent refused the request; the message carries the agent's reason.</summary>
    AgentRefused = 100,

    /// <summary>CHECK found the attachment other than ADD left it; the message says what differs.</summary>
    CheckFailed = 101,

    /// <summary>A bug: an exception nothing expected. libcni's plugins use the same number for untyped errors.</summary>
    Internal = 999,
}

/// <summary>
/// A CNI error result: printed on stdout as <c>{"cniVersion", "code", "msg", "details"}</c> with exit code 1.
/// <paramref name="Message"/> is short and says what to do; <paramref name="Details"/> holds the evidence. Immutable.
/// </summary>
internal sealed record CniError(CniErrorCode Code, string Message, string? Details = null);

/// <summary>Ends a CNI command with <see cref="Error"/>; thrown by the parsers and commands, caught by <see cref="CniPlugin"/>.</summary>
internal sealed class CniException(CniError error) : Exception(error.Message)
{
    public CniException(CniErrorCode code, string message, string? details = null)
        : this(new CniError(code, message, details))
    {
    }

    public CniError Error { get; } = error;
}
