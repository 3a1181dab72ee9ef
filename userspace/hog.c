// SPDX-License-Identifier: MIT
/*
 * hog: a process that needs a working set of anonymous memory and keeps
 * touching it, optionally mlock()ed so that it cannot be swapped out.
 *
 *   HOG completed mib=N passes=P seconds=T
 *   HOG failed mib=N reason=...
 *
 * With --fragment, it touches its memory once, in single pages, then gives
 * back 15 pages of every 16: free memory is then plentiful but holds no
 * block above order 3, as on a machine that has run for a while. With
 * --mlock too, it locks only the pages it keeps, once the others are free. With --hold, it then prints
 *
 *   HOG holding mib=N kept_mib=K seconds=T
 *
 * and keeps what it kept until SIGTERM or SIGUSR1.
 *
 * An OOM kill shows as death by SIGKILL (exit status 137 in a shell).
 */
#include <getopt.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "common.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mib", required_argument, NULL, 'm' },
		{ "passes", required_argument, NULL, 'p' },
		{ "mlock", no_argument, NULL, 'l' },
		{ "fragment", no_argument, NULL, 'f' },
		{ "hold", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long mib = 64, passes = 3, p, i;
	int lock = 0, fragment = 0, hold = 0, opt, sig;
	sigset_t set;
	volatile char *mem;
	size_t size;
	double t;

	while ((opt = getopt_long(argc, argv, "m:p:lfH", opts, NULL)) != -1) {
		switch (opt) {
		case 'm': mib = strtoul(optarg, NULL, 0); break;
		case 'p': passes = strtoul(optarg, NULL, 0); break;
		case 'l': lock = 1; break;
		case 'f': fragment = 1; break;
		case 'H': hold = 1; break;
		default:
			fprintf(stderr, "usage: hog [--mib N] [--passes P] [--mlock] [--fragment] [--hold]\n");
			return 2;
		}
	}

	size = mib << 20;
	t = now_s();
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		printf("HOG failed mib=%lu reason=mmap:%s\n", mib, strerror(errno));
		return 3;
	}
	if (lock && !fragment && mlock((void *)mem, size)) {
		printf("HOG failed mib=%lu reason=mlock:%s\n", mib, strerror(errno));
		return 3;
	}
	if (fragment) {
		size_t part = size / 16 & ~4095UL;
		unsigned int r;

		/*
		 * Single pages only, no transparent huge page (a kernel
		 * without them refuses nothing here). Touch the 16 parts of
		 * the mapping a page of each in turn, so that the page
		 * allocator hands them out interleaved, then unmap all but the
		 * first: of every 16 pages, 15 are free, in blocks of order 3
		 * at most (a fork's kernel stack still finds one, of order 3
		 * with KASAN), and none of a higher order can form.
		 */
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
		for (i = 0; i < part; i += 4096)
			for (r = 0; r < 16; r++)
				mem[r * part + i] = (char)(r + i / 4096);
		if (munmap((void *)(mem + part), size - part)) {
			printf("HOG failed mib=%lu reason=munmap:%s\n", mib,
			       strerror(errno));
			return 3;
		}
		/*
		 * Locked only now, so that mlock() did not fault the mapping
		 * in at once; with vm.compact_unevictable_allowed 0,
		 * compaction cannot move these pages to undo the pattern.
		 */
		if (lock && mlock((void *)mem, part)) {
			printf("HOG failed mib=%lu reason=mlock:%s\n", mib,
			       strerror(errno));
			return 3;
		}
		passes = 1;
	} else {
		for (p = 0; p < passes; p++)
			for (i = 0; i < size; i += 4096)
				mem[i] = (char)(p + i / 4096);
	}
	if (!hold) {
		printf("HOG completed mib=%lu passes=%lu seconds=%.2f\n", mib,
		       passes, now_s() - t);
		return 0;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("HOG holding mib=%lu kept_mib=%lu seconds=%.2f\n", mib,
	       fragment ? mib / 16 : mib, now_s() - t);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}
