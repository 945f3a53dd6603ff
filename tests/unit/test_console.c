/*
 * test_console.c: the console's need to know in the store's queries
 * (store_console.c, SPEC §12), on either engine: a user gets the cases,
 * the one case and the review texts of her communes and hamlets, none of
 * another's, whatever she asks for; a report of no known hamlet only
 * with areas "*"; the list's filters and pages.
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
#include "../../handlers/handlers.h"
#include "fixture.h"

/* Reports: TC (T1, T2, none), TA (T1), and one of no commune yet ("*"). */
static const struct {
	const char	*commune, *area, *category;
} reports[] = {
	{ "TC", "T1", "gbv" },
	{ "TC", "T2", "shelter" },
	{ "TC", NULL, "gbv" },
	{ "TA", "T1", "gbv" },
	{ "*", NULL, "gbv" },
};
#define NREPORTS	(sizeof(reports) / sizeof(reports[0]))

struct seen {
	char	 refs[16][REF_MAX];
	int	 n;
};

static char	 refs[NREPORTS][REF_MAX];

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	char		 phone[PHONE_MAX];
	size_t		 i;

	fx->tc.conf = fixture_conf("{\"database\": \":memory:\"}");
	fixture_store(fx);
	assert_int_equal(store_begin(fx->tc.store), 0);
	for (i = 0; i < NREPORTS; i++) {
		snprintf(phone, sizeof(phone), "+8491234500%zu", i);
		assert_true(store_report_add(fx->tc.store, reports[i].category,
		    reports[i].area, reports[i].commune, phone,
		    1800000000 + (int64_t)i, 0, refs[i]) > 0);
	}
	assert_int_equal(store_commit(fx->tc.store), 0);
	*state = fx;
	return 0;
}

static int
collect(const struct store_console_case *c, void *arg)
{
	struct seen	*s = arg;

	util_strlcpy(s->refs[s->n++], c->ref, REF_MAX);
	return 0;
}

/* The indices into reports[] the list gives scope, in its order. */
static int
cases(struct fixture *fx, const char *communes, const char *areas,
    const struct store_case_filter *filter, int *idx)
{
	struct store_scope	 sc = { communes, areas };
	struct store_case_filter f;
	struct seen		 s;
	size_t			 i;
	int			 k, n;

	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	if (filter != NULL)
		f = *filter;
	if (f.limit == 0)
		f.limit = 50;
	n = store_console_cases(fx->tc.store, &sc, &f, collect, &s);
	assert_int_equal(n, s.n);
	for (k = 0; k < s.n; k++) {
		for (i = 0; i < NREPORTS; i++)
			if (strcmp(refs[i], s.refs[k]) == 0)
				break;
		assert_true(i < NREPORTS);
		idx[k] = (int)i;
	}
	return n;
}

static void
test_scope_cases(void **state)
{
	struct fixture	*fx = *state;
	int		 idx[16], n;

	/* Everything, newest first. */
	n = cases(fx, "*", "*", NULL, idx);
	assert_int_equal(n, 5);
	assert_int_equal(idx[0], 4);
	assert_int_equal(idx[4], 0);
	/* A commune's, every hamlet of it and none. */
	n = cases(fx, "TC", "*", NULL, idx);
	assert_int_equal(n, 3);
	assert_int_equal(idx[0], 2);
	assert_int_equal(idx[2], 0);
	/* Two communes; the city's unplaced one is nobody's but "*"'s. */
	assert_int_equal(cases(fx, "TA;TC", "*", NULL, idx), 4);
	/* A hamlet as T1: of each of her communes; never no hamlet. */
	n = cases(fx, "*", "T1", NULL, idx);
	assert_int_equal(n, 2);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 0);
	/* A hamlet as CODE.T1 (a city's), any case. */
	n = cases(fx, "TC;TA", "tc.t1", NULL, idx);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], 0);
	assert_int_equal(cases(fx, "TA", "TC.T1", NULL, idx), 0);
	/* Nothing, and something that only looks like a list. */
	assert_int_equal(cases(fx, "", "*", NULL, idx), 0);
	assert_int_equal(cases(fx, NULL, NULL, NULL, idx), 0);
	assert_int_equal(cases(fx, "T", "*", NULL, idx), 0);
	assert_int_equal(cases(fx, "%", "*", NULL, idx), 0);
	assert_int_equal(cases(fx, "*", "T", NULL, idx), 0);
	assert_int_equal(cases(fx, "*", "%", NULL, idx), 0);
}

