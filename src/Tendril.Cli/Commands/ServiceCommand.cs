using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spectre.Console;
using Tendril.Api;
using Tendril.Cli.Output;

namespace Tendril.Cli.Commands;

/// <summary>
/// <c>tendril service apply -f FILE|- | create NAME … | delete NS/NAME | list</c>: Kubernetes Services and
/// EndpointSlices, load-balanced by the agent.
/// </summary>
internal static partial class ServiceCommand
{
    public static Command Create()
    {
        var command = new Command("service", "Services: Kubernetes v1 Service and discovery.k8s.io/v1 EndpointSlice, load-balanced by the datapath");
        command.Subcommands.Add(ApplyCommand());
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(DeleteCommand());
        command.Subcommands.Add(ListCommand());
        return command;
    }

    private static Command ApplyCommand()
    {
        var file = new Option<string>("--filename", "-f") { Description = "YAML or JSON file, multi-document allowed; - for stdin", Required = true };
        var apply = new Command("apply", "Apply Services and EndpointSlices (all or nothing)") { file };
        apply.SetAgentAction(async (parse, client) =>
        {
            string path = parse.GetValue(file)!;
            string text = path == "-" ? await Console.In.ReadToEndAsync() : await File.ReadAllTextAsync(path);
            return Applied(parse, await client.SendJsonAsync(HttpMethod.Post, "services", new StringContent(text)));
        });
        return apply;
    }

