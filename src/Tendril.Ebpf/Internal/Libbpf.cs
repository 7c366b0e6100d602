using System.Runtime.InteropServices;

namespace Tendril.Ebpf.Internal;

/// <summary>
/// libbpf 1.1 (Debian's libbpf1) bindings. Int functions return -errno; pointer functions return NULL and set errno.
/// Fds returned by <c>bpf_map__fd</c>/<c>bpf_program__fd</c> belong to the bpf_object: never close them.
/// </summary>
internal static unsafe partial class Libbpf
{
    private const string Lib = "libbpf.so.1";

    [StructLayout(LayoutKind.Sequential)]
    internal struct bpf_object_open_opts
    {
        public nuint sz;
        public byte* object_name;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct bpf_test_run_opts
    {
        public nuint sz;
        public void* data_in;
        public void* data_out;
        public uint data_size_in;
        public uint data_size_out;
        public void* ctx_in;
        public void* ctx_out;
        public uint ctx_size_in;
        public uint ctx_size_out;
        public uint retval;
        public int repeat;
        public uint duration;
        public uint flags;
        public uint cpu;
        public uint batch_size;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct bpf_map_batch_opts
    {
        public nuint sz;
        public ulong elem_flags;
        public ulong flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct bpf_tc_hook
    {
        public nuint sz;
        public int ifindex;
        public int attach_point;
        public uint parent;
        private readonly uint _pad;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct bpf_tc_opts
    {
        public nuint sz;
        public int prog_fd;
        public uint flags;
        public uint prog_id;
        public uint handle;
        public uint priority;
        private readonly uint _pad;
    }

    internal const int BPF_TC_INGRESS = 1, BPF_TC_EGRESS = 2;

    internal const uint BPF_TC_F_REPLACE = 1;

    [LibraryImport(Lib)]
    internal static partial byte* libbpf_version_string();

    [LibraryImport(Lib)]
    internal static partial nint libbpf_set_print(delegate* unmanaged[Cdecl]<int, byte*, nint, int> fn);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint bpf_object__open_mem(void* buf, nuint size, bpf_object_open_opts* opts);

    [LibraryImport(Lib)]
    internal static partial void bpf_object__close(nint obj);

    [LibraryImport(Lib)]
    internal static partial int bpf_object__load(nint obj);

    [LibraryImport(Lib)]
    internal static partial nint bpf_object__next_map(nint obj, nint prev);

    [LibraryImport(Lib)]
    internal static partial nint bpf_object__next_program(nint obj, nint prev);

    [LibraryImport(Lib)]
    internal static partial nint bpf_object__btf(nint obj);

    [LibraryImport(Lib)]
    internal static partial byte* bpf_map__name(nint map);

    [LibraryImport(Lib)]
    internal static partial int bpf_map__type(nint map);

    [LibraryImport(Lib)]
    internal static partial uint bpf_map__key_size(nint map);

    [LibraryImport(Lib)]
    internal static partial uint bpf_map__value_size(nint map);

    [LibraryImport(Lib)]
    internal static partial uint bpf_map__max_entries(nint map);

    [LibraryImport(Lib)]
    internal static partial uint bpf_map__map_flags(nint map);

    [LibraryImport(Lib)]
    internal static partial int bpf_map__set_max_entries(nint map, uint maxEntries);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_map__set_pin_path(nint map, string? path);

    [LibraryImport(Lib)]
    internal static partial int bpf_map__fd(nint map);

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool bpf_map__is_internal(nint map);

    [LibraryImport(Lib)]
    internal static partial void* bpf_map__initial_value(nint map, nuint* size);

    [LibraryImport(Lib)]
    internal static partial byte* bpf_program__name(nint prog);

    [LibraryImport(Lib)]
    internal static partial byte* bpf_program__section_name(nint prog);

    [LibraryImport(Lib)]
    internal static partial int bpf_program__type(nint prog);

    [LibraryImport(Lib)]
    internal static partial int bpf_program__expected_attach_type(nint prog);

    [LibraryImport(Lib)]
    internal static partial int bpf_program__set_autoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Lib)]
    internal static partial int bpf_program__fd(nint prog);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int btf__find_by_name_kind(nint btf, string name, uint kind);

    [LibraryImport(Lib)]
    internal static partial void* btf__type_by_id(nint btf, uint id);

    [LibraryImport(Lib)]
    internal static partial byte* btf__name_by_offset(nint btf, uint offset);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_delete_elem(int fd, void* key);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_get_next_key(int fd, void* key, void* nextKey);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_update_batch(int fd, void* keys, void* values, uint* count, bpf_map_batch_opts* opts);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_lookup_batch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, bpf_map_batch_opts* opts);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_lookup_and_delete_batch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, bpf_map_batch_opts* opts);

    [LibraryImport(Lib)]
    internal static partial int bpf_map_delete_batch(int fd, void* keys, uint* count, bpf_map_batch_opts* opts);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_obj_pin(int fd, string path);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_obj_get(string path);

    [LibraryImport(Lib)]
    internal static partial int bpf_obj_get_info_by_fd(int fd, void* info, uint* infoLen);

    [LibraryImport(Lib)]
    internal static partial int bpf_prog_test_run_opts(int progFd, bpf_test_run_opts* opts);

    [LibraryImport(Lib)]
    internal static partial int bpf_tc_hook_create(bpf_tc_hook* hook);

    [LibraryImport(Lib)]
    internal static partial int bpf_tc_attach(bpf_tc_hook* hook, bpf_tc_opts* opts);

    [LibraryImport(Lib)]
    internal static partial int bpf_tc_detach(bpf_tc_hook* hook, bpf_tc_opts* opts);

    internal static string? String(byte* s) => s is null ? null : Marshal.PtrToStringUTF8((nint)s);
}
