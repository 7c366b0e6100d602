using Tendril.Ebpf;

namespace Tendril.Datapath;

/// <summary>The BPF objects of the datapath, embedded by the build, and the names inside them.</summary>
public static class DatapathObjects
{
    public const string FromContainer = "tendril_from_container";
    public const string ToContainer = "tendril_to_container";

    public const string EndpointsMap = "tendril_endpoints";
    public const string EndpointsByIfindexMap = "tendril_endpoints_by_ifindex";
    public const string IpCacheMap = "tendril_ipcache";
    public const string PolicyMap = "tendril_policy";
    public const string CtTcpMap = "tendril_ct4_tcp";
    public const string CtAnyMap = "tendril_ct4_any";
    public const string EventsMap = "tendril_events";
    public const string EventsLostMap = "tendril_events_lost";
    public const string MetricsMap = "tendril_metrics";

    /// <summary>The endpoint program object (bpf/lxc.c).</summary>
    public static CollectionSpec Lxc() => CollectionSpec.FromResource(typeof(DatapathObjects).Assembly, "bpf/lxc.o");
}
