/*
 * fuzz_screen.c: libFuzzer target for text_screen (text.c), what every
 * text shown to a person goes through before its numbers are masked. Any
 * input: valid UTF-8 comes out, with no control character (C0, DEL, C1),
 * no line or paragraph separator, no bidi control and no zero-width
 * character; screening again changes nothing; and once masked, no run of
 * 8 digits is left whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"
#include "fuzz.h"

/* UTF-8 of characters that must never be shown: first bytes, then the
 * range of the last. */
static const struct {
	const char	*lead;
	unsigned char	 lo, hi;
} fuzz_hidden[] = {
	{ "\xc2", 0x80, 0x9f },		/* C1 */
	{ "\xc2", 0xad, 0xad },		/* soft hyphen */
	{ "\xd8", 0x9c, 0x9c },		/* ALM */
	{ "\xe2\x80", 0x8b, 0x8f },	/* ZWSP .. RLM */
	{ "\xe2\x80", 0xa8, 0xae },	/* LS, PS, LRE .. RLO */
	{ "\xe2\x81", 0xa0, 0xa4 },	/* WJ, invisible operators */
	{ "\xe2\x81", 0xa6, 0xaf },	/* LRI .. PDI, deprecated */
	{ "\xef\xbb", 0xbf, 0xbf },	/* ZWNBSP */
};

static int
fuzz_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s, *again, *m;
	size_t		 i, k, n, len, run;

	s = text_screen((const char *)data, size);
	len = strlen(s);
	FUZZ_CHECK(text_utf8_valid(s, len));
	for (i = 0; i < len; i++) {
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] != 0x7f);
		for (k = 0; k < sizeof(fuzz_hidden) / sizeof(fuzz_hidden[0]);
		    k++) {
			n = strlen(fuzz_hidden[k].lead);
			FUZZ_CHECK(!(i + n < len &&
			    memcmp(s + i, fuzz_hidden[k].lead, n) == 0 &&
			    (unsigned char)s[i + n] >= fuzz_hidden[k].lo &&
			    (unsigned char)s[i + n] <= fuzz_hidden[k].hi));
		}
	}
	again = text_screen(s, len);
	FUZZ_CHECK(strcmp(again, s) == 0);
	free(again);
	m = phone_mask_text(s, len);
	for (i = 0, run = 0; i < len; i++) {
		run = fuzz_digit(m[i]) ? run + 1 : 0;
		FUZZ_CHECK(run < 8);
	}
	free(m);
	free(s);
	return 0;
}
