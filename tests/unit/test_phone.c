/*
 * test_phone.c: phone_e164 on the forms of SPEC §3, separators, rejects,
 * Vietnam's 2018 renumbering; phone_mask, and phone_mask_text for every
 * number in a text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/store.h"
#include "../../handlers/handlers.h"

#define S(lit)		lit, sizeof(lit) - 1	/* literal, its length */

static const struct {
	const char	*in;
	size_t		 len;
	const char	*cc;
	const char	*want;		/* NULL: rejected */
} phone_cases[] = {
	/* One number, three spellings (SPEC §3). */
	{ S("0912345678"), "84", "+84912345678" },
	{ S("84912345678"), "84", "+84912345678" },
	{ S("+84912345678"), "84", "+84912345678" },
	{ S("0084912345678"), "84", "+84912345678" },
	/* Separators. */
	{ S("091 234 5678"), "84", "+84912345678" },
	{ S("091.234.5678"), "84", "+84912345678" },
	{ S("091-234-5678"), "84", "+84912345678" },
	{ S("(+84) 91 234-5678"), "84", "+84912345678" },
	{ S(" +84 912 345 678 "), "84", "+84912345678" },
	{ S("(091)\t2345678"), "84", "+84912345678" },
	/* Other countries, written internationally. */
	{ S("+15551234567"), "84", "+15551234567" },
	{ S("+442071838750"), "84", "+442071838750" },
	{ S("0912345678"), "1", "+1912345678" },
	/* Landlines and other Vietnamese numbers are left alone. */
	{ S("02438123456"), "84", "+842438123456" },
	{ S("0841234567"), "84", "+84841234567" },
	/* 2018 renumbering: 11-digit mobiles. */
	{ S("01621234567"), "84", "+84321234567" },
	{ S("01631234567"), "84", "+84331234567" },
	{ S("01641234567"), "84", "+84341234567" },
	{ S("01651234567"), "84", "+84351234567" },
	{ S("01661234567"), "84", "+84361234567" },
	{ S("01671234567"), "84", "+84371234567" },
	{ S("01681234567"), "84", "+84381234567" },
	{ S("01691234567"), "84", "+84391234567" },
	{ S("01201234567"), "84", "+84701234567" },
	{ S("01211234567"), "84", "+84791234567" },
	{ S("01221234567"), "84", "+84771234567" },
	{ S("01261234567"), "84", "+84761234567" },
	{ S("01281234567"), "84", "+84781234567" },
	{ S("01231234567"), "84", "+84831234567" },
	{ S("01241234567"), "84", "+84841234567" },
	{ S("01251234567"), "84", "+84851234567" },
	{ S("01271234567"), "84", "+84811234567" },
	{ S("01291234567"), "84", "+84821234567" },
	{ S("01861234567"), "84", "+84561234567" },
	{ S("01881234567"), "84", "+84581234567" },
	{ S("01991234567"), "84", "+84591234567" },
	{ S("+84 162 123 4567"), "84", "+84321234567" },
	{ S("841621234567"), "84", "+84321234567" },
	{ S("+841621234567"), "1", "+84321234567" },	/* any config */
	{ S("0162123456"), "84", "+84162123456" },	/* 10 digits: not old */
	{ S("01301234567"), "84", "+841301234567" },	/* not in the list */
	{ S("01621234567"), "1", "+11621234567" },	/* not Vietnam */
	/* Rejects. */
	{ S(""), "84", NULL },
	{ S("   "), "84", NULL },
	{ S("+"), "84", NULL },
	{ S("09123abc78"), "84", NULL },
	{ S("0912345678x"), "84", NULL },
	{ S("BAOLUC"), "84", NULL },
	{ S("091234567"), "84", "+8491234567" },	/* 8 after cc */
	{ S("09123456"), "84", NULL },			/* 7 after cc */
	{ S("8491234567"), "84", "+8491234567" },
	{ S("849123456"), "84", NULL },
	{ S("+12345678"), "84", NULL },			/* 8 in all */
	{ S("+1234567890123456"), "84", NULL },		/* 16 digits */
	{ S("+123456789012345"), "84", "+123456789012345" }, /* 15 */
	{ S("0123456789012345678901"), "84", NULL },
	{ S("+84+912345678"), "84", NULL },
	{ S("84+912345678"), "84", NULL },
	{ S("+0912345678"), "84", NULL },
	{ S("0912\0" "345678"), "84", NULL },		/* NUL inside */
	{ S("0912345678"), "", NULL },			/* no cc */
	{ S("0912345678"), "8a", NULL },
	{ S("0912345678"), NULL, NULL },
	{ S("0912\xc2\xa0" "345678"), "84", NULL },	/* NBSP: no */
};

