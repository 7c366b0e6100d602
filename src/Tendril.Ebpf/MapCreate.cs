using System.Text;
using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf;

/// <summary>A map to create outside any object, e.g. one inner map per endpoint for a map of maps.</summary>
/// <param name="Name">Kernel-visible name, at most 15 bytes.</param>
public sealed record MapCreateOptions(string Name, MapType Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags = 0);

public sealed partial class Map
{
    /// <summary>BPF_NO_PREALLOC: required for LPM tries.</summary>
    public const uint NoPreallocFlag = 1;

    /// <summary>Creates a standalone map. The caller owns it; pin it to make it outlive the process.</summary>
    public static unsafe Map Create(MapCreateOptions options)
    {
        byte[] name = Encoding.UTF8.GetBytes(options.Name);
        if (name.Length > 15)
            throw new ArgumentException($"map name {options.Name} is longer than 15 bytes", nameof(options));
        var attr = new BpfSyscall.MapCreateAttr
        {
            map_type = (uint)options.Type,
            key_size = options.KeySize,
            value_size = options.ValueSize,
            max_entries = options.MaxEntries,
            map_flags = options.Flags,
        };
        for (int i = 0; i < name.Length; i++)
            attr.map_name[i] = name[i];
        int fd = BpfSyscall.Call(BpfSyscall.BPF_MAP_CREATE, ref attr);
        BpfSyscall.ThrowIfError(fd, $"create {options.Type} map {options.Name}",
            fd == -ErrnoNames.EINVAL ? "check key/value sizes and flags for this map type" : null);
        var handle = new SafeFd(fd);
        return new Map(handle, Internal.ObjectInfo.Map(fd), options.Name, null);
    }
}
