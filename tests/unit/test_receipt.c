/*
 * test_receipt.c: delivery receipts (core/receipt.c) over an in-memory
 * store: the provider's id kept on a sent SMS finds its row again; an
 * undelivered alert to a responder makes its open report due now, once;
 * delivered, pending, unknown ids, acknowledged reports and residents'
 * rows escalate nothing; a receipt ahead of its send is kept until the
 * outbox records the id, a day at most; keys that do not fit are refused.
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

/* A report from a resident; its police alert sent through twilio with the
 * provider's id sid. Returns the report's id. */
static int64_t
alerted(struct fixture *fx, const char *from, const char *sid,
    struct outcome *o)
{
	struct store	*st = fx->tc.store;
	struct receipt	 r;
	int64_t		 row;
	char		 sql[160];

	fixture_receive(fx, "generic", NULL, from, "BL T1", o);
	snprintf(sql, sizeof(sql), "SELECT o.id FROM outbox o JOIN reports r "
	    "ON r.id = o.report_id WHERE r.ref = '%s' AND o.contact_id IS "
	    "NOT NULL AND o.event = 'report.created'", o->ref);
	row = fixture_count(st, sql);
	assert_true(row > 0);
	assert_int_equal(receipt_key(&r, "twilio", sid, strlen(sid)), 0);
	assert_int_equal(store_outbox_result(st, row, "sent",
	    util_sched_now(), util_sched_now(), util_now(), NULL, r.key), 0);
	assert_int_equal(store_commit(st), 0);
	return store_report_find(st, o->ref);
}

static int
file(struct fixture *fx, const char *sid, enum receipt_status status,
    const char *reason)
{
	struct receipt	 r;
	int		 rc;

	memset(&r, 0, sizeof(r));
	assert_int_equal(receipt_key(&r, "twilio", sid, strlen(sid)), 0);
	r.status = status;
	util_strlcpy(r.reason, reason, sizeof(r.reason));
	rc = receipt_file(fx->tc.store, &r);
	assert_int_equal(store_commit(fx->tc.store), 0);
	return rc;
}

static int64_t
due(struct fixture *fx)
{
	int64_t	 ids[4];

	return store_outbox_escalations(fx->tc.store, util_sched_now(), ids,
	    4);
}

/* Undelivered: recorded with its reason, the report due now, once. */
static void
test_undelivered_escalates_once(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	int64_t		 id;
	char		 sql[96];

	id = alerted(fx, "+84912345678", "SM1", &o);
	assert_int_equal(due(fx), 0);
	assert_int_equal(file(fx, "SM1", RECEIPT_UNDELIVERED, "30003"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE receipt = 'undelivered' AND receipt_at IS NOT NULL "
	    "AND last_error = '30003'"), 1);
	assert_int_equal(due(fx), 1);
	/* Escalated; the same receipt again marks nothing more. */
	assert_int_equal(escalate_due(fx->tc.store, fx->tc.conf,
	    util_sched_now(), ESCALATE_BATCH), 1);
	assert_int_equal(store_commit(fx->tc.store), 0);
	assert_int_equal(due(fx), 0);
	assert_int_equal(file(fx, "SM1", RECEIPT_UNDELIVERED, "30003"), 1);
	assert_int_equal(due(fx), 0);
	snprintf(sql, sizeof(sql), "SELECT escalation_level FROM reports "
	    "WHERE id = %lld", (long long)id);
	assert_int_equal(fixture_count(fx->tc.store, sql), 1);
}

