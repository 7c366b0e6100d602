using Tendril.Interop;

namespace Tendril.Ebpf.Internal;

/// <summary>
/// A kernel object's pin in bpffs: maps, programs and links share the same pin, open and unpin rules.
/// Not thread-safe; the owning object serialises Pin/Unpin.
/// </summary>
internal sealed class BpfFsPin
{
    internal BpfFsPin(string? path = null)
    {
        Path = path;
    }

    internal string? Path { get; private set; }

    /// <summary>BPF_OBJ_GET: an owned fd for the object pinned at <paramref name="path"/>.</summary>
    internal static SafeFd Open(string path, string what)
    {
        int fd = Libbpf.bpf_obj_get(path);
        BpfSyscall.ThrowIfError(fd, $"open pinned {what} {path}");
        return new SafeFd(fd);
    }

    internal void Pin(SafeFd fd, string path, string what)
    {
        string? directory = System.IO.Path.GetDirectoryName(path);
        if (directory is not null)
            Directory.CreateDirectory(directory);
        BpfSyscall.ThrowIfError(Libbpf.bpf_obj_pin(fd.Fd, path), $"pin {what} at {path}");
        Path = path;
    }

    /// <summary>Removes the pin; the object lives on while an fd, a program or a link still holds it.</summary>
    internal void Unpin()
    {
        if (Path is null)
            return;
        File.Delete(Path);
        Path = null;
    }
}
