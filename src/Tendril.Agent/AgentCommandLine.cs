using System.Net;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Services.LoadBalancing;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.Agent;

/// <summary>Parses tendril-agent's flags into <see cref="AgentOptions"/>.</summary>
public static class AgentCommandLine
{
    public const string Usage = """
        usage: tendril-agent [--node NAME] [--pod-cidr CIDR] [--mtu N] [--netns PATH]
                             [--state-dir DIR] [--socket PATH] [--bpf-dir DIR] [--device-prefix P]
                             [--enforcement default|always|never]
                             [--prometheus-serve-addr HOST:PORT|""] [--hubble-socket PATH]
                             [--hubble-listen-address HOST:PORT] [--hubble-event-buffer-capacity N]
                             [--hubble-metrics-server HOST:PORT|""] [--hubble-metrics flow,drop,...]
                             [--socket-lb-cgroup PATH] [--lb-algorithm random|maglev] [--maglev-table-size N]
                             [--service-no-backend-response reject|drop] [--service-cidr CIDR]
                             [--node-port-range MIN-MAX] [--devices eth0,eth1] [--endpoint-attach tcx|tc]
        """;

    public static AgentOptions Parse(IReadOnlyList<string> args)
    {
        var options = new AgentOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            if (flag is "-h" or "--help")
                throw new ArgumentException("help requested");
            if (i + 1 >= args.Count)
                throw new ArgumentException($"{flag} needs a value");
            string value = args[++i];
            options = flag switch
            {
                "--node" => options with { NodeName = value },
                "--pod-cidr" => options with { PodCidr = IPNetwork.TryParse(value, out var cidr) ? cidr : throw new ArgumentException($"--pod-cidr: '{value}' is not a CIDR") },
                "--mtu" => options with { Mtu = int.TryParse(value, out int mtu) ? mtu : throw new ArgumentException($"--mtu: '{value}' is not a number") },
                "--netns" => options with { NodeNamespacePath = value },
                "--state-dir" => options with { StateDirectory = value },
                "--socket" => options with { SocketPath = value },
                "--bpf-dir" => options with { BpfDirectory = value },
                "--device-prefix" => options with { DevicePrefix = value },
                "--prometheus-serve-addr" => options with { PrometheusServeAddress = value },
                "--hubble-socket" => options with { HubbleSocketPath = value },
                "--hubble-listen-address" => options with { HubbleListenAddress = value },
                "--hubble-event-buffer-capacity" => options with
                {
                    HubbleEventBufferCapacity = int.TryParse(value, out int capacity) ? capacity : throw new ArgumentException($"--hubble-event-buffer-capacity: '{value}' is not a number"),
                },
                "--hubble-metrics-server" => options with { HubbleMetricsServer = value },
                "--hubble-metrics" => options with { HubbleMetrics = value },
                "--socket-lb-cgroup" => options with { SocketLbCgroup = value },
                "--devices" => options with { Devices = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--lb-algorithm" => options with
                {
                    LbAlgorithm = value switch
                    {
                        "random" => LoadBalancingAlgorithm.Random,
                        "maglev" => LoadBalancingAlgorithm.Maglev,
                        _ => throw new ArgumentException($"--lb-algorithm: '{value}' is not random or maglev"),
                    },
                },
                "--maglev-table-size" => options with
                {
                    MaglevTableSize = int.TryParse(value, out int size) ? size : throw new ArgumentException($"--maglev-table-size: '{value}' is not a number"),
                },
                "--service-no-backend-response" => options with
                {
                    ServiceNoBackendResponse = value switch
                    {
                        "reject" => NoBackendAction.Reject,
                        "drop" => NoBackendAction.Drop,
                        _ => throw new ArgumentException($"--service-no-backend-response: '{value}' is not reject or drop"),
                    },
                },
                "--service-cidr" => options with
                {
                    ServiceCidr = CidrPrefix.TryParse(value, out var serviceCidr, out string? error) ? serviceCidr : throw new ArgumentException($"--service-cidr: {error}"),
                },
                "--node-port-range" => options with { NodePortRange = ParseRange(value) },
                "--endpoint-attach" => options with
                {
                    EndpointAttach = value switch
                    {
                        "tcx" => Tendril.Datapath.Loader.EndpointAttachMode.Tcx,
                        "tc" => Tendril.Datapath.Loader.EndpointAttachMode.Tc,
                        _ => throw new ArgumentException($"--endpoint-attach: '{value}' is not tcx or tc"),
                    },
                },
                "--enforcement" => options with
                {
                    Enforcement = Enum.TryParse<Tendril.ControlPlane.Policy.EnforcementMode>(value, ignoreCase: true, out var mode)
                        ? mode : throw new ArgumentException($"--enforcement: '{value}' is not default, always or never"),
                },
                _ => throw new ArgumentException($"unknown flag {flag}"),
            };
        }
        return options;
    }

    private static (int Min, int Max) ParseRange(string value)
    {
        var parts = value.Split('-');
        if (parts.Length == 2 && int.TryParse(parts[0], out int min) && int.TryParse(parts[1], out int max))
            return (min, max);
        throw new ArgumentException($"--node-port-range: '{value}' is not MIN-MAX (e.g. 30000-32767)");
    }
}
