/*
 * fuzz.h: what every fuzz target shares: the libFuzzer entry point and the
 * invariant check that aborts (a crash to libFuzzer and to replay.c).
 */
#ifndef TINCAY_FUZZ_H
#define TINCAY_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
