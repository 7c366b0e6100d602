using Tendril.Cli.Commands;
using Tendril.Hubble.Api.Observer;
using Tendril.Hubble.Api.Relay;

namespace Tendril.Cli.Tests;

/// <summary>The text of <c>tendril hubble status</c> and <c>tendril hubble list</c>.</summary>
public sealed class HubbleCommandTests
{
    [Fact]
    public void WriteStatus_SingleNode_HubbleLines()
    {
        var status = new ServerStatusResponse
        {
            NumFlows = 1234,
            MaxFlows = 4095,
            SeenFlows = 98765,
            UptimeNs = 60_000_000_000,
            FlowsRate = 12.345,
            NumConnectedNodes = 1,
            NumUnavailableNodes = 0,
        };
        var output = new StringWriter();
        HubbleCommand.WriteStatus(output, status, "unix:///var/run/tendril/hubble.sock");
        Assert.Equal(
            """
            Healthcheck (via unix:///var/run/tendril/hubble.sock): Ok
            Current/Max Flows: 1,234/4,095 (30.13%)
            Flows/s: 12.35
            Connected Nodes: 1/1

            """.ReplaceLineEndings(), output.ToString());
    }

    [Fact]
    public void WriteNodes_ConnectedNode_AgeRateAndBuffer()
    {
        var nodes = new GetNodesResponse();
        nodes.Nodes.Add(new Node { Name = "kind-worker", State = NodeState.NodeConnected, UptimeNs = 130_000_000_000, SeenFlows = 260, NumFlows = 260, MaxFlows = 4095 });
        var output = new StringWriter();
        HubbleCommand.WriteNodes(output, nodes);
        Assert.Equal(
            """
            NAME          STATUS      AGE     FLOWS/S   CURRENT/MAX-FLOWS
            kind-worker   Connected   2m10s   2.00      260/4095 (  6.35%)

            """.ReplaceLineEndings(), output.ToString());
    }
}
