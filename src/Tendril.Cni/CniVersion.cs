using System.Globalization;

namespace Tendril.Cni;

/// <summary>
/// A CNI specification version (<c>major.minor.patch</c>), and the versions this plugin speaks. Immutable.
/// </summary>
/// <remarks>
/// What changes between the supported versions, as far as this plugin is concerned: <c>ips[].version</c> exists
/// before 1.0.0, CHECK from 0.4.0, STATUS and GC and <c>interfaces[].mtu</c> from 1.1.0.
/// </remarks>
internal readonly record struct CniVersion(int Major, int Minor, int Patch) : IComparable<CniVersion>
{
    public static readonly CniVersion V0_3_0 = new(0, 3, 0);
    public static readonly CniVersion V0_3_1 = new(0, 3, 1);
    public static readonly CniVersion V0_4_0 = new(0, 4, 0);
    public static readonly CniVersion V1_0_0 = new(1, 0, 0);
    public static readonly CniVersion V1_1_0 = new(1, 1, 0);

    /// <summary>Every version this plugin reads and writes, oldest first.</summary>
    public static IReadOnlyList<CniVersion> Supported { get; } = [V0_3_0, V0_3_1, V0_4_0, V1_0_0, V1_1_0];

    /// <summary>The newest supported version: what errors say when the configuration names none we know.</summary>
    public static CniVersion Latest => V1_1_0;

    /// <summary>The supported versions as one readable list, for error messages.</summary>
    public static string SupportedList => string.Join(", ", Supported);

    public bool IsSupported => Supported.Contains(this);

    /// <summary>Results of this version carry <c>"version": "4"|"6"</c> on each IP (0.3.0 to 0.4.0).</summary>
    public bool HasIpVersionField => this < V1_0_0;

    /// <summary>Results of this version may carry the 1.1.0 fields (interface mtu, socketPath, pciID; route options).</summary>
    public bool HasV11Fields => this >= V1_1_0;

    /// <summary>
    /// Parses a strict semantic version with three numeric parts ("1.0.0"); "1.0", "v1.0.0" and "1.0.0-rc1" are not
    /// CNI versions this plugin can speak, so they do not parse.
    /// </summary>
    public static bool TryParse(string? text, out CniVersion version)
    {
        version = default;
        if (string.IsNullOrEmpty(text))
            return false;
        string[] parts = text.Split('.');
        if (parts.Length != 3)
            return false;
        Span<int> numbers = stackalloc int[3];
        for (int i = 0; i < 3; i++)
        {
            string part = parts[i];
            if (part.Length == 0 || !part.All(char.IsAsciiDigit)
                || !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
                return false;
        }
        version = new CniVersion(numbers[0], numbers[1], numbers[2]);
        return true;
    }

    /// <summary>The supported version <paramref name="text"/> names, or null when it names none.</summary>
    public static CniVersion? FindSupported(string? text) =>
        TryParse(text, out var version) && version.IsSupported ? version : null;

    public int CompareTo(CniVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major)
        : Minor != other.Minor ? Minor.CompareTo(other.Minor)
        : Patch.CompareTo(other.Patch);

    public static bool operator <(CniVersion left, CniVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(CniVersion left, CniVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(CniVersion left, CniVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(CniVersion left, CniVersion right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Major}.{Minor}.{Patch}";
}