    private static Command CreateCommand()
    {
        var name = new Argument<string>("name") { Description = "Service name" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace", DefaultValueFactory = _ => "default" };
        var type = new Option<string>("--type") { Description = "ClusterIP or NodePort", DefaultValueFactory = _ => "ClusterIP" };
        var ports = new Option<string[]>("--port", "-p") { Description = "PORT[:TARGET][/TCP|UDP|SCTP] (repeatable), e.g. 80:8080/TCP", Required = true };
        var selector = new Option<string[]>("--selector", "-l") { Description = "A selector label key=value (repeatable)" };
        var clusterIp = new Option<string?>("--cluster-ip") { Description = "Request this cluster IP (default: allocated)" };
        var affinity = new Option<string?>("--session-affinity") { Description = "None or ClientIP" };
        var timeout = new Option<int?>("--timeout") { Description = "Session affinity timeout in seconds (default 10800)" };
        var create = new Command("create", "Create a Service from flags") { name, ns, type, ports, selector, clusterIp, affinity, timeout };
        create.SetAgentAction(async (parse, client) =>
        {
            string document = ServiceDocument(parse.GetValue(name)!, parse.GetValue(ns)!, parse.GetValue(type)!, parse.GetValue(ports) ?? [],
                parse.GetValue(selector) ?? [], parse.GetValue(clusterIp), parse.GetValue(affinity), parse.GetValue(timeout));
            return Applied(parse, await client.SendJsonAsync(HttpMethod.Post, "services", new StringContent(document)));
        });
        return create;
    }

    private static Command DeleteCommand()
    {
        var service = new Argument<string>("service") { Description = "NAMESPACE/NAME (or NAME in default)" };
        var delete = new Command("delete", "Delete a Service") { service };
        delete.SetAgentAction(async (parse, client) =>
        {
            var parts = parse.GetValue(service)!.Split('/');
            var (ns, name) = parts.Length switch
            {
                1 => ("default", parts[0]),
                2 => (parts[0], parts[1]),
                _ => throw new ArgumentException($"'{parse.GetValue(service)}' must be NAMESPACE/NAME"),
            };
            var result = await client.SendJsonAsync(HttpMethod.Delete, $"services/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}", null);
            if (parse.GetValue(OutputOptions.Format) == OutputFormat.Json)
                AgentCommand.Print(parse, result);
            else
                AnsiConsole.MarkupLine($"Deleted service {Markup.Escape(ns)}/{Markup.Escape(name)}. Revision: {result.GetProperty("revision")}");
            return 0;
        });
        return delete;
    }

    private static Command ListCommand()
    {
        var list = new Command("list", "List services: one row per frontend, with its backends (as cilium service list)");
        list.SetAgentAction(async (parse, client) =>
        {
            var services = await client.GetJsonAsync("services");
            if (parse.GetValue(OutputOptions.Format) == OutputFormat.Json)
            {
                AgentCommand.Print(parse, services);
                return 0;
            }
            var rows = services.EnumerateArray()
                .SelectMany(s => s.GetProperty("frontends").EnumerateArray().Select(f => new
                {
                    id = f.GetProperty("id").GetInt32(),
                    frontend = f.GetProperty("address").GetString() + (f.GetProperty("scope").GetString() == "internal" ? " (internal)" : ""),
                    type = f.GetProperty("kind").GetString(),
                    service = $"{s.GetProperty("namespace").GetString()}/{s.GetProperty("name").GetString()}",
                    backends = f.GetProperty("backends").EnumerateArray()
                        .Select((b, i) => $"{i + 1} => {b.GetProperty("address").GetString()} ({b.GetProperty("state").GetString()})").ToList(),
                }))
                .OrderBy(r => r.id).ThenBy(r => r.frontend, StringComparer.Ordinal);
            AgentCommand.Print(parse, JsonSerializer.SerializeToElement(rows),
                ("ID", "id"), ("FRONTEND", "frontend"), ("SERVICE TYPE", "type"), ("SERVICE", "service"), ("BACKEND", "backends"));
            return 0;
        });
        return list;
    }

    private static int Applied(ParseResult parse, JsonElement result)
    {
        if (parse.GetValue(OutputOptions.Format) == OutputFormat.Json)
        {
            AgentCommand.Print(parse, result);
            return 0;
        }
        var names = result.GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
        AnsiConsole.MarkupLine($"Applied. Services changed: {Markup.Escape(names.Count == 0 ? "none" : string.Join(", ", names))}. Revision: {result.GetProperty("revision")}");
        return 0;
    }

    /// <summary>A v1 Service document (JSON, which the agent's YAML parser reads) from <c>service create</c>'s flags.</summary>
    internal static string ServiceDocument(string name, string ns, string type, IReadOnlyList<string> ports, IReadOnlyList<string> selector,
        string? clusterIp, string? affinity, int? timeout)
    {
        if (type is not ("ClusterIP" or "NodePort"))
            throw new ArgumentException($"--type: '{type}' is not ClusterIP or NodePort");
        if (ports.Count == 0)
            throw new ArgumentException("give at least one --port");
        var specPorts = ports.Select(p =>
        {
            var m = PortSpec().Match(p);
            if (!m.Success)
                throw new ArgumentException($"--port: '{p}' is not PORT[:TARGET][/TCP|UDP|SCTP] (e.g. 80:8080/TCP)");
            int port = int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
            int target = m.Groups["target"].Success ? int.Parse(m.Groups["target"].Value, System.Globalization.CultureInfo.InvariantCulture) : port;
            string protocol = m.Groups["proto"].Success ? m.Groups["proto"].Value.ToUpperInvariant() : "TCP";
            var entry = new Dictionary<string, object> { ["port"] = port, ["targetPort"] = target, ["protocol"] = protocol };
            if (ports.Count > 1)
                entry["name"] = $"{protocol.ToLowerInvariant()}-{port}";
            return entry;
        }).ToList();
        var labels = new Dictionary<string, string>();
        foreach (string label in selector)
        {
            int eq = label.IndexOf('=');
            if (eq <= 0)
                throw new ArgumentException($"--selector: '{label}' is not key=value");
            labels[label[..eq]] = label[(eq + 1)..];
        }
        var spec = new Dictionary<string, object> { ["type"] = type, ["ports"] = specPorts };
        if (labels.Count > 0)
            spec["selector"] = labels;
        if (clusterIp is not null)
            spec["clusterIP"] = clusterIp;
        if (affinity is not null)
        {
            if (affinity is not ("None" or "ClientIP"))
                throw new ArgumentException($"--session-affinity: '{affinity}' is not None or ClientIP");
            spec["sessionAffinity"] = affinity;
            if (timeout is { } seconds)
                spec["sessionAffinityConfig"] = new Dictionary<string, object> { ["clientIP"] = new Dictionary<string, object> { ["timeoutSeconds"] = seconds } };
        }
        else if (timeout is not null)
        {
            throw new ArgumentException("--timeout needs --session-affinity ClientIP");
        }
        var document = new Dictionary<string, object>
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
        return JsonSerializer.Serialize(document);
    }

    [GeneratedRegex(@"^(?<port>\d{1,5})(:(?<target>\d{1,5}))?(/(?<proto>(?i:tcp|udp|sctp)))?$")]
    private static partial Regex PortSpec();
}