static void
test_e164(void **state)
{
	char	 out[PHONE_MAX];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(phone_cases) / sizeof(phone_cases[0]); i++) {
		memset(out, 'X', sizeof(out));
		rc = phone_e164(phone_cases[i].in, phone_cases[i].len,
		    phone_cases[i].cc, out);
		if (phone_cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("case %zu \"%s\": accepted as %s", i,
				    phone_cases[i].in, out);
		} else if (rc != 0 || strcmp(out, phone_cases[i].want) != 0)
			fail_msg("case %zu \"%s\": rc %d out \"%s\" want %s",
			    i, phone_cases[i].in, rc, rc == 0 ? out : "",
			    phone_cases[i].want);
	}
}

static void
test_e164_len_not_nul(void **state)
{
	char	 out[PHONE_MAX];

	(void)state;
	/* Only len bytes are read. */
	assert_int_equal(phone_e164("0912345678999", 10, "84", out), 0);
	assert_string_equal(out, "+84912345678");
	assert_int_equal(phone_e164(NULL, 0, "84", out), -1);
}

static void
test_mask(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;
	} t[] = {
		{ "+84912345678", "+********678" },
		{ "+15551234567", "+********567" },
		{ "+123", "+123" },
		{ "+12", "+12" },
		{ "", "" },
		{ "84912345678", "********678" },
		{ "abc123456", "******456" },
		{ "+123456789012345678901234", "+***************678" }, /* cut */
	};
	char	 out[PHONE_MAX];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(phone_mask(t[i].in, out), t[i].want);
	assert_string_equal(phone_mask(NULL, out), "");
}

/* Every number in a text, as the console shows alerts (SPEC §8). */
static void
test_mask_text(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
	} t[] = {
		/* An alert: the reporter's local number, then E.164. */
		{ S("BL A7K2 T3 0912345678: cuu toi. Tra loi NHAN A7K2"),
		    "BL A7K2 T3 *******678: cuu toi. Tra loi NHAN A7K2" },
		{ S("goi +84912345678 ngay"), "goi +********678 ngay" },
		/* Spaces, dots and dashes between digits are one number. */
		{ S("so 091 234 5678."), "so *** *** *678." },
		{ S("+84 91-234.5678"), "+** **-***.*678" },
		/* Exactly 8 digits is a number; 7 is not. */
		{ S("12345678"), "*****678" },
		{ S("1234567"), "1234567" },
		{ S("TK 11/2026: BL 5 TC 2"), "TK 11/2026: BL 5 TC 2" },
		/* Up to two separators stand between digits, of these:
		 * space . - ( ) / , _ (the console shows what residents
		 * write, SPEC §8). Three, or one at the end, end a run. */
		{ S("0912  345678"), "****  ***678" },
		{ S("goi em (091) 234 5678"), "goi em (***) *** *678" },
		{ S("goi 091/234/5678"), "goi ***/***/*678" },
		{ S("goi 0912,345,678"), "goi ****,***,678" },
		{ S("goi 091  234  5678"), "goi ***  ***  *678" },
		{ S("0912_345_678"), "****_***_678" },
		{ S("0912345 - 678"), "0912345 - 678" },
		{ S("0912345678-"), "*******678-" },
		{ S("a+b+84912345678+"), "a+b+********678+" },
		{ S("0912345678 0987654321"), "********** *******321" },
		/* Digits glued to a word stand alone, however long. */
		{ S("T3 0912345678"), "T3 *******678" },
		{ S("T3-0912345678"), "T3-*******678" },
		{ S("ma0912345678"), "ma*******678" },
		/* Unless they start like a local number: 0 and two more. */
		{ S("ma0912 345678"), "ma**** ***678" },
		{ S("SDT0912 345 678"), "SDT**** *** 678" },
		{ S("T12 0912345678"), "T12 *******678" },
		{ S("K234 0912345678"), "K234 *******678" },
		/* Eight glued digits are a number, separators and all. */
		{ S("ab849123423456.5697 48"), "ab************.***7 48" },
		{ S("b+84 912 345 678"), "b+** *** *** 678" },
		{ S(""), "" },
	};
	char	*m;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = phone_mask_text(t[i].in, t[i].len);
		if (strcmp(m, t[i].want) != 0)
			fail_msg("'%s': '%s', want '%s'", t[i].in, m,
			    t[i].want);
		free(m);
	}
	/* Only len bytes are read. */
	m = phone_mask_text("0912345678", 4);
	assert_string_equal(m, "0912");
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e164),
		cmocka_unit_test(test_e164_len_not_nul),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_mask_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
