/*
 * test_casework.c: what the report to the city counts (SPEC §6a, §7): age
 * bands, outcome codes, a case counted once per code, the median, the
 * durations in words, suppressed counts; and over an in-memory store, the
 * acked_at trigger, the counts and medians of a period, and its months.
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
#include "../../store/store_int.h"	/* white box: raw SQL */
#include "../../handlers/handlers.h"
#include "fixture.h"

#define VN	"Asia/Ho_Chi_Minh"
#define OCT15	1791997200LL	/* 2026-10-15 00:00 local */
#define NOV01	1793466000LL	/* 2026-11-01 00:00 */
#define DEC01	1796058000LL	/* 2026-12-01 00:00 */
#define DEC10	1796835600LL	/* 2026-12-10 00:00 */

static void
test_age_bands(void **state)
{
	static const struct {
		int	 age, band;
	} cases[] = {
		{ -1, CASEWORK_AGE_UNKNOWN }, { 0, 0 }, { 17, 0 }, { 18, 1 },
		{ 59, 1 }, { 60, 2 }, { 120, 2 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(casework_age_band(cases[i].age),
		    cases[i].band);
	assert_string_equal(casework_ages[0].key, "0-17");
	assert_string_equal(casework_ages[2].key, "60+");
	assert_string_equal(casework_ages[CASEWORK_AGE_UNKNOWN].key,
	    "unknown");
}

static void
test_codes(void **state)
{
	assert_int_equal(casework_code("CA", 2), 0);
	assert_int_equal(casework_code("KHAC", 4), 5);
	assert_int_equal(casework_code("CAX", 2), 0);	/* (s, len) */
	assert_int_equal(casework_code("KHA", 3), -1);
	assert_int_equal(casework_code("ca", 2), -1);
	assert_int_equal(casework_code("unknown", 7), -1);
	assert_int_equal(casework_code("", 0), -1);
}

static void
test_add(void **state)
{
	struct casework		 cw;
	const struct store_case	 cases[] = {
		{ "", "f", 30, "CA YT", 10, 20, 2 },
		{ "", "m", 15, "YT", 10, 20, 1 },
		{ "", NULL, -1, NULL, -1, -1, 4 },	/* open, XONG alone */
		{ "", "x", 200, " ZZ  ", -1, -1, 1 },	/* nothing it knows */
		{ "", "f", 70, "KHAC HG", 5, 5, 1 },
	};
	size_t			 i;

	memset(&cw, 0, sizeof(cw));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		casework_add(&cw, &cases[i]);
	assert_int_equal(cw.sex[CASEWORK_F], 3);
	assert_int_equal(cw.sex[CASEWORK_M], 1);
	assert_int_equal(cw.sex[CASEWORK_SEX_UNKNOWN], 5);
	assert_int_equal(cw.age[0], 1);
	assert_int_equal(cw.age[1], 2);
	assert_int_equal(cw.age[2], 2);		/* 70, and 200 */
	assert_int_equal(cw.age[CASEWORK_AGE_UNKNOWN], 4);
	assert_int_equal(cw.outcome[0], 2);	/* CA */
	assert_int_equal(cw.outcome[1], 3);	/* YT: once per report */
	assert_int_equal(cw.outcome[4], 1);	/* HG */
	assert_int_equal(cw.outcome[5], 1);	/* KHAC */
	assert_int_equal(cw.outcome[CASEWORK_OUTCOME_UNKNOWN], 5);
}

static void
test_median(void **state)
{
	int64_t	 one[] = { 7 };
	int64_t	 odd[] = { 300, 30, 120, 600, 60 };
	int64_t	 even[] = { 3600, 100, 7200, 1800 };
	int64_t	 half[] = { 1, 2 };
	int64_t	 same[] = { 5, 5, 5, 5 };

	assert_int_equal(casework_median(NULL, 0), -1);
	assert_int_equal(casework_median(one, 1), 7);
	assert_int_equal(casework_median(odd, 5), 120);
	assert_int_equal(odd[0], 30);		/* sorted in place */
	assert_int_equal(casework_median(even, 4), 2700);
	assert_int_equal(casework_median(half, 2), 1);	/* rounded down */
	assert_int_equal(casework_median(same, 4), 5);
}

static void
test_duration(void **state)
{
	static const struct {
		int64_t		 s;
		const char	*en, *vi;
	} cases[] = {
		{ -5, "0 s", "0 giây" },
		{ 0, "0 s", "0 giây" },
		{ 45, "45 s", "45 giây" },
		{ 120, "2 min 0 s", "2 phút 0 giây" },
		{ 3725, "1 h 2 min", "1 giờ 2 phút" },
		{ 90061, "1 d 1 h", "1 ngày 1 giờ" },
	};
	char	 out[48];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		casework_duration(cases[i].s, 0, out, sizeof(out));
		assert_string_equal(out, cases[i].en);
		casework_duration(cases[i].s, 1, out, sizeof(out));
		assert_string_equal(out, cases[i].vi);
	}
	casework_duration(3725, 0, out, 4);	/* cut, never overrun */
	assert_string_equal(out, "1 h");
}

static void
test_suppressed(void **state)
{
	static const struct {
		int64_t		 n;
		int		 k;
		const char	*shown;
	} cases[] = {
		{ 0, 3, "0" }, { 1, 3, "<3" }, { 2, 3, "<3" }, { 3, 3, "3" },
		{ 1, 0, "1" }, { 1, 1, "1" }, { 9, 10, "<10" }, { 10, 10, "10" },
	};
	char	 out[24];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		stats_shown(cases[i].n, cases[i].k, out, sizeof(out));
		assert_string_equal(out, cases[i].shown);
	}
}

