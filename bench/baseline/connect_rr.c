// SPDX-License-Identifier: GPL-2.0
/*
 * Client and server for the `services` benchmark of bench/Tendril.Bench: one TCP connection per request, the way a
 * pod calls a ClusterIP service. Tendril.Bench compiles it at run time:
 *
 *   gcc -O2 -Wall -o connect_rr bench/baseline/connect_rr.c
 *
 *   connect_rr server ADDRESS PORT
 *       accepts forever: reads the 1-byte request, answers 1 byte and closes first (so TIME_WAIT stays with the
 *       server and the client may reuse its ports at once).
 *   connect_rr client ADDRESS PORT MAX_CONNECTIONS MAX_MILLIS WARMUP
 *       WARMUP untimed connections (retrying while the server is not up yet), then up to MAX_CONNECTIONS timed ones
 *       or MAX_MILLIS, whichever ends first. Each is socket, connect, send 1 byte, read the answer, read the close,
 *       close. Prints one line:
 *       client connections=N seconds=S median_ns=N p10_ns=N p90_ns=N
 *
 * By hand, in two namespaces: connect_rr server 10.200.0.12 8080 & connect_rr client 10.96.0.10 80 2000 1000 50
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int parse_address(const char *address, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, address, &sa->sin_addr) == 1 ? 0 : -1;
}

static int serve(const struct sockaddr_in *sa)
{
	int one = 1, listener = socket(AF_INET, SOCK_STREAM, 0);
	char byte;

	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(listener, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(listener, 4096) < 0) {
		perror("server: listen");
		return 1;
	}
	for (;;) {
		int c = accept(listener, NULL, NULL);

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (recv(c, &byte, 1, 0) == 1)
			send(c, "y", 1, MSG_NOSIGNAL);
		close(c);
	}
}

/* One connection and request; 0 on success, else the errno of the step that failed. */
static int request(const struct sockaddr_in *sa)
{
	int one = 1, err = 0, s = socket(AF_INET, SOCK_STREAM, 0);
	char buf[8];

	if (s < 0)
		return errno;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || send(s, "x", 1, MSG_NOSIGNAL) != 1)
		err = errno;
	else if (recv(s, buf, sizeof(buf), 0) != 1)
		err = errno ? errno : EPROTO;
	else
		recv(s, buf, sizeof(buf), 0); /* the server's close: then ours leaves no TIME_WAIT here */
	close(s);
	return err;
}

static int client(const struct sockaddr_in *sa, int max_connections, int max_millis, int warmup)
{
	int64_t *samples = calloc((size_t)max_connections, sizeof(*samples));
	int64_t start, deadline;
	int n = 0, err;

	if (!samples)
		return 1;
	for (int i = 0, tries = 0; i < warmup;) {
		err = request(sa);
		if (!err) {
			i++;
			continue;
		}
		if (++tries > 300) {
			fprintf(stderr, "client: %s\n", strerror(err));
			return 1;
		}
		usleep(10000);
	}
	start = now_ns();
	deadline = start + (int64_t)max_millis * 1000000;
	while (n < max_connections) {
		int64_t t0 = now_ns();

		err = request(sa);
		if (err) {
			fprintf(stderr, "client: connection %d: %s\n", n, strerror(err));
			return 1;
		}
		samples[n++] = now_ns() - t0;
		if (samples[n - 1] + t0 >= deadline)
			break;
	}
	double seconds = (double)(now_ns() - start) / 1e9;
	qsort(samples, (size_t)n, sizeof(*samples), cmp_i64);
	printf("client connections=%d seconds=%.6f median_ns=%lld p10_ns=%lld p90_ns=%lld\n", n, seconds,
	       (long long)samples[n / 2], (long long)samples[n / 10], (long long)samples[n * 9 / 10]);
	free(samples);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;

	if (argc == 4 && strcmp(argv[1], "server") == 0 && parse_address(argv[2], argv[3], &sa) == 0)
		return serve(&sa);
	if (argc == 7 && strcmp(argv[1], "client") == 0 && parse_address(argv[2], argv[3], &sa) == 0 && atoi(argv[4]) > 0)
		return client(&sa, atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	fprintf(stderr, "usage: connect_rr server ADDRESS PORT | client ADDRESS PORT MAX_CONNECTIONS MAX_MILLIS WARMUP\n");
	return 2;
}
