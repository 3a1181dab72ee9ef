// SPDX-License-Identifier: MIT
/*
 * dumb-bo: dumb buffers on a real KMS driver (qxl, bochs, ...), for
 * "make test-drivers": the driver's buffer objects through TTM's 6.12
 * path (page limits, global swapout to shmem), the same on the base and
 * on the series kernel.
 *
 * Opens the card node of the driver named by --driver (DRM_IOCTL_VERSION),
 * creates --count dumb buffers (DRM_IOCTL_MODE_CREATE_DUMB, 32 bpp,
 * --width x --height), maps each (DRM_IOCTL_MODE_MAP_DUMB + mmap) and
 * writes a pattern that differs per buffer, page and 64-bit word; keeps
 * them all, then reads every word of every buffer back, --passes times
 * (forward, then reverse order, alternating), unmaps and destroys them.
 * Creation stops at the first error (its errno is reported): then as many
 * as the driver let it create are verified and destroyed.
 *
 *   DUMB-BO start driver=D card=PATH want=N size_kib=K width=W height=H
 *   DUMB-BO created n=N want=N errno=E mib=M seconds=T <mem>
 *   DUMB-BO verify pass=P order=forward|reverse n=N intact=I
 *           bad_pages=B zero=Z foreign=F other=O seconds=T <mem>
 *   DUMB-BO mismatch pass=P bo=I page=G class=zero|foreign|other
 *   DUMB-BO destroyed n=N errors=E seconds=T <mem>
 *   DUMB-BO done created=N want=N intact_passes=P destroyed=D rc=R
 *
 * <mem> is what the host compares between kernels: shmem_kib and
 * swap_used_kib (/proc/meminfo: where TTM's global swapout puts the pages
 * of the buffers it swaps out, shmem, and from there swap), avail_kib,
 * ttm_bos (debugfs ttm/buffer_objects) and ttm_shrinkable (the
 * shrinkable_pages of debugfs ttm/shrinker; -1 on a kernel without the
 * TTM shrinker).
 *
 * A page that is not intact is "zero" (all zeroes), "foreign" (another
 * buffer's content for that page) or "other".
 *
 * Exit status: 0 if all --count buffers were created, every pass found
 * every page intact and every buffer was destroyed; 1 otherwise; 2 on
 * usage errors or when the driver's card node is not found.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#define PAGE_SZ 4096
#define PAGE_WORDS (PAGE_SZ / 8)
#define MAX_MISMATCH 8

/* The pattern: word j of buffer i is A * (i + 1) ^ B * j (A odd). */
#define PAT_A 0x9E3779B97F4A7C15ull
#define PAT_B 0xBF58476D1CE4E5B9ull

struct buf {
	uint32_t handle;
	uint64_t size;
	uint64_t *map;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t pat(uint64_t i, uint64_t j)
{
	return PAT_A * (i + 1) ^ PAT_B * j;
}

/* The inverse of PAT_A modulo 2^64 (Newton's iteration). */
static uint64_t pat_a_inverse(void)
{
	uint64_t x = PAT_A;
	int k;

	for (k = 0; k < 6; k++)
		x *= 2 - PAT_A * x;
	return x;
}

/*
 * The value after KEY in a file of "key value" lines (KEY may end in ':',
 * as in /proc/meminfo), or with KEY NULL the first number of the file;
 * -1 if there is no such file or key.
 */
static long long file_value(const char *path, const char *key)
{
	char line[256], name[64];
	long long v = -1, x;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			if (sscanf(line, "%lld", &x) == 1)
				v = x;
			break;
		}
		if (sscanf(line, "%63s %lld", name, &x) != 2)
			continue;
		if (name[0] && name[strlen(name) - 1] == ':')
			name[strlen(name) - 1] = '\0';
		if (!strcmp(name, key)) {
			v = x;
			break;
		}
	}
	fclose(f);
	return v;
}

static long long meminfo_kib(const char *key)
{
	return file_value("/proc/meminfo", key);
}

static void print_mem(void)
{
	long long total = meminfo_kib("SwapTotal");
	long long free_ = meminfo_kib("SwapFree");

	printf(" shmem_kib=%lld swap_used_kib=%lld avail_kib=%lld ttm_bos=%lld ttm_shrinkable=%lld\n",
	       meminfo_kib("Shmem"), total >= 0 && free_ >= 0 ? total - free_ : -1,
	       meminfo_kib("MemAvailable"),
	       file_value("/sys/kernel/debug/ttm/buffer_objects", NULL),
	       file_value("/sys/kernel/debug/ttm/shrinker", "shrinkable_pages"));
	fflush(stdout);
}

static int open_card(const char *driver, char *path, size_t len)
{
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v;
		char name[64] = { 0 };

		snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, driver))
			return fd;
		close(fd);
	}
	return -1;
}

static int create_one(int fd, struct buf *b, uint32_t width, uint32_t height)
{
	struct drm_mode_create_dumb c;
	struct drm_mode_map_dumb m;
	struct drm_mode_destroy_dumb d;
	void *p;
	int err;

	memset(&c, 0, sizeof(c));
	c.width = width;
	c.height = height;
	c.bpp = 32;
	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return errno;
	memset(&m, 0, sizeof(m));
	m.handle = c.handle;
	if (ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		goto fail;
	p = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 m.offset);
	if (p == MAP_FAILED)
		goto fail;
	b->handle = c.handle;
	b->size = c.size;
	b->map = p;
	return 0;
fail:
	err = errno;
	memset(&d, 0, sizeof(d));
	d.handle = c.handle;
	ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	return err;
}

