using System.Globalization;

namespace Tendril.Cni.Results;

/// <summary>
/// MAC addresses as results carry them: lowercase, colon-separated ("0a:58:0a:c8:00:05"), which is what Go's
/// <c>net.ParseMAC</c> in chained plugins and people expect. The agent may report .NET's bare form ("0A580AC80005").
/// </summary>
internal static class CniMac
{
    /// <summary>
    /// The canonical form of a 6-byte MAC written with ':', '-' or no separators; anything else is returned unchanged
    /// (a result may legitimately carry other hardware addresses).
    /// </summary>
    public static string? Normalize(string? mac)
    {
        if (string.IsNullOrEmpty(mac))
            return mac;
        string digits = mac.Replace(":", "").Replace("-", "");
        if (digits.Length != 12 || !digits.All(char.IsAsciiHexDigit))
            return mac;
        return string.Join(':', Enumerable.Range(0, 6).Select(i => digits.Substring(i * 2, 2).ToLower(CultureInfo.InvariantCulture)));
    }

    /// <summary>Whether two MACs name the same address, whatever their notation.</summary>
    public static bool Same(string? left, string? right) =>
        string.Equals(Normalize(left), Normalize(right), StringComparison.OrdinalIgnoreCase);
}
