using Google.Protobuf.WellKnownTypes;
using Tendril.Cli.Observe;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;

namespace Tendril.Cli.Tests;

/// <summary>Each output format of <c>tendril observe</c>, from hand-built flows of the Star Wars demo.</summary>
public sealed class FlowPrinterTests
{
    private const string DroppedLine =
        "May  4 13:23:47.852: default/xwing:42818 (ID:22654) <> default/deathstar:80 (ID:16530) Policy denied DROPPED (TCP Flags: SYN)";

    [Fact]
    public void Compact_DroppedSyn_HubbleLine()
    {
        Assert.Equal([DroppedLine], Print(new PrinterOptions(), DroppedSyn()));
    }

    [Fact]
    public void Compact_PolicyVerdict_MatchDirectionAndDenied()
    {
        var flow = DroppedSyn();
        flow.EventType = new CiliumEventType { Type = 5 };
        Assert.Equal(
            ["May  4 13:23:47.852: default/xwing:42818 (ID:22654) <> default/deathstar:80 (ID:16530) policy-verdict:none INGRESS DENIED (TCP Flags: SYN)"],
            Print(new PrinterOptions(), flow));

        flow.Verdict = Verdict.Forwarded;
        flow.PolicyMatchType = 2;
        flow.TrafficDirection = TrafficDirection.Egress;
        Assert.Contains(" policy-verdict:L3-L4 EGRESS ALLOWED (", Print(new PrinterOptions(), flow)[0]);
    }

    [Fact]
    public void Compact_DenyPolicyDrop_DenylistText()
    {
        var flow = DroppedSyn();
        flow.EventType.SubType = 181;
        Assert.Contains(" Policy denied by denylist DROPPED ", Print(new PrinterOptions(), flow)[0]);
    }

    [Fact]
    public void Compact_Reply_ClientOnTheLeftArrowBack()
    {
        var reply = new Flow
        {
            Time = Time(),
            Verdict = Verdict.Forwarded,
            IP = new IP { Source = "10.0.0.89", Destination = "10.0.0.30", IpVersion = IPVersion.Ipv4 },
            L4 = new Layer4 { TCP = new TCP { SourcePort = 80, DestinationPort = 42818, Flags = new TCPFlags { ACK = true } } },
            Source = new Endpoint { Identity = 16530, Namespace = "default", PodName = "deathstar" },
            Destination = new Endpoint { Identity = 22654, Namespace = "default", PodName = "xwing" },
            EventType = new CiliumEventType { Type = 4, SubType = 0 },
            IsReply = true,
            Summary = "TCP Flags: ACK",
        };
        Assert.Equal(
            ["May  4 13:23:47.852: default/xwing:42818 (ID:22654) <- default/deathstar:80 (ID:16530) to-endpoint FORWARDED (TCP Flags: ACK)"],
            Print(new PrinterOptions(), reply));
    }

    [Fact]
    public void Compact_WorldSource_IpAndReservedName()
    {
        var flow = new Flow
        {
            Time = Time(),
            Verdict = Verdict.Forwarded,
            IP = new IP { Source = "10.43.3.140", Destination = "10.0.0.89" },
            L4 = new Layer4 { UDP = new UDP { SourcePort = 56588, DestinationPort = 53 } },
            Source = new Endpoint { Identity = 2 },
            Destination = new Endpoint { Identity = 16530, Namespace = "kube-system", PodName = "coredns" },
            EventType = new CiliumEventType { Type = 4, SubType = 11 },
            IsReply = false,
            NodeName = "kind-worker",
            Summary = "UDP",
        };
        Assert.Equal(
            ["May  4 13:23:47.852 [kind-worker]: 10.43.3.140:56588 (world) -> kube-system/coredns:53 (ID:16530) to-network FORWARDED (UDP)"],
            Print(new PrinterOptions { PrintNodeName = true }, flow));
        Assert.Equal(
            ["May  4 13:23:47.852: 10.43.3.140:56588 (ID:2) -> 10.0.0.89:53 (ID:16530) to-network FORWARDED (UDP)"],
            Print(new PrinterOptions { Numeric = true }, flow));
    }

    [Fact]
    public void Compact_Ipv6WithPort_Bracketed()
    {
        var flow = DroppedSyn();
        flow.Source = new Endpoint { Identity = 2 };
        flow.IP.Source = "fd00::1";
        Assert.StartsWith("May  4 13:23:47.852: [fd00::1]:42818 (world) <> ", Print(new PrinterOptions(), flow)[0]);
    }

    [Fact]
    public void Compact_ControlCharactersInNames_Escaped()
    {
        var flow = DroppedSyn();
        flow.Source.PodName = "evil\e[2J";
        Assert.Contains("default/evil^[[2J:42818", Print(new PrinterOptions(), flow)[0]);
    }

    [Fact]
    public void Compact_ColorAlways_VerdictRed_ColorNever_Plain()
    {
        Assert.Contains("\e[31mDROPPED\e[0m", Print(new PrinterOptions { Color = true }, DroppedSyn())[0]);
        Assert.DoesNotContain("\e[", Print(new PrinterOptions { Color = false }, DroppedSyn())[0]);
        Assert.DoesNotContain("\e[", string.Join("\n", Print(new PrinterOptions { Color = true, Output = FlowOutput.Table }, DroppedSyn())));
    }

