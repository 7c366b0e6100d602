namespace Tendril.ControlPlane.PolicyMap;

/// <summary>Splits port ranges into the power-of-two aligned prefixes a policy map key can express.</summary>
public static class PortPrefixes
{
    /// <summary>
    /// The minimal list of (port, prefix length) blocks covering exactly <paramref name="first"/>..<paramref name="last"/>,
    /// in ascending order: 8080–8083 → 8080/14; 80–80 → 80/16; 0–65535 → 0/0; 1–65535 → 16 blocks.
    /// </summary>
    public static IReadOnlyList<(ushort Port, byte PrefixLength)> Split(ushort first, ushort last)
    {
        if (last < first)
            throw new ArgumentException($"port range {first}-{last} ends before it starts", nameof(last));
        var blocks = new List<(ushort, byte)>();
        int start = first;
        while (start <= last)
        {
            // Largest aligned block that starts at `start` and stays within the range.
            int size = start == 0 ? 1 << 16 : start & -start;
            while (start + size - 1 > last)
                size >>= 1;
            blocks.Add(((ushort)start, (byte)(16 - int.Log2(size))));
            start += size;
        }

        return blocks;
    }
}
