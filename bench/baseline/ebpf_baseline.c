// SPDX-License-Identifier: GPL-2.0
/*
 * C baseline for bench/Tendril.Bench: the same map and ring-buffer operations through libbpf, on the same
 * object (bpf/tests/selftest.c), the same packet and the same sizes, so each C# figure has something to be
 * divided by. Tendril.Bench compiles it at run time:
 *
 *   gcc -O2 -Wall -I bpf -o mapbench bench/baseline/ebpf_baseline.c -lbpf -lpthread
 *
 * and then drives it one step at a time, alternating with its own steps, so both sides of every ratio are
 * measured under the same load (this VM's noise moves by ±30 % within seconds):
 *
 *   mapbench OBJECT PACKET KEYS BATCH RING_BYTES      loads OBJECT once, then runs commands from stdin:
 *     maps              -> maps update_single=OPS/S lookup_single=OPS/S update_batch=OPS/S lookup_batch=OPS/S
 *     drain EVENTS      -> drain events_per_sec=N events=N
 *     concurrent MILLIS -> concurrent events_per_sec=N produced=N lost=N
 *
 * By hand: printf 'maps\ndrain 400000\n' | ./mapbench selftest.o packet.bin 200000 10000 16777216
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

/* Runs of the program per BPF_PROG_TEST_RUN call while producing concurrently (RepeatPerCall in C#). */
#define TESTRUN_REPEAT 10000

struct bench {
	struct bpf_object *obj;
	int hash_fd, events_fd, stats_fd, prog_fd;
	uint32_t keys, batch;
	uint32_t *kbuf;
	struct selftest_value *vbuf;
	struct ring_buffer *rb;
	unsigned char packet[256];
	uint32_t packet_len;
};

/* Written by the ring callback so the record read is not optimised away, as SeqSum does in C#. */
static uint64_t seq_sum;

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

static int on_event(void *ctx, void *data, size_t size)
{
	seq_sum += ((const struct selftest_event *)data)->seq;
	return 0;
}

static void open_bench(struct bench *b, const char *object, const char *packet, uint32_t ring_bytes)
{
	FILE *f = fopen(packet, "rb");
	int err;

	if (!f)
		die(packet, errno);
	b->packet_len = fread(b->packet, 1, sizeof(b->packet), f);
	fclose(f);
	if (b->packet_len == 0)
		die(packet, EINVAL);

	b->obj = bpf_object__open_file(object, NULL);
	if (!b->obj)
		die(object, errno);
	err = bpf_map__set_max_entries(bpf_object__find_map_by_name(b->obj, "selftest_hash"), b->keys + b->batch);
	if (!err)
		err = bpf_map__set_max_entries(bpf_object__find_map_by_name(b->obj, "selftest_events"), ring_bytes);
	if (err)
		die("resize maps", err);
	err = bpf_object__load(b->obj);
	if (err)
		die("load object", err);
	b->hash_fd = bpf_map__fd(bpf_object__find_map_by_name(b->obj, "selftest_hash"));
	b->events_fd = bpf_map__fd(bpf_object__find_map_by_name(b->obj, "selftest_events"));
	b->stats_fd = bpf_map__fd(bpf_object__find_map_by_name(b->obj, "selftest_stats"));
	b->prog_fd = bpf_program__fd(bpf_object__find_program_by_name(b->obj, "selftest_tc"));
	b->rb = ring_buffer__new(b->events_fd, on_event, NULL, NULL);
	if (!b->rb)
		die("ring_buffer__new", errno);
	b->kbuf = calloc(b->batch, sizeof(*b->kbuf));
	b->vbuf = calloc(b->batch, sizeof(*b->vbuf));
}

static void test_run(struct bench *b, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = b->packet, .data_size_in = b->packet_len, .repeat = repeat);
	int err = bpf_prog_test_run_opts(b->prog_fd, &run);

	if (err)
		die("test run", err);
}

