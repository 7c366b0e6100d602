// SPDX-License-Identifier: GPL-2.0
/*
 * C baseline for bench/Tendril.Bench: the same map and ring-buffer operations through libbpf, on the same
 * object (bpf/tests/selftest.c), the same packet and the same sizes, so each C# figure has something to be
 * divided by. Tendril.Bench compiles it at run time:
 *
 *   gcc -O2 -Wall -I bpf -o mapbench bench/baseline/ebpf_baseline.c -lbpf
 *
 *   mapbench OBJECT PACKET maps KEYS BATCH REPS
 *   mapbench OBJECT PACKET ring EVENTS RING_BYTES REPS
 *   mapbench OBJECT PACKET concurrent RING_BYTES MILLIS RUNS
 *
 * Every figure is one line, "name key=value ...", the median of REPS (or RUNS) timed runs after one untimed
 * warm-up run, exactly as the C# side does.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/selftest.h"

#define TESTRUN_REPEAT 10000

static unsigned char packet[256];
static uint32_t packet_len;

static void die(const char *what, int err)
{
	fprintf(stderr, "mapbench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

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

static void read_packet(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		die(path, errno);
	packet_len = fread(packet, 1, sizeof(packet), f);
	fclose(f);
	if (packet_len == 0)
		die("empty packet file", EINVAL);
}

static struct bpf_object *open_object(const char *path, const char *map, uint32_t max_entries)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	int err;

	if (!obj)
		die(path, errno);
	err = bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, map), max_entries);
	if (err)
		die("resize map", err);
	err = bpf_object__load(obj);
	if (err)
		die("load object", err);
	return obj;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	return bpf_map__fd(bpf_object__find_map_by_name(obj, name));
}

static int prog_fd(struct bpf_object *obj)
{
	return bpf_program__fd(bpf_object__find_program_by_name(obj, "selftest_tc"));
}

static void test_run(int fd, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = packet, .data_size_in = packet_len, .repeat = repeat);
	int err = bpf_prog_test_run_opts(fd, &run);

	if (err)
		die("test run", err);
}

/* One pass of the four map figures over keys 0..keys-1; rates in ops/s. */
static void map_pass(int fd, uint32_t keys, uint32_t batch, uint32_t *kbuf, struct selftest_value *vbuf, double *rate)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct selftest_value v = { 0 };
	uint64_t token = 0, total = 0;
	double t = now();
	int err;

	for (uint32_t k = 0; k < keys; k++) {
		v.counter = k;
		err = bpf_map_update_elem(fd, &k, &v, BPF_ANY);
		if (err)
			die("update", err);
	}
	rate[0] = keys / (now() - t);

	t = now();
	for (uint32_t k = 0; k < keys; k++) {
		err = bpf_map_lookup_elem(fd, &k, &v);
		if (err)
			die("lookup", err);
	}
	rate[1] = keys / (now() - t);

	t = now();
	for (uint32_t start = 0; start < keys; start += batch) {
		uint32_t n = keys - start < batch ? keys - start : batch;

		for (uint32_t i = 0; i < n; i++) {
			kbuf[i] = start + i;
			vbuf[i].counter = start + i;
		}
		err = bpf_map_update_batch(fd, kbuf, vbuf, &n, &opts);
		if (err)
			die("batch update", err);
	}
	rate[2] = keys / (now() - t);

	t = now();
	for (int first = 1;; first = 0) {
		uint32_t n = batch;

		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, kbuf, vbuf, &n, &opts);
		total += n;
		if (err == -ENOENT)
			break;
		if (err)
			die("batch lookup", err);
	}
	rate[3] = total / (now() - t);
	if (total != keys)
		die("batch lookup returned a different number of entries", EIO);
}

static int bench_maps(const char *path, uint32_t keys, uint32_t batch, int reps)
{
	static const char *names[4] = { "map_update_single", "map_lookup_single", "map_update_batch", "map_lookup_batch" };
	struct bpf_object *obj = open_object(path, "selftest_hash", keys + batch);
	int fd = map_fd(obj, "selftest_hash");
	uint32_t *kbuf = calloc(batch, sizeof(*kbuf));
	struct selftest_value *vbuf = calloc(batch, sizeof(*vbuf));
	double rates[64][4], column[64], warm[4];

	if (reps > 64)
		reps = 64;
	map_pass(fd, keys, batch, kbuf, vbuf, warm);
	for (int r = 0; r < reps; r++)
		map_pass(fd, keys, batch, kbuf, vbuf, rates[r]);
	for (int f = 0; f < 4; f++) {
		for (int r = 0; r < reps; r++)
			column[r] = rates[r][f];
		printf("%s ops_per_sec=%.0f\n", names[f], median(column, reps));
	}
	free(vbuf);
	free(kbuf);
	bpf_object__close(obj);
	return 0;
}

static uint64_t ring_sum;

