// SPDX-License-Identifier: GPL-2.0
/*
 * Socket-LB: cgroup hooks that load-balance service traffic before a packet exists (Cilium's bpf_sock).
 *   tendril_sock4_connect      cgroup/connect4      TCP connect() and connected UDP: VIP -> backend
 *   tendril_sock4_sendmsg      cgroup/sendmsg4      unconnected UDP sendto(): VIP -> backend
 *   tendril_sock4_recvmsg      cgroup/recvmsg4      UDP recvfrom(): the reply's source backend -> VIP
 *   tendril_sock4_getpeername  cgroup/getpeername4  getpeername(): backend -> VIP
 * The endpoint program never sees a VIP from a socket translated here, so no per-packet NAT or conntrack is needed.
 * Every program returns 1 (proceed) except connect and sendmsg to a service with no backend that rejects.
 */
#include "lib/common.h"
#include "lib/lb.h"
#include <linux/in.h>

#define SYS_REJECT 0
#define SYS_PROCEED 1

/* connect() and sendmsg() toward a rejecting service without backends fail with this (else EPERM). */
#define LB_REJECT_ERRNO 111 /* ECONNREFUSED */

static __always_inline bool sock4_supported(struct bpf_sock_addr *ctx)
{
	return ctx->protocol == IPPROTO_TCP || ctx->protocol == IPPROTO_UDP;
}

/* Remembers which frontend this socket meant, for recvmsg and getpeername. */
static __always_inline void sock4_remember(__u64 cookie, struct lb4_backend *backend, struct lb4_key *frontend, __u16 rev_nat_index)
{
	struct lb4_reverse_sk_key key = { .cookie = cookie, .address = backend->address, .port = backend->port };
	struct lb4_reverse_sk value = { .address = frontend->address, .port = frontend->dport, .rev_nat_index = rev_nat_index };

	bpf_map_update_elem(&tendril_lb4_reverse_sk, &key, &value, BPF_ANY);
}

/* Rewrites the destination of a socket operation aimed at a service to one of its backends. */
static __always_inline int sock4_forward(struct bpf_sock_addr *ctx)
{
	struct lb4_affinity_key client = {};
	struct lb4_backend *backend;
	struct lb4_service *svc;
	struct lb4_key master;
	__u32 backend_id;
	__u64 cookie;

	if (!sock4_supported(ctx))
		return SYS_PROCEED;
	svc = lb4_lookup_service(&master, ctx->user_ip4, (__be16)ctx->user_port, (__u8)ctx->protocol);
	if (!svc)
		return SYS_PROCEED;

	cookie = bpf_get_socket_cookie(ctx);
	client.netns_cookie = bpf_get_netns_cookie(ctx);
	backend_id = lb4_select_backend(&master, svc, &client, lb_hash_final(lb_hash_mix(lb_hash_mix(cfg_lb_hash_seed, (__u32)cookie), (__u32)(cookie >> 32))));
	backend = backend_id ? lb4_backend(backend_id) : 0;
	if (!backend) {
		if (!(svc->flags & LB_SVC_F_REJECT))
			return SYS_PROCEED;	/* drop mode: the VIP goes on unchanged; nothing answers it */
		bpf_set_retval(-LB_REJECT_ERRNO);
		return SYS_REJECT;
	}
	ctx->user_ip4 = backend->address;
	ctx->user_port = backend->port;
	sock4_remember(cookie, backend, &master, svc->rev_nat_index);
	return SYS_PROCEED;
}

/* Reports the frontend instead of the backend this socket was sent to, while the service exists. */
static __always_inline void sock4_reverse(struct bpf_sock_addr *ctx)
{
	struct lb4_reverse_sk_key key = {
		.cookie = bpf_get_socket_cookie(ctx),
		.address = ctx->user_ip4,
		.port = (__be16)ctx->user_port,
	};
	struct lb4_reverse_sk *frontend;
	struct lb4_reverse_nat *service;
	__u16 rev_nat_index;

	if (!sock4_supported(ctx))
		return;
	frontend = bpf_map_lookup_elem(&tendril_lb4_reverse_sk, &key);
	if (!frontend)
		return;
	rev_nat_index = frontend->rev_nat_index;
	service = bpf_map_lookup_elem(&tendril_lb4_reverse_nat, &rev_nat_index);
	if (!service || service->address != frontend->address || service->port != frontend->port) {
		bpf_map_delete_elem(&tendril_lb4_reverse_sk, &key);
		return;
	}
	ctx->user_ip4 = frontend->address;
	ctx->user_port = frontend->port;
}

SEC("cgroup/connect4")
int tendril_sock4_connect(struct bpf_sock_addr *ctx)
{
	return sock4_forward(ctx);
}

SEC("cgroup/sendmsg4")
int tendril_sock4_sendmsg(struct bpf_sock_addr *ctx)
{
	return sock4_forward(ctx);
}

SEC("cgroup/recvmsg4")
int tendril_sock4_recvmsg(struct bpf_sock_addr *ctx)
{
	sock4_reverse(ctx);
	return SYS_PROCEED;
}

SEC("cgroup/getpeername4")
int tendril_sock4_getpeername(struct bpf_sock_addr *ctx)
{
	sock4_reverse(ctx);
	return SYS_PROCEED;
}

char LICENSE[] SEC("license") = "GPL";
