using Tendril.Cni.Agent;
using Tendril.Netlink;

namespace Tendril.Cni;

/// <summary>The real <see cref="ICniHost"/>: <see cref="AgentClientPort"/> and rtnetlink inside the pod's namespace. Stateless.</summary>
internal sealed class SystemCniHost : ICniHost
{
    public IAgentPort ConnectAgent(string socketPath) => new AgentClientPort(socketPath);

    public PodVethRemoval RemovePodVeth(string netnsPath, string interfaceName)
    {
        using var netlink = RtNetlink.OpenIn(netnsPath);
        var link = netlink.Links.Find(interfaceName);
        if (link is null)
            return PodVethRemoval.NotFound;
        if (link.Kind != "veth")
            return PodVethRemoval.NotVeth;
        netlink.Links.Delete(interfaceName);
        return PodVethRemoval.Deleted;
    }
}
