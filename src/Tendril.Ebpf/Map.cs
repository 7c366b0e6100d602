using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf;

/// <summary>
/// A loaded BPF map, owning its own fd (the kernel map lives while any fd, pin or program holds it).
/// Operations take raw key and value bytes; <see cref="As{TKey,TValue}"/> gives a typed view.
/// Thread-safe: each operation is one system call on the fd.
/// </summary>
public sealed unsafe partial class Map : IDisposable
{
    private readonly SafeFd _fd;
    private readonly BpfFsPin _pin;

    internal Map(SafeFd fd, MapInfo info, string name, string? pinPath)
    {
        _fd = fd;
        _pin = new BpfFsPin(pinPath);
        Info = info;
        Name = name;
        ValueBufferSize = IsPerCpuType(info.Type)
            ? checked((int)RoundUp8(info.ValueSize) * LinuxSystem.PossibleCpuCount)
            : (int)info.ValueSize;
    }

    /// <summary>The name from the object file (the kernel keeps only 15 bytes of it, see <see cref="Info"/>).</summary>
    public string Name { get; }

    public MapInfo Info { get; }

    public MapType Type => Info.Type;

    public int KeySize => (int)Info.KeySize;

    public int ValueSize => (int)Info.ValueSize;

    public int MaxEntries => (int)Info.MaxEntries;

    /// <summary>True for per-CPU maps, whose values hold one 8-byte-aligned slot per possible CPU.</summary>
    public bool IsPerCpu => IsPerCpuType(Info.Type);

    /// <summary>Bytes a lookup writes: <see cref="ValueSize"/>, or one aligned slot per possible CPU for per-CPU maps.</summary>
    public int ValueBufferSize { get; }

    /// <summary>Where this map is pinned in bpffs, if it is.</summary>
    public string? PinPath => _pin.Path;

    /// <summary>The owned fd. Valid until this map is disposed.</summary>
    public SafeFd Handle => _fd;

    /// <summary>Opens a map pinned in bpffs.</summary>
    public static Map OpenPinned(string path)
    {
        var handle = BpfFsPin.Open(path, "map");
        return new Map(handle, ObjectInfo.Map(handle.Fd), Path.GetFileName(path), path);
    }

    /// <summary>Pins the map at <paramref name="path"/> (on a bpffs mount) so it outlives this process.</summary>
    public void Pin(string path) => _pin.Pin(_fd, path, $"map {Name}");

    /// <summary>Removes the pin; the map lives on while fds or programs hold it.</summary>
    public void Unpin() => _pin.Unpin();

    /// <summary>Copies the value of <paramref name="key"/> into <paramref name="value"/>; false when the key is absent.</summary>
    public bool Lookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        if (value.Length < ValueBufferSize)
            throw new ArgumentException($"map {Name}: value buffer of {value.Length} bytes, need {ValueBufferSize}", nameof(value));
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            int rc = Libbpf.bpf_map_lookup_elem(_fd.Fd, k, v);
            if (rc == -ErrnoNames.ENOENT)
                return false;
            if (rc < 0)
                throw LinuxException.FromNegative($"lookup in map {Name}", rc);
            return true;
        }
    }

    /// <summary>Creates or replaces an entry as <paramref name="mode"/> allows.</summary>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, MapUpdate mode = MapUpdate.Any)
    {
        CheckKey(key);
        if (value.Length != ValueBufferSize)
            throw new ArgumentException($"map {Name}: value of {value.Length} bytes, need {ValueBufferSize}", nameof(value));
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            int rc = Libbpf.bpf_map_update_elem(_fd.Fd, k, v, (ulong)mode);
            if (rc < 0)
                throw UpdateError(rc, $"update map {Name}");
        }
    }

    /// <summary>Deletes <paramref name="key"/>; false when it was absent.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        fixed (byte* k = key)
        {
            int rc = Libbpf.bpf_map_delete_elem(_fd.Fd, k);
            if (rc == -ErrnoNames.ENOENT)
                return false;
            if (rc < 0)
                throw LinuxException.FromNegative($"delete from map {Name}", rc);
            return true;
        }
    }

    /// <summary>
    /// Writes the key after <paramref name="key"/> into <paramref name="next"/> (the first key when
    /// <paramref name="key"/> is empty); false at the end.
    /// </summary>
    public bool NextKey(ReadOnlySpan<byte> key, Span<byte> next)
    {
        if (!key.IsEmpty)
            CheckKey(key);
        if (next.Length < KeySize)
            throw new ArgumentException($"map {Name}: key buffer of {next.Length} bytes, need {KeySize}", nameof(next));
        fixed (byte* k = key)
        fixed (byte* n = next)
        {
            int rc = Libbpf.bpf_map_get_next_key(_fd.Fd, key.IsEmpty ? null : k, n);
            if (rc == -ErrnoNames.ENOENT)
                return false;
            if (rc < 0)
                throw LinuxException.FromNegative($"iterate map {Name}", rc);
            return true;
        }
    }

    /// <summary>
    /// How many keys the map holds now, by walking them (one syscall per key; for a scrape, not a hot path). Arrays
    /// always hold <see cref="MaxEntries"/>. A map changing meanwhile gives an approximate count.
    /// </summary>
    public int CountKeys()
    {
        if (Type is MapType.Array or MapType.PerCpuArray)
            return MaxEntries;
        Span<byte> a = KeySize <= 256 ? stackalloc byte[KeySize] : new byte[KeySize];
        Span<byte> b = KeySize <= 256 ? stackalloc byte[KeySize] : new byte[KeySize];
        int count = 0;
        bool more = NextKey([], a);
        while (more)
        {
            count++;
            more = NextKey(a, b);
            var swap = a;
            a = b;
            b = swap;
        }
        return count;
    }

    /// <summary>A typed view. Key and value sizes must match the map (the per-CPU element size for per-CPU maps).</summary>
    public Map<TKey, TValue> As<TKey, TValue>()
        where TKey : unmanaged
        where TValue : unmanaged => new(this);

    public void Dispose() => _fd.Dispose();

    public override string ToString() => $"{Type} map {Name} (id {Info.Id})";

    internal Exception UpdateError(int rc, string operation)
    {
        string? hint = -rc switch
        {
            ErrnoNames.E2BIG => $"the map is full ({MaxEntries} entries)",
            ErrnoNames.EEXIST => "the key exists and the update asked for a new key only",
            ErrnoNames.ENOENT => "the key is absent and the update asked to replace only",
            _ => null,
        };
        return LinuxException.FromNegative(operation, rc, hint);
    }

    internal void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
            throw new ArgumentException($"map {Name}: key of {key.Length} bytes, need {KeySize}", nameof(key));
    }

    internal static bool IsPerCpuType(MapType type) =>
        type is MapType.PerCpuHash or MapType.PerCpuArray or MapType.LruPerCpuHash or MapType.PerCpuCgroupStorage;

    internal static uint RoundUp8(uint size) => (size + 7) & ~7u;
}
