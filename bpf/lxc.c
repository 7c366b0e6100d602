// SPDX-License-Identifier: GPL-2.0
/*
 * The endpoint datapath, attached with tcx to the host-side veth (lxc…) of every local endpoint:
 *   tendril_from_container  tcx ingress: packets leaving the pod
 *   tendril_to_container    tcx egress:  packets the host stack sends into the pod
 * One object serves every endpoint: which endpoint a packet belongs to comes from tendril_endpoints_by_ifindex.
 * Pod-to-pod traffic on this node goes straight into the receiving pod with bpf_redirect_peer, so it never
 * reaches tendril_to_container; the sender's program applies both the sender's egress and the receiver's
 * ingress policy.
 */
#include "lib/common.h"
#include "lib/parse.h"
#include "lib/maps.h"
#include "lib/events.h"
#include "lib/conntrack.h"
#include "lib/policy.h"
#include "lib/arp.h"
#include "lib/lb_nat.h"
#include "lib/port_remap.h"
#include "shared/identity.h"

/* Trace every packet (1) or, as Cilium's monitor aggregation does, only new connections, TCP flag changes and
 * once per 5 seconds per connection (0). Drops and denials are always reported. */
const volatile __u8 cfg_trace_every_packet = 0;

#define TRACE_INTERVAL_NS (5ull * 1000000000)

static __always_inline void trace(struct packet_ctx *p, struct ct_entry *entry, __u8 point)
{
	__u64 now;

	if (!cfg_trace_every_packet && p->ct_state != CT_STATE_NEW &&
	    !(p->pkt.tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST))) {
		now = bpf_ktime_get_ns();
		if (!entry || now - entry->last_report_ns < TRACE_INTERVAL_NS)
			return;
		entry->last_report_ns = now;
	}
	emit(p, EVENT_TRACE, point, 0, 0, 0);
}

/* The identity behind an address that is not a local endpoint: the ipcache's answer, or world. */
static __always_inline __u32 identity_of(__be32 addr)
{
	struct ipcache_key key = { .prefixlen = IPCACHE_STATIC_PREFIX + 32, .family = ENDPOINT_FAMILY_IPV4 };
	struct ipcache_value *value;

	__builtin_memcpy(key.addr, &addr, 4);
	value = bpf_map_lookup_elem(&tendril_ipcache, &key);
	return value ? value->identity : IDENTITY_WORLD;
}

static __always_inline struct endpoint_info *local_endpoint(__be32 addr)
{
	struct endpoint_key key = { .family = ENDPOINT_FAMILY_IPV4 };

	__builtin_memcpy(key.addr, &addr, 4);
	return bpf_map_lookup_elem(&tendril_endpoints, &key);
}

static __always_inline bool supported_l4(__u8 protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_ICMP || protocol == IPPROTO_SCTP;
}

static __always_inline int from_container_ipv4(struct __sk_buff *skb, struct endpoint_info *ep)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct packet_ctx p = { .len = skb->len, .ifindex = skb->ifindex, .src_endpoint = ep->endpoint_id, .src_identity = ep->identity };
	struct endpoint_info *dst;
	struct ct_entry *entry;
	struct ethhdr *eth;
	int verdict;

	if (!parse_ipv4(data, data_end, &p.pkt))
		return drop(&p, DROP_INVALID_PACKET, EVENT_DIR_EGRESS);
	if (p.pkt.saddr != ep->ipv4)
		return drop(&p, DROP_INVALID_SIP, EVENT_DIR_EGRESS);
	if (!supported_l4(p.pkt.protocol))
		return drop(&p, DROP_UNKNOWN_L4, EVENT_DIR_EGRESS);

	/* A service frontend becomes one of its backends first: policy and delivery concern the backend (Cilium). */
	verdict = lb4_translate(skb, &p);
	if (verdict)
		return verdict;

	dst = local_endpoint(p.pkt.daddr);
	if (dst) {
		p.dst_endpoint = dst->endpoint_id;
		p.dst_identity = dst->identity;
	} else {
		p.dst_identity = identity_of(p.pkt.daddr);
	}
	verdict = ct_lookup_sent(skb, &p, &entry);
	if (verdict)
		return verdict;
	trace(&p, entry, TRACE_FROM_ENDPOINT);
	/* A reply from a service backend (this pod) to a local client leaves with the frontend as its source, and a
	 * reply to a remapped source port with the client's own port as its destination. */
	if (p.ct_state == CT_STATE_REPLY) {
		verdict = reply_untranslate(skb, &p, entry, EVENT_DIR_EGRESS);
		if (verdict)
			return verdict;
	}

	/* Replies of allowed connections pass; everything else meets the sender's egress policy and, for a
	 * local destination, the receiver's ingress policy. */
	if (p.ct_state != CT_STATE_REPLY) {
		verdict = enforce(&p, ep->endpoint_id, POLICY_EGRESS, p.dst_identity);
		if (verdict)
			return verdict;
		if (dst) {
			verdict = enforce(&p, dst->endpoint_id, POLICY_INGRESS, p.src_identity);
			if (verdict)
				return verdict;
		}
		if (p.ct_state == CT_STATE_NEW && ct_create(&p) != 0)
			return drop(&p, DROP_CT_MAP_INSERTION_FAILED, EVENT_DIR_EGRESS);
	}
	count(0, EVENT_DIR_EGRESS, p.len);

	if (!dst) {
		trace(&p, entry, TRACE_TO_STACK);
		return TC_ACT_OK;
	}
	/* Deliver straight into the receiving pod: it sees its gateway as the sender. */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return drop(&p, DROP_INVALID_PACKET, EVENT_DIR_EGRESS);
	__builtin_memcpy(eth->h_dest, dst->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, dst->node_mac, ETH_ALEN);
	trace(&p, entry, TRACE_TO_ENDPOINT);
	return bpf_redirect_peer(dst->ifindex, 0);
}

