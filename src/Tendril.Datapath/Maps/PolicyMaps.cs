using System.Buffers.Binary;
using Tendril.Datapath.Abi;
using Tendril.Ebpf;
using Tendril.Interop;

namespace Tendril.Datapath.Maps;

/// <summary>
/// One policy map entry's key: peer identity (0 = any), direction, protocol (0 = any, then any port), and a
/// destination port prefix (16 = exactly <see cref="Port"/>; ICMP types are <c>type &lt;&lt; 8</c> with prefix 8).
/// </summary>
public readonly record struct PolicyMapKey(uint Identity, bool Egress, byte Protocol, ushort Port, byte PortPrefixLength)
{
    internal PolicyKeyAbi ToAbi()
    {
        if (Protocol == 0 && (Port != 0 || PortPrefixLength != 0))
            throw new ArgumentException($"policy key {this}: a port needs a protocol");
        if (PortPrefixLength > 16)
            throw new ArgumentException($"policy key {this}: port prefix length {PortPrefixLength} is over 16");
        ushort mask = PortPrefixLength == 0 ? (ushort)0 : (ushort)(0xffff << (16 - PortPrefixLength));
        return new PolicyKeyAbi
        {
            Prefixlen = AbiConstants.PolicyStaticPrefix + L4Prefix,
            Identity = Identity,
            Egress = Egress ? (byte)1 : (byte)0,
            Protocol = Protocol,
            Dport = BinaryPrimitives.ReverseEndianness((ushort)(Port & mask)),
        };
    }

    /// <summary>How many protocol and port bits the entry matches on (0..24).</summary>
    public byte L4Prefix => Protocol == 0 ? (byte)0 : (byte)(8 + PortPrefixLength);

    internal static PolicyMapKey FromAbi(PolicyKeyAbi abi)
    {
        int l4 = (int)(abi.Prefixlen - AbiConstants.PolicyStaticPrefix);
        return new PolicyMapKey(abi.Identity, abi.Egress != 0, abi.Protocol, BinaryPrimitives.ReverseEndianness(abi.Dport),
            (byte)Math.Max(0, l4 - 8));
    }

    public override string ToString()
    {
        string dir = Egress ? "Egress" : "Ingress";
        string peer = Identity == 0 ? "ANY" : Identity.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string l4 = Protocol == 0 ? "ANY" : PortPrefixLength == 0 ? $"ANY/{Protocol}" : PortPrefixLength == 16 ? $"{Port}/{Protocol}" : $"{Port}/{PortPrefixLength}/{Protocol}";
        return $"{dir}: {peer} {l4}";
    }
}

/// <summary>What a policy map entry decides.</summary>
public readonly record struct PolicyMapEntry(bool Deny, ushort ProxyPort = 0);

/// <summary>
/// tendril_policy, the map of per-endpoint policy maps. Each endpoint's map is created here, optionally pinned
/// (so it survives restarts), and registered under the endpoint ID.
/// </summary>
public sealed class PolicyMaps
{
    public const uint MaxEntriesPerEndpoint = 16384;

    private readonly Map<uint, uint> _outer;
    private readonly string? _pinDirectory;

    public PolicyMaps(Map outer, string? pinDirectory)
    {
        _outer = outer.As<uint, uint>();
        _pinDirectory = pinDirectory;
    }

    /// <summary>
    /// The endpoint's policy map: the pinned one if it survived a restart, or a new empty one. Registered in
    /// tendril_policy before it is returned, so the datapath sees it (an empty map = default deny both ways).
    /// </summary>
    public EndpointPolicyMap Open(ushort endpointId)
    {
        string? pin = _pinDirectory is null ? null : Path.Combine(_pinDirectory, $"policy_{endpointId:D5}");
        Map inner;
        if (pin is not null && File.Exists(pin))
        {
            inner = Map.OpenPinned(pin);
        }
        else
        {
            inner = Map.Create(new MapCreateOptions($"tendril_p{endpointId:D5}", MapType.LpmTrie,
                12, 8, MaxEntriesPerEndpoint, Map.NoPreallocFlag));
            if (pin is not null)
                inner.Pin(pin);
        }
        _outer.Update(endpointId, (uint)inner.Handle.Fd);
        return new EndpointPolicyMap(endpointId, inner);
    }

    /// <summary>Unregisters and unpins an endpoint's map; the datapath then drops its traffic (no configuration).</summary>
    public void Remove(ushort endpointId)
    {
        _outer.Delete(endpointId);
        if (_pinDirectory is not null)
            File.Delete(Path.Combine(_pinDirectory, $"policy_{endpointId:D5}"));
    }
}

/// <summary>One endpoint's policy map. Not thread-safe: one writer per endpoint.</summary>
public sealed class EndpointPolicyMap : IDisposable
{
    private readonly Map<PolicyKeyAbi, PolicyEntryAbi> _map;

    internal EndpointPolicyMap(ushort endpointId, Map map)
    {
        EndpointId = endpointId;
        Raw = map;
        _map = map.As<PolicyKeyAbi, PolicyEntryAbi>();
    }

    public ushort EndpointId { get; }

    public Map Raw { get; }

    /// <summary>
    /// Writes <paramref name="upserts"/> and removes <paramref name="deletes"/>. Refuses, before writing anything,
    /// a change that would not fit the map.
    /// </summary>
    public void Apply(IReadOnlyCollection<KeyValuePair<PolicyMapKey, PolicyMapEntry>> upserts, IReadOnlyCollection<PolicyMapKey> deletes)
    {
        var current = Read();
        int after = current.Count + upserts.Count(u => !current.ContainsKey(u.Key)) - deletes.Count(current.ContainsKey);
        if (after > Raw.MaxEntries)
            throw new InvalidOperationException($"policy of endpoint {EndpointId} needs {after} map entries; the map holds {Raw.MaxEntries}. Nothing was changed.");
        var abiUpserts = upserts.Select(u => (Key: u.Key.ToAbi(), Value: ToAbi(u.Key, u.Value))).ToList();
        var abiDeletes = deletes.Select(d => d.ToAbi()).ToList();
        // Adds before deletes: a key moving between allow and deny is never briefly absent (absent = default deny).
        foreach (var (key, value) in abiUpserts)
            _map.Update(key, value);
        foreach (var key in abiDeletes)
            _map.Delete(key);
    }

    /// <summary>Replaces the whole content with <paramref name="entries"/>, writing only the differences.</summary>
    public void Sync(IReadOnlyDictionary<PolicyMapKey, PolicyMapEntry> entries)
    {
        var current = Read();
        var upserts = entries.Where(e => !current.TryGetValue(e.Key, out var v) || v != e.Value).ToList();
        var deletes = current.Keys.Where(k => !entries.ContainsKey(k)).ToList();
        Apply(upserts, deletes);
    }

    public Dictionary<PolicyMapKey, PolicyMapEntry> Read() =>
        _map.Entries().ToDictionary(e => PolicyMapKey.FromAbi(e.Key), e => new PolicyMapEntry((e.Value.Flags & AbiConstants.PolicyDenyFlag) != 0,
            BinaryPrimitives.ReverseEndianness(e.Value.ProxyPort)));

    public void Dispose() => Raw.Dispose();

    private static PolicyEntryAbi ToAbi(PolicyMapKey key, PolicyMapEntry entry) => new()
    {
        ProxyPort = BinaryPrimitives.ReverseEndianness(entry.ProxyPort),
        Flags = entry.Deny ? AbiConstants.PolicyDenyFlag : (byte)0,
        L4Prefix = key.L4Prefix,
    };
}
