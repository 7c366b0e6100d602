/* SPDX-License-Identifier: GPL-2.0 */
/* ARP responder: a pod asks for its gateway, the host-side veth answers with its own MAC. */
#ifndef TENDRIL_LIB_ARP_H
#define TENDRIL_LIB_ARP_H

#include "lib/common.h"
#include "shared/endpoint.h"
#include <linux/if_ether.h>

/* From the ARP ABI; linux/if_arp.h would pull in libc headers that do not exist for BPF targets. */
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

struct arp_hdr {
	__be16 ar_hrd;
	__be16 ar_pro;
	__u8 ar_hln;
	__u8 ar_pln;
	__be16 ar_op;
};

struct arp_eth_ipv4 {
	struct ethhdr eth;
	struct arp_hdr arp;
	__u8 sha[ETH_ALEN];
	__u8 sip[4];
	__u8 tha[ETH_ALEN];
	__u8 tip[4];
} __attribute__((packed));

/*
 * Answers an ARP request from the pod for any address but its own (pods route everything through the
 * gateway, and must still be able to detect a duplicate of their own address). Returns TC_ACT_OK for
 * packets it leaves alone.
 */
static __always_inline int arp_respond(struct __sk_buff *skb, struct endpoint_info *ep)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct arp_eth_ipv4 *a = data;
	__u8 target[4];

	if ((void *)(a + 1) > data_end)
		return TC_ACT_OK;
	if (a->arp.ar_op != bpf_htons(ARPOP_REQUEST) || a->arp.ar_pro != bpf_htons(ETH_P_IP) ||
	    a->arp.ar_hln != ETH_ALEN || a->arp.ar_pln != 4)
		return TC_ACT_OK;
	if (__builtin_memcmp(a->tip, &ep->ipv4, 4) == 0)
		return TC_ACT_OK;

	__builtin_memcpy(target, a->tip, 4);
	a->arp.ar_op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(a->tha, a->sha, ETH_ALEN);
	__builtin_memcpy(a->tip, a->sip, 4);
	__builtin_memcpy(a->sha, ep->node_mac, ETH_ALEN);
	__builtin_memcpy(a->sip, target, 4);
	__builtin_memcpy(a->eth.h_dest, a->eth.h_source, ETH_ALEN);
	__builtin_memcpy(a->eth.h_source, ep->node_mac, ETH_ALEN);
	return bpf_redirect(skb->ifindex, 0);
}

#endif
