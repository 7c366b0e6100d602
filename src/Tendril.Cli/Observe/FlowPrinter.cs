using Tendril.Hubble.Api;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Hubble.Api.Relay;

namespace Tendril.Cli.Observe;

/// <summary>The <c>-o</c> formats of <c>tendril observe</c>.</summary>
internal enum FlowOutput
{
    Compact,
    Dict,
    Table,
    Json,
}

/// <summary>How flows are printed. Immutable.</summary>
internal sealed record PrinterOptions
{
    public FlowOutput Output { get; init; } = FlowOutput.Compact;
    public bool PrintNodeName { get; init; }
    public TimeLayout TimeLayout { get; init; } = TimeLayout.StampMilli;
    /// <summary>IPs instead of pod/service/DNS names and identity numbers instead of reserved names.</summary>
    public bool Numeric { get; init; }
    /// <summary>ANSI colours (compact and dict only; table and JSON are never coloured).</summary>
    public bool Color { get; init; }

    /// <summary>Parses an <c>-o</c> value: compact, dict, table, json or jsonpb.</summary>
    public static FlowOutput ParseOutput(string text) => text.ToLowerInvariant() switch
    {
        "compact" => FlowOutput.Compact,
        "dict" => FlowOutput.Dict,
        "table" or "tab" => FlowOutput.Table,
        "json" or "jsonpb" => FlowOutput.Json,
        _ => throw new FlagException("output", $"unknown output format '{text}', expected compact, dict, table, json or jsonpb"),
    };
}

/// <summary>
/// Prints GetFlows responses the way <c>hubble observe</c> does: flows and lost events to stdout, relay node
/// status problems to stderr. Call <see cref="Flush"/> when the stream ends (the table format buffers rows to align
/// them). Not thread-safe: one printer per stream; it does not own the writers.
/// </summary>
internal sealed class FlowPrinter
{
    private const string DictSeparator = "------------";

    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly PrinterOptions _options;
    private readonly Colorizer _color;
    private readonly TableWriter? _table;
    private int _line;

    public FlowPrinter(TextWriter stdout, TextWriter stderr, PrinterOptions options)
    {
        _out = stdout;
        _err = stderr;
        _options = options;
        _color = options.Color && options.Output is FlowOutput.Compact or FlowOutput.Dict ? new Colorizer(true) : Colorizer.None;
        if (options.Output == FlowOutput.Table)
            _table = new TableWriter(stdout);
    }

    /// <summary>Prints one response.</summary>
    public void Write(GetFlowsResponse response)
    {
        switch (response.ResponseTypesCase)
        {
            case GetFlowsResponse.ResponseTypesOneofCase.Flow:
                WriteFlow(response);
                break;
            case GetFlowsResponse.ResponseTypesOneofCase.LostEvents:
                WriteLost(response);
                break;
            case GetFlowsResponse.ResponseTypesOneofCase.NodeStatus:
                WriteNodeStatus(response);
                break;
        }
    }

    /// <summary>Writes buffered table rows and flushes the writers.</summary>
    public void Flush()
    {
        _table?.Flush();
        _out.Flush();
        _err.Flush();
    }

    private void WriteFlow(GetFlowsResponse response)
    {
        var flow = response.Flow;
        if (_options.Output == FlowOutput.Json)
        {
            _out.WriteLine(ProtoJson.Format(response));
            return;
        }
        string time = TimeArguments.Format(flow.Time, _options.TimeLayout);
        string node = FlowFormatter.Clean(flow.NodeName);
        var (src, dst) = FlowFormatter.Hosts(flow, _options.Numeric, _color);
        string type = FlowFormatter.Type(flow);
        string verdict = FlowFormatter.Verdict(flow, _color);
        string summary = FlowFormatter.Summary(flow, _color);
        switch (_options.Output)
        {
            case FlowOutput.Compact:
                var srcIdentity = FlowFormatter.Identity(flow.Source?.Identity ?? 0, _options.Numeric, _color);
                var dstIdentity = FlowFormatter.Identity(flow.Destination?.Identity ?? 0, _options.Numeric, _color);
                string arrow = "->";
                if (flow.IsReply is null)
                {
                    arrow = "<>";
                }
                else if (flow.IsReply == true)
                {
                    // Replies are printed client first, with the arrow pointing back at it.
                    (src, dst) = (dst, src);
                    (srcIdentity, dstIdentity) = (dstIdentity, srcIdentity);
                    arrow = "<-";
                }
                string nodePart = _options.PrintNodeName ? $" [{node}]" : "";
                _out.WriteLine($"{time}{nodePart}: {src} {srcIdentity} {arrow} {dst} {dstIdentity} {type} {verdict} ({summary})");
                break;
            case FlowOutput.Dict:
                if (_line > 0)
                    _out.WriteLine(DictSeparator);
                _out.WriteLine($"  TIMESTAMP: {time}");
                if (_options.PrintNodeName)
                    _out.WriteLine($"       NODE: {node}");
                _out.WriteLine($"     SOURCE: {src}");
                _out.WriteLine($"DESTINATION: {dst}");
                _out.WriteLine($"       TYPE: {type}");
                _out.WriteLine($"    VERDICT: {verdict}");
                _out.WriteLine($"    SUMMARY: {summary}");
                break;
            case FlowOutput.Table:
                AddTableRow(time, node, src, dst, type, verdict, summary);
                break;
        }
        _line++;
    }

