/*
 * fuzz_text.c: libFuzzer target for text.c and phone.c. Any input is fed to
 * text_fold, text_keyfold, text_segments, text_gsm7 and phone_e164, and
 * their invariants are checked; a broken one aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"
#include "fuzz.h"

static void	 fuzz_utf8(const char *, size_t);
static void	 fuzz_fold(const char *, size_t);
static void	 fuzz_keyfold(const char *, size_t);
static void	 fuzz_segments(const char *, size_t);
static void	 fuzz_gsm7(const char *, size_t);
static void	 fuzz_phone(const char *, size_t);

/* Folding is idempotent: its output is valid UTF-8 with nothing to fold. */
static void
fuzz_fold(const char *buf, size_t len)
{
	char	*a, *b;

	a = text_fold(buf, len);
	FUZZ_CHECK(strlen(a) <= len);
	b = text_fold(a, strlen(a));
	FUZZ_CHECK(strcmp(a, b) == 0);
	free(b);
	free(a);
}

/* Only [a-z0-9] words, single spaces; stable under fold and keyfold. */
static void
fuzz_keyfold(const char *buf, size_t len)
{
	char	*k, *f, *b;
	size_t	 i, n;

	k = text_keyfold(buf, len);
	n = strlen(k);
	FUZZ_CHECK(n == 0 || (k[0] != ' ' && k[n - 1] != ' '));
	for (i = 0; i < n; i++) {
		FUZZ_CHECK((k[i] >= 'a' && k[i] <= 'z') ||
		    (k[i] >= '0' && k[i] <= '9') || k[i] == ' ');
		FUZZ_CHECK(k[i] != ' ' || k[i + 1] != ' ');
	}
	b = text_keyfold(k, n);
	FUZZ_CHECK(strcmp(k, b) == 0);
	free(b);
	f = text_fold(buf, len);
	b = text_keyfold(f, strlen(f));
	FUZZ_CHECK(strcmp(k, b) == 0);
	free(b);
	free(f);
	free(k);
}

/* Segment counts agree with the capacities. */
static void
fuzz_segments(const char *buf, size_t len)
{
	struct text_seg	 s;
	size_t		 one, part;

	text_segments(buf, len, &s);
	one = s.enc == TEXT_GSM7 ? 160 : 70;
	part = s.enc == TEXT_GSM7 ? 153 : 67;
	FUZZ_CHECK(s.segments >= 1);
	FUZZ_CHECK((s.segments == 1) == (s.units <= one));
	if (s.segments > 1)
		FUZZ_CHECK(s.segments >= (s.units + part - 1) / part);
	if (s.enc == TEXT_GSM7) {
		FUZZ_CHECK(s.units <= 2 * len);
		if (s.segments > 1)
			FUZZ_CHECK((s.segments - 1) * (part - 1) < s.units);
	}
}

/* GSM-7 output is GSM-7, fits, grows with max and is stable. */
static void
fuzz_gsm7(const char *buf, size_t len)
{
	struct text_seg	 s;
	char		*prev = NULL, *g, *again;
	size_t		 max;

	for (max = 1; max <= 4; max++) {
		g = text_gsm7(buf, len, max);
		text_segments(g, strlen(g), &s);
		FUZZ_CHECK(s.enc == TEXT_GSM7);
		FUZZ_CHECK(s.segments <= max);
		again = text_gsm7(g, strlen(g), max);
		FUZZ_CHECK(strcmp(g, again) == 0);
		free(again);
		if (prev != NULL) {
			FUZZ_CHECK(strncmp(prev, g, strlen(prev)) == 0);
			free(prev);
		}
		prev = g;
	}
	free(prev);
	g = text_gsm7(buf, len, 0);
	FUZZ_CHECK(g[0] == '\0');
	free(g);
}

/* A number: "+" and 9..15 digits; normalising it again changes nothing. */
static void
fuzz_phone(const char *buf, size_t len)
{
	static const char	*ccs[] = { "84", "1", "44", "855" };
	char			 out[PHONE_MAX], again[PHONE_MAX];
	char			 mask[PHONE_MAX];
	size_t			 i, k, n;

	for (k = 0; k < sizeof(ccs) / sizeof(ccs[0]); k++) {
		if (phone_e164(buf, len, ccs[k], out) != 0)
			continue;
		n = strlen(out);
		FUZZ_CHECK(out[0] == '+' && n >= 10 && n <= 16);
		for (i = 1; i < n; i++)
			FUZZ_CHECK(out[i] >= '0' && out[i] <= '9');
		FUZZ_CHECK(out[1] != '0');
		FUZZ_CHECK(phone_e164(out, n, ccs[k], again) == 0);
		FUZZ_CHECK(strcmp(out, again) == 0);
		phone_mask(out, mask);
		FUZZ_CHECK(strlen(mask) == n && mask[0] == '+');
		FUZZ_CHECK(strcmp(mask + n - 3, out + n - 3) == 0);
		for (i = 1; i + 3 < n; i++)
			FUZZ_CHECK(mask[i] == '*');
	}
	phone_mask(buf != NULL && memchr(buf, '\0', len) != NULL ? buf : "",
	    mask);
}

/*
 * text_utf8 makes valid UTF-8 with no NUL: no byte that UTF-8 never uses,
 * and doing it again changes nothing.
 */
static void
fuzz_utf8(const char *buf, size_t len)
{
	const unsigned char	*p;
	char			*a, *b;

	a = text_utf8(buf, len);
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		FUZZ_CHECK(*p != 0xC0 && *p != 0xC1 && *p < 0xF5);
	b = text_utf8(a, strlen(a));
	FUZZ_CHECK(strcmp(a, b) == 0);
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;

	fuzz_utf8(buf, size);
	fuzz_fold(buf, size);
	fuzz_keyfold(buf, size);
	fuzz_segments(buf, size);
	fuzz_gsm7(buf, size);
	fuzz_phone(buf, size);
	return 0;
}
