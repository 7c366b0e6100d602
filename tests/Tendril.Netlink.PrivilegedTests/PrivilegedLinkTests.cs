using System.Net;
using System.Net.NetworkInformation;
using Tendril.Interop;
using Tendril.Netlink.Links;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Netlink.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class PrivilegedLinkTests : IDisposable
{
    private readonly TestNamespace _ns = TestNamespace.Create();

    private ILinkOperations Links => _ns.Netlink.Links;

    public void Dispose() => _ns.Dispose();

    [PrivilegedFact]
    public void CreateVeth_PeerInOtherNamespace_PeerAppearsThereWithNameAndMtu()
    {
        using var other = TestNamespace.Create("pn");
        string name = TestNames.Link("lxc"), peer = TestNames.Link("eth");
        var mac = PhysicalAddress.Parse("02-C7-00-00-00-01");
        var peerMac = PhysicalAddress.Parse("02-C7-00-00-00-02");

        var local = Links.CreateVeth(new VethOptions(name)
        {
            PeerName = peer,
            PeerNamespacePath = other.Path,
            Mtu = 1450,
            Mac = mac,
            PeerMac = peerMac,
        });

        Assert.Equal(name, local.Name);
        Assert.Equal("veth", local.Kind);
        Assert.Equal(1450, local.Mtu);
        Assert.Equal(mac, local.Mac);
        Assert.Null(Links.Find(peer));
        var remote = other.Netlink.Links.Get(peer);
        Assert.Equal("veth", remote.Kind);
        Assert.Equal(1450, remote.Mtu);
        Assert.Equal(peerMac, remote.Mac);
        Assert.Equal(remote.Index, local.ParentIndex);
        Assert.Contains($"{peer}@", Ip.Run("-n", other.Name, "-o", "link", "show"));
    }

    [PrivilegedFact]
    public void CreateVeth_NoPeerName_KernelNamesPeerAndDeleteRemovesBoth()
    {
        string name = TestNames.Link("v");
        var local = Links.CreateVeth(new VethOptions(name));
        var peer = Links.Get(local.ParentIndex!.Value);
        Assert.StartsWith("veth", peer.Name);
        Assert.Equal(1500, local.Mtu);

        Links.Delete(name);

        Assert.Null(Links.Find(name));
        Assert.Null(Links.Find(peer.Name));
    }

    [PrivilegedFact]
    public void CreateVxlan_ExternalDstPort8472_ReportsExternalAndPort()
    {
        string name = TestNames.Link("vx");
        var link = Links.CreateVxlan(new VxlanOptions(name) { External = true, DstPort = 8472 });

        Assert.Equal("vxlan", link.Kind);
        Assert.True(link.External);
        Assert.Equal((ushort)8472, link.DstPort);
        Assert.False(link.Learning);
        Assert.Contains(Links.List(), l => l.Name == name && l.External && l.DstPort == 8472);
        string details = Ip.Run("-n", _ns.Name, "-d", "link", "show", name);
        Assert.Contains("external", details);
        Assert.Contains("dstport 8472", details);
        Assert.Contains("nolearning", details);
    }

    [PrivilegedFact]
    public void CreateVxlan_VniLocalAndDevice_ReportsThem()
    {
        string bridge = TestNames.Link("br"), name = TestNames.Link("vx");
        var underlay = Links.CreateBridge(new BridgeOptions(bridge));
        var link = Links.CreateVxlan(new VxlanOptions(name)
        {
            Vni = 4242,
            DstPort = 4789,
            Local = IPAddress.Parse("10.199.0.1"),
            Device = bridge,
            Mtu = 1400,
        });

        Assert.Equal(4242u, link.Vni);
        Assert.Equal((ushort)4789, link.DstPort);
        Assert.False(link.External);
        Assert.Equal(IPAddress.Parse("10.199.0.1"), link.Local);
        Assert.Equal(underlay.Index, link.ParentIndex);
        Assert.Equal(1400, link.Mtu);
        Assert.Contains("vxlan id 4242", Ip.Run("-n", _ns.Name, "-d", "link", "show", name));
    }

    [PrivilegedFact]
    public void SetMaster_VethIntoBridge_ReportsMasterUntilCleared()
    {
        string bridge = TestNames.Link("br"), port = TestNames.Link("p");
        var br = Links.CreateBridge(new BridgeOptions(bridge) { Mtu = 1450 });
        Links.CreateVeth(new VethOptions(port) { Mtu = 1450 });
        Assert.Equal("bridge", br.Kind);
        Assert.Equal(1450, br.Mtu);

        Links.SetMaster(port, bridge);
        Assert.Equal(br.Index, Links.Get(port).MasterIndex);
        Assert.Contains($"master {bridge}", Ip.Run("-n", _ns.Name, "link", "show", port));

        Links.ClearMaster(port);
        Assert.Null(Links.Get(port).MasterIndex);
    }

    [PrivilegedFact]
    public void SetUpAndDown_VethPair_FlagsAndOperStateFollow()
    {
        string a = TestNames.Link("a"), b = TestNames.Link("b");
        Links.CreateVeth(new VethOptions(a) { PeerName = b });
        Assert.False(Links.Get(a).IsUp);

        Links.SetUp(a);
        Links.SetUp(b);
        Assert.True(Links.Get(a).IsUp);
        Assert.True(Poll.Until(() => Links.Get(a).OperState == LinkOperState.Up, TimeSpan.FromSeconds(5)), "veth never reached oper state UP");

        Links.SetDown(a);
        var down = Links.Get(a);
        Assert.False(down.IsUp);
        Assert.Equal(LinkOperState.Down, down.OperState);
    }

    [PrivilegedFact]
    public void SetMtuMacAndRename_Link_ChangesAreReported()
    {
        string name = TestNames.Link("m"), renamed = TestNames.Link("r");
        var created = Links.CreateBridge(new BridgeOptions(name));
        var mac = PhysicalAddress.Parse("02-C7-00-00-00-42");

        Links.SetMtu(name, 1280);
        Links.SetMac(name, mac);
        Links.Rename(name, renamed);

        var link = Links.Get(created.Index);
        Assert.Equal(renamed, link.Name);
        Assert.Equal(1280, link.Mtu);
        Assert.Equal(mac, link.Mac);
        Assert.Null(Links.Find(name));
        Assert.Contains("02:c7:00:00:00:42", Ip.Run("-n", _ns.Name, "link", "show", renamed));
    }

    [PrivilegedFact]
    public void MoveToNamespace_Veth_LeavesHereAndAppearsThere()
    {
        using var other = TestNamespace.Create("mv");
        string name = TestNames.Link("mv");
        Links.CreateVeth(new VethOptions(name) { Mtu = 1400 });

        Links.MoveToNamespace(name, other.Path);

        Assert.Null(Links.Find(name));
        var moved = other.Netlink.Links.Get(name);
        Assert.Equal(1400, moved.Mtu);
        Assert.Equal("veth", moved.Kind);
    }

    [PrivilegedFact]
    public void CreateBridge_DuplicateName_ThrowsEexistNamingTheLink()
    {
        string name = TestNames.Link("dup");
        Links.CreateBridge(new BridgeOptions(name));

        var error = Assert.Throws<LinuxException>(() => Links.CreateVeth(new VethOptions(name)));

        Assert.Equal(ErrnoNames.EEXIST, error.Errno);
        Assert.Contains("EEXIST", error.Message);
        Assert.Contains(name, error.Message);
        Assert.Equal($"add veth {name}", error.Operation);
    }

    [PrivilegedFact]
    public void GetAndDelete_MissingLink_ThrowEnodev()
    {
        string name = TestNames.Link("none");
        Assert.Null(Links.Find(name));
        Assert.Equal(ErrnoNames.ENODEV, Assert.Throws<LinuxException>(() => Links.Get(name)).Errno);
        var error = Assert.Throws<LinuxException>(() => Links.Delete(name));
        Assert.Equal(ErrnoNames.ENODEV, error.Errno);
        Assert.StartsWith($"delete link {name}: ENODEV", error.Message);
    }

    [PrivilegedFact]
    public void SetMaster_MissingMaster_ThrowsNamingBothLinks()
    {
        string port = TestNames.Link("p"), master = TestNames.Link("nobr");
        Links.CreateVeth(new VethOptions(port));
        var error = Assert.Throws<LinuxException>(() => Links.SetMaster(port, master));
        Assert.Equal(ErrnoNames.ENODEV, error.Errno);
        Assert.Contains(port, error.Message);
        Assert.Contains(master, error.Message);
    }

    [PrivilegedFact]
    public void Rename_WhileUp_LinkKeepsIndexAndStaysUp()
    {
        // Linux 6.9 and later rename live links; this kernel is 6.18.
        string name = TestNames.Link("up"), renamed = TestNames.Link("x");
        var created = Links.CreateBridge(new BridgeOptions(name));
        Links.SetUp(name);

        Links.Rename(name, renamed);

        var link = Links.Get(renamed);
        Assert.Equal(created.Index, link.Index);
        Assert.True(link.IsUp);
    }

    [PrivilegedFact]
    public void Rename_ToExistingName_ThrowsEexist()
    {
        string a = TestNames.Link("a"), b = TestNames.Link("b");
        Links.CreateBridge(new BridgeOptions(a));
        Links.CreateBridge(new BridgeOptions(b));
        var error = Assert.Throws<LinuxException>(() => Links.Rename(a, b));
        Assert.Equal(ErrnoNames.EEXIST, error.Errno);
        Assert.Equal($"rename {a} to {b}", error.Operation);
    }

    [PrivilegedFact]
    public void List_AfterCreatingSeveral_ContainsEachWithKind()
    {
        string bridge = TestNames.Link("br"), veth = TestNames.Link("v"), vxlan = TestNames.Link("vx");
        Links.CreateBridge(new BridgeOptions(bridge));
        Links.CreateVeth(new VethOptions(veth));
        Links.CreateVxlan(new VxlanOptions(vxlan) { External = true, DstPort = 8472 });

        var byName = Links.List().ToDictionary(l => l.Name);

        Assert.Equal("bridge", byName[bridge].Kind);
        Assert.Equal("veth", byName[veth].Kind);
        Assert.Equal("vxlan", byName[vxlan].Kind);
        Assert.Null(byName["lo"].Kind);
        Assert.Equal(1, byName["lo"].Index);
    }
}
