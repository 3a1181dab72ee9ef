// SPDX-License-Identifier: MIT
/*
 * vttm-race: a threaded, multi-process race fuzzer on the vttm render
 * node, to run under memory pressure so that the TTM shrinker backs up and
 * purges objects while their handles, mappings and dma-bufs are raced.
 *
 *   vttm-race [--seed S] [--seconds N] [--threads T] [--procs P]
 *             [--max-kib K] [--budget-mib M]
 *
 * P worker processes, forked after setup, each open a render node file of
 * their own and run T threads on it for N seconds. Each thread picks
 * operations at random, from a PRNG seeded from (seed, process, thread):
 * a seed replays the same choices, only the interleavings differ. They
 * are: create (1..K KiB, cached, WC or UC), GEM_CLOSE, madvise DONTNEED /
 * WILLNEED, pin / unpin, "GPU use" (busy 0..20 ms, kept bound or not), a
 * CPU write + read back through a mapping (a fault), munmap, mremap,
 * PRIME export followed by an import on the same file, an import on a
 * fresh file, a kernel mapping (KMAP map/read/unmap) or a trip to the
 * next process (imported and read there, see below), and fork() with
 * live mappings, the child touching them and sometimes SIGKILLed at a
 * random moment (maybe while it restores a page).
 * A process keeps at most M MiB of objects.
 *
 * The trip to the next process needs no sockets (the test kernel has no
 * networking): the sender keeps its dma-buf fd open and announces (its
 * pid, the fd number, the dma-buf's st_dev / st_ino) on a pipe to the
 * next process, which takes a copy of the fd with pidfd_getfd(2),
 * acknowledges on a pipe back, checks that the file it got is that
 * dma-buf (each has an inode of its own), then imports it. The sender
 * closes its fd on the acknowledgement, after XFER_HOLD_S or at its end:
 * until then the number names nothing else. A file gone or another one
 * (the sender gave up, or exited) is a skip, not a failure. The pipes
 * are non-blocking: when one is full, the dma-buf is not sent, and
 * nothing waits for an acknowledgement. Without pidfd_getfd (ENOSYS, or
 * not allowed even on ourselves) nothing goes to another process:
 * xproc=off.
 *
 * The rules, what fails the run:
 *  - An ioctl error other than ENOENT, EINVAL, EBUSY, ENOSPC, ENOMEM
 *    (EINTR / EAGAIN are retried); ENOENT counts as expected only if the
 *    handle was being closed by another thread, EFAULT only for an object
 *    marked DONTNEED at some time (purged is final: GPU use, pin and kmap
 *    then fail with EFAULT) or being closed. GEM_CLOSE of a handle that
 *    is ours may not fail at all.
 *  - pidfd_open / pidfd_getfd of an announced dma-buf failing other than
 *    with ESRCH or EBADF (the sender exited, or gave up on it), EINTR,
 *    ENOMEM, EMFILE or ENFILE: those, and a file that is not the dma-buf
 *    announced, are skips (xfer_skips).
 *  - SIGBUS through a mapping of an object never marked DONTNEED
 *    ("VTTM-RACE sigbus-bad"). SIGSEGV is expected only through a mapping
 *    another thread unmapped or moved meanwhile.
 *  - Content: each thread writes only its own 64-bit word of a page (word
 *    index = thread number; its fork children: threads + thread number),
 *    a value from (seed, process, thread, counter), and reads it back
 *    in the same operation, through the mapping or a kernel mapping of
 *    an exported dma-buf. No other writer touches that word, so anything
 *    else is a loss, unless the object was marked DONTNEED.
 *  - WILLNEED reporting "not retained" for an object never marked DONTNEED.
 *  - A worker that does not exit 0; a fork child that dies of a signal we
 *    did not send or exits with an unknown status.
 *  - The device's counters (debugfs dri/N/vttm_stats) not all back to 0
 *    within 60 s after every process exited.
 *
 * Output: "VTTM-RACE start ..." with every option (to replay a failure),
 * "VTTM-RACE xproc-off <call> errno=..." if dma-bufs stay in their
 * process, one line per failure ("VTTM-RACE <what>-bad ...", at most 40
 * per process), "VTTM-RACE counters ..." and last
 *   VTTM-RACE done seed=S ops=N creates=... sends=N recvs=N xfers=N
 *             xfer_skips=N xproc=on|off counters=zero|nonzero|unknown
 *             result=ok|fail
 * (sends: dma-bufs announced to the next process, recvs: announcements
 * read, xfers: dma-bufs taken over and imported, xfer_skips: announced
 * but no longer there.)
 * Exit status: 0 if ok, 1 if not, 2 on setup errors (no device, options).
 * The run ends within --seconds + 90 s: fork children and workers that
 * overrun are killed, then given up on.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <glob.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "common.h"

#define PAGE_SZ		4096
#define MAX_THREADS	64	/* thread and child words: < 128 of 512 */
#define MAX_PROCS	16
#define MAX_SLOTS	128
#define MAX_OBJS	512
#define MAX_MAPS	256
#define MAX_HANDLES	4096	/* handle numbers whose closes are dated */
#define MAX_BAD_LINES	40
#define XFER_SLOTS	32	/* dma-bufs held for the next process */
#define XFER_HOLD_S	5	/* at most this long, unacknowledged */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434	/* the same number on most architectures */
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd	438
#endif

/* Limits, in seconds after the end of the run. */
#define CHILD_KILL_S	12	/* a fork child still running is killed, */
#define CHILD_GIVEUP_S	16	/* and no longer waited for */
#define WORKER_KILL_S	28	/* the same for the worker processes */
#define WORKER_GIVEUP_S	30
#define COUNTERS_S	60	/* the counters have this long to drop to 0 */
#define TOTAL_S		89	/* but the check ends by then */

enum counter {
	C_OPS, C_CREATES, C_CLOSES, C_FAULTS, C_GPU_USES, C_BUSY, C_PINS,
	C_PRIME, C_KMAPS, C_FORKS, C_KILLS, C_MREMAPS, C_SEGV_EXPECTED,
	C_SIGBUS_EXPECTED, C_SIGBUS_BAD, C_ERRORS_EXPECTED, C_ERRORS_BAD,
	C_SENDS, C_RECVS, C_XFERS, C_XFER_SKIPS, C_BAD_LINES, NR_COUNTERS
};

static const char *const counter_name[NR_COUNTERS] = {
	"ops", "creates", "closes", "faults", "gpu_uses", "busy", "pins",
	"prime", "kmaps", "forks", "kills", "mremaps", "segv_expected",
	"sigbus_expected", "sigbus_bad", "errors_expected", "errors_bad",
	"sends", "recvs", "xfers", "xfer_skips", "bad_lines",
};

static struct {
	uint32_t seed;
	unsigned int seconds, threads, procs, max_kib, budget_mib;
} opt = { 1, 30, 4, 2, 2048, 64 };

/* This process (a worker; the parent only supervises). */
static unsigned int proc;
static int drm_fd = -1;
static bool xproc;		/* dma-bufs go to the next process */
static int ann_out = -1, ack_in = -1;	/* pipes to and from the next one */
static int ann_in = -1, ack_out = -1;	/* from and to the previous one */
static char node[64];		/* the render node, for fresh files */
static double run_end;
static uint64_t *stats;		/* this process's row, shared with the parent */
static int stop;

