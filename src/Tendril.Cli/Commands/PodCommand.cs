using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Spectre.Console;
using Tendril.Api;
using Tendril.Cli.Output;
using Tendril.Netlink.Namespaces;

namespace Tendril.Cli.Commands;

/// <summary>
/// <c>tendril pod run|exec|delete|list</c>: a small pod runner for demos and tests. A pod is a named network
/// namespace (visible to <c>ip netns</c>) with a Tendril endpoint, and optionally a process started in it.
/// Records live in <c>$TENDRIL_PODS_DIR</c> (default /var/run/tendril/pods).
/// </summary>
internal static partial class PodCommand
{
    public sealed record PodRecord(string Name, string Namespace, Dictionary<string, string> Labels, int EndpointId, string Ipv4, List<int> Pids);

    private static string PodsDirectory => Environment.GetEnvironmentVariable("TENDRIL_PODS_DIR") ?? "/var/run/tendril/pods";

    public static Command Create()
    {
        var command = new Command("pod", "Run pods: network namespaces with a Tendril endpoint");
        command.Subcommands.Add(RunCommand());
        command.Subcommands.Add(ExecCommand());
        command.Subcommands.Add(DeleteCommand());
        command.Subcommands.Add(ListCommand());
        return command;
    }

    private static Command RunCommand()
    {
        var name = new Argument<string>("name") { Description = "Pod name (also the network namespace's name)" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace (policy scope)", DefaultValueFactory = _ => "default" };
        var labels = new Option<string[]>("--label", "-l") { Description = "A label key=value (repeatable)", AllowMultipleArgumentsPerToken = false };
        var cmd = new Argument<string[]>("command") { Description = "A command to start in the pod (after --)", Arity = ArgumentArity.ZeroOrMore };
        var run = new Command("run", "Create a pod and optionally start a command in it") { name, ns, labels, cmd };
        run.SetAgentAction(async (parse, client) =>
        {
            string podName = parse.GetValue(name)!;
            if (!PodName().IsMatch(podName))
                throw new ArgumentException($"pod name '{podName}' must be lower-case letters, digits and '-', at most 63 characters");
            var podLabels = ParseLabels(parse.GetValue(labels) ?? []);
            if (File.Exists(RecordPath(podName)) || NetworkNamespaces.Exists(podName))
                throw new InvalidOperationException($"pod {podName} already exists");
            string netns = NetworkNamespaces.Create(podName);
            EndpointModel endpoint;
            try
            {
                endpoint = await client.CreateEndpointAsync(new EndpointCreateRequest
                {
                    Netns = netns, Name = podName, Namespace = parse.GetValue(ns), Labels = podLabels,
                });
            }
            catch
            {
                NetworkNamespaces.Delete(podName);
                throw;
            }
            var pids = new List<int>();
            var command = parse.GetValue(cmd) ?? [];
            if (command.Length > 0)
                pids.Add(StartDetached(netns, command, Path.Combine(PodsDirectory, podName + ".log")));
            var record = new PodRecord(podName, endpoint.Namespace, podLabels, endpoint.Id, endpoint.Ipv4, pids);
            Save(record);
            Print(parse, [record]);
            return 0;
        });
        return run;
    }

    private static Command ExecCommand()
    {
        var name = new Argument<string>("name") { Description = "Pod name" };
        var cmd = new Argument<string[]>("command") { Description = "The command (after --)", Arity = ArgumentArity.OneOrMore };
        var exec = new Command("exec", "Run a command inside a pod's network namespace and wait for it") { name, cmd };
        exec.SetAction(async (parse, token) =>
        {
            var record = Load(parse.GetValue(name)!);
            if (record is null)
            {
                AnsiConsole.MarkupLine($"[red]Error:[/] pod {Markup.Escape(parse.GetValue(name)!)} does not exist");
                return 1;
            }
            using var process = Process.Start(NsEnter(NetworkNamespaces.PathOf(record.Name), parse.GetValue(cmd)!))!;
            await process.WaitForExitAsync(token);
            return process.ExitCode;
        });
        return exec;
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("name") { Description = "Pod name" };
        var delete = new Command("delete", "Stop a pod's processes and remove its endpoint and namespace") { name };
        delete.SetAgentAction(async (parse, client) =>
        {
            string podName = parse.GetValue(name)!;
            var record = Load(podName) ?? throw new InvalidOperationException($"pod {podName} does not exist");
            foreach (int pid in record.Pids)
                Stop(pid);
            try
            {
                await client.DeleteEndpointAsync(record.EndpointId);
            }
            catch (AgentException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
            {
            }
            if (NetworkNamespaces.Exists(podName))
                NetworkNamespaces.Delete(podName);
            File.Delete(RecordPath(podName));
            File.Delete(Path.Combine(PodsDirectory, podName + ".log"));
            AnsiConsole.MarkupLine($"pod {Markup.Escape(podName)} deleted");
            return 0;
        });
        return delete;
    }

    private static Command ListCommand()
    {
        var list = new Command("list", "List pods");
        list.SetAction(parse =>
        {
            var records = Directory.Exists(PodsDirectory)
                ? Directory.EnumerateFiles(PodsDirectory, "*.json").Select(f => JsonSerializer.Deserialize<PodRecord>(File.ReadAllText(f))!).OrderBy(r => r.Name).ToList()
                : [];
            Print(parse, records);
            return 0;
        });
        return list;
    }

    private static void Print(ParseResult parse, IReadOnlyList<PodRecord> records)
    {
        var json = JsonSerializer.SerializeToElement(records.Select(r => new
        {
            name = r.Name, @namespace = r.Namespace, labels = r.Labels, endpoint = r.EndpointId, ipv4 = r.Ipv4, processes = r.Pids.Count(Alive),
        }));
        AgentCommand.Print(parse, json, ("NAME", "name"), ("NAMESPACE", "namespace"), ("LABELS", "labels"), ("ENDPOINT", "endpoint"), ("IPv4", "ipv4"), ("PROCESSES", "processes"));
    }

    private static Dictionary<string, string> ParseLabels(IEnumerable<string> labels)
    {
        var result = new Dictionary<string, string>();
        foreach (var label in labels)
        {
            int eq = label.IndexOf('=');
            if (eq <= 0)
                throw new ArgumentException($"label '{label}' must be key=value");
            result[label[..eq]] = label[(eq + 1)..];
        }
        return result;
    }

    /// <summary>Starts the command in the pod, in its own session so it outlives this CLI; output goes to a log file.</summary>
    private static int StartDetached(string netns, string[] command, string log)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var psi = new ProcessStartInfo("setsid");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec nsenter --net=\"$0\" -- \"$@\" >>\"$LOG\" 2>&1 </dev/null");
        psi.ArgumentList.Add(netns);
        foreach (var part in command)
            psi.ArgumentList.Add(part);
        psi.Environment["LOG"] = log;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command[0]}");
        return process.Id;
    }

    private static ProcessStartInfo NsEnter(string netns, string[] command)
    {
        var psi = new ProcessStartInfo("nsenter");
        psi.ArgumentList.Add($"--net={netns}");
        psi.ArgumentList.Add("--");
        foreach (var part in command)
            psi.ArgumentList.Add(part);
        return psi;
    }

    private static void Stop(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string RecordPath(string name) => Path.Combine(PodsDirectory, name + ".json");

    private static PodRecord? Load(string name) =>
        File.Exists(RecordPath(name)) ? JsonSerializer.Deserialize<PodRecord>(File.ReadAllText(RecordPath(name))) : null;

    private static void Save(PodRecord record)
    {
        Directory.CreateDirectory(PodsDirectory);
        File.WriteAllText(RecordPath(record.Name), JsonSerializer.Serialize(record));
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex PodName();
}
