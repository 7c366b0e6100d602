using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace Tendril.Cli.Commands;

/// <summary>
/// <c>tendril cni install|uninstall</c>: puts the tendril-cni plugin where container runtimes look for plugins and
/// writes a network configuration list naming it. One conflist is one network; its labels (args.cni.labels) go to
/// every container attached through it.
/// </summary>
internal static partial class CniCommand
{
    public const string PluginName = "tendril-cni";

    /// <summary>Where runtimes look for plugins: the CNI convention's directory and Debian's.</summary>
    public static readonly string[] DefaultBinDirectories = ["/opt/cni/bin", "/usr/lib/cni"];

    public const string DefaultConfDirectory = "/etc/cni/net.d";

    /// <summary>podman 4 (libcni 1.1) reads configurations up to 1.0.0; 1.1.0 brings STATUS and GC.</summary>
    public const string DefaultCniVersion = "1.0.0";

    public static Command Create()
    {
        var command = new Command("cni", "Install the CNI plugin and a Tendril network for container runtimes");
        var plugin = new Option<string?>("--plugin") { Description = $"The {PluginName} binary to install (default: the one beside this program)" };
        var binDirs = new Option<string[]>("--bin-dir") { Description = $"Plugin directory (repeatable; default {string.Join(" and ", DefaultBinDirectories)})" };
        var confDir = new Option<string>("--conf-dir") { Description = "Network configuration directory", DefaultValueFactory = _ => DefaultConfDirectory };
        var network = new Option<string>("--network") { Description = "Network name (podman run --network NAME)", DefaultValueFactory = _ => "tendril" };
        var labels = new Option<string[]>("--label", "-l") { Description = "A label key=value every container on this network gets (repeatable)" };
        var version = new Option<string>("--cni-version") { Description = "cniVersion of the configuration", DefaultValueFactory = _ => DefaultCniVersion };
        var agentSocket = new Option<string?>("--agent-socket") { Description = "The agent's socket, when not the default" };

        var install = new Command("install", $"Copy {PluginName} to the plugin directories and write NAME.conflist") { plugin, binDirs, confDir, network, labels, version, agentSocket };
        install.SetAction(parse => Run(() =>
        {
            string source = parse.GetValue(plugin) ?? Path.Combine(AppContext.BaseDirectory, PluginName);
            if (!File.Exists(source))
                throw new ArgumentException($"{source} does not exist: publish the plugin (dotnet publish src/Tendril.Cni -c Release -r linux-x64 -o DIR) and pass --plugin DIR/{PluginName}");
            var written = new List<string>();
            foreach (var dir in BinDirectories(parse.GetValue(binDirs)))
                written.Add(InstallPlugin(source, dir));
            string name = parse.GetValue(network)!;
            string conflist = Conflist(name, ParseLabels(parse.GetValue(labels) ?? []), parse.GetValue(version)!, parse.GetValue(agentSocket));
            written.Add(WriteAtomically(Path.Combine(parse.GetValue(confDir)!, ConflistFile(name)), conflist, executable: false));
            foreach (var path in written)
                AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)}");
        }));

        var uninstall = new Command("uninstall", $"Remove {PluginName} from the plugin directories and the network's conflist") { binDirs, confDir, network };
        uninstall.SetAction(parse => Run(() =>
        {
            var paths = BinDirectories(parse.GetValue(binDirs)).Select(d => Path.Combine(d, PluginName))
                .Append(Path.Combine(parse.GetValue(confDir)!, ConflistFile(parse.GetValue(network)!)));
            foreach (var path in paths.Where(File.Exists))
            {
                File.Delete(path);
                AnsiConsole.MarkupLine($"removed {Markup.Escape(path)}");
            }
        }));

        command.Subcommands.Add(install);
        command.Subcommands.Add(uninstall);
        return command;
    }

    /// <summary>The file name runtimes find the network under: a priority prefix keeps it before other networks.</summary>
    public static string ConflistFile(string network) => $"05-{network}.conflist";

    /// <summary>The network configuration list: one plugin, Tendril's, with the network's labels.</summary>
    public static string Conflist(string network, IReadOnlyList<KeyValuePair<string, string>> labels, string cniVersion, string? agentSocket)
    {
        if (!NetworkName().IsMatch(network))
            throw new ArgumentException($"network name '{network}' must start with a letter or digit, then letters, digits, '_', '.' or '-'");
        if (cniVersion is not ("0.3.0" or "0.3.1" or "0.4.0" or "1.0.0" or "1.1.0"))
            throw new ArgumentException($"cniVersion {cniVersion} is not one of 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
        var plugin = new JsonObject { ["type"] = PluginName };
        if (labels.Count > 0)
        {
            var list = new JsonArray(labels.Select(l => (JsonNode)new JsonObject { ["key"] = l.Key, ["value"] = l.Value }).ToArray());
            plugin["args"] = new JsonObject { ["cni"] = new JsonObject { ["labels"] = list } };
        }
        if (agentSocket is not null)
            plugin["agentSocket"] = agentSocket;
        var root = new JsonObject { ["cniVersion"] = cniVersion, ["name"] = network, ["plugins"] = new JsonArray(plugin) };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static List<KeyValuePair<string, string>> ParseLabels(IEnumerable<string> items) =>
        items.Select(item => item.IndexOf('=') is > 0 and var eq
            ? KeyValuePair.Create(item[..eq], item[(eq + 1)..])
            : throw new ArgumentException($"label '{item}' must be key=value")).ToList();

    private static IEnumerable<string> BinDirectories(string[]? given) => given is { Length: > 0 } ? given : DefaultBinDirectories;

    private static string InstallPlugin(string source, string directory) =>
        WriteAtomically(Path.Combine(directory, PluginName), File.ReadAllBytes(source), executable: true);

    private static string WriteAtomically(string path, string text, bool executable) =>
        WriteAtomically(path, System.Text.Encoding.UTF8.GetBytes(text), executable);

    /// <summary>Writes beside the target and renames over it: a runtime executing the old file is never handed half a new one.</summary>
    private static string WriteAtomically(string path, byte[] content, bool executable)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, content);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, executable
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    private static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.\\-]*$")]
    private static partial Regex NetworkName();
}
