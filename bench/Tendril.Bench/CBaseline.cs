using System.Diagnostics;
using System.Globalization;

namespace Tendril.Bench;

/// <summary>Builds bench/baseline/ebpf_baseline.c with gcc and runs it on the same object and sizes.</summary>
internal sealed class CBaseline : IDisposable
{
    private readonly string _directory;
    private readonly string _binary;
    private readonly string _object;

    private CBaseline(string directory, string binary, string objectPath)
    {
        _directory = directory;
        _binary = binary;
        _object = objectPath;
    }

    public static CBaseline Build(byte[] objectFile)
    {
        string dir = Directory.CreateTempSubdirectory("tendril-bench-").FullName;
        try
        {
            string source = Path.Combine(RepoRoot(), "bench", "baseline", "ebpf_baseline.c");
            string binary = Path.Combine(dir, "ebpf_baseline");
            Run("gcc", ["-O2", "-Wall", "-o", binary, source, "-lbpf"]);
            string obj = Path.Combine(dir, "selftest.o");
            File.WriteAllBytes(obj, objectFile);
            return new CBaseline(dir, binary, obj);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    public Dictionary<string, double> Maps(EbpfSettings s) =>
        Parse(Run(_binary, [_object, "maps", Str(s.Keys), Str(s.Batch), Str(s.Repetitions)]));

    public Dictionary<string, double> Ring(EbpfSettings s) =>
        Parse(Run(_binary, [_object, "ring", Str(s.RingEvents), Str(s.RingBytes)]));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, double> Parse(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));

    private static string Run(string program, string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tendril.slnx")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no Tendril.slnx above {AppContext.BaseDirectory}");
    }
}
