namespace Tendril.Tests.Common;

/// <summary>A per-test directory on bpffs, removed (with every pin in it) on dispose.</summary>
public sealed class BpfFsDirectory : IDisposable
{
    public BpfFsDirectory(string role)
    {
        Path = System.IO.Path.Combine("/sys/fs/bpf", TestNames.Unique(role));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}
