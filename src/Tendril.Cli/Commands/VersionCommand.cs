using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Spectre.Console;
using Tendril.Cli.Output;
using Tendril.Ebpf.Features;

namespace Tendril.Cli.Commands;

/// <summary><c>tendril version</c>.</summary>
internal static class VersionCommand
{
    public sealed record VersionInfo(string Tendril, string Runtime, string Kernel, string Libbpf, string Architecture);

    public static Command Create()
    {
        var command = new Command("version", "Print the versions of Tendril, the .NET runtime, the kernel and libbpf");
        command.SetAction(parse =>
        {
            var info = Collect();
            if (parse.GetValue(OutputOptions.Format) == OutputFormat.Json)
            {
                OutputOptions.WriteJson(Console.Out, info);
                return 0;
            }
            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow("[bold]Tendril[/]", Markup.Escape(info.Tendril));
            grid.AddRow("Runtime", Markup.Escape(info.Runtime));
            grid.AddRow("Kernel", Markup.Escape(info.Kernel));
            grid.AddRow("libbpf", Markup.Escape(info.Libbpf));
            grid.AddRow("Architecture", info.Architecture);
            AnsiConsole.Write(grid);
            return 0;
        });
        return command;
    }

    public static VersionInfo Collect() => new(
        Tendril: typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        Runtime: RuntimeInformation.FrameworkDescription,
        Kernel: File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : Environment.OSVersion.VersionString,
        Libbpf: LibbpfVersion.Text,
        Architecture: RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant());
}
