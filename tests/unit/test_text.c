/*
 * test_text.c: text.c against every case of tests/vectors/fold-vectors.json
 * and segments-vectors.json (read at run time, from the repo root), plus
 * hand-written edge cases: empty, invalid UTF-8, GSM-7 cut points.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "../../core/core.h"
#include "../../store/store.h"
#include "../../handlers/handlers.h"
#include "vectors.h"

#define FOLD_VECTORS	"tests/vectors/fold-vectors.json"
#define SEG_VECTORS	"tests/vectors/segments-vectors.json"
#define S(lit)		lit, sizeof(lit) - 1	/* literal, its length */

static const char *test_str(const cJSON *, const char *);
static size_t	 test_unhex(const char *, char *, size_t);
static char	*test_collapse(const char *);
static int	 test_seg_case(const cJSON *, int);


static const char *
test_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Hex to bytes; returns the byte count. */
static size_t
test_unhex(const char *hex, char *out, size_t outlen)
{
	size_t		 n = 0;
	unsigned int	 b;

	while (hex[0] != '\0' && hex[1] != '\0' && n < outlen) {
		if (sscanf(hex, "%2x", &b) != 1)
			break;
		out[n++] = (char)b;
		hex += 2;
	}
	return n;
}

/* What text_keyfold should give for an expected folded_lower. */
static char *
test_collapse(const char *s)
{
	char	*out = xmalloc(strlen(s) + 1), *o = out;
	int	 gap = 0;
	char	 c;

	for (; *s != '\0'; s++) {
		c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (gap && o > out)
				*o++ = ' ';
			gap = 0;
			*o++ = c;
		} else
			gap = 1;
	}
	*o = '\0';
	return out;
}

static void
test_fold_vectors(void **state)
{
	cJSON		*root, *cases, *c;
	const char	*id, *input, *hex, *folded, *lower;
	char		 in[4096], *got, *want;
	size_t		 len;
	int		 n = 0, bad = 0;

	(void)state;
	root = vectors_json(FOLD_VECTORS);
	assert_non_null(root);
	cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
	assert_true(cJSON_IsArray(cases));
	cJSON_ArrayForEach(c, cases) {
		id = test_str(c, "id");
		input = test_str(c, "input");
		hex = test_str(c, "input_utf8_hex");
		folded = test_str(c, "folded");
		lower = test_str(c, "folded_lower");
		assert_non_null(id);
		assert_non_null(input);
		assert_non_null(folded);
		assert_non_null(lower);
		if (hex != NULL)
			len = test_unhex(hex, in, sizeof(in));
		else {
			len = strlen(input);
			assert_true(len < sizeof(in));
			memcpy(in, input, len);
		}
		assert_true(len == strlen(input) && memcmp(in, input, len) == 0);
		n++;

		got = text_fold(in, len);
		if (strcmp(got, folded) != 0) {
			print_error("fold %s: got \"%s\" want \"%s\"\n", id,
			    got, folded);
			bad++;
		}
		free(got);

		got = text_keyfold(in, len);
		want = test_collapse(lower);
		if (strcmp(got, want) != 0) {
			print_error("keyfold %s: got \"%s\" want \"%s\"\n", id,
			    got, want);
			bad++;
		}
		free(got);
		free(want);
	}
	cJSON_Delete(root);
	print_message("fold vectors: %d cases, %d mismatches\n", n, bad);
	assert_true(n > 0);
	assert_int_equal(bad, 0);
}

/* One segments case; full: units are given too. Returns 1 if it agrees. */
static int
test_seg_case(const cJSON *c, int full)
{
	const char	*id = test_str(c, "id"), *text = test_str(c, "text");
	const char	*enc = test_str(c, "encoding");
	const cJSON	*segs = cJSON_GetObjectItemCaseSensitive(c, "segments");
	const cJSON	*units = cJSON_GetObjectItemCaseSensitive(c, "units");
	struct text_seg	 s;
	const char	*genc;

	assert_non_null(id);
	assert_non_null(text);
	assert_non_null(enc);
	assert_true(cJSON_IsNumber(segs));
	text_segments(text, strlen(text), &s);
	genc = s.enc == TEXT_GSM7 ? "GSM-7" : "UCS-2";
	if (strcmp(genc, enc) != 0 || s.segments != (size_t)segs->valueint ||
	    (full && s.units != (size_t)units->valueint)) {
		print_error("segments %s: got %s %zu seg %zu units, want %s "
		    "%d seg %d units\n", id, genc, s.segments, s.units, enc,
		    segs->valueint, full ? units->valueint : -1);
		return 0;
	}
	return 1;
}