static void
exec_sql(struct store *st, const char *sql)
{
	if (db_exec(fixture_db(st), sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(fixture_db(st)));
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));

	fixture_store(fx);
	*state = fx;
	return 0;
}

/*
 * Reports in November 2026 (local), moved through their states as the
 * store's functions move them, at known instants: a NHAN stamps acked_at
 * once, a XONG alone stamps it too, a NHAM as well; one outside.
 */
static void
test_store_period(void **state)
{
	struct fixture		*fx = *state;
	struct store		*st = fx->tc.store;
	struct report_close	 c = { "closed", NULL, "f", 30, "CA YT" };
	struct report_close	 nham = { "cancelled", NULL, NULL, -1, NULL };
	struct casework		 cw;
	char			 ref[REF_MAX];
	int64_t			 id[5];
	int			 i;

	for (i = 0; i < 5; i++) {
		id[i] = store_report_add(st, "gbv", "T1", NULL, "+84911000001",
		    NOV01 + 1000 * i, 0, ref);
		assert_true(id[i] > 0);
	}
	/* 0: NHAN at +60, XONG at +3600: ack 60, close 3600. */
	assert_int_equal(store_report_status(st, id[0], "acknowledged",
	    NULL, NOV01 + 60), 0);
	assert_int_equal(store_report_close(st, id[0], &c, NOV01 + 3600), 0);
	/* 1: XONG alone at +120 (from +1000): both 120. */
	c.sex = "m";
	c.age = 15;
	c.outcome = "YT";
	assert_int_equal(store_report_close(st, id[1], &c, NOV01 + 1120), 0);
	/* 2: NHAN only, at +300. 3: open. 4: NHAM at +30. */
	assert_int_equal(store_report_status(st, id[2], "acknowledged",
	    NULL, NOV01 + 2300), 0);
	assert_int_equal(store_report_close(st, id[4], &nham, NOV01 + 4030),
	    0);
	assert_int_equal(fixture_count(st, "SELECT acked_at FROM reports"
	    " WHERE id = 1"), NOV01 + 60);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM reports"
	    " WHERE acked_at IS NULL"), 1);
	/* A report of October is not in November's counts. */
	exec_sql(st, "INSERT INTO reports (ref, category, area, status,"
	    " created_at, updated_at, closed_at, acked_at, victim_sex)"
	    " VALUES ('ZZZZ', 'gbv', 'T1', 'closed', 1793465999, 0,"
	    " 1793465999, 1793465999, 'f')");

	assert_int_equal(casework_count(st, NOV01, DEC01, NULL, &cw), 0);
	assert_int_equal(cw.sex[CASEWORK_F], 1);
	assert_int_equal(cw.sex[CASEWORK_M], 1);
	assert_int_equal(cw.sex[CASEWORK_SEX_UNKNOWN], 3);
	assert_int_equal(cw.age[0], 1);
	assert_int_equal(cw.age[1], 1);
	assert_int_equal(cw.age[CASEWORK_AGE_UNKNOWN], 3);
	assert_int_equal(cw.outcome[0], 1);		/* CA */
	assert_int_equal(cw.outcome[1], 2);		/* YT */
	assert_int_equal(cw.outcome[CASEWORK_OUTCOME_UNKNOWN], 3);
	/* ack: 30 60 120 300; close: 30 120 3600. */
	assert_int_equal(cw.acked, 4);
	assert_int_equal(cw.median_ack_s, 90);
	assert_int_equal(cw.closed, 3);
	assert_int_equal(cw.median_close_s, 120);

	/* Counted for every commune: the one commune, "" (no communes). */
	assert_int_equal(cw.nby, 1);
	assert_string_equal(cw.by[0].commune, "");
	assert_int_equal(cw.by[0].m.median_ack_s, 90);
	casework_clear(&cw);
	assert_int_equal(casework_count(st, DEC01, DEC10, NULL, &cw), 0);
	assert_int_equal(cw.sex[CASEWORK_SEX_UNKNOWN], 0);
	assert_int_equal(cw.median_ack_s, -1);
	assert_int_equal(cw.median_close_s, -1);
	assert_int_equal(cw.nby, 0);
	casework_clear(&cw);
}

