/* SPDX-License-Identifier: GPL-2.0 */
/* Connection tracking for IPv4: is a packet new, part of a known connection, or a reply to one. */
#ifndef TENDRIL_LIB_CONNTRACK_H
#define TENDRIL_LIB_CONNTRACK_H

#include "lib/events.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* Lifetimes, set before load (defaults are Cilium's). */
const volatile __u64 cfg_ct_tcp_syn_ns = 60ull * 1000000000;
const volatile __u64 cfg_ct_tcp_established_ns = 21600ull * 1000000000;
const volatile __u64 cfg_ct_tcp_closing_ns = 10ull * 1000000000;
const volatile __u64 cfg_ct_other_ns = 60ull * 1000000000;
/* How long a closed TCP connection still holds its tuple after its last packet: the side that closed first keeps
 * it in TIME_WAIT (Linux: 60 s). Only port remapping asks (lib/port_remap.h); the entry itself expires sooner. */
const volatile __u64 cfg_ct_tcp_time_wait_ns = 60ull * 1000000000;

static __always_inline void *ct_map(__u8 protocol)
{
	return protocol == IPPROTO_TCP ? (void *)&tendril_ct4_tcp : (void *)&tendril_ct4_any;
}

static __always_inline void ct_key_of(struct parsed_ipv4 *pkt, struct ct4_key *key, bool reverse)
{
	__u16 sport = pkt->protocol == IPPROTO_ICMP ? pkt->icmp_id : pkt->sport;
	__u16 dport = pkt->protocol == IPPROTO_ICMP ? pkt->icmp_id : pkt->dport;

	__builtin_memset(key, 0, sizeof(*key));
	key->protocol = pkt->protocol;
	key->saddr = reverse ? pkt->daddr : pkt->saddr;
	key->daddr = reverse ? pkt->saddr : pkt->daddr;
	key->sport = bpf_htons(reverse ? dport : sport);
	key->dport = bpf_htons(reverse ? sport : dport);
}

static __always_inline __u64 ct_lifetime(struct parsed_ipv4 *pkt, struct ct_entry *entry)
{
	if (pkt->protocol != IPPROTO_TCP)
		return cfg_ct_other_ns;
	if (entry->flags & CT_F_CLOSING)
		return cfg_ct_tcp_closing_ns;
	if (!(entry->flags & CT_F_SEEN_REPLY))
		return cfg_ct_tcp_syn_ns;
	return cfg_ct_tcp_established_ns;
}

/*
 * Which way a packet most likely goes, judged from the packet alone, so the first conntrack lookup usually hits:
 * an ICMP echo reply or a TCP SYN-ACK answers; a bare SYN or an echo request opens; otherwise the side with the
 * lower port is taken for the server (listening ports sit below Linux's ephemeral range 32768-60999), so a packet
 * from the lower port is taken for a reply. A wrong guess costs the second lookup the old order always paid for
 * replies. Measured with BPF_PROG_TEST_RUN on a reply TCP ACK: 163-177 ns per run before, 141-150 ns after
 * (bench/README.md, which also has the bpf_stats figures of real traffic, where the saving is inside the noise).
 */
static __always_inline bool ct_reply_likely(struct parsed_ipv4 *pkt)
{
	if (pkt->protocol == IPPROTO_ICMP)
		return pkt->icmp_type == ICMP_ECHOREPLY;
	if (pkt->protocol == IPPROTO_TCP && (pkt->tcp_flags & TCP_SYN))
		return pkt->tcp_flags & TCP_ACK;
	return pkt->sport < pkt->dport;
}

/*
 * The live entry for the packet's tuple, read as sent (reverse false) or as a reply (reverse true). A lookup as sent
 * also leaves what it found in *sent, live or not: a dead entry still tells who used the tuple last.
 */
static __always_inline struct ct_entry *ct_find(struct parsed_ipv4 *pkt, bool reverse, __u64 now, struct ct_entry **sent)
{
	struct ct4_key key;
	struct ct_entry *entry;

	ct_key_of(pkt, &key, reverse);
	entry = bpf_map_lookup_elem(ct_map(pkt->protocol), &key);
	if (!reverse)
		*sent = entry;
	return entry && entry->expires_ns >= now ? entry : 0;
}