static void
test_segments_vectors(void **state)
{
	cJSON	*root, *cases, *c;
	int	 n = 0, bad = 0;

	(void)state;
	root = vectors_json(SEG_VECTORS);
	assert_non_null(root);
	cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
	assert_true(cJSON_IsArray(cases));
	cJSON_ArrayForEach(c, cases) {
		assert_true(cJSON_IsNumber(
		    cJSON_GetObjectItemCaseSensitive(c, "units")));
		n++;
		bad += !test_seg_case(c, 1);
	}
	cases = cJSON_GetObjectItemCaseSensitive(root, "upstream_published");
	cJSON_ArrayForEach(c, cases) {
		n++;
		bad += !test_seg_case(c, 0);
	}
	cJSON_Delete(root);
	print_message("segments vectors: %d cases, %d mismatches\n", n, bad);
	assert_true(n > 0);
	assert_int_equal(bad, 0);
}

static void
test_fold_edges(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*fold;
		const char	*key;
	} t[] = {
		{ S(""), "", "" },
		{ "abc", 0, "", "" },			/* len, not NUL */
		{ S("ab\0cd"), "ab?cd", "ab cd" },	/* NUL */
		{ S("\xff"), "?", "" },			/* never valid */
		{ S("a\x80z"), "a?z", "a z" },		/* lone continuation */
		{ S("\xc3"), "?", "" },			/* truncated 2-byte */
		{ S("\xe1\xba"), "?", "" },		/* truncated 3-byte */
		{ S("\xe1\xbax"), "?x", "x" },		/* ... then ASCII */
		{ S("\xf0\x9f\x98"), "?", "" },		/* truncated 4-byte */
		{ S("\xc0\xaf"), "??", "" },		/* overlong '/' */
		{ S("\xe0\x80\xaf"), "???", "" },	/* overlong, 3-byte */
		{ S("\xed\xa0\x80"), "???", "" },	/* surrogate D800 */
		{ S("\xf4\x90\x80\x80"), "????", "" },	/* > U+10FFFF */
		{ S("B\xc3\xa1o"), "Bao", "bao" },	/* NFC */
		{ S("Ba\xcc\x81o"), "Bao", "bao" },	/* NFD */
		{ S("  B\xc3\x81O   L\xe1\xbb\xb0" "C!! "), "  BAO   LUC!! ",
		  "bao luc" },
		{ S("\xc4\x90\xc6\xaf\xe1\xbb\x9c" "NG"), "DUONG", "duong" },
		{ S("\xcc\x81\xcc\x81"), "", "" },	/* marks only */
		{ S("1\xcc\x81"), "1", "1" },		/* mark on a digit */
		{ S("\xc3\x98 \xc3\x9f"), "\xc3\x98 \xc3\x9f", "" }, /* kept */
	};
	size_t	 i;
	char	*got;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = text_fold(t[i].in, t[i].len);
		if (strcmp(got, t[i].fold) != 0)
			fail_msg("fold case %zu: got \"%s\"", i, got);
		free(got);
		got = text_keyfold(t[i].in, t[i].len);
		if (strcmp(got, t[i].key) != 0)
			fail_msg("keyfold case %zu: got \"%s\"", i, got);
		free(got);
	}
	got = text_fold(NULL, 0);
	assert_string_equal(got, "");
	free(got);
}