/*
 * A city (SPEC §11): a commune's cases and medians are of its reports
 * only; of every commune, the city's medians and each commune's.
 */
static void
test_store_communes(void **state)
{
	struct fixture		*fx = *state;
	struct store		*st = fx->tc.store;
	struct report_close	 c = { "closed", NULL, "f", 30, "CA" };
	struct casework		 cw;
	struct casework_medians	 m;
	char			 ref[REF_MAX];
	static const struct {
		const char	*commune;
		int64_t		 ack, close;	/* seconds; 0: never */
	} r[] = {
		{ "TINHCHAU", 60, 600 },
		{ "TINHCHAU", 120, 0 },
		{ "TINHCHAU", 600, 0 },
		{ "TINHAN", 30, 30 },
		{ "*", 0, 0 },
	};
	int64_t			 id, at;
	size_t			 i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		at = NOV01 + 1000 * (int64_t)i;
		id = store_report_add(st, "gbv", "T1", r[i].commune,
		    "+84911000001", at, 0, ref);
		assert_true(id > 0);
		if (r[i].ack > 0 && r[i].ack != r[i].close)
			assert_int_equal(store_report_status(st, id,
			    "acknowledged", NULL, at + r[i].ack), 0);
		if (r[i].close > 0)
			assert_int_equal(store_report_close(st, id, &c,
			    at + r[i].close), 0);
	}
	assert_int_equal(casework_count(st, NOV01, DEC01, "TINHCHAU", &cw),
	    0);
	assert_int_equal(cw.sex[CASEWORK_F], 1);
	assert_int_equal(cw.sex[CASEWORK_SEX_UNKNOWN], 2);
	assert_int_equal(cw.outcome[0], 1);		/* CA */
	assert_int_equal(cw.acked, 3);
	assert_int_equal(cw.median_ack_s, 120);
	assert_int_equal(cw.closed, 1);
	assert_int_equal(cw.median_close_s, 600);
	assert_int_equal(cw.nby, 0);		/* one commune: no table */
	casework_clear(&cw);
	assert_int_equal(casework_count(st, NOV01, DEC01, "NGHIAHA", &cw), 0);
	assert_int_equal(cw.sex[CASEWORK_SEX_UNKNOWN], 0);
	assert_int_equal(cw.median_ack_s, -1);
	casework_clear(&cw);
	/* The city: 30 60 120 600; each commune's own, in code order. */
	assert_int_equal(casework_count(st, NOV01, DEC01, NULL, &cw), 0);
	assert_int_equal(cw.sex[CASEWORK_F], 2);
	assert_int_equal(cw.sex[CASEWORK_SEX_UNKNOWN], 3);
	assert_int_equal(cw.acked, 4);
	assert_int_equal(cw.median_ack_s, 90);
	assert_int_equal(cw.closed, 2);
	assert_int_equal(cw.median_close_s, 315);
	assert_int_equal(cw.nby, 2);
	assert_string_equal(cw.by[0].commune, "TINHAN");
	assert_string_equal(cw.by[1].commune, "TINHCHAU");
	casework_of(&cw, "TINHCHAU", &m);
	assert_int_equal(m.median_ack_s, 120);
	assert_int_equal(m.acked, 3);
	assert_int_equal(m.median_close_s, 600);
	assert_int_equal(m.closed, 1);
	casework_of(&cw, "TINHAN", &m);
	assert_int_equal(m.median_ack_s, 30);
	assert_int_equal(m.median_close_s, 30);
	/* No span: none. */
	casework_of(&cw, "*", &m);
	assert_int_equal(m.median_ack_s, -1);
	assert_int_equal(m.acked, 0);
	assert_int_equal(m.median_close_s, -1);
	casework_clear(&cw);
}