    [Fact]
    public void Compact_LostEvents_EventsLostLine()
    {
        var lost = new GetFlowsResponse { LostEvents = new LostEvent { Source = LostEventSource.HubbleRingBuffer, NumEventsLost = 1, Cpu = 0 } };
        Assert.Equal(["EVENTS LOST: HUBBLE_RING_BUFFER CPU(0) 1"], Print(new PrinterOptions(), lost));
    }

    [Fact]
    public void Json_ProtoFieldNamesEnumNames_OneLine()
    {
        var lines = Print(new PrinterOptions { Output = FlowOutput.Json }, DroppedSyn());
        var line = Assert.Single(lines);
        Assert.StartsWith("{\"flow\":{\"time\":\"2024-05-04T13:23:47.852Z\",\"verdict\":\"DROPPED\",\"drop_reason\":133,", line);
        Assert.Contains("\"IP\":{\"source\":\"10.0.0.30\",\"destination\":\"10.0.0.89\",\"ipVersion\":\"IPv4\"}", line);
        Assert.Contains("\"l4\":{\"TCP\":{\"source_port\":42818,\"destination_port\":80,\"flags\":{\"SYN\":true}}}", line);
        Assert.Contains("\"source\":{\"identity\":22654,\"namespace\":\"default\",\"pod_name\":\"xwing\"}", line);
        Assert.Contains("\"Type\":\"L3_L4\"", line);
        Assert.Contains("\"event_type\":{\"type\":1,\"sub_type\":133}", line);
        Assert.Contains("\"traffic_direction\":\"INGRESS\"", line);
        Assert.Contains("\"drop_reason_desc\":\"POLICY_DENIED\"", line);
        Assert.EndsWith("\"Summary\":\"TCP Flags: SYN\"},\"node_name\":\"kind-worker\"}", line);
    }

    [Fact]
    public void Dict_TwoFlows_KeyedBlocksWithSeparator()
    {
        var reply = DroppedSyn();
        reply.Verdict = Verdict.Forwarded;
        reply.EventType = new CiliumEventType { Type = 4, SubType = 5 };
        Assert.Equal(
        [
            "  TIMESTAMP: May  4 13:23:47.852",
            "       NODE: kind-worker",
            "     SOURCE: default/xwing:42818",
            "DESTINATION: default/deathstar:80",
            "       TYPE: Policy denied",
            "    VERDICT: DROPPED",
            "    SUMMARY: TCP Flags: SYN",
            "------------",
            "  TIMESTAMP: May  4 13:23:47.852",
            "       NODE: kind-worker",
            "     SOURCE: default/xwing:42818",
            "DESTINATION: default/deathstar:80",
            "       TYPE: from-endpoint",
            "    VERDICT: FORWARDED",
            "    SUMMARY: TCP Flags: SYN",
        ], Print(new PrinterOptions { Output = FlowOutput.Dict, PrintNodeName = true }, DroppedSyn(), reply));
    }

    [Fact]
    public void Table_HeaderAndRows_AlignedColumns()
    {
        var world = DroppedSyn();
        world.Source = new Endpoint { Identity = 2 };
        world.IP.Source = "1.2.3.4";
        Assert.Equal(
        [
            "TIMESTAMP             SOURCE                DESTINATION            TYPE            VERDICT   SUMMARY",
            "May  4 13:23:47.852   default/xwing:42818   default/deathstar:80   Policy denied   DROPPED   TCP Flags: SYN",
            "May  4 13:23:47.852   1.2.3.4:42818         default/deathstar:80   Policy denied   DROPPED   TCP Flags: SYN",
        ], Print(new PrinterOptions { Output = FlowOutput.Table }, DroppedSyn(), world));
    }

    internal static Flow DroppedSyn() => new()
    {
        Time = Time(),
        Verdict = Verdict.Dropped,
        DropReason = 133,
        IP = new IP { Source = "10.0.0.30", Destination = "10.0.0.89", IpVersion = IPVersion.Ipv4 },
        L4 = new Layer4 { TCP = new TCP { SourcePort = 42818, DestinationPort = 80, Flags = new TCPFlags { SYN = true } } },
        Source = new Endpoint { Identity = 22654, Namespace = "default", PodName = "xwing" },
        Destination = new Endpoint { Identity = 16530, Namespace = "default", PodName = "deathstar" },
        Type = FlowType.L3L4,
        NodeName = "kind-worker",
        EventType = new CiliumEventType { Type = 1, SubType = 133 },
        TrafficDirection = TrafficDirection.Ingress,
        DropReasonDesc = DropReason.PolicyDenied,
        Summary = "TCP Flags: SYN",
    };

    internal static Timestamp Time() =>
        Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 4, 13, 23, 47, 852, TimeSpan.Zero));

    private static string[] Print(PrinterOptions options, params Flow[] flows) =>
        Print(options, flows.Select(f => new GetFlowsResponse { Flow = f, NodeName = f.NodeName }).ToArray());

    private static string[] Print(PrinterOptions options, params GetFlowsResponse[] responses)
    {
        var output = new StringWriter();
        var printer = new FlowPrinter(output, TextWriter.Null, options);
        foreach (var response in responses)
            printer.Write(response);
        printer.Flush();
        return output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }
}
