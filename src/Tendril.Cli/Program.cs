using System.CommandLine;
using Tendril.Cli.Commands;
using Tendril.Cli.Output;

namespace Tendril.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Logs and pipes are read on wide screens: do not wrap tables at 80 columns there.
        if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Profile.Width = 200;
        return BuildRoot().Parse(args).Invoke();
    }

    /// <summary>The command tree: one verb per file under Commands/.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("tendril — eBPF networking, security and observability for Linux containers");
        root.Options.Add(OutputOptions.Format);
        root.Options.Add(AgentCommand.Socket);
        root.Subcommands.Add(VersionCommand.Create());   // build, runtime, kernel and libbpf versions
        root.Subcommands.Add(FeaturesCommand.Create());  // what this kernel's BPF can do
        root.Subcommands.Add(StatusCommand.Create());    // the agent's health
        root.Subcommands.Add(EndpointCommand.Create());  // endpoint list|get
        root.Subcommands.Add(IdentityCommand.Create());  // identity list|get
        root.Subcommands.Add(NamespaceCommand.Create()); // namespace create|label|list
        root.Subcommands.Add(PolicyCommand.Create());    // policy import|get|delete|selectors
        root.Subcommands.Add(ServiceCommand.Create());   // service apply|create|delete|list
        root.Subcommands.Add(BpfCommand.Create());       // bpf endpoint|ipcache|policy|ct|lb
        root.Subcommands.Add(PodCommand.Create());       // pod run|exec|delete|list
        root.Subcommands.Add(CniCommand.Create());       // cni install|uninstall: the plugin and a network for runtimes
        root.Subcommands.Add(ObserveCommand.Create());   // flows from the Hubble API, hubble observe's flags
        root.Subcommands.Add(HubbleCommand.Create());    // hubble status|list nodes|list namespaces
        root.Subcommands.Add(DemoCommand.Create());      // the Star Wars demo on embedded defaults
        return root;
    }
}
