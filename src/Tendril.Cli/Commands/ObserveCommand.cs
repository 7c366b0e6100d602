using System.CommandLine;
using System.CommandLine.Parsing;
using Grpc.Core;
using Tendril.Cli.Observe;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;

namespace Tendril.Cli.Commands;

/// <summary>Where <c>observe</c> writes, and whether stdout is a terminal (for <c>--color auto</c>). Not owned.</summary>
internal sealed record ObserveConsole(TextWriter Out, TextWriter Error, bool OutIsTerminal)
{
    public static ObserveConsole Standard => new(Console.Out, Console.Error,
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null &&
        Environment.GetEnvironmentVariable("TERM") != "dumb");
}

/// <summary>
/// <c>tendril observe</c>: flows from the Hubble API (<c>observer.Observer/GetFlows</c>) with the flags and output
/// formats of <c>hubble observe</c>. Filter flags are read in command-line order so that <c>--not</c> negates the
/// flag after it; see <see cref="FlowFilterBuilder"/> for how they combine.
/// </summary>
internal static class ObserveCommand
{
    private static readonly Option<bool> Follow = new("--follow", "-f") { Description = "Keep printing new flows as they arrive" };
    private static readonly Option<ulong?> Last = new("--last") { Description = $"The last N stored flows (default {FlowSelection.DefaultLast} unless following or given a time range)" };
    private static readonly Option<ulong?> First = new("--first") { Description = "The first N stored flows" };
    private static readonly Option<bool> All = new("--all") { Description = "Every stored flow" };
    private static readonly Option<string?> Since = new("--since") { Description = "Flows since this time: 3s, 4m, 1h43m ago, or RFC3339 / 2006-01-02" };
    private static readonly Option<string?> Until = new("--until") { Description = "Flows until this time (same syntax as --since; ignored with --follow)" };
    private static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Output format: compact, dict, table, json or jsonpb",
        DefaultValueFactory = _ => "compact",
    };
    private static readonly Option<bool> PrintNodeName = new("--print-node-name") { Description = "Print the node that observed each flow" };
    private static readonly Option<string> TimeFormat = new("--time-format")
    {
        Description = $"Timestamp layout: {string.Join(", ", Enum.GetNames<TimeLayout>())}",
        DefaultValueFactory = _ => nameof(TimeLayout.StampMilli),
    };
    private static readonly Option<bool> Numeric = new("--numeric") { Description = "IP addresses and identity numbers instead of names" };
    private static readonly Option<string> Color = new("--color")
    {
        Description = "Colour: auto (only on a terminal), always or never",
        DefaultValueFactory = _ => "auto",
    };
    private static readonly Option<bool> PrintRawFilters = new("--print-raw-filters") { Description = "Print the allowlist and denylist filters as JSON and exit" };

    private static readonly Dictionary<FilterFlag, Option> FilterOptions = FilterFlags.All.ToDictionary(
        flag => flag,
        flag => flag.TakesValue
            ? (Option)new Option<string[]>("--" + flag.Name, flag.Aliases) { Description = flag.Description, HelpName = "value" }
            : new Option<bool>("--" + flag.Name, flag.Aliases) { Description = flag.Description, Arity = ArgumentArity.Zero });

    public static Command Create()
    {
        var command = new Command("observe", "Print flows from the Hubble API, with hubble observe's filters and formats");
        foreach (var option in new Option[] { Follow, Last, First, All, Since, Until, Output, PrintNodeName, TimeFormat, Numeric, Color, PrintRawFilters })
            command.Options.Add(option);
        foreach (var option in FilterOptions.Values)
            command.Options.Add(option);
        command.Options.Add(HubbleConnection.Server);
        command.Options.Add(HubbleConnection.Timeout);
        command.SetAction((parse, token) => RunAsync(parse, ObserveConsole.Standard, TimeProvider.System, token));
        return command;
    }

    /// <summary>The filter flags in command-line order, as (long name, value) with a null value for switches.</summary>
    internal static List<(string Flag, string? Value)> FilterArguments(ParseResult parse)
    {
        var result = new List<(string, string?)>();
        var tokens = parse.Tokens;
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type != TokenType.Option || FilterFlags.Find(tokens[i].Value) is not { } flag)
                continue;
            bool hasArgument = i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument;
            if (flag.TakesValue)
            {
                result.Add((flag.Name, hasArgument ? tokens[++i].Value : ""));
            }
            else if (!hasArgument || !bool.TryParse(tokens[i + 1].Value, out bool on) || on)
            {
                result.Add((flag.Name, null));
            }
        }
        return result;
    }

    /// <summary>The whitelist and blacklist the command line asks for.</summary>
    /// <exception cref="FlagException">A bad value or a forbidden combination, naming the flag.</exception>
    internal static (List<FlowFilter> Whitelist, List<FlowFilter> Blacklist) BuildFilters(ParseResult parse)
    {
        var builder = new FlowFilterBuilder();
        foreach (var (flag, value) in FilterArguments(parse))
            builder.Add(flag, value);
        return builder.Build();
    }

    /// <summary>The GetFlows request the command line asks for.</summary>
    internal static GetFlowsRequest BuildRequest(ParseResult parse, DateTimeOffset now)
    {
        var (whitelist, blacklist) = BuildFilters(parse);
        var selection = new FlowSelection
        {
            Last = parse.GetValue(Last),
            First = parse.GetValue(First),
            All = parse.GetValue(All),
            Follow = parse.GetValue(Follow),
            Since = parse.GetValue(Since),
            Until = parse.GetValue(Until),
        };
        return selection.ToRequest(whitelist, blacklist, now);
    }

    /// <summary>Printing options from the command line; <paramref name="outIsTerminal"/> decides <c>--color auto</c>.</summary>
    internal static PrinterOptions BuildPrinterOptions(ParseResult parse, bool outIsTerminal) => new()
    {
        Output = PrinterOptions.ParseOutput(parse.GetValue(Output) ?? "compact"),
        PrintNodeName = parse.GetValue(PrintNodeName),
        TimeLayout = TimeArguments.ParseLayout("time-format", parse.GetValue(TimeFormat) ?? nameof(TimeLayout.StampMilli)),
        Numeric = parse.GetValue(Numeric),
        Color = (parse.GetValue(Color) ?? "auto").ToLowerInvariant() switch
        {
            "auto" => outIsTerminal,
            "always" => true,
            "never" => false,
            var other => throw new FlagException("color", $"'{other}' is not auto, always or never"),
        },
    };

    /// <summary>
    /// Runs the command: builds the request, streams GetFlows and prints each response. Returns the exit code: 0, or
    /// 1 after printing one error line to <see cref="ObserveConsole.Error"/>. Cancelling <paramref name="token"/>
    /// (Ctrl-C while following) ends the stream normally.
    /// </summary>
    internal static async Task<int> RunAsync(ParseResult parse, ObserveConsole console, TimeProvider time, CancellationToken token)
    {
        string server = parse.GetValue(HubbleConnection.Server) ?? HubbleConnection.DefaultServer;
        try
        {
            var request = BuildRequest(parse, time.GetUtcNow());
            if (parse.GetValue(PrintRawFilters))
            {
                WriteRawFilters(console.Out, request);
                return 0;
            }
            var printer = new FlowPrinter(console.Out, console.Error, BuildPrinterOptions(parse, console.OutIsTerminal));
            using var channel = HubbleConnection.Open(server, HubbleConnection.TimeoutOf(parse));
            var client = new Observer.ObserverClient(channel);
            try
            {
                using var call = client.GetFlows(request, cancellationToken: token);
                while (await call.ResponseStream.MoveNext(token))
                {
                    printer.Write(call.ResponseStream.Current);
                    if (request.Follow)
                        printer.Flush();
                }
            }
            catch (Exception e) when (token.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // Ctrl-C: what was printed stands.
            }
            finally
            {
                printer.Flush();
            }
            return 0;
        }
        catch (FlagException e)
        {
            await console.Error.WriteLineAsync($"Error: {e.Message}");
            return 1;
        }
        catch (RpcException e)
        {
            await console.Error.WriteLineAsync($"Error: {HubbleConnection.Describe(e, server)}");
            return 1;
        }
    }

    // hubble's shape: a small YAML document whose list items are the filters in proto JSON.
    private static void WriteRawFilters(TextWriter writer, GetFlowsRequest request)
    {
        static void List(TextWriter writer, string name, IReadOnlyCollection<FlowFilter> filters)
        {
            if (filters.Count == 0)
            {
                writer.WriteLine($"{name}: []");
                return;
            }
            writer.WriteLine($"{name}:");
            foreach (var filter in filters)
                writer.WriteLine($"- '{ProtoJson.Format(filter).Replace("'", "''", StringComparison.Ordinal)}'");
        }
        List(writer, "allowlist", request.Whitelist);
        List(writer, "denylist", request.Blacklist);
    }
}
