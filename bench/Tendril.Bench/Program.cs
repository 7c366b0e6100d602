using Tendril.Bench;
using Tendril.Interop;

// dotnet run -c Release --project bench/Tendril.Bench -- ebpf|datapath|observer|services|cni [--smoke] [cni: --endpoint-attach tc]
if (args.Length == 0 || args[0] is not ("ebpf" or "datapath" or "observer" or "services" or "cni"))
{
    Console.Error.WriteLine("usage: Tendril.Bench ebpf|datapath|observer|services|cni [--smoke]");
    return 2;
}
if (!LinuxSystem.IsRoot)
{
    Console.Error.WriteLine("the eBPF benchmark loads BPF programs: run it as root");
    return 1;
}
// Logs are read on wide screens; do not wrap the table at 80 columns when output is redirected.
if (Console.IsOutputRedirected)
    Spectre.Console.AnsiConsole.Profile.Width = 160;
bool smoke = args.Contains("--smoke");
return args[0] switch
{
    "ebpf" => EbpfBenchmark.Run(smoke ? EbpfSettings.Smoke : EbpfSettings.Full),
    "datapath" => await DatapathBenchmark.RunAsync(smoke),
    "observer" => await ObserverBenchmark.RunAsync(smoke),
    "cni" => await CniBenchmark.RunAsync(smoke, Array.IndexOf(args, "--endpoint-attach") is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null),
    _ => await ServicesBenchmark.RunAsync(smoke),
};
