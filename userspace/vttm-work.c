// SPDX-License-Identifier: MIT
/*
 * vttm-work: an IGT-style workload on the vttm render node.
 *
 * Creates buffer objects, fills them from a seeded PRNG through CPU
 * mappings, optionally marks some purgeable, pins some, holds them until
 * SIGUSR1, then verifies every byte (through the CPU fault path, or after
 * a "GPU use" that validates them) and prints machine-readable results:
 *
 *   VTTM-WORK created bos=N mib=M fill_s=T kib=K
 *   VTTM-WORK verify pages=P intact=I purged_bos=B zeroed_ok=Z verify_s=T
 *             restore_s=R signals=S eintr=E enomem=M gen=G stale=ST
 *             foreign=F zero=Z0 other=O
 *
 * The content (common.h) differs per seed, object, page, 64-bit word and
 * generation: generation 0 is the fill, --rewrite writes 1, 2, ... Every
 * page that is not intact is classified, in this order: "zero" (all
 * zeroes), "stale" (the previous generation of the same object and page),
 * "foreign" (the same generation of another object, same page index),
 * "other"; pages = intact + stale + foreign + zero + other. The first
 * mismatches are listed ("VTTM-WORK mismatch bo=I page=P class=C").
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
 * --rewrite N (implies --hold): after the first SIGUSR1, rewrite every
 * object with the next generation through its CPU mapping, print
 * "VTTM-WORK rewritten gen=G ..." and wait for the next SIGUSR1, which
 * verifies generation G (a verify line); N such cycles, the last verify
 * ends the run. A page that comes back with an older generation (a stale
 * backup) is a mismatch ("stale").
 *
 * --self-test checks the checker: see self_test() and --help.
 *
 * SIGUSR2 is caught without SA_RESTART, so that it interrupts ioctls and
 * faults in progress: they are retried, and nothing may be lost.
 *
 * Exit status: 0 if every page of every object that was not purgeable is
 * intact (and purged objects read back as zeroes) in every verify, 1
 * otherwise (--self-test: 0 if every injected fault was found and
 * classified), 2 on usage or setup errors.
 */
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE_SZ 4096
/* 64-bit words per page, and with --compressible the first 1 KiB only. */
#define PAGE_WORDS (PAGE_SZ / 8)
#define COMPRESSIBLE_WORDS (1024 / 8)

struct bo {
	void *anon;	/* --anon: plain anonymous memory instead */
	uint32_t handle;
	uint64_t offset;
	uint64_t size;
	int purgeable;
	int freed;
	int dmabuf;	/* --dmabuf/--kmap: its dma-buf fd, else -1 */
	uint32_t kmap;	/* --kmap: the kernel mapping's id, else 0 */
};

/* The verify counters: pages = intact + stale + foreign + zero + other. */
struct tally {
	uint64_t pages, intact, stale, foreign, zero, other;
};

enum page_class { PG_INTACT, PG_STALE, PG_FOREIGN, PG_ZERO, PG_OTHER };
static const char *const class_name[] = {
	"intact", "stale", "foreign", "zero", "other",
};

static volatile sig_atomic_t go, signals;
static unsigned long eintr, enomem;
static int retry_nomem;

/* The objects of the run (the foreign check looks at all of them). */
static struct bo *bos;
static unsigned int nbos;
static uint32_t seed = 1;

/* --compressible: pattern words only in the first 1 KiB of each page. */
static int compressible;

/* "VTTM-WORK mismatch" lines left to print; 0 in the self-test. */
static unsigned int mismatch_lines = 10;

/* Create flags (--caching), and how GPU uses are made (--busy-us ...). */
static const char *caching = "cached";
static uint32_t busy_us, use_flags;

static unsigned int pattern_words(void)
{
	return compressible ? COMPRESSIBLE_WORDS : PAGE_WORDS;
}

/*
 * The expected 64-bit word @w of page @page of object @obj, generation
 * @gen: the pattern, or zero past the first 1 KiB with --compressible.
 * (The page loops below compute the page's key once: the same values.)
 */
static uint64_t expected(uint32_t obj, uint64_t page, uint32_t w, uint32_t gen)
{
	if (w >= pattern_words())
		return 0;
	return pattern(seed, obj, page, w, gen);
}

/* Write the page of key @key at @v. */
static void page_fill(uint64_t *v, uint64_t key)
{
	unsigned int n = pattern_words(), w;

	for (w = 0; w < n; w++)
		v[w] = pattern_word(key, w);
	for (; w < PAGE_WORDS; w++)
		v[w] = 0;
}

/* Whether the page at @v is the page of key @key, all 4096 bytes. */
static int page_is(const uint64_t *v, uint64_t key)
{
	unsigned int n = pattern_words(), w;

	for (w = 0; w < n; w++)
		if (v[w] != pattern_word(key, w))
			return 0;
	for (; w < PAGE_WORDS; w++)
		if (v[w])
			return 0;
	return 1;
}

static int page_is_zero(const uint64_t *v)
{
	unsigned int w;

	for (w = 0; w < PAGE_WORDS; w++)
		if (v[w])
			return 0;
	return 1;
}

/* What the page at @v is, which should be page @p of @obj, generation @gen. */
static enum page_class classify(const uint64_t *v, uint32_t obj, uint64_t p,
				uint32_t gen)
{
	unsigned int j;

	if (page_is(v, pattern_key(seed, obj, p, gen)))
		return PG_INTACT;
	if (page_is_zero(v))
		return PG_ZERO;
	if (gen > 0 && page_is(v, pattern_key(seed, obj, p, gen - 1)))
		return PG_STALE;
	/* Another object's page @p of this generation (if it has one). */
	for (j = 0; j < nbos; j++) {
		uint64_t key;

		/* The first word rules out nearly every candidate. */
		if (j == obj || bos[j].size / PAGE_SZ <= p ||
		    v[0] != expected(j, p, 0, gen))
			continue;
		key = pattern_key(seed, j, p, gen);
		if (page_is(v, key))
			return PG_FOREIGN;
	}
	return PG_OTHER;
}

