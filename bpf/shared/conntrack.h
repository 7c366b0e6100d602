/* SPDX-License-Identifier: GPL-2.0 */
/* Connection tracking: one entry per connection, keyed by the tuple of its first packet. */
#ifndef TENDRIL_SHARED_CONNTRACK_H
#define TENDRIL_SHARED_CONNTRACK_H

#include <linux/types.h>

/* For ICMP echo the identifier stands in both ports, so the reply finds the request's entry. */
struct ct4_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 flags;		/* CT_KEY_F_* */
	__u8 pad[2];
};

/* A service entry: the tuple as the client sent it (to the VIP), remembering the backend it was given. The
 * translated tuple (to the backend) has its own, ordinary entry. */
#define CT_KEY_F_SERVICE 1
/* A port remap entry: the tuple as a pod sent it to an address that is not a service, for a connection that uses
 * another source port on the wire (nat_port; bpf/lib/port_remap.h). The wire tuple has its own, ordinary entry. */
#define CT_KEY_F_PORT_REMAP 2

#define CT_F_SEEN_REPLY 1	/* the other side answered */
#define CT_F_CLOSING 2		/* FIN or RST seen: short lifetime */

struct ct_entry {
	__u64 expires_ns;	/* bpf_ktime_get_ns() after which the entry is dead */
	__u64 packets_fwd;
	__u64 bytes_fwd;
	__u64 packets_rev;
	__u64 bytes_rev;
	__u32 src_identity;	/* identity of the side that opened the connection */
	__u16 flags;		/* CT_F_* */
	__u8 tcp_flags_fwd;	/* TCP flags seen each way, ORed */
	__u8 tcp_flags_rev;
	__u64 last_report_ns;	/* last trace event for this connection (event aggregation) */
	__u32 backend_id;	/* service entries: the backend chosen for the connection */
	__u16 rev_nat_index;	/* connections to a service (both entries): the service replies are translated back to */
	__be16 nat_port;	/* a source port rewrite's other side, 0 if none: in the client's entry (service, port
				 * remap) the port on the wire, in the wire entry the client's own port */
};

enum ct_state {
	CT_STATE_UNKNOWN = 0,
	CT_STATE_NEW = 1,
	CT_STATE_ESTABLISHED = 2,
	CT_STATE_REPLY = 3,
};

#endif
