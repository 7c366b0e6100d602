using Tendril.Cni.Agent;

namespace Tendril.Cni;

/// <summary>What DEL's fallback did inside the pod's network namespace.</summary>
internal enum PodVethRemoval
{
    /// <summary>The interface was a veth and is gone, with its host-side peer.</summary>
    Deleted,

    /// <summary>There is no such interface: nothing to do.</summary>
    NotFound,

    /// <summary>The interface is not a veth, so not one Tendril made: left alone.</summary>
    NotVeth,
}

/// <summary>
/// Everything the plugin reaches outside its own logic: the agent, and the pod's network namespace for DEL when the
/// agent is down. The process uses <see cref="SystemCniHost"/>; unit tests pass a fake.
/// </summary>
internal interface ICniHost
{
    /// <summary>A port to the agent listening on <paramref name="socketPath"/>. Connects lazily; the caller disposes it.</summary>
    IAgentPort ConnectAgent(string socketPath);

    /// <summary>Deletes <paramref name="interfaceName"/> inside the network namespace <paramref name="netnsPath"/> when it is a veth.</summary>
    PodVethRemoval RemovePodVeth(string netnsPath, string interfaceName);
}
