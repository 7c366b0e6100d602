/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Refusing a packet to a service without backends (Cilium's --service-no-backend-response=reject): the packet is
 * replaced in place by an ICMPv4 "destination unreachable, port unreachable" from the frontend to the sender,
 * quoting the packet's IP header and first 8 bytes of L4 (RFC 792), so the client's stack fails the connection
 * (ECONNREFUSED for TCP and connected UDP) instead of waiting for a timeout.
 */
#ifndef TENDRIL_LIB_LB_REJECT_H
#define TENDRIL_LIB_LB_REJECT_H

#include "lib/common.h"
#include "lib/parse.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_PORT_UNREACH 3

/*
 * skb->mark of a reject on its way from tcx ingress to tcx egress of the same pod veth: tendril_to_container delivers
 * it to the pod without the pod's ingress policy, because it answers the pod's own packet (it is not traffic from the
 * frontend's identity). Only a port unreachable to the pod's own address with this mark passes so.
 */
#define LB_REJECT_MARK 0x7e4a0b5cu

static __always_inline bool lb4_is_own_reject(struct __sk_buff *skb, struct parsed_ipv4 *pkt, __u32 pod_address)
{
	return skb->mark == LB_REJECT_MARK && pkt->protocol == IPPROTO_ICMP && pkt->icmp_type == ICMP_DEST_UNREACH &&
	       pkt->icmp_code == ICMP_PORT_UNREACH && pkt->daddr == pod_address;
}

/* What RFC 792 quotes of the offending datagram: its IP header (without options, see lb4_reject) and 8 bytes of L4. */
#define ICMP_QUOTE_L4_LEN 8
#define ICMP_QUOTE_LEN (sizeof(struct iphdr) + ICMP_QUOTE_L4_LEN)

/* Everything after the Ethernet header of the reply, built on the stack and written with one store. */
struct icmp4_unreach {
	struct iphdr ip;
	struct icmp_echo_hdr icmp;	/* id and sequence are the "unused" word of an unreachable: zero */
	__u8 quote[ICMP_QUOTE_LEN];
};

_Static_assert(sizeof(struct icmp4_unreach) == 56, "icmp4_unreach is packed by construction");
_Static_assert(sizeof(struct icmp4_unreach) % 4 == 0, "bpf_csum_diff needs multiples of 4 bytes");

/* The Internet checksum of a partial sum from bpf_csum_diff. */
static __always_inline __u16 csum_fold32(__s64 sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/*
 * Rewrites the frame in skb (an IPv4 packet from the sender's MAC, parsed into pkt, not yet translated) into the
 * ICMP unreachable the sender should get back: MACs swapped, source the original destination, TTL 64. Returns 0, or
 * < 0 when the packet cannot be quoted (IP options, a later fragment, fewer than 8 bytes of L4), in which case the
 * caller drops it and the skb may be left changed.
 */
static __always_inline int lb4_reject_build(struct __sk_buff *skb, struct parsed_ipv4 *pkt)
{
	struct icmp4_unreach reply = {};
	__u8 macs[2 * ETH_ALEN];
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	__s64 sum;

	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return -1;
	/* A fixed-size quote keeps the reply one store; pods practically never send IP options. */
	if (ip->ihl != 5 || (ip->frag_off & bpf_htons(0x1fff)))
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, reply.quote, sizeof(reply.quote)) < 0)
		return -1;
	__builtin_memcpy(macs, eth->h_source, ETH_ALEN);
	__builtin_memcpy(macs + ETH_ALEN, eth->h_dest, ETH_ALEN);

	reply.ip.version = 4;
	reply.ip.ihl = 5;
	reply.ip.tos = 0xc0;	/* internetwork control, as Linux sends its own ICMP errors */
	reply.ip.tot_len = bpf_htons(sizeof(reply));
	reply.ip.ttl = 64;
	reply.ip.protocol = IPPROTO_ICMP;
	reply.ip.saddr = pkt->daddr;
	reply.ip.daddr = pkt->saddr;
	sum = bpf_csum_diff(0, 0, (__be32 *)&reply.ip, sizeof(reply.ip), 0);
	if (sum < 0)
		return -1;
	reply.ip.check = csum_fold32(sum);

	reply.icmp.type = ICMP_DEST_UNREACH;
	reply.icmp.code = ICMP_PORT_UNREACH;
	sum = bpf_csum_diff(0, 0, (__be32 *)&reply.icmp, sizeof(reply) - sizeof(reply.ip), 0);
	if (sum < 0)
		return -1;
	reply.icmp.checksum = csum_fold32(sum);

	/* Shrinks (or, for a bare 8-byte UDP datagram, grows) the frame to exactly the reply; invalidates data. */
	if (bpf_skb_change_tail(skb, ETH_HLEN + sizeof(reply), 0) < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0) < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, ETH_HLEN, &reply, sizeof(reply), BPF_F_INVALIDATE_HASH) < 0)
		return -1;
	return 0;
}

#endif