/*
 * The table of a process: slots point to object records, records to their
 * current CPU mapping. The lock protects them all, and is never held
 * across an ioctl or a CPU access: those race, which is the point.
 *
 * Handles are reused at once (the lowest free number), so an operation
 * that took a handle from the table may run on another object if the
 * handle was closed meanwhile. The rules that keep the checks sound:
 *  - Closing marks the record OBJ_CLOSING before GEM_CLOSE: an operation
 *    that finds its record still OBJ_LIVE after its call knows that the
 *    handle was its object's during the call; otherwise its errors are
 *    "raced" (lenient) and it does not judge the content.
 *  - A DONTNEED on a reused handle would make another object purgeable,
 *    behind the checks: objects with a DONTNEED in flight are not closed
 *    (dontneed_busy). Other calls on a reused handle are harmless.
 *  - ever_dontneed is per record, which lives as long as a mapping or an
 *    operation refers to it: a SIGBUS is judged against the right object.
 *  - Imports that create a handle close it again under prime_lock, and
 *    never a handle of the table or one closed during the import (see
 *    import_on_file()).
 *  - A mapping that another thread may still use is never simply
 *    unmapped: a PROT_NONE placeholder replaces it, so that late accesses
 *    get SIGSEGV and never land in another mapping at the same address;
 *    the last user unmaps the placeholder. vm_lock covers the calls that
 *    choose an address (mmap(NULL)) and mremap's window, so nothing is
 *    mapped in the hole that mremap leaves before its placeholder. The
 *    threads never malloc(), which could mmap behind our back.
 */
enum obj_state { OBJ_FREE, OBJ_NEW, OBJ_LIVE, OBJ_CLOSING, OBJ_GONE };

struct vmap;

struct vobj {
	enum obj_state state;
	int refs;		/* the table, mappings, operations */
	int dontneed_busy;	/* DONTNEED calls in flight */
	bool ever_dontneed;	/* zeroes, SIGBUS and EFAULT are fine */
	uint32_t handle, serial, flags;
	uint64_t size, offset;	/* offset: for mmap, 0 until asked */
	struct vmap *map;	/* the current mapping, or NULL */
};

struct vmap {
	bool used;
	bool retired;		/* out of the table: being unmapped or moved */
	bool released;		/* nothing left to unmap at addr */
	int users;
	struct vobj *obj;	/* holds a reference */
	char *addr;
	size_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t prime_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vobj objs[MAX_OBJS];
static struct vobj *slots[MAX_SLOTS];
static struct vmap maps[MAX_MAPS];
static uint64_t bytes;		/* sizes of the records in use */
static uint32_t serial;
static uint32_t close_seq;	/* GEM_CLOSEs of the table done so far, */
static uint32_t closed_at[MAX_HANDLES];	/* and the last one of a number */

struct thr {
	pthread_t pt;
	unsigned int id;
	uint64_t rng;		/* splitmix64 state */
	uint64_t key;		/* from (seed, proc, thread) */
	uint64_t n;		/* values written */
};

/* The fault trap of a thread, armed only around CPU accesses. */
static __thread sigjmp_buf fault_jmp;
static __thread volatile sig_atomic_t fault_armed, fault_sig;

static void lk(void) { pthread_mutex_lock(&lock); }
static void ul(void) { pthread_mutex_unlock(&lock); }

/* One line on stdout, in one write: no stdio buffer shared with forks. */
static void vsay(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	ssize_t r;

	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	r = write(STDOUT_FILENO, buf, n);
	(void)r;
}

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void count(enum counter c, uint64_t n)
{
	__atomic_fetch_add(&stats[c], n, __ATOMIC_RELAXED);
}

/* A failure: counted in @c, and printed while this process has lines left. */
__attribute__((format(printf, 2, 3)))
static void bad(enum counter c, const char *fmt, ...)
{
	va_list ap;

	count(c, 1);
	if (__atomic_fetch_add(&stats[C_BAD_LINES], 1, __ATOMIC_RELAXED) >=
	    MAX_BAD_LINES)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* A static string: strerror() may allocate, which the threads must not. */
static const char *errname(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "?";
}

/* A call that may not fail at all failed (closing a handle of ours). */
static void must(struct thr *t, const char *what, int err, uint32_t handle)
{
	if (err)
		bad(C_ERRORS_BAD, "VTTM-RACE error-bad proc=%u thread=%d op=%s handle=%u errno=%d(%s)\n",
		    proc, t ? (int)t->id : -1, what, handle, err, errname(err));
}

static uint64_t rnd(struct thr *t)
{
	t->rng += PATTERN_GOLDEN;
	return mix64(t->rng);
}

static uint64_t below(struct thr *t, uint64_t n)
{
	return rnd(t) % n;
}

/* The next value this thread writes: never 0, which a purge reads. */
static uint64_t next_value(struct thr *t)
{
	return mix64(t->key + ++t->n) | 1;
}

/* An ioctl, retried a while on EINTR / EAGAIN: 0, or the errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int tries = 0;

	while (ioctl(fd, req, arg)) {
		if ((errno == EINTR || errno == EAGAIN) && ++tries < 100)
			continue;
		return errno;
	}
	return 0;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!fault_armed) {
		/* Not one of our accesses: a real crash, die of it. */
		signal(sig, SIG_DFL);
		return;
	}
	fault_armed = 0;
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

/*
 * Write @val at @w and read it back into *@got, through a mapping that
 * may be unmapped, moved or purged meanwhile: 0, or the signal taken.
 * Async-signal-safe: fork children use it too.
 */
static int cpu_rw(volatile uint64_t *w, uint64_t val, uint64_t *got)
{
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1))
		return fault_sig;
	fault_armed = 1;
	*w = val;
	__sync_synchronize();	/* out of a write-combining buffer */
	*got = *w;
	fault_armed = 0;
	return 0;
}

static volatile uint64_t *word_at(char *addr, size_t page, unsigned int word)
{
	return (volatile uint64_t *)(addr + page * PAGE_SZ) + word;
}

/* Drop a reference to @o; lock held. The last one frees the record. */
static void obj_put(struct vobj *o)
{
	if (--o->refs)
		return;
	bytes -= o->size;
	memset(o, 0, sizeof(*o));
}

static void put_obj(struct vobj *o)
{
	lk();
	obj_put(o);
	ul();
}

enum want { ANY, MAPPED, UNMAPPED };

/* The slot of a random live object, mapped or not as @want says; lock held. */
static int pick(struct thr *t, enum want want)
{
	unsigned int start = below(t, MAX_SLOTS), i;

	for (i = 0; i < MAX_SLOTS; i++) {
		unsigned int s = (start + i) % MAX_SLOTS;
		struct vobj *o = slots[s];

		if (!o || o->state != OBJ_LIVE)
			continue;
		if ((want == MAPPED && !o->map) || (want == UNMAPPED && o->map))
			continue;
		return s;
	}
	return -1;
}

