using Tendril.Interop;
using Tendril.Netlink.Links;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Netlink.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class PrivilegedNamespaceTests
{
    [PrivilegedFact]
    public void Create_NewName_IpNetnsListShowsItUntilDeleted()
    {
        string name = TestNames.Unique("ns");
        try
        {
            string path = NetworkNamespaces.Create(name);

            Assert.Equal($"/var/run/netns/{name}", path);
            Assert.True(NetworkNamespaces.Exists(name));
            Assert.Contains(name, NetworkNamespaces.List());
            Assert.Contains(name, Ip.Run("netns", "list").Split('\n').Select(line => line.Split(' ')[0]));
            // ip netns exec enters it: a fresh namespace has only a loopback device, and it is down.
            string links = Ip.Run("netns", "exec", name, "ip", "-o", "link", "show");
            Assert.Single(links.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("lo:", links);
        }
        finally
        {
            if (NetworkNamespaces.Exists(name))
                NetworkNamespaces.Delete(name);
        }
        Assert.False(NetworkNamespaces.Exists(name));
        Assert.DoesNotContain(name, Ip.Run("netns", "list"));
    }

    [PrivilegedFact]
    public void Create_Twice_SecondThrowsEexistAndFirstSurvives()
    {
        using var ns = TestNamespace.Create();
        var error = Assert.Throws<LinuxException>(() => NetworkNamespaces.Create(ns.Name));
        Assert.Equal(ErrnoNames.EEXIST, error.Errno);
        Assert.Contains(ns.Name, error.Message);
        Assert.Equal("lo", Assert.Single(ns.Netlink.Links.List()).Name);
    }

    [PrivilegedFact]
    public void Delete_MissingName_ThrowsEnoent()
    {
        var error = Assert.Throws<LinuxException>(() => NetworkNamespaces.Delete(TestNames.Unique("gone")));
        Assert.Equal(ErrnoNames.ENOENT, error.Errno);
        Assert.StartsWith("delete network namespace", error.Message);
    }

    [PrivilegedFact]
    public void Create_Any_RunDirectoryIsASharedMount()
    {
        using var ns = TestNamespace.Create();
        var line = File.ReadLines("/proc/self/mountinfo").FirstOrDefault(l => l.Split(' ')[4] == "/run/netns");
        Assert.NotNull(line);
        Assert.Contains("shared:", line);
    }

    [PrivilegedFact]
    public void OpenIn_FreshNamespace_ListsOnlyItsOwnLoopback()
    {
        using var ns = TestNamespace.Create();
        using var root = RtNetlink.Open();
        string bridge = TestNames.Link("br");
        ns.Netlink.Links.CreateBridge(new BridgeOptions(bridge));

        var names = ns.Netlink.Links.List().Select(l => l.Name).Order().ToList();

        Assert.Equal(["lo", bridge], names);
        Assert.Null(root.Links.Find(bridge));
        Assert.DoesNotContain(root.Links.List(), l => l.Name == bridge);
    }

    [PrivilegedFact]
    public void OpenIn_UsedFromAnotherThread_StillActsInItsNamespace()
    {
        using var ns = TestNamespace.Create();
        string bridge = TestNames.Link("br");
        var thread = new Thread(() => ns.Netlink.Links.CreateBridge(new BridgeOptions(bridge)));
        thread.Start();
        thread.Join();

        Assert.Contains(bridge, Ip.Run("-n", ns.Name, "-o", "link", "show"));
    }

    [PrivilegedFact]
    public void OpenIn_MissingNamespace_ThrowsEnoent()
    {
        var error = Assert.Throws<LinuxException>(() => RtNetlink.OpenIn(NetworkNamespaces.PathOf(TestNames.Unique("gone"))));
        Assert.Equal(ErrnoNames.ENOENT, error.Errno);
    }
}