static int on_event(void *ctx, void *data, size_t size)
{
	/* Touch the record as the C# handler does: add up the seq field. */
	ring_sum += ((const struct selftest_event *)data)->seq;
	return 0;
}

static int bench_ring(const char *path, int events, uint32_t ring_bytes, int reps)
{
	struct bpf_object *obj = open_object(path, "selftest_events", ring_bytes);
	struct ring_buffer *rb = ring_buffer__new(map_fd(obj, "selftest_events"), on_event, NULL, NULL);
	int fd = prog_fd(obj);
	double rates[64];

	if (!rb)
		die("ring_buffer__new", errno);
	if (reps > 64)
		reps = 64;
	/* Round -1 is the warm-up; every round fills the empty ring and drains it. */
	for (int r = -1; r < reps; r++) {
		double t;
		int consumed;

		test_run(fd, events);
		t = now();
		consumed = ring_buffer__consume(rb);
		t = now() - t;
		if (consumed != events) {
			fprintf(stderr, "mapbench: drained %d of %d events\n", consumed, events);
			return 1;
		}
		if (r >= 0)
			rates[r] = consumed / t;
	}
	printf("ring_drain events_per_sec=%.0f events=%d\n", median(rates, reps), events);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}

struct consumer {
	struct ring_buffer *rb;
	atomic_int stop;
	uint64_t consumed;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;

	while (!atomic_load(&c->stop)) {
		int n = ring_buffer__poll(c->rb, 50);

		if (n > 0)
			c->consumed += n;
	}
	c->consumed += ring_buffer__consume(c->rb);
	return NULL;
}

/* Sums seen and lost over every CPU's selftest_stats. */
static void read_stats(int fd, uint64_t *seen, uint64_t *lost)
{
	int ncpu = libbpf_num_possible_cpus();
	struct selftest_stats *per_cpu = calloc(ncpu, sizeof(*per_cpu));
	uint32_t zero = 0;
	int err = bpf_map_lookup_elem(fd, &zero, per_cpu);

	if (err)
		die("read selftest_stats", err);
	*seen = *lost = 0;
	for (int i = 0; i < ncpu; i++) {
		*seen += per_cpu[i].seen;
		*lost += per_cpu[i].lost;
	}
	free(per_cpu);
}

/* One run: this thread produces for `millis` while another polls and consumes. */
static void concurrent_run(struct bpf_object *obj, int millis, double *rate, uint64_t *produced, uint64_t *lost)
{
	struct consumer c = { .rb = ring_buffer__new(map_fd(obj, "selftest_events"), on_event, NULL, NULL) };
	int fd = prog_fd(obj), stats = map_fd(obj, "selftest_stats");
	uint64_t seen0, lost0, seen1, lost1;
	pthread_t thread;
	double start, seconds;

	if (!c.rb)
		die("ring_buffer__new", errno);
	read_stats(stats, &seen0, &lost0);
	if (pthread_create(&thread, NULL, consume, &c))
		die("pthread_create", errno);
	start = now();
	while (now() - start < millis / 1000.0)
		test_run(fd, TESTRUN_REPEAT);
	seconds = now() - start;
	atomic_store(&c.stop, 1);
	pthread_join(thread, NULL);
	read_stats(stats, &seen1, &lost1);
	*rate = c.consumed / seconds;
	*produced = seen1 - seen0;
	*lost = lost1 - lost0;
	ring_buffer__free(c.rb);
}

static int bench_concurrent(const char *path, uint32_t ring_bytes, int millis, int runs)
{
	struct bpf_object *obj = open_object(path, "selftest_events", ring_bytes);
	double rates[64], sorted[64], rate;
	uint64_t produced[64], lost[64], p, l;
	int mid = 0;

	if (runs > 64)
		runs = 64;
	concurrent_run(obj, millis / 4, &rate, &p, &l);
	for (int r = 0; r < runs; r++)
		concurrent_run(obj, millis, &rates[r], &produced[r], &lost[r]);
	/* Report the loss of the run whose rate is the median, so the three numbers belong together. */
	memcpy(sorted, rates, sizeof(double) * runs);
	rate = median(sorted, runs);
	while (rates[mid] != rate)
		mid++;
	printf("ring_concurrent events_per_sec=%.0f produced=%llu lost=%llu\n", rate,
	       (unsigned long long)produced[mid], (unsigned long long)lost[mid]);
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4)
		read_packet(argv[2]);
	if (argc == 7 && !strcmp(argv[3], "maps"))
		return bench_maps(argv[1], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	if (argc == 7 && !strcmp(argv[3], "ring"))
		return bench_ring(argv[1], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	if (argc == 7 && !strcmp(argv[3], "concurrent"))
		return bench_concurrent(argv[1], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	fprintf(stderr, "usage: %s OBJECT PACKET maps KEYS BATCH REPS | ring EVENTS RING_BYTES REPS"
		" | concurrent RING_BYTES MILLIS RUNS\n", argv[0]);
	return 2;
}
