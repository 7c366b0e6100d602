namespace Tendril.Ebpf;

/// <summary>A map as the object file declares it, with the settings to apply before load. Not thread-safe.</summary>
public sealed class MapSpec
{
    private uint _maxEntries;

    internal MapSpec(string name, MapType type, uint keySize, uint valueSize, uint maxEntries, uint flags, bool isInternal)
    {
        Name = name;
        Type = type;
        KeySize = keySize;
        ValueSize = valueSize;
        _maxEntries = maxEntries;
        Flags = flags;
        IsInternal = isInternal;
    }

    public string Name { get; }

    public MapType Type { get; }

    public uint KeySize { get; }

    public uint ValueSize { get; }

    public uint Flags { get; }

    /// <summary>True for the maps libbpf makes of global data (.rodata, .data, .bss).</summary>
    public bool IsInternal { get; }

    /// <summary>Size of the map; ring buffers need a power of two multiple of the page size.</summary>
    public uint MaxEntries
    {
        get => _maxEntries;
        set
        {
            if (value == 0)
                throw new ArgumentOutOfRangeException(nameof(value), $"map {Name}: max entries must be positive");
            if (Type == MapType.RingBuffer && (!uint.IsPow2(value) || value % (uint)Environment.SystemPageSize != 0))
                throw new ArgumentOutOfRangeException(nameof(value), $"map {Name}: a ring buffer's size must be a power of two and a multiple of the page size, not {value}");
            _maxEntries = value;
        }
    }

    /// <summary>
    /// Where to pin the map in bpffs. If a map is already pinned there with the same type and sizes, the load
    /// reuses it (its contents survive restarts); if it differs, the load fails with <see cref="PinnedMapMismatchException"/>.
    /// </summary>
    public string? PinPath { get; set; }

    public override string ToString() => $"{Type} map {Name} (key {KeySize}, value {ValueSize}, max {MaxEntries})";
}

/// <summary>A program as the object file declares it. Not thread-safe.</summary>
public sealed class ProgramSpec
{
    internal ProgramSpec(string name, string sectionName, ProgramType type, AttachType? expectedAttachType)
    {
        Name = name;
        SectionName = sectionName;
        Type = type;
        ExpectedAttachType = expectedAttachType;
    }

    public string Name { get; }

    public string SectionName { get; }

    public ProgramType Type { get; }

    public AttachType? ExpectedAttachType { get; }

    /// <summary>Whether the program is loaded with the collection; turn off to skip it.</summary>
    public bool Autoload { get; set; } = true;

    public override string ToString() => $"{Type} program {Name} (section {SectionName})";
}

/// <summary>A global variable of the object (<c>const volatile</c> ones are read-only configuration).</summary>
public sealed record GlobalVariableSpec(string Name, string Section, int Offset, int Size)
{
    public bool IsReadOnly => Section.StartsWith(".rodata", StringComparison.Ordinal);
}
