/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-packet service load balancing in the endpoint program, for traffic the socket-LB did not translate (a pod
 * whose cgroup has no socket-LB hooks, for one): DNAT of a connection's packets to the backend it was given, and
 * reverse NAT of the replies back to the frontend (Cilium's lb4_local and lb4_rev_nat).
 */
#ifndef TENDRIL_LIB_LB_NAT_H
#define TENDRIL_LIB_LB_NAT_H

#include "lib/lb.h"
#include "lib/conntrack.h"
#include "lib/lb_reject.h"
#include "lib/port_remap.h"

#define IPV4_CSUM_OFFSET (ETH_HLEN + __builtin_offsetof(struct iphdr, check))

/* The flow hash that indexes a Maglev table: the whole 5-tuple, so one connection always hashes alike. */
static __always_inline __u32 lb4_flow_hash(struct parsed_ipv4 *pkt)
{
	__u32 h = cfg_lb_hash_seed;

	h = lb_hash_mix(h, pkt->saddr);
	h = lb_hash_mix(h, pkt->daddr);
	h = lb_hash_mix(h, ((__u32)pkt->sport << 16) | pkt->dport);
	h = lb_hash_mix(h, pkt->protocol);
	return lb_hash_final(h);
}

/*
 * Rewrites the packet's destination (dest) or source to address:port, updating the IPv4 header checksum and the
 * TCP/UDP checksum (whose pseudo-header covers the address). A UDP checksum of 0 (none) stays 0. Returns < 0 when
 * the packet is too short to rewrite.
 */
static __always_inline int lb4_rewrite(struct __sk_buff *skb, struct parsed_ipv4 *pkt, bool dest, __be32 address, __be16 port)
{
	__u32 address_offset = ETH_HLEN + (dest ? __builtin_offsetof(struct iphdr, daddr) : __builtin_offsetof(struct iphdr, saddr));
	__be32 old_address = dest ? pkt->daddr : pkt->saddr;
	__u64 l4_flags;
	__u32 csum_offset = l4_csum_offset(pkt, &l4_flags);

	if (bpf_l4_csum_replace(skb, csum_offset, old_address, address, l4_flags | BPF_F_PSEUDO_HDR | sizeof(address)) < 0)
		return -1;
	if (bpf_l3_csum_replace(skb, IPV4_CSUM_OFFSET, old_address, address, sizeof(address)) < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, address_offset, &address, sizeof(address), 0) < 0)
		return -1;
	if (dest)
		pkt->daddr = address;
	else
		pkt->saddr = address;
	return l4_rewrite_port(skb, pkt, dest, port);
}

static __always_inline __u64 lb4_service_lifetime(__u8 protocol)
{
	return protocol == IPPROTO_TCP ? cfg_ct_tcp_established_ns : cfg_ct_other_ns;
}

/*
 * A packet to a service without an active backend: always a drop with DROP_NO_SERVICE (counted and reported), and
 * for a service flagged LB_SVC_F_REJECT the packet itself becomes an ICMP port unreachable that goes back out of the
 * interface it came in on (tcx ingress of the pod's host-side veth: its egress delivers to the pod).
 */
static __always_inline int lb4_no_backend(struct __sk_buff *skb, struct packet_ctx *p, bool reject)
{
	int verdict = drop(p, DROP_NO_SERVICE, EVENT_DIR_EGRESS);

	if (!reject || lb4_reject_build(skb, &p->pkt) < 0)
		return verdict;
	skb->mark = LB_REJECT_MARK;
	return bpf_redirect(skb->ifindex, 0);
}

/*
 * The backend a live service connection keeps (its service conntrack entry, refreshed, in *service), or 0 when there
 * is none: no entry, an expired one, a vanished backend, or a new TCP SYN that must not go to a terminating backend.
 * Fills *key with the connection's service conntrack key either way.
 */
static __always_inline struct lb4_backend *lb4_connection_backend(struct parsed_ipv4 *pkt, struct ct4_key *key, __u64 now,
								  struct ct_entry **service)
{
	struct lb4_backend *backend;
	struct ct_entry *entry;

