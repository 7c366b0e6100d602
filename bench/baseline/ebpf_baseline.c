// SPDX-License-Identifier: GPL-2.0
/*
 * C baseline for bench/Tendril.Bench: the same map and ring-buffer operations through libbpf, on the same
 * object (bpf/tests/selftest.c) with the same sizes, so the C# figures have something to be divided by.
 *
 *   ebpf_baseline OBJECT maps KEYS BATCH REPS   -> map_update_single, map_lookup_single, map_update_batch, map_lookup_batch
 *   ebpf_baseline OBJECT ring EVENTS RING_BYTES -> ring_drain
 *
 * Each figure is printed as "name ops_per_sec" (median of REPS runs for maps).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct value {
	uint64_t counter;
	uint32_t id;
	uint32_t flags;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static struct bpf_object *open_object(const char *path, const char *map, uint32_t max_entries)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj) {
		fprintf(stderr, "open %s failed\n", path);
		exit(1);
	}
	if (bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, map), max_entries)) {
		fprintf(stderr, "resize %s failed\n", map);
		exit(1);
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load %s failed\n", path);
		exit(1);
	}
	return obj;
}

static int bench_maps(const char *path, uint32_t keys, uint32_t batch, int reps)
{
	struct bpf_object *obj = open_object(path, "selftest_hash", keys + batch);
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "selftest_hash"));
	uint32_t *kbuf = calloc(batch, sizeof(*kbuf));
	struct value *vbuf = calloc(batch, sizeof(*vbuf));
	double *update = calloc(reps, sizeof(double)), *lookup = calloc(reps, sizeof(double));
	double *bupdate = calloc(reps, sizeof(double)), *blookup = calloc(reps, sizeof(double));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (int r = 0; r < reps; r++) {
		struct value v = { 0 };
		double t = now();

		for (uint32_t k = 0; k < keys; k++) {
			v.counter = k;
			if (bpf_map_update_elem(fd, &k, &v, BPF_ANY)) {
				fprintf(stderr, "update failed\n");
				return 1;
			}
		}
		update[r] = keys / (now() - t);

		t = now();
		for (uint32_t k = 0; k < keys; k++)
			if (bpf_map_lookup_elem(fd, &k, &v)) {
				fprintf(stderr, "lookup failed\n");
				return 1;
			}
		lookup[r] = keys / (now() - t);

		t = now();
		for (uint32_t start = 0; start < keys; start += batch) {
			uint32_t n = keys - start < batch ? keys - start : batch;

			for (uint32_t i = 0; i < n; i++) {
				kbuf[i] = start + i;
				vbuf[i].counter = start + i;
			}
			if (bpf_map_update_batch(fd, kbuf, vbuf, &n, &opts)) {
				fprintf(stderr, "batch update failed\n");
				return 1;
			}
		}
		bupdate[r] = keys / (now() - t);

		uint64_t token = 0, total = 0;
		int first = 1;

		t = now();
		for (;;) {
			uint32_t n = batch;
			int rc = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, kbuf, vbuf, &n, &opts);

			total += n;
			first = 0;
			if (rc)
				break;
		}
		blookup[r] = total / (now() - t);
	}
	printf("map_update_single %.0f\n", median(update, reps));
	printf("map_lookup_single %.0f\n", median(lookup, reps));
	printf("map_update_batch %.0f\n", median(bupdate, reps));
	printf("map_lookup_batch %.0f\n", median(blookup, reps));
	bpf_object__close(obj);
	return 0;
}

static uint64_t ring_sum;

static int on_event(void *ctx, void *data, size_t size)
{
	/* Touch the record as the C# handler does: add up the seq field (offset 28). */
	ring_sum += *(uint32_t *)((char *)data + 28);
	return 0;
}

static int bench_ring(const char *path, int events, uint32_t ring_bytes)
{
	struct bpf_object *obj = open_object(path, "selftest_events", ring_bytes);
	int ring_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "selftest_events"));
	int prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "selftest_tc"));
	unsigned char packet[54] = { 0 };
	struct ring_buffer *rb;
	double t;
	int consumed;

	/* Ethernet + IPv4 + TCP SYN, 10.0.0.1:40000 -> 10.0.0.2:80; checksums do not matter to the program. */
	packet[12] = 0x08;
	packet[14] = 0x45;
	packet[17] = 40;
	packet[22] = 64;
	packet[23] = 6;
	memcpy(packet + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	memcpy(packet + 34, "\x9c\x40\x00\x50", 4);
	packet[46] = 0x50;
	packet[47] = 0x02;

	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = packet, .data_size_in = sizeof(packet), .repeat = events);
	if (bpf_prog_test_run_opts(prog_fd, &run)) {
		fprintf(stderr, "test run failed\n");
		return 1;
	}
	rb = ring_buffer__new(ring_fd, on_event, NULL, NULL);
	t = now();
	consumed = ring_buffer__consume(rb);
	t = now() - t;
	printf("ring_drain %.0f\n", consumed / t);
	printf("ring_drain_events %d\n", consumed);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[2], "maps"))
		return bench_maps(argv[1], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[2], "ring"))
		return bench_ring(argv[1], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: %s OBJECT maps KEYS BATCH REPS | OBJECT ring EVENTS RING_BYTES\n", argv[0]);
	return 2;
}
