/*
 * test_review.c: nothing waits unseen (SPEC §4), over an in-memory store:
 * a text of the review list is told of to the review.to contacts once it
 * is due (every_s after it came), once, several to an SMS of at most two
 * segments, masked; with nobody to tell it is due again every_s later.
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

static int64_t
told(struct fixture *fx)
{
	return fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'inbox.review' AND dest = '+84901000004'");
}

/* Each review SMS, checked: its head, two segments at most, no whole
 * number; the ids it names are counted into seen[]. */
static void
check_bodies(struct fixture *fx, int *seen, size_t nseen)
{
	struct db_stmt	*s;
	struct text_seg	 seg;
	const char	*body, *p;
	long		 id;

	sealed_sql(fx->tc.store);	/* bodies read through unseal() */
	assert_int_equal(db_prepare(fixture_db(fx->tc.store),
	    "SELECT unseal(body) FROM outbox WHERE event = 'inbox.review'",
	    &s), 0);
	while (db_step(s) == DB_ROW) {
		body = db_column_text(s, 0);
		assert_non_null(body);
		assert_memory_equal(body, "XEM ", 4);
		text_segments(body, strlen(body), &seg);
		assert_int_equal(seg.enc, TEXT_GSM7);
		assert_true(seg.segments <= 2);
		assert_null(strstr(body, "0912345678"));
		assert_null(strstr(body, "912345"));
		for (p = body; (p = strchr(p, '#')) != NULL; p++) {
			id = strtol(p + 1, NULL, 10);
			assert_true(id > 0 && (size_t)id < nseen);
			seen[id]++;
		}
	}
	db_finalize(s);
}

static void
test_told_once_when_due(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	int64_t		 before = util_sched_now(), now;
	int		 seen[8] = { 0 };

	fixture_receive(fx, "generic", NULL, "+84987600678",
	    "em muon\r\nhoi, goi 0912345678 nhe", &o);
	fixture_receive(fx, "generic", NULL, "+84987600679", "chi oi", &o);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM messages "
	    "WHERE review_at IS NOT NULL"), 2);
	/* The later is due every_s from its second, read back. */
	now = fixture_count(st, "SELECT max(review_at) FROM messages") - 900;
	assert_true(now >= before && now <= util_sched_now());
	/* Not before every_s (900 s by default). */
	assert_int_equal(review_due(st, fx->tc.conf, now + 890), 0);
	assert_int_equal(told(fx), 0);
	assert_int_equal(review_due(st, fx->tc.conf, now + 901), 2);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(told(fx), 1);
	check_bodies(fx, seen, 8);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 1);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM outbox "
	    "WHERE event = 'inbox.review' AND unseal(body) LIKE "
	    "'XEM 2 tin: #1 ..678 \"em muon hoi, goi *******678 nhe\" ; "
	    "#2 ..679 \"chi oi\"%'"), 1);
	/* Once: never again, however late. */
	assert_int_equal(review_due(st, fx->tc.conf, now + 86400), 0);
	assert_int_equal(told(fx), 1);
	/* The police are not review.to. */
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM outbox "
	    "WHERE dest = '+84901000001'"), 0);
}

static void
test_reviewed_not_told(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	int64_t		 now = util_sched_now();

	fixture_receive(fx, "generic", NULL, "+84987600678", "xin chao", &o);
	assert_int_equal(store_inbox_review(st, 1, 0, util_now()), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(review_due(st, fx->tc.conf, now + 86400), 0);
	assert_int_equal(told(fx), 0);
}

static void
test_many_packed(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	char		 from[16];
	int		 seen[64] = { 0 }, i;

	for (i = 0; i < 40; i++) {
		snprintf(from, sizeof(from), "+849876011%02d", i);
		fixture_receive(fx, "generic", NULL, from, "mot hai ba bon nam "
		    "sau bay tam chin muoi mot hai ba bon nam sau", &o);
	}
	/* REVIEW_BATCH at a time; the rest at the next pass. */
	assert_int_equal(review_due(st, fx->tc.conf, INT64_MAX / 2),
	    REVIEW_BATCH);
	assert_int_equal(review_due(st, fx->tc.conf, INT64_MAX / 2),
	    40 - REVIEW_BATCH);
	assert_int_equal(store_commit(st), 0);
	check_bodies(fx, seen, 64);
	for (i = 1; i <= 40; i++)
		assert_int_equal(seen[i], 1);
	assert_true(told(fx) >= 40 / 5);
}

static void
test_nobody_to_tell(void **state)
{
	struct fixture	*fx;
	struct store	*st;
	struct outcome	 o;
	int64_t		 before, now;

	fx = fixture_responders("{ \"database\": \":memory:\","
	    " \"review\": { \"to\": [\"union\"], \"every_s\": 60 } }");
	*state = fx;
	st = fx->tc.store;
	before = util_sched_now();
	fixture_receive(fx, "generic", NULL, "+84987600678", "xin chao", &o);
	/* Due every_s from the second it came in, read back. */
	now = fixture_count(st, "SELECT review_at FROM messages") - 60;
	assert_true(now >= before && now <= util_sched_now());
	assert_int_equal(review_due(st, fx->tc.conf, now + 61), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM outbox"), 0);
	/* Said loudly, and due again every_s later, not at every tick. */
	assert_int_equal(review_due(st, fx->tc.conf, now + 62), 0);
	assert_int_equal(fixture_count(st, "SELECT review_at FROM messages"),
	    now + 61 + 60);
}

static int
no_setup(void **state)
{
	*state = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_told_once_when_due,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reviewed_not_told,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_many_packed,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_nobody_to_tell,
		    no_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
