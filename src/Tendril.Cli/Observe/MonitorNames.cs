using System.Collections.Frozen;
using Tendril.Hubble.Api;

namespace Tendril.Cli.Observe;

/// <summary>
/// The names the monitor and the hubble CLI give to numeric codes: event types, trace observation points, drop
/// reasons, policy match types and reserved identities. Kept here rather than borrowed from the server so that the
/// CLI depends only on the generated API types. Immutable and thread-safe.
/// </summary>
internal static class MonitorNames
{
    public const int MessageTypeDrop = 1;
    public const int MessageTypeDebug = 2;
    public const int MessageTypeCapture = 3;
    public const int MessageTypeTrace = 4;
    public const int MessageTypePolicyVerdict = 5;
    public const int MessageTypeRecorder = 6;
    public const int MessageTypeTraceSock = 7;
    public const int MessageTypeAccessLog = 129;
    public const int MessageTypeAgent = 130;

    /// <summary><c>--type</c> names and their monitor message type numbers.</summary>
    public static readonly FrozenDictionary<string, int> EventTypes = new Dictionary<string, int>
    {
        ["drop"] = MessageTypeDrop,
        ["debug"] = MessageTypeDebug,
        ["capture"] = MessageTypeCapture,
        ["trace"] = MessageTypeTrace,
        ["policy-verdict"] = MessageTypePolicyVerdict,
        ["recorder"] = MessageTypeRecorder,
        ["trace-sock"] = MessageTypeTraceSock,
        ["l7"] = MessageTypeAccessLog,
        ["agent"] = MessageTypeAgent,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Datapath observation points (the trace event sub-type) by number.</summary>
    public static readonly string[] ObservationPoints =
    [
        "to-endpoint", "to-proxy", "to-host", "to-stack", "to-overlay", "from-endpoint", "from-proxy", "from-host",
        "from-stack", "from-overlay", "from-network", "to-network", "from-crypto", "to-crypto",
    ];

    /// <summary>Agent notification sub-types as <c>--type agent:NAME</c> spells them.</summary>
    public static readonly FrozenDictionary<string, int> AgentSubTypes = new Dictionary<string, int>
    {
        ["unspecified"] = 0,
        ["message"] = 1,
        ["agent-started"] = 2,
        ["endpoint-regenerate-success"] = 3,
        ["endpoint-regenerate-failure"] = 4,
        ["policy-updated"] = 5,
        ["policy-deleted"] = 6,
        ["endpoint-created"] = 7,
        ["endpoint-deleted"] = 8,
        ["ipcache-upserted"] = 9,
        ["ipcache-deleted"] = 10,
        ["service-upserted"] = 11,
        ["service-deleted"] = 12,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Identities below this number are reserved, named or not.</summary>
    public const uint MinimalNumericIdentity = 256;

    /// <summary>The trace sub-type's name, or the number when it has none.</summary>
    public static string ObservationPoint(int subType) =>
        subType >= 0 && subType < ObservationPoints.Length ? ObservationPoints[subType] : subType.ToString();

    /// <summary>The policy-verdict match type as the monitor prints it.</summary>
    public static string PolicyMatch(uint matchType) => PolicyMatchTypes.Name(matchType);

    /// <summary>The monitor text of a drop (or other datapath) reason code, or the number when unknown.</summary>
    public static string DropReason(int code) => DropReasons.Text(code);

    /// <summary>Resolves a reserved identity name ("world", "host", …) to its number.</summary>
    public static bool TryReservedIdentity(string name, out uint identity) => ReservedIdentityNames.TryParse(name, out identity);
}