static void fill(struct buf *b, uint64_t i)
{
	uint64_t j, words = b->size / 8;

	for (j = 0; j < words; j++)
		b->map[j] = pat(i, j);
}

struct tally {
	uint64_t intact, bad_pages, zero, foreign, other;
};

/* Check one page of buffer i; 0 if intact, else count its class. */
static int check_page(const struct buf *b, uint64_t i, uint64_t page,
		      uint64_t nbufs, uint64_t ainv, struct tally *t,
		      int pass)
{
	const uint64_t *w = b->map + page * PAGE_WORDS;
	uint64_t j0 = page * PAGE_WORDS, j, k;
	const char *cls;
	int zero = 1, match = 1;

	for (j = 0; j < PAGE_WORDS; j++) {
		if (w[j] != pat(i, j0 + j))
			match = 0;
		if (w[j])
			zero = 0;
	}
	if (match)
		return 0;
	t->bad_pages++;
	if (zero) {
		t->zero++;
		cls = "zero";
	} else {
		/* Whose word j0 is it? A * (k + 1) = w[0] ^ B * j0. */
		k = (w[0] ^ PAT_B * j0) * ainv - 1;
		match = k < nbufs && k != i;
		for (j = 0; match && j < PAGE_WORDS; j++)
			if (w[j] != pat(k, j0 + j))
				match = 0;
		if (match) {
			t->foreign++;
			cls = "foreign";
		} else {
			t->other++;
			cls = "other";
		}
	}
	if (t->bad_pages <= MAX_MISMATCH)
		printf("DUMB-BO mismatch pass=%d bo=%llu page=%llu class=%s\n",
		       pass, (unsigned long long)i, (unsigned long long)page,
		       cls);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: dumb-bo --driver NAME --count N [--width W] [--height H] [--passes P]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "driver", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "width", required_argument, NULL, 'w' },
		{ "height", required_argument, NULL, 'h' },
		{ "passes", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long want = 0, width = 1024, height = 1024, passes = 2;
	unsigned long n, i, k, destroyed = 0, destroy_errors = 0;
	unsigned long intact_passes = 0;
	const char *driver = NULL;
	uint64_t ainv = pat_a_inverse(), total = 0;
	struct buf *bufs;
	char card[64];
	int fd, opt, err = 0, rc;
	unsigned long p;
	double t;

	while ((opt = getopt_long(argc, argv, "d:n:w:h:p:", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': driver = optarg; break;
		case 'n': want = strtoul(optarg, NULL, 0); break;
		case 'w': width = strtoul(optarg, NULL, 0); break;
		case 'h': height = strtoul(optarg, NULL, 0); break;
		case 'p': passes = strtoul(optarg, NULL, 0); break;
		default: return usage();
		}
	}
	if (!driver || !want || !width || !height || optind != argc)
		return usage();
	fd = open_card(driver, card, sizeof(card));
	if (fd < 0) {
		printf("DUMB-BO failed reason=no_card driver=%s\n", driver);
		return 2;
	}
	bufs = calloc(want, sizeof(*bufs));
	if (!bufs)
		return 2;
	printf("DUMB-BO start driver=%s card=%s want=%lu size_kib=%lu width=%lu height=%lu\n",
	       driver, card, want, width * height * 4 / 1024, width, height);
	fflush(stdout);

	t = now_s();
	for (n = 0; n < want; n++) {
		err = create_one(fd, &bufs[n], width, height);
		if (err)
			break;
		fill(&bufs[n], n);
		total += bufs[n].size;
	}
	printf("DUMB-BO created n=%lu want=%lu errno=%d mib=%llu seconds=%.2f",
	       n, want, err, (unsigned long long)(total >> 20), now_s() - t);
	print_mem();

	for (p = 1; p <= passes; p++) {
		struct tally tl = { 0 };
		int reverse = !(p & 1);

		t = now_s();
		for (k = 0; k < n; k++) {
			uint64_t pg, bad = 0;

			i = reverse ? n - 1 - k : k;
			for (pg = 0; pg < bufs[i].size / PAGE_SZ; pg++)
				bad += check_page(&bufs[i], i, pg, n, ainv,
						  &tl, (int)p);
			if (!bad)
				tl.intact++;
		}
		printf("DUMB-BO verify pass=%lu order=%s n=%lu intact=%llu bad_pages=%llu zero=%llu foreign=%llu other=%llu seconds=%.2f",
		       p, reverse ? "reverse" : "forward", n,
		       (unsigned long long)tl.intact,
		       (unsigned long long)tl.bad_pages,
		       (unsigned long long)tl.zero,
		       (unsigned long long)tl.foreign,
		       (unsigned long long)tl.other, now_s() - t);
		print_mem();
		if (tl.intact == n)
			intact_passes++;
	}

	t = now_s();
	for (i = 0; i < n; i++) {
		struct drm_mode_destroy_dumb d;

		munmap(bufs[i].map, bufs[i].size);
		memset(&d, 0, sizeof(d));
		d.handle = bufs[i].handle;
		if (ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d))
			destroy_errors++;
		else
			destroyed++;
	}
	close(fd);
	/* Let TTM's delayed destruction run before the last figures. */
	usleep(500 * 1000);
	printf("DUMB-BO destroyed n=%lu errors=%lu seconds=%.2f", destroyed,
	       destroy_errors, now_s() - t);
	print_mem();

	rc = n == want && intact_passes == passes && destroyed == n ? 0 : 1;
	printf("DUMB-BO done created=%lu want=%lu intact_passes=%lu destroyed=%lu rc=%d\n",
	       n, want, intact_passes, destroyed, rc);
	free(bufs);
	return rc;
}
