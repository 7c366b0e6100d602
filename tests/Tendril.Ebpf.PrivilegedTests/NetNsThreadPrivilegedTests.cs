using Tendril.Interop;
using Tendril.Interop.Namespaces;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class NetNsThreadPrivilegedTests
{
    [PrivilegedFact]
    public async Task PrivilegedInvoke_ManyAsyncItems_RunInsideAndLeaveNoThreadInTheNamespace()
    {
        string name = TestNames.Unique("ns");
        NetworkNamespaces.Create(name);
        try
        {
            string home = LinuxSystem.CurrentNetworkNamespace;
            string target = NamespaceInode(NetworkNamespaces.PathOf(name));
            using var worker = NetNsThread.StartNamed(name);

            var seen = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => worker.InvokeAsync(() => LinuxSystem.CurrentNetworkNamespace)));
            // Continuations of those tasks ran on pool threads; more pool work now must still run at home.
            var poolSeen = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => LinuxSystem.CurrentNetworkNamespace)));

            Assert.All(seen, ns => Assert.Equal(target, ns));
            Assert.All(poolSeen, ns => Assert.Equal(home, ns));
            Assert.Equal(home, LinuxSystem.CurrentNetworkNamespace);
            Assert.DoesNotContain(target, ThreadNamespaces());
        }
        finally
        {
            NetworkNamespaces.Delete(name);
        }
    }

    [PrivilegedFact]
    public void PrivilegedInvoke_WorkThrows_ExceptionReachesTheCallerAndTheThreadKeepsWorking()
    {
        string name = TestNames.Unique("ns");
        NetworkNamespaces.Create(name);
        try
        {
            using var worker = NetNsThread.StartNamed(name);

            var e = Assert.Throws<InvalidOperationException>(() => worker.Invoke<int>(() => throw new InvalidOperationException("boom")));

            Assert.Equal("boom", e.Message);
            Assert.Equal(NamespaceInode(NetworkNamespaces.PathOf(name)), worker.Invoke(() => LinuxSystem.CurrentNetworkNamespace));
        }
        finally
        {
            NetworkNamespaces.Delete(name);
        }
    }

    [PrivilegedFact]
    public void PrivilegedStart_MissingNamespace_ThrowsNamingThePath()
    {
        var e = Assert.Throws<LinuxException>(() => NetNsThread.Start("/var/run/netns/tt-does-not-exist"));

        Assert.Equal(ErrnoNames.ENOENT, e.Errno);
        Assert.Contains("/var/run/netns/tt-does-not-exist", e.Message);
    }

    /// <summary>What a separate process that enters <paramref name="path"/> sees as its namespace: an independent witness.</summary>
    private static string NamespaceInode(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("nsenter", [$"--net={path}", "readlink", "/proc/self/ns/net"]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.StartsWith("net:[", output);
        return output;
    }

    private static IEnumerable<string> ThreadNamespaces() =>
        Directory.EnumerateDirectories("/proc/self/task").Select(t => new FileInfo(Path.Combine(t, "ns", "net")).LinkTarget ?? "");
}
