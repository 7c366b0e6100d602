/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Services reached from outside the node (NodePort, ExternalIP, LoadBalancer IP), for bpf/host.c on the node's
 * external devices. A client's packet to a routable frontend is DNATed to a local backend on the device's ingress;
 * the translated connection is remembered in tendril_nodeport_nat under the tuple the backend's replies carry, and
 * those replies get the frontend back as their source on the device's egress.
 */
#ifndef TENDRIL_LIB_NODEPORT_H
#define TENDRIL_LIB_NODEPORT_H

#include "lib/lb_nat.h"
#include "shared/identity.h"

/* Key of tendril_nodeport_nat: a translated connection as its replies carry it (backend -> client). */
struct nodeport_nat_key {
	__be32 backend_addr;
	__be32 client_addr;
	__be16 backend_port;
	__be16 client_port;
	__u8 proto;
	__u8 pad[3];
};

/* Value of tendril_nodeport_nat: the frontend the client addressed, which its replies must come from. */
struct nodeport_nat {
	__be32 frontend_addr;
	__be16 frontend_port;
	__u16 rev_nat_index;	/* host order */
};

/* Connections translated on an external device: reply tuple -> frontend. LRU: idle connections age out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct nodeport_nat_key);
	__type(value, struct nodeport_nat);
} tendril_nodeport_nat SEC(".maps");

/* The ipcache's identity of an address, or world. */
static __always_inline __u32 nodeport_identity_of(__be32 addr)
{
	struct ipcache_key key = { .prefixlen = IPCACHE_STATIC_PREFIX + 32, .family = ENDPOINT_FAMILY_IPV4 };
	struct ipcache_value *value;

	__builtin_memcpy(key.addr, &addr, 4);
	value = bpf_map_lookup_elem(&tendril_ipcache, &key);
	return value ? value->identity : IDENTITY_WORLD;
}

/*
 * The master entry of the routable frontend the packet addresses: its own address, or, for a node address the
 * control plane did not list, the NodePort's 0.0.0.0 surrogate entry (Cilium's). Cluster IPs are not routable and
 * are not served from outside (Cilium's default, bpf.lbExternalClusterIP=false).
 */
static __always_inline struct lb4_service *nodeport_lookup(struct lb4_key *master, struct parsed_ipv4 *pkt)
{
	struct lb4_service *svc = lb4_lookup_service(master, pkt->daddr, bpf_htons(pkt->dport), pkt->protocol);

	if (!svc && nodeport_identity_of(pkt->daddr) == IDENTITY_HOST)
		svc = lb4_lookup_service(master, 0, bpf_htons(pkt->dport), pkt->protocol);
	return svc && (svc->flags & LB_SVC_F_ROUTABLE) ? svc : 0;
}

/*
 * DNAT of a client's packet to a routable frontend: the connection's backend (kept in a service conntrack entry
 * keyed by the client's tuple to the frontend, as the endpoint program keeps it) or a new selection, then the
 * reply tuple recorded in tendril_nodeport_nat. Returns whether the packet was for such a frontend; *verdict is
 * then 0 (translated) or the TC verdict of a drop (no backend: DROP_NO_SERVICE).
 */
static __always_inline bool nodeport_translate(struct __sk_buff *skb, struct packet_ctx *p, int *verdict)
{
	struct lb4_affinity_key client = {};
	struct lb4_backend *backend = 0;
	struct nodeport_nat_key nat_key = {};
	struct nodeport_nat nat = {};
	struct ct_entry *service, fresh;
	struct lb4_service *svc;
	struct lb4_key master;
	struct ct4_key key;
	__u32 backend_id;
	__u64 now;

	*verdict = 0;
	if (p->pkt.protocol != IPPROTO_TCP && p->pkt.protocol != IPPROTO_UDP)
		return false;
	svc = nodeport_lookup(&master, &p->pkt);
	if (!svc)
		return false;

	now = bpf_ktime_get_ns();
	backend = lb4_connection_backend(&p->pkt, &key, now, &service);
	if (!backend) {
		client.client_ip = p->pkt.saddr;
		backend_id = lb4_select_backend(&master, svc, &client, lb4_flow_hash(&p->pkt));
		backend = backend_id ? lb4_backend(backend_id) : 0;
		if (!backend) {
			*verdict = drop(p, DROP_NO_SERVICE, EVENT_DIR_INGRESS);
			return true;
		}
		__builtin_memset(&fresh, 0, sizeof(fresh));
		fresh.backend_id = backend_id;
		fresh.rev_nat_index = svc->rev_nat_index;
		fresh.src_identity = IDENTITY_WORLD;
		fresh.last_report_ns = now;
		fresh.expires_ns = now + lb4_service_lifetime(p->pkt.protocol);
		if (bpf_map_update_elem(ct_map(p->pkt.protocol), &key, &fresh, BPF_ANY) != 0) {
			*verdict = drop(p, DROP_CT_MAP_INSERTION_FAILED, EVENT_DIR_INGRESS);
			return true;
		}
	}

	nat_key.backend_addr = backend->address;
	nat_key.backend_port = backend->port;
	nat_key.client_addr = p->pkt.saddr;
	nat_key.client_port = bpf_htons(p->pkt.sport);
	nat_key.proto = p->pkt.protocol;
	nat.frontend_addr = p->pkt.daddr;
	nat.frontend_port = bpf_htons(p->pkt.dport);
	nat.rev_nat_index = svc->rev_nat_index;
	if (bpf_map_update_elem(&tendril_nodeport_nat, &nat_key, &nat, BPF_ANY) != 0) {
		*verdict = drop(p, DROP_CT_MAP_INSERTION_FAILED, EVENT_DIR_INGRESS);
		return true;
	}
	p->rev_nat_index = svc->rev_nat_index;
	if (lb4_rewrite(skb, &p->pkt, true, backend->address, backend->port) < 0)
		*verdict = drop(p, DROP_INVALID_PACKET, EVENT_DIR_INGRESS);
	return true;
}

/* A backend's reply to an outside client leaves the device with the frontend the client addressed as its source.
 * Returns 0 to go on (translated or not such a reply), or the TC verdict of a drop. */
static __always_inline int nodeport_reverse(struct __sk_buff *skb, struct packet_ctx *p)
{
	struct nodeport_nat_key nat_key = {};
	struct nodeport_nat *nat;

	if (p->pkt.protocol != IPPROTO_TCP && p->pkt.protocol != IPPROTO_UDP)
		return 0;
	nat_key.backend_addr = p->pkt.saddr;
	nat_key.backend_port = bpf_htons(p->pkt.sport);
	nat_key.client_addr = p->pkt.daddr;
	nat_key.client_port = bpf_htons(p->pkt.dport);
	nat_key.proto = p->pkt.protocol;
	nat = bpf_map_lookup_elem(&tendril_nodeport_nat, &nat_key);
	if (!nat)
		return 0;
	p->rev_nat_index = nat->rev_nat_index;
	if (lb4_rewrite(skb, &p->pkt, false, nat->frontend_addr, nat->frontend_port) < 0)
		return drop(p, DROP_INVALID_PACKET, EVENT_DIR_EGRESS);
	return 0;
}

#endif
