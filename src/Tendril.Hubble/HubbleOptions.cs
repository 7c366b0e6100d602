using System.Net;
using System.Reflection;

namespace Tendril.Hubble;

/// <summary>
/// Settings of the Hubble-compatible observer. An immutable snapshot, validated by <see cref="Validate"/> when the
/// observer is registered.
/// </summary>
public sealed record HubbleOptions
{
    /// <summary>Hubble's default unix socket, under Tendril's run directory.</summary>
    public const string DefaultUnixSocketPath = "/var/run/tendril/hubble.sock";

    /// <summary>Flows kept in memory; 2^n−1 (Hubble's <c>hubble-event-buffer-capacity</c>, default 4095).</summary>
    public int BufferCapacity { get; init; } = 4095;

    /// <summary>This node's name as flows and peers report it ("cluster/node" outside the default cluster).</summary>
    public string NodeName { get; init; } = Environment.MachineName;

    /// <summary>Unix socket the gRPC API listens on; null or empty for none.</summary>
    public string? UnixSocketPath { get; init; } = DefaultUnixSocketPath;

    /// <summary>Optional plaintext TCP listen address "host:port", e.g. "127.0.0.1:4244" (Hubble's port).</summary>
    public string? ListenAddress { get; init; }

    /// <summary>Version reported in ServerStatus, GetNodes and the <c>hubble-server-version</c> header.</summary>
    public string Version { get; init; } = DefaultVersion();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (BufferCapacity < 1 || ((long)BufferCapacity + 1 & BufferCapacity) != 0)
            throw new ArgumentException($"Hubble BufferCapacity {BufferCapacity} must be 2^n-1 (e.g. 4095)", nameof(BufferCapacity));
        if (string.IsNullOrWhiteSpace(NodeName))
            throw new ArgumentException("Hubble NodeName must not be empty", nameof(NodeName));
        if (ListenAddress is { Length: > 0 } && !IPEndPoint.TryParse(ListenAddress, out _))
            throw new ArgumentException($"Hubble ListenAddress '{ListenAddress}' is not host:port, e.g. 127.0.0.1:4244", nameof(ListenAddress));
        if (string.IsNullOrEmpty(UnixSocketPath) && string.IsNullOrEmpty(ListenAddress))
            throw new ArgumentException("Hubble needs a UnixSocketPath or a ListenAddress to serve on", nameof(UnixSocketPath));
    }

    /// <summary>The address peers should dial: the TCP address if any, else "unix://" and the socket path.</summary>
    public string PeerAddress => ListenAddress is { Length: > 0 } tcp ? tcp : "unix://" + UnixSocketPath;

    private static string DefaultVersion()
    {
        var assembly = typeof(HubbleOptions).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return "v" + (informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString(3) ?? "0.0.0") + "-tendril";
    }
}
