// SPDX-License-Identifier: MIT
/*
 * vttm-fuzz: a bounded loop of random and malformed calls on the vttm
 * render node.
 *
 * Each iteration picks one of: a vttm ioctl with random or boundary
 * arguments (unknown handles, zero/huge/odd sizes, unknown flags and
 * padding, bad pointers), a random ioctl number in the driver range, a
 * GEM_CLOSE, an mmap of a random or stale offset with a touch of the
 * mapping, or closing and reopening the file. Valid objects are created
 * along the way so that the calls reach the deep paths too (madvise,
 * pin, "GPU use" of objects that are mapped, pinned or purgeable).
 *
 * The kernel must never oops, and every call must return (an error is
 * fine). At the end, all files are closed and the device must report no
 * buffer objects left:
 *
 *   VTTM-FUZZ iterations=N ok=A errors=E sigbus=S leaked_bos=L
 *
 * Exit status: 0 if no buffer object leaked, 1 otherwise.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include "common.h"

#define MAX_BOS 64

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t faults;

static void on_fault(int sig)
{
	(void)sig;
	faults++;
	siglongjmp(fault_jmp, 1);
}

static uint32_t handles[MAX_BOS];
static uint64_t offsets[MAX_BOS];
static unsigned int nr_handles;

/* A handle: mostly a live one, sometimes garbage. */
static uint32_t pick_handle(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return (uint32_t)rnd();
	case 2: return ~0u;
	default:
		return nr_handles ? handles[rnd() % nr_handles] : 1;
	}
}

/* A user pointer argument: mostly valid, sometimes not. */
static void *pick_ptr(void *good)
{
	switch (rnd() % 16) {
	case 0: return NULL;
	case 1: return (void *)1;
	case 2: return (void *)0xffffffff81000000ull;	/* kernel text */
	case 3: return (void *)(uintptr_t)rnd();
	default: return good;
	}
}

static uint64_t pick_size(void)
{
	switch (rnd() % 10) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 1ull << 40;
	case 3: return (4ull << 30) + 4096;
	case 4: return rnd() % 4096 + 1;
	default: return (rnd() % 64 + 1) * 4096;	/* up to 256 KiB */
	}
}

static uint32_t pick_u32(uint32_t valid_max)
{
	switch (rnd() % 6) {
	case 0: return (uint32_t)rnd();
	case 1: return 1u << (rnd() % 32);
	default: return (uint32_t)(rnd() % (valid_max + 1));
	}
}

static void remember(uint32_t handle, int fd)
{
	struct drm_vttm_mmap_offset o = { .handle = handle };
	unsigned int i = nr_handles < MAX_BOS ? nr_handles++ : rnd() % MAX_BOS;

	handles[i] = handle;
	offsets[i] = ioctl(fd, DRM_IOCTL_VTTM_MMAP_OFFSET, &o) ? 0 : o.offset;
}

/* The id of the last kernel mapping made, to unmap or read it. */
static uint32_t last_kmap;

