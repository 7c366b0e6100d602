/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source port remapping: a pod's TCP connections keep tuples apart where their backend sees them, as netfilter's NAT
 * keeps every tuple unique. A client's kernel derives a connection's initial sequence number and its timestamps
 * from the tuple it connected to, the frontend's for a service, while the backend sees the tuple to itself. So two
 * connections from one client port to one backend tuple that were addressed differently (through two frontends;
 * through a frontend and to the backend's own address, as socket-LB or a direct call does) carry unrelated sequence
 * numbers and timestamps. A backend that closed the first one holds it in TIME_WAIT and refuses the second's SYN if
 * its timestamp is older (PAWS, TcpExtPAWSTimewait): it answers with an ACK, the client resets and resends the SYN
 * 2 jiffies later. That was the ~11 ms p90 of per-packet connections in the `services` benchmark, whose clients
 * sweep the same ports through the VIP, socket-LB and the backend's address.
 *
 * So the SYN of a connection whose wire tuple is still held by one addressed otherwise gets another source port; the
 * client's own entry (its service entry, or a port remap entry for a backend's own address) remembers it for the
 * connection's later packets, and the wire entry remembers the client's port for the replies.
 */
#ifndef TENDRIL_LIB_PORT_REMAP_H
#define TENDRIL_LIB_PORT_REMAP_H

#include "lib/conntrack.h"

/*
 * Ports a remapped connection may get: 1024-65535 outside Linux's default ephemeral range (32768-60999), so that the
 * ports clients choose themselves seldom meet a remapped connection's, and random tries before giving up. Measured
 * with connect_rr alternating VIP and backend address from one client, 3,030 connections per run: remapping within
 * the ephemeral range with 8 tries still left 2 refused SYNs in 6 runs (held ports crowd the range); outside it, 1 in
 * 12 runs with 8 tries (about a third of those ports held), none in 18 runs with 16.
 */
#define PORT_REMAP_LOW_FIRST 1024
#define PORT_REMAP_LOW_COUNT 31744	/* 1024-32767 */
#define PORT_REMAP_HIGH_FIRST 61000
#define PORT_REMAP_COUNT (PORT_REMAP_LOW_COUNT + 4536)	/* and 61000-65535 */
/* Random ports tried before a connection keeps its own and takes its chances. */
#define PORT_REMAP_TRIES 16

