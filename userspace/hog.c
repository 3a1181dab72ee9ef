// SPDX-License-Identifier: MIT
/*
 * hog: a process that needs a working set of anonymous memory and keeps
 * touching it, optionally mlock()ed so that it cannot be swapped out.
 *
 *   HOG completed mib=N passes=P seconds=T
 *   HOG failed mib=N reason=...
 *
 * An OOM kill shows as death by SIGKILL (exit status 137 in a shell).
 */
#include <getopt.h>
#include <sys/mman.h>

#include "common.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mib", required_argument, NULL, 'm' },
		{ "passes", required_argument, NULL, 'p' },
		{ "mlock", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long mib = 64, passes = 3, p, i;
	int lock = 0, opt;
	volatile char *mem;
	size_t size;
	double t;

	while ((opt = getopt_long(argc, argv, "m:p:l", opts, NULL)) != -1) {
		switch (opt) {
		case 'm': mib = strtoul(optarg, NULL, 0); break;
		case 'p': passes = strtoul(optarg, NULL, 0); break;
		case 'l': lock = 1; break;
		default:
			fprintf(stderr, "usage: hog [--mib N] [--passes P] [--mlock]\n");
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
	if (lock && mlock((void *)mem, size)) {
		printf("HOG failed mib=%lu reason=mlock:%s\n", mib, strerror(errno));
		return 3;
	}
	for (p = 0; p < passes; p++)
		for (i = 0; i < size; i += 4096)
			mem[i] = (char)(p + i / 4096);
	printf("HOG completed mib=%lu passes=%lu seconds=%.2f\n", mib, passes,
	       now_s() - t);
	return 0;
}
