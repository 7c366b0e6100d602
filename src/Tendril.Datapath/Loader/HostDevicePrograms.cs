using Tendril.Ebpf;
using Tendril.Ebpf.Links;
using Tendril.Interop.Namespaces;

namespace Tendril.Datapath.Loader;

/// <summary>
/// The programs of the node's external devices (bpf/host.c): tcx ingress DNATs packets from outside to a NodePort,
/// ExternalIP or LoadBalancer frontend to a local backend, tcx egress gives the backends' replies the frontend back
/// as their source. Shares the maps pinned under the same <see cref="DatapathOptions.PinDirectory"/> as
/// <see cref="NodeDatapath"/> (load it after the node datapath). Links are pinned under links/
/// (dev_&lt;ifindex&gt;_&lt;direction&gt;) so they outlive this process; a restarted agent moves them to its new
/// programs in place. Dispose releases this process's handles only. Not thread-safe.
/// </summary>
public sealed class HostDevicePrograms : IDisposable
{
    private static readonly (TcxDirection Direction, string Program)[] Programs =
        [(TcxDirection.Ingress, DatapathObjects.FromNetdev), (TcxDirection.Egress, DatapathObjects.ToNetdev)];

    private readonly Collection _collection;
    private readonly string _linkDirectory;

    private HostDevicePrograms(Collection collection, DatapathOptions options)
    {
        _collection = collection;
        _linkDirectory = options.LinkDirectory;
    }

    /// <summary>Loads host.o, reusing the pinned maps under <paramref name="options"/>' directory.</summary>
    public static HostDevicePrograms Load(DatapathOptions options)
    {
        var spec = DatapathObjects.Host();
        options.Configure(spec);
        return new HostDevicePrograms(spec.Load(), options);
    }

    /// <summary>What the kernel reports about one of this load's programs.</summary>
    public ProgramInfo ProgramInfo(string program) => _collection.GetProgram(program).Info;

    /// <summary>
    /// Attaches both programs to the device <paramref name="ifindex"/> of the node's namespace (tcx, run on
    /// <paramref name="nodeThread"/>) and pins the links. Links pinned for this ifindex by an earlier run are moved to
    /// this load's programs (BPF_LINK_UPDATE) with no gap; a pin whose device is gone is replaced.
    /// </summary>
    public void Attach(int ifindex, NetNsThread nodeThread)
    {
        Directory.CreateDirectory(_linkDirectory);
        foreach (var (direction, name) in Programs)
        {
            string pin = LinkPin(ifindex, direction);
            var program = _collection.GetProgram(name);
            if (File.Exists(pin))
            {
                using var pinned = Link.OpenPinned(pin);
                if (pinned.Info().Ifindex == ifindex)
                {
                    if (pinned.ProgramId != program.Info.Id)
                        pinned.Update(program);
                    continue;
                }
                pinned.Unpin();
            }
            using var link = nodeThread.Invoke(() => Link.AttachTcx(program, new TcxOptions(ifindex, direction)));
            link.Pin(pin);
        }
    }

    /// <summary>What the kernel reports about the device's pinned links (ingress, then egress); absent pins are left out.</summary>
    public IReadOnlyList<LinkInfo> Links(int ifindex)
    {
        var links = new List<LinkInfo>();
        foreach (var (direction, _) in Programs)
        {
            string pin = LinkPin(ifindex, direction);
            if (!File.Exists(pin))
                continue;
            using var link = Link.OpenPinned(pin);
            links.Add(link.Info());
        }
        return links;
    }

    /// <summary>Detaches both programs from the device by removing the pins.</summary>
    public void Detach(int ifindex)
    {
        foreach (var (direction, _) in Programs)
            File.Delete(LinkPin(ifindex, direction));
    }

    public void Dispose() => _collection.Dispose();

    private string LinkPin(int ifindex, TcxDirection direction) =>
        Path.Combine(_linkDirectory, $"dev_{ifindex}_{direction.ToString().ToLowerInvariant()}");
}
