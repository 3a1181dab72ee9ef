/* SPDX-License-Identifier: MIT */
/* Shared helpers of the vttm userspace tools. */
#ifndef VTTM_TOOLS_COMMON_H
#define VTTM_TOOLS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
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

/*
 * vttm_stat(): counter @key of the device's debugfs file
 * dri/<device>/vttm_stats ("key value" lines), or -1 if there is no such
 * file or key (debugfs not mounted, an older driver).
 */
static inline long long vttm_stat(const char *key)
{
	static char path[128];
	char name[64];
	long long v;
	FILE *f;

	if (!path[0]) {
		glob_t g;

		if (glob("/sys/kernel/debug/dri/*/vttm_stats", 0, NULL, &g))
			return -1;
		snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
		globfree(&g);
	}
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, key)) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	return -1;
}

/*
 * The content of the objects: every 64-bit word is unique per (seed,
 * object, page, word, generation), so that a page restored into the wrong
 * object, at the wrong offset, or from an older generation cannot read
 * back as intact.
 *
 * mix64() is the splitmix64 finalizer, a bijection on 64 bits with full
 * avalanche. pattern_key() chains it over the inputs, one per round, each
 * round a bijection of the running hash: two pages of the same seed get the
 * same key only by a 64-bit collision. pattern_word() is then word @w of a
 * splitmix64 stream started at the page's key: within a page the words are
 * all different (mix64 is a bijection), and two pages hold the same words
 * only if their keys are equal.
 */
#define PATTERN_GOLDEN 0x9e3779b97f4a7c15ull

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The key of page @page of object @obj, generation @gen, seed @seed. */
static inline uint64_t pattern_key(uint32_t seed, uint32_t obj, uint64_t page,
				   uint32_t gen)
{
	uint64_t h = mix64(seed + PATTERN_GOLDEN);

	h = mix64(h ^ ((uint64_t)obj << 32 | gen));
	h = mix64(h + page * 0xd6e8feb86659fd93ull);
	return mix64(h ^ 0x5851f42d4c957f2dull);
}

/* The 64-bit word @w (0..511 in a 4 KiB page) of the page with key @key. */
static inline uint64_t pattern_word(uint64_t key, uint32_t w)
{
	return mix64(key + (w + 1ull) * PATTERN_GOLDEN);
}

/* The same from the inputs: word @w of page @page of object @obj. */
static inline uint64_t pattern(uint32_t seed, uint32_t obj, uint64_t page,
			       uint32_t w, uint32_t gen)
{
	return pattern_word(pattern_key(seed, obj, page, gen), w);
}

#endif
