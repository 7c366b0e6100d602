using System.CommandLine;
using Spectre.Console;
using Tendril.Cli.Output;

namespace Tendril.Cli.Commands;

/// <summary><c>tendril policy import FILE|- | get | delete KIND/NAMESPACE/NAME | selectors</c>.</summary>
internal static class PolicyCommand
{
    public static Command Create()
    {
        var command = new Command("policy", "Network policy: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and NetworkPolicy");

        var file = new Argument<string>("file") { Description = "YAML or JSON file, multi-document allowed; - for stdin" };
        var import = new Command("import", "Import policies (all or nothing)") { file };
        import.SetAgentAction(async (parse, client) =>
        {
            string path = parse.GetValue(file)!;
            string text = path == "-" ? await Console.In.ReadToEndAsync() : await File.ReadAllTextAsync(path);
            var result = await client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent(text));
            if (parse.GetValue(OutputOptions.Format) == OutputFormat.Json)
            {
                AgentCommand.Print(parse, result);
                return 0;
            }
            AnsiConsole.MarkupLine($"Imported {result.GetProperty("rules")} rule(s). Revision: {result.GetProperty("revision")}");
            foreach (var l7 in result.GetProperty("notEnforced").EnumerateArray())
                AnsiConsole.MarkupLine($"[yellow]Not enforced yet (L7):[/] {Markup.Escape(l7.GetString() ?? "")}");
            return 0;
        });

        var get = new Command("get", "Show the imported rules");
        get.SetAgentAction(async (parse, client) =>
        {
            var policies = await client.GetJsonAsync("policies");
            AgentCommand.Print(parse, policies.GetProperty("rules"), ("POLICY", "policy"), ("ENDPOINT SELECTOR", "endpointSelector"),
                ("INGRESS", "ingress"), ("INGRESS DENY", "ingressDeny"), ("EGRESS", "egress"), ("EGRESS DENY", "egressDeny"), ("NOT ENFORCED (L7)", "notEnforced"));
            if (parse.GetValue(OutputOptions.Format) != OutputFormat.Json)
                AnsiConsole.MarkupLine($"Revision: {policies.GetProperty("revision")}");
            return 0;
        });

        var name = new Argument<string>("policy") { Description = "KIND/NAMESPACE/NAME, e.g. CiliumNetworkPolicy/default/rule1 (CiliumClusterwideNetworkPolicy/NAME)" };
        var delete = new Command("delete", "Delete a policy") { name };
        delete.SetAgentAction(async (parse, client) =>
        {
            var parts = parse.GetValue(name)!.Split('/');
            string path = parts.Length switch
            {
                3 => $"policies/{parts[0]}/{parts[1]}/{parts[2]}",
                2 => $"policies/{parts[0]}/-/{parts[1]}",
                _ => throw new ArgumentException($"'{parse.GetValue(name)}' must be KIND/NAMESPACE/NAME or KIND/NAME"),
            };
            var result = await client.SendJsonAsync(HttpMethod.Delete, path, null);
            AnsiConsole.MarkupLine($"Deleted. Revision: {result.GetProperty("revision")}");
            return 0;
        });

        var selectors = new Command("selectors", "Selectors in use and the identities they select");
        selectors.SetAgentAction(async (parse, client) =>
        {
            AgentCommand.Print(parse, await client.GetJsonAsync("policies/selectors"), ("SELECTOR", "selector"), ("IDENTITIES", "identities"));
            return 0;
        });

        command.Subcommands.Add(import);
        command.Subcommands.Add(get);
        command.Subcommands.Add(delete);
        command.Subcommands.Add(selectors);
        return command;
    }
}