/* The four map figures over keys 0..keys-1, in ops/s; the same loops as MapPass in TendrilSide.cs. */
static void maps(struct bench *b)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct selftest_value v = { 0 };
	uint64_t token = 0, total = 0;
	double rate[4], t = now();
	int err;

	for (uint32_t k = 0; k < b->keys; k++) {
		v.counter = k;
		err = bpf_map_update_elem(b->hash_fd, &k, &v, BPF_ANY);
		if (err)
			die("update", err);
	}
	rate[0] = b->keys / (now() - t);

	t = now();
	for (uint32_t k = 0; k < b->keys; k++) {
		err = bpf_map_lookup_elem(b->hash_fd, &k, &v);
		if (err)
			die("lookup", err);
	}
	rate[1] = b->keys / (now() - t);

	t = now();
	for (uint32_t start = 0; start < b->keys; start += b->batch) {
		uint32_t n = b->keys - start < b->batch ? b->keys - start : b->batch;

		for (uint32_t i = 0; i < n; i++) {
			b->kbuf[i] = start + i;
			b->vbuf[i].counter = start + i;
		}
		err = bpf_map_update_batch(b->hash_fd, b->kbuf, b->vbuf, &n, &opts);
		if (err)
			die("batch update", err);
	}
	rate[2] = b->keys / (now() - t);

	t = now();
	for (int first = 1;; first = 0) {
		uint32_t n = b->batch;

		err = bpf_map_lookup_batch(b->hash_fd, first ? NULL : &token, &token, b->kbuf, b->vbuf, &n, &opts);
		total += n;
		if (err == -ENOENT)
			break;
		if (err)
			die("batch lookup", err);
	}
	rate[3] = total / (now() - t);
	if (total != b->keys)
		die("batch lookup returned a different number of entries than were written", EIO);
	printf("maps update_single=%.0f lookup_single=%.0f update_batch=%.0f lookup_batch=%.0f\n",
	       rate[0], rate[1], rate[2], rate[3]);
}

/* Consumer capacity: fill the empty ring, then time one ring_buffer__consume over all of it. */
static void drain(struct bench *b, int events)
{
	double t;
	int consumed;

	test_run(b, events);
	t = now();
	consumed = ring_buffer__consume(b->rb);
	t = now() - t;
	if (consumed != events) {
		fprintf(stderr, "mapbench: drained %d of %d events\n", consumed, events);
		exit(1);
	}
	printf("drain events_per_sec=%.0f events=%d\n", consumed / t, consumed);
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

/* Sums seen and lost of selftest_stats over every CPU. */
static void read_stats(struct bench *b, uint64_t *seen, uint64_t *lost)
{
	int ncpu = libbpf_num_possible_cpus();
	struct selftest_stats *per_cpu = calloc(ncpu, sizeof(*per_cpu));
	uint32_t zero = 0;
	int err = bpf_map_lookup_elem(b->stats_fd, &zero, per_cpu);

	if (err)
		die("read selftest_stats", err);
	*seen = *lost = 0;
	for (int i = 0; i < ncpu; i++) {
		*seen += per_cpu[i].seen;
		*lost += per_cpu[i].lost;
	}
	free(per_cpu);
}

/* This thread produces for `millis` while another polls (epoll) and consumes. */
static void concurrent(struct bench *b, int millis)
{
	struct consumer c = { .rb = b->rb };
	uint64_t seen0, lost0, seen1, lost1;
	pthread_t thread;
	double start, seconds;

	read_stats(b, &seen0, &lost0);
	if (pthread_create(&thread, NULL, consume, &c))
		die("pthread_create", errno);
	start = now();
	while (now() - start < millis / 1000.0)
		test_run(b, TESTRUN_REPEAT);
	seconds = now() - start;
	atomic_store(&c.stop, 1);
	pthread_join(thread, NULL);
	read_stats(b, &seen1, &lost1);
	printf("concurrent events_per_sec=%.0f produced=%llu lost=%llu\n", c.consumed / seconds,
	       (unsigned long long)(seen1 - seen0), (unsigned long long)(lost1 - lost0));
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	char line[64];
	int n;

	if (argc != 6) {
		fprintf(stderr, "usage: %s OBJECT PACKET KEYS BATCH RING_BYTES, then on stdin: maps | drain EVENTS"
			" | concurrent MILLIS\n", argv[0]);
		return 2;
	}
	b.keys = strtoul(argv[3], NULL, 10);
	b.batch = strtoul(argv[4], NULL, 10);
	open_bench(&b, argv[1], argv[2], strtoul(argv[5], NULL, 10));
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "maps\n"))
			maps(&b);
		else if (sscanf(line, "drain %d", &n) == 1)
			drain(&b, n);
		else if (sscanf(line, "concurrent %d", &n) == 1)
			concurrent(&b, n);
		else
			die(line, EINVAL);
		fflush(stdout);
	}
	ring_buffer__free(b.rb);
	bpf_object__close(b.obj);
	free(b.kbuf);
	free(b.vbuf);
	return 0;
}
