/* SPDX-License-Identifier: GPL-2.0 */
/* Reserved security identities: Cilium's fixed numbers. */
#ifndef TENDRIL_SHARED_IDENTITY_H
#define TENDRIL_SHARED_IDENTITY_H

enum reserved_identity {
	IDENTITY_UNKNOWN = 0,
	IDENTITY_HOST = 1,
	IDENTITY_WORLD = 2,
	IDENTITY_UNMANAGED = 3,
	IDENTITY_HEALTH = 4,
	IDENTITY_INIT = 5,
	IDENTITY_REMOTE_NODE = 6,
};

#endif