static int fuzz_one(int fd)
{
	union {
		struct drm_vttm_create create;
		struct drm_vttm_mmap_offset mo;
		struct drm_vttm_madvise madv;
		struct drm_vttm_gpu_use use;
		struct drm_vttm_pin pin;
		struct drm_vttm_kmap kmap;
		struct drm_gem_close close;
		uint8_t raw[64];
	} a;
	unsigned int i;
	int ret;

	memset(&a, 0, sizeof(a));
	switch (rnd() % 12) {
	case 0:
	case 1:
		a.create.size = pick_size();
		if (rnd() % 4 == 0)
			a.create.flags = pick_u32(0);
		if (rnd() % 8 == 0)
			a.create.pad = (uint32_t)rnd();
		ret = ioctl(fd, DRM_IOCTL_VTTM_CREATE,
			    pick_ptr(&a.create));
		if (!ret)
			remember(a.create.handle, fd);
		return ret;
	case 2:
		a.mo.handle = pick_handle();
		a.mo.pad = rnd() % 8 ? 0 : (uint32_t)rnd();
		return ioctl(fd, DRM_IOCTL_VTTM_MMAP_OFFSET, pick_ptr(&a.mo));
	case 3:
		a.madv.handle = pick_handle();
		a.madv.madv = pick_u32(1);
		a.madv.pad = rnd() % 8 ? 0 : (uint32_t)rnd();
		return ioctl(fd, DRM_IOCTL_VTTM_MADVISE, pick_ptr(&a.madv));
	case 4:
		a.use.handle = pick_handle();
		a.use.flags = pick_u32(1);
		if (rnd() % 2)
			a.use.busy_us = rnd() % 4 ? rnd() % 2000 : pick_u32(2000000);
		if (rnd() % 8 == 0)
			a.use.pad = (uint32_t)rnd();
		return ioctl(fd, DRM_IOCTL_VTTM_GPU_USE, pick_ptr(&a.use));
	case 5:
		a.pin.handle = pick_handle();
		a.pin.pin = pick_u32(1);
		return ioctl(fd, DRM_IOCTL_VTTM_PIN, pick_ptr(&a.pin));
	case 6: {
		/* Kernel mappings of dma-bufs: real, stale or random fds. */
		struct drm_prime_handle h = { .handle = pick_handle(),
					      .flags = DRM_CLOEXEC };
		int dfd = -1;

		if (rnd() % 2 && !ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &h))
			dfd = h.fd;
		a.kmap.op = pick_u32(2);
		a.kmap.fd = dfd >= 0 && rnd() % 4 ? dfd : (int)pick_u32(64);
		a.kmap.id = rnd() % 2 ? last_kmap : pick_u32(8);
		a.kmap.offset = rnd() % 2 ? (rnd() % 64) * 4096 : rnd();
		a.kmap.size = rnd() % 2 ? rnd() % 8192 : rnd();
		a.kmap.data = (uintptr_t)(rnd() % 2 ? (void *)a.raw :
					  pick_ptr(a.raw));
		if (a.kmap.size > sizeof(a.raw) && a.kmap.data == (uintptr_t)a.raw)
			a.kmap.size = sizeof(a.raw);
		ret = ioctl(fd, DRM_IOCTL_VTTM_KMAP, pick_ptr(&a.kmap));
		if (!ret && a.kmap.op == VTTM_KMAP_MAP)
			last_kmap = a.kmap.id;
		if (dfd >= 0)
			close(dfd);
		return ret;
	}
	case 7:
		/* Any command number of the driver range, any size, any dir. */
		for (i = 0; i < sizeof(a.raw); i++)
			a.raw[i] = (uint8_t)rnd();
		return ioctl(fd, _IOC(rnd() % 4, DRM_IOCTL_BASE,
				      DRM_COMMAND_BASE + rnd() % 16,
				      rnd() % sizeof(a.raw)),
			     pick_ptr(a.raw));
	case 8:
		a.close.handle = pick_handle();
		ret = ioctl(fd, DRM_IOCTL_GEM_CLOSE, pick_ptr(&a.close));
		for (i = 0; !ret && i < nr_handles; i++)
			if (handles[i] == a.close.handle)
				handles[i] = handles[--nr_handles];
		return ret;
	case 9:
	case 10: {
		/* Map a live, stale or random offset and touch it. */
		uint64_t off = nr_handles && rnd() % 4 ?
			offsets[rnd() % nr_handles] : rnd() << 12;
		size_t len = (rnd() % 4 + 1) * 4096;
		volatile uint8_t *p;

		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)off);
		if (p == MAP_FAILED)
			return -1;
		if (!sigsetjmp(fault_jmp, 1)) {
			p[0] ^= 0x5a;
			p[len - 1] = p[0];
		}
		munmap((void *)p, len);
		return 0;
	}
	default:
		/* A valid create, so that the deep paths have objects. */
		a.create.size = (rnd() % 16 + 1) * 4096;
		ret = ioctl(fd, DRM_IOCTL_VTTM_CREATE, &a.create);
		if (!ret)
			remember(a.create.handle, fd);
		return ret;
	}
}

int main(int argc, char **argv)
{
	unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	unsigned long n, ok = 0, errors = 0;
	struct sigaction sa = { 0 };
	long long bos = -1, pinned = -1, kmaps = -1;
	int fd;

	if (argc > 2)
		rng_state ^= strtoull(argv[2], NULL, 0) * 0xbf58476d1ce4e5b9ull;
	if (!rng_state)
		rng_state = 1;

	sa.sa_handler = on_fault;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	fd = vttm_open();
	for (n = 0; n < iterations; n++) {
		if (fuzz_one(fd))
			errors++;
		else
			ok++;
		if (rnd() % 2048 == 0) {
			/* Drop the file and everything it holds. */
			close(fd);
			fd = vttm_open();
			nr_handles = 0;
		}
	}
	close(fd);

	/*
	 * Objects are freed when their last handle goes, possibly after a
	 * delayed destroy: none may be left after a few seconds.
	 */
	for (n = 0; n < 100; n++) {
		bos = vttm_stat("bo_count");
		pinned = vttm_stat("pinned_pages");
		kmaps = vttm_stat("kmaps");
		if (bos < 0) {
			fprintf(stderr, "no debugfs dri/*/vttm_stats\n");
			return 2;
		}
		if (!bos && !pinned && !kmaps)
			break;
		usleep(100000);
	}
	printf("VTTM-FUZZ iterations=%lu ok=%lu errors=%lu sigbus=%d leaked_bos=%lld pinned_pages=%lld kmaps=%lld\n",
	       iterations, ok, errors, (int)faults, bos, pinned, kmaps);
	return bos || pinned || kmaps ? 1 : 0;
}