/*
 * The live entry of the packet's connection, looked up the likely way first; *reply says which way matched. The
 * datapath only creates an entry when neither direction has a live one, so at most one of the two is live and the
 * order of the lookups does not change the answer, only its cost. *sent is the entry under the packet's own tuple
 * (ct_find), or NULL when a reply matched before that lookup was made.
 */
static __always_inline struct ct_entry *ct_locate(struct parsed_ipv4 *pkt, __u64 now, bool *reply, struct ct_entry **sent)
{
	struct ct_entry *entry;
	bool reverse = ct_reply_likely(pkt);

	*sent = 0;
	entry = ct_find(pkt, reverse, now, sent);
	if (!entry) {
		reverse = !reverse;
		entry = ct_find(pkt, reverse, now, sent);
	}
	*reply = reverse;
	return entry;
}

/*
 * Classifies the packet by the live entry ct_locate found (none: a new connection) and refreshes that entry; a
 * reply refreshes the entry of the connection it answers. *found is the entry, or NULL for a new connection.
 */
static __always_inline __u8 ct_account(struct packet_ctx *p, struct ct_entry *entry, bool reply, __u64 now, struct ct_entry **found)
{
	*found = 0;
	if (!entry)
		return CT_STATE_NEW;
	/* A SYN on a closing connection starts a new one. */
	if (!reply && (entry->flags & CT_F_CLOSING) && (p->pkt.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		return CT_STATE_NEW;

	if (reply) {
		entry->packets_rev++;
		entry->bytes_rev += p->len;
		entry->tcp_flags_rev |= p->pkt.tcp_flags;
		entry->flags |= CT_F_SEEN_REPLY;
	} else {
		entry->packets_fwd++;
		entry->bytes_fwd += p->len;
		entry->tcp_flags_fwd |= p->pkt.tcp_flags;
	}
	if (p->pkt.tcp_flags & (TCP_FIN | TCP_RST))
		entry->flags |= CT_F_CLOSING;
	entry->expires_ns = now + ct_lifetime(&p->pkt, entry);
	*found = entry;
	return reply ? CT_STATE_REPLY : CT_STATE_ESTABLISHED;
}

/* Classifies the packet and refreshes the entry it belongs to; expired entries count as absent. */
static __always_inline __u8 ct_lookup(struct packet_ctx *p, struct ct_entry **found)
{
	__u64 now = bpf_ktime_get_ns();
	struct ct_entry *entry, *sent;
	bool reply;

	entry = ct_locate(&p->pkt, now, &reply, &sent);
	return ct_account(p, entry, reply, now, found);
}

/*
 * Whether a TCP entry's connection still holds its tuple: while the entry lives, and after a close for as long as
 * the side that closed first may keep it in TIME_WAIT. A closing entry expires cfg_ct_tcp_closing_ns after its last
 * packet, which dates the close.
 */
static __always_inline bool ct_holds_tuple(struct ct_entry *entry, __u64 now)
{
	if (entry->expires_ns >= now)
		return true;
	return (entry->flags & CT_F_CLOSING) && entry->expires_ns + cfg_ct_tcp_time_wait_ns > now + cfg_ct_tcp_closing_ns;
}

/* Records a new connection opened by this packet. */
static __always_inline int ct_create(struct packet_ctx *p)
{
	struct ct4_key key;
	struct ct_entry entry;

	__builtin_memset(&entry, 0, sizeof(entry));
	ct_key_of(&p->pkt, &key, false);
	entry.packets_fwd = 1;
	entry.bytes_fwd = p->len;
	entry.tcp_flags_fwd = p->pkt.tcp_flags;
	entry.src_identity = p->src_identity;
	entry.rev_nat_index = p->rev_nat_index;
	entry.nat_port = p->nat_port;
	if (p->pkt.tcp_flags & (TCP_FIN | TCP_RST))
		entry.flags |= CT_F_CLOSING;
	/* The packet that opens a connection is always traced; aggregation counts from it. */
	entry.last_report_ns = bpf_ktime_get_ns();
	entry.expires_ns = entry.last_report_ns + ct_lifetime(&p->pkt, &entry);
	return bpf_map_update_elem(ct_map(p->pkt.protocol), &key, &entry, BPF_ANY);
}

#endif