static void tally_add(struct tally *t, const struct tally *a)
{
	t->pages += a->pages;
	t->intact += a->intact;
	t->stale += a->stale;
	t->foreign += a->foreign;
	t->zero += a->zero;
	t->other += a->other;
}

static int tally_eq(const struct tally *a, const struct tally *b)
{
	return a->pages == b->pages && a->intact == b->intact &&
	       a->stale == b->stale && a->foreign == b->foreign &&
	       a->zero == b->zero && a->other == b->other;
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

/*
 * Wait for SIGUSR1 (blocked outside this wait, so that one sent between
 * the check and the wait is not lost), and consume it.
 */
static void wait_usr1(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!go)
		sigsuspend(&none);
	go = 0;
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

/* Write generation @gen of object @obj (bos[@obj]) into it. */
static void bo_fill(int fd, uint32_t obj, uint32_t gen)
{
	struct bo *bo = &bos[obj];
	uint64_t *v = bo_map(fd, bo);
	uint64_t pages = bo->size / PAGE_SZ, p;

	for (p = 0; p < pages; p++)
		page_fill(v + p * PAGE_WORDS, pattern_key(seed, obj, p, gen));
	bo_unmap(bo, v);
}

/*
 * Check object @obj against generation @gen (with @zero: against zeroes,
 * a purged object; a page that is not zero is then "other") and add its
 * pages to @t.
 */
static void bo_check(int fd, uint32_t obj, uint32_t gen, int zero,
		     struct tally *t)
{
	struct bo *bo = &bos[obj];
	uint64_t *v = bo_map(fd, bo);
	uint64_t pages = bo->size / PAGE_SZ, p;

	for (p = 0; p < pages; p++) {
		const uint64_t *pg = v + p * PAGE_WORDS;
		enum page_class c;

		if (zero)
			c = page_is_zero(pg) ? PG_INTACT : PG_OTHER;
		else
			c = classify(pg, obj, p, gen);
		t->pages++;
		switch (c) {
		case PG_INTACT: t->intact++; break;
		case PG_STALE: t->stale++; break;
		case PG_FOREIGN: t->foreign++; break;
		case PG_ZERO: t->zero++; break;
		case PG_OTHER: t->other++; break;
		}
		if (c != PG_INTACT && mismatch_lines) {
			mismatch_lines--;
			printf("VTTM-WORK mismatch bo=%u page=%llu gen=%u class=%s\n",
			       obj, (unsigned long long)p, gen, class_name[c]);
		}
	}
	bo_unmap(bo, v);
}

/* How long --retry-nomem keeps retrying one ioctl, in seconds. */
#define NOMEM_RETRY_S 120

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	double nomem_since = 0;

	while (ioctl(fd, req, arg)) {
		if (errno == EINTR || errno == EAGAIN) {
			eintr++;
			continue;
		}
		/*
		 * With --retry-nomem, an allocation failure is transient: a
		 * restore keeps what it restored before failing, so retries
		 * make progress, but under injected failures and a shrinker
		 * taking pages back they may need many. A count of tries
		 * (1000 x 1 ms) ran out in 1 s on a 32 MiB object; the
		 * budget is time.
		 */
		if (errno == ENOMEM && retry_nomem) {
			if (!nomem_since)
				nomem_since = now_s();
			if (now_s() - nomem_since < NOMEM_RETRY_S) {
				enomem++;
				usleep(1000);
				continue;
			}
		}
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		exit(2);
	}
}

/* Create @bo of @size bytes: a buffer object, or anonymous memory. */
/* --caching: the create flags of object @i. */
static uint32_t create_flags(unsigned int i)
{
	static const uint32_t mixed[] = { 0, VTTM_CREATE_WC, VTTM_CREATE_UC };

	if (!strcmp(caching, "wc"))
		return VTTM_CREATE_WC;
	if (!strcmp(caching, "uc"))
		return VTTM_CREATE_UC;
	if (!strcmp(caching, "mixed"))
		return mixed[i % 3];
	return 0;
}

static void bo_create(int fd, struct bo *bo, uint64_t size, int anon)
{
	struct drm_vttm_create c = {
		.size = size,
		.flags = anon ? 0 : create_flags(bo - bos),
	};
	struct drm_vttm_mmap_offset o = { 0 };

	bo->size = size;
	bo->dmabuf = -1;
	if (anon) {
		bo->anon = mmap(NULL, size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (bo->anon == MAP_FAILED) {
			perror("mmap anon");
			exit(2);
		}
		return;
	}
	xioctl(fd, DRM_IOCTL_VTTM_CREATE, &c, "create");
	o.handle = c.handle;
	xioctl(fd, DRM_IOCTL_VTTM_MMAP_OFFSET, &o, "mmap offset");
	bo->handle = c.handle;
	bo->offset = o.offset;
}

/* --free-verified: free @bo, verified and no longer needed. */
static void bo_free(int fd, struct bo *bo)
{
	struct drm_gem_close cl = { .handle = bo->handle };

	bo->freed = 1;
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
	struct drm_vttm_gpu_use g = { .handle = bo->handle, .flags = use_flags,
				      .busy_us = busy_us };
	double t = now_s();

	xioctl(fd, DRM_IOCTL_VTTM_GPU_USE, &g, "gpu use");
	return now_s() - t;
}

/* A purged object must raise SIGBUS on access: probe its first page. */
static sigjmp_buf probe_jmp;

static void on_probe_fault(int sig)
{
	siglongjmp(probe_jmp, sig);
}

/* The signal that reading the byte at @v raised, or 0. */
static __attribute__((noinline)) int probe_read(volatile uint8_t *v)
{
	struct sigaction sa = { .sa_handler = on_probe_fault }, old;
	int sig;

	sigaction(SIGBUS, &sa, &old);
	sig = sigsetjmp(probe_jmp, 1);
	if (!sig)
		(void)v[0];
	sigaction(SIGBUS, &old, NULL);
	return sig;
}

/* 1 if reading the first page of @bo raised SIGBUS, 0 if it did not. */
static int bo_probe_sigbus(int fd, struct bo *bo)
{
	void *v = bo_map(fd, bo);
	int sig = probe_read(v);

	bo_unmap(bo, v);
	return sig == SIGBUS;
}

/*
 * Mark the last @purgeable of the @count objects purgeable (madvise
 * DONTNEED). Returns how many the driver reported lost at once: one whose
 * content only a backup held is purged when marked.
 */
static unsigned int mark_purgeable(int fd, unsigned int count,
				   unsigned int purgeable)
{
	unsigned int i, lost = 0;

	for (i = count - (purgeable < count ? purgeable : count); i < count; i++) {
		struct drm_vttm_madvise m = { .handle = bos[i].handle,
					      .madv = VTTM_MADV_DONTNEED };

		xioctl(fd, DRM_IOCTL_VTTM_MADVISE, &m, "madvise");
		bos[i].purgeable = 1;
		lost += !m.retained;
	}
	return lost;
}

/* This client's backed-up memory (fdinfo vttm-backed-up-memory), or -1. */
static long long backed_up_kib(int fd)
{
	static const char key[] = "vttm-backed-up-memory:";
	long long kib = -1;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, sizeof(key) - 1))
			kib = strtoll(line + sizeof(key) - 1, NULL, 10);
	fclose(f);
	return kib;
}

