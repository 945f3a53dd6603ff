/*
 * test_suppress.c: complementary suppression (SPEC §6, §7): which cells
 * are hidden as small ("<k") and which as their complements ("*"), in one
 * table and in tables linked by rows and columns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/store.h"
#include "../../handlers/handlers.h"

#define S	SUPPRESS_SHOWN
#define L	SUPPRESS_SMALL
#define C	SUPPRESS_COMPLEMENT

static void
test_one_table(void **state)
{
	static const struct {
		int		 k;
		size_t		 n;
		int64_t		 v[5];
		unsigned char	 want[5];
	} cases[] = {
		/* The next smallest hides the small one: 14 - 7 is 7. */
		{ 3, 3, { 5, 7, 2 }, { C, S, L } },
		/* Two small ones holding less than k: one more. */
		{ 3, 3, { 1, 1, 9 }, { L, L, C } },
		{ 3, 4, { 1, 1, 9, 4 }, { L, L, S, C } },
		/* Two small ones holding k: enough. */
		{ 3, 4, { 2, 1, 4, 4 }, { L, L, S, S } },
		/* Nothing small, nothing hidden; zeros are shown. */
		{ 3, 3, { 3, 0, 5 }, { S, S, S } },
		/* Nothing else to hide: a zero makes two, no more. */
		{ 3, 3, { 2, 0, 0 }, { L, C, S } },
		{ 3, 1, { 2 }, { L } },
		/* k 1 (or 0): exact. */
		{ 1, 3, { 1, 2, 0 }, { S, S, S } },
		{ 5, 5, { 4, 4, 6, 0, 9 }, { L, L, S, S, S } },
		{ 10, 4, { 9, 12, 11, 30 }, { L, S, C, S } },
	};
	unsigned char	 mark[5];
	size_t		 i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(mark, 0xff, sizeof(mark));
		suppress_table(cases[i].v, cases[i].n, cases[i].k, mark);
		for (j = 0; j < cases[i].n; j++)
			if (mark[j] != cases[i].want[j])
				fail_msg("case %zu cell %zu: %d, want %d", i, j,
				    mark[j], cases[i].want[j]);
	}
}

/*
 * a b | rows and columns all have totals shown: a small one hides its
 * c d | row's and column's neighbours, and those theirs in turn.
 */
static void
test_linked_lines(void **state)
{
	static const int64_t	 v[] = { 2, 5, 6, 7, 40, 50 };
	static const size_t	 r1[] = { 0, 1 }, r2[] = { 2, 3 },
				 c1[] = { 0, 2 }, c2[] = { 1, 3 },
				 r3[] = { 4, 5 };
	static const unsigned char want[] = { L, C, C, C, S, S };
	struct suppress		*s;
	unsigned char		 mark[6];
	char			 out[8];

	(void)state;
	s = suppress_new(v, 6, 3);
	suppress_line(s, r1, 2);
	suppress_line(s, r2, 2);
	suppress_line(s, c1, 2);
	suppress_line(s, c2, 2);
	suppress_line(s, r3, 2);
	suppress_run(s, mark);
	assert_memory_equal(mark, want, sizeof(want));
	suppress_free(s);

	suppress_shown(2, 3, L, out, sizeof(out));
	assert_string_equal(out, "<3");
	suppress_shown(5, 3, C, out, sizeof(out));
	assert_string_equal(out, "*");
	suppress_shown(40, 3, S, out, sizeof(out));
	assert_string_equal(out, "40");
	suppress_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_table),
		cmocka_unit_test(test_linked_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
