using System.Globalization;
using System.Text.RegularExpressions;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace Tendril.Cli.Observe;

/// <summary>The timestamp layouts of <c>--time-format</c>, named after Go's time package as the hubble CLI names them.</summary>
internal enum TimeLayout
{
    StampMilli,
    Stamp,
    StampMicro,
    StampNano,
    RFC3339,
    RFC3339Milli,
    RFC3339Micro,
    RFC3339Nano,
    RFC1123Z,
}

/// <summary>
/// Go-style durations and times as the hubble CLI reads and prints them: <c>--since 4m</c>, <c>--until
/// 2024-05-04T13:23:47Z</c>, <c>--timeout 5s</c>, and flow timestamps in a <see cref="TimeLayout"/>. Times are printed
/// in UTC, as hubble does. Pure and thread-safe.
/// </summary>
internal static partial class TimeArguments
{
    private static readonly string[] AbsoluteLayouts =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd", "ddd, dd MMM yyyy HH:mm:ss zzz",
    ];

    private static readonly string[] YearlessLayouts = ["MMM d HH:mm:ss", "MMM d HH:mm:ss.FFFFFFF"];

    /// <summary>
    /// A time for <c>--since</c>/<c>--until</c>: a duration before <paramref name="now"/> (<c>3s</c>, <c>4m</c>,
    /// <c>1h43m</c>) or an absolute time (RFC3339 with any fraction, <c>2006-01-02</c>, RFC1123Z, or StampMilli
    /// <c>Jan _2 15:04:05.000</c> in the current year). Times without a zone are UTC.
    /// </summary>
    /// <exception cref="FlagException">The text is none of those.</exception>
    public static DateTimeOffset ParseTime(string flag, string text, DateTimeOffset now)
    {
        if (TryParseDuration(text, out var ago))
            return now - ago;
        const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowInnerWhite;
        // .NET reads at most 7 fractional digits; RFC3339Nano has 9.
        var trimmed = ExtraFraction().Replace(text.Trim(), "$1");
        if (DateTimeOffset.TryParseExact(trimmed, AbsoluteLayouts, CultureInfo.InvariantCulture, styles, out var absolute))
            return absolute;
        if (DateTimeOffset.TryParseExact(trimmed, YearlessLayouts, CultureInfo.InvariantCulture, styles, out var yearless))
            return yearless.AddYears(now.UtcDateTime.Year - yearless.Year);
        throw new FlagException(flag,
            $"cannot parse '{text}' as a time: use a duration ago (3s, 4m, 1h43m) or RFC3339 (2006-01-02T15:04:05Z), 2006-01-02, or 'Jan _2 15:04:05.000'");
    }

    /// <summary>A Go duration: an optionally signed sequence of decimal numbers with units ns, us, µs, ms, s, m, h.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text.AsSpan().Trim();
        bool negative = s.Length > 0 && s[0] == '-';
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
            s = s[1..];
        if (s is "0")
            return true;
        if (s.IsEmpty)
            return false;
        decimal nanoseconds = 0;
        while (!s.IsEmpty)
        {
            int numberEnd = 0;
            while (numberEnd < s.Length && (char.IsAsciiDigit(s[numberEnd]) || s[numberEnd] == '.'))
                numberEnd++;
            int unitEnd = numberEnd;
            while (unitEnd < s.Length && !char.IsAsciiDigit(s[unitEnd]) && s[unitEnd] != '.')
                unitEnd++;
            if (numberEnd == 0 || !decimal.TryParse(s[..numberEnd], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                return false;
            decimal? unit = s[numberEnd..unitEnd] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => null,
            };
            if (unit is null)
                return false;
            nanoseconds += number * unit.Value;
            s = s[unitEnd..];
        }
        if (nanoseconds / 100m > TimeSpan.MaxValue.Ticks)
            return false;
        var ticks = (long)(nanoseconds / 100m);
        duration = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>Parses a <c>--time-format</c> name, ignoring case.</summary>
    public static TimeLayout ParseLayout(string flag, string text) =>
        Enum.TryParse<TimeLayout>(text, ignoreCase: true, out var layout) && Enum.IsDefined(layout)
            ? layout
            : throw new FlagException(flag, $"unknown time format '{text}', expected one of {string.Join(", ", Enum.GetNames<TimeLayout>())}");

    /// <summary>Formats a protobuf timestamp in UTC, or "N/A" when it is absent or out of range.</summary>
    public static string Format(Timestamp? timestamp, TimeLayout layout)
    {
        if (timestamp is null || timestamp.Nanos is < 0 or >= 1_000_000_000 ||
            timestamp.Seconds is < -62_135_596_800 or > 253_402_300_799)
            return "N/A";
        var time = DateTime.UnixEpoch.AddSeconds(timestamp.Seconds);
        string nanos = timestamp.Nanos.ToString("D9", CultureInfo.InvariantCulture);
        string stamp = time.ToString("MMM", CultureInfo.InvariantCulture) + " " + time.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) +
            time.ToString(" HH:mm:ss", CultureInfo.InvariantCulture);
        string rfc = time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return layout switch
        {
            TimeLayout.Stamp => stamp,
            TimeLayout.StampMilli => $"{stamp}.{nanos[..3]}",
            TimeLayout.StampMicro => $"{stamp}.{nanos[..6]}",
            TimeLayout.StampNano => $"{stamp}.{nanos}",
            TimeLayout.RFC3339 => rfc + "Z",
            TimeLayout.RFC3339Milli => $"{rfc}.{nanos[..3]}Z",
            TimeLayout.RFC3339Micro => $"{rfc}.{nanos[..6]}Z",
            TimeLayout.RFC3339Nano => timestamp.Nanos == 0 ? rfc + "Z" : $"{rfc}.{nanos.TrimEnd('0')}Z",
            TimeLayout.RFC1123Z => time.ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " +0000",
            _ => throw new ArgumentOutOfRangeException(nameof(layout)),
        };
    }

    [GeneratedRegex(@"(\.\d{7})\d+")]
    private static partial Regex ExtraFraction();
}
