using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Tendril.Bench;

/// <summary>A benchmark could not measure: the message says what failed and what to do.</summary>
internal sealed class BenchmarkException(string message) : Exception(message);

/// <summary>
/// bench/baseline/ebpf_baseline.c compiled with gcc against libbpf into a temporary directory, with the object and
/// packet the C# side uses. Dispose deletes the directory. Not thread-safe.
/// </summary>
internal sealed class CBaseline : IDisposable
{
    private readonly string _directory;
    private readonly string _binary;
    private readonly string _object;
    private readonly string _packet;
    private readonly ConsoleCancelEventHandler _onCancel;

    private CBaseline(string directory)
    {
        _directory = directory;
        _binary = Path.Combine(directory, "mapbench");
        _object = Path.Combine(directory, "selftest.o");
        _packet = Path.Combine(directory, "packet.bin");
        // Ctrl+C ends the process without running Dispose; do not leave the directory behind.
        _onCancel = (_, _) => DeleteDirectory();
        Console.CancelKeyPress += _onCancel;
    }

    /// <summary>Compiles the baseline and writes <paramref name="objectFile"/> and <paramref name="packet"/> beside it.</summary>
    public static CBaseline Build(byte[] objectFile, byte[] packet)
    {
        string root = RepoRoot();
        var baseline = new CBaseline(Directory.CreateTempSubdirectory("tendril-bench-").FullName);
        try
        {
            string source = Path.Combine(root, "bench", "baseline", "ebpf_baseline.c");
            // -I bpf: the program includes shared/selftest.h, the same ABI header the BPF object is built from.
            Run("gcc", ["-O2", "-Wall", "-I", Path.Combine(root, "bpf"), "-o", baseline._binary, source, "-lbpf", "-lpthread"],
                "compile the C baseline (needs gcc and libbpf-dev)");
            File.WriteAllBytes(baseline._object, objectFile);
            File.WriteAllBytes(baseline._packet, packet);
            return baseline;
        }
        catch
        {
            baseline.Dispose();
            throw;
        }
    }

    /// <summary>Operations per second of the four map figures, keyed by name.</summary>
    public Dictionary<string, double> Maps(EbpfSettings s) =>
        RunBaseline("maps", s.Keys, s.Batch, s.Repetitions).ToDictionary(f => f.Key, f => f.Value["ops_per_sec"]);

    /// <summary>Events per second libbpf's ring_buffer__consume drains.</summary>
    public double Drain(EbpfSettings s) =>
        RunBaseline("ring", s.RingEvents, s.RingBytes, s.Repetitions)["ring_drain"]["events_per_sec"];

    /// <summary>libbpf's ring_buffer__poll against a concurrent producer.</summary>
    public RingFigure Concurrent(EbpfSettings s)
    {
        var f = RunBaseline("concurrent", s.RingBytes, (int)s.ConcurrentDuration.TotalMilliseconds, s.ConcurrentRuns)["ring_concurrent"];
        return new RingFigure(f["events_per_sec"], (long)f["produced"], (long)f["lost"]);
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancel;
        DeleteDirectory();
    }

    private void DeleteDirectory()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Runs one mode and parses its lines, "name key=value ...", into name → key → value.</summary>
    private Dictionary<string, Dictionary<string, double>> RunBaseline(string mode, params int[] numbers)
    {
        string[] args = [_object, _packet, mode, .. numbers.Select(n => n.ToString(CultureInfo.InvariantCulture))];
        string output = Run(_binary, args, $"run the C baseline ({mode})");
        try
        {
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')).ToDictionary(
                fields => fields[0],
                fields => fields.Skip(1).Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException)
        {
            throw new BenchmarkException($"the C baseline ({mode}) printed something unexpected: {output.Trim()}");
        }
    }

    private static string Run(string program, string[] args, string purpose)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Win32Exception e)
        {
            throw new BenchmarkException($"could not {purpose}: starting {program} failed: {e.Message}");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new BenchmarkException($"could not {purpose}: {program} exited with {process.ExitCode}:\n{stderr.Result.Trim()}");
            return stdout;
        }
    }

    /// <summary>The checkout this binary was built from: the first directory above it holding Tendril.slnx.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tendril.slnx")))
                return dir.FullName;
        }
        throw new BenchmarkException($"no Tendril.slnx above {AppContext.BaseDirectory}: run the benchmark from a Tendril checkout " +
            "(dotnet run --project bench/Tendril.Bench)");
    }
}