/* A random live object with a reference, and its handle in *@handle. */
static struct vobj *get_obj(struct thr *t, enum want want, uint32_t *handle)
{
	struct vobj *o = NULL;
	int s;

	lk();
	s = pick(t, want);
	if (s >= 0) {
		o = slots[s];
		o->refs++;
		*handle = o->handle;
	}
	ul();
	return o;
}

/*
 * After a call on @o's handle: *@raced if the handle may have been closed
 * (and reused) meanwhile, *@dn if the object may have been purged.
 */
static void obj_status(struct vobj *o, bool *raced, bool *dn)
{
	lk();
	*raced = o->state != OBJ_LIVE;
	*dn = o->ever_dontneed;
	ul();
}

/*
 * Whether @h may be a handle of the table: one of a live or closing
 * record, or one closed since close_seq was @seq. Lock held.
 */
static bool handle_known(uint32_t h, uint32_t seq)
{
	unsigned int i;

	if (h >= MAX_HANDLES || closed_at[h] > seq)
		return true;
	for (i = 0; i < MAX_OBJS; i++)
		if ((objs[i].state == OBJ_LIVE || objs[i].state == OBJ_CLOSING) &&
		    objs[i].handle == h)
			return true;
	return false;
}

/* Judge the error @err of a call: counted if expected (see the top). */
static void judge(struct thr *t, const char *what, int err, bool raced,
		  bool dn, uint32_t handle)
{
	bool ok;

	switch (err) {
	case EINVAL: case EBUSY: case ENOSPC: case ENOMEM: case EINTR:
	case EAGAIN:
		ok = true;
		break;
	case ENOENT:
		ok = raced;
		break;
	case EFAULT:
		ok = raced || dn;
		break;
	default:
		ok = false;
		break;
	}
	if (ok)
		count(C_ERRORS_EXPECTED, 1);
	else
		bad(C_ERRORS_BAD, "VTTM-RACE error-bad proc=%u thread=%u op=%s handle=%u errno=%d(%s) raced=%d dontneed=%d\n",
		    proc, t->id, what, handle, err, errname(err), raced, dn);
}

static void judge_obj(struct thr *t, const char *what, int err,
		      struct vobj *o, uint32_t handle)
{
	bool raced, dn;

	obj_status(o, &raced, &dn);
	judge(t, what, err, raced, dn, handle);
}

/*
 * Judge a CPU access to page @page through @m (a use held): @sig the
 * signal it took, else the value @got read back for @val. Returns true if
 * the access went through and read back @val.
 */
static bool judge_access(struct thr *t, struct vmap *m, const char *who,
			 size_t page, int sig, uint64_t val, uint64_t got)
{
	enum counter expected, failed = C_ERRORS_BAD;
	const char *kind;
	struct vobj o;
	bool ok;

	if (!sig && got == val)
		return true;
	lk();
	o = *m->obj;
	/* SIGSEGV only from a mapping taken away (placeholder or hole). */
	ok = sig == SIGSEGV ? m->retired : o.ever_dontneed;
	ul();
	if (sig == SIGSEGV) {
		kind = "segv";
		expected = C_SEGV_EXPECTED;
	} else if (sig == SIGBUS) {
		kind = "sigbus";
		expected = C_SIGBUS_EXPECTED;
		failed = C_SIGBUS_BAD;
	} else {
		kind = "mismatch";
		expected = C_ERRORS_EXPECTED;
	}
	if (ok)
		count(expected, 1);
	else
		bad(failed, "VTTM-RACE %s-bad handle=%u obj=%u proc=%u thread=%u page=%zu size=%llu flags=%u via=%s got=%#llx want=%#llx\n",
		    kind, o.handle, o.serial, proc, t->id, page,
		    (unsigned long long)o.size, o.flags, who,
		    (unsigned long long)got, (unsigned long long)val);
	return false;
}

/* A new mapping of @o at @addr; lock held. NULL if the pool is full. */
static struct vmap *map_new(struct vobj *o, char *addr, size_t len)
{
	unsigned int i;

	for (i = 0; i < MAX_MAPS; i++) {
		if (maps[i].used)
			continue;
		maps[i] = (struct vmap){ .used = true, .obj = o, .addr = addr,
					 .len = len };
		o->refs++;
		return &maps[i];
	}
	return NULL;
}

/*
 * Make the mapping at @addr @o's, if @o is still live and no other thread
 * mapped it meanwhile; else unmap it (nobody else saw it). Returns the
 * table entry, or NULL. Takes the lock.
 */
static struct vmap *map_install(struct vobj *o, char *addr, size_t len)
{
	struct vmap *m = NULL;

	lk();
	if (o->state == OBJ_LIVE && !o->map) {
		m = map_new(o, addr, len);
		o->map = m;
	}
	ul();
	if (!m)
		munmap(addr, len);
	return m;
}

/*
 * Take @o's mapping out of the table (lock held), with a use held for the
 * caller; *@alone: nobody else uses it (nobody can start now).
 */
static struct vmap *map_detach(struct vobj *o, bool *alone)
{
	struct vmap *m = o->map;

	if (!m)
		return NULL;
	o->map = NULL;
	m->retired = true;
	*alone = !m->users;
	m->users++;
	return m;
}

/*
 * Drop a use of @m (@released: the caller left nothing mapped at its
 * address). The last use of a retired mapping unmaps what is left there
 * and frees it: only then can its address be handed out again.
 */
static void map_put(struct vmap *m, bool released)
{
	char *addr = NULL;
	size_t len = 0;

	lk();
	m->released |= released;
	if (!--m->users && m->retired) {
		if (!m->released) {
			addr = m->addr;
			len = m->len;
		}
		obj_put(m->obj);
		memset(m, 0, sizeof(*m));
	}
	ul();
	if (addr)
		munmap(addr, len);
}

/* Replace whatever is at @addr by an inaccessible reservation. */
static void placeholder(char *addr, size_t len)
{
	mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
	     MAP_NORESERVE, -1, 0);
}

/* Unmap the object from @m, detached: see the comment of the table. */
static void map_unmap(struct vmap *m, bool alone)
{
	if (alone)
		munmap(m->addr, m->len);
	else
		placeholder(m->addr, m->len);
	map_put(m, alone);
}

/* Create an object within the budget, of 1..max pages, any caching. */
static void op_create(struct thr *t)
{
	static const uint32_t caching[] = { 0, VTTM_CREATE_WC, VTTM_CREATE_UC };
	uint64_t pages = (opt.max_kib + 3) / 4;
	struct drm_vttm_create c = {
		.size = (1 + below(t, pages)) * PAGE_SZ,
		.flags = caching[below(t, 3)],
	};
	struct vobj *o = NULL;
	unsigned int s = 0, i;
	int err;

	lk();
	/* The bytes are taken before the call: never over the budget. */
	if (bytes + c.size <= (uint64_t)opt.budget_mib << 20) {
		while (s < MAX_SLOTS && slots[s])
			s++;
		for (i = 0; s < MAX_SLOTS && i < MAX_OBJS && !o; i++)
			if (objs[i].state == OBJ_FREE)
				o = &objs[i];
	}
	if (o) {
		*o = (struct vobj){ .state = OBJ_NEW, .refs = 1,
				    .size = c.size, .flags = c.flags,
				    .serial = ++serial };
		bytes += c.size;
		slots[s] = o;
	}
	ul();
	if (!o)
		return;
	err = xioctl(drm_fd, DRM_IOCTL_VTTM_CREATE, &c);
	lk();
	if (err) {
		slots[s] = NULL;
		obj_put(o);
	} else {
		o->handle = c.handle;
		o->state = OBJ_LIVE;
	}
	ul();
	if (err)
		judge(t, "create", err, false, false, 0);
	else
		count(C_CREATES, 1);
}