    private void WriteLost(GetFlowsResponse response)
    {
        var lost = response.LostEvents;
        if (_options.Output == FlowOutput.Json)
        {
            _out.WriteLine(ProtoJson.Format(response));
            return;
        }
        string source = ProtoEnum.Name(lost.Source);
        int cpu = lost.Cpu ?? 0;
        switch (_options.Output)
        {
            case FlowOutput.Compact:
                _out.WriteLine($"EVENTS LOST: {source} CPU({cpu}) {lost.NumEventsLost}");
                break;
            case FlowOutput.Dict:
                if (_line > 0)
                    _out.WriteLine(DictSeparator);
                _out.WriteLine("  TIMESTAMP: ");
                if (_options.PrintNodeName)
                    _out.WriteLine("       NODE: ");
                _out.WriteLine($"     SOURCE: {source}");
                _out.WriteLine("       TYPE: EVENTS LOST");
                _out.WriteLine("    VERDICT: ");
                _out.WriteLine($"    SUMMARY: CPU({cpu}) - {lost.NumEventsLost}");
                break;
            case FlowOutput.Table:
                AddTableRow("", "", source, "", "EVENTS LOST", "", $"CPU({cpu}) - {lost.NumEventsLost}");
                break;
        }
        _line++;
    }

    // Like hubble without --debug, only problems are reported; "nodes connected" notices are not.
    private void WriteNodeStatus(GetFlowsResponse response)
    {
        var status = response.NodeStatus;
        if (status.StateChange is not (NodeState.NodeError or NodeState.NodeUnavailable))
            return;
        if (_options.Output == FlowOutput.Json)
        {
            _err.WriteLine(ProtoJson.Format(response));
            return;
        }
        string nodes = JoinWithCutOff(status.NodeNames.Select(FlowFormatter.Clean).ToList(), 50);
        string prefix = $"{TimeArguments.Format(response.Time, _options.TimeLayout)} [{FlowFormatter.Clean(response.NodeName)}]";
        _err.WriteLine(status.StateChange == NodeState.NodeError
            ? $"{prefix}: Error \"{FlowFormatter.Clean(status.Message)}\" on {status.NodeNames.Count} nodes: {nodes}"
            : $"{prefix}: {status.NodeNames.Count} nodes are unavailable: {nodes}");
    }

    private void AddTableRow(string time, string node, string src, string dst, string type, string verdict, string summary)
    {
        if (_line == 0)
        {
            _table!.AddRow(_options.PrintNodeName
                ? ["TIMESTAMP", "NODE", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"]
                : ["TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"]);
        }
        _table!.AddRow(_options.PrintNodeName
            ? [time, node, src, dst, type, verdict, summary]
            : [time, src, dst, type, verdict, summary]);
    }

    // Joins names, leaving out the tail once the text passes targetLength (at least one name is kept).
    private static string JoinWithCutOff(List<string> names, int targetLength)
    {
        int length = 0, end = names.Count;
        for (int i = 0; i < names.Count; i++)
        {
            length += names[i].Length + 2;
            if (length > targetLength && i > 0)
            {
                end = i;
                break;
            }
        }
        string joined = string.Join(", ", names.Take(end));
        return end == names.Count ? joined : $"{joined} (and {names.Count - end} more)";
    }
}
