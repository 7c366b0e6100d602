using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Tendril.Api;

namespace Tendril.Cli.Output;

/// <summary>Shared plumbing of commands that talk to the agent: the socket option, errors, JSON or a table.</summary>
internal static class AgentCommand
{
    public static readonly Option<string?> Socket = new("--socket")
    {
        Description = $"The agent's API socket (default {AgentClient.DefaultSocket}, or $TENDRIL_SOCK)",
        Recursive = true,
    };

    /// <summary>Runs <paramref name="action"/> with a client; agent errors become one red line and exit code 1.</summary>
    public static void SetAgentAction(this Command command, Func<ParseResult, AgentClient, Task<int>> action) =>
        command.SetAction(async (parse, token) =>
        {
            using var client = new AgentClient(parse.GetValue(Socket));
            try
            {
                return await action(parse, client);
            }
            catch (Exception e) when (e is AgentException or AgentUnavailableException or ArgumentException or InvalidOperationException)
            {
                AnsiConsole.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
        });

    /// <summary>Prints raw JSON as-is for -o json, or as a table of the given columns.</summary>
    public static void Print(ParseResult parse, JsonElement rows, params (string Header, string Property)[] columns)
    {
        if (parse.GetValue(OutputOptions.Format) == OutputFormat.Json || columns.Length == 0)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, Indented));
            return;
        }
        var table = new Table().Border(TableBorder.Simple);
        foreach (var (header, _) in columns)
            table.AddColumn(header);
        foreach (var row in rows.ValueKind == JsonValueKind.Array ? rows.EnumerateArray() : Enumerable.Repeat(rows, 1))
            table.AddRow(columns.Select(c => Markup.Escape(Text(row, c.Property))).ToArray());
        AnsiConsole.Write(table);
    }

    public static string Text(JsonElement row, string property)
    {
        if (!row.TryGetProperty(property, out var value))
            return "";
        return value.ValueKind switch
        {
            JsonValueKind.Array => string.Join(Environment.NewLine, value.EnumerateArray().Select(v => v.ToString())),
            JsonValueKind.Object => string.Join(Environment.NewLine, value.EnumerateObject().Select(p => $"{p.Name}={p.Value}")),
            _ => value.ToString(),
        };
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