/* GEM_CLOSE a random object, mapped and used by others or not. */
static void op_close(struct thr *t)
{
	struct drm_gem_close cl = { 0 };
	struct vobj *o = NULL;
	struct vmap *m;
	bool alone;
	int s, err;

	lk();
	s = pick(t, ANY);
	/* Not while a DONTNEED is on its way: see the table's comment. */
	if (s >= 0 && !slots[s]->dontneed_busy) {
		o = slots[s];
		o->state = OBJ_CLOSING;
		slots[s] = NULL;
		cl.handle = o->handle;
	}
	ul();
	if (!o)
		return;
	err = xioctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &cl);
	must(t, "gem_close", err, cl.handle);
	count(C_CLOSES, !err);
	/* The mapping goes after the handle: it may still be faulted. */
	lk();
	o->state = OBJ_GONE;
	if (cl.handle < MAX_HANDLES)
		closed_at[cl.handle] = ++close_seq;
	m = map_detach(o, &alone);
	ul();
	if (m)
		map_unmap(m, alone);
	put_obj(o);
}

static void op_madvise(struct thr *t)
{
	struct drm_vttm_madvise a = { .madv = below(t, 4) ? VTTM_MADV_WILLNEED :
				      VTTM_MADV_DONTNEED };
	bool dontneed = a.madv == VTTM_MADV_DONTNEED, raced, dn;
	struct vobj *o = NULL;
	int s, err;

	lk();
	s = pick(t, ANY);
	if (s >= 0) {
		o = slots[s];
		o->refs++;
		a.handle = o->handle;
		/* Marked before the call: a purge comes after it. */
		if (dontneed) {
			o->dontneed_busy++;
			o->ever_dontneed = true;
		}
	}
	ul();
	if (!o)
		return;
	err = xioctl(drm_fd, DRM_IOCTL_VTTM_MADVISE, &a);
	lk();
	if (dontneed)
		o->dontneed_busy--;
	raced = o->state != OBJ_LIVE;
	dn = o->ever_dontneed;
	ul();
	if (err)
		judge(t, dontneed ? "dontneed" : "willneed", err, raced, dn,
		      a.handle);
	else if (!a.retained && !raced && !dn)
		bad(C_ERRORS_BAD, "VTTM-RACE purged-bad proc=%u thread=%u handle=%u: not retained, never DONTNEED\n",
		    proc, t->id, a.handle);
	put_obj(o);
}

static void op_pin(struct thr *t)
{
	struct drm_vttm_pin p = { .pin = below(t, 2) };
	struct vobj *o = get_obj(t, ANY, &p.handle);
	int err;

	if (!o)
		return;
	err = xioctl(drm_fd, DRM_IOCTL_VTTM_PIN, &p);
	if (err)
		judge_obj(t, p.pin ? "pin" : "unpin", err, o, p.handle);
	else
		count(C_PINS, 1);
	put_obj(o);
}

static void gpu_use(struct thr *t, int fd, uint32_t handle, struct vobj *o,
		    bool fresh)
{
	struct drm_vttm_gpu_use g = {
		.handle = handle,
		.flags = below(t, 2) ? VTTM_GPU_USE_KEEP_BOUND : 0,
		.busy_us = below(t, 20001),
	};
	bool raced, dn;
	int err;

	err = xioctl(fd, DRM_IOCTL_VTTM_GPU_USE, &g);
	if (!err) {
		count(C_GPU_USES, 1);
		count(C_BUSY, !!g.busy_us);
		return;
	}
	obj_status(o, &raced, &dn);
	/* A fresh file's handle is its own: never closed by anyone else. */
	judge(t, fresh ? "gpu_use_fresh" : "gpu_use", err, raced && !fresh, dn,
	      handle);
}

static void op_gpu_use(struct thr *t)
{
	uint32_t handle;
	struct vobj *o = get_obj(t, ANY, &handle);

	if (!o)
		return;
	gpu_use(t, drm_fd, handle, o, false);
	put_obj(o);
}

/* Map a random unmapped object. */
static void op_map(struct thr *t)
{
	struct drm_vttm_mmap_offset mo = { 0 };
	struct vobj *o;
	uint64_t size = 0;
	bool raced, dn;
	char *addr;
	int err;

	o = get_obj(t, UNMAPPED, &mo.handle);
	if (!o)
		return;
	lk();
	mo.offset = o->offset;
	size = o->size;
	ul();
	if (!mo.offset) {
		err = xioctl(drm_fd, DRM_IOCTL_VTTM_MMAP_OFFSET, &mo);
		if (err) {
			judge_obj(t, "mmap_offset", err, o, mo.handle);
			goto out;
		}
		/* Closed meanwhile: the offset may be another object's. */
		lk();
		raced = o->state != OBJ_LIVE;
		if (!raced)
			o->offset = mo.offset;
		ul();
		if (raced)
			goto out;
	}
	pthread_mutex_lock(&vm_lock);
	addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, drm_fd,
		    mo.offset);
	err = errno;
	pthread_mutex_unlock(&vm_lock);
	if (addr == MAP_FAILED) {
		obj_status(o, &raced, &dn);
		/* A stale offset: gone (EINVAL), or another file's (EACCES). */
		judge(t, "mmap", err == EACCES && raced ? EINVAL : err, raced,
		      dn, mo.handle);
		goto out;
	}
	map_install(o, addr, size);
out:
	put_obj(o);
}

/* Write and read back our word in 1..8 random pages of a mapped object. */
static void op_access(struct thr *t)
{
	unsigned int i, n = 1 + below(t, 8);
	struct vmap *m = NULL;
	int s;

	lk();
	s = pick(t, MAPPED);
	if (s >= 0) {
		m = slots[s]->map;
		m->users++;
	}
	ul();
	if (!m) {
		op_map(t);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t page = below(t, m->len / PAGE_SZ);
		uint64_t val = next_value(t), got = 0;
		int sig = cpu_rw(word_at(m->addr, page, t->id), val, &got);

		count(C_FAULTS, 1);
		if (!judge_access(t, m, "cpu", page, sig, val, got))
			break;
	}
	map_put(m, false);
}

static void op_unmap(struct thr *t)
{
	struct vmap *m = NULL;
	bool alone = false;
	int s;

	lk();
	s = pick(t, MAPPED);
	if (s >= 0)
		m = map_detach(slots[s], &alone);
	ul();
	if (m)
		map_unmap(m, alone);
}

/*
 * Move a mapping to a new address while other threads may be faulting it
 * at the old one: they must get SIGSEGV there, never another mapping.
 */
