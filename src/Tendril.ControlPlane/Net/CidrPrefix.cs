using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tendril.ControlPlane.Net;

/// <summary>
/// An IPv4 or IPv6 prefix with the host bits cleared (<c>10.1.2.3/8</c> parses as <c>10.0.0.0/8</c>, as Go's
/// ParseCIDR does). A bare address is a full-length prefix. Immutable.
/// </summary>
public readonly record struct CidrPrefix : IComparable<CidrPrefix>
{
    private readonly byte[] _bytes;

    private CidrPrefix(byte[] bytes, int prefixLength)
    {
        _bytes = bytes;
        PrefixLength = prefixLength;
    }

    /// <summary>The network address.</summary>
    public IPAddress Address => new(_bytes);

    /// <summary>Number of leading bits that are fixed.</summary>
    public int PrefixLength { get; }

    /// <summary>True for an IPv6 prefix.</summary>
    public bool IsIPv6 => _bytes.Length == 16;

    /// <summary>Address width in bits (32 or 128).</summary>
    public int AddressBits => _bytes.Length * 8;

    /// <summary>True for <c>0.0.0.0/0</c> and <c>::/0</c>.</summary>
    public bool IsDefaultRoute => PrefixLength == 0;

    /// <summary>Parses <c>a.b.c.d/n</c>, <c>x::/n</c> or a bare address.</summary>
    public static CidrPrefix Parse(string text) =>
        TryParse(text, out CidrPrefix prefix, out string? error) ? prefix : throw new FormatException(error);

    /// <summary>Parses, returning a reason on failure.</summary>
    public static bool TryParse(string? text, out CidrPrefix prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a CIDR must not be empty";
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out IPAddress? address)
            || (address.AddressFamily != AddressFamily.InterNetwork && address.AddressFamily != AddressFamily.InterNetworkV6)
            || addressText.Contains('%', StringComparison.Ordinal)
            || (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3))
        {
            error = $"\"{text}\" is not a valid CIDR: \"{addressText}\" is not an IPv4 or IPv6 address (expected e.g. 10.0.0.0/8 or fd00::/64)";
            return false;
        }

        byte[] bytes = address.GetAddressBytes();
        int bits = bytes.Length * 8;
        int length = bits;
        if (slash >= 0)
        {
            string lengthText = text[(slash + 1)..];
            if (lengthText.Length == 0 || !lengthText.All(char.IsAsciiDigit)
                || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > bits)
            {
                error = $"\"{text}\" is not a valid CIDR: prefix length \"{lengthText}\" must be a number from 0 to {bits}";
                return false;
            }
        }

        Mask(bytes, length);
        prefix = new CidrPrefix(bytes, length);
        error = null;
        return true;
    }

    /// <summary>True when every address of <paramref name="other"/> is inside this prefix (same family).</summary>
    public bool Contains(CidrPrefix other) =>
        other.IsIPv6 == IsIPv6 && other.PrefixLength >= PrefixLength && MatchesFirstBits(other._bytes, PrefixLength);

    /// <summary>True when <paramref name="address"/> is inside this prefix.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        byte[] bytes = address.GetAddressBytes();
        return bytes.Length == _bytes.Length && MatchesFirstBits(bytes, PrefixLength);
    }

    /// <summary>
    /// The label form Cilium uses for CIDR identities: <c>10.0.0.0/8</c>, IPv6 with <c>:</c> written as <c>-</c>
    /// (<c>fd00--/64</c>) because <c>:</c> separates a label's source from its key.
    /// </summary>
    public string ToLabelKey() => ToString().Replace(':', '-');

    /// <summary>Parses <see cref="ToLabelKey"/>'s form back.</summary>
    public static bool TryParseLabelKey(string key, out CidrPrefix prefix)
    {
        ArgumentNullException.ThrowIfNull(key);
        return TryParse(key.Replace('-', ':'), out prefix, out _);
    }

    public bool Equals(CidrPrefix other) =>
        PrefixLength == other.PrefixLength && (_bytes ?? []).AsSpan().SequenceEqual(other._bytes ?? []);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes ?? []);
        hash.Add(PrefixLength);
        return hash.ToHashCode();
    }

    /// <summary>Orders IPv4 before IPv6, then by address, then by prefix length.</summary>
    public int CompareTo(CidrPrefix other)
    {
        int c = (_bytes?.Length ?? 0).CompareTo(other._bytes?.Length ?? 0);
        if (c != 0)
            return c;
        c = (_bytes ?? []).AsSpan().SequenceCompareTo(other._bytes ?? []);
        return c != 0 ? c : PrefixLength.CompareTo(other.PrefixLength);
    }

    public override string ToString() => _bytes is null ? "" : $"{Address}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    private bool MatchesFirstBits(byte[] other, int bits)
    {
        int full = bits / 8;
        if (!_bytes.AsSpan(0, full).SequenceEqual(other.AsSpan(0, full)))
            return false;
        int rest = bits % 8;
        if (rest == 0)
            return true;
        int mask = 0xff << (8 - rest) & 0xff;
        return (_bytes[full] & mask) == (other[full] & mask);
    }

    private static void Mask(byte[] bytes, int length)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(length - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }
    }
}
