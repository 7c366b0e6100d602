using System.CommandLine;
using System.Text.Json;
using Tendril.Cli.Output;

namespace Tendril.Cli.Commands;

/// <summary><c>tendril identity list|get ID</c>.</summary>
internal static class IdentityCommand
{
    public static Command Create()
    {
        var command = new Command("identity", "Security identities: label sets and their numbers");
        var list = new Command("list", "List identities");
        list.SetAgentAction(async (parse, client) =>
        {
            AgentCommand.Print(parse, await client.GetJsonAsync("identities"), ("ID", "id"), ("LABELS", "labels"), ("ENDPOINTS", "endpoints"));
            return 0;
        });
        var id = new Argument<uint>("id") { Description = "Identity number" };
        var get = new Command("get", "Show one identity") { id };
        get.SetAgentAction(async (parse, client) =>
        {
            var all = await client.GetJsonAsync("identities");
            var match = all.EnumerateArray().Where(i => i.GetProperty("id").GetUInt32() == parse.GetValue(id)).ToList();
            if (match.Count == 0)
                throw new InvalidOperationException($"identity {parse.GetValue(id)} is not known to this agent");
            AgentCommand.Print(parse, JsonSerializer.SerializeToElement(match), ("ID", "id"), ("LABELS", "labels"), ("ENDPOINTS", "endpoints"));
            return 0;
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(get);
        return command;
    }
}
