using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Tendril.Ebpf.Internal;

/// <summary>
/// Receives libbpf's messages. libbpf calls the print function synchronously on the thread doing the work,
/// so a capture opened on that thread sees exactly the messages of its own open or load.
/// </summary>
internal static unsafe partial class LibbpfLog
{
    private const string BeginLog = "-- BEGIN PROG LOAD LOG --";
    private const string EndLog = "-- END PROG LOAD LOG --";

    [ThreadStatic]
    private static StringBuilder? _capture;

    private static int _installed;

    /// <summary>Starts capturing libbpf output on this thread until the returned scope is disposed.</summary>
    internal static Scope Capture()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 0)
            Libbpf.libbpf_set_print(&Print);
        var previous = _capture;
        _capture = new StringBuilder();
        return new Scope(previous);
    }

    /// <summary>
    /// Finds the verifier log of a failed program in libbpf's output, which frames it with BEGIN/END markers
    /// after a line naming the program.
    /// </summary>
    internal static (string Program, string Log)? ExtractVerifierLog(string output)
    {
        int begin = output.IndexOf(BeginLog, StringComparison.Ordinal);
        if (begin < 0)
            return null;
        int start = begin + BeginLog.Length;
        int end = output.IndexOf(EndLog, start, StringComparison.Ordinal);
        string log = (end < 0 ? output[start..] : output[start..end]).Trim('\n');
        var match = ProgramNameRegex().Match(output);
        return (match.Success ? match.Groups[1].Value : "?", log);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"prog '([^']+)': (?:BPF program load failed|failed to load)")]
    private static partial System.Text.RegularExpressions.Regex ProgramNameRegex();

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Print(int level, byte* format, nint args)
    {
        // An exception escaping here would kill the process; swallow everything.
        try
        {
            var sb = _capture;
            if (sb is null)
                return 0;
            // vasprintf sizes its buffer itself: a verifier log arrives as one multi-megabyte message,
            // and a va_list can be consumed only once.
            byte* text = null;
            int n = vasprintf(&text, format, args);
            if (n > 0 && text is not null)
                sb.Append(Encoding.UTF8.GetString(text, n));
            if (text is not null)
                free(text);
        }
        catch
        {
        }
        return 0;
    }

    [LibraryImport("libc")]
    private static partial int vasprintf(byte** result, byte* format, nint args);

    [LibraryImport("libc")]
    private static partial void free(void* pointer);

    internal readonly struct Scope(StringBuilder? previous) : IDisposable
    {
        public string Text => _capture?.ToString() ?? "";

        public void Dispose() => _capture = previous;
    }
}