/*
 * Verify every object against generation @gen, add the counts of each
 * object to @per (if not NULL, one tally per object) and print the verify
 * line. Returns 1 if everything verified (purged objects as zeroes).
 */
static int verify_all(int fd, uint32_t gen, int gpu_use, int free_verified,
		      struct tally *per)
{
	struct tally t = { 0 };
	unsigned int i, purged_bos = 0, sigbus = 0;
	double restore_s = 0, t0 = now_s();

	for (i = 0; i < nbos; i++) {
		struct tally o = { 0 };

		if (bos[i].purgeable) {
			struct drm_vttm_madvise m = { .handle = bos[i].handle,
						      .madv = VTTM_MADV_WILLNEED };

			xioctl(fd, DRM_IOCTL_VTTM_MADVISE, &m, "madvise");
			/*
			 * Purged: the object is gone for good, and a CPU
			 * access must raise SIGBUS, not read zeroes. One that
			 * does not counts as one page of class "other".
			 */
			if (!m.retained) {
				purged_bos++;
				if (bo_probe_sigbus(fd, &bos[i])) {
					sigbus++;
				} else {
					o.pages = o.other = 1;
					printf("VTTM-WORK mismatch bo=%u page=0 gen=%u class=purged-no-sigbus\n",
					       i, gen);
				}
				tally_add(&t, &o);
				if (per)
					per[i] = o;
				if (free_verified)
					bo_free(fd, &bos[i]);
				continue;
			}
		}
		if (gpu_use && !bos[i].anon)
			restore_s += bo_gpu_use(fd, &bos[i]);
		bo_check(fd, i, gen, 0, &o);
		tally_add(&t, &o);
		if (per)
			per[i] = o;
		if (free_verified)
			bo_free(fd, &bos[i]);
	}
	printf("VTTM-WORK verify pages=%llu intact=%llu purged_bos=%u purged_sigbus=%u verify_s=%.3f restore_s=%.3f signals=%d eintr=%lu enomem=%lu gen=%u stale=%llu foreign=%llu zero=%llu other=%llu\n",
	       (unsigned long long)t.pages, (unsigned long long)t.intact,
	       purged_bos, sigbus, now_s() - t0, restore_s,
	       (int)signals, eintr, enomem, gen, (unsigned long long)t.stale,
	       (unsigned long long)t.foreign, (unsigned long long)t.zero,
	       (unsigned long long)t.other);
	fflush(stdout);
	return t.intact == t.pages;
}

/*
 * --gpu-loop: a thread that keeps using random objects on the "GPU" (with
 * --busy-us, each use leaves the object busy; every move between system
 * memory and TT is pipelined behind a fence and leaves a ghost object),
 * from before the hold until the verify, so that the shrinker meets busy
 * objects, ghosts and moves in flight while memory is short.
 *
 * It keeps about a quarter of the objects busy, as a client that waits for
 * its frames would: an object is used again only once its job and moves
 * (busy_us and twice vttm's move_us) are over, and no more than a quarter
 * are in use at once. A loop that queues without waiting would keep every
 * object busy until the driver refuses more work, and the shrinker would
 * find nothing idle.
 */
struct gpu_loop {
	pthread_t thread;
	int fd;
	volatile int stop;
	unsigned long uses, enomem, busy;
};

static unsigned long read_ulong(const char *path)
{
	unsigned long v = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void *gpu_loop_main(void *arg)
{
	struct gpu_loop *gl = arg;
	uint64_t x = seed * PATTERN_GOLDEN + 1;
	unsigned int max_busy = nbos / 4 ? nbos / 4 : 1;
	double job_s, *free_at = calloc(nbos, sizeof(*free_at));

	if (!free_at)
		exit(2);
	job_s = (busy_us +
		 2 * read_ulong("/sys/module/vttm/parameters/move_us")) / 1e6 +
		0.001;
	while (!gl->stop) {
		struct bo *bo;
		struct drm_vttm_gpu_use g = { .flags = use_flags,
					      .busy_us = busy_us };
		unsigned int i, busy = 0;
		double now = now_s();

		for (i = 0; i < nbos; i++)
			busy += free_at[i] > now;
		x = mix64(x);
		i = x % nbos;
		bo = &bos[i];
		if (busy >= max_busy || free_at[i] > now || bo->purgeable) {
			usleep(500);
			continue;
		}
		g.handle = bo->handle;
		if (!ioctl(gl->fd, DRM_IOCTL_VTTM_GPU_USE, &g)) {
			gl->uses++;
			free_at[i] = now_s() + job_s;
			continue;
		}
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ENOMEM || errno == EBUSY) {
			/* Memory is short, or busy objects fill TT. */
			errno == ENOMEM ? gl->enomem++ : gl->busy++;
			usleep(10000);
			continue;
		}
		fprintf(stderr, "gpu loop: %s\n", strerror(errno));
		exit(2);
	}
	free(free_at);
	return NULL;
}

