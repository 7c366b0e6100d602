// SPDX-License-Identifier: GPL-2.0
/*
 * The node's external devices (agent option --devices), attached with tcx:
 *   tendril_from_netdev  tcx ingress: a packet from outside to a NodePort, ExternalIP or LoadBalancer frontend is
 *                        DNATed to a backend on this node (lib/nodeport.h) and handed to the stack
 *   tendril_to_netdev    tcx egress:  a backend's reply to such a client gets the frontend back as its source
 *
 * Why the stack and not bpf_redirect_peer: the stack routes the translated packet to the backend's veth, where the
 * endpoint program's tendril_to_container applies the backend's ingress policy with the client's identity (world
 * for an address the ipcache does not know) and creates the connection's conntrack entry. The backend's replies go
 * to the client (its default route is the node), pass tendril_from_container as replies of that entry, are routed
 * out of this device by the stack and translated back on its egress.
 *
 * Why no SNAT: every backend these programs can reach is local, so replies come back through this node anyway;
 * Cilium's SNAT mode, too, only SNATs when the backend is on another node. Keeping the client's address lets policy
 * see world and the backend see its client; it also avoids the node's own address as the source of a packet the
 * node routes (the kernel drops that as a martian unless accept_local is set).
 */
#include "lib/common.h"
#include "lib/parse.h"
#include "lib/maps.h"
#include "lib/events.h"
#include "lib/conntrack.h"
#include "lib/nodeport.h"

SEC("tc")
int tendril_from_netdev(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct packet_ctx p = { .len = skb->len, .ifindex = skb->ifindex, .src_identity = IDENTITY_WORLD };
	int verdict;

	if (!parse_ipv4(data, data_end, &p.pkt))
		return TC_ACT_OK;
	if (!nodeport_translate(skb, &p, &verdict))
		return TC_ACT_OK;
	/* Traced where it meets policy, in tendril_to_container. */
	return verdict ? verdict : TC_ACT_OK;
}

SEC("tc")
int tendril_to_netdev(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct packet_ctx p = { .len = skb->len, .ifindex = skb->ifindex };

	if (!parse_ipv4(data, data_end, &p.pkt))
		return TC_ACT_OK;
	return nodeport_reverse(skb, &p);
}

char LICENSE[] SEC("license") = "GPL";