static void op_mremap(struct thr *t)
{
	struct vmap *m = NULL;
	struct vobj *o = NULL;
	bool alone = false, released;
	char *dst, *moved;
	size_t len;
	int s, err = 0;

	lk();
	s = pick(t, MAPPED);
	if (s >= 0) {
		o = slots[s];
		o->refs++;
		m = map_detach(o, &alone);
	}
	ul();
	if (!o)
		return;
	len = m->len;
	pthread_mutex_lock(&vm_lock);
	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	moved = dst == MAP_FAILED ? MAP_FAILED :
		mremap(m->addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (moved == MAP_FAILED) {
		err = errno;
		if (dst != MAP_FAILED)
			munmap(dst, len);
	}
	/* Moved and nobody else has the old address: a hole is fine. */
	released = moved != MAP_FAILED && alone;
	if (!alone)
		placeholder(m->addr, len);
	pthread_mutex_unlock(&vm_lock);

	if (moved != MAP_FAILED) {
		count(C_MREMAPS, 1);
		map_install(o, moved, len);
	} else if (err == ENOMEM || err == EAGAIN) {
		count(C_ERRORS_EXPECTED, 1);
	} else {
		bad(C_ERRORS_BAD, "VTTM-RACE error-bad proc=%u thread=%u op=mremap errno=%d(%s)\n",
		    proc, t->id, err, errname(err));
	}
	map_put(m, released);
	put_obj(o);
}

enum { CHILD_SIGBUS = 20, CHILD_SIGSEGV, CHILD_MISMATCH };

/*
 * A fork child: write and read back its own word in up to 32 pages of the
 * mapping it inherited, then exit. Async-signal-safe calls only: the
 * parent has threads, whose locks may have been held at the fork.
 */
static void child(char *addr, size_t len, unsigned int word, uint64_t val)
{
	size_t pages = len / PAGE_SZ, n = pages < 32 ? pages : 32, i;
	uint64_t got = 0;
	int sig;

	for (i = 0; i < n; i++) {
		sig = cpu_rw(word_at(addr, i * pages / n, word), val + i, &got);
		if (sig)
			_exit(sig == SIGBUS ? CHILD_SIGBUS : CHILD_SIGSEGV);
		if (got != val + i)
			_exit(CHILD_MISMATCH);
	}
	_exit(0);
}

/*
 * Wait for the fork child @pid, bounded: past the end of the run a child
 * still running (stuck in a fault?) is killed (*@killed), and at last
 * given up on. Returns its wait status, or -1.
 */
static int reap(pid_t pid, bool *killed)
{
	unsigned int us = 100;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		double now;

		if (r == pid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		now = now_s();
		if (!*killed && now > run_end + CHILD_KILL_S) {
			kill(pid, SIGKILL);
			*killed = true;
		}
		if (now > run_end + CHILD_GIVEUP_S)
			return -1;
		usleep(us);
		if (us < 20000)
			us *= 2;
	}
}

/* fork() with a live mapping; the child touches it, maybe SIGKILLed. */
static void op_fork(struct thr *t)
{
	uint64_t val = next_value(t);
	unsigned int delay_us = below(t, 3000);
	bool kill_it = !below(t, 3), killed = false;
	struct vmap *m = NULL;
	pid_t pid;
	int s, st;

	lk();
	s = pick(t, MAPPED);
	if (s >= 0) {
		m = slots[s]->map;
		m->users++;
	}
	ul();
	if (!m)
		return;
	pid = fork();
	if (!pid)
		child(m->addr, m->len, opt.threads + t->id, val);
	if (pid < 0) {
		judge(t, "fork", errno, false, false, 0);
		goto out;
	}
	count(C_FORKS, 1);
	if (kill_it) {
		usleep(delay_us);
		kill(pid, SIGKILL);
		killed = true;
	}
	st = reap(pid, &killed);
	if (st == -1)
		bad(C_ERRORS_BAD, "VTTM-RACE child-stuck proc=%u thread=%u pid=%d\n",
		    proc, t->id, pid);
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && killed)
		count(C_KILLS, 1);
	else if (WIFSIGNALED(st))
		bad(C_ERRORS_BAD, "VTTM-RACE child-bad proc=%u thread=%u signal=%d\n",
		    proc, t->id, WTERMSIG(st));
	else if (WEXITSTATUS(st) == CHILD_SIGBUS)
		judge_access(t, m, "fork", 0, SIGBUS, 0, 0);
	else if (WEXITSTATUS(st) == CHILD_SIGSEGV)
		judge_access(t, m, "fork", 0, SIGSEGV, 0, 0);
	else if (WEXITSTATUS(st) == CHILD_MISMATCH)
		judge_access(t, m, "fork", 0, 0, 1, 0);
	else if (WEXITSTATUS(st))
		bad(C_ERRORS_BAD, "VTTM-RACE child-bad proc=%u thread=%u exit=%d\n",
		    proc, t->id, WEXITSTATUS(st));
out:
	map_put(m, false);
}

/*
 * A dma-buf on its way to the next process: announced on ann_out, and its
 * fd held in xfers[] until the next process acknowledges on ack_in that it
 * took a copy, or for XFER_HOLD_S. xfer_lock covers the table and the
 * pipe calls on it (all non-blocking); the fds are closed outside it.
 */
struct xfer_msg {
	uint64_t seq;		/* the sender's number for it, acknowledged */
	uint64_t dev, ino;	/* which dma-buf: fstat() of the fd */
	int32_t pid, fd;	/* where it is: the sender's fd number */
};

static struct xfer {
	bool used;
	int fd;
	uint64_t seq;
	double until;		/* closed by then, acknowledged or not */
} xfers[XFER_SLOTS];
static uint64_t xfer_seq;
static pthread_mutex_t xfer_lock = PTHREAD_MUTEX_INITIALIZER;

static int sys_pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

