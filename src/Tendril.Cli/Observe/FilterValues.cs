using Tendril.Hubble.Api;
using System.Net;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Cli.Observe;

/// <summary>A command-line value that cannot be used; the message names the flag and says what would be accepted.</summary>
internal sealed class FlagException(string flag, string message) : Exception($"--{flag}: {message}")
{
    /// <summary>The flag's long name, without dashes.</summary>
    public string Flag { get; } = flag;
}

/// <summary>
/// Parses the values of filter flags into FlowFilter field values, the way the hubble CLI reads them. Pure and
/// thread-safe; every failure is a <see cref="FlagException"/>.
/// </summary>
internal static class FilterValues
{
    /// <summary>A numeric identity or a reserved identity name (world, host, remote-node, …).</summary>
    public static uint Identity(string flag, string value)
    {
        if (MonitorNames.TryReservedIdentity(value, out var reserved))
            return reserved;
        if (uint.TryParse(value, out var number))
            return number;
        var names = string.Join(", ", ReservedIdentityNames.All.Select(r => r.Name));
        throw new FlagException(flag, $"invalid security identity '{value}', expected one of {names} or a number");
    }

    /// <summary>A verdict name such as FORWARDED or DROPPED (case-insensitive).</summary>
    public static Verdict Verdict(string flag, string value) => EnumValue<Verdict>(flag, value, "verdict");

    /// <summary>A drop reason enum name such as POLICY_DENIED (case-insensitive).</summary>
    public static DropReason DropReason(string flag, string value) =>
        string.IsNullOrEmpty(value)
            ? throw new FlagException(flag, "empty drop reason")
            : EnumValue<DropReason>(flag, value, "drop reason");

    /// <summary>"ingress" or "egress".</summary>
    public static TrafficDirection Direction(string flag, string value) => value.ToLowerInvariant() switch
    {
        "ingress" => TrafficDirection.Ingress,
        "egress" => TrafficDirection.Egress,
        _ => throw new FlagException(flag, $"invalid traffic direction '{value}', expected ingress or egress"),
    };

    /// <summary>"4", "v4", "ipv4", "ip4" or the same for 6.</summary>
    public static IPVersion IpVersion(string flag, string value) => value.ToLowerInvariant() switch
    {
        "4" or "v4" or "ipv4" or "ip4" => IPVersion.Ipv4,
        "6" or "v6" or "ipv6" or "ip6" => IPVersion.Ipv6,
        _ => throw new FlagException(flag, $"invalid IP version '{value}', expected 4 or 6"),
    };

    /// <summary>Comma-separated TCP flag names: syn,ack,fin,rst,psh,urg,ece,cwr,ns.</summary>
    public static TCPFlags TcpFlags(string flag, string value)
    {
        var flags = new TCPFlags();
        foreach (var name in value.Split(','))
        {
            switch (name.Trim().ToUpperInvariant())
            {
                case "SYN": flags.SYN = true; break;
                case "ACK": flags.ACK = true; break;
                case "FIN": flags.FIN = true; break;
                case "RST": flags.RST = true; break;
                case "PSH": flags.PSH = true; break;
                case "URG": flags.URG = true; break;
                case "ECE": flags.ECE = true; break;
                case "CWR": flags.CWR = true; break;
                case "NS": flags.NS = true; break;
                default:
                    throw new FlagException(flag, $"unknown TCP flag '{name}', expected a comma-separated list of SYN, ACK, FIN, RST, PSH, URG, ECE, CWR, NS");
            }
        }
        return flags;
    }

    /// <summary>
    /// <c>TYPE[:SUBTYPE]</c>: a type name (trace, drop, policy-verdict, …) or number; the sub-type is an observation
    /// point name for traces, an agent notification name for agent events, or a number.
    /// </summary>
    public static EventTypeFilter EventType(string flag, string value)
    {
        var parts = value.Split(':', 2);
        if (!MonitorNames.EventTypes.TryGetValue(parts[0], out var type) && !int.TryParse(parts[0], out type))
        {
            throw new FlagException(flag,
                $"unknown event type '{parts[0]}', expected one of {string.Join(", ", MonitorNames.EventTypes.Keys.Order())} or a number");
        }
        var filter = new EventTypeFilter { Type = type };
        if (parts.Length == 1)
            return filter;
        int subType = -1;
        if (type == MonitorNames.MessageTypeTrace)
            subType = Array.FindIndex(MonitorNames.ObservationPoints, p => string.Equals(p, parts[1], StringComparison.OrdinalIgnoreCase));
        else if (type == MonitorNames.MessageTypeAgent && MonitorNames.AgentSubTypes.TryGetValue(parts[1], out var agent))
            subType = agent;
        if (subType < 0 && !int.TryParse(parts[1], out subType))
        {
            string known = type == MonitorNames.MessageTypeTrace ? $" ({string.Join(", ", MonitorNames.ObservationPoints)})"
                : type == MonitorNames.MessageTypeAgent ? $" ({string.Join(", ", MonitorNames.AgentSubTypes.Keys.Order())})"
                : "";
            throw new FlagException(flag, $"unknown sub-type '{parts[1]}' of '{parts[0]}', expected a known name{known} or a number");
        }
        filter.MatchSubType = true;
        filter.SubType = subType;
        return filter;
    }

    /// <summary>An IP address or CIDR, passed on as written.</summary>
    public static string IpOrCidr(string flag, string value) =>
        IPAddress.TryParse(value, out _) || IPNetwork.TryParse(value, out _)
            ? value
            : throw new FlagException(flag, $"'{value}' is not an IP address or CIDR");

    /// <summary>A port number 0–65535, passed on as written.</summary>
    public static string Port(string flag, string value) =>
        ushort.TryParse(value, out _) ? value : throw new FlagException(flag, $"'{value}' is not a port number (0-65535)");

    /// <summary>A non-empty value, passed on as written.</summary>
    public static string NonEmpty(string flag, string value) =>
        string.IsNullOrEmpty(value) ? throw new FlagException(flag, "empty value") : value;

    /// <summary><c>[kind/]name</c> for workload flags.</summary>
    public static Workload Workload(string flag, string value)
    {
        NonEmpty(flag, value);
        var slash = value.IndexOf('/');
        return slash < 0 ? new Workload { Name = value } : new Workload { Kind = value[..slash], Name = value[(slash + 1)..] };
    }

    // Enum names are matched against the proto names (FORWARDED, POLICY_DENIED), not the C# member names.
    private static T EnumValue<T>(string flag, string value, string what) where T : struct, Enum =>
        ProtoEnum.TryParse<T>(value, out var parsed)
            ? parsed
            : throw new FlagException(flag, $"invalid {what} '{value}', expected one of {string.Join(", ", ProtoEnum.NonZeroNames<T>())}");
}
