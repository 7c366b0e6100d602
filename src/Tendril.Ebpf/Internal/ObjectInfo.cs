using System.Runtime.InteropServices;
using System.Text;
using Tendril.Interop;

namespace Tendril.Ebpf.Internal;

/// <summary>BPF_OBJ_GET_INFO_BY_FD for maps, programs and links. Offsets from struct bpf_{map,prog,link}_info.</summary>
internal static unsafe class ObjectInfo
{
    private const int BufferSize = 256;

    internal static MapInfo Map(int fd)
    {
        byte* b = stackalloc byte[BufferSize];
        Query(fd, b, "map");
        return new MapInfo(
            Id: U32(b, 4),
            Type: (MapType)U32(b, 0),
            KeySize: U32(b, 8),
            ValueSize: U32(b, 12),
            MaxEntries: U32(b, 16),
            Flags: U32(b, 20),
            Name: Name(b + 24));
    }

    internal static ProgramInfo Program(int fd)
    {
        byte* b = stackalloc byte[BufferSize];
        Query(fd, b, "program");
        return new ProgramInfo(Id: U32(b, 4), Type: (ProgramType)U32(b, 0), Name: Name(b + 64));
    }

    internal static LinkInfo Link(int fd)
    {
        byte* b = stackalloc byte[BufferSize];
        Query(fd, b, "link");
        var type = (LinkType)U32(b, 0);
        int? ifindex = type is LinkType.Tcx or LinkType.Xdp or LinkType.Netkit ? (int)U32(b, 16) : null;
        AttachType? attach = type switch
        {
            LinkType.Tcx => (AttachType)U32(b, 20),
            LinkType.Cgroup => (AttachType)U32(b, 24),
            _ => null,
        };
        ulong? cgroupId = type == LinkType.Cgroup ? *(ulong*)(b + 16) : null;
        return new LinkInfo(Id: U32(b, 4), Type: type, ProgramId: U32(b, 8), Ifindex: ifindex, AttachType: attach, CgroupId: cgroupId);
    }

    private static void Query(int fd, byte* buffer, string what)
    {
        new Span<byte>(buffer, BufferSize).Clear();
        uint len = BufferSize;
        int rc = Libbpf.bpf_obj_get_info_by_fd(fd, buffer, &len);
        BpfSyscall.ThrowIfError(rc, $"get {what} info");
    }

    private static uint U32(byte* b, int offset) => *(uint*)(b + offset);

    private static string Name(byte* p)
    {
        int n = 0;
        while (n < 16 && p[n] != 0)
            n++;
        return Encoding.UTF8.GetString(p, n);
    }
}
