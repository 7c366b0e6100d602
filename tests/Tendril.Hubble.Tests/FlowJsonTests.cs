using System.Text.Json.Nodes;
using Google.Protobuf;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Hubble.Decoding;

namespace Tendril.Hubble.Tests;

public class FlowJsonTests
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    [Fact]
    public void Format_DecodedDrop_UsesHubbleJsonNames()
    {
        var decoder = new FlowDecoder("node-a", ReservedOnlyEndpointResolver.Instance,
            new BootClock(new ManualTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000), 1_000_000)), "v1");
        var flow = decoder.Decode(new FlowEventBytes
        {
            Type = 1, Subtype = 133, Direction = 1, SrcIdentity = 2, DstIdentity = 16530,
            Saddr = "10.0.0.30", Daddr = "10.0.0.89", Sport = 42818, Dport = 80, Protocol = 6, TcpFlags = 0x02,
        }.Build());

        var formatted = Formatter.Format(new GetFlowsResponse { Flow = flow, NodeName = "node-a", Time = flow.Time });
        // JsonFormatter puts a space after ':' and ','; Hubble prints compact JSON, which a re-serialisation gives.
        var json = JsonNode.Parse(formatted)!.ToJsonString();

        Assert.Contains("\"IP\":{\"source\":\"10.0.0.30\",\"destination\":\"10.0.0.89\",\"ipVersion\":\"IPv4\"}", json);
        Assert.Contains("\"l4\":{\"TCP\":{\"source_port\":42818,\"destination_port\":80,\"flags\":{\"SYN\":true}}}", json);
        Assert.Contains("\"Type\":\"L3_L4\"", json);
        Assert.Contains("\"drop_reason_desc\":\"POLICY_DENIED\"", json);
        Assert.Contains("\"verdict\":\"DROPPED\"", json);
        Assert.Contains("\"traffic_direction\":\"INGRESS\"", json);
        Assert.Contains("\"event_type\":{\"type\":1,\"sub_type\":133}", json);
        Assert.Contains("\"labels\":[\"reserved:world\"]", json);
        Assert.Contains("\"Summary\":\"TCP Flags: SYN\"", json);
        Assert.Contains("\"node_name\":\"node-a\"", json);
        Assert.StartsWith("{\"flow\":{\"time\":\"2024-", json);

        var parsed = new JsonParser(JsonParser.Settings.Default).Parse<GetFlowsResponse>(json);
        Assert.Equal(flow, parsed.Flow);
    }
}
