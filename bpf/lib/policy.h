/* SPDX-License-Identifier: GPL-2.0 */
/* Policy lookups with Cilium's precedence (see shared/policy.h). */
#ifndef TENDRIL_LIB_POLICY_H
#define TENDRIL_LIB_POLICY_H

#include "lib/events.h"

enum policy_result {
	POLICY_ALLOWED = 0,
	POLICY_DENIED_DEFAULT = 1,	/* no entry matched: default deny */
	POLICY_DENIED_RULE = 2,		/* a deny entry matched */
	POLICY_NO_MAP = 3,		/* the endpoint has no policy map yet */
};

static __always_inline __u8 match_type_of(bool specific_identity, __u8 l4_prefix)
{
	if (l4_prefix > 8)
		return specific_identity ? POLICY_MATCH_L3_L4 : POLICY_MATCH_L4_ONLY;
	if (l4_prefix == 8)
		return specific_identity ? POLICY_MATCH_L3_PROTO : POLICY_MATCH_PROTO_ONLY;
	return specific_identity ? POLICY_MATCH_L3_ONLY : POLICY_MATCH_ALL;
}

/* Looks (identity, direction, protocol, port) up in an endpoint's policy map. */
static __always_inline int policy_lookup(__u16 endpoint_id, __u8 egress, __u32 identity, struct parsed_ipv4 *pkt, __u8 *match_type)
{
	__u32 ep = endpoint_id;
	void *policy = bpf_map_lookup_elem(&tendril_policy, &ep);
	struct policy_entry *specific = 0, *wildcard, *winner;
	struct policy_key key = {
		.prefixlen = POLICY_FULL_PREFIX,
		.egress = egress,
		.protocol = pkt->protocol,
	};

	*match_type = POLICY_MATCH_NONE;
	if (!policy)
		return POLICY_NO_MAP;
	key.dport = bpf_htons(pkt->protocol == IPPROTO_ICMP ? (__u16)pkt->icmp_type << 8 : pkt->dport);
	if (identity != 0) {
		key.identity = identity;
		specific = bpf_map_lookup_elem(policy, &key);
	}
	key.identity = 0;
	wildcard = bpf_map_lookup_elem(policy, &key);

	if (specific && (!wildcard || specific->l4_prefix >= wildcard->l4_prefix))
		winner = specific;
	else
		winner = wildcard;
	if (!winner)
		return POLICY_DENIED_DEFAULT;
	*match_type = match_type_of(winner == specific, winner->l4_prefix);
	return (winner->flags & POLICY_F_DENY) ? POLICY_DENIED_RULE : POLICY_ALLOWED;
}

/*
 * Applies one endpoint's policy in one direction, reporting the verdict: denials always, allows only for
 * new connections. Returns 0 to go on, or the TC verdict that ends the packet.
 */
static __always_inline int enforce(struct packet_ctx *p, __u16 endpoint_id, __u8 egress, __u32 peer_identity)
{
	__u8 direction = egress ? EVENT_DIR_EGRESS : EVENT_DIR_INGRESS;
	__u8 match_type;
	int result = policy_lookup(endpoint_id, egress, peer_identity, &p->pkt, &match_type);

	if (result == POLICY_NO_MAP)
		return drop(p, DROP_NO_CONFIG, direction);
	if (result != POLICY_ALLOWED) {
		emit(p, EVENT_POLICY_VERDICT, 0, direction, match_type, 1);
		return drop(p, result == POLICY_DENIED_RULE ? DROP_POLICY_DENY : DROP_POLICY, direction);
	}
	if (p->ct_state == CT_STATE_NEW)
		emit(p, EVENT_POLICY_VERDICT, 0, direction, match_type, 0);
	return 0;
}

#endif
