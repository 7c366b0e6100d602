/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ABI of the self-test object: the structs its maps and events carry.
 * Mirrored in C# by tests and benchmarks; the layout-parity test checks every mirror against this file.
 */
#ifndef TENDRIL_SHARED_SELFTEST_H
#define TENDRIL_SHARED_SELFTEST_H

#include <linux/types.h>

enum selftest_verdict {
	SELFTEST_PASS = 0,
	SELFTEST_DROP = 1,
};

/* One per packet seen by selftest_tc, in the ring buffer. */
struct selftest_event {
	__u64 ktime_ns;
	__u32 saddr;		/* network byte order */
	__u32 daddr;		/* network byte order */
	__u16 sport;		/* host byte order */
	__u16 dport;		/* host byte order */
	__u8 protocol;
	__u8 verdict;		/* enum selftest_verdict */
	__u8 tcp_flags;
	__u8 pad;
	__u32 len;
	__u32 seq;
};

/* The single entry of selftest_config: what selftest_tc and selftest_sock_create do. */
struct selftest_config {
	__u32 verdict;		/* enum selftest_verdict for matching IPv4 TCP/UDP packets */
	__u32 deny_udp_sockets;	/* non-zero: sock_create refuses AF_INET SOCK_DGRAM sockets */
};

/* Per-CPU counters of selftest_tc. */
struct selftest_stats {
	__u64 seen;
	__u64 passed;
	__u64 dropped;
	__u64 lost;		/* events the ring buffer had no room for */
};

/* Value type of the general-purpose hash map used by map tests and benchmarks. */
struct selftest_value {
	__u64 counter;
	__u32 id;
	__u32 flags;
};

/* Socket-LB style address: IPv4 in network order, port in network order. */
struct selftest_addr {
	__u32 ip;
	__u16 port;
	__u16 pad;
};

struct selftest_lpm_key {
	__u32 prefixlen;
	__u32 addr;		/* network byte order */
};

struct selftest_exec {
	__u64 count;
	__u32 last_pid;
	__u32 pad;
};

#endif
