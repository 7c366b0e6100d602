namespace Tendril.Netlink.Tests;

/// <summary>Hex helpers so expected messages read like a packet dump.</summary>
internal static class Bytes
{
    /// <summary>Parses "10 00 05 06 ..." (whitespace and | separators ignored).</summary>
    public static byte[] Hex(string text) =>
        Convert.FromHexString(new string(text.Where(Uri.IsHexDigit).ToArray()));

    public static string Dump(ReadOnlySpan<byte> data) => Convert.ToHexString(data).ToLowerInvariant();

    /// <summary>Asserts equality showing both sides as hex, so a failing byte is easy to find.</summary>
    public static void Equal(string expectedHex, ReadOnlySpan<byte> actual) =>
        Xunit.Assert.Equal(Dump(Hex(expectedHex)), Dump(actual));
}
