using Tendril.Ebpf.Internal;
using Tendril.Interop;

namespace Tendril.Ebpf.Links;

/// <summary>
/// Attaches programs. Device hooks (tcx, tc, XDP) act on the interface index in the calling thread's network
/// namespace: call them through a <see cref="Tendril.Interop.Namespaces.NetNsThread"/> to attach inside a pod or node namespace.
/// </summary>
public static partial class Link
{
    /// <summary>Opens a link pinned in bpffs, e.g. after an agent restart.</summary>
    public static ILink OpenPinned(string path)
    {
        return new FdLink(BpfFsPin.Open(path, "link"), $"pinned link {path}", path);
    }

    private static void RequireType(Program program, string hook, params ProgramType[] types)
    {
        if (!types.Contains(program.Type))
            throw new ArgumentException($"program {program.Name} is a {program.Type} program; {hook} takes {string.Join(" or ", types)}");
    }
}
