namespace Tendril.Ebpf;

/// <summary>An object could not be opened or loaded. <see cref="LibbpfLog"/> holds everything libbpf said.</summary>
public class BpfLoadException : Exception
{
    public BpfLoadException(string message, string libbpfLog, Exception? inner = null)
        : base(message, inner)
    {
        LibbpfLog = libbpfLog;
    }

    /// <summary>libbpf's own messages during the failed operation.</summary>
    public string LibbpfLog { get; }
}

/// <summary>
/// The verifier rejected a program. <see cref="VerifierLog"/> keeps the whole log; the message shows its last lines,
/// which are where the verifier says why.
/// </summary>
public sealed class VerifierException : BpfLoadException
{
    public VerifierException(string objectName, string programName, int errno, string verifierLog, string libbpfLog)
        : base(FormatMessage(objectName, programName, errno, verifierLog), libbpfLog)
    {
        ProgramName = programName;
        Errno = errno;
        VerifierLog = verifierLog;
    }

    public string ProgramName { get; }

    public int Errno { get; }

    public string VerifierLog { get; }

    /// <summary>The last <paramref name="count"/> lines of the verifier log that say something (not the "processed N insns" tally).</summary>
    public static IReadOnlyList<string> Tail(string log, int count)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("processed ", StringComparison.Ordinal))
            .ToList();
        return lines.Skip(Math.Max(0, lines.Count - count)).ToList();
    }

    private static string FormatMessage(string objectName, string programName, int errno, string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        var tail = Tail(log, 2);
        string omitted = lines > tail.Count ? $" ({lines - tail.Count} earlier line(s) in VerifierLog)" : "";
        return $"load program {programName} of {objectName}: the verifier rejected it ({Tendril.Interop.ErrnoNames.Name(errno)}): {string.Join(" | ", tail)}{omitted}";
    }
}

/// <summary>
/// A map is pinned at the path the spec asks for, but with another type or other sizes, so it cannot be reused.
/// Remove the pin (losing its state) or migrate it; Tendril never reuses it silently.
/// </summary>
public sealed class PinnedMapMismatchException : Exception
{
    public PinnedMapMismatchException(string mapName, string pinPath, IReadOnlyList<string> differences)
        : base($"map {mapName}: the map pinned at {pinPath} differs from the spec ({string.Join("; ", differences)}); remove the pin or migrate it")
    {
        MapName = mapName;
        PinPath = pinPath;
        Differences = differences;
    }

    public string MapName { get; }

    public string PinPath { get; }

    public IReadOnlyList<string> Differences { get; }
}
