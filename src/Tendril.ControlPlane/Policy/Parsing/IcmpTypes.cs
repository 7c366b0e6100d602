using System.Collections.Frozen;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>ICMP and ICMPv6 type names accepted in <c>icmps[].fields[].type</c>.</summary>
internal static class IcmpTypes
{
    private static readonly FrozenDictionary<string, byte> V4 = new Dictionary<string, byte>
    {
        ["EchoReply"] = 0,
        ["DestinationUnreachable"] = 3,
        ["Redirect"] = 5,
        ["Echo"] = 8,
        ["EchoRequest"] = 8,
        ["RouterAdvertisement"] = 9,
        ["RouterSelection"] = 10,
        ["RouterSolicitation"] = 10,
        ["TimeExceeded"] = 11,
        ["ParameterProblem"] = 12,
        ["Timestamp"] = 13,
        ["TimestampReply"] = 14,
        ["Photuris"] = 40,
        ["ExtendedEchoRequest"] = 42,
        ["ExtendedEchoReply"] = 43,
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, byte> V6 = new Dictionary<string, byte>
    {
        ["DestinationUnreachable"] = 1,
        ["PacketTooBig"] = 2,
        ["TimeExceeded"] = 3,
        ["ParameterProblem"] = 4,
        ["EchoRequest"] = 128,
        ["EchoReply"] = 129,
        ["MulticastListenerQuery"] = 130,
        ["MulticastListenerReport"] = 131,
        ["MulticastListenerDone"] = 132,
        ["RouterSolicitation"] = 133,
        ["RouterAdvertisement"] = 134,
        ["NeighborSolicitation"] = 135,
        ["NeighborAdvertisement"] = 136,
        ["RedirectMessage"] = 137,
        ["RouterRenumbering"] = 138,
        ["ICMPNodeInformationQuery"] = 139,
        ["ICMPNodeInformationResponse"] = 140,
        ["InverseNeighborDiscoverySolicitation"] = 141,
        ["InverseNeighborDiscoveryAdvertisement"] = 142,
        ["HomeAgentAddressDiscoveryRequest"] = 144,
        ["HomeAgentAddressDiscoveryReply"] = 145,
        ["MobilePrefixSolicitation"] = 146,
        ["MobilePrefixAdvertisement"] = 147,
        ["DuplicateAddressRequestCodeSuffix"] = 157,
        ["DuplicateAddressConfirmationCodeSuffix"] = 158,
        ["ExtendedEchoRequest"] = 160,
        ["ExtendedEchoReply"] = 161,
    }.ToFrozenDictionary();

    public static bool TryResolve(IcmpFamily family, string name, out byte type) =>
        (family == IcmpFamily.IPv4 ? V4 : V6).TryGetValue(name, out type);

    public static IEnumerable<string> Names(IcmpFamily family) => (family == IcmpFamily.IPv4 ? V4 : V6).Keys.Order(StringComparer.Ordinal);
}
