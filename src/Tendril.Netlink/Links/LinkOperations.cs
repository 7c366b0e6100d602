using System.Net.NetworkInformation;
using Tendril.Interop;
using Tendril.Netlink.Messages;
using Tendril.Netlink.Namespaces;
using Tendril.Netlink.Transport;

namespace Tendril.Netlink.Links;

/// <summary>Link requests over one rtnetlink socket. Not thread-safe; owned by the session that made it.</summary>
internal sealed class LinkOperations(NetlinkSocket socket) : ILinkOperations
{
    private NetlinkWriter W => socket.Writer;

    public LinkInfo CreateVeth(VethOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Check.InterfaceName(options.Name, nameof(options.Name));
        if (options.PeerName is not null)
            Check.InterfaceName(options.PeerName, nameof(options.PeerName));
        Check.Mtu(options.Mtu, nameof(options.Mtu));
        Check.Mtu(options.PeerMtu, nameof(options.PeerMtu));
        Check.Mac(options.Mac, nameof(options.Mac));
        Check.Mac(options.PeerMac, nameof(options.PeerMac));
        if (options.PeerNamespacePath is not null)
            Check.NamespacePath(options.PeerNamespacePath, nameof(options.PeerNamespacePath));

        string operation = $"add veth {options.Name}";
        using var peerNamespace = options.PeerNamespacePath is null ? null : NamespaceFile.Open(options.PeerNamespacePath, operation);
        LinkMessages.CreateVeth(W, socket.NextSequence(), options, peerNamespace?.Fd);
        socket.Execute(operation);
        return Get(options.Name);
    }

    public LinkInfo CreateVxlan(VxlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Check.InterfaceName(options.Name, nameof(options.Name));
        if (options.Device is not null)
            Check.InterfaceName(options.Device, nameof(options.Device));
        if (options.Vni is > 0xFFFFFF)
            throw new ArgumentOutOfRangeException(nameof(options), options.Vni, "a VXLAN VNI must be below 2^24");
        if (options.DstPort == 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.DstPort, "a VXLAN destination port must not be 0");
        if (options.Local is not null)
            Check.Family(options.Local, nameof(options.Local));
        Check.Mtu(options.Mtu, nameof(options.Mtu));
        Check.Mac(options.Mac, nameof(options.Mac));

        string operation = $"add vxlan {options.Name}";
        int? device = options.Device is null ? null : Resolve(options.Device, operation);
        LinkMessages.CreateVxlan(W, socket.NextSequence(), options, device);
        socket.Execute(operation);
        return Get(options.Name);
    }

    public LinkInfo CreateBridge(BridgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Check.InterfaceName(options.Name, nameof(options.Name));
        Check.Mtu(options.Mtu, nameof(options.Mtu));
        Check.Mac(options.Mac, nameof(options.Mac));
        LinkMessages.CreateBridge(W, socket.NextSequence(), options);
        socket.Execute($"add bridge {options.Name}");
        return Get(options.Name);
    }

    public void Delete(string name)
    {
        Check.InterfaceName(name, nameof(name));
        LinkMessages.Delete(W, socket.NextSequence(), name);
        socket.Execute($"delete link {name}");
    }

    public LinkInfo Get(string name)
    {
        Check.InterfaceName(name, nameof(name));
        LinkMessages.Get(W, socket.NextSequence(), name, 0);
        return GetOne($"get link {name}");
    }

    public LinkInfo Get(int index)
    {
        Check.LinkIndex(index, nameof(index));
        LinkMessages.Get(W, socket.NextSequence(), null, index);
        return GetOne($"get link with index {index}");
    }

    public LinkInfo? Find(string name)
    {
        try
        {
            return Get(name);
        }
        catch (LinuxException e) when (e.Errno == ErrnoNames.ENODEV)
        {
            return null;
        }
    }

    public IReadOnlyList<LinkInfo> List()
    {
        LinkMessages.Dump(W, socket.NextSequence());
        return socket.Dump("list links", (in NetlinkMessage message) =>
            message.Type == Rtm.NEWLINK ? LinkMessages.Parse(in message) : null);
    }

    public void SetUp(string name) => SetState(name, up: true);

    public void SetDown(string name) => SetState(name, up: false);

    public void SetMtu(string name, int mtu)
    {
        Check.InterfaceName(name, nameof(name));
        Check.Mtu(mtu, nameof(mtu));
        LinkMessages.SetMtu(W, socket.NextSequence(), name, mtu);
        socket.Execute($"set mtu {mtu} on {name}");
    }

    public void SetMac(string name, PhysicalAddress mac)
    {
        Check.InterfaceName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(mac);
        Check.Mac(mac, nameof(mac));
        LinkMessages.SetMac(W, socket.NextSequence(), name, mac);
        socket.Execute($"set address {mac} on {name}");
    }

    public void Rename(string name, string newName)
    {
        Check.InterfaceName(name, nameof(name));
        Check.InterfaceName(newName, nameof(newName));
        string operation = $"rename {name} to {newName}";
        int index = Resolve(name, operation);
        LinkMessages.Rename(W, socket.NextSequence(), index, newName);
        socket.Execute(operation);
    }

    public void SetMaster(string name, string master)
    {
        Check.InterfaceName(name, nameof(name));
        Check.InterfaceName(master, nameof(master));
        string operation = $"set master {master} on {name}";
        int masterIndex = Resolve(master, operation);
        LinkMessages.SetMaster(W, socket.NextSequence(), name, masterIndex);
        socket.Execute(operation);
    }

    public void ClearMaster(string name)
    {
        Check.InterfaceName(name, nameof(name));
        LinkMessages.SetMaster(W, socket.NextSequence(), name, 0);
        socket.Execute($"set nomaster on {name}");
    }

    public void MoveToNamespace(string name, string namespacePath)
    {
        Check.InterfaceName(name, nameof(name));
        Check.NamespacePath(namespacePath, nameof(namespacePath));
        string operation = $"move link {name} to namespace {namespacePath}";
        using var target = NamespaceFile.Open(namespacePath, operation);
        LinkMessages.SetNamespace(W, socket.NextSequence(), name, target.Fd);
        socket.Execute(operation);
    }

    private void SetState(string name, bool up)
    {
        Check.InterfaceName(name, nameof(name));
        LinkMessages.SetUp(W, socket.NextSequence(), name, up);
        socket.Execute($"set {name} {(up ? "up" : "down")}");
    }

    /// <summary>A link's index, failing with the caller's operation in the message when it does not exist.</summary>
    private int Resolve(string name, string operation)
    {
        LinkMessages.Get(W, socket.NextSequence(), name, 0);
        return GetOne($"{operation}: look up {name}").Index;
    }

    private LinkInfo GetOne(string operation)
    {
        LinkInfo? found = null;
        socket.Execute(operation, (in NetlinkMessage message) =>
        {
            if (message.Type == Rtm.NEWLINK)
                found = LinkMessages.Parse(in message);
        });
        return found ?? throw new InvalidDataException($"{operation}: the kernel acknowledged the request but sent no link");
    }
}
