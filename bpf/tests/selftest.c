// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test object for Tendril.Ebpf: one small program per attach kind the library supports
 * (tc/tcx, XDP, cgroup sock_addr and sock_create, tracepoint), and one map of each type it handles.
 * Used by Tendril.Ebpf.PrivilegedTests and the benchmarks; not part of the datapath.
 */
#include "lib/common.h"
#include "lib/parse.h"
#include "shared/selftest.h"

/* From the socket ABI; the uapi headers do not define them for BPF targets. */
#define AF_INET 2
#define SOCK_DGRAM 2

/* Only packets to this destination port are judged by selftest_config; 0 = all IPv4 TCP/UDP. Set before load. */
const volatile __u16 cfg_match_port = 0;

/* The verdict and socket switches, flipped from user space while programs run. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct selftest_config);
} selftest_config SEC(".maps");

/* Per-packet events of selftest_tc. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} selftest_events SEC(".maps");

/* Counters of selftest_tc, including ring-buffer losses. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct selftest_stats);
} selftest_stats SEC(".maps");

/* A plain hash map for map-operation tests and benchmarks; no program uses it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct selftest_value);
} selftest_hash SEC(".maps");

/* Per-CPU hash for per-CPU value tests. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} selftest_percpu_hash SEC(".maps");

/* Longest-prefix match over IPv4 prefixes, as the ipcache will be. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct selftest_lpm_key);
	__type(value, __u32);
} selftest_lpm SEC(".maps");

/* Virtual address -> backend, read by the connect4/sendmsg4 programs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct selftest_addr);
	__type(value, struct selftest_addr);
} selftest_lb SEC(".maps");

/* Backend -> virtual address, read by recvmsg4/getpeername4 to undo the translation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct selftest_addr);
	__type(value, struct selftest_addr);
} selftest_lb_reverse SEC(".maps");

/* Packets seen by selftest_xdp. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} selftest_xdp_count SEC(".maps");

/* What selftest_exec saw. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct selftest_exec);
} selftest_exec_state SEC(".maps");

static __always_inline struct selftest_config *config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&selftest_config, &zero);
}

static __always_inline void emit_event(struct parsed_ipv4 *pkt, __u8 verdict, __u32 len, struct selftest_stats *stats)
{
	struct selftest_event *ev;

	ev = bpf_ringbuf_reserve(&selftest_events, sizeof(*ev), 0);
	if (!ev) {
		if (stats)
			stats->lost++;
		return;
	}
	ev->ktime_ns = bpf_ktime_get_ns();
	ev->saddr = pkt->saddr;
	ev->daddr = pkt->daddr;
	ev->sport = pkt->sport;
	ev->dport = pkt->dport;
	ev->protocol = pkt->protocol;
	ev->verdict = verdict;
	ev->tcp_flags = pkt->tcp_flags;
	ev->pad = 0;
	ev->len = len;
	ev->seq = stats ? (__u32)stats->seen : 0;
	bpf_ringbuf_submit(ev, 0);
}

/* tc/tcx: report every IPv4 TCP/UDP packet and apply the configured verdict to the matching ones. */
SEC("tc")
int selftest_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct selftest_stats *stats;
	struct selftest_config *cfg;
	struct parsed_ipv4 pkt;
	__u32 zero = 0;
	__u8 verdict = SELFTEST_PASS;

	if (!parse_ipv4(data, data_end, &pkt))
		return TC_ACT_OK;
	if (pkt.protocol != IPPROTO_TCP && pkt.protocol != IPPROTO_UDP)
		return TC_ACT_OK;

	stats = bpf_map_lookup_elem(&selftest_stats, &zero);
	cfg = config();
	if (cfg && (cfg_match_port == 0 || pkt.dport == cfg_match_port))
		verdict = cfg->verdict == SELFTEST_DROP ? SELFTEST_DROP : SELFTEST_PASS;
	if (stats) {
		stats->seen++;
		if (verdict == SELFTEST_DROP)
			stats->dropped++;
		else
			stats->passed++;
	}
	emit_event(&pkt, verdict, skb->len, stats);
	return verdict == SELFTEST_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

/* XDP: count and pass. */
SEC("xdp")
int selftest_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&selftest_xdp_count, &zero);

	if (count)
		(*count)++;
	return XDP_PASS;
}

static __always_inline void translate(struct bpf_sock_addr *ctx, void *map)
{
	struct selftest_addr key = { .ip = ctx->user_ip4, .port = (__u16)ctx->user_port };
	struct selftest_addr *to = bpf_map_lookup_elem(map, &key);

	if (!to)
		return;
	ctx->user_ip4 = to->ip;
	ctx->user_port = to->port;
}

/* Socket-LB: TCP connect() to a virtual address goes to its backend. */
SEC("cgroup/connect4")
int selftest_connect4(struct bpf_sock_addr *ctx)
{
	translate(ctx, &selftest_lb);
	return 1;
}

/* Socket-LB: UDP sendmsg() to a virtual address goes to its backend. */
SEC("cgroup/sendmsg4")
int selftest_sendmsg4(struct bpf_sock_addr *ctx)
{
	translate(ctx, &selftest_lb);
	return 1;
}

/* Socket-LB: replies from a backend appear to come from the virtual address. */
SEC("cgroup/recvmsg4")
int selftest_recvmsg4(struct bpf_sock_addr *ctx)
{
	translate(ctx, &selftest_lb_reverse);
	return 1;
}

/* Socket-LB: getpeername() on a translated socket reports the virtual address. */
SEC("cgroup/getpeername4")
int selftest_getpeername4(struct bpf_sock_addr *ctx)
{
	translate(ctx, &selftest_lb_reverse);
	return 1;
}

/* Refuses AF_INET datagram sockets while selftest_config.deny_udp_sockets is set. */
SEC("cgroup/sock_create")
int selftest_sock_create(struct bpf_sock *sk)
{
	struct selftest_config *cfg = config();

	if (cfg && cfg->deny_udp_sockets && sk->family == AF_INET && sk->type == SOCK_DGRAM)
		return 0;
	return 1;
}

/* Counts exec() calls and remembers the last pid. */
SEC("tracepoint/sched/sched_process_exec")
int selftest_exec(void *ctx)
{
	__u32 zero = 0;
	struct selftest_exec *st = bpf_map_lookup_elem(&selftest_exec_state, &zero);

	if (st) {
		__sync_fetch_and_add(&st->count, 1);
		st->last_pid = bpf_get_current_pid_tgid() >> 32;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
