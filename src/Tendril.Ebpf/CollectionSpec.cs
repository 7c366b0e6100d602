using System.Reflection;
using System.Runtime.InteropServices;
using Tendril.Ebpf.Internal;

namespace Tendril.Ebpf;

/// <summary>
/// The blueprint of a BPF object file: its maps, programs and global variables, and the settings to apply
/// when it is loaded (global values, map sizes, pin paths). Making and editing a spec touches no kernel
/// state; <see cref="Load"/> does, and may be called more than once. Not thread-safe.
/// </summary>
public sealed unsafe class CollectionSpec
{
    private readonly byte[] _elf;
    private readonly Dictionary<string, byte[]> _sectionData;

    private CollectionSpec(string name, byte[] elf, Dictionary<string, MapSpec> maps, Dictionary<string, ProgramSpec> programs,
        Dictionary<string, GlobalVariableSpec> globals, Dictionary<string, byte[]> sectionData)
    {
        Name = name;
        _elf = elf;
        Maps = maps;
        Programs = programs;
        Globals = globals;
        _sectionData = sectionData;
    }

    /// <summary>The object's name (used by libbpf for internal map names).</summary>
    public string Name { get; }

    public IReadOnlyDictionary<string, MapSpec> Maps { get; }

    public IReadOnlyDictionary<string, ProgramSpec> Programs { get; }

    /// <summary>Global variables by name, from the object's BTF.</summary>
    public IReadOnlyDictionary<string, GlobalVariableSpec> Globals { get; }

    /// <summary>Reads an object file from memory.</summary>
    public static CollectionSpec FromBytes(ReadOnlySpan<byte> elf, string name)
    {
        var copy = elf.ToArray();
        using var log = LibbpfLog.Capture();
        nint obj = Open(copy, name);
        if (obj == 0)
            throw new BpfLoadException($"open BPF object {name}: {Tendril.Interop.ErrnoNames.Name(Marshal.GetLastPInvokeError())}; {LastLine(log.Text)}", log.Text);
        try
        {
            return Describe(obj, name, copy);
        }
        finally
        {
            Libbpf.bpf_object__close(obj);
        }
    }

    public static CollectionSpec FromFile(string path) =>
        FromBytes(File.ReadAllBytes(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>Reads an object embedded by the build (resource "bpf/NAME.o").</summary>
    public static CollectionSpec FromResource(Assembly assembly, string resourceName)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new FileNotFoundException($"{assembly.GetName().Name} has no embedded BPF object {resourceName}; it has: {string.Join(", ", assembly.GetManifestResourceNames())}");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return FromBytes(memory.GetBuffer().AsSpan(0, (int)memory.Length), Path.GetFileNameWithoutExtension(resourceName));
    }

    /// <summary>Sets a global variable's initial value (for <c>const volatile</c> ones, the value the verifier sees).</summary>
    public void SetGlobal<T>(string name, T value) where T : unmanaged
    {
        if (!Globals.TryGetValue(name, out var global))
            throw new KeyNotFoundException($"object {Name} has no global variable {name}; it has: {string.Join(", ", Globals.Keys)}");
        if (global.Size != sizeof(T))
            throw new ArgumentException($"global {name} of {Name} is {global.Size} bytes, {typeof(T).Name} is {sizeof(T)}");
        MemoryMarshal.Write(_sectionData[global.Section].AsSpan(global.Offset, global.Size), in value);
    }

    /// <summary>Reads a global variable's initial value as it will be loaded.</summary>
    public T GetGlobal<T>(string name) where T : unmanaged
    {
        var global = Globals[name];
        if (global.Size != sizeof(T))
            throw new ArgumentException($"global {name} of {Name} is {global.Size} bytes, {typeof(T).Name} is {sizeof(T)}");
        return MemoryMarshal.Read<T>(_sectionData[global.Section].AsSpan(global.Offset, global.Size));
    }

    /// <summary>Pins every map that is not global data under <paramref name="directory"/>/&lt;map name&gt;.</summary>
    public void PinMapsUnder(string directory)
    {
        foreach (var map in Maps.Values.Where(m => !m.IsInternal))
            map.PinPath = Path.Combine(directory, map.Name);
    }

    /// <summary>
    /// Creates the maps (or reuses pinned ones), verifies and loads the programs. On failure nothing is left
    /// loaded or newly pinned; a verifier rejection throws <see cref="VerifierException"/> with the whole log.
    /// </summary>
    public Collection Load()
    {
        CheckPinnedMaps();
        using var log = LibbpfLog.Capture();
        nint obj = Open(_elf, Name);
        if (obj == 0)
            throw new BpfLoadException($"open BPF object {Name}: {LastLine(log.Text)}", log.Text);
        try
        {
            Apply(obj);
            int rc = Libbpf.bpf_object__load(obj);
            if (rc < 0)
                throw LoadError(rc, log.Text);
            return Collection.FromLoadedObject(obj, this);
        }
        finally
        {
            // Collection holds duplicated fds; the object itself is no longer needed.
            Libbpf.bpf_object__close(obj);
        }
    }

    internal static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(libbpf said nothing)";

    private static nint Open(byte[] elf, string name)
    {
        byte[] nameBytes = System.Text.Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* buffer = elf)
        fixed (byte* namePtr = nameBytes)
        {
            var opts = new Libbpf.bpf_object_open_opts { sz = (nuint)sizeof(Libbpf.bpf_object_open_opts), object_name = namePtr };
            return Libbpf.bpf_object__open_mem(buffer, (nuint)elf.Length, &opts);
        }
    }

