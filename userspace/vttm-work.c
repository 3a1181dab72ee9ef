// SPDX-License-Identifier: MIT
/*
 * vttm-work: an IGT-style workload on the vttm render node.
 *
 * Creates buffer objects, fills them from a seeded PRNG through CPU
 * mappings, optionally marks some purgeable, pins some, holds them until
 * SIGUSR1, then verifies every byte (through the CPU fault path, or after
 * a "GPU use" that validates them) and prints machine-readable results:
 *
 *   VTTM-WORK created bos=N mib=M fill_s=T
 *   VTTM-WORK verify pages=P intact=I purged_bos=B zeroed_ok=Z verify_s=T
 *
 * Exit status: 0 if every page of every object that was not purgeable is
 * intact (and purged objects read back as zeroes), 1 otherwise.
 */
#include <getopt.h>
#include <signal.h>
#include <sys/mman.h>

#include "common.h"

struct bo {
	uint32_t handle;
	uint64_t offset;
	uint64_t size;
	int purgeable;
};

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void *bo_map(int fd, struct bo *bo)
{
	void *p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       bo->offset);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void bo_fill(int fd, struct bo *bo, uint64_t first_page, uint32_t seed)
{
	uint32_t *v = bo_map(fd, bo);
	uint64_t words = bo->size / 4, i;

	for (i = 0; i < words; i++)
		v[i] = pattern(first_page + i / 1024, i % 1024, seed);
	munmap(v, bo->size);
}

/* Count intact pages; with @zero, count pages that are all zero. */
static uint64_t bo_check(int fd, struct bo *bo, uint64_t first_page,
			 uint32_t seed, int zero)
{
	uint32_t *v = bo_map(fd, bo);
	uint64_t pages = bo->size / 4096, p, ok = 0;
	uint32_t w;

	for (p = 0; p < pages; p++) {
		int good = 1;

		for (w = 0; good && w < 1024; w++)
			good = v[p * 1024 + w] ==
				(zero ? 0 : pattern(first_page + p, w, seed));
		ok += good;
	}
	munmap(v, bo->size);
	return ok;
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	while (ioctl(fd, req, arg)) {
		if (errno == EINTR || errno == EAGAIN)
			continue;
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "size-mib", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "purgeable", required_argument, NULL, 'p' },
		{ "pin", required_argument, NULL, 'P' },
		{ "hold", no_argument, NULL, 'h' },
		{ "gpu-use", no_argument, NULL, 'g' },
		{ "stats", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int count = 4, purgeable = 0, pin = 0, i;
	uint64_t size_mib = 16, pages = 0, intact = 0, zeroed = 0;
	int hold = 0, gpu_use = 0, stats = 0, verbose = 0, opt, fd;
	unsigned int purged_bos = 0;
	uint32_t seed = 1;
	struct bo *bos;
	double t;

	while ((opt = getopt_long(argc, argv, "n:s:S:p:P:hgtv", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's': size_mib = strtoull(optarg, NULL, 0); break;
		case 'S': seed = strtoul(optarg, NULL, 0); break;
		case 'p': purgeable = strtoul(optarg, NULL, 0); break;
		case 'P': pin = strtoul(optarg, NULL, 0); break;
		case 'h': hold = 1; break;
		case 'g': gpu_use = 1; break;
		case 't': stats = 1; break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: vttm-work [--count N] [--size-mib M] [--seed S] [--purgeable K] [--pin K] [--hold] [--gpu-use] [--stats]\n");
			return 2;
		}
	}

	fd = vttm_open();
	bos = calloc(count, sizeof(*bos));
	if (!bos)
		return 2;

	t = now_s();
	for (i = 0; i < count; i++) {
		struct drm_vttm_create c = { .size = size_mib << 20 };
		struct drm_vttm_mmap_offset o = { 0 };

		xioctl(fd, DRM_IOCTL_VTTM_CREATE, &c, "create");
		o.handle = c.handle;
		xioctl(fd, DRM_IOCTL_VTTM_MMAP_OFFSET, &o, "mmap offset");
		bos[i].handle = c.handle;
		bos[i].offset = o.offset;
		bos[i].size = size_mib << 20;
		bo_fill(fd, &bos[i], (uint64_t)i << 32, seed);
		if (verbose && (i + 1) % 4 == 0) {
			printf("VTTM-WORK progress created=%u t=%.1f\n", i + 1,
			       now_s() - t);
			fflush(stdout);
		}
	}
	for (i = 0; i < count && i < pin; i++) {
		struct drm_vttm_pin p = { .handle = bos[i].handle, .pin = 1 };

		xioctl(fd, DRM_IOCTL_VTTM_PIN, &p, "pin");
	}
	for (i = count - (purgeable < count ? purgeable : count); i < count; i++) {
		struct drm_vttm_madvise m = { .handle = bos[i].handle,
					      .madv = VTTM_MADV_DONTNEED };

		xioctl(fd, DRM_IOCTL_VTTM_MADVISE, &m, "madvise");
		bos[i].purgeable = 1;
	}
	printf("VTTM-WORK created bos=%u mib=%llu fill_s=%.2f\n", count,
	       (unsigned long long)(count * size_mib), now_s() - t);
	fflush(stdout);

	if (hold) {
		sigset_t none;

		signal(SIGUSR1, on_usr1);
		printf("VTTM-WORK ready pid=%d\n", getpid());
		fflush(stdout);
		sigemptyset(&none);
		while (!go)
			sigsuspend(&none);
	}

	t = now_s();
	for (i = 0; i < count; i++) {
		uint64_t n = bos[i].size / 4096;

		if (gpu_use) {
			struct drm_vttm_gpu_use g = { .handle = bos[i].handle };

			xioctl(fd, DRM_IOCTL_VTTM_GPU_USE, &g, "gpu use");
		}
		if (bos[i].purgeable) {
			struct drm_vttm_madvise m = { .handle = bos[i].handle,
						      .madv = VTTM_MADV_WILLNEED };

			xioctl(fd, DRM_IOCTL_VTTM_MADVISE, &m, "madvise");
			if (!m.retained) {
				/* Purged: it must read back as zeroes. */
				uint64_t z = bo_check(fd, &bos[i], 0, 0, 1);

				purged_bos++;
				zeroed += z;
				pages += n;
				intact += z;
				continue;
			}
		}
		pages += n;
		intact += bo_check(fd, &bos[i], (uint64_t)i << 32, seed, 0);
	}
	printf("VTTM-WORK verify pages=%llu intact=%llu purged_bos=%u zeroed_ok=%llu verify_s=%.2f\n",
	       (unsigned long long)pages, (unsigned long long)intact,
	       purged_bos, (unsigned long long)zeroed, now_s() - t);

	if (stats) {
		struct drm_vttm_stats s = { 0 };

		xioctl(fd, DRM_IOCTL_VTTM_STATS, &s, "stats");
		printf("VTTM-WORK stats bos=%llu bo_pages=%llu shrinkable=%llu purgeable=%llu shrink=%u\n",
		       (unsigned long long)s.bo_count,
		       (unsigned long long)s.bo_pages,
		       (unsigned long long)s.shrinkable_pages,
		       (unsigned long long)s.purgeable_pages, s.shrink_enabled);
	}
	fflush(stdout);

	/* Purged objects must read back as zeroes, everything else intact. */
	return intact == pages ? 0 : 1;
}