struct months {
	char	 got[8][16];
	int64_t	 n[8];
	int	 count;
};

static int
month_cb(int y, int m, int64_t n, void *arg)
{
	struct months	*mo = arg;

	snprintf(mo->got[mo->count], sizeof(mo->got[0]), "%04d-%02d", y, m);
	mo->n[mo->count++] = n;
	return 0;
}

static void
test_store_months(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct months	 mo;

	exec_sql(st, "INSERT INTO reports (ref, category, area, status,"
	    " created_at, updated_at) VALUES"
	    " ('AAAA', 'gbv', 'T1', 'open', 1791997200, 0),"	/* Oct 15 */
	    " ('AAAB', 'gbv', 'T1', 'open', 1793465999, 0),"	/* Oct 31 */
	    " ('AAAC', 'gbv', NULL, 'open', 1796058000, 0),"	/* Dec 1 */
	    " ('AAAD', 'gbv', NULL, 'open', 1791997199, 0)");	/* Oct 14 */
	memset(&mo, 0, sizeof(mo));
	/* 15 October to 9 December: three months, clipped, November
	 * empty. */
	assert_int_equal(casework_months(st, VN, OCT15, DEC10, NULL, month_cb,
	    &mo), 0);
	assert_int_equal(mo.count, 3);
	assert_string_equal(mo.got[0], "2026-10");
	assert_string_equal(mo.got[1], "2026-11");
	assert_string_equal(mo.got[2], "2026-12");
	assert_int_equal(mo.n[0], 2);
	assert_int_equal(mo.n[1], 0);
	assert_int_equal(mo.n[2], 1);
	/* Over New Year. */
	memset(&mo, 0, sizeof(mo));
	assert_int_equal(casework_months(st, VN, DEC01,
	    tz_midnight(VN, 2027, 2, 1), NULL, month_cb, &mo), 0);
	assert_int_equal(mo.count, 2);
	assert_string_equal(mo.got[1], "2027-01");
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->tc.store);
	engine_drop(&fx->db);
	free(fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age_bands),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_suppressed),
		cmocka_unit_test_setup_teardown(test_store_period, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_months, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_communes, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