static void gpu_loop_start(struct gpu_loop *gl, int fd)
{
	gl->fd = fd;
	if (pthread_create(&gl->thread, NULL, gpu_loop_main, gl)) {
		fprintf(stderr, "gpu loop: pthread_create failed\n");
		exit(2);
	}
}

static void gpu_loop_stop(struct gpu_loop *gl)
{
	gl->stop = 1;
	pthread_join(gl->thread, NULL);
	printf("VTTM-WORK gpu-loop uses=%lu enomem=%lu ebusy=%lu\n", gl->uses,
	       gl->enomem, gl->busy);
	fflush(stdout);
}

/*
 * --dmabuf K: the first K objects are exported as dma-bufs, and a child
 * process imports them on a render node of its own and verifies them
 * through its own mappings when the parent verifies (the generation to
 * check comes down a pipe).
 */
struct dmabuf_child {
	pid_t pid;
	int pipe;
};

static void bo_export(int fd, struct bo *bo)
{
	struct drm_prime_handle h = {
		.handle = bo->handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
	};

	xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &h, "prime export");
	bo->dmabuf = h.fd;
}

static int dmabuf_child_main(int rfd, unsigned int k)
{
	struct tally t = { 0 };
	unsigned int i;
	uint32_t gen;
	int fd = vttm_open();

	for (i = 0; i < k; i++) {
		struct drm_prime_handle h = { .fd = bos[i].dmabuf };
		struct drm_vttm_mmap_offset o = { 0 };

		xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h, "prime import");
		o.handle = h.handle;
		xioctl(fd, DRM_IOCTL_VTTM_MMAP_OFFSET, &o, "mmap offset");
		bos[i].handle = h.handle;
		bos[i].offset = o.offset;
	}
	if (read(rfd, &gen, sizeof(gen)) != sizeof(gen))
		return 2;
	for (i = 0; i < k; i++)
		bo_check(fd, i, gen, 0, &t);
	printf("VTTM-WORK dmabuf-child bos=%u pages=%llu intact=%llu gen=%u stale=%llu foreign=%llu zero=%llu other=%llu\n",
	       k, (unsigned long long)t.pages, (unsigned long long)t.intact,
	       gen, (unsigned long long)t.stale, (unsigned long long)t.foreign,
	       (unsigned long long)t.zero, (unsigned long long)t.other);
	fflush(stdout);
	return t.pages && t.intact == t.pages ? 0 : 1;
}

static void dmabuf_child_start(struct dmabuf_child *c, unsigned int k)
{
	int p[2];

	if (pipe(p)) {
		perror("pipe");
		exit(2);
	}
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0) {
		perror("fork");
		exit(2);
	}
	if (!c->pid) {
		close(p[1]);
		_exit(dmabuf_child_main(p[0], k));
	}
	close(p[0]);
	c->pipe = p[1];
}

/* Let the child verify generation @gen; 1 if it found every page intact. */
static int dmabuf_child_finish(struct dmabuf_child *c, uint32_t gen)
{
	int status;

	if (write(c->pipe, &gen, sizeof(gen)) != sizeof(gen))
		return 0;
	close(c->pipe);
	if (waitpid(c->pid, &status, 0) != c->pid)
		return 0;
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

/*
 * --kmap K: the first K objects are mapped in the kernel by vttm as a
 * dma-buf importer (DRM_IOCTL_VTTM_KMAP) for the whole hold. Such a mapping
 * does not pin: the shrinker must leave the objects alone all the same.
 * At the verify, before any CPU access that could bring pages back, their
 * content is read through the kernel mapping and checked.
 */
static void bo_kmap(int fd, struct bo *bo)
{
	struct drm_vttm_kmap k = { .fd = bo->dmabuf, .op = VTTM_KMAP_MAP };

	xioctl(fd, DRM_IOCTL_VTTM_KMAP, &k, "kmap");
	bo->kmap = k.id;
}

static int kmap_verify(int fd, unsigned int k, uint32_t gen)
{
	static uint64_t page[PAGE_WORDS];
	struct tally t = { 0 };
	unsigned int i;

	for (i = 0; i < k; i++) {
		struct drm_vttm_kmap r = {
			.op = VTTM_KMAP_READ,
			.id = bos[i].kmap,
			.size = PAGE_SZ,
			.data = (uintptr_t)page,
		};
		struct drm_vttm_kmap u = { .op = VTTM_KMAP_UNMAP,
					   .id = bos[i].kmap };
		uint64_t p;

		for (p = 0; p < bos[i].size / PAGE_SZ; p++) {
			enum page_class c;

			r.offset = p * PAGE_SZ;
			xioctl(fd, DRM_IOCTL_VTTM_KMAP, &r, "kmap read");
			c = classify(page, i, p, gen);
			t.pages++;
			if (c == PG_INTACT)
				t.intact++;
			else if (mismatch_lines) {
				mismatch_lines--;
				printf("VTTM-WORK mismatch kmap bo=%u page=%llu gen=%u class=%s\n",
				       i, (unsigned long long)p, gen,
				       class_name[c]);
			}
		}
		xioctl(fd, DRM_IOCTL_VTTM_KMAP, &u, "kunmap");
		bos[i].kmap = 0;
	}
	printf("VTTM-WORK kmap bos=%u pages=%llu intact=%llu gen=%u\n", k,
	       (unsigned long long)t.pages, (unsigned long long)t.intact, gen);
	fflush(stdout);
	return t.pages && t.intact == t.pages;
}

/* --stats: the device's counters, from debugfs. */
static void print_stats(void)
{
	printf("VTTM-WORK stats bos=%lld bo_pages=%lld shrinkable=%lld purgeable=%lld pinned=%lld tt_used=%lld fences=%lld evictions=%lld pipelined=%lld shrink=%lld\n",
	       vttm_stat("bo_count"), vttm_stat("bo_pages"),
	       vttm_stat("shrinkable_pages"), vttm_stat("purgeable_pages"),
	       vttm_stat("pinned_pages"), vttm_stat("tt_used_pages"),
	       vttm_stat("fences"), vttm_stat("evictions"),
	       vttm_stat("pipelined_moves"), vttm_stat("shrink"));
}

/* --rewrite: write generation @gen into every object; prints its line. */
static void rewrite_all(int fd, uint32_t gen)
{
	double t = now_s();
	uint64_t bytes = 0;
	unsigned int i;

	for (i = 0; i < nbos; i++) {
		bo_fill(fd, i, gen);
		bytes += bos[i].size;
	}
	printf("VTTM-WORK rewritten gen=%u bos=%u mib=%llu rewrite_s=%.2f\n",
	       gen, nbos, (unsigned long long)(bytes >> 20), now_s() - t);
	fflush(stdout);
}

/*
 * --churn: create, populate (a "GPU use") and free @count objects, for
 * the cost of the paths a driver runs without memory pressure.
 */
static int churn(int fd, unsigned int count, uint64_t size)
{
	double t = now_s();
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct drm_vttm_create c = { .size = size };
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
	       (unsigned long long)((count * size) >> 20), t,
	       count * (double)size / (1 << 20) / t);
	return 0;
}

