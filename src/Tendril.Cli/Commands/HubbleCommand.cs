using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Tendril.Cli.Observe;
using Tendril.Cli.Output;
using Tendril.Hubble.Api.Observer;
using Tendril.Hubble.Api.Relay;

namespace Tendril.Cli.Commands;

/// <summary>
/// <c>tendril hubble status | list nodes | list namespaces</c>: the one-shot Observer calls, printed like
/// <c>hubble status</c> and <c>hubble list</c>, or as proto JSON with <c>-o json</c>.
/// </summary>
/// <remarks>
/// "Healthcheck … Ok" means the ServerStatus call succeeded; unlike hubble, the gRPC health service is not queried
/// separately (the CLI carries no health-check client).
/// </remarks>
internal static class HubbleCommand
{
    public static Command Create()
    {
        var command = new Command("hubble", "The Hubble API: server status, nodes and namespaces (flows: tendril observe)");
        command.Options.Add(HubbleConnection.Server);
        command.Options.Add(HubbleConnection.Timeout);

        var status = new Command("status", "Flow buffer use, flow rate and connected nodes");
        SetHubbleAction(status, async (parse, client, server, options) =>
        {
            var response = await client.ServerStatusAsync(new ServerStatusRequest(), options);
            if (Json(parse))
                Console.WriteLine(ProtoJson.Format(response));
            else
                WriteStatus(Console.Out, response, server);
        });

        var nodes = new Command("nodes", "Nodes that serve flows");
        SetHubbleAction(nodes, async (parse, client, _, options) =>
        {
            var response = await client.GetNodesAsync(new GetNodesRequest(), options);
            if (Json(parse))
                Console.WriteLine(ProtoJson.Format(response));
            else
                WriteNodes(Console.Out, response);
        });

        var namespaces = new Command("namespaces", "Namespaces seen in flows during the last hour");
        SetHubbleAction(namespaces, async (parse, client, _, options) =>
        {
            var response = await client.GetNamespacesAsync(new GetNamespacesRequest(), options);
            if (Json(parse))
                Console.WriteLine(ProtoJson.Format(response));
            else
                WriteNamespaces(Console.Out, response);
        });

        var list = new Command("list", "List nodes or namespaces") { nodes, namespaces };
        command.Subcommands.Add(status);
        command.Subcommands.Add(list);
        return command;
    }

    /// <summary>hubble status's text: health, buffer use, flow rate, connected (and unavailable) nodes.</summary>
    internal static void WriteStatus(TextWriter writer, ServerStatusResponse status, string server)
    {
        writer.WriteLine($"Healthcheck (via {server}): Ok");
        string ratio = status.MaxFlows > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({100.0 * status.NumFlows / status.MaxFlows:F2}%)") : "";
        writer.WriteLine($"Current/Max Flows: {Grouped(status.NumFlows)}/{Grouped(status.MaxFlows)}{ratio}");
        double uptimeSeconds = status.UptimeNs / 1e9;
        string rate = status.FlowsRate > 0 ? status.FlowsRate.ToString("F2", CultureInfo.InvariantCulture)
            : uptimeSeconds > 0 ? (status.SeenFlows / uptimeSeconds).ToString("F2", CultureInfo.InvariantCulture)
            : "N/A";
        writer.WriteLine($"Flows/s: {rate}");
        if (status.NumConnectedNodes is { } connected)
        {
            string total = status.NumUnavailableNodes is { } unavailableCount ? $"/{connected + unavailableCount}" : "";
            writer.WriteLine($"Connected Nodes: {connected}{total}");
        }
        if (status.NumUnavailableNodes is > 0 and var unavailable)
        {
            var names = status.UnavailableNodes.Order(StringComparer.Ordinal).ToList();
            if (unavailable > names.Count)
                names.Add($"and {unavailable - names.Count} more...");
            writer.WriteLine($"Unavailable Nodes: {unavailable}");
            foreach (var name in names)
                writer.WriteLine($"  - {name}");
        }
    }

    /// <summary>hubble list nodes's table: NAME, STATUS, AGE, FLOWS/S, CURRENT/MAX-FLOWS.</summary>
    internal static void WriteNodes(TextWriter writer, GetNodesResponse response)
    {
        var table = new TableWriter(writer);
        table.AddRow("NAME", "STATUS", "AGE", "FLOWS/S", "CURRENT/MAX-FLOWS");
        foreach (var node in response.Nodes)
        {
            string age = "N/A", rate = "N/A", flows = "N/A";
            long uptimeSeconds = (long)(node.UptimeNs / 1_000_000_000);
            if (node.State == NodeState.NodeConnected)
            {
                if (uptimeSeconds > 0)
                {
                    age = GoDuration(uptimeSeconds);
                    rate = ((double)node.SeenFlows / uptimeSeconds).ToString("F2", CultureInfo.InvariantCulture);
                }
                if (node.MaxFlows > 0)
                    flows = string.Create(CultureInfo.InvariantCulture, $"{node.NumFlows}/{node.MaxFlows} ({100.0 * node.NumFlows / node.MaxFlows,6:F2}%)");
            }
            string state = node.State switch
            {
                NodeState.NodeConnected => "Connected",
                NodeState.NodeUnavailable => "Unavailable",
                NodeState.NodeGone => "Gone",
                NodeState.NodeError => "Error",
                _ => "Unknown",
            };
            table.AddRow(FlowFormatter.Clean(node.Name), state, age, rate, flows);
        }
        table.Flush();
    }

    /// <summary>hubble list namespaces's table; the CLUSTER column only when some namespace has a cluster.</summary>
    internal static void WriteNamespaces(TextWriter writer, GetNamespacesResponse response)
    {
        var table = new TableWriter(writer);
        bool clusters = response.Namespaces.Any(n => n.Cluster.Length > 0);
        table.AddRow(clusters ? ["CLUSTER", "NAMESPACE"] : ["NAMESPACE"]);
        foreach (var ns in response.Namespaces)
        {
            table.AddRow(clusters
                ? [FlowFormatter.Clean(ns.Cluster), FlowFormatter.Clean(ns.Namespace_)]
                : [FlowFormatter.Clean(ns.Namespace_)]);
        }
        table.Flush();
    }

    private static bool Json(ParseResult parse) => parse.GetValue(OutputOptions.Format) == OutputFormat.Json;

    private static string Grouped(ulong n) => n.ToString("N0", CultureInfo.InvariantCulture);

    // Go's Duration.String() for whole seconds: 45s, 2m10s, 3h0m5s.
    private static string GoDuration(long seconds) =>
        seconds >= 3600 ? $"{seconds / 3600}h{seconds % 3600 / 60}m{seconds % 60}s"
        : seconds >= 60 ? $"{seconds / 60}m{seconds % 60}s"
        : $"{seconds}s";

    private static void SetHubbleAction(Command command, Func<ParseResult, Observer.ObserverClient, string, CallOptions, Task> action) =>
        command.SetAction(async (parse, token) =>
        {
            string server = parse.GetValue(HubbleConnection.Server) ?? HubbleConnection.DefaultServer;
            try
            {
                var timeout = HubbleConnection.TimeoutOf(parse);
                using var channel = HubbleConnection.Open(server, timeout);
                var options = new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: token);
                await action(parse, new Observer.ObserverClient(channel), server, options);
                return 0;
            }
            catch (FlagException e)
            {
                await Console.Error.WriteLineAsync($"Error: {e.Message}");
                return 1;
            }
            catch (RpcException e)
            {
                await Console.Error.WriteLineAsync($"Error: {HubbleConnection.Describe(e, server)}");
                return 1;
            }
        });
}
