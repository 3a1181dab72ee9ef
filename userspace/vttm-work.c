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
 *             restore_s=R signals=S eintr=E enomem=M
 *
 * --anon does the same with plain anonymous memory instead of buffer
 * objects (the benchmark's baseline); --churn only creates, populates and
 * frees objects and prints "VTTM-WORK churn ... mib_s=X"; --reverify
 * verifies a second time, all resident, and prints "VTTM-WORK reverify".
 *
 * --compressible writes the pattern only to the first 1 KiB of each 4 KiB
 * page and zeroes the rest (content still unique per page, and all 4096
 * bytes are verified, the zeroes too): zram swap can then take the pages
 * in a quarter of the memory. --free-verified frees each object (or
 * anonymous area) as soon as it is verified, so that restoring the next
 * one need not push another out (not with --reverify).
 *
 * SIGUSR2 is caught without SA_RESTART, so that it interrupts ioctls and
 * faults in progress: they are retried, and nothing may be lost.
 *
 * Exit status: 0 if every page of every object that was not purgeable is
 * intact (and purged objects read back as zeroes), 1 otherwise.
 */
#include <getopt.h>
#include <signal.h>
#include <sys/mman.h>

#include "common.h"

struct bo {
	void *anon;	/* --anon: plain anonymous memory instead */
	uint32_t handle;
	uint64_t offset;
	uint64_t size;
	int purgeable;
};

static volatile sig_atomic_t go, signals;
static unsigned long eintr, enomem;
static int retry_nomem;

/* --compressible: pattern words only in the first 1 KiB of each page. */
#define COMPRESSIBLE_WORDS 256
static int compressible;

/* The expected word @w of page @page: pattern, or zero with --compressible. */
static uint32_t expected(uint64_t page, uint32_t w, uint32_t seed)
{
	if (compressible && w >= COMPRESSIBLE_WORDS)
		return 0;
	return pattern(page, w, seed);
}

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

/* SIGUSR2 only interrupts: ioctls and faults in progress must cope. */
static void on_usr2(int sig)
{
	(void)sig;
	signals++;
}

static void *bo_map(int fd, struct bo *bo)
{
	void *p;

	if (bo->anon)
		return bo->anon;
	p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       bo->offset);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void bo_unmap(struct bo *bo, void *p)
{
	if (!bo->anon)
		munmap(p, bo->size);
}

static void bo_fill(int fd, struct bo *bo, uint64_t first_page, uint32_t seed)
{
	uint32_t *v = bo_map(fd, bo);
	uint64_t words = bo->size / 4, i;

	for (i = 0; i < words; i++)
		v[i] = expected(first_page + i / 1024, i % 1024, seed);
	bo_unmap(bo, v);
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
				(zero ? 0 : expected(first_page + p, w, seed));
		ok += good;
	}
	bo_unmap(bo, v);
	return ok;
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	unsigned int nomem_tries = 0;

	while (ioctl(fd, req, arg)) {
		if (errno == EINTR || errno == EAGAIN) {
			eintr++;
			continue;
		}
		/* With --retry-nomem, an allocation failure is transient. */
		if (errno == ENOMEM && retry_nomem && ++nomem_tries < 1000) {
			enomem++;
			usleep(1000);
			continue;
		}
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		exit(2);
	}
}

/* --free-verified: free @bo, verified and no longer needed. */
static void bo_free(int fd, struct bo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	if (bo->anon) {
		munmap(bo->anon, bo->size);
		bo->anon = NULL;
		return;
	}
	xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl, "gem close");
}

/* A "GPU use" of @bo, which restores its content: returns its seconds. */
static double bo_gpu_use(int fd, struct bo *bo)
{
	struct drm_vttm_gpu_use g = { .handle = bo->handle };
	double t = now_s();

	xioctl(fd, DRM_IOCTL_VTTM_GPU_USE, &g, "gpu use");
	return now_s() - t;
}

/*
 * --churn: create, populate (a "GPU use") and free @count objects, for
 * the cost of the paths a driver runs without memory pressure.
 */
