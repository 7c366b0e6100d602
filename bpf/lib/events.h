/* SPDX-License-Identifier: GPL-2.0 */
/* Building and sending flow events, and counting what was forwarded or dropped. */
#ifndef TENDRIL_LIB_EVENTS_H
#define TENDRIL_LIB_EVENTS_H

#include "lib/maps.h"
#include "lib/parse.h"

/* What the datapath learned about one packet on its way through a program. */
struct packet_ctx {
	struct parsed_ipv4 pkt;
	__u32 len;
	__u32 ifindex;
	__u16 src_endpoint;
	__u16 dst_endpoint;
	__u32 src_identity;
	__u32 dst_identity;
	__u8 ct_state;
	__u16 rev_nat_index;	/* the service the packet was sent to, 0 if none */
	__be16 nat_port;	/* the pod's own source port when the packet leaves with another (lib/port_remap.h), 0 if not */
};

/* An array slot per (reason, direction) exists from the start: one lookup, no insert, no hashing. */
static __always_inline void count(__u8 reason, __u8 direction, __u32 len)
{
	__u32 index = METRICS_INDEX(reason, direction);
	struct metrics_value *value = bpf_map_lookup_elem(&tendril_metrics, &index);

	if (value) {
		value->packets++;
		value->bytes += len;
	}
}

static __always_inline void emit(struct packet_ctx *p, __u8 type, __u8 subtype, __u8 direction, __u8 match_type, __u8 verdict)
{
	struct flow_event *ev = bpf_ringbuf_reserve(&tendril_events, sizeof(*ev), 0);

	if (!ev) {
		__u32 zero = 0;
		__u64 *lost = bpf_map_lookup_elem(&tendril_events_lost, &zero);

		if (lost)
			(*lost)++;
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->subtype = subtype;
	ev->source_endpoint = p->src_endpoint;
	ev->dest_endpoint = p->dst_endpoint;
	ev->ct_state = p->ct_state;
	ev->direction = direction;
	ev->ktime_ns = bpf_ktime_get_ns();
	ev->src_identity = p->src_identity;
	ev->dst_identity = p->dst_identity;
	__builtin_memcpy(ev->saddr, &p->pkt.saddr, 4);
	__builtin_memcpy(ev->daddr, &p->pkt.daddr, 4);
	if (p->pkt.protocol == IPPROTO_ICMP) {
		ev->sport = p->pkt.icmp_type;
		ev->dport = p->pkt.icmp_code;
	} else {
		ev->sport = p->pkt.sport;
		ev->dport = p->pkt.dport;
	}
	ev->protocol = p->pkt.protocol;
	ev->tcp_flags = p->pkt.tcp_flags;
	ev->family = ENDPOINT_FAMILY_IPV4;
	ev->match_type = match_type;
	ev->verdict = verdict;
	ev->rev_nat_index = p->rev_nat_index;
	ev->len = p->len;
	ev->ifindex = p->ifindex;
	bpf_ringbuf_submit(ev, 0);
}

/* Drops the packet, reporting why. */
static __always_inline int drop(struct packet_ctx *p, __u8 reason, __u8 direction)
{
	count(reason, direction, p->len);
	emit(p, EVENT_DROP, reason, direction, 0, 1);
	return TC_ACT_SHOT;
}

#endif
