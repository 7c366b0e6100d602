/* SPDX-License-Identifier: GPL-2.0 */
/* Events the datapath sends through tendril_events: traces, drops and policy verdicts. */
#ifndef TENDRIL_SHARED_EVENTS_H
#define TENDRIL_SHARED_EVENTS_H

#include <linux/types.h>

/* Event types: Cilium's monitor message numbers. */
enum event_type {
	EVENT_DROP = 1,
	EVENT_TRACE = 4,
	EVENT_POLICY_VERDICT = 5,
};

/* Trace observation points (subtype of EVENT_TRACE): Cilium's numbers. */
enum trace_point {
	TRACE_TO_ENDPOINT = 0,
	TRACE_TO_HOST = 2,
	TRACE_TO_STACK = 3,
	TRACE_FROM_ENDPOINT = 5,
	TRACE_FROM_HOST = 7,
	TRACE_FROM_STACK = 8,
};

/* Drop reasons (subtype of EVENT_DROP): Cilium's numbers. */
enum drop_reason {
	DROP_INVALID_SIP = 132,
	DROP_POLICY = 133,
	DROP_INVALID_PACKET = 134,
	DROP_CT_INVALID_HDR = 135,
	DROP_UNKNOWN_L3 = 139,
	DROP_UNKNOWN_L4 = 142,
	DROP_CT_MAP_INSERTION_FAILED = 155,
	DROP_NO_SERVICE = 158,		/* service backend not found */
	DROP_NO_CONFIG = 165,
	DROP_POLICY_DENY = 181,
};

/* Traffic direction: Cilium's flags values. */
#define EVENT_DIR_INGRESS 1
#define EVENT_DIR_EGRESS 2

/* One fixed-size record per event; addresses have room for IPv6. */
struct flow_event {
	__u8 type;		/* enum event_type */
	__u8 subtype;		/* trace point, drop reason, or 0 */
	__u16 source_endpoint;	/* endpoint that sent the packet, 0 if none */
	__u16 dest_endpoint;	/* local endpoint it is for, 0 if none */
	__u8 ct_state;		/* enum ct_state */
	__u8 direction;		/* EVENT_DIR_* (policy verdicts and drops) */
	__u64 ktime_ns;
	__u32 src_identity;
	__u32 dst_identity;
	__u8 saddr[16];		/* network byte order */
	__u8 daddr[16];
	__u16 sport;		/* host byte order; ICMP: type (sport) and code (dport) */
	__u16 dport;
	__u8 protocol;
	__u8 tcp_flags;
	__u8 family;		/* ENDPOINT_FAMILY_* */
	__u8 match_type;	/* enum policy_match (policy verdicts) */
	__u8 verdict;		/* policy verdicts: 0 allowed, 1 denied */
	__u8 pad;
	__u16 rev_nat_index;	/* host order: the service (ID) the packet was translated for, 0 if none */
	__u32 len;		/* packet length */
	__u32 ifindex;		/* device the program runs on */
};

/* What one slot of tendril_metrics counts: packets forwarded (reason 0) or dropped, by reason and direction. */
struct metrics_key {
	__u8 reason;		/* 0 forwarded, else drop reason */
	__u8 direction;		/* EVENT_DIR_* */
	__u16 pad;
};

/* tendril_metrics is a per-CPU array with one slot per (reason, direction): the reason in the high bits and the
 * direction in the low two, so every possible key has a slot and counting never inserts. */
#define METRICS_DIRECTION_BITS 2
#define METRICS_MAX_ENTRIES (256 << METRICS_DIRECTION_BITS)
#define METRICS_INDEX(reason, direction) (((__u32)(reason) << METRICS_DIRECTION_BITS) | ((direction) & 3))

struct metrics_value {
	__u64 packets;
	__u64 bytes;
};

#endif