static void
test_segments_edges(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		enum text_enc	 enc;
		size_t		 segments;
		size_t		 units;
	} t[] = {
		{ S(""), TEXT_GSM7, 1, 0 },
		{ S("x\xff"), TEXT_UCS2, 1, 2 },	/* invalid: U+FFFD */
		{ S("\x0c"), TEXT_GSM7, 1, 2 },		/* form feed: ext */
		{ S("`"), TEXT_UCS2, 1, 1 },		/* backtick: not GSM */
		{ S("\r\n"), TEXT_GSM7, 1, 2 },
		{ S("\xf0\x9f\x87\xbb\xf0\x9f\x87\xb3"), TEXT_UCS2, 1, 4 },
	};
	struct text_seg	 s;
	char		 big[512];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		text_segments(t[i].in, t[i].len, &s);
		if (s.enc != t[i].enc || s.segments != t[i].segments ||
		    s.units != t[i].units)
			fail_msg("segments case %zu: %d %zu %zu", i, s.enc,
			    s.segments, s.units);
	}

	/* 66 'a' then 'e' + two marks: the grapheme moves whole. */
	memset(big, 'a', 66);
	n = 66;
	memcpy(big + n, "e\xcc\x82\xcc\x81", 5);
	n += 5;
	memset(big + n, 'b', 4);
	n += 4;
	text_segments(big, n, &s);
	assert_int_equal(s.enc, TEXT_UCS2);
	assert_int_equal(s.units, 73);
	assert_int_equal(s.segments, 2);

	/* A grapheme bigger than a part spans parts: 'a' and 80 marks. */
	big[0] = 'a';
	for (i = 0; i < 80; i++)
		memcpy(big + 1 + 2 * i, "\xcc\x81", 2);
	text_segments(big, 161, &s);
	assert_int_equal(s.units, 81);
	assert_int_equal(s.segments, 2);
	text_segments(big, 1 + 2 * 69, &s);
	assert_int_equal(s.units, 70);
	assert_int_equal(s.segments, 1);

	/* 3 parts of 67 units: 201 'a' plus one mark on the last. */
	memset(big, 'a', 201);
	memcpy(big + 201, "\xcc\x81", 2);
	text_segments(big, 203, &s);
	assert_int_equal(s.units, 202);
	assert_int_equal(s.segments, 4);
}

static void
test_gsm7(void **state)
{
	char		*got, big[512];
	struct text_seg	 s;
	size_t		 i;

	(void)state;
	got = text_gsm7(S("B\xc3\xa1o b\xe1\xba\xa1o l\xe1\xbb\xb1" "c th\xc3\xb4n 3"),
	    1);
	assert_string_equal(got, "Bao bao luc thon 3");
	free(got);

	/* Not representable: '?'; look-alikes; letters folded first. */
	got = text_gsm7(S("\xe6\x95\x91 It\xe2\x80\x99s\t\xc3\x85 \xe2\x82\xac"),
	    1);
	assert_string_equal(got, "? It's A \xe2\x82\xac");
	free(got);
	got = text_gsm7("\xf0\x9f\x98\x80\xff", 5, 1);
	assert_string_equal(got, "??");
	free(got);
	got = text_gsm7("abc", 3, 0);
	assert_string_equal(got, "");
	free(got);
	got = text_gsm7("", 0, 2);
	assert_string_equal(got, "");
	free(got);

	/* 160 fits one segment, 161 is cut to 160. */
	memset(big, 'a', 161);
	got = text_gsm7(big, 160, 1);
	assert_int_equal(strlen(got), 160);
	free(got);
	got = text_gsm7(big, 161, 1);
	assert_int_equal(strlen(got), 160);
	free(got);

	/* 159 'a' and '€' costs 161: the '€' does not fit one segment. */
	memcpy(big + 159, "\xe2\x82\xac", 3);
	got = text_gsm7(big, 162, 1);
	assert_int_equal(strlen(got), 159);
	free(got);
	got = text_gsm7(big, 162, 2);
	assert_int_equal(strlen(got), 162);
	free(got);

	/* Two parts: 152 'a', '{' straddles 153, so part 1 is 152. */
	memset(big, 'a', 152);
	big[152] = '{';
	memset(big + 153, 'b', 200);
	got = text_gsm7(big, 353, 2);
	text_segments(got, strlen(got), &s);
	assert_int_equal(s.segments, 2);
	assert_int_equal(s.units, 152 + 2 + 151);
	assert_int_equal(strlen(got), 152 + 1 + 151);
	free(got);

	/* Extension char exactly at the end of the second part is cut. */
	memset(big, 'a', 305);
	big[305] = '~';
	got = text_gsm7(big, 306, 2);
	assert_int_equal(strlen(got), 305);
	free(got);
	memset(big, 'a', 304);
	big[304] = '~';
	got = text_gsm7(big, 305, 2);
	assert_int_equal(strlen(got), 305);
	free(got);

	/* Only extension chars: 80 fit one segment, never half of one. */
	for (i = 0; i < 100; i++)
		memcpy(big + i * 3, "\xe2\x82\xac", 3);
	for (i = 0; i <= 300; i += 3) {
		got = text_gsm7(big, i, 1);
		text_segments(got, strlen(got), &s);
		assert_int_equal(s.enc, TEXT_GSM7);
		assert_int_equal(s.segments, 1);
		assert_int_equal(strlen(got), (i > 240 ? 240 : i));
		free(got);
	}
}

