/* SPDX-License-Identifier: GPL-2.0 */
/* ipcache: longest-prefix match from an address to the security identity behind it. */
#ifndef TENDRIL_SHARED_IPCACHE_H
#define TENDRIL_SHARED_IPCACHE_H

#include <linux/types.h>

/* prefixlen counts the 32 bits of pad/cluster_id/family plus the address bits: a /32 is 64, a /128 is 160. */
#define IPCACHE_STATIC_PREFIX 32

struct ipcache_key {
	__u32 prefixlen;
	__u16 pad;
	__u8 cluster_id;
	__u8 family;		/* ENDPOINT_FAMILY_* */
	__u8 addr[16];		/* network byte order */
};

struct ipcache_value {
	__u32 identity;
	__be32 tunnel_endpoint;	/* node address for remote pods; 0 when local */
	__u16 node_id;
	__u8 encrypt_key;
	__u8 flags;
};

#endif
