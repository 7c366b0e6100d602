/* SPDX-License-Identifier: GPL-2.0 */
/* Includes and small definitions every Tendril BPF object starts from. */
#ifndef TENDRIL_LIB_COMMON_H
#define TENDRIL_LIB_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <stdbool.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#endif
