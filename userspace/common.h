/* SPDX-License-Identifier: MIT */
/* Shared helpers of the vttm userspace tools. */
#ifndef VTTM_TOOLS_COMMON_H
#define VTTM_TOOLS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <vttm_drm.h>

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int vttm_open(void)
{
	char path[64];
	int i, fd;

	for (i = 128; i < 136; i++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			struct drm_version v = { 0 };
			char name[16] = { 0 };

			v.name = name;
			v.name_len = sizeof(name) - 1;
			if (!ioctl(fd, DRM_IOCTL_VERSION, &v) &&
			    !strcmp(name, "vttm"))
				return fd;
			close(fd);
		}
	}
	fprintf(stderr, "no vttm render node\n");
	exit(2);
}

/* A cheap PRNG word for page @page, word @w, seed @seed. */
static inline uint32_t pattern(uint64_t page, uint32_t w, uint32_t seed)
{
	uint32_t x = seed ^ (uint32_t)(page * 0x9e3779b1u) ^ (w * 0x85ebca6bu);

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

#endif
