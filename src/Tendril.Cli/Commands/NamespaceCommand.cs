using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Tendril.Cli.Output;

namespace Tendril.Cli.Commands;

/// <summary>
/// <c>tendril namespace create NAME [--label k=v] | label NAME k=v k2- | list</c>: namespaces and their labels,
/// which become part of their pods' identities (for namespaceSelector).
/// </summary>
internal static class NamespaceCommand
{
    public static Command Create()
    {
        var command = new Command("namespace", "Namespaces and their labels");
        var name = new Argument<string>("name") { Description = "Namespace name" };
        var labels = new Option<string[]>("--label", "-l") { Description = "A label key=value (repeatable)" };
        var create = new Command("create", "Create a namespace (or set labels on an existing one)") { name, labels };
        create.SetAgentAction(async (parse, client) => await PutAsync(parse, client, parse.GetValue(name)!, Changes(parse.GetValue(labels) ?? [])));

        var labelName = new Argument<string>("name") { Description = "Namespace name" };
        var changes = new Argument<string[]>("labels") { Description = "key=value to set, key- to remove", Arity = ArgumentArity.OneOrMore };
        var label = new Command("label", "Set or remove namespace labels") { labelName, changes };
        label.SetAgentAction(async (parse, client) => await PutAsync(parse, client, parse.GetValue(labelName)!, Changes(parse.GetValue(changes) ?? [])));

        var list = new Command("list", "List namespaces");
        list.SetAgentAction(async (parse, client) =>
        {
            AgentCommand.Print(parse, await client.GetJsonAsync("namespaces"), ("NAME", "name"), ("LABELS", "labels"));
            return 0;
        });
        command.Subcommands.Add(create);
        command.Subcommands.Add(label);
        command.Subcommands.Add(list);
        return command;
    }

    private static async Task<int> PutAsync(ParseResult parse, Tendril.Api.AgentClient client, string name, Dictionary<string, string?> changes)
    {
        var body = JsonContent.Create(changes, JsonContext.Default.DictionaryStringString);
        var result = await client.SendJsonAsync(HttpMethod.Put, $"namespaces/{Uri.EscapeDataString(name)}", body);
        AgentCommand.Print(parse, result, ("NAME", "name"), ("LABELS", "labels"));
        return 0;
    }

    private static Dictionary<string, string?> Changes(IEnumerable<string> items)
    {
        var result = new Dictionary<string, string?>();
        foreach (var item in items)
        {
            if (item.EndsWith('-') && !item.Contains('='))
                result[item[..^1]] = null;
            else if (item.IndexOf('=') is > 0 and var eq)
                result[item[..eq]] = item[(eq + 1)..];
            else
                throw new ArgumentException($"'{item}' must be key=value (set) or key- (remove)");
        }
        return result;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class JsonContext : System.Text.Json.Serialization.JsonSerializerContext;