SEC("tc")
int tendril_from_container(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct endpoint_info *ep = bpf_map_lookup_elem(&tendril_endpoints_by_ifindex, &ifindex);
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	if (!ep) {
		struct packet_ctx p = { .len = skb->len, .ifindex = ifindex };

		return drop(&p, DROP_NO_CONFIG, EVENT_DIR_EGRESS);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return from_container_ipv4(skb, ep);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return arp_respond(skb, ep);

	struct packet_ctx p = { .len = skb->len, .ifindex = ifindex, .src_endpoint = ep->endpoint_id, .src_identity = ep->identity };

	return drop(&p, DROP_UNKNOWN_L3, EVENT_DIR_EGRESS);
}

/* Host stack -> pod: the pod's ingress policy, with the sender's identity from the ipcache (host, world …). */
SEC("tc")
int tendril_to_container(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct endpoint_info *ep = bpf_map_lookup_elem(&tendril_endpoints_by_ifindex, &ifindex);
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct packet_ctx p = { .len = skb->len, .ifindex = ifindex };
	struct ct_entry *entry;
	struct ethhdr *eth = data;
	int verdict;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	if (!ep || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (!parse_ipv4(data, data_end, &p.pkt))
		return drop(&p, DROP_INVALID_PACKET, EVENT_DIR_INGRESS);

	p.dst_endpoint = ep->endpoint_id;
	p.dst_identity = ep->identity;
	p.src_identity = identity_of(p.pkt.saddr);
	/* The datapath's own refusal of the pod's packet to a service without backends (lb4_no_backend). */
	if (lb4_is_own_reject(skb, &p.pkt, ep->ipv4)) {
		skb->mark = 0;
		count(0, EVENT_DIR_INGRESS, p.len);
		trace(&p, NULL, TRACE_TO_ENDPOINT);
		return TC_ACT_OK;
	}
	p.ct_state = ct_lookup(&p, &entry);
	trace(&p, entry, TRACE_FROM_STACK);
	/* A reply from a service backend off this pod's veth (the host, another node) reaches the client as the frontend
	 * and on the client's own port. */
	if (p.ct_state == CT_STATE_REPLY) {
		verdict = reply_untranslate(skb, &p, entry, EVENT_DIR_INGRESS);
		if (verdict)
			return verdict;
	}
	if (p.ct_state != CT_STATE_REPLY) {
		verdict = enforce(&p, ep->endpoint_id, POLICY_INGRESS, p.src_identity);
		if (verdict)
			return verdict;
		if (p.ct_state == CT_STATE_NEW && ct_create(&p) != 0)
			return drop(&p, DROP_CT_MAP_INSERTION_FAILED, EVENT_DIR_INGRESS);
	}
	count(0, EVENT_DIR_INGRESS, p.len);
	trace(&p, entry, TRACE_TO_ENDPOINT);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
