using Google.Protobuf;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Hubble.Decoding;
using Tendril.Hubble.Filtering;
using Tendril.Hubble.Hosting;
using Tendril.Hubble.Server;
using Tendril.Hubble.Storage;

namespace Tendril.Hubble.Tests;

/// <summary>
/// The compact first pass of filters must never drop a flow the full filter keeps (the store would silently lose
/// it), and for fields it checks it must agree with the full filter exactly. Judged against the eager decoder's
/// flows for the whole record corpus.
/// </summary>
public class CompactFlowFilterTests
{
    private static readonly Lazy<IReadOnlyList<Flow>> Golden = new(() =>
        File.ReadLines(RecordCorpus.GoldenPath).Select(line => JsonParser.Default.Parse<Flow>(line)).ToList());

    private static readonly Lazy<CompactFlow[]> Compact = new(() =>
    {
        var decoder = RecordCorpus.Decoder(new CorpusResolver());
        return RecordCorpus.Records.Select(r => decoder.TryResolve(r, out var flow, out _) ? flow : throw new InvalidDataException()).ToArray();
    });

    /// <summary>Filters on every field the first pass checks, alone and combined; all of them checked exactly.</summary>
    public static TheoryData<string> CheckedFilters() =>
    [
        """{ "verdict": ["DROPPED"] }""",
        """{ "verdict": ["FORWARDED", "VERDICT_UNKNOWN"] }""",
        """{ "dropReasonDesc": ["POLICY_DENIED"] }""",
        """{ "eventType": [{ "type": 4 }] }""",
        """{ "eventType": [{ "type": 4, "matchSubType": true, "subType": 5 }, { "type": 1, "matchSubType": true, "subType": 133 }] }""",
        """{ "protocol": ["tcp"] }""",
        """{ "protocol": ["UDP", "sctp"] }""",
        """{ "protocol": ["icmp"] }""",
        """{ "protocol": ["icmpv6"] }""",
        """{ "protocol": ["dns", "vrrp"] }""",
        """{ "reply": [true] }""",
        """{ "reply": [false] }""",
        """{ "trafficDirection": ["EGRESS"] }""",
        """{ "ipVersion": ["IPv6"] }""",
        """{ "sourceIdentity": [31028, 2] }""",
        """{ "destinationIdentity": [16530] }""",
        """{ "sourceClusterName": ["east"] }""",
        """{ "sourcePod": ["default/client"] }""",
        """{ "sourcePod": ["/db"], "destinationPod": ["default/"] }""",
        """{ "destinationPod": ["web"] }""",
        """{ "sourceLabel": ["k8s:app=web"] }""",
        """{ "sourceLabel": ["reserved:world"] }""",
        """{ "destinationLabel": ["!app"] }""",
        """{ "destinationLabel": ["k8s:app in (db,client)"] }""",
        """{ "sourceService": ["default/deathstar"] }""",
        """{ "destinationService": ["kube-system/", "default/death"] }""",
        """{ "destinationPort": ["PORT_TCP"] }""",
        """{ "sourcePort": ["PORT_UDP"] }""",
        """{ "tcpFlags": [{ "SYN": true }] }""",
        """{ "tcpFlags": [{ "SYN": true, "ACK": true }, { "FIN": true }] }""",
        """{ "tcpFlags": [{ "NS": true }] }""",
        """{ "interface": [{ "index": 7 }] }""",
        """{ "interface": [{ "name": "lxc13" }, { "index": 9, "name": "" }] }""",
        """{ "sourceIp": ["10.0.0.30"] }""",
        """{ "sourceIp": ["10.0.0.0/8", "fd00::/16"] }""",
        """{ "destinationIp": ["1.1.1.1/32", "2001:db8::1", "192.168.0.0/17"] }""",
        """{ "verdict": ["DROPPED"], "sourcePod": ["default/"], "protocol": ["tcp"] }""",
        """{ "protocol": ["udp", "tcp"], "sourcePort": ["PORT_UDP"] }""",
    ];

    /// <summary>Filters with fields the first pass leaves to the full filter.</summary>
    public static TheoryData<string> PartlyCheckedFilters() =>
    [
        """{ "nodeName": ["node-b"], "verdict": ["DROPPED"] }""",
        """{ "sourceWorkload": [{ "name": "x" }], "sourcePod": ["default/"] }""",
        """{ "encrypted": [true], "protocol": ["udp"] }""",
    ];

    private static FlowFilter Parse(string json)
    {
        // Ports are taken from the corpus so that the port filters match something.
        var tcp = Golden.Value.First(g => g.L4?.TCP is not null).L4.TCP.DestinationPort;
        var udp = Golden.Value.First(g => g.L4?.UDP is not null).L4.UDP.SourcePort;
        return JsonParser.Default.Parse<FlowFilter>(json.Replace("PORT_TCP", tcp.ToString()).Replace("PORT_UDP", udp.ToString()));
    }

