// SPDX-License-Identifier: GPL-2.0
/* A program the verifier must reject: it reads packet data without a bounds check. Tests the error path. */
#include "lib/common.h"

SEC("tc")
int selftest_unchecked_read(struct __sk_buff *skb)
{
	unsigned char *p = (void *)(long)skb->data;

	return p[20] == 6 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
