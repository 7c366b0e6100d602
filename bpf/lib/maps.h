/* SPDX-License-Identifier: GPL-2.0 */
/* The datapath's maps. The agent pins them under its node's bpffs directory; every endpoint shares them. */
#ifndef TENDRIL_LIB_MAPS_H
#define TENDRIL_LIB_MAPS_H

#include "lib/common.h"
#include "lib/lb_maps.h"
#include "shared/conntrack.h"
#include "shared/endpoint.h"
#include "shared/events.h"
#include "shared/ipcache.h"
#include "shared/policy.h"

/* Local endpoints by pod address: is a destination on this node, and where. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65535);
	__type(key, struct endpoint_key);
	__type(value, struct endpoint_info);
} tendril_endpoints SEC(".maps");

/* Local endpoints by host-side device: which endpoint a program on that device serves. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65535);
	__type(key, __u32);
	__type(value, struct endpoint_info);
} tendril_endpoints_by_ifindex SEC(".maps");

/* Address or prefix -> security identity, for every peer that is not a local endpoint. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 512000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipcache_key);
	__type(value, struct ipcache_value);
} tendril_ipcache SEC(".maps");

/* Endpoint ID -> that endpoint's policy map (an LPM trie of struct policy_key -> struct policy_entry).
 * libbpf 1.1 cannot size an inner map from BTF types, hence key_size/value_size. */
struct policy_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct policy_key));
	__uint(value_size, sizeof(struct policy_entry));
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 65535);
	__type(key, __u32);
	__array(values, struct policy_map);
} tendril_policy SEC(".maps");

/* TCP connections. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 524288);
	__type(key, struct ct4_key);
	__type(value, struct ct_entry);
} tendril_ct4_tcp SEC(".maps");

/* UDP, ICMP and other connections. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct ct4_key);
	__type(value, struct ct_entry);
} tendril_ct4_any SEC(".maps");

/* Traces, drops and policy verdicts for the agent's observer. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} tendril_events SEC(".maps");

/* Forwarded and dropped packets and bytes, by reason and direction, at METRICS_INDEX(reason, direction). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, METRICS_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct metrics_value);
} tendril_metrics SEC(".maps");

/* Events the ring buffer had no room for, per CPU (index 0). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tendril_events_lost SEC(".maps");

#endif
