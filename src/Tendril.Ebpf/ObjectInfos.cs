namespace Tendril.Ebpf;

/// <summary>What the kernel reports about a map. <see cref="Name"/> is truncated to 15 bytes by the kernel.</summary>
public sealed record MapInfo(uint Id, MapType Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags, string Name);

/// <summary>What the kernel reports about a program.</summary>
public sealed record ProgramInfo(uint Id, ProgramType Type, string Name);

/// <summary>What the kernel reports about a link: its program, and the device or cgroup it is attached to.</summary>
public sealed record LinkInfo(uint Id, LinkType Type, uint ProgramId, int? Ifindex, AttachType? AttachType, ulong? CgroupId);
