/* SPDX-License-Identifier: GPL-2.0 */
/* Packet parsing: each helper bounds-checks before it reads and reports failure with a bool. */
#ifndef TENDRIL_LIB_PARSE_H
#define TENDRIL_LIB_PARSE_H

#include "lib/common.h"
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>

/* The ICMP header; linux/icmp.h would pull in libc headers that do not exist for BPF targets. */
struct icmp_echo_hdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__be16 id;
	__be16 sequence;
};

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

/* What the parsers found: IPv4 5-tuple in the byte orders the datapath keeps (addresses network order, ports host order). */
struct parsed_ipv4 {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 protocol;
	__u8 tcp_flags;
	__u8 icmp_type;		/* ICMP only */
	__u8 icmp_code;
	__u16 icmp_id;		/* ICMP echo identifier, host order */
	__u16 total_len;	/* IP total length, host order */
	__u16 l4_offset;	/* from the start of the frame to the L4 header */
};

static __always_inline bool parse_eth(void *data, void *data_end, struct ethhdr **eth)
{
	struct ethhdr *e = data;

	if ((void *)(e + 1) > data_end)
		return false;
	*eth = e;
	return true;
}

/* Parses an IPv4 header (with options) and the TCP/UDP ports after it, if the packet is not a later fragment. */
static __always_inline bool parse_ipv4(void *data, void *data_end, struct parsed_ipv4 *out)
{
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 ihl_len;

	if (!parse_eth(data, data_end, &eth) || eth->h_proto != bpf_htons(ETH_P_IP))
		return false;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return false;
	ihl_len = ip->ihl * 4;
	if (ihl_len < sizeof(*ip))
		return false;

	out->saddr = ip->saddr;
	out->daddr = ip->daddr;
	out->protocol = ip->protocol;
	out->sport = 0;
	out->dport = 0;
	out->tcp_flags = 0;
	out->icmp_type = 0;
	out->icmp_code = 0;
	out->icmp_id = 0;
	out->total_len = bpf_ntohs(ip->tot_len);
	out->l4_offset = sizeof(*eth) + ihl_len;

	/* Only the first fragment carries ports. */
	if (ip->frag_off & bpf_htons(0x1fff))
		return true;

	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)ip + ihl_len;

		if ((void *)(tcp + 1) > data_end)
			return true;
		out->sport = bpf_ntohs(tcp->source);
		out->dport = bpf_ntohs(tcp->dest);
		out->tcp_flags = ((__u8 *)tcp)[13];
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = (void *)ip + ihl_len;

		if ((void *)(udp + 1) > data_end)
			return true;
		out->sport = bpf_ntohs(udp->source);
		out->dport = bpf_ntohs(udp->dest);
	} else if (ip->protocol == IPPROTO_ICMP) {
		struct icmp_echo_hdr *icmp = (void *)ip + ihl_len;

		if ((void *)(icmp + 1) > data_end)
			return true;
		out->icmp_type = icmp->type;
		out->icmp_code = icmp->code;
		if (icmp->type == ICMP_ECHO || icmp->type == ICMP_ECHOREPLY)
			out->icmp_id = bpf_ntohs(icmp->id);
	}
	return true;
}

#endif
