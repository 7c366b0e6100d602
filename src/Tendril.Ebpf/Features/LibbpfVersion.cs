using Tendril.Ebpf.Internal;

namespace Tendril.Ebpf.Features;

/// <summary>The libbpf this process loaded.</summary>
public static unsafe class LibbpfVersion
{
    /// <summary>e.g. "v1.1".</summary>
    public static string Text => Libbpf.String(Libbpf.libbpf_version_string()) ?? "unknown";
}
