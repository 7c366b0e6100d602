namespace Tendril.Ebpf.Links;

public enum XdpMode : uint
{
    /// <summary>Let the kernel choose (native when the driver supports it).</summary>
    Default = 0,

    /// <summary>Generic XDP in the stack; works on any device.</summary>
    Generic = 1u << 1,

    /// <summary>Native XDP in the driver (veth supports it).</summary>
    Native = 1u << 2,
}

public sealed record XdpOptions(int Ifindex, XdpMode Mode = XdpMode.Default, string? DeviceName = null);

public static partial class Link
{
    /// <summary>Attaches an XDP program to a device through a BPF link.</summary>
    public static ILink AttachXdp(Program program, XdpOptions options)
    {
        RequireType(program, "XDP", ProgramType.Xdp);
        if (options.Ifindex <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"invalid interface index {options.Ifindex}");
        string device = options.DeviceName ?? $"ifindex {options.Ifindex}";
        return FdLink.Create(program, (uint)options.Ifindex, AttachType.Xdp, (uint)options.Mode, 0, 0,
            $"attach XDP program {program.Name} to {device}",
            hint: "EBUSY means another XDP program is attached without a link");
    }
}
