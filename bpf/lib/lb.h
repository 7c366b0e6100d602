/* SPDX-License-Identifier: GPL-2.0 */
/* Backend selection, shared by the socket-LB (bpf/sock.c) and the per-packet LB (bpf/lxc.c). */
#ifndef TENDRIL_LIB_LB_H
#define TENDRIL_LIB_LB_H

#include "lib/lb_maps.h"

/* Entries of every Maglev table the agent creates; must match the agent's tables (Cilium's M). */
const volatile __u32 cfg_lb_maglev_table_size = LB_MAGLEV_TABLE_SIZE_DEFAULT;
/* Seed of the flow hash that indexes Maglev tables; the same on every node keeps a flow on one backend. */
const volatile __u32 cfg_lb_hash_seed = 0x7e4d5eed;

/* Slots tried after a random pick that is not active, before the service counts as having no backend. The control
 * plane keeps only active backends in slots 1..count, so this only bridges its updates. */
#define LB_SLOT_PROBES 4

#define NSEC_PER_SEC 1000000000ull

/* One round of MurmurHash3's 32-bit block mixing, and its finalizer: cheap, and spreads neighbouring ports. */
static __always_inline __u32 lb_hash_mix(__u32 h, __u32 v)
{
	v *= 0xcc9e2d51;
	v = (v << 15) | (v >> 17);
	v *= 0x1b873593;
	h ^= v;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64;
}

static __always_inline __u32 lb_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* The master entry of a frontend, or NULL when (address, port, proto) is not a service: one hash lookup. */
static __always_inline struct lb4_service *lb4_lookup_service(struct lb4_key *key, __be32 address, __be16 port, __u8 proto)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->address = address;
	key->dport = port;
	key->proto = proto;
	key->scope = LB_SCOPE_EXTERNAL;
	return bpf_map_lookup_elem(&tendril_lb4_services, key);
}

static __always_inline struct lb4_backend *lb4_backend(__u32 backend_id)
{
	return bpf_map_lookup_elem(&tendril_lb4_backends, &backend_id);
}

static __always_inline bool lb4_is_active(__u32 backend_id)
{
	struct lb4_backend *backend = lb4_backend(backend_id);

	return backend && backend->state == LB_BACKEND_ACTIVE;
}

/* Cilium's random selection: slot = random % count + 1, probing on past a slot whose backend is not active. */
static __always_inline __u32 lb4_select_random(struct lb4_key *master, struct lb4_service *svc)
{
	struct lb4_key key = *master;
	struct lb4_service *slot;
	__u32 count = svc->count;
	__u32 start = bpf_get_prandom_u32() % count;

	for (__u32 i = 0; i < LB_SLOT_PROBES && i < count; i++) {
		key.backend_slot = (start + i) % count + 1;
		slot = bpf_map_lookup_elem(&tendril_lb4_services, &key);
		if (slot && lb4_is_active(slot->backend_id))
			return slot->backend_id;
	}
	return 0;
}

/* The service's Maglev table at hash % M, if that backend is active. */
static __always_inline __u32 lb4_select_maglev(struct lb4_service *svc, __u32 hash)
{
	__u16 id = svc->rev_nat_index;
	void *table = bpf_map_lookup_elem(&tendril_lb4_maglev, &id);
	__u32 index, *backend_id;

	if (!table || cfg_lb_maglev_table_size == 0)
		return 0;
	index = hash % cfg_lb_maglev_table_size;
	backend_id = bpf_map_lookup_elem(table, &index);
	return backend_id && lb4_is_active(*backend_id) ? *backend_id : 0;
}

/* The client's remembered backend, if still within the service's timeout and still active. */
static __always_inline __u32 lb4_affinity_backend(struct lb4_service *svc, struct lb4_affinity_key *client, __u64 now)
{
	struct lb4_affinity *affinity = bpf_map_lookup_elem(&tendril_lb4_affinity, client);

	if (!affinity)
		return 0;
	if (now - affinity->last_used_ns > (__u64)svc->affinity_timeout * NSEC_PER_SEC || !lb4_is_active(affinity->backend_id))
		return 0;
	affinity->last_used_ns = now;
	return affinity->backend_id;
}

static __always_inline void lb4_affinity_remember(struct lb4_affinity_key *client, __u32 backend_id, __u64 now)
{
	struct lb4_affinity affinity = { .last_used_ns = now, .backend_id = backend_id };

	bpf_map_update_elem(&tendril_lb4_affinity, client, &affinity, BPF_ANY);
}

/*
 * Picks an active backend for a new connection to the service whose master entry is svc (found under master):
 * the client's affinity backend, else the Maglev table at hash, else a random slot. Returns 0 when the service has
 * no active backend.
 */
static __always_inline __u32 lb4_select_backend(struct lb4_key *master, struct lb4_service *svc, struct lb4_affinity_key *client, __u32 hash)
{
	bool affinity = svc->flags & LB_SVC_F_AFFINITY;
	__u64 now = 0;
	__u32 backend_id = 0;

	if (svc->count == 0)
		return 0;
	client->rev_nat_index = svc->rev_nat_index;
	if (affinity) {
		now = bpf_ktime_get_ns();
		backend_id = lb4_affinity_backend(svc, client, now);
		if (backend_id)
			return backend_id;
	}
	if (svc->flags & LB_SVC_F_MAGLEV)
		backend_id = lb4_select_maglev(svc, hash);
	if (!backend_id)
		backend_id = lb4_select_random(master, svc);
	if (backend_id && affinity)
		lb4_affinity_remember(client, backend_id, now);
	return backend_id;
}

#endif