static __always_inline bool is_tcp_syn(struct parsed_ipv4 *pkt)
{
	return pkt->protocol == IPPROTO_TCP && (pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

/* The offset of the packet's TCP or UDP checksum, and the flags its updates need (a UDP checksum of 0 stays 0). */
static __always_inline __u32 l4_csum_offset(struct parsed_ipv4 *pkt, __u64 *flags)
{
	if (pkt->protocol == IPPROTO_TCP) {
		*flags = 0;
		return pkt->l4_offset + __builtin_offsetof(struct tcphdr, check);
	}
	*flags = BPF_F_MARK_MANGLED_0;
	return pkt->l4_offset + __builtin_offsetof(struct udphdr, check);
}

/* Rewrites the packet's TCP/UDP destination (dest) or source port and its checksum. Returns < 0 when it cannot. */
static __always_inline int l4_rewrite_port(struct __sk_buff *skb, struct parsed_ipv4 *pkt, bool dest, __be16 port)
{
	__u32 port_offset = pkt->l4_offset + (dest ? __builtin_offsetof(struct tcphdr, dest) : __builtin_offsetof(struct tcphdr, source));
	__be16 old_port = bpf_htons(dest ? pkt->dport : pkt->sport);
	__u64 flags;
	__u32 csum_offset = l4_csum_offset(pkt, &flags);

	if (old_port == port)
		return 0;
	if (bpf_l4_csum_replace(skb, csum_offset, old_port, port, flags | sizeof(port)) < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, port_offset, &port, sizeof(port), 0) < 0)
		return -1;
	if (dest)
		pkt->dport = bpf_ntohs(port);
	else
		pkt->sport = bpf_ntohs(port);
	return 0;
}

/*
 * Whether a new connection addressed to the frontend rev_nat_index (0: the backend itself) from client_port may use
 * the wire tuple: no connection holds it, or the one that does was addressed alike, so that the client's sequence
 * numbers and timestamps continue its own.
 */
static __always_inline bool port_remap_free(struct ct4_key *wire, __u16 rev_nat_index, __be16 client_port, __u64 now)
{
	struct ct_entry *entry = bpf_map_lookup_elem(&tendril_ct4_tcp, wire);
	__be16 nat_port = wire->sport == client_port ? 0 : client_port;

	if (!entry)
		return true;
	if (entry->rev_nat_index == rev_nat_index && entry->nat_port == nat_port)
		return true;
	return !ct_holds_tuple(entry, now);
}

/*
 * The source port a new TCP connection from the packet's source to the backend (daddr, dport), addressed to the
 * frontend rev_nat_index (0: the backend itself), uses on the wire: `previous` (where the client's last connection
 * addressed alike went, 0 if it kept its port) or the client's own port if free for it, else a random free one. If
 * no try finds one it keeps its own and takes its chances, as without remapping.
 */
static __always_inline __be16 port_remap_choose(struct parsed_ipv4 *pkt, __be32 daddr, __be16 dport, __u16 rev_nat_index,
						__be16 previous, __u64 now)
{
	__be16 own = bpf_htons(pkt->sport);
	struct ct4_key wire;

	__builtin_memset(&wire, 0, sizeof(wire));
	wire.saddr = pkt->saddr;
	wire.daddr = daddr;
	wire.dport = dport;
	wire.protocol = IPPROTO_TCP;
	if (previous) {
		wire.sport = previous;
		if (port_remap_free(&wire, rev_nat_index, own, now))
			return previous;
	}
	wire.sport = own;
	if (port_remap_free(&wire, rev_nat_index, own, now))
		return own;
	for (int i = 0; i < PORT_REMAP_TRIES; i++) {
		__u32 pick = bpf_get_prandom_u32() % PORT_REMAP_COUNT;

		pick += pick < PORT_REMAP_LOW_COUNT ? PORT_REMAP_LOW_FIRST : PORT_REMAP_HIGH_FIRST - PORT_REMAP_LOW_COUNT;
		wire.sport = bpf_htons((__u16)pick);
		if (port_remap_free(&wire, rev_nat_index, own, now))
			return wire.sport;
	}
	return own;
}

/*
 * A TCP packet a pod sends to an address that is not a service; sent is the entry under its own tuple, live or not.
 * A SYN gets another source port when a connection addressed otherwise still holds that tuple, and a port remap entry
 * under the tuple as sent remembers it; a later packet, finding an entry that is not its connection's, takes the
 * port from there. A packet whose tuple has its own connection's entry returns at the first test, so connections
 * that keep their port pay no lookup. Returns 1 when the packet now has another source port, 0 when it keeps its
 * own, < 0 when it could not be rewritten.
 */
static __always_inline int port_remap_direct(struct __sk_buff *skb, struct packet_ctx *p, struct ct_entry *sent, __u64 now)
{
	__be16 own = bpf_htons(p->pkt.sport);
	struct ct_entry *remap, fresh;
	struct ct4_key key;
	__be16 port;

	if (sent && !sent->rev_nat_index && !sent->nat_port)
		return 0;
	if (is_tcp_syn(&p->pkt) && (!sent || !ct_holds_tuple(sent, now)))
		return 0;
	ct_key_of(&p->pkt, &key, false);
	key.flags = CT_KEY_F_PORT_REMAP;
	remap = bpf_map_lookup_elem(&tendril_ct4_tcp, &key);
	if (!is_tcp_syn(&p->pkt)) {
		if (!remap || remap->expires_ns < now)
			return 0;
		port = remap->nat_port;
	} else {
		port = port_remap_choose(&p->pkt, p->pkt.daddr, bpf_htons(p->pkt.dport), 0, remap ? remap->nat_port : 0, now);
		if (port == own) {
			/* No free port: the connection keeps its own, and its later packets must not find an old remap. */
			if (remap)
				bpf_map_delete_elem(&tendril_ct4_tcp, &key);
			return 0;
		}
		if (!remap) {
			__builtin_memset(&fresh, 0, sizeof(fresh));
			fresh.src_identity = p->src_identity;
			fresh.last_report_ns = now;
			fresh.expires_ns = now + cfg_ct_tcp_established_ns;
			fresh.nat_port = port;
			if (bpf_map_update_elem(&tendril_ct4_tcp, &key, &fresh, BPF_ANY) != 0)
				return 0;
		}
	}
	if (remap) {
		remap->nat_port = port;
		remap->expires_ns = now + cfg_ct_tcp_established_ns;
	}
	if (l4_rewrite_port(skb, &p->pkt, false, port) < 0)
		return -1;
	p->nat_port = own;
	return 1;
}

/*
 * ct_lookup for a packet a pod sends. A TCP packet that was not translated for a service and is not a reply first
 * gets the source port its connection uses on the wire (port_remap_direct) and is then classified under that tuple.
 * Sets p->ct_state; returns 0, or the TC verdict of a drop when the packet could not be rewritten.
 */
static __always_inline int ct_lookup_sent(struct __sk_buff *skb, struct packet_ctx *p, struct ct_entry **found)
{
	__u64 now = bpf_ktime_get_ns();
	struct ct_entry *entry, *sent;
	bool reply;
	int remapped;

	entry = ct_locate(&p->pkt, now, &reply, &sent);
	if (p->pkt.protocol == IPPROTO_TCP && !p->rev_nat_index && !(entry && reply)) {
		remapped = port_remap_direct(skb, p, sent, now);
		if (remapped < 0)
			return drop(p, DROP_INVALID_PACKET, EVENT_DIR_EGRESS);
		if (remapped)
			entry = ct_locate(&p->pkt, now, &reply, &sent);
	}
	p->ct_state = ct_account(p, entry, reply, now, found);
	return 0;
}

#endif
