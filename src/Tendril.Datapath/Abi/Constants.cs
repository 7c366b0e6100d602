namespace Tendril.Datapath.Abi;

// Numbers shared with the C side (bpf/shared/*.h); Cilium's where Cilium has them.

public enum EventType : byte
{
    Drop = 1,
    Trace = 4,
    PolicyVerdict = 5,
}

public enum TracePoint : byte
{
    ToEndpoint = 0,
    ToHost = 2,
    ToStack = 3,
    FromEndpoint = 5,
    FromHost = 7,
    FromStack = 8,
}

public enum DropReason : byte
{
    InvalidSourceIp = 132,
    PolicyDenied = 133,
    InvalidPacket = 134,
    CtInvalidHeader = 135,
    UnsupportedL3Protocol = 139,
    UnknownL4Protocol = 142,
    CtMapInsertionFailed = 155,
    NoServiceBackend = 158,
    NoConfiguration = 165,
    PolicyDeny = 181,
}

public enum ConnectionState : byte
{
    Unknown = 0,
    New = 1,
    Established = 2,
    Reply = 3,
}

public enum EventDirection : byte
{
    Unknown = 0,
    Ingress = 1,
    Egress = 2,
}

public enum PolicyMatchType : byte
{
    None = 0,
    L3Only = 1,
    L3L4 = 2,
    L4Only = 3,
    All = 4,
    L3Proto = 5,
    ProtoOnly = 6,
}

public static class AbiConstants
{
    public const byte FamilyIpv4 = 1;
    public const byte FamilyIpv6 = 2;
    public const uint IpCacheStaticPrefix = 32;
    public const uint PolicyStaticPrefix = 40;
    public const byte PolicyDenyFlag = 1;
    public const byte CtKeyServiceFlag = 1;
    public const byte CtKeyPortRemapFlag = 2;
}