    private static CollectionSpec Describe(nint obj, string name, byte[] elf)
    {
        var maps = new Dictionary<string, MapSpec>();
        var sectionData = new Dictionary<string, byte[]>();
        for (nint m = Libbpf.bpf_object__next_map(obj, 0); m != 0; m = Libbpf.bpf_object__next_map(obj, m))
        {
            string mapName = Libbpf.String(Libbpf.bpf_map__name(m))!;
            bool isInternal = Libbpf.bpf_map__is_internal(m);
            maps[mapName] = new MapSpec(mapName, (MapType)Libbpf.bpf_map__type(m), Libbpf.bpf_map__key_size(m),
                Libbpf.bpf_map__value_size(m), Libbpf.bpf_map__max_entries(m), Libbpf.bpf_map__map_flags(m), isInternal);
            if (isInternal)
            {
                nuint size;
                void* initial = Libbpf.bpf_map__initial_value(m, &size);
                string? section = SectionOfInternalMap(mapName);
                if (initial is not null && section is not null)
                    sectionData[section] = new ReadOnlySpan<byte>(initial, (int)size).ToArray();
            }
        }

        var programs = new Dictionary<string, ProgramSpec>();
        for (nint p = Libbpf.bpf_object__next_program(obj, 0); p != 0; p = Libbpf.bpf_object__next_program(obj, p))
        {
            string progName = Libbpf.String(Libbpf.bpf_program__name(p))!;
            int attach = Libbpf.bpf_program__expected_attach_type(p);
            var type = (ProgramType)Libbpf.bpf_program__type(p);
            programs[progName] = new ProgramSpec(progName, Libbpf.String(Libbpf.bpf_program__section_name(p)) ?? "",
                type, attach == 0 && type != ProgramType.CgroupSkb ? null : (AttachType)attach);
        }

        var globals = BtfGlobals.Read(Libbpf.bpf_object__btf(obj), sectionData.Keys);
        return new CollectionSpec(name, elf, maps, programs, globals, sectionData);
    }

    /// <summary>libbpf names global-data maps "&lt;object prefix&gt;.rodata" etc.</summary>
    private static string? SectionOfInternalMap(string mapName)
    {
        foreach (var section in new[] { ".rodata", ".data", ".bss" })
        {
            if (mapName.EndsWith(section, StringComparison.Ordinal))
                return section;
        }
        return null;
    }

    private void Apply(nint obj)
    {
        for (nint m = Libbpf.bpf_object__next_map(obj, 0); m != 0; m = Libbpf.bpf_object__next_map(obj, m))
        {
            var spec = Maps[Libbpf.String(Libbpf.bpf_map__name(m))!];
            if (spec.MaxEntries != Libbpf.bpf_map__max_entries(m))
                BpfSyscall.ThrowIfError(Libbpf.bpf_map__set_max_entries(m, spec.MaxEntries), $"set size of map {spec.Name}");
            if (spec.PinPath is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(spec.PinPath)!);
                BpfSyscall.ThrowIfError(Libbpf.bpf_map__set_pin_path(m, spec.PinPath), $"set pin path of map {spec.Name}");
            }
            if (spec.IsInternal && SectionOfInternalMap(spec.Name) is { } section && _sectionData.TryGetValue(section, out var data))
            {
                nuint size;
                void* initial = Libbpf.bpf_map__initial_value(m, &size);
                if (initial is not null && (int)size == data.Length)
                    data.CopyTo(new Span<byte>(initial, data.Length));
            }
        }
        for (nint p = Libbpf.bpf_object__next_program(obj, 0); p != 0; p = Libbpf.bpf_object__next_program(obj, p))
        {
            var spec = Programs[Libbpf.String(Libbpf.bpf_program__name(p))!];
            if (!spec.Autoload)
                Libbpf.bpf_program__set_autoload(p, false);
        }
    }

    private void CheckPinnedMaps()
    {
        foreach (var spec in Maps.Values)
        {
            if (spec.PinPath is null || !File.Exists(spec.PinPath))
                continue;
            using var pinned = Map.OpenPinned(spec.PinPath);
            var info = pinned.Info;
            var differences = new List<string>();
            if (info.Type != spec.Type)
                differences.Add($"type {info.Type} vs {spec.Type}");
            if (info.KeySize != spec.KeySize)
                differences.Add($"key size {info.KeySize} vs {spec.KeySize}");
            if (info.ValueSize != spec.ValueSize)
                differences.Add($"value size {info.ValueSize} vs {spec.ValueSize}");
            if (info.MaxEntries != spec.MaxEntries)
                differences.Add($"max entries {info.MaxEntries} vs {spec.MaxEntries}");
            if (info.Flags != spec.Flags)
                differences.Add($"flags 0x{info.Flags:x} vs 0x{spec.Flags:x}");
            if (differences.Count > 0)
                throw new PinnedMapMismatchException(spec.Name, spec.PinPath, differences);
        }
    }

    private BpfLoadException LoadError(int rc, string log)
    {
        if (LibbpfLog.ExtractVerifierLog(log) is { } verifier)
            return new VerifierException(Name, verifier.Program, -rc, verifier.Log, log);
        string hint = -rc == Tendril.Interop.ErrnoNames.EPERM ? " (needs CAP_BPF and CAP_SYS_ADMIN or root)" : "";
        return new BpfLoadException($"load BPF object {Name}: {Tendril.Interop.ErrnoNames.Name(-rc)}{hint}; {LastLine(log)}", log);
    }
}
