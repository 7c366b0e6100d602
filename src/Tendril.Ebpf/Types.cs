namespace Tendril.Ebpf;

/// <summary>BPF map types (enum bpf_map_type).</summary>
public enum MapType
{
    Unspecified = 0,
    Hash = 1,
    Array = 2,
    ProgramArray = 3,
    PerfEventArray = 4,
    PerCpuHash = 5,
    PerCpuArray = 6,
    StackTrace = 7,
    CgroupArray = 8,
    LruHash = 9,
    LruPerCpuHash = 10,
    LpmTrie = 11,
    ArrayOfMaps = 12,
    HashOfMaps = 13,
    DevMap = 14,
    SockMap = 15,
    CpuMap = 16,
    XskMap = 17,
    SockHash = 18,
    CgroupStorage = 19,
    ReusePortSockArray = 20,
    PerCpuCgroupStorage = 21,
    Queue = 22,
    Stack = 23,
    SkStorage = 24,
    DevMapHash = 25,
    StructOps = 26,
    RingBuffer = 27,
    InodeStorage = 28,
    TaskStorage = 29,
    BloomFilter = 30,
    UserRingBuffer = 31,
}

/// <summary>BPF program types (enum bpf_prog_type).</summary>
public enum ProgramType
{
    Unspecified = 0,
    SocketFilter = 1,
    Kprobe = 2,
    SchedCls = 3,
    SchedAct = 4,
    Tracepoint = 5,
    Xdp = 6,
    PerfEvent = 7,
    CgroupSkb = 8,
    CgroupSock = 9,
    LwtIn = 10,
    LwtOut = 11,
    LwtXmit = 12,
    SockOps = 13,
    SkSkb = 14,
    CgroupDevice = 15,
    SkMsg = 16,
    RawTracepoint = 17,
    CgroupSockAddr = 18,
    LwtSeg6Local = 19,
    LircMode2 = 20,
    SkReuseport = 21,
    FlowDissector = 22,
    CgroupSysctl = 23,
    RawTracepointWritable = 24,
    CgroupSockopt = 25,
    Tracing = 26,
    StructOps = 27,
    Ext = 28,
    Lsm = 29,
    SkLookup = 30,
    Syscall = 31,
    Netfilter = 32,
}

/// <summary>The attach types Tendril uses (enum bpf_attach_type).</summary>
public enum AttachType
{
    CgroupInetIngress = 0,
    CgroupInetEgress = 1,
    CgroupInetSockCreate = 2,
    CgroupInet4Connect = 10,
    CgroupUdp4Sendmsg = 14,
    CgroupUdp4Recvmsg = 19,
    CgroupInet4Getpeername = 29,
    Xdp = 37,
    PerfEvent = 41,
    TcxIngress = 46,
    TcxEgress = 47,
}

/// <summary>BPF link types (enum bpf_link_type).</summary>
public enum LinkType
{
    Unspecified = 0,
    RawTracepoint = 1,
    Tracing = 2,
    Cgroup = 3,
    Iter = 4,
    Netns = 5,
    Xdp = 6,
    PerfEvent = 7,
    KprobeMulti = 8,
    StructOps = 9,
    Netfilter = 10,
    Tcx = 11,
    UprobeMulti = 12,
    Netkit = 13,
}

/// <summary>How a map update treats an existing key (BPF_ANY, BPF_NOEXIST, BPF_EXIST).</summary>
public enum MapUpdate : ulong
{
    /// <summary>Create or replace.</summary>
    Any = 0,

    /// <summary>Create only; fails with EEXIST when the key is present.</summary>
    NoExist = 1,

    /// <summary>Replace only; fails with ENOENT when the key is absent.</summary>
    Exist = 2,
}