/* A copy of the fd @fd of the process of @pidfd (close-on-exec). */
static int sys_pidfd_getfd(int pidfd, int fd)
{
	return syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

/*
 * Whether we may take fds from a process: pidfd_getfd() of our own
 * pidfd. If not, say why: dma-bufs then stay in their process.
 */
static bool xfer_probe(void)
{
	int pfd = sys_pidfd_open(getpid()), fd = -1, err;

	if (pfd >= 0)
		fd = sys_pidfd_getfd(pfd, pfd);
	err = errno;
	if (fd < 0)
		printf("VTTM-RACE xproc-off %s errno=%d(%s)\n",
		       pfd < 0 ? "pidfd_open" : "pidfd_getfd", err,
		       errname(err));
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	return fd >= 0;
}

/*
 * Close the dma-bufs held for the next process that it acknowledged or
 * that were held long enough, or with @all every one (at the end).
 */
static void xfer_reap(bool all)
{
	int fds[XFER_SLOTS];
	unsigned int n = 0, i;
	uint64_t seq;
	double now = now_s();

	if (!xproc)
		return;
	pthread_mutex_lock(&xfer_lock);
	/* 8-byte acknowledgements, each written whole: read whole too. */
	while (read(ack_in, &seq, sizeof(seq)) == sizeof(seq))
		for (i = 0; i < XFER_SLOTS; i++)
			if (xfers[i].used && xfers[i].seq == seq)
				xfers[i].until = 0;
	for (i = 0; i < XFER_SLOTS; i++) {
		if (xfers[i].used && (all || now >= xfers[i].until)) {
			fds[n++] = xfers[i].fd;
			xfers[i].used = false;
		}
	}
	pthread_mutex_unlock(&xfer_lock);
	while (n)
		close(fds[--n]);
}

/*
 * Offer the dma-buf @fd to the next process: true if announced, and then
 * the fd is xfers[]'s to close; false if not (no room, a full pipe).
 */
static bool xfer_send(int fd)
{
	struct xfer_msg msg = { .pid = getpid(), .fd = fd };
	struct stat st;
	unsigned int i;
	bool sent = false;

	if (!xproc || fstat(fd, &st))
		return false;
	msg.dev = st.st_dev;
	msg.ino = st.st_ino;
	xfer_reap(false);
	pthread_mutex_lock(&xfer_lock);
	for (i = 0; i < XFER_SLOTS && xfers[i].used; i++)
		;
	if (i < XFER_SLOTS) {
		msg.seq = ++xfer_seq;
		/* Less than PIPE_BUF: written whole or not at all. */
		sent = write(ann_out, &msg, sizeof(msg)) == sizeof(msg);
	}
	if (sent)
		xfers[i] = (struct xfer){ .used = true, .fd = fd,
					  .seq = msg.seq,
					  .until = now_s() + XFER_HOLD_S };
	pthread_mutex_unlock(&xfer_lock);
	count(C_SENDS, sent);
	return sent;
}

/*
 * A dma-buf from the previous process: a copy of the fd it announced,
 * or -1 if none is waiting or that fd is no longer the dma-buf announced
 * (the sender gave up on it or exited: a skip).
 */
static int xfer_recv(struct thr *t)
{
	struct xfer_msg msg;
	struct stat st;
	int pfd, dfd = -1, err;
	ssize_t r;

	/* Announcements are written whole, so a read gets one or none. */
	if (!xproc || read(ann_in, &msg, sizeof(msg)) != sizeof(msg))
		return -1;
	count(C_RECVS, 1);
	pfd = sys_pidfd_open(msg.pid);
	if (pfd >= 0)
		dfd = sys_pidfd_getfd(pfd, msg.fd);
	err = errno;
	if (pfd >= 0)
		close(pfd);
	/* The sender may close its fd now (a full pipe: when it gives up). */
	r = write(ack_out, &msg.seq, sizeof(msg.seq));
	(void)r;
	if (dfd < 0) {
		switch (err) {
		case ESRCH: case EBADF: case EINTR: case ENOMEM: case EMFILE:
		case ENFILE:
			count(C_XFER_SKIPS, 1);
			break;
		default:
			bad(C_ERRORS_BAD, "VTTM-RACE error-bad proc=%u thread=%u op=%s pid=%d fd=%d errno=%d(%s)\n",
			    proc, t->id, pfd < 0 ? "pidfd_open" : "pidfd_getfd",
			    msg.pid, msg.fd, err, errname(err));
			break;
		}
		return -1;
	}
	if (fstat(dfd, &st) || st.st_dev != msg.dev || st.st_ino != msg.ino) {
		close(dfd);	/* the number was another file's by then */
		count(C_XFER_SKIPS, 1);
		return -1;
	}
	count(C_XFERS, 1);
	return dfd;
}

/*
 * Import the dma-buf @dfd on our file and close the handle it created.
 * Importing a dma-buf of ours gives back our handle, which is not ours
 * to close: no handle of the table is closed, nor one that the table
 * closed during the import (it may have been returned just before its
 * close, and be reused by now); such a handle the import did create is
 * left to the file's close. prime_lock: two imports of one dma-buf share
 * one handle, and would both close it. @o: the object exported, or NULL
 * for another process's (whose state is unknown: EFAULT is fine).
 */
static void import_on_file(struct thr *t, int dfd, struct vobj *o)
{
	struct drm_prime_handle ph = { .fd = dfd };
	struct drm_gem_close cl = { 0 };
	int err, cerr = 0;
	uint32_t seq;
	bool known;

	pthread_mutex_lock(&prime_lock);
	lk();
	seq = close_seq;
	ul();
	err = xioctl(drm_fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph);
	if (!err) {
		lk();
		known = handle_known(ph.handle, seq);
		ul();
		cl.handle = ph.handle;
		if (!known)
			cerr = xioctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &cl);
	}
	pthread_mutex_unlock(&prime_lock);
	if (err && o)
		judge_obj(t, "import", err, o, 0);
	else if (err)
		judge(t, "import_recv", err, true, true, 0);
	must(t, "close_import", cerr, cl.handle);
}

/*
 * Map the dma-buf @dfd in the kernel through the file @kfd, read the 8
 * bytes at @off and, with @check, compare them with @val (our word,
 * written through the CPU mapping), then unmap it unless @leave: closing
 * the file must. @o: the object, or NULL for another process's.
 */
static void kmap_read(struct thr *t, int kfd, int dfd, uint64_t off,
		      bool leave, struct vobj *o, bool check, uint64_t val)
{
	struct drm_vttm_kmap k = { .fd = dfd, .op = VTTM_KMAP_MAP };
	bool raced = true, dn = true;
	uint64_t got = 0;
	int err;

	err = xioctl(kfd, DRM_IOCTL_VTTM_KMAP, &k);
	if (o)
		obj_status(o, &raced, &dn);
	if (err) {
		judge(t, "kmap", err, raced, dn, 0);
		return;
	}
	count(C_KMAPS, 1);
	k.op = VTTM_KMAP_READ;
	k.offset = off;
	k.size = sizeof(got);
	k.data = (uintptr_t)&got;
	err = xioctl(kfd, DRM_IOCTL_VTTM_KMAP, &k);
	if (o)
		obj_status(o, &raced, &dn);
	if (err)
		judge(t, "kmap_read", err, false, dn, k.id);
	else if (check && got != val && !dn)
		bad(C_ERRORS_BAD, "VTTM-RACE kmap-mismatch-bad proc=%u thread=%u offset=%llu got=%#llx want=%#llx\n",
		    proc, t->id, (unsigned long long)off,
		    (unsigned long long)got, (unsigned long long)val);
	if (leave)
		return;
	k.op = VTTM_KMAP_UNMAP;
	err = xioctl(kfd, DRM_IOCTL_VTTM_KMAP, &k);
	if (err)
		judge(t, "kmap_unmap", err, false, dn, k.id);
}

/* Import the dma-buf @dfd of @o on a fresh file, use it, close the file. */
static void import_fresh(struct thr *t, int dfd, struct vobj *o, size_t page)
{
	struct drm_prime_handle ph = { .fd = dfd };
	struct drm_gem_close cl = { 0 };
	int nfd, err;

	if (!node[0])
		return;
	nfd = open(node, O_RDWR | O_CLOEXEC);
	if (nfd < 0) {
		judge(t, "open", errno, false, false, 0);
		return;
	}
	err = xioctl(nfd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph);
	if (err) {
		judge_obj(t, "import_fresh", err, o, 0);
		goto out;
	}
	switch (below(t, 4)) {
	case 0:
		gpu_use(t, nfd, ph.handle, o, true);
		break;
	case 1:
		/* Left mapped: closing the file must unmap it. */
		kmap_read(t, nfd, dfd, page * PAGE_SZ, true, o, false, 0);
		break;
	case 2:
		cl.handle = ph.handle;
		must(t, "close_fresh", xioctl(nfd, DRM_IOCTL_GEM_CLOSE, &cl),
		     cl.handle);
		break;
	default:
		break;	/* closing the file drops the handle */
	}
out:
	close(nfd);
}