static void
test_utf8(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "", 0, "" },
		{ "B\xc3\xa1o l\xe1\xbb\xb1" "c", 10, "B\xc3\xa1o l\xe1\xbb\xb1" "c" },
		{ "a\xff" "b", 3, "a\xef\xbf\xbd" "b" },
		{ "\xc3", 1, "\xef\xbf\xbd" },			/* cut short */
		{ "\xe1\xbb", 2, "\xef\xbf\xbd" },		/* one subpart */
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },			/* surrogate */
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "a\0b", 3, "a\xef\xbf\xbd" "b" },		/* NUL */
		{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },	/* emoji */
	};
	size_t	 i;
	char	*got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = text_utf8(cases[i].in, cases[i].len);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got %s", i, got);
		free(got);
	}
}

/* SPEC §8: nothing that forges a line or hides from the mask. */
static void
test_screen(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "", 0, "" },
		{ S("B\xc3\xa1o l\xe1\xbb\xb1" "c"), "B\xc3\xa1o l\xe1\xbb\xb1" "c" },
		/* A forged line: CR LF is one space, tab and ESC too. */
		{ S("giup\r\nconsole sms #9 to +84*: OK"),
		    "giup console sms #9 to +84*: OK" },
		{ S("a\tb\x1b[2Jc"), "a b [2Jc" },
		{ S("a \r\n\t b"), "a  b" },
		{ S("a\x7f\xc2\x85\xc2\x9b" "b"), "a b" },	/* DEL, NEL, CSI */
		{ S("a\xe2\x80\xa8" "b"), "a b" },		/* U+2028 */
		/* Bidi controls dropped: RLO, LRI..PDI, LRM/RLM, ALM. */
		{ S("\xe2\x80\xae" "cba\xe2\x80\xac"), "cba" },
		{ S("\xe2\x81\xa6" "x\xe2\x81\xa9\xe2\x80\x8e\xe2\x80\x8f"
		    "\xd8\x9c" "y"), "xy" },
		/* Zero-width: digits join again for the mask. */
		{ S("091\xe2\x80\x8b" "234\xe2\x80\x8c" "56\xe2\x80\x8d"
		    "7\xe2\x81\xa0" "8\xef\xbb\xbf"), "0912345678" },
		{ S("a\0b\xff"), "a b\xef\xbf\xbd" },	/* NUL, invalid */
		{ S("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80" },	/* emoji */
	};
	size_t	 i;
	char	*got, *again, *m;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = text_screen(cases[i].in, cases[i].len);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\"", i, got);
		again = text_screen(got, strlen(got));
		assert_string_equal(again, got);
		free(again);
		free(got);
	}
	/* Screened, then masked: a number split by ZWSP or CR LF is seen. */
	got = text_screen(S("SDT 091\xe2\x80\x8b" "2345\xe2\x80\x8b" "678"));
	m = phone_mask_text(got, strlen(got));
	assert_string_equal(m, "SDT *******678");
	free(m);
	free(got);
	got = text_screen(S("SDT 0912\r\n345\r\n678"));
	m = phone_mask_text(got, strlen(got));
	assert_string_equal(m, "SDT **** *** 678");
	free(m);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_screen),
		cmocka_unit_test(test_fold_vectors),
		cmocka_unit_test(test_segments_vectors),
		cmocka_unit_test(test_fold_edges),
		cmocka_unit_test(test_segments_edges),
		cmocka_unit_test(test_gsm7),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
