using Tendril.Ebpf;

namespace Tendril.Datapath;

/// <summary>The BPF objects of the datapath, embedded by the build, and the names inside them.</summary>
public static class DatapathObjects
{
    public const string FromContainer = "tendril_from_container";
    public const string ToContainer = "tendril_to_container";

    public const string FromNetdev = "tendril_from_netdev";
    public const string ToNetdev = "tendril_to_netdev";

    public const string EndpointsMap = "tendril_endpoints";
    public const string EndpointsByIfindexMap = "tendril_endpoints_by_ifindex";
    public const string IpCacheMap = "tendril_ipcache";
    public const string PolicyMap = "tendril_policy";
    public const string CtTcpMap = "tendril_ct4_tcp";
    public const string CtAnyMap = "tendril_ct4_any";
    public const string EventsMap = "tendril_events";
    public const string EventsLostMap = "tendril_events_lost";
    public const string MetricsMap = "tendril_metrics";

    public const string SockConnect4 = "tendril_sock4_connect";
    public const string SockSendmsg4 = "tendril_sock4_sendmsg";
    public const string SockRecvmsg4 = "tendril_sock4_recvmsg";
    public const string SockGetpeername4 = "tendril_sock4_getpeername";

    public const string LbServicesMap = "tendril_lb4_services";
    public const string LbBackendsMap = "tendril_lb4_backends";
    public const string LbReverseNatMap = "tendril_lb4_reverse_nat";
    public const string LbReverseSkMap = "tendril_lb4_reverse_sk";
    public const string LbAffinityMap = "tendril_lb4_affinity";
    public const string LbMaglevMap = "tendril_lb4_maglev";
    public const string NodePortNatMap = "tendril_nodeport_nat";

    /// <summary>Load-time constants of both objects' load balancer (bpf/lib/lb.h).</summary>
    public const string MaglevTableSizeGlobal = "cfg_lb_maglev_table_size";
    public const string LbHashSeedGlobal = "cfg_lb_hash_seed";

    /// <summary>The endpoint program object (bpf/lxc.c).</summary>
    public static CollectionSpec Lxc() => CollectionSpec.FromResource(typeof(DatapathObjects).Assembly, "bpf/lxc.o");

    /// <summary>The external-device object (bpf/host.c): NodePort, ExternalIP and LoadBalancer from outside the node.</summary>
    public static CollectionSpec Host() => CollectionSpec.FromResource(typeof(DatapathObjects).Assembly, "bpf/host.o");

    /// <summary>The socket-LB object (bpf/sock.c): cgroup connect4, sendmsg4, recvmsg4 and getpeername4 hooks.</summary>
    public static CollectionSpec Sock() => CollectionSpec.FromResource(typeof(DatapathObjects).Assembly, "bpf/sock.o");
}