/*
 * --odd-sizes: object @i is @base plus 4 KiB * ((i * 97) mod 509): 0 to
 * 2032 KiB more, about 1 MiB on average, sizes spread over every 4 KiB
 * remainder modulo 2 MiB (97 and 509 are coprime: the first 509 objects
 * all differ).
 */
static uint64_t odd_size(uint64_t base, unsigned int i)
{
	return base + (uint64_t)PAGE_SZ * ((i * 97u) % 509u);
}

/* Self-test: the objects and what is injected into them. */
enum { ST_A, ST_B, ST_STALE, ST_ZERO, ST_OTHER, ST_CLEAN, ST_MIN };

/*
 * --self-test: check the checker. At least ST_MIN objects of odd sizes
 * (object i: the size plus odd_size()'s extra; default size 516 KiB),
 * filled with generation 0, rewritten with generation 1, then through
 * their mappings:
 *  - objects 0 and 1 swap their first min(size0, size1) bytes: those
 *    pages must be "foreign" in both, the rest intact;
 *  - object 2 gets generation 0 back in its middle page: one "stale";
 *  - object 3 has its last page zeroed: one "zero";
 *  - object 4 has one bit of the last byte of page 1 flipped (with
 *    --compressible a byte of the zero tail): one "other";
 *  - the others are left alone: all intact.
 * With --hold, waits for SIGUSR1 before verifying (so that a scenario can
 * push the objects out first). Every object's counts must be exactly
 * those: "VTTM-WORK self-test bo=I fault=F ... result=ok|missed" per
 * object, the verify line, then "VTTM-WORK self-test ok=N missed=M".
 */