/*
 * Export a random object as a dma-buf, after writing our word in one of
 * its pages if it is mapped, and do one thing with the dma-buf.
 */
static void op_prime(struct thr *t)
{
	struct drm_prime_handle ph = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct vmap *m = NULL;
	struct vobj *o = NULL;
	uint64_t val = 0, got = 0, size = 0;
	bool wrote = false, sent = false, raced, dn;
	size_t page;
	int s, err;

	lk();
	s = pick(t, ANY);
	if (s >= 0) {
		o = slots[s];
		o->refs++;
		ph.handle = o->handle;
		size = o->size;
		m = o->map;
		if (m)
			m->users++;
	}
	ul();
	if (!o)
		return;
	page = below(t, size / PAGE_SZ);
	if (m) {
		int sig;

		val = next_value(t);
		sig = cpu_rw(word_at(m->addr, page, t->id), val, &got);
		count(C_FAULTS, 1);
		wrote = judge_access(t, m, "prime", page, sig, val, got);
	}
	err = xioctl(drm_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
	obj_status(o, &raced, &dn);
	if (err) {
		judge(t, "export", err, raced, dn, ph.handle);
		goto out;
	}
	count(C_PRIME, 1);
	/* If closed meanwhile, the dma-buf may be another object's. */
	if (!raced) {
		switch (below(t, 5)) {
		case 0:
			import_on_file(t, ph.fd, o);
			break;
		case 1:
			import_fresh(t, ph.fd, o, page);
			break;
		case 2:
		case 3:
			kmap_read(t, drm_fd, ph.fd, page * PAGE_SZ + t->id * 8,
				  false, o, wrote, val);
			break;
		default:
			sent = xfer_send(ph.fd);
			break;
		}
	}
	if (!sent)
		close(ph.fd);
out:
	if (m)
		map_put(m, false);
	put_obj(o);
}

/*
 * A dma-buf from the previous process: import it, read it in the kernel.
 * And release the ones the next process took from us.
 */
static void op_recv(struct thr *t)
{
	int dfd;
	off_t size;

	xfer_reap(false);
	dfd = xfer_recv(t);
	if (dfd < 0)
		return;
	size = lseek(dfd, 0, SEEK_END);
	import_on_file(t, dfd, NULL);
	if (size >= PAGE_SZ)
		kmap_read(t, drm_fd, dfd, below(t, size / PAGE_SZ) * PAGE_SZ,
			  false, NULL, false, 0);
	close(dfd);
}

static const struct {
	void (*fn)(struct thr *t);
	unsigned int weight;
} ops[] = {
	{ op_create, 10 }, { op_close, 5 }, { op_madvise, 5 }, { op_pin, 3 },
	{ op_gpu_use, 8 }, { op_map, 6 }, { op_access, 20 }, { op_unmap, 3 },
	{ op_mremap, 3 }, { op_prime, 6 }, { op_fork, 1 }, { op_recv, 3 },
};

static void *thread_main(void *arg)
{
	unsigned int total = 0, i, r;
	struct thr *t = arg;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED) && now_s() < run_end) {
		r = below(t, total);
		for (i = 0; r >= ops[i].weight; i++)
			r -= ops[i].weight;
		count(C_OPS, 1);
		ops[i].fn(t);
	}
	return NULL;
}

/* A worker process: its own file, its threads, then everything closed. */
static int worker(void)
{
	static struct thr thr[MAX_THREADS];
	struct sigaction sa = { 0 };
	unsigned int n, i;
	int ret = 0;

	drm_fd = vttm_open();
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (n = 0; n < opt.threads; n++) {
		struct thr *t = &thr[n];

		t->id = n;
		t->key = mix64(mix64(opt.seed + PATTERN_GOLDEN) ^
			       ((uint64_t)proc << 32 | n));
		t->rng = t->key ^ 0x5851f42d4c957f2dull;
		if (pthread_create(&t->pt, NULL, thread_main, t)) {
			say("VTTM-RACE setup-error proc=%u: pthread_create failed\n",
			    proc);
			__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
			ret = 2;
			break;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(thr[i].pt, NULL);

	/* Everything goes: dma-bufs held, mappings, handles, files. */
	xfer_reap(true);
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].used && !maps[i].released)
			munmap(maps[i].addr, maps[i].len);
	for (i = 0; i < MAX_OBJS; i++) {
		struct drm_gem_close cl = { .handle = objs[i].handle };

		if (objs[i].state == OBJ_LIVE)
			must(NULL, "final_close", xioctl(drm_fd,
			     DRM_IOCTL_GEM_CLOSE, &cl), cl.handle);
	}
	close(drm_fd);
	if (xproc) {
		close(ann_out);
		close(ack_in);
		close(ann_in);
		close(ack_out);
	}
	if (!ret && (stats[C_SIGBUS_BAD] || stats[C_ERRORS_BAD]))
		ret = 1;
	return ret;
}

static const char *const checked[] = {
	"bo_count", "bo_pages", "pinned_pages", "shrinkable_pages",
	"purgeable_pages", "tt_used_pages", "fences", "kmaps",
};

/*
 * The device's counters as " key=value..." in @line: 1 if all that must
 * drop to 0 did, 0 if not, -1 if they cannot be read. From debugfs, else
 * from the STATS ioctl of older vttm versions.
 */
static int read_counters(char *line, size_t size)
{
	size_t off = 0;
	int zero = 1, found = 0;
	glob_t g;

	line[0] = 0;
	if (!glob("/sys/kernel/debug/dri/*/vttm_stats", 0, NULL, &g)) {
		FILE *f = fopen(g.gl_pathv[0], "r");
		char key[64];
		long long v;
		unsigned int i;

		globfree(&g);
		if (!f)
			return -1;
		while (fscanf(f, "%63s %lld", key, &v) == 2) {
			for (i = 0; i < sizeof(checked) / sizeof(checked[0]); i++)
				if (!strcmp(key, checked[i]) && v)
					zero = 0;
			found |= !strcmp(key, "bo_count");
			if (off < size)
				off += snprintf(line + off, size - off,
						" %s=%lld", key, v);
		}
		fclose(f);
		return found ? zero : -1;
	}
#ifdef DRM_IOCTL_VTTM_STATS
	if (node[0]) {
		struct drm_vttm_stats s = { 0 };
		int fd = open(node, O_RDWR | O_CLOEXEC);

		if (fd >= 0 && !ioctl(fd, DRM_IOCTL_VTTM_STATS, &s)) {
			close(fd);
			snprintf(line, size, " bo_count=%llu bo_pages=%llu shrinkable_pages=%llu purgeable_pages=%llu",
				 (unsigned long long)s.bo_count,
				 (unsigned long long)s.bo_pages,
				 (unsigned long long)s.shrinkable_pages,
				 (unsigned long long)s.purgeable_pages);
			return !(s.bo_count || s.bo_pages ||
				 s.shrinkable_pages || s.purgeable_pages);
		}
		if (fd >= 0)
			close(fd);
	}
#endif
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vttm-race [--seed S] [--seconds N] [--threads T] [--procs P]\n"
		   "                 [--max-kib K] [--budget-mib M]\n"
		   "P processes (default 2) of T threads (default 4) race on vttm objects of\n"
		   "up to K KiB (default 2048), at most M MiB per process (default 64), for\n"
		   "N seconds (default 30). Exit 0 ok, 1 failed, 2 setup error.\n");
}

