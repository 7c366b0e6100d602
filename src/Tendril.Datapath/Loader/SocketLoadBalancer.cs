using System.Text;
using Tendril.Datapath.Maps;
using Tendril.Ebpf;
using Tendril.Ebpf.Links;

namespace Tendril.Datapath.Loader;

/// <summary>
/// The socket-LB (bpf/sock.c): cgroup v2 hooks that send connect() and sendmsg() aimed at a service frontend to one
/// of its backends, and report the frontend back through recvmsg() and getpeername(). It reuses the load balancer
/// maps pinned under the same <see cref="DatapathOptions.PinDirectory"/> as <see cref="NodeDatapath"/> (whichever
/// loads first creates them), so services programmed through either object's <see cref="Maps"/> serve both.
/// Links are pinned under links/ (sock_&lt;cgroup hash&gt;_&lt;hook&gt;), so they outlive this process and a
/// restarted agent moves them to its new programs in place. Dispose releases this process's handles only.
/// Not thread-safe.
/// </summary>
public sealed class SocketLoadBalancer : IDisposable
{
    private static readonly (string Hook, AttachType AttachType, string Program)[] Hooks =
    [
        ("connect4", AttachType.CgroupInet4Connect, DatapathObjects.SockConnect4),
        ("sendmsg4", AttachType.CgroupUdp4Sendmsg, DatapathObjects.SockSendmsg4),
        ("recvmsg4", AttachType.CgroupUdp4Recvmsg, DatapathObjects.SockRecvmsg4),
        ("getpeername4", AttachType.CgroupInet4Getpeername, DatapathObjects.SockGetpeername4),
    ];

    private readonly Collection _collection;
    private readonly string _linkDirectory;

    private SocketLoadBalancer(Collection collection, DatapathOptions options)
    {
        _collection = collection;
        _linkDirectory = options.LinkDirectory;
        Maps = options.CreateLoadBalancerMaps(collection);
    }

    /// <summary>The load balancer maps (the same maps as <see cref="NodeDatapath.LoadBalancer"/> of this pin directory).</summary>
    public LoadBalancerMaps Maps { get; }

    /// <summary>Loads sock.o, reusing (or creating) the pinned load balancer maps under <paramref name="options"/>' directory.</summary>
    public static SocketLoadBalancer Load(DatapathOptions options)
    {
        var spec = DatapathObjects.Sock();
        options.Configure(spec);
        return new SocketLoadBalancer(spec.Load(), options);
    }

    /// <summary>What the kernel reports about one of this load's programs.</summary>
    public ProgramInfo ProgramInfo(string program) => _collection.GetProgram(program).Info;

    /// <summary>
    /// Attaches the four hooks to the cgroup v2 directory <paramref name="cgroupPath"/> (e.g. the cgroup2 root for every
    /// process on the node) and pins the links. Hooks already pinned for this cgroup by an earlier run are moved to
    /// this load's programs (BPF_LINK_UPDATE) with no gap. Other programs on the same hooks keep running (multi-attach).
    /// If one hook fails, the links this call made are removed again.
    /// </summary>
    public void Attach(string cgroupPath)
    {
        Directory.CreateDirectory(_linkDirectory);
        var made = new List<string>();
        try
        {
            foreach (var (hook, attachType, name) in Hooks)
            {
                string pin = LinkPin(cgroupPath, hook);
                var program = _collection.GetProgram(name);
                if (File.Exists(pin))
                {
                    using var pinned = Link.OpenPinned(pin);
                    if (pinned.Info().CgroupId is > 0)
                    {
                        if (pinned.ProgramId != program.Info.Id)
                            pinned.Update(program);
                        continue;
                    }
                    pinned.Unpin();
                }
                using var link = Link.AttachCgroup(program, new CgroupOptions(cgroupPath, attachType));
                link.Pin(pin);
                made.Add(pin);
            }
        }
        catch
        {
            foreach (string pin in made)
                File.Delete(pin);
            throw;
        }
    }

    /// <summary>Whether the hooks are pinned for <paramref name="cgroupPath"/>.</summary>
    public bool IsAttached(string cgroupPath) => File.Exists(LinkPin(cgroupPath, Hooks[0].Hook));

    /// <summary>What the kernel reports about the cgroup's pinned links (connect4, sendmsg4, recvmsg4, getpeername4); absent pins are left out.</summary>
    public IReadOnlyList<LinkInfo> Links(string cgroupPath)
    {
        var links = new List<LinkInfo>();
        foreach (var (hook, _, _) in Hooks)
        {
            string pin = LinkPin(cgroupPath, hook);
            if (!File.Exists(pin))
                continue;
            using var link = Link.OpenPinned(pin);
            links.Add(link.Info());
        }
        return links;
    }

    /// <summary>Detaches the hooks from <paramref name="cgroupPath"/> by removing the pins; sockets already translated stay so.</summary>
    public void Detach(string cgroupPath)
    {
        foreach (var (hook, _, _) in Hooks)
            File.Delete(LinkPin(cgroupPath, hook));
    }

    public void Dispose() => _collection.Dispose();

    /// <summary>bpffs names cannot hold a path, so a cgroup is named by a stable hash (FNV-1a) of its full path.</summary>
    private string LinkPin(string cgroupPath, string hook)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(Path.TrimEndingDirectorySeparator(Path.GetFullPath(cgroupPath))))
            hash = (hash ^ b) * 16777619;
        return Path.Combine(_linkDirectory, $"sock_{hash:x8}_{hook}");
    }
}
