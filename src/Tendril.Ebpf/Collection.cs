using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf;

/// <summary>
/// A loaded object: its maps and programs, each owning its own fd. Disposing the collection disposes them;
/// pinned maps and anything attached through a pinned link stay in the kernel. Thread-safe for reads.
/// </summary>
public sealed unsafe class Collection : IDisposable
{
    private Collection(string name, Dictionary<string, Map> maps, Dictionary<string, Program> programs)
    {
        Name = name;
        Maps = maps;
        Programs = programs;
    }

    public string Name { get; }

    public IReadOnlyDictionary<string, Map> Maps { get; }

    public IReadOnlyDictionary<string, Program> Programs { get; }

    public Map GetMap(string name) => Maps.TryGetValue(name, out var map)
        ? map
        : throw new KeyNotFoundException($"object {Name} has no map {name}; it has: {string.Join(", ", Maps.Keys)}");

    public Map<TKey, TValue> GetMap<TKey, TValue>(string name)
        where TKey : unmanaged
        where TValue : unmanaged => GetMap(name).As<TKey, TValue>();

    public Program GetProgram(string name) => Programs.TryGetValue(name, out var program)
        ? program
        : throw new KeyNotFoundException($"object {Name} has no loaded program {name}; it has: {string.Join(", ", Programs.Keys)}");

    public void Dispose()
    {
        foreach (var program in Programs.Values)
            program.Dispose();
        foreach (var map in Maps.Values)
            map.Dispose();
    }

    internal static Collection FromLoadedObject(nint obj, CollectionSpec spec)
    {
        var maps = new Dictionary<string, Map>();
        var programs = new Dictionary<string, Program>();
        try
        {
            for (nint m = Libbpf.bpf_object__next_map(obj, 0); m != 0; m = Libbpf.bpf_object__next_map(obj, m))
            {
                string name = Libbpf.String(Libbpf.bpf_map__name(m))!;
                var fd = SafeFd.Duplicate(Libbpf.bpf_map__fd(m), $"map {name}");
                maps[name] = new Map(fd, ObjectInfo.Map(fd.Fd), name, spec.Maps[name].PinPath);
            }
            for (nint p = Libbpf.bpf_object__next_program(obj, 0); p != 0; p = Libbpf.bpf_object__next_program(obj, p))
            {
                string name = Libbpf.String(Libbpf.bpf_program__name(p))!;
                var programSpec = spec.Programs[name];
                if (!programSpec.Autoload)
                    continue;
                var fd = SafeFd.Duplicate(Libbpf.bpf_program__fd(p), $"program {name}");
                programs[name] = new Program(fd, ObjectInfo.Program(fd.Fd), name, programSpec.SectionName, programSpec.ExpectedAttachType);
            }
        }
        catch
        {
            new Collection(spec.Name, maps, programs).Dispose();
            throw;
        }
        return new Collection(spec.Name, maps, programs);
    }
}
