/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Service load balancing (Cilium's lb4_* maps, Tendril names). A service frontend (VIP, port, protocol, scope) has
 * a master entry (slot 0) in tendril_lb4_services, and slots 1..count naming its active backends by ID.
 * Backends live in tendril_lb4_backends; the frontend to report back to clients in tendril_lb4_reverse_nat, keyed
 * by the service's rev_nat_index (its ID, which also keys the Maglev and affinity maps).
 * Addresses and ports are in network byte order unless a field says otherwise.
 */
#ifndef TENDRIL_SHARED_LB_H
#define TENDRIL_SHARED_LB_H

#include <linux/types.h>

/* Cilium's default Maglev table size (a prime); the objects' cfg_lb_maglev_table_size overrides it at load. */
#define LB_MAGLEV_TABLE_SIZE_DEFAULT 16381

/* lb4_key.scope: Cilium's two-scope services (externalTrafficPolicy=Local); Tendril looks up external only. */
#define LB_SCOPE_EXTERNAL 0
#define LB_SCOPE_INTERNAL 1

/* Key of tendril_lb4_services. */
struct lb4_key {
	__be32 address;		/* frontend address (the VIP) */
	__be16 dport;		/* frontend port */
	__u16 backend_slot;	/* 0: the master entry; 1..count: one backend each (host order) */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 scope;		/* LB_SCOPE_* */
	__u8 pad[2];
};

/* lb4_service.flags (master entry). */
#define LB_SVC_F_AFFINITY 0x01		/* sessionAffinity ClientIP: reuse the client's backend for affinity_timeout */
#define LB_SVC_F_MAGLEV 0x02		/* select with the service's Maglev table, else at random over the slots */
#define LB_SVC_F_REJECT 0x04		/* no backend: refuse (socket-LB: ECONNREFUSED; per-packet: ICMP port unreachable); else drop (reason 158) */
#define LB_SVC_F_ROUTABLE 0x08		/* NodePort, ExternalIP or LoadBalancer: served from outside the node (bpf/host.c) */

/* Value of tendril_lb4_services. A master entry fills count, rev_nat_index, flags and affinity_timeout; a slot
 * entry fills backend_id and rev_nat_index. */
struct lb4_service {
	__u32 backend_id;	/* slot > 0: the backend in this slot (tendril_lb4_backends key) */
	__u32 affinity_timeout;	/* master: ClientIP affinity lifetime in seconds (host order) */
	__u16 count;		/* master: backend slots 1..count, all active backends (host order) */
	__u16 rev_nat_index;	/* the service's ID (host order) */
	__u8 flags;		/* master: LB_SVC_F_* */
	__u8 pad[3];
};

/* lb4_backend.state. Terminating backends keep their ID (existing connections still reach them) but get no new
 * connections; the control plane lists only active ones in the slots. */
#define LB_BACKEND_ACTIVE 0
#define LB_BACKEND_TERMINATING 1

/* Value of tendril_lb4_backends, keyed by the node-local backend ID (__u32, host order). */
struct lb4_backend {
	__be32 address;
	__be16 port;
	__u8 proto;		/* IPPROTO_* */
	__u8 state;		/* LB_BACKEND_* */
};

/* Value of tendril_lb4_reverse_nat, keyed by rev_nat_index (__u16, host order): the frontend replies come from. */
struct lb4_reverse_nat {
	__be32 address;
	__be16 port;
	__u16 pad;
};

/* Key of tendril_lb4_reverse_sk: a socket the socket-LB translated, and the backend it sent it to. */
struct lb4_reverse_sk_key {
	__u64 cookie;		/* bpf_get_socket_cookie() */
	__be32 address;		/* backend address */
	__be16 port;		/* backend port */
	__u16 pad;
};

/* Value of tendril_lb4_reverse_sk: what recvmsg and getpeername report instead of the backend. */
struct lb4_reverse_sk {
	__be32 address;		/* frontend address */
	__be16 port;		/* frontend port */
	__u16 rev_nat_index;	/* checked against tendril_lb4_reverse_nat: a deleted service is not reported */
};

/* Key of tendril_lb4_affinity: one client of one service. The socket-LB knows clients by network namespace
 * (netns_cookie set, client_ip 0), the per-packet path by address (client_ip set, netns_cookie 0). */
struct lb4_affinity_key {
	__u64 netns_cookie;	/* bpf_get_netns_cookie() of the client's socket */
	__be32 client_ip;
	__u16 rev_nat_index;	/* host order */
	__u8 pad[2];
};

/* Value of tendril_lb4_affinity. */
struct lb4_affinity {
	__u64 last_used_ns;	/* bpf_ktime_get_ns() of the client's last new connection */
	__u32 backend_id;
	__u32 pad;
};

#endif