static void
test_filters_and_pages(void **state)
{
	struct fixture		*fx = *state;
	struct store_case_filter f;
	int			 idx[16], n;

	memset(&f, 0, sizeof(f));
	f.category = "shelter";
	n = cases(fx, "*", "*", &f, idx);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], 1);
	/* A filter never widens the scope. */
	f.category = NULL;
	f.commune = "TA";
	assert_int_equal(cases(fx, "TC", "*", &f, idx), 0);
	f.commune = NULL;
	f.area = "T2";
	assert_int_equal(cases(fx, "*", "T1", &f, idx), 0);
	/* A filter inside the scope finds hers, however her hamlets and
	 * communes are written (T1, a city's TC.T1, any case). */
	f.area = "T1";
	n = cases(fx, "*", "T1;T2", &f, idx);
	assert_int_equal(n, 2);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 0);
	assert_int_equal(cases(fx, "TC;TA", "TC.T2;ta.t1", &f, idx), 1);
	assert_int_equal(idx[0], 3);
	f.area = "T2";
	assert_int_equal(cases(fx, "tc", "tc.t2", &f, idx), 1);
	assert_int_equal(idx[0], 1);
	assert_int_equal(cases(fx, "*", "T12;T22", &f, idx), 0);
	f.area = "%";
	assert_int_equal(cases(fx, "*", "T1", &f, idx), 0);
	f.area = NULL;
	f.commune = "TC";
	assert_int_equal(cases(fx, "ta;tc", "*", &f, idx), 3);
	f.commune = "TA";
	n = cases(fx, "TC;TA", "T1", &f, idx);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], 3);
	assert_int_equal(cases(fx, "TAX;TC", "*", &f, idx), 0);
	f.commune = NULL;
	f.status = "closed";
	assert_int_equal(cases(fx, "*", "*", &f, idx), 0);
	f.status = "open";
	assert_int_equal(cases(fx, "*", "*", &f, idx), 5);
	/* Pages of two. */
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	f.offset = 2;
	n = cases(fx, "*", "*", &f, idx);
	assert_int_equal(n, 2);
	assert_int_equal(idx[0], 2);
	assert_int_equal(idx[1], 1);
	f.offset = 4;
	assert_int_equal(cases(fx, "*", "*", &f, idx), 1);
}

static void
test_scope_one_case(void **state)
{
	struct fixture		*fx = *state;
	struct store_scope	 mine = { "TC", "T1;T2" }, all = { "*", "*" };
	int64_t			 id;

	id = store_console_case(fx->tc.store, &mine, refs[0]);
	assert_true(id > 0);
	assert_int_equal(store_console_case(fx->tc.store, &mine, refs[1]) > 0,
	    1);
	/* Not hers: the same 0 as a REF nobody has. */
	assert_int_equal(store_console_case(fx->tc.store, &mine, refs[2]), 0);
	assert_int_equal(store_console_case(fx->tc.store, &mine, refs[3]), 0);
	assert_int_equal(store_console_case(fx->tc.store, &mine, refs[4]), 0);
	assert_int_equal(store_console_case(fx->tc.store, &all, "ZZZZ"), 0);
	assert_int_equal(store_console_case(fx->tc.store, &all, "!"), 0);
	assert_true(store_console_case(fx->tc.store, &all, refs[4]) > 0);
}

static int
review_ids(const struct inbox_row *m, void *arg)
{
	struct seen	*s = arg;

	snprintf(s->refs[s->n++], REF_MAX, "%lld", (long long)m->id);
	assert_non_null(m->text);
	return 0;
}

static void
test_scope_review(void **state)
{
	struct fixture		*fx = *state;
	struct store_scope	 tc = { "TC", "T1" }, ta = { "TA", "*" };
	struct store_scope	 all = { "*", "*" };
	struct message_row	 m;
	struct seen		 s;
	static const char *const communes[] = { "TC", "TA", "*" };
	size_t			 i;
	char			 id[8];

	assert_int_equal(store_begin(fx->tc.store), 0);
	for (i = 0; i < 3; i++) {
		memset(&m, 0, sizeof(m));
		m.provider = "generic";
		snprintf(id, sizeof(id), "r%zu", i);
		m.ext_id = id;
		m.sender = "+84912345699";
		m.recipient = "8088";
		m.body = "xin chao";
		m.bodylen = 8;
		m.category = "unknown";
		m.received_at = 1800000100;
		m.commune = communes[i];
		assert_int_equal(store_message_add(fx->tc.store, &m), 0);
	}
	assert_int_equal(store_commit(fx->tc.store), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_console_review(fx->tc.store, &all, 0, 10,
	    review_ids, &s), 3);
	memset(&s, 0, sizeof(s));
	/* Her communes' only, whatever her hamlets. */
	assert_int_equal(store_console_review(fx->tc.store, &tc, 0, 10,
	    review_ids, &s), 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_console_review(fx->tc.store, &ta, 0, 10,
	    review_ids, &s), 1);
	/* One by id: another commune's is none. */
	assert_int_equal(store_console_review(fx->tc.store, &tc,
	    atoll(s.refs[0]), 10, review_ids, &s), 0);
	assert_int_equal(store_console_review(fx->tc.store, &ta,
	    atoll(s.refs[0]), 10, review_ids, &s), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scope_cases, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_filters_and_pages, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_scope_one_case, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_scope_review, setup,
		    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
