using System.Globalization;
using System.Net;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Parsing;

/// <summary>Strict IPv4 and port decoding shared by the Service and EndpointSlice decoders.</summary>
internal static class AddressDecoder
{
    /// <summary>
    /// A dotted-quad IPv4 address (<c>10.96.0.10</c>); shorthand forms such as <c>10.1</c> and leading zeros are
    /// rejected, as the API server does. IPv6 gets its own message: it is valid, just not supported yet.
    /// </summary>
    public static IPAddress? Ipv4(DecodeContext ctx, PNode? node, string path, string what)
    {
        string? text = ctx.String(node, path);
        if (text is null)
            return null;
        if (TryParseIpv4(text, out IPAddress? address))
            return address;
        ctx.Error(path, node, IPAddress.TryParse(text, out IPAddress? any) && any.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"{what} \"{text}\" is IPv6; only IPv4 services are supported yet"
            : $"{what} \"{text}\" is not a valid IPv4 address (expected e.g. 10.96.0.10)");
        return null;
    }

    public static bool TryParseIpv4(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        string[] parts = text.Split('.');
        if (parts.Length != 4)
            return false;
        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            string p = parts[i];
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || (p.Length > 1 && p[0] == '0')
                || !byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
                return false;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>An address a frontend may listen on: not 0.0.0.0, loopback, link-local, multicast or broadcast.</summary>
    public static string? FrontendProblem(IPAddress address)
    {
        uint v = Model.Ipv4.ToUInt32(address);
        return v switch
        {
            0 => "0.0.0.0 is not a usable address",
            _ when (v >> 24) == 127 => "a loopback address cannot be a service address",
            _ when (v >> 16) == 0xA9FE => "a link-local address (169.254.0.0/16) cannot be a service address",
            _ when (v >> 28) == 0xE => "a multicast address cannot be a service address",
            0xFFFFFFFF => "the broadcast address cannot be a service address",
            _ => null,
        };
    }

    /// <summary>A port number from 1 to 65535 (unquoted integer).</summary>
    public static ushort? Port(DecodeContext ctx, PNode? node, string path, string what)
    {
        long? value = ctx.Integer(node, path);
        if (value is null)
            return null;
        if (value is < 1 or > 65535)
        {
            ctx.Error(path, node, $"{what} {value} is out of range 1-65535");
            return null;
        }

        return (ushort)value.Value;
    }

    /// <summary>TCP (the default when absent), UDP or SCTP.</summary>
    public static Policy.Model.L4Protocol? Protocol(DecodeContext ctx, PNode? node, string path)
    {
        string? text = ctx.String(node, path);
        switch (text)
        {
            case null or "TCP":
                return Policy.Model.L4Protocol.TCP;
            case "UDP":
                return Policy.Model.L4Protocol.UDP;
            case "SCTP":
                return Policy.Model.L4Protocol.SCTP;
            default:
                ctx.Error(path, node, $"protocol \"{text}\" is not supported: use TCP, UDP or SCTP (upper case)");
                return null;
        }
    }
}