static int churn(int fd, unsigned int count, uint64_t size_mib)
{
	double t = now_s();
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct drm_vttm_create c = { .size = size_mib << 20 };
		struct drm_vttm_gpu_use g = { 0 };
		struct drm_gem_close cl = { 0 };

		xioctl(fd, DRM_IOCTL_VTTM_CREATE, &c, "create");
		g.handle = c.handle;
		xioctl(fd, DRM_IOCTL_VTTM_GPU_USE, &g, "gpu use");
		cl.handle = c.handle;
		xioctl(fd, DRM_IOCTL_GEM_CLOSE, &cl, "gem close");
	}
	t = now_s() - t;
	printf("VTTM-WORK churn bos=%u mib=%llu s=%.3f mib_s=%.1f\n", count,
	       (unsigned long long)(count * size_mib), t, count * size_mib / t);
	return 0;
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
		{ "retry-nomem", no_argument, NULL, 'r' },
		{ "anon", no_argument, NULL, 'a' },
		{ "churn", no_argument, NULL, 'c' },
		{ "reverify", no_argument, NULL, 'R' },
		{ "compressible", no_argument, NULL, 'C' },
		{ "free-verified", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int count = 4, purgeable = 0, pin = 0, i;
	uint64_t size_mib = 16, pages = 0, intact = 0, zeroed = 0;
	int hold = 0, gpu_use = 0, stats = 0, verbose = 0, opt, fd = -1;
	int anon = 0, do_churn = 0, reverify = 0, free_verified = 0;
	double restore_s = 0;
	unsigned int purged_bos = 0;
	uint32_t seed = 1;
	struct sigaction sa = { 0 };
	struct bo *bos;
	double t;

	while ((opt = getopt_long(argc, argv, "n:s:S:p:P:hgtvracRCF", opts, NULL)) != -1) {
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
		case 'r': retry_nomem = 1; break;
		case 'a': anon = 1; break;
		case 'c': do_churn = 1; break;
		case 'R': reverify = 1; break;
		case 'C': compressible = 1; break;
		case 'F': free_verified = 1; break;
		default:
			fprintf(stderr, "usage: vttm-work [--count N] [--size-mib M] [--seed S] [--purgeable K] [--pin K] [--hold] [--gpu-use] [--stats] [--verbose] [--retry-nomem] [--anon] [--churn] [--reverify] [--compressible] [--free-verified]\n");
			return 2;
		}
	}
	if (reverify && free_verified) {
		fprintf(stderr, "vttm-work: --reverify needs the objects: not with --free-verified\n");
		return 2;
	}

	sa.sa_handler = on_usr2;	/* no SA_RESTART */
	sigaction(SIGUSR2, &sa, NULL);

	if (!anon)
		fd = vttm_open();
	if (do_churn)
		return churn(fd, count, size_mib);
	bos = calloc(count, sizeof(*bos));
	if (!bos)
		return 2;

	t = now_s();
	for (i = 0; i < count; i++) {
		struct drm_vttm_create c = { .size = size_mib << 20 };
		struct drm_vttm_mmap_offset o = { 0 };

		bos[i].size = size_mib << 20;
		if (anon) {
			bos[i].anon = mmap(NULL, bos[i].size,
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (bos[i].anon == MAP_FAILED) {
				perror("mmap anon");
				return 2;
			}
			bo_fill(fd, &bos[i], (uint64_t)i << 32, seed);
			continue;
		}
		xioctl(fd, DRM_IOCTL_VTTM_CREATE, &c, "create");
		o.handle = c.handle;
		xioctl(fd, DRM_IOCTL_VTTM_MMAP_OFFSET, &o, "mmap offset");
		bos[i].handle = c.handle;
		bos[i].offset = o.offset;
		bo_fill(fd, &bos[i], (uint64_t)i << 32, seed);
		if (verbose && (i + 1) % 4 == 0) {
			printf("VTTM-WORK progress created=%u t=%.1f\n", i + 1,
			       now_s() - t);
			fflush(stdout);
		}
	}
	if (anon)
		pin = purgeable = 0;
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

		if (gpu_use && !anon)
			restore_s += bo_gpu_use(fd, &bos[i]);
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
				if (free_verified)
					bo_free(fd, &bos[i]);
				continue;
			}
		}
		pages += n;
		intact += bo_check(fd, &bos[i], (uint64_t)i << 32, seed, 0);
		if (free_verified)
			bo_free(fd, &bos[i]);
	}
	printf("VTTM-WORK verify pages=%llu intact=%llu purged_bos=%u zeroed_ok=%llu verify_s=%.3f restore_s=%.3f signals=%d eintr=%lu enomem=%lu\n",
	       (unsigned long long)pages, (unsigned long long)intact,
	       purged_bos, (unsigned long long)zeroed, now_s() - t, restore_s,
	       (int)signals, eintr, enomem);

	if (reverify) {
		/* The same again, all resident now: the cost of the check. */
		uint64_t pages2 = 0, intact2 = 0;
		double restore2_s = 0;

		t = now_s();
		for (i = 0; i < count; i++) {
			if (bos[i].purgeable)
				continue;
			if (gpu_use && !anon)
				restore2_s += bo_gpu_use(fd, &bos[i]);
			pages2 += bos[i].size / 4096;
			intact2 += bo_check(fd, &bos[i], (uint64_t)i << 32,
					    seed, 0);
		}
		printf("VTTM-WORK reverify pages=%llu intact=%llu verify_s=%.3f restore_s=%.3f\n",
		       (unsigned long long)pages2, (unsigned long long)intact2,
		       now_s() - t, restore2_s);
		if (intact2 != pages2)
			intact = 0;
	}

	if (stats && !anon) {
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
