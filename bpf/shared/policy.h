/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-endpoint policy: an LPM trie keyed by (peer identity, direction, protocol, port prefix).
 * The datapath looks a packet up twice — with the peer's identity and with identity 0 (any peer) — and
 * keeps the result whose protocol/port match is longer, preferring the identity-specific one on a tie.
 * The control plane makes deny win by writing deny entries at every key where a deny and an allow overlap.
 */
#ifndef TENDRIL_SHARED_POLICY_H
#define TENDRIL_SHARED_POLICY_H

#include <linux/types.h>

/* identity (32 bits) + direction (8 bits) are always matched; protocol (8) and port (0..16) may be wildcarded. */
#define POLICY_STATIC_PREFIX 40
#define POLICY_FULL_PREFIX 64

#define POLICY_INGRESS 0
#define POLICY_EGRESS 1

struct policy_key {
	__u32 prefixlen;
	__u32 identity;		/* peer identity; 0 = any */
	__u8 egress;		/* POLICY_INGRESS / POLICY_EGRESS */
	__u8 protocol;		/* IANA number; 0 = any (then the port is any too) */
	__be16 dport;		/* destination port; ICMP: type << 8 */
};

#define POLICY_F_DENY 1

struct policy_entry {
	__be16 proxy_port;	/* non-zero: redirect to the L7 proxy (not used yet) */
	__u8 flags;		/* POLICY_F_* */
	__u8 l4_prefix;		/* protocol + port bits this entry matched on, 0..24: decides between the two lookups */
	__u8 auth_type;
	__u8 pad[3];
};

/* Match types reported in policy-verdict events (Cilium's numbers). */
enum policy_match {
	POLICY_MATCH_NONE = 0,
	POLICY_MATCH_L3_ONLY = 1,
	POLICY_MATCH_L3_L4 = 2,
	POLICY_MATCH_L4_ONLY = 3,
	POLICY_MATCH_ALL = 4,
	POLICY_MATCH_L3_PROTO = 5,
	POLICY_MATCH_PROTO_ONLY = 6,
};

#endif
