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

    uint ProgramId { get; }

    string? PinPath { get; }

    /// <summary>Pins the link in bpffs so it stays attached after this process exits.</summary>
    void Pin(string path);

    /// <summary>Removes the pin; the link then lives only as long as this object.</summary>
    void Unpin();

    /// <summary>Detaches the program now, even if the link is pinned elsewhere; the pin then refers to a dead link.</summary>
    void Detach();

    /// <summary>What the kernel reports about the link now.</summary>
    LinkInfo Info();
}
