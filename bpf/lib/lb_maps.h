/* SPDX-License-Identifier: GPL-2.0 */
/* The load-balancer maps, declared alike in the endpoint object and the socket-LB object so both share the pins. */
#ifndef TENDRIL_LIB_LB_MAPS_H
#define TENDRIL_LIB_LB_MAPS_H

#include "lib/common.h"
#include "shared/lb.h"

/* Frontends: (VIP, port, protocol, scope, slot) -> master entry (slot 0) or one backend's ID (slot > 0). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lb4_key);
	__type(value, struct lb4_service);
} tendril_lb4_services SEC(".maps");

/* Backend ID -> address, port and state. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct lb4_backend);
} tendril_lb4_backends SEC(".maps");

/* Service ID (rev_nat_index) -> the frontend that replies are translated back to. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u16);
	__type(value, struct lb4_reverse_nat);
} tendril_lb4_reverse_nat SEC(".maps");

/* Socket-LB: (socket, backend) -> frontend, for recvmsg and getpeername. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct lb4_reverse_sk_key);
	__type(value, struct lb4_reverse_sk);
} tendril_lb4_reverse_sk SEC(".maps");

/* sessionAffinity ClientIP: (client, service) -> the backend it last got. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lb4_affinity_key);
	__type(value, struct lb4_affinity);
} tendril_lb4_affinity SEC(".maps");

/* One service's Maglev lookup table: cfg_lb_maglev_table_size backend IDs. BPF_F_INNER_MAP lets the agent create
 * tables of the configured size while this template stays small; lookups are then bounds-checked at run time.
 * libbpf 1.1 cannot size an inner map from BTF types, hence key_size/value_size. */
struct lb4_maglev_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
};

/* Service ID -> its Maglev table (services with LB_SVC_F_MAGLEV). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 65536);
	__type(key, __u16);
	__array(values, struct lb4_maglev_table);
} tendril_lb4_maglev SEC(".maps");

#endif