/* Delivered and pending: nothing due; an unknown id: 0, nothing. */
static void
test_delivered_pending_unknown(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	(void)alerted(fx, "+84912345678", "SM2", &o);
	assert_int_equal(file(fx, "SM2", RECEIPT_PENDING, ""), 0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE receipt IS NOT NULL"), 0);
	assert_int_equal(file(fx, "SM2", RECEIPT_DELIVERED, "ignored"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE receipt = 'delivered' AND last_error IS NULL"), 1);
	assert_int_equal(due(fx), 0);
	/* Not ours (or not known yet): kept, nothing due. */
	assert_int_equal(file(fx, "SM-not-ours", RECEIPT_UNDELIVERED, "x"),
	    1);
	assert_int_equal(due(fx), 0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "receipts_early"), 1);
	/* Kept as provider:id: another provider's SM2 is another SMS. */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE provider_msg = 'twilio:SM2'"), 1);
}

/* An acknowledged report is not made due by a late receipt. */
static void
test_acknowledged_not_due(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o, a;
	char		 text[32];

	(void)alerted(fx, "+84912345678", "SM3", &o);
	snprintf(text, sizeof(text), "NHAN %s", o.ref);
	fixture_receive(fx, "generic", NULL, "+84901000001", text, &a);
	assert_int_equal(file(fx, "SM3", RECEIPT_UNDELIVERED, "30005"), 1);
	assert_int_equal(due(fx), 0);
}

/*
 * A receipt ahead of its send's result (issue 23 item 5) is kept; when the
 * outbox records the id, it is recorded and the undelivered alert makes
 * its report due, as if it had come after.
 */
static void
test_receipt_before_send(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	struct receipt	 r;
	int64_t		 row;
	char		 sql[160];

	assert_int_equal(file(fx, "SM4", RECEIPT_UNDELIVERED, "30003"), 1);
	assert_int_equal(receipt_sent(st, "twilio:SM-other"), 0);
	fixture_receive(fx, "generic", NULL, "+84912345678", "BL T1", &o);
	snprintf(sql, sizeof(sql), "SELECT o.id FROM outbox o JOIN reports r "
	    "ON r.id = o.report_id WHERE r.ref = '%s' AND o.contact_id IS "
	    "NOT NULL AND o.event = 'report.created'", o.ref);
	row = fixture_count(st, sql);
	assert_int_equal(due(fx), 0);
	assert_int_equal(receipt_key(&r, "twilio", "SM4", 3), 0);
	assert_int_equal(store_outbox_result(st, row, "sent",
	    util_sched_now(), util_sched_now(), util_now(), NULL, r.key), 0);
	assert_int_equal(receipt_sent(st, r.key), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(due(fx), 1);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM outbox "
	    "WHERE receipt = 'undelivered' AND last_error = '30003'"), 1);
	/* Taken: the next send with that id finds none. */
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM "
	    "receipts_early"), 0);
	assert_int_equal(receipt_sent(st, r.key), 0);
	assert_int_equal(store_commit(st), 0);
}

/* Kept receipts for ids that never come go after a day. */
static void
test_receipt_kept_a_day(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;

	assert_int_equal(store_receipt_keep(st, "twilio:SM-old",
	    "undelivered", NULL, util_now() - 24 * 3600 - 1, 0), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(file(fx, "SM-new", RECEIPT_DELIVERED, ""), 1);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM "
	    "receipts_early WHERE msg = 'twilio:SM-old'"), 0);
	assert_int_equal(fixture_count(st, "SELECT count(*) FROM "
	    "receipts_early WHERE msg = 'twilio:SM-new'"), 1);
}

/* Keys: "provider:id", 1..RECEIPT_ID_MAX bytes of id, no NUL. */
static void
test_keys(void **state)
{
	struct receipt	 r;
	char		 id[RECEIPT_ID_MAX + 2];

	assert_int_equal(receipt_key(&r, "africastalking", "ATXid_1", 7), 0);
	assert_string_equal(r.key, "africastalking:ATXid_1");
	assert_int_equal(receipt_key(&r, "twilio", "", 0), -1);
	assert_int_equal(receipt_key(&r, "twilio", "a\0b", 3), -1);
	memset(id, 'x', sizeof(id));
	assert_int_equal(receipt_key(&r, "africastalking", id,
	    RECEIPT_ID_MAX), 0);
	assert_int_equal(strlen(r.key), strlen("africastalking:") +
	    RECEIPT_ID_MAX);
	assert_int_equal(receipt_key(&r, "twilio", id, RECEIPT_ID_MAX + 1),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_undelivered_escalates_once,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_delivered_pending_unknown,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_acknowledged_not_due,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_receipt_before_send,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_receipt_kept_a_day,
		    fixture_setup_responders, fixture_teardown),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