    [Theory]
    [MemberData(nameof(CheckedFilters))]
    public void Compile_CheckedFields_AgreesWithTheFullFilterOnEveryFlow(string json)
    {
        var filter = Parse(json);
        var full = FlowFilterCompiler.Compile(filter);
        var first = CompactFlowFilter.Compile(filter);

        Assert.NotNull(first);
        var disagreements = Enumerable.Range(0, RecordCorpus.Count)
            .Where(i => first(in Compact.Value[i]) != full(Golden.Value[i])).ToList();
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} flows judged differently, first {Golden.Value[disagreements.FirstOrDefault()]}");
    }

    [Theory]
    [MemberData(nameof(PartlyCheckedFilters))]
    public void Compile_UncheckedFields_NeverRejectsAFlowTheFullFilterKeeps(string json)
    {
        var filter = Parse(json);
        var full = FlowFilterCompiler.Compile(filter);
        var first = CompactFlowFilter.Compile(filter)!;

        Assert.DoesNotContain(Enumerable.Range(0, RecordCorpus.Count), i => full(Golden.Value[i]) && !first(in Compact.Value[i]));
        // It still narrows: the checked field alone rejects some flows.
        Assert.Contains(Enumerable.Range(0, RecordCorpus.Count), i => !first(in Compact.Value[i]));
    }

    [Fact]
    public void Compile_NothingToCheck_IsNull()
    {
        Assert.Null(CompactFlowFilter.Compile([]));
        Assert.Null(CompactFlowFilter.Compile(new FlowFilter { Uuid = { "f00" } }));
        Assert.Null(CompactFlowFilter.Compile([new FlowFilter { Verdict = { Verdict.Dropped } }, new FlowFilter { NodeName = { "node-a" } }]));
    }

    [Fact]
    public void Compile_TwoFilters_EitherMayMatch()
    {
        var first = CompactFlowFilter.Compile([new FlowFilter { Verdict = { Verdict.Dropped } }, new FlowFilter { Protocol = { "udp" } }])!;

        var expected = Enumerable.Range(0, RecordCorpus.Count)
            .Select(i => Golden.Value[i].Verdict == Verdict.Dropped || Golden.Value[i].L4?.UDP is not null);
        Assert.Equal(expected, Compact.Value.Select(c => first(in c)));
    }

    public static TheoryData<string, ulong, bool> Requests() => new()
    {
        { """{ "whitelist": [{ "verdict": ["DROPPED"] }] }""", 0, false },
        { """{ "whitelist": [{ "verdict": ["DROPPED"] }] }""", 7, false },
        { """{ "whitelist": [{ "protocol": ["udp"] }, { "sourcePod": ["data/"] }], "blacklist": [{ "reply": [true] }] }""", 10, false },
        { """{ "whitelist": [{ "destinationIp": ["10.0.0.0/24"], "nodeName": ["node-a"] }] }""", 3, true },
        { """{ "whitelist": [{ "tcpFlags": [{ "SYN": true }] }] }""", 0, true },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Query_WithFirstPass_ReturnsWhatTheFullFilterAloneReturns(string json, ulong number, bool first)
    {
        var observer = new HubbleObserver(new HubbleOptions { NodeName = "node-a", BufferCapacity = 511, UnixSocketPath = "/tmp/unused.sock" },
            new CorpusResolver(), new ManualTimeProvider(RecordCorpus.Now, RecordCorpus.MonotonicNow));
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);
        var request = JsonParser.Default.Parse<GetFlowsRequest>(json);
        request.Number = number;
        request.First = first;
        var query = ObserverService.ToQuery(request);
        Assert.NotNull(query.Prefilter);

        var withFirstPass = await ReadAll(observer.Store, query);
        var fullOnly = await ReadAll(observer.Store, query with { Prefilter = null });

        Assert.NotEmpty(fullOnly);
        Assert.Equal(fullOnly.Select(e => e.Sequence), withFirstPass.Select(e => e.Sequence));
        Assert.Equal(fullOnly.Select(e => e.Flow), withFirstPass.Select(e => e.Flow));
    }

    [Fact]
    public void ToQuery_BlacklistOnly_HasNoFirstPass()
    {
        var query = ObserverService.ToQuery(new GetFlowsRequest { Blacklist = { new FlowFilter { Verdict = { Verdict.Dropped } } } });

        Assert.NotNull(query.Predicate);
        Assert.Null(query.Prefilter);
    }

    private static async Task<List<StoredEvent>> ReadAll(FlowStore store, FlowQuery query)
    {
        var events = new List<StoredEvent>();
        await foreach (var ev in store.Query(query))
            events.Add(ev);
        return events;
    }
}
