using System.Net.NetworkInformation;

namespace Tendril.Bench;

/// <summary>What the checks before timing found (printed under the table).</summary>
/// <param name="RootNamespace">The root network namespace's id, <c>net:[…]</c>.</param>
/// <param name="NodeNamespace">The node namespace's id, which a plugin process reported as its own.</param>
/// <param name="WarmupAddMs">The untimed first ADD of each side (tendril-cni, reference).</param>
/// <param name="PodAddresses">The address each side's warm-up pod got on eth0.</param>
/// <param name="RootForwarding">net.ipv4.ip_forward of the root namespace before anything ran.</param>
/// <param name="NodeForwarding">net.ipv4.ip_forward of the node namespace after the warm-up.</param>
internal sealed record CniCheckResult(string RootNamespace, string NodeNamespace, (double Tendril, double Reference) WarmupAddMs,
    (string Tendril, string Reference) PodAddresses, string RootForwarding, string NodeForwarding);

/// <summary>
/// Before anything is timed: proves that a process started through <see cref="CniExec"/> runs in the node namespace,
/// then runs one untimed ADD + DEL per side (the first call pays for cold caches and, for the reference, creating the
/// bridge), checking that ADD gave the pod an addressed eth0, that DEL removed it, and that the reference's bridge is
/// in the node namespace and not in the root one. Any failure is a <see cref="BenchmarkException"/>.
/// </summary>
internal static class CniChecks
{
    private const string Forwarding = "/proc/sys/net/ipv4/ip_forward";

    public static CniCheckResult Run(CniExec exec, CniNode node, CniBenchmark.Side tendril, CniBenchmark.Side reference, string bridge,
        CancellationToken cancellationToken)
    {
        string root = CurrentNamespace();
        string nodeNamespace = node.Thread.Invoke(CurrentNamespace);
        string child = Output(exec, "readlink", ["/proc/self/ns/net"], cancellationToken);
        if (child != nodeNamespace || child == root)
            throw new BenchmarkException($"a process forked from the node namespace's thread runs in {child}, not in the node namespace " +
                $"{node.Name} ({nodeNamespace}; root: {root}): plugins would act on the wrong namespace");
        string rootForwarding = RootForwarding();

        var (tendrilAdd, tendrilAddress) = WarmUp(exec, tendril, cancellationToken);
        var (referenceAdd, referenceAddress) = WarmUp(exec, reference, cancellationToken);
        if (exec.Run("ip", ["-o", "link", "show", "dev", bridge], [], "", cancellationToken).ExitCode != 0)
            throw new BenchmarkException($"the bridge plugin's bridge {bridge} is not in the node namespace {node.Name}");
        // .NET lists interfaces through netlink from the calling thread, which is in the root namespace.
        if (NetworkInterface.GetAllNetworkInterfaces().Any(i => i.Name == bridge))
            throw new BenchmarkException($"the bridge plugin created {bridge} in the root namespace: stopping before it does more there");
        string nodeForwarding = Output(exec, "cat", [Forwarding], cancellationToken);
        return new CniCheckResult(root, nodeNamespace, (tendrilAdd, referenceAdd), (tendrilAddress, referenceAddress), rootForwarding, nodeForwarding);
    }

    /// <summary>net.ipv4.ip_forward as this thread (in the root namespace) sees it.</summary>
    public static string RootForwarding() => File.ReadAllText(Forwarding).Trim();

    private static (double AddMs, string Address) WarmUp(CniExec exec, CniBenchmark.Side side, CancellationToken cancellationToken)
    {
        string pod = side.Pods[0], id = CniBenchmark.ContainerId();
        double add = CniBenchmark.Call(exec, side, "ADD", id, pod, cancellationToken).Milliseconds;
        var shown = exec.Run("ip", ["-n", pod, "-4", "-o", "addr", "show", "dev", "eth0"], [], "", cancellationToken);
        string[] words = shown.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int inet = Array.IndexOf(words, "inet");
        if (shown.ExitCode != 0 || inet < 0 || inet + 1 >= words.Length)
            throw new BenchmarkException($"{side.Name}: after ADD, pod namespace {pod} has no IPv4 address on eth0: {shown.Stdout.Trim()} {shown.Stderr.Trim()}");
        CniBenchmark.Call(exec, side, "DEL", id, pod, cancellationToken);
        if (exec.Run("ip", ["-n", pod, "-o", "link", "show", "dev", "eth0"], [], "", cancellationToken).ExitCode == 0)
            throw new BenchmarkException($"{side.Name}: after DEL, pod namespace {pod} still has eth0");
        return (add, words[inet + 1]);
    }

    private static string Output(CniExec exec, string program, string[] args, CancellationToken cancellationToken)
    {
        var result = exec.Run(program, args, [], "", cancellationToken);
        if (result.ExitCode != 0)
            throw new BenchmarkException($"{program} {string.Join(' ', args)} failed with exit code {result.ExitCode}: {result.Stderr.Trim()}");
        return result.Stdout.Trim();
    }

    /// <summary>The calling thread's network namespace, <c>net:[inode]</c>.</summary>
    private static string CurrentNamespace() =>
        new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? throw new BenchmarkException("/proc/thread-self/ns/net is not a link");
}
