namespace Tendril.Ebpf.Links;

/// <summary>
/// A program attached to a hook. Links made by <see cref="Link"/> are BPF links: an unpinned link detaches
/// when disposed (or when the process dies); a pinned link stays attached until its pin is removed, and can
/// be found again with <see cref="Link.OpenPinned"/> after a restart. Thread-safe.
/// </summary>
public interface ILink : IDisposable
{
    LinkType Type { get; }

    /// <summary>The kernel's id of the link (0 for legacy tc attachments, which are not links).</summary>
    uint Id { get; }

    /// <summary>The program the link runs, as of its creation or this process's last <see cref="Update"/>.</summary>
    uint ProgramId { get; }

    string? PinPath { get; }

    /// <summary>Pins the link in bpffs so it stays attached after this process exits.</summary>
    void Pin(string path);

    /// <summary>Removes the pin; the link then lives only as long as this object.</summary>
    void Unpin();

    /// <summary>
    /// Swaps the link's program for <paramref name="newProgram"/> in place (BPF_LINK_UPDATE): the hook runs the old
    /// program until the new one takes over, with no moment where neither runs, and keeps its position among other
    /// programs. With <paramref name="expectedProgram"/> the swap happens only if the link still runs that program;
    /// otherwise it fails with EPERM and nothing changes. The new program must be of the same type. A pinned link
    /// stays pinned and runs the new program after this process exits.
    /// </summary>
    void Update(Program newProgram, Program? expectedProgram = null);

    /// <summary>Detaches the program now, even if the link is pinned elsewhere; the pin then refers to a dead link.</summary>
    void Detach();

    /// <summary>What the kernel reports about the link now.</summary>
    LinkInfo Info();
}