static int self_test(int fd, int anon, uint64_t base, int hold, int gpu_use)
{
	static const char *const fault[ST_MIN] = {
		"foreign", "foreign", "stale", "zero", "other", "none",
	};
	struct tally *want, *got;
	unsigned int i, w, bad = 0, ok = 0, missed = 0;
	uint64_t n, p, total = 0;
	double t = now_s();
	uint8_t *a, *b, *tmp;
	uint64_t *v;

	want = calloc(nbos, sizeof(*want));
	got = calloc(nbos, sizeof(*got));
	if (!want || !got)
		exit(2);
	for (i = 0; i < nbos; i++) {
		bo_create(fd, &bos[i], odd_size(base, i), anon);
		bo_fill(fd, i, 0);
		total += bos[i].size;
		want[i].pages = want[i].intact = bos[i].size / PAGE_SZ;
	}
	printf("VTTM-WORK created bos=%u mib=%llu fill_s=%.2f kib=%llu\n", nbos,
	       (unsigned long long)(total >> 20), now_s() - t,
	       (unsigned long long)(total >> 10));
	fflush(stdout);
	rewrite_all(fd, 1);

	/* (a) Objects A and B swap content. */
	n = bos[ST_A].size < bos[ST_B].size ? bos[ST_A].size : bos[ST_B].size;
	a = bo_map(fd, &bos[ST_A]);
	b = bo_map(fd, &bos[ST_B]);
	tmp = malloc(n);
	if (!tmp)
		exit(2);
	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
	free(tmp);
	bo_unmap(&bos[ST_A], a);
	bo_unmap(&bos[ST_B], b);
	for (i = ST_A; i <= ST_B; i++) {
		want[i].foreign = n / PAGE_SZ;
		want[i].intact -= n / PAGE_SZ;
	}

	/* (b) A stale page: generation 0 in the middle page. */
	v = bo_map(fd, &bos[ST_STALE]);
	p = bos[ST_STALE].size / PAGE_SZ / 2;
	page_fill(v + p * PAGE_WORDS, pattern_key(seed, ST_STALE, p, 0));
	bo_unmap(&bos[ST_STALE], v);
	want[ST_STALE].stale = 1;
	want[ST_STALE].intact--;

	/* (c) The last page zeroed. */
	v = bo_map(fd, &bos[ST_ZERO]);
	p = bos[ST_ZERO].size / PAGE_SZ - 1;
	memset(v + p * PAGE_WORDS, 0, PAGE_SZ);
	bo_unmap(&bos[ST_ZERO], v);
	want[ST_ZERO].zero = 1;
	want[ST_ZERO].intact--;

	/* (d) One bit of the last byte of page 1. */
	a = bo_map(fd, &bos[ST_OTHER]);
	a[PAGE_SZ + PAGE_SZ - 1] ^= 0x10;
	bo_unmap(&bos[ST_OTHER], a);
	want[ST_OTHER].other = 1;
	want[ST_OTHER].intact--;

	if (hold) {
		printf("VTTM-WORK ready pid=%d\n", getpid());
		fflush(stdout);
		wait_usr1();
	}

	/* The page loops write what expected() says, word by word. */
	v = bo_map(fd, &bos[ST_CLEAN]);
	p = bos[ST_CLEAN].size / PAGE_SZ - 1;
	for (w = 0; w < PAGE_WORDS; w++)
		bad += v[p * PAGE_WORDS + w] != expected(ST_CLEAN, p, w, 1);
	bo_unmap(&bos[ST_CLEAN], v);
	printf("VTTM-WORK self-test reference bo=%u page=%llu words=%u wrong=%u result=%s\n",
	       ST_CLEAN, (unsigned long long)p, w, bad, bad ? "missed" : "ok");
	if (bad)
		missed++;
	else
		ok++;

	mismatch_lines = 0;	/* the per-object lines say it all */
	verify_all(fd, 1, gpu_use, 0, got);
	for (i = 0; i < nbos; i++) {
		int good = tally_eq(&want[i], &got[i]);

		printf("VTTM-WORK self-test bo=%u kib=%llu fault=%s pages=%llu intact=%llu stale=%llu foreign=%llu zero=%llu other=%llu want_intact=%llu want=%s:%llu result=%s\n",
		       i, (unsigned long long)(bos[i].size >> 10),
		       i < ST_CLEAN ? fault[i] : "none",
		       (unsigned long long)got[i].pages,
		       (unsigned long long)got[i].intact,
		       (unsigned long long)got[i].stale,
		       (unsigned long long)got[i].foreign,
		       (unsigned long long)got[i].zero,
		       (unsigned long long)got[i].other,
		       (unsigned long long)want[i].intact,
		       i < ST_CLEAN ? fault[i] : "none",
		       (unsigned long long)(want[i].pages - want[i].intact),
		       good ? "ok" : "missed");
		if (good)
			ok++;
		else
			missed++;
	}
	printf("VTTM-WORK self-test ok=%u missed=%u\n", ok, missed);
	fflush(stdout);
	free(want);
	free(got);
	return missed ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vttm-work [OPTION...]\n"
"  --count N         objects (default 4)\n"
"  --size-mib M      object size in MiB (default 16)\n"
"  --size-kib K      object size in KiB instead, a multiple of 4\n"
"  --odd-sizes       object i is the size + 4 KiB * ((i * 97) mod 509):\n"
"                    0 to 2032 KiB more (about 1 MiB on average), every\n"
"                    4 KiB remainder modulo 2 MiB (THP/2 MiB orders)\n"
"  --seed S          content seed (default 1)\n"
"  --purgeable K     mark the last K objects purgeable\n"
"  --late-purgeable  (with --hold and --purgeable) mark them on the first\n"
"                    SIGUSR1 instead, print \"VTTM-WORK marked ...\" (how\n"
"                    many were reported lost at once, the client's\n"
"                    backed-up KiB before and after), verify on the next\n"
"                    SIGUSR1\n"
"  --pin K           pin the first K objects\n"
"  --hold            print \"VTTM-WORK ready pid=P\", verify on SIGUSR1\n"
"  --rewrite N       (implies --hold) N cycles: on SIGUSR1, rewrite every\n"
"                    object with the next generation, print \"VTTM-WORK\n"
"                    rewritten gen=G ...\", on the next SIGUSR1 verify it;\n"
"                    not with --purgeable or --free-verified\n"
"  --gpu-use         restore by a \"GPU use\" before verifying\n"
"  --busy-us N       GPU uses leave the object busy for N us (a fence)\n"
"  --keep-bound      GPU uses leave the object bound to TT; with it, every\n"
"                    object is used (bound) once before --pin and the hold\n"
"  --gpu-loop        a thread keeps using random objects on the GPU from\n"
"                    before the hold until the verify\n"
"  --caching C       cached (default), wc, uc, or mixed (object i: cached,\n"
"                    wc, uc for i mod 3)\n"
"  --dmabuf K        export the first K objects; a child process imports\n"
"                    them and verifies them through its own mappings\n"
"  --kmap K          (with --dmabuf K' >= K, or alone) the kernel maps the\n"
"                    first K objects as a dma-buf importer for the hold;\n"
"                    verified through that mapping first\n"
"  --stats           print the device's counters at the end\n"
"  --verbose         progress lines while filling\n"
"  --retry-nomem     retry ioctls that fail with ENOMEM (120 s each)\n"
"  --anon            anonymous memory instead of buffer objects\n"
"  --churn           only create, populate and free --count objects\n"
"  --reverify        verify again, all resident (not with --free-verified)\n"
"  --compressible    pattern in the first 1 KiB of each page, zeroes after\n"
"  --free-verified   free each object once verified\n"
"  --self-test       check the checker: at least 6 objects of odd sizes\n"
"                    (default size 516 KiB), generation 1 written, then\n"
"                    objects 0 and 1 swap content, object 2 gets a stale\n"
"                    page, object 3 a zeroed page, object 4 a flipped bit;\n"
"                    each must be found and classified (foreign, stale,\n"
"                    zero, other), the rest intact; prints \"VTTM-WORK\n"
"                    self-test ok=N missed=M\", exit 0 if M is 0; with\n"
"                    --anon, no device needed; --hold waits for SIGUSR1\n"
"                    before verifying\n"
"Output lines (key=value): VTTM-WORK created, ready, marked, rewritten,\n"
"verify (pages intact purged_bos purged_sigbus verify_s restore_s signals\n"
"eintr enomem gen stale foreign zero other), mismatch, reverify, stats,\n"
"gpu-loop, dmabuf-child, kmap, self-test. A purged object must raise\n"
"SIGBUS when read; one that does not is a mismatch of class\n"
"purged-no-sigbus.\n");
}

