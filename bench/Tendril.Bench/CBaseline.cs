using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Tendril.Bench;

/// <summary>A benchmark could not measure: the message says what failed and what to do.</summary>
internal sealed class BenchmarkException(string message) : Exception(message);

/// <summary>
/// The C side: bench/baseline/ebpf_baseline.c compiled with gcc against libbpf into a temporary directory, with
/// the object and packet the C# side uses, running and driven one step at a time through its stdin. Dispose ends
/// the process (which closes its BPF objects) and deletes the directory. Not thread-safe.
/// </summary>
internal sealed class CBaseline : IEbpfSide
{
    private readonly string _directory;
    private readonly ConsoleCancelEventHandler _onCancel;
    private Process? _process;
    private Task<string>? _stderr;

    private CBaseline(string directory)
    {
        _directory = directory;
        // Ctrl+C ends the process without running Dispose; do not leave the directory behind.
        _onCancel = (_, _) => DeleteDirectory();
        Console.CancelKeyPress += _onCancel;
    }

    /// <summary>Compiles the baseline, writes <paramref name="objectFile"/> and <paramref name="packet"/> beside it and starts it.</summary>
    public static CBaseline Start(EbpfSettings s, byte[] objectFile, byte[] packet)
    {
        string root = RepoRoot();
        var baseline = new CBaseline(Directory.CreateTempSubdirectory("tendril-bench-").FullName);
        try
        {
            string binary = Path.Combine(baseline._directory, "mapbench");
            string objectPath = Path.Combine(baseline._directory, "selftest.o");
            string packetPath = Path.Combine(baseline._directory, "packet.bin");
            // -I bpf: the program includes shared/selftest.h, the ABI header the BPF object is built from.
            string source = Path.Combine(root, "bench", "baseline", "ebpf_baseline.c");
            Compile(["-O2", "-Wall", "-I", Path.Combine(root, "bpf"), "-o", binary, source, "-lbpf", "-lpthread"]);
            File.WriteAllBytes(objectPath, objectFile);
            File.WriteAllBytes(packetPath, packet);
            baseline.Launch(binary, [objectPath, packetPath, Str(s.Keys), Str(s.Batch), Str(s.RingBytes)]);
            return baseline;
        }
        catch
        {
            baseline.Dispose();
            throw;
        }
    }

    public double[] Maps()
    {
        var f = Step("maps");
        return [f["update_single"], f["lookup_single"], f["update_batch"], f["lookup_batch"]];
    }

    public double Drain(int events) => Step($"drain {Str(events)}")["events_per_sec"];

    public RingFigure Concurrent(TimeSpan duration)
    {
        var f = Step($"concurrent {Str((int)duration.TotalMilliseconds)}");
        return new RingFigure(f["events_per_sec"], (long)f["produced"], (long)f["lost"]);
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancel;
        if (_process is not null)
        {
            // End of input tells the baseline to close its objects and exit.
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It has already exited.
            }
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                _process.Kill();
            _process.Dispose();
        }
        DeleteDirectory();
    }

    private void Launch(string binary, string[] args)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new BenchmarkException($"could not start {binary}");
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    /// <summary>Sends one command and parses its reply, "name key=value ...", into key → value.</summary>
    private Dictionary<string, double> Step(string command)
    {
        var process = _process!;
        string? line;
        try
        {
            process.StandardInput.WriteLine(command);
            process.StandardInput.Flush();
            line = process.StandardOutput.ReadLine();
        }
        catch (IOException)
        {
            line = null;
        }
        if (line is null)
        {
            process.WaitForExit();
            throw new BenchmarkException($"the C baseline failed at \"{command}\" (exit code {process.ExitCode}): {_stderr!.Result.Trim()}");
        }
        try
        {
            return line.Split(' ').Skip(1).Select(kv => kv.Split('='))
                .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException)
        {
            throw new BenchmarkException($"the C baseline answered \"{command}\" with something unexpected: {line}");
        }
    }

    private static void Compile(string[] args)
    {
        var psi = new ProcessStartInfo("gcc") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        try
        {
            using var gcc = Process.Start(psi)!;
            var stdout = gcc.StandardOutput.ReadToEndAsync();
            string stderr = gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            stdout.Wait();
            if (gcc.ExitCode != 0)
                throw new BenchmarkException($"compiling the C baseline failed (gcc {string.Join(' ', args)}):\n{stderr.Trim()}\n" +
                    "it needs gcc and libbpf-dev (apt-get install gcc libbpf-dev)");
        }
        catch (Win32Exception e)
        {
            throw new BenchmarkException($"could not run gcc to compile the C baseline ({e.Message}): install gcc and libbpf-dev");
        }
    }

    private void DeleteDirectory()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The checkout this binary was built from: the first directory above it holding Tendril.slnx.</summary>
    internal static string RepoRoot()
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
