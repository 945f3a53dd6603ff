/*
 * test_escalate.c: the escalation room over an in-memory store: a report
 * goes up when its time is up or when delivery marked it due (a failed
 * alert), every after_s again, three levels at most, never once acked;
 * and the typed outbox rows of store_outbox.c.
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
escalated(struct fixture *fx)
{
	return fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.escalated' AND unseal(dest) = '+84901000004'");
}

static int64_t
report_id(struct fixture *fx, const char *ref)
{
	return store_report_find(fx->tc.store, ref);
}

/* Nothing is due before after_s; at it the leader is alerted, and again
 * every after_s, three levels in all. */
static void
test_after_s(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	int64_t		 before = util_sched_now(), now, t;
	int		 level;

	fixture_receive(fx, "generic", NULL, "+84912345678", "BL T1", &o);
	/* Due after_s from the second it was filed in, read back. */
	now = fixture_count(st, "SELECT escalate_at FROM reports") - 600;
	assert_true(now >= before && now <= util_sched_now());
	assert_int_equal(escalate_due(st, fx->tc.conf, now, ESCALATE_BATCH),
	    0);
	assert_int_equal(escalated(fx), 0);
	for (level = 1, t = now + 600; level <= 3; level++, t += 600) {
		assert_int_equal(escalate_due(st, fx->tc.conf, t - 1,
		    ESCALATE_BATCH), 0);
		assert_int_equal(escalate_due(st, fx->tc.conf, t,
		    ESCALATE_BATCH), 1);
		assert_int_equal(store_commit(st), 0);
		assert_int_equal(escalated(fx), level);
	}
	/* Past the last step, never silence: the same roles again every
	 * escalation.repeat_s (3600), counted from the last step. */
	t -= 600;
	assert_int_equal(fx->tc.conf->escalation_repeat_s, 3600);
	assert_int_equal(escalate_due(st, fx->tc.conf, t + 3599,
	    ESCALATE_BATCH), 0);
	assert_int_equal(escalate_due(st, fx->tc.conf, t + 3600,
	    ESCALATE_BATCH), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(escalated(fx), 4);
	assert_int_equal(fixture_count(st, "SELECT escalation_level FROM "
	    "reports"), 4);
	assert_int_equal(fixture_count(st, "SELECT escalate_at FROM "
	    "reports"), t + 7200);
}

/* A failed alert: delivery marks the report due now; it escalates at once. */
static void
test_failed_alert(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	int64_t		 now = util_sched_now(), id, row;

	fixture_receive(fx, "generic", NULL, "+84912345678", "BL T1", &o);
	id = report_id(fx, o.ref);
	assert_true(id > 0);
	row = fixture_count(st, "SELECT id FROM outbox WHERE "
	    "event = 'report.created'");
	assert_true(row > 0);
	assert_int_equal(store_outbox_result(st, row, "failed", now, now, 0,
	    "HTTP 302", NULL), 0);
	assert_int_equal(store_outbox_escalate_at(st, row, now), 1);
	/* Seen in the open batch, before it commits. */
	assert_int_equal(escalate_due(st, fx->tc.conf, now, ESCALATE_BATCH),
	    1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(escalated(fx), 1);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM outbox "
	    "WHERE status = 'failed' AND attempts = 1 AND sent_at IS NULL "
	    "AND last_error = 'HTTP 302'"), 1);
	/* The next level waits for after_s again. */
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 599,
	    ESCALATE_BATCH), 0);
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 600,
	    ESCALATE_BATCH), 1);
	assert_int_equal(store_commit(st), 0);
	/* No row (0) marks nothing. */
	assert_int_equal(store_outbox_escalate_at(st, 0, now), 0);
	/*
	 * An escalation alert that fails for good (one contact's address
	 * is wrong) does not escalate again at once: the report keeps to
	 * after_s, or every failure would escalate it anew, at once, for
	 * ever. Nor does a reply to the reporter.
	 */
	row = fixture_count(st, "SELECT max(id) FROM outbox WHERE "
	    "event = 'report.escalated'");
	assert_true(row > 0);
	assert_int_equal(store_outbox_escalate_at(st, row, now + 600), 0);
	row = fixture_count(st, "SELECT max(id) FROM outbox WHERE "
	    "event = 'reply'");
	if (row > 0)
		assert_int_equal(store_outbox_escalate_at(st, row, now + 600),
		    0);
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 1199,
	    ESCALATE_BATCH), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(escalated(fx), 2);
}

/* A report that cannot be read (its sealed number damaged) is put off a
 * minute and never holds up the reports due after it. */
static void
test_unreadable_skipped(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 bad, good;
	int64_t		 now = util_sched_now();
	char		 sql[256];

	fixture_receive(fx, "generic", NULL, "+84912345678", "BL T1", &bad);
	fixture_receive(fx, "generic", NULL, "+84912345679", "BL T1", &good);
	assert_int_equal(store_commit(st), 0);
	/* Sealed (its first byte) but opens under no key. */
	snprintf(sql, sizeof(sql), "UPDATE reports SET escalate_at = 1,"
	    " reporter = CASE ref WHEN '%s' THEN %s ELSE reporter"
	    " END", bad.ref, engine_is_pg() ?
	    "decode('01' || repeat('00', 39), 'hex')" : "zeroblob(40)");
	assert_int_equal(db_exec(fixture_db(st), sql), 0);
	assert_int_equal(escalate_due(st, fx->tc.conf, now, ESCALATE_BATCH),
	    1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(escalated(fx), 1);
	snprintf(sql, sizeof(sql), "SELECT escalate_at FROM reports WHERE "
	    "ref = '%s'", bad.ref);
	assert_int_equal(fixture_count(st, sql), now + 60);
	/* Not due again before its minute. */
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 59,
	    ESCALATE_BATCH), 0);
}

/* An acknowledged report is never escalated, even when marked. */
static void
test_acked(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o, a;
	char		 text[32];
	int64_t		 now = util_sched_now();

	fixture_receive(fx, "generic", NULL, "+84912345678", "BL T1", &o);
	snprintf(text, sizeof(text), "NHAN %s", o.ref);
	fixture_receive(fx, "generic", NULL, "+84901000001", text, &a);
	assert_int_equal(store_outbox_escalate_at(st, fixture_count(st,
	    "SELECT min(id) FROM outbox WHERE event = 'report.created'"),
	    now), 0);
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 86400,
	    ESCALATE_BATCH), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(escalated(fx), 0);
}

/* More due than max: max now, the rest at the next call. */
static void
test_batch(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	int64_t		 before = util_sched_now(), now, ids[4];
	char		 from[20];
	int		 i;

	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "+8491234567%d", i);
		fixture_receive(fx, "generic", NULL, from, "BL T1", &o);
	}
	/* The last one filed is due after_s from its second, read back. */
	now = fixture_count(st, "SELECT max(escalate_at) FROM reports") - 600;
	assert_true(now >= before && now <= util_sched_now());
	assert_int_equal(store_outbox_escalations(st, now + 600, ids, 4), 3);
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 600, 2), 2);
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 600, 2), 1);
	assert_int_equal(escalate_due(st, fx->tc.conf, now + 600, 2), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(escalated(fx), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_after_s,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_failed_alert,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_skipped,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_acked,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_batch,
		    fixture_setup_responders, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