enum {
	OPT_SIZE_KIB = 256,
	OPT_ODD_SIZES,
	OPT_REWRITE,
	OPT_SELF_TEST,
	OPT_HELP,
	OPT_BUSY_US,
	OPT_KEEP_BOUND,
	OPT_GPU_LOOP,
	OPT_CACHING,
	OPT_DMABUF,
	OPT_KMAP,
	OPT_LATE_PURGEABLE,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "size-mib", required_argument, NULL, 's' },
		{ "size-kib", required_argument, NULL, OPT_SIZE_KIB },
		{ "odd-sizes", no_argument, NULL, OPT_ODD_SIZES },
		{ "seed", required_argument, NULL, 'S' },
		{ "purgeable", required_argument, NULL, 'p' },
		{ "pin", required_argument, NULL, 'P' },
		{ "hold", no_argument, NULL, 'h' },
		{ "rewrite", required_argument, NULL, OPT_REWRITE },
		{ "gpu-use", no_argument, NULL, 'g' },
		{ "stats", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "retry-nomem", no_argument, NULL, 'r' },
		{ "anon", no_argument, NULL, 'a' },
		{ "churn", no_argument, NULL, 'c' },
		{ "reverify", no_argument, NULL, 'R' },
		{ "compressible", no_argument, NULL, 'C' },
		{ "free-verified", no_argument, NULL, 'F' },
		{ "self-test", no_argument, NULL, OPT_SELF_TEST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "busy-us", required_argument, NULL, OPT_BUSY_US },
		{ "keep-bound", no_argument, NULL, OPT_KEEP_BOUND },
		{ "gpu-loop", no_argument, NULL, OPT_GPU_LOOP },
		{ "caching", required_argument, NULL, OPT_CACHING },
		{ "dmabuf", required_argument, NULL, OPT_DMABUF },
		{ "kmap", required_argument, NULL, OPT_KMAP },
		{ "late-purgeable", no_argument, NULL, OPT_LATE_PURGEABLE },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int count = 4, purgeable = 0, pin = 0, rewrite = 0, i, cycle;
	uint64_t size = 16ull << 20, total = 0;
	int hold = 0, gpu_use = 0, stats = 0, verbose = 0, opt, fd = -1;
	int anon = 0, do_churn = 0, reverify = 0, free_verified = 0;
	int odd_sizes = 0, do_self_test = 0, size_given = 0, good = 1;
	unsigned int dmabuf = 0, kmap = 0;
	int do_gpu_loop = 0, late_purgeable = 0;
	struct gpu_loop gl = { 0 };
	struct dmabuf_child child = { 0 };
	uint32_t gen = 0;
	struct sigaction sa = { 0 };
	sigset_t usr1;
	char *end;
	double t;

	while ((opt = getopt_long(argc, argv, "n:s:S:p:P:hgtvracRCF", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's':
			size = strtoull(optarg, NULL, 0) << 20;
			size_given = 1;
			break;
		case OPT_SIZE_KIB:
			size = strtoull(optarg, &end, 0);
			if (*end || !size || size % 4) {
				fprintf(stderr, "vttm-work: --size-kib %s: want a multiple of 4 KiB, not 0\n",
					optarg);
				return 2;
			}
			size <<= 10;
			size_given = 1;
			break;
		case OPT_ODD_SIZES: odd_sizes = 1; break;
		case 'S': seed = strtoul(optarg, NULL, 0); break;
		case 'p': purgeable = strtoul(optarg, NULL, 0); break;
		case 'P': pin = strtoul(optarg, NULL, 0); break;
		case 'h': hold = 1; break;
		case OPT_REWRITE: rewrite = strtoul(optarg, NULL, 0); break;
		case 'g': gpu_use = 1; break;
		case 't': stats = 1; break;
		case 'v': verbose = 1; break;
		case 'r': retry_nomem = 1; break;
		case 'a': anon = 1; break;
		case 'c': do_churn = 1; break;
		case 'R': reverify = 1; break;
		case 'C': compressible = 1; break;
		case 'F': free_verified = 1; break;
		case OPT_SELF_TEST: do_self_test = 1; break;
		case OPT_HELP: usage(stdout); return 0;
		case OPT_BUSY_US: busy_us = strtoul(optarg, NULL, 0); break;
		case OPT_KEEP_BOUND: use_flags |= VTTM_GPU_USE_KEEP_BOUND; break;
		case OPT_GPU_LOOP: do_gpu_loop = 1; break;
		case OPT_CACHING:
			caching = optarg;
			if (strcmp(caching, "cached") && strcmp(caching, "wc") &&
			    strcmp(caching, "uc") && strcmp(caching, "mixed")) {
				fprintf(stderr, "vttm-work: --caching %s: want cached, wc, uc or mixed\n",
					optarg);
				return 2;
			}
			break;
		case OPT_DMABUF: dmabuf = strtoul(optarg, NULL, 0); break;
		case OPT_KMAP: kmap = strtoul(optarg, NULL, 0); break;
		case OPT_LATE_PURGEABLE: late_purgeable = 1; break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (reverify && free_verified) {
		fprintf(stderr, "vttm-work: --reverify needs the objects: not with --free-verified\n");
		return 2;
	}
	if (rewrite && (purgeable || free_verified || do_churn)) {
		fprintf(stderr, "vttm-work: --rewrite needs all objects, retained: not with --purgeable, --free-verified or --churn\n");
		return 2;
	}
	if (do_self_test && (purgeable || free_verified || do_churn || rewrite ||
			     reverify)) {
		fprintf(stderr, "vttm-work: --self-test: not with --purgeable, --free-verified, --churn, --rewrite or --reverify\n");
		return 2;
	}
	if (late_purgeable && (!purgeable || !hold || anon || rewrite)) {
		fprintf(stderr, "vttm-work: --late-purgeable needs --purgeable and --hold, not --anon or --rewrite\n");
		return 2;
	}
	if (!size) {
		fprintf(stderr, "vttm-work: the size must not be 0\n");
		return 2;
	}
	if ((dmabuf || kmap || do_gpu_loop) &&
	    (anon || do_churn || do_self_test || free_verified ||
	     dmabuf > count || kmap > count)) {
		fprintf(stderr, "vttm-work: --dmabuf, --kmap, --gpu-loop: at most --count objects, not with --anon, --churn, --self-test or --free-verified\n");
		return 2;
	}
	if ((dmabuf || kmap) && purgeable > count - (dmabuf > kmap ? dmabuf : kmap)) {
		fprintf(stderr, "vttm-work: the exported objects must not be purgeable\n");
		return 2;
	}
	if (rewrite)
		hold = 1;

	sa.sa_handler = on_usr2;	/* no SA_RESTART */
	sigaction(SIGUSR2, &sa, NULL);
	/* SIGUSR1 is only taken in wait_usr1(). */
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	if (!anon)
		fd = vttm_open();
	if (do_churn)
		return churn(fd, count, size);
	if (do_self_test && count < ST_MIN)
		count = ST_MIN;
	nbos = count;
	bos = calloc(count ? count : 1, sizeof(*bos));
	if (!bos)
		return 2;
	if (do_self_test)
		return self_test(fd, anon, size_given ? size : 516 << 10, hold,
				 gpu_use);

	t = now_s();
	for (i = 0; i < count; i++) {
		bo_create(fd, &bos[i], odd_sizes ? odd_size(size, i) : size,
			  anon);
		total += bos[i].size;
		bo_fill(fd, i, 0);
		if (verbose && !anon && (i + 1) % 4 == 0) {
			printf("VTTM-WORK progress created=%u t=%.1f\n", i + 1,
			       now_s() - t);
			fflush(stdout);
		}
	}
	if (anon)
		pin = purgeable = 0;
	/* --keep-bound: every object is bound to TT once, before any pin. */
	for (i = 0; !anon && use_flags & VTTM_GPU_USE_KEEP_BOUND && i < count; i++)
		bo_gpu_use(fd, &bos[i]);
	for (i = 0; i < count && i < pin; i++) {
		struct drm_vttm_pin p = { .handle = bos[i].handle, .pin = 1 };

		xioctl(fd, DRM_IOCTL_VTTM_PIN, &p, "pin");
	}
	if (!late_purgeable)
		mark_purgeable(fd, count, purgeable);
	printf("VTTM-WORK created bos=%u mib=%llu fill_s=%.2f kib=%llu\n", count,
	       (unsigned long long)(total >> 20), now_s() - t,
	       (unsigned long long)(total >> 10));
	fflush(stdout);

	for (i = 0; i < (dmabuf > kmap ? dmabuf : kmap); i++)
		bo_export(fd, &bos[i]);
	for (i = 0; i < kmap; i++)
		bo_kmap(fd, &bos[i]);
	/* The child first: it must not inherit a thread's locks. */
	if (dmabuf)
		dmabuf_child_start(&child, dmabuf);
	if (do_gpu_loop)
		gpu_loop_start(&gl, fd);

	if (hold) {
		printf("VTTM-WORK ready pid=%d\n", getpid());
		fflush(stdout);
		wait_usr1();
	}
	if (late_purgeable) {
		long long kib = backed_up_kib(fd);
		unsigned int lost = mark_purgeable(fd, count, purgeable);

		printf("VTTM-WORK marked purgeable=%u lost=%u backed_up_kib=%lld after_kib=%lld\n",
		       purgeable < count ? purgeable : count, lost, kib,
		       backed_up_kib(fd));
		fflush(stdout);
		wait_usr1();
	}

	/*
	 * --rewrite: each cycle writes the next generation and waits; its
	 * SIGUSR1 verifies it (the last one below, the others here).
	 */
	for (cycle = 1; cycle <= rewrite; cycle++) {
		if (cycle > 1)
			good &= verify_all(fd, gen, gpu_use, 0, NULL);
		rewrite_all(fd, ++gen);
		wait_usr1();
	}

	if (do_gpu_loop)
		gpu_loop_stop(&gl);
	/* Through the kernel mappings first: no CPU fault has restored them. */
	if (kmap)
		good &= kmap_verify(fd, kmap, gen);
	good &= verify_all(fd, gen, gpu_use, free_verified, NULL);
	if (dmabuf)
		good &= dmabuf_child_finish(&child, gen);

	if (reverify) {
		/* The same again, all resident now: the cost of the check. */
		struct tally r = { 0 };
		double restore2_s = 0;

		t = now_s();
		for (i = 0; i < count; i++) {
			if (bos[i].purgeable)
				continue;
			if (gpu_use && !anon)
				restore2_s += bo_gpu_use(fd, &bos[i]);
			bo_check(fd, i, gen, 0, &r);
		}
		printf("VTTM-WORK reverify pages=%llu intact=%llu verify_s=%.3f restore_s=%.3f gen=%u stale=%llu foreign=%llu zero=%llu other=%llu\n",
		       (unsigned long long)r.pages, (unsigned long long)r.intact,
		       now_s() - t, restore2_s, gen,
		       (unsigned long long)r.stale, (unsigned long long)r.foreign,
		       (unsigned long long)r.zero, (unsigned long long)r.other);
		if (r.intact != r.pages)
			good = 0;
	}

	if (stats && !anon)
		print_stats();
	fflush(stdout);

	/* Purged objects must read back as zeroes, everything else intact. */
	return good ? 0 : 1;
}
