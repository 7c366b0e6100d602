using System.CommandLine;
using Spectre.Console;
using Tendril.Cli.Output;
using Tendril.Ebpf.Features;
using Tendril.Interop;

namespace Tendril.Cli.Commands;

/// <summary><c>tendril features</c>: the kernel feature report.</summary>
internal static class FeaturesCommand
{
    public sealed record Report(VersionCommand.VersionInfo Version, bool Root, IReadOnlyList<FeatureProbe> Features);

    public static Command Create()
    {
        var command = new Command("features", "Probe what this kernel's BPF can do (tcx, ring buffer, redirect_peer …); needs root");
        command.SetAction(parse =>
        {
            var report = new Report(VersionCommand.Collect(), LinuxSystem.IsRoot, KernelFeatures.ProbeAll());
            if (parse.GetValue(OutputOptions.Format) == OutputFormat.Json)
                OutputOptions.WriteJson(Console.Out, report);
            else
                Render(report);
            // Missing features are facts, not failures; only probes that could not decide are.
            return report.Features.Any(f => f.Status == FeatureStatus.Unknown) ? 1 : 0;
        });
        return command;
    }

    private static void Render(Report report)
    {
        AnsiConsole.MarkupLine($"[bold]Tendril[/] {Markup.Escape(report.Version.Tendril)} on Linux {Markup.Escape(report.Version.Kernel)}, libbpf {Markup.Escape(report.Version.Libbpf)}");
        if (!report.Root)
            AnsiConsole.MarkupLine("[yellow]Not root: most probes cannot run. Run as root for a full report.[/]");
        var table = new Table().AddColumn("Feature").AddColumn("Needs").AddColumn("Status").AddColumn("Detail");
        foreach (var f in report.Features)
        {
            string status = f.Status switch
            {
                FeatureStatus.Available => "[green]available[/]",
                FeatureStatus.Unavailable => "[grey]absent[/]",
                _ => "[red]unknown[/]",
            };
            table.AddRow(Markup.Escape(f.Description), $"Linux {Markup.Escape(f.MinimumKernel)}", status, Markup.Escape(f.Detail));
        }
        AnsiConsole.Write(table);
    }
}
