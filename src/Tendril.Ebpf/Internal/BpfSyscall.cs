using System.Runtime.InteropServices;
using Tendril.Interop;
using Tendril.Interop.LibC;

namespace Tendril.Ebpf.Internal;

/// <summary>
/// The bpf(2) commands libbpf 1.1 cannot express (tcx ordering and revisions, tcx queries) and the probes
/// that must run without an object. Attr layouts follow include/uapi/linux/bpf.h of Linux 6.6+.
/// </summary>
internal static unsafe class BpfSyscall
{
    internal const int BPF_MAP_CREATE = 0, BPF_PROG_LOAD = 5, BPF_PROG_QUERY = 16, BPF_LINK_CREATE = 28, BPF_LINK_UPDATE = 29;

    internal const uint BPF_F_REPLACE = 1u << 2, BPF_F_BEFORE = 1u << 3, BPF_F_AFTER = 1u << 4,
        BPF_F_ID = 1u << 5, BPF_F_LINK = 1u << 13;

    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct LinkCreateAttr
    {
        [FieldOffset(0)] public uint prog_fd;
        [FieldOffset(4)] public uint target;
        [FieldOffset(8)] public uint attach_type;
        [FieldOffset(12)] public uint flags;
        [FieldOffset(16)] public uint relative;
        [FieldOffset(24)] public ulong expected_revision;
    }

    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct LinkUpdateAttr
    {
        [FieldOffset(0)] public uint link_fd;
        [FieldOffset(4)] public uint new_prog_fd;
        [FieldOffset(8)] public uint flags;
        [FieldOffset(12)] public uint old_prog_fd;
    }

    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct ProgQueryAttr
    {
        [FieldOffset(0)] public uint target;
        [FieldOffset(4)] public uint attach_type;
        [FieldOffset(8)] public uint query_flags;
        [FieldOffset(12)] public uint attach_flags;
        [FieldOffset(16)] public ulong prog_ids;
        [FieldOffset(24)] public uint count;
        [FieldOffset(32)] public ulong prog_attach_flags;
        [FieldOffset(40)] public ulong link_ids;
        [FieldOffset(48)] public ulong link_attach_flags;
        [FieldOffset(56)] public ulong revision;
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct ProgLoadAttr
    {
        [FieldOffset(0)] public uint prog_type;
        [FieldOffset(4)] public uint insn_cnt;
        [FieldOffset(8)] public ulong insns;
        [FieldOffset(16)] public ulong license;
        [FieldOffset(24)] public uint log_level;
        [FieldOffset(28)] public uint log_size;
        [FieldOffset(32)] public ulong log_buf;
        [FieldOffset(68)] public uint expected_attach_type;
    }

    [StructLayout(LayoutKind.Explicit, Size = 72)]
    internal struct MapCreateAttr
    {
        [FieldOffset(0)] public uint map_type;
        [FieldOffset(4)] public uint key_size;
        [FieldOffset(8)] public uint value_size;
        [FieldOffset(12)] public uint max_entries;
        [FieldOffset(16)] public uint map_flags;
        [FieldOffset(20)] public uint inner_map_fd;
        [FieldOffset(28)] public fixed byte map_name[16];
    }

    /// <summary>Runs one bpf(2) command; returns the result or -errno.</summary>
    internal static int Call<TAttr>(int command, ref TAttr attr) where TAttr : unmanaged
    {
        fixed (TAttr* p = &attr)
        {
            long rc = Syscall.syscall3(Syscall.SYS_bpf, command, p, sizeof(TAttr));
            return rc < 0 ? -Marshal.GetLastPInvokeError() : (int)rc;
        }
    }

    /// <summary>Loads a tiny program from raw instructions (feature probes). Returns an owned fd or -errno.</summary>
    internal static int LoadRaw(ProgramType type, ReadOnlySpan<ulong> instructions, AttachType expectedAttach = 0)
    {
        byte* license = stackalloc byte[] { (byte)'G', (byte)'P', (byte)'L', 0 };
        fixed (ulong* insns = instructions)
        {
            var attr = new ProgLoadAttr
            {
                prog_type = (uint)type,
                insn_cnt = (uint)instructions.Length,
                insns = (ulong)insns,
                license = (ulong)license,
                expected_attach_type = (uint)expectedAttach,
            };
            return Call(BPF_PROG_LOAD, ref attr);
        }
    }

    /// <summary>Creates an anonymous map (feature probes). Returns an owned fd or -errno.</summary>
    internal static int CreateRawMap(MapType type, uint keySize, uint valueSize, uint maxEntries, uint flags = 0)
    {
        var attr = new MapCreateAttr { map_type = (uint)type, key_size = keySize, value_size = valueSize, max_entries = maxEntries, map_flags = flags };
        return Call(BPF_MAP_CREATE, ref attr);
    }

    /// <summary>Encodes one BPF instruction.</summary>
    internal static ulong Insn(byte code, byte dst, byte src, short off, int imm) =>
        code | ((ulong)(byte)((src << 4) | (dst & 0xf)) << 8) | ((ulong)(ushort)off << 16) | ((ulong)(uint)imm << 32);

    internal static ulong MovImm(byte dst, int imm) => Insn(0xb7, dst, 0, 0, imm);

    internal static ulong CallHelper(int helper) => Insn(0x85, 0, 0, 0, helper);

    internal static ulong Exit() => Insn(0x95, 0, 0, 0, 0);

    /// <summary>Throws for a negative result. The message is built even on success: not for hot paths.</summary>
    internal static void ThrowIfError(int rc, string operation, string? hint = null)
    {
        if (rc < 0)
            throw LinuxException.FromNegative(operation, rc, hint);
    }
}
