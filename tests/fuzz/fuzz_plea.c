/*
 * fuzz_plea.c: libFuzzer target for plea_match (plea.c), which reads every
 * text a resident sends without a keyword. Any bytes (broken UTF-8, NUL,
 * endless words, a thousand commas): an answer of 0 or 1, the same each
 * time, and the same for the text with a clause of nothing after it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/core.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct plea	*pl;
	const char		*in = (const char *)data;
	char			*more;
	int			 a, b, c;

	if (pl == NULL)
		pl = plea_new(NULL, NULL);
	a = plea_match(pl, in, size);
	b = plea_match(pl, in, size);
	FUZZ_CHECK(a == 0 || a == 1);
	FUZZ_CHECK(a == b);
	more = malloc(size + 2);
	FUZZ_CHECK(more != NULL);
	memcpy(more, in, size);
	more[size] = '.';
	more[size + 1] = '.';
	c = plea_match(pl, more, size + 2);
	FUZZ_CHECK(c == a);
	free(more);
	return 0;
}
