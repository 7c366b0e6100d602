namespace Tendril.Ebpf.Internal;

/// <summary>Finds global variables and their offsets in the DATASEC types of an object's BTF.</summary>
internal static unsafe class BtfGlobals
{
    private const uint KindVar = 14, KindDatasec = 15;

    internal static Dictionary<string, GlobalVariableSpec> Read(nint btf, IEnumerable<string> sections)
    {
        var result = new Dictionary<string, GlobalVariableSpec>();
        if (btf == 0)
            return result;
        foreach (var section in sections)
        {
            int id = Libbpf.btf__find_by_name_kind(btf, section, KindDatasec);
            if (id <= 0)
                continue;
            // struct btf_type { u32 name_off; u32 info; u32 size; } followed by vlen btf_var_secinfo { u32 type, offset, size; }
            uint* datasec = (uint*)Libbpf.btf__type_by_id(btf, (uint)id);
            uint vlen = datasec[1] & 0xffff;
            uint* entries = datasec + 3;
            for (uint i = 0; i < vlen; i++)
            {
                uint varType = entries[i * 3];
                uint offset = entries[i * 3 + 1];
                uint size = entries[i * 3 + 2];
                uint* var = (uint*)Libbpf.btf__type_by_id(btf, varType);
                if (var is null || ((var[1] >> 24) & 0x1f) != KindVar)
                    continue;
                string? name = Libbpf.String(Libbpf.btf__name_by_offset(btf, var[0]));
                if (!string.IsNullOrEmpty(name))
                    result[name] = new GlobalVariableSpec(name, section, (int)offset, (int)size);
            }
        }
        return result;
    }
}
