/* SPDX-License-Identifier: GPL-2.0 */
/* Local endpoints (pods on this node), by address and by host-side device. */
#ifndef TENDRIL_SHARED_ENDPOINT_H
#define TENDRIL_SHARED_ENDPOINT_H

#include <linux/types.h>

#define ENDPOINT_FAMILY_IPV4 1
#define ENDPOINT_FAMILY_IPV6 2

/* Key of tendril_endpoints: a pod address. IPv4 uses the first 4 bytes of addr. */
struct endpoint_key {
	__u8 addr[16];		/* network byte order */
	__u8 family;		/* ENDPOINT_FAMILY_* */
	__u8 pad[3];
};

/* What the datapath knows of a local endpoint. */
struct endpoint_info {
	__u32 ifindex;		/* host-side veth (lxc…) */
	__u16 endpoint_id;	/* node-local endpoint ID, indexes tendril_policy */
	__u16 flags;
	__u32 identity;		/* security identity of the endpoint's labels */
	__be32 ipv4;		/* the endpoint's IPv4 address: the only source it may use */
	__u8 mac[6];		/* the pod's eth0 */
	__u8 node_mac[6];	/* the host-side veth: the pod's gateway MAC */
};

#endif