/* A number option in [min, max], or exit 2. */
static unsigned int num(const char *name, const char *s, unsigned long min,
			unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v < min || v > max) {
		fprintf(stderr, "vttm-race: --%s %s: want %lu..%lu\n", name, s,
			min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "max-kib", required_argument, NULL, 'k' },
		{ "budget-mib", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ann[MAX_PROCS][2], ack[MAX_PROCS][2], c, fd, st;
	pid_t pids[MAX_PROCS] = { 0 };
	unsigned int i, j, k, started, alive;
	uint64_t *all, sum[NR_COUNTERS] = { 0 };
	char path[64], line[512];
	bool ok = true, killed = false;
	const char *cstate;
	double t0, t1, deadline;
	ssize_t len;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 's': opt.seed = num("seed", optarg, 0, UINT32_MAX); break;
		case 'n': opt.seconds = num("seconds", optarg, 1, 86400); break;
		case 't': opt.threads = num("threads", optarg, 1, MAX_THREADS); break;
		case 'p': opt.procs = num("procs", optarg, 1, MAX_PROCS); break;
		case 'k': opt.max_kib = num("max-kib", optarg, 4, 1 << 20); break;
		case 'b': opt.budget_mib = num("budget-mib", optarg, 1, 1 << 20); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	fd = vttm_open();	/* exits 2 without a vttm device */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	len = readlink(path, node, sizeof(node) - 1);
	node[len > 0 ? len : 0] = 0;
	printf("VTTM-RACE start seed=%u seconds=%u threads=%u procs=%u max_kib=%u budget_mib=%u node=%s\n",
	       opt.seed, opt.seconds, opt.threads, opt.procs, opt.max_kib,
	       opt.budget_mib, node[0] ? node : "none");
	fflush(stdout);

	all = mmap(NULL, sizeof(uint64_t) * NR_COUNTERS * opt.procs,
		   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (all == MAP_FAILED) {
		perror("vttm-race: mmap");
		return 2;
	}
	/*
	 * Process i reads announcements on ann[i][0] and acknowledges them
	 * on ack[i][1]; process i - 1 has the other ends.
	 */
	xproc = xfer_probe();
	fflush(stdout);
	for (i = 0; i < opt.procs && xproc; i++) {
		if (pipe2(ann[i], O_CLOEXEC | O_NONBLOCK) ||
		    pipe2(ack[i], O_CLOEXEC | O_NONBLOCK)) {
			perror("vttm-race: pipe2");
			return 2;
		}
	}

	t0 = now_s();
	run_end = t0 + opt.seconds;
	for (started = 0; started < opt.procs; started++) {
		pid_t pid = fork();

		if (pid < 0) {
			printf("VTTM-RACE setup-error fork: %s\n", strerror(errno));
			ok = false;
			break;
		}
		if (pid) {
			pids[started] = pid;
			continue;
		}
		close(fd);
		proc = started;
		stats = all + NR_COUNTERS * proc;
		if (xproc) {
			ann_in = ann[proc][0];
			ack_out = ack[proc][1];
			ann_out = ann[(proc + 1) % opt.procs][1];
			ack_in = ack[(proc + 1) % opt.procs][0];
		}
		for (j = 0; j < opt.procs && xproc; j++) {
			for (k = 0; k < 2; k++) {
				if (ann[j][k] != ann_in && ann[j][k] != ann_out)
					close(ann[j][k]);
				if (ack[j][k] != ack_in && ack[j][k] != ack_out)
					close(ack[j][k]);
			}
		}
		_exit(worker());
	}
	close(fd);
	for (i = 0; i < opt.procs && xproc; i++) {
		for (k = 0; k < 2; k++) {
			close(ann[i][k]);
			close(ack[i][k]);
		}
	}

	/* Wait for the workers; kill and give up on the ones that overrun. */
	for (alive = started; alive;) {
		pid_t r = waitpid(-1, &st, WNOHANG);
		double now;

		if (r > 0) {
			for (i = 0; i < started && pids[i] != r; i++)
				;
			if (i == started)
				continue;
			pids[i] = 0;
			alive--;
			if (WIFEXITED(st) && !WEXITSTATUS(st))
				continue;
			ok = false;
			if (WIFSIGNALED(st))
				printf("VTTM-RACE proc-failed proc=%u signal=%d\n",
				       i, WTERMSIG(st));
			else
				printf("VTTM-RACE proc-failed proc=%u exit=%d\n",
				       i, WEXITSTATUS(st));
			fflush(stdout);
			continue;
		}
		if (r < 0 && errno != EINTR)
			break;
		now = now_s();
		if (!killed && now > run_end + WORKER_KILL_S) {
			printf("VTTM-RACE overrun procs=%u: killed\n", alive);
			fflush(stdout);
			for (i = 0; i < started; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
			killed = true;
			ok = false;
		}
		if (now > run_end + WORKER_GIVEUP_S) {
			printf("VTTM-RACE stuck procs=%u: not waited for\n", alive);
			ok = false;
			break;
		}
		usleep(50000);
	}

	/* Every object, mapping, dma-buf and fence must be gone in the end. */
	t1 = now_s();
	deadline = t1 + COUNTERS_S;
	if (deadline > t0 + opt.seconds + TOTAL_S)
		deadline = t0 + opt.seconds + TOTAL_S;
	for (;;) {
		c = read_counters(line, sizeof(line));
		if (c || now_s() >= deadline)
			break;
		usleep(100000);
	}
	printf("VTTM-RACE counters%s waited=%.1f\n", line[0] ? line : " none",
	       now_s() - t1);
	cstate = c == 1 ? "zero" : c == 0 ? "nonzero" : "unknown";
	if (!c)
		ok = false;

	for (i = 0; i < started; i++)
		for (j = 0; j < NR_COUNTERS; j++)
			sum[j] += all[NR_COUNTERS * i + j];
	if (sum[C_SIGBUS_BAD] || sum[C_ERRORS_BAD])
		ok = false;
	printf("VTTM-RACE done seed=%u", opt.seed);
	for (j = 0; j < NR_COUNTERS; j++)
		if (j != C_BAD_LINES)
			printf(" %s=%llu", counter_name[j],
			       (unsigned long long)sum[j]);
	printf(" xproc=%s counters=%s result=%s\n", xproc ? "on" : "off",
	       cstate, ok ? "ok" : "fail");
	return ok ? 0 : 1;
}
