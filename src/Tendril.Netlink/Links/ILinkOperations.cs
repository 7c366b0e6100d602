using System.Net.NetworkInformation;
using Tendril.Interop;

namespace Tendril.Netlink.Links;

/// <summary>
/// Network interfaces in the namespace of the <see cref="IRtNetlink"/> that owns this object.
/// Links are named as the kernel names them; failures throw <see cref="LinuxException"/> naming the verb and link,
/// invalid arguments throw <see cref="ArgumentException"/> before any syscall. Not thread-safe.
/// </summary>
public interface ILinkOperations
{
    /// <summary>Creates a veth pair and returns the local end.</summary>
    LinkInfo CreateVeth(VethOptions options);

    /// <summary>Creates a VXLAN device and returns it.</summary>
    LinkInfo CreateVxlan(VxlanOptions options);

    /// <summary>Creates a bridge and returns it.</summary>
    LinkInfo CreateBridge(BridgeOptions options);

    /// <summary>Deletes a link; deleting one end of a veth pair deletes both.</summary>
    void Delete(string name);

    /// <summary>The link called <paramref name="name"/>; throws ENODEV when there is none.</summary>
    LinkInfo Get(string name);

    /// <summary>The link with index <paramref name="index"/>; throws ENODEV when there is none.</summary>
    LinkInfo Get(int index);

    /// <summary>The link called <paramref name="name"/>, or null when there is none.</summary>
    LinkInfo? Find(string name);

    /// <summary>Every link in the namespace.</summary>
    IReadOnlyList<LinkInfo> List();

    /// <summary>Sets IFF_UP.</summary>
    void SetUp(string name);

    /// <summary>Clears IFF_UP.</summary>
    void SetDown(string name);

    void SetMtu(string name, int mtu);

    void SetMac(string name, PhysicalAddress mac);

    /// <summary>Renames a link. Kernels before 6.9 refuse (EBUSY) while the link is up; later ones allow it.</summary>
    void Rename(string name, string newName);

    /// <summary>Enslaves <paramref name="name"/> to the bridge (or other master) <paramref name="master"/>.</summary>
    void SetMaster(string name, string master);

    /// <summary>Releases <paramref name="name"/> from its master ("nomaster").</summary>
    void ClearMaster(string name);

    /// <summary>Moves a link into the network namespace behind <paramref name="namespacePath"/>; it leaves this one.</summary>
    void MoveToNamespace(string name, string namespacePath);
}
