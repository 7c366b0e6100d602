using System.CommandLine;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;

namespace Tendril.Cli.Observe;

/// <summary>
/// Where the Hubble API is and how long to wait for it: <c>--server</c> (<c>unix:///path</c> or <c>host:port</c>,
/// plain-text HTTP/2) and <c>--timeout</c>. Also turns gRPC failures into one-line errors that say what to check.
/// Stateless and thread-safe.
/// </summary>
internal static class HubbleConnection
{
    /// <summary>The agent's Hubble socket.</summary>
    public const string DefaultServer = "unix:///var/run/tendril/hubble.sock";

    public static readonly Option<string> Server = new("--server")
    {
        Description = "Hubble API address: unix:///path or host:port",
        DefaultValueFactory = _ => DefaultServer,
        Recursive = true,
    };

    public static readonly Option<string> Timeout = new("--timeout")
    {
        Description = "How long to wait for the connection, and for one-shot requests (Go duration, e.g. 5s)",
        DefaultValueFactory = _ => "5s",
        Recursive = true,
    };

    /// <summary>The timeout option as a time span.</summary>
    /// <exception cref="FlagException">Not a positive duration.</exception>
    public static TimeSpan TimeoutOf(ParseResult parse)
    {
        string text = parse.GetValue(Timeout) ?? "5s";
        return TimeArguments.TryParseDuration(text, out var timeout) && timeout > TimeSpan.Zero
            ? timeout
            : throw new FlagException("timeout", $"'{text}' is not a positive duration such as 5s or 1m");
    }

    /// <summary>Opens a channel to <paramref name="server"/>; nothing is dialled until the first call.</summary>
    /// <exception cref="FlagException">The address is not unix:///path or host:port.</exception>
    public static GrpcChannel Open(string server, TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = connectTimeout, EnableMultipleHttp2Connections = true };
        if (server.StartsWith("unix:", StringComparison.Ordinal))
        {
            // unix:///abs/path and unix:/abs/path both name /abs/path.
            string path = server["unix:".Length..].TrimStart('/');
            if (path.Length == 0)
                throw new FlagException("server", $"'{server}' names no socket; expected unix:///path/to/hubble.sock");
            path = "/" + path;
            handler.ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    // Linux reports a missing socket file as "Cannot assign requested address"; say what it means.
                    throw new IOException(File.Exists(path) ? $"connect {path}: {e.Message}" : $"no socket at {path}");
                }
            };
            return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        }
        string address = server.StartsWith("http://", StringComparison.Ordinal) ? server : "http://" + server;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Port <= 0 || uri.AbsolutePath != "/")
            throw new FlagException("server", $"'{server}' is not unix:///path or host:port");
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>A one-line explanation of a failed call to <paramref name="server"/>.</summary>
    public static string Describe(RpcException e, string server) => e.StatusCode switch
    {
        StatusCode.Unavailable =>
            $"cannot reach Hubble at {server}: {Cause(e)}. Is tendril-agent running with Hubble enabled? (--server picks another address)",
        StatusCode.DeadlineExceeded => $"Hubble at {server} did not answer in time (--timeout)",
        StatusCode.InvalidArgument => $"Hubble rejected the request: {e.Status.Detail}",
        StatusCode.Unimplemented => $"{server} does not serve this Hubble API call: {e.Status.Detail}",
        _ => $"Hubble at {server} failed: {e.StatusCode}: {e.Status.Detail}",
    };

    // The innermost exception says what went wrong (connection refused, no socket); the status detail wraps it twice.
    private static string Cause(RpcException e) =>
        (e.Status.DebugException?.GetBaseException().Message ?? e.Status.Detail).TrimEnd('.');
}
