using System.CommandLine;
using Tendril.Cli.Output;

namespace Tendril.Cli.Commands;

/// <summary><c>tendril bpf endpoint list | ipcache list | policy get EP | ct list | ct flush | lb list</c>: the datapath's maps.</summary>
internal static class BpfCommand
{
    public static Command Create()
    {
        var command = new Command("bpf", "Inspect the datapath's BPF maps");

        var endpoint = new Command("endpoint", "Local endpoint map");
        endpoint.Subcommands.Add(Listing("list", "List the endpoint map", "bpf/endpoints",
            ("IP ADDRESS", "ip"), ("ID", "id"), ("IDENTITY", "identity"), ("IFINDEX", "ifindex"), ("MAC", "mac"), ("NODE MAC", "nodeMac")));

        var ipcache = new Command("ipcache", "Prefix to identity map");
        ipcache.Subcommands.Add(Listing("list", "List the ipcache", "bpf/ipcache", ("IP PREFIX/ADDRESS", "prefix"), ("IDENTITY", "identity")));

        var policy = new Command("policy", "Per-endpoint policy maps");
        var ep = new Argument<int>("endpoint") { Description = "Endpoint ID" };
        var policyGet = new Command("get", "Show an endpoint's policy map") { ep };
        policyGet.SetAgentAction(async (parse, client) =>
        {
            AgentCommand.Print(parse, await client.GetJsonAsync($"bpf/policy/{parse.GetValue(ep)}"),
                ("POLICY", "verdict"), ("DIRECTION", "direction"), ("LABELS (source:key[=value])", "labels"), ("IDENTITY", "identity"),
                ("PROTO", "protocol"), ("PORT", "port"), ("PORT PREFIX", "portPrefix"), ("PROXY PORT", "proxyPort"));
            return 0;
        });
        policy.Subcommands.Add(policyGet);

        var ct = new Command("ct", "Connection tracking table");
        ct.Subcommands.Add(Listing("list", "List tracked connections", "bpf/ct",
            ("PROTO", "protocol"), ("SOURCE", "source"), ("DESTINATION", "destination"), ("SRC IDENTITY", "sourceIdentity"),
            ("EXPIRES (s)", "expiresInSeconds"), ("PKTS FWD", "packetsForward"), ("PKTS REV", "packetsReverse"), ("REPLY SEEN", "seenReply")));
        var flush = new Command("flush", "Remove every tracked connection");
        flush.SetAgentAction(async (parse, client) =>
        {
            var result = await client.SendJsonAsync(HttpMethod.Delete, "bpf/ct", null);
            AgentCommand.Print(parse, result, ("FLUSHED", "flushed"));
            return 0;
        });
        ct.Subcommands.Add(flush);

        var lb = new Command("lb", "Load-balancer maps: services, backend slots, reverse NAT");
        lb.Subcommands.Add(Listing("list", "List the services map with each slot's backend", "bpf/lb",
            ("SERVICE ADDRESS", "service"), ("SLOT", "slot"), ("BACKEND ADDRESS", "backend"), ("BACKEND ID", "backendId"), ("STATE", "state"),
            ("REVNAT_ID", "revNat"), ("SCOPE", "scope"), ("FLAGS", "flags")));

        command.Subcommands.Add(endpoint);
        command.Subcommands.Add(ipcache);
        command.Subcommands.Add(policy);
        command.Subcommands.Add(ct);
        command.Subcommands.Add(lb);
        return command;
    }

    private static Command Listing(string name, string description, string path, params (string, string)[] columns)
    {
        var command = new Command(name, description);
        command.SetAgentAction(async (parse, client) =>
        {
            AgentCommand.Print(parse, await client.GetJsonAsync(path), columns);
            return 0;
        });
        return command;
    }
}
