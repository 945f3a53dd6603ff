/*
 * fuzz_mask.c: libFuzzer target for phone_mask_text (phone.c), what the
 * console prints instead of an SMS's numbers. Any input: the same length,
 * only digits changed and only to '*', masking again changes nothing (so
 * no run of 8 digits is left whole), and of each run of 8 or more digits
 * side by side at most the last 3 are shown.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"
#include "fuzz.h"

static int
fuzz_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	char		*m, *again;
	size_t		 i, j, shown;

	m = phone_mask_text(in, size);
	FUZZ_CHECK(m[size] == '\0');
	for (i = 0; i < size; i++)
		FUZZ_CHECK(m[i] == in[i] || (fuzz_digit(in[i]) &&
		    m[i] == '*'));
	again = phone_mask_text(m, size);
	FUZZ_CHECK(memcmp(again, m, size) == 0);
	free(again);
	for (i = 0; i < size; i = j) {
		for (j = i; j < size && fuzz_digit(in[j]); j++)
			;
		if (j - i >= 8) {
			for (shown = 0; i < j; i++)
				shown += fuzz_digit(m[i]);
			FUZZ_CHECK(shown <= 3);
		}
		if (j == i)
			j++;
	}
	free(m);
	return 0;
}
