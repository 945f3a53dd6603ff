/*
 * plea.c: what telling a plea from an everyday text costs on the intake
 * path: the daemon's own plea_match() over every text of the corpus
 * (tests/vectors/pleas.tsv), --rounds times. Prints one line for
 * scripts/bench.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/core.h"

#define PLEA_BENCH_TEXTS	4096

static int64_t
plea_bench_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
plea_bench_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char *argv[])
{
	static char	*text[PLEA_BENCH_TEXTS];
	static char	 line[4096];
	struct plea	*pl;
	FILE		*f;
	int64_t		 per[101], t0;
	size_t		 n = 0, i;
	int		 r, k, rounds = argc > 2 ? atoi(argv[2]) : 21;
	volatile int	 found = 0;

	if (argc < 2 || rounds < 1 || rounds > 101) {
		fprintf(stderr, "usage: plea corpus.tsv [rounds, 1-101]\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	while (n < PLEA_BENCH_TEXTS && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((line[0] == 'P' || line[0] == 'E') && line[1] == '\t')
			text[n++] = xstrdup(line + 2);
	}
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "plea: no texts in %s\n", argv[1]);
		return 1;
	}
	log_init(0);
	pl = plea_new(NULL, NULL);
	for (r = 0; r < rounds; r++) {
		t0 = plea_bench_ns();
		for (k = 0; k < 10; k++)
			for (i = 0; i < n; i++)
				found += plea_match(pl, text[i],
				    strlen(text[i]));
		per[r] = (plea_bench_ns() - t0) / (int64_t)(10 * n);
	}
	qsort(per, (size_t)rounds, sizeof(per[0]), plea_bench_cmp);
	/* "texts ns_median ns_max rounds" */
	printf("%zu %lld %lld %d\n", n, (long long)per[rounds / 2],
	    (long long)per[rounds - 1], rounds);
	plea_free(pl);
	for (i = 0; i < n; i++)
		free(text[i]);
	return 0;
}
