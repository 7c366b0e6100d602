using System.CommandLine;
using Tendril.Cli.Output;

namespace Tendril.Cli.Commands;

/// <summary><c>tendril endpoint list|get ID</c>.</summary>
internal static class EndpointCommand
{
    private static readonly (string, string)[] Columns =
    [
        ("ENDPOINT", "id"), ("NAME", "name"), ("NAMESPACE", "namespace"), ("IDENTITY", "identity"), ("LABELS", "identityLabels"),
        ("IPv4", "ipv4"), ("POLICY (ingress) ENFORCEMENT", "ingressEnforced"), ("POLICY (egress) ENFORCEMENT", "egressEnforced"), ("STATUS", "state"),
    ];

    public static Command Create()
    {
        var command = new Command("endpoint", "Local endpoints (pods) managed by the agent");
        var list = new Command("list", "List endpoints");
        list.SetAgentAction(async (parse, client) =>
        {
            AgentCommand.Print(parse, await client.GetJsonAsync("endpoints"), Columns);
            return 0;
        });
        var id = new Argument<int>("id") { Description = "Endpoint ID" };
        var get = new Command("get", "Show one endpoint") { id };
        get.SetAgentAction(async (parse, client) =>
        {
            var endpoint = await client.GetJsonAsync($"endpoints/{parse.GetValue(id)}");
            AgentCommand.Print(parse, endpoint, [.. Columns, ("DEVICE", "hostDevice"), ("MAC", "mac")]);
            return 0;
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(get);
        return command;
    }
}
