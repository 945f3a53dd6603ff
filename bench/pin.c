/*
 * pin.c: what one PIN check costs (a TK holds the event loop for it):
 * pin_verify() of the daemon's own core, run --rounds times on a hash made
 * with the parameters in force. Prints one line for scripts/bench.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/core.h"

static int64_t
pin_bench_us(clockid_t clock)
{
	struct timespec	 ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
pin_bench_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char *argv[])
{
	char		 h[PIN_HASH_MAX];
	const char	*p;
	int64_t		 cpu[101], wall[101], c0, w0;
	int		 i, k, n = argc > 1 ? atoi(argv[1]) : 21;

	if (n < 1 || n > 101) {
		fprintf(stderr, "usage: pin [rounds, 1-101]\n");
		return 2;
	}
	log_init(0);
	if (pin_hash("4321", 4, h) == -1) {
		fprintf(stderr, "pin: pin_hash failed\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		w0 = pin_bench_us(CLOCK_MONOTONIC);
		c0 = pin_bench_us(CLOCK_PROCESS_CPUTIME_ID);
		if (pin_verify("4321", 4, h) != 1) {
			fprintf(stderr, "pin: pin_verify failed\n");
			return 1;
		}
		cpu[i] = pin_bench_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
		wall[i] = pin_bench_us(CLOCK_MONOTONIC) - w0;
	}
	qsort(cpu, (size_t)n, sizeof(cpu[0]), pin_bench_cmp);
	qsort(wall, (size_t)n, sizeof(wall[0]), pin_bench_cmp);
	/* The parameters: up to the salt, "scrypt$N$r$p". */
	for (p = h, k = 0; *p != '\0' && k < 4; p++)
		k += *p == '$';
	/* "params cpu_median_us cpu_max_us wall_median_us rounds" */
	printf("%.*s %lld %lld %lld %d\n", (int)(p - h - 1), h,
	    (long long)cpu[n / 2], (long long)cpu[n - 1],
	    (long long)wall[n / 2], n);
	return 0;
}