	*service = 0;
	ct_key_of(pkt, key, false);
	key->flags = CT_KEY_F_SERVICE;
	entry = bpf_map_lookup_elem(ct_map(pkt->protocol), key);
	if (!entry || entry->expires_ns < now)
		return 0;
	backend = lb4_backend(entry->backend_id);
	if (backend && backend->state != LB_BACKEND_ACTIVE && (pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		return 0;
	if (backend) {
		entry->expires_ns = now + lb4_service_lifetime(pkt->protocol);
		*service = entry;
	}
	return backend;
}

/*
 * The source port a service connection's packet leaves with (lib/port_remap.h), 0 for its own: a TCP SYN chooses,
 * preferring where the service entry's last connection went (previous); later packets keep what the SYN chose.
 */
static __always_inline __be16 lb4_wire_port(struct parsed_ipv4 *pkt, struct lb4_backend *backend, __u16 rev_nat_index,
					    __be16 previous, __u64 now)
{
	__be16 port;

	if (!is_tcp_syn(pkt))
		return previous;
	port = port_remap_choose(pkt, backend->address, backend->port, rev_nat_index, previous, now);
	return port == bpf_htons(pkt->sport) ? 0 : port;
}

/*
 * If the packet goes to a service frontend: finds the backend of its connection (the service conntrack entry) or
 * selects one for a new connection, and rewrites the destination to it, and the source port to the one the
 * connection uses on the wire (lib/port_remap.h). A TCP SYN never reuses a backend that is terminating.
 * p->rev_nat_index then names the service, and p->nat_port the client's own port if it changed, for the connection's
 * conntrack entry. Returns 0 to go on (translated or not a service), or the TC verdict of a drop: DROP_NO_SERVICE
 * when the service has no backend (a redirect of the ICMP unreachable that replaced the packet, when the service
 * rejects).
 */
static __always_inline int lb4_translate(struct __sk_buff *skb, struct packet_ctx *p)
{
	struct lb4_affinity_key client = {};
	struct lb4_backend *backend = 0;
	struct ct_entry *service, fresh;
	struct lb4_service *svc;
	struct lb4_key master;
	struct ct4_key key;
	__be16 own, wire_port;
	__u32 backend_id;
	__u64 now;

	if (p->pkt.protocol != IPPROTO_TCP && p->pkt.protocol != IPPROTO_UDP)
		return 0;
	svc = lb4_lookup_service(&master, p->pkt.daddr, bpf_htons(p->pkt.dport), p->pkt.protocol);
	if (!svc)
		return 0;
	/* Events from here on name the service, whatever becomes of the packet. */
	p->rev_nat_index = svc->rev_nat_index;

	now = bpf_ktime_get_ns();
	own = bpf_htons(p->pkt.sport);
	backend = lb4_connection_backend(&p->pkt, &key, now, &service);
	if (backend) {
		wire_port = lb4_wire_port(&p->pkt, backend, svc->rev_nat_index, service->nat_port, now);
		service->nat_port = wire_port;
	} else {
		client.client_ip = p->pkt.saddr;
		backend_id = lb4_select_backend(&master, svc, &client, lb4_flow_hash(&p->pkt));
		backend = backend_id ? lb4_backend(backend_id) : 0;
		if (!backend)
			return lb4_no_backend(skb, p, svc->flags & LB_SVC_F_REJECT);
		wire_port = lb4_wire_port(&p->pkt, backend, svc->rev_nat_index, 0, now);
		__builtin_memset(&fresh, 0, sizeof(fresh));
		fresh.backend_id = backend_id;
		fresh.rev_nat_index = svc->rev_nat_index;
		fresh.src_identity = p->src_identity;
		fresh.last_report_ns = now;
		fresh.expires_ns = now + lb4_service_lifetime(p->pkt.protocol);
		fresh.nat_port = wire_port;
		if (bpf_map_update_elem(ct_map(p->pkt.protocol), &key, &fresh, BPF_ANY) != 0)
			return drop(p, DROP_CT_MAP_INSERTION_FAILED, EVENT_DIR_EGRESS);
	}
	if (lb4_rewrite(skb, &p->pkt, true, backend->address, backend->port) < 0)
		return drop(p, DROP_INVALID_PACKET, EVENT_DIR_EGRESS);
	if (wire_port) {
		if (l4_rewrite_port(skb, &p->pkt, false, wire_port) < 0)
			return drop(p, DROP_INVALID_PACKET, EVENT_DIR_EGRESS);
		p->nat_port = own;
	}
	return 0;
}

/*
 * A reply gets back what its connection's client sent: the client's own port as its destination, if the connection
 * left with another (lib/port_remap.h), and the frontend the client addressed as its source, for a connection to a
 * service. Returns 0 to go on (also when the service is gone), or the TC verdict of a drop.
 */
static __always_inline int reply_untranslate(struct __sk_buff *skb, struct packet_ctx *p, struct ct_entry *entry, __u8 direction)
{
	struct lb4_reverse_nat *frontend;
	__u16 index;

	if (!entry)
		return 0;
	if (entry->nat_port && l4_rewrite_port(skb, &p->pkt, true, entry->nat_port) < 0)
		return drop(p, DROP_INVALID_PACKET, direction);
	if (!entry->rev_nat_index)
		return 0;
	index = entry->rev_nat_index;
	frontend = bpf_map_lookup_elem(&tendril_lb4_reverse_nat, &index);
	if (!frontend)
		return 0;
	p->rev_nat_index = index;
	if (lb4_rewrite(skb, &p->pkt, false, frontend->address, frontend->port) < 0)
		return drop(p, DROP_INVALID_PACKET, direction);
	return 0;
}

#endif
