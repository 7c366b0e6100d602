using System.Net;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Services.Model;

/// <summary>The state of a backend as the datapath stores it (values of Cilium's <c>lb4_backend.flags</c>).</summary>
public enum BackendState : byte
{
    /// <summary>Takes new connections.</summary>
    Active = 0,

    /// <summary>No new connections; existing ones (conntrack, affinity) finish.</summary>
    Terminating = 1,
}

/// <summary>A backend's identity in the backends map: (address, port, protocol). Immutable.</summary>
public readonly record struct BackendAddress(IPAddress Address, ushort Port, L4Protocol Protocol) : IComparable<BackendAddress>
{
    public int CompareTo(BackendAddress other)
    {
        int c = Ipv4.ToUInt32(Address).CompareTo(Ipv4.ToUInt32(other.Address));
        if (c == 0)
            c = Port.CompareTo(other.Port);
        return c != 0 ? c : Protocol.CompareTo(other.Protocol);
    }

    /// <summary><c>10.0.0.5:8080/TCP</c>: also the stable name Maglev hashes, identical on every node.</summary>
    public override string ToString() => $"{Address}:{Port}/{Protocol}";
}

/// <summary>One backend of one service port, resolved from a pod or an EndpointSlice endpoint. Immutable.</summary>
/// <param name="Backend">Where traffic goes.</param>
/// <param name="State">Active or terminating.</param>
/// <param name="IsLocal">On this node (a pod of this node, or a slice endpoint whose nodeName is this node).</param>
/// <param name="PodName">The pod, when known (diagnostics).</param>
public sealed record ServiceBackend(BackendAddress Backend, BackendState State, bool IsLocal, string? PodName = null);

/// <summary>The backends of one service port, in a stable order (by address). Immutable.</summary>
public sealed record ServicePortBackends(ServicePort Port, ValueArray<ServiceBackend> Backends);

/// <summary>IPv4 helpers (the services model is IPv4 only for now).</summary>
public static class Ipv4
{
    /// <summary>The address as a host-order number (10.0.0.1 → 0x0A000001).</summary>
    public static uint ToUInt32(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress FromUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <summary>The "any address" node-port surrogate (0.0.0.0).</summary>
    public static IPAddress Any => IPAddress.Any;
}
