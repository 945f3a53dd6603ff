/*
 * test_signup.c: the campaign family over an in-memory store: the local
 * date and the running campaign, DK with and without a code, unknown codes,
 * no campaign, opt-out and re-subscription, duplicates, and the broadcast's
 * choice of rows, its batches and its refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/store_int.h"	/* white box: raw SQL */
#include "../../handlers/handlers.h"
#include "fixture.h"

#define DAY	86400

/* YYYY-MM-DD of now + days, in UTC+7 (the test zone has no DST). */
static void
date_from_now(int days, char out[11])
{
	time_t		 t = time(NULL) + 7 * 3600 + (time_t)days * DAY;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/*
 * A config whose THD runs around today when running, else ended a
 * month ago; XYZ always runs next year.
 */
static struct config *
conf_make(int running)
{
	char		 a[11], b[11], json[1024];

	date_from_now(running ? -1 : -40, a);
	date_from_now(running ? 1 : -30, b);
	snprintf(json, sizeof(json),
	    "{ \"database\": \":memory:\", \"timezone\": \"Asia/Ho_Chi_Minh\","
	    "  \"areas\": [ { \"code\": \"T1\", \"name\": \"Thôn 1\" },"
	    "    { \"code\": \"T3\", \"name\": \"Thôn 3\","
	    "      \"aliases\": [\"thon 3\"] } ],"
	    "  \"campaigns\": ["
	    "   { \"code\": \"THD\", \"start\": \"%s\", \"end\": \"%s\" },"
	    "   { \"code\": \"Xyz\", \"start\": \"2099-03-01\","
	    "     \"end\": \"2099-03-31\" } ] }", a, b);
	return fixture_conf(json);
}

static int
setup_with(void **state, int running)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));

	fx->tc.conf = conf_make(running);
	fixture_store(fx);
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, 1);
}

static int
setup_idle(void **state)
{
	return setup_with(state, 0);
}

static void
reply_is(const struct fixture *fx, const struct outcome *o, enum tmpl t)
{
	assert_string_equal(o->reply, fx->tc.conf->templates[t]);
}

static void
test_date_and_active(void **state)
{
	static const struct {
		int64_t		 t;
		const char	*date;
		int		 active;
	} cases[] = {
		{ 1794675599, "2026-11-14", 0 },	/* 23:59:59 +07 */
		{ 1794675600, "2026-11-15", 1 },	/* 00:00:00 +07 */
		{ 1797353999, "2026-12-15", 1 },	/* last second */
		{ 1797354000, "2026-12-16", 0 },
	};
	static const char j[] = "{ \"campaigns\": [ { \"code\": \"THD\","
	    " \"start\": \"2026-11-15\", \"end\": \"2026-12-15\" } ] }";
	struct config	*c;
	char		 d[11], err[128], *tz;
	size_t		 i;

	tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	if ((c = config_parse(j, sizeof(j) - 1, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(signup_date(c->timezone, cases[i].t, d), 0);
		assert_string_equal(d, cases[i].date);
		if (cases[i].active)
			assert_ptr_equal(signup_active(c, cases[i].t),
			    &c->campaigns[0]);
		else
			assert_null(signup_active(c, cases[i].t));
	}
	/* The process's own TZ is left as it was. */
	if (tz == NULL)
		assert_null(getenv("TZ"));
	else
		assert_string_equal(getenv("TZ"), tz);
	free(tz);
	assert_int_equal(signup_date("UTC", 1794675600, d), 0);
	assert_string_equal(d, "2026-11-14");
	assert_ptr_equal(signup_campaign(c, "thd", 3), &c->campaigns[0]);
	assert_null(signup_campaign(c, "thdx", 4));
	assert_null(signup_campaign(c, "", 0));
	config_free(c);
}

static void
test_subscribe(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	fixture_receive(fx, "generic", NULL, "+84912345678", "Đăng ký", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_string_equal(o.ref, "");
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84912345678' AND campaign = 'THD'"
	    " AND source = 'sms' AND area IS NULL AND opted_out_at IS NULL"),
	    1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM messages "
	    "WHERE category = 'signup' AND reply IS NOT NULL"), 1);
	/* Nothing is filed, nobody alerted, no reply row (HTTP reply). */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM reports"),
	    0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox"),
	    0);

	/* Every keyword of the family; an area word is kept. */
	fixture_receive(fx, "generic", NULL, "+84900000001", "DK thon 3", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	fixture_receive(fx, "generic", NULL, "+84900000002", "tham gia", &o);
	fixture_receive(fx, "generic", NULL, "+84900000003", "join", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE campaign = 'THD'"), 4);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84900000001' AND area = 'T3'"), 1);

	/* USSD signups are marked as such. */
	fixture_routed(fx, "+84900000004", CAT_SIGNUP, -1, "DANGKY", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84900000004' AND source = 'ussd'"),
	    1);
}

static void
test_named_and_unknown_code(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	/* A named campaign need not be running; any case. */
	fixture_receive(fx, "generic", NULL, "+84912345678", "dk XYZ", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE campaign = 'Xyz'"), 1);
	fixture_receive(fx, "generic", NULL, "+84912345678", "THAMGIA thd", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84912345678'"), 2);

	/* The words residents write after DANG KY name no campaign: the
	 * running one is meant; an area after a code is kept (SPEC §4). */
	fixture_receive(fx, "generic", NULL, "+84911000001",
	    "Dang ky tham gia", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	fixture_receive(fx, "generic", NULL, "+84911000002",
	    "dang ky nhan tin thon 3", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84911000002' AND area = 'T3' AND "
	    "campaign = 'THD'"), 1);
	fixture_receive(fx, "generic", NULL, "+84911000003", "DK THD thon 3",
	    &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84911000003' AND area = 'T3'"), 1);

	/* An unknown code: a reply, nothing stored but the message. */
	fixture_receive(fx, "generic", NULL, "+84987654321", "DK ABC", &o);
	reply_is(fx, &o, TMPL_SIGNUP_UNKNOWN);
	assert_null(strstr(o.reply, "THD"));
	assert_null(strstr(o.reply, "Xyz"));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84987654321'"), 0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM messages "
	    "WHERE category = 'signup'"), 6);
}

static void
test_no_active_campaign(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	fixture_receive(fx, "generic", NULL, "+84912345678", "DK", &o);
	reply_is(fx, &o, TMPL_SIGNUP_NONE);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions"), 0);
	/* A campaign that is over joins nothing: the resident would wait
	 * for messages that never come; one not yet begun may be joined. */
	fixture_receive(fx, "generic", NULL, "+84912345678", "DK THD", &o);
	reply_is(fx, &o, TMPL_SIGNUP_NONE);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions"), 0);
	fixture_receive(fx, "generic", NULL, "+84912345678", "DK XYZ", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE campaign = 'Xyz'"), 1);
}

static void
test_optout_and_resubscribe(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	fixture_receive(fx, "generic", NULL, "+84912345678", "DK", &o);
	fixture_receive(fx, "generic", NULL, "+84912345678", "DK XYZ", &o);
	fixture_receive(fx, "generic", NULL, "+84900000001", "DK", &o);
	fixture_receive(fx, "generic", NULL, "+84912345678", "Huỷ ĐK", &o);
	reply_is(fx, &o, TMPL_OPTOUT);
	/* Every campaign of that number, nobody else. */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE opted_out_at IS NOT NULL"), 2);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM messages "
	    "WHERE category = 'optout'"), 1);
	/* Again, and from a stranger: the same reply, nothing changes. */
	fixture_receive(fx, "generic", NULL, "+84912345678", "STOP", &o);
	reply_is(fx, &o, TMPL_OPTOUT);
	fixture_receive(fx, "generic", NULL, "+84987654321", "tu choi", &o);
	reply_is(fx, &o, TMPL_OPTOUT);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions"), 3);

	/* DK again clears the opt-out of that campaign only. */
	fixture_receive(fx, "generic", NULL, "+84912345678", "DK", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84912345678' AND campaign = 'THD'"
	    " AND opted_out_at IS NULL"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84912345678' AND campaign = 'Xyz'"
	    " AND opted_out_at IS NOT NULL"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions"), 3);
}

static void
test_duplicates(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	fixture_receive(fx, "generic", NULL, "+84912345678", "DK", &o);
	fixture_receive(fx, "generic", NULL, "+84912345678", "dang ky", &o);
	fixture_routed(fx, "+84912345678", CAT_SIGNUP, -1, "DANGKY", &o);
	reply_is(fx, &o, TMPL_SIGNUP);
	/* One row per number and campaign; the first source is kept. */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE source = 'sms'"), 1);
	fixture_receive(fx, "generic", NULL, "+84912345678", "DK xyz", &o);
	fixture_receive(fx, "generic", NULL, "+84912345678", "DK XYZ", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "subscriptions WHERE unseal(phone) = '+84912345678'"), 2);
}

struct progress {
	size_t	 calls, done[8], total[8];
};

static void
progress_cb(size_t done, size_t total, void *arg)
{
	struct progress	*p = arg;

	if (p->calls < 8) {
		p->done[p->calls] = done;
		p->total[p->calls] = total;
	}
	p->calls++;
}

static void
test_broadcast_rows(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	struct progress	 p;
	char		 err[256], phone[PHONE_MAX];
	int		 i;

	for (i = 0; i < 5; i++) {
		snprintf(phone, sizeof(phone), "+8490000000%d", i);
		fixture_receive(fx, "generic", NULL, phone, "DK", &o);
	}
	fixture_receive(fx, "generic", NULL, "+84900000002", "STOP", &o);
	fixture_receive(fx, "generic", NULL, "+84900000009", "DK XYZ", &o);
	memset(&p, 0, sizeof(p));
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "thd",
	    NULL, "Hưởng ứng Tháng hành động", 0, 3, progress_cb, &p, err,
	    sizeof(err)), 4);
	assert_false(store_in_tx(fx->tc.store));
	assert_int_equal(p.calls, 2);
	assert_int_equal(p.done[0], 3);
	assert_int_equal(p.done[1], 4);
	assert_int_equal(p.total[1], 4);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'broadcast' AND channel = 'sms' AND status = "
	    "'pending' AND report_id IS NULL AND contact_id IS NULL AND "
	    "unseal(body) = 'Huong ung Thang hanh dong'"), 4);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(DISTINCT unseal(dest)) "
	    "FROM outbox"), 4);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE unseal(dest) IN ('+84900000002', '+84900000009')"), 0);

	/* Nobody subscribed: nothing, and that is fine. */
	memset(&p, 0, sizeof(p));
	fixture_receive(fx, "generic", NULL, "+84900000009", "STOP", &o);
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "XYZ",
	    NULL, "x", 0, 3, progress_cb, &p, err, sizeof(err)), 0);
	assert_int_equal(p.calls, 0);
}

static void
test_broadcast_refusals(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	char		 err[256], text[400];

	fixture_receive(fx, "generic", NULL, "+84912345678", "DK", &o);
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "NOPE",
	    NULL, "x", 0, 200, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NOPE"));
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "THD",
	    NULL, " \t", 0, 200, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	/* 307 GSM-7 characters: three segments. */
	memset(text, 'a', 307);
	text[307] = '\0';
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "THD",
	    NULL, text, 0, 200, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "3 SMS segments"));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox"),
	    0);
	/* 306 fit two; an accented text is counted once folded. */
	text[306] = '\0';
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "THD",
	    NULL, text, 0, 200, NULL, NULL, err, sizeof(err)), 1);
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "THD",
	    NULL, "Tháng hành động vì bình đẳng giới: tham gia cùng chúng tôi",
	    0, 200, NULL, NULL, err, sizeof(err)), 1);
}

/* Due alerts go out before due broadcast rows, whatever their age. */
static void
test_alerts_before_broadcast(void **state)
{
	struct fixture		*fx = *state;
	struct outbox_row	 row;
	struct outbox_due	 due[10];
	struct outcome		 o;
	char			 err[256];

	fixture_receive(fx, "generic", NULL, "+84912345678", "DK", &o);
	assert_int_equal(signup_broadcast(fx->tc.store, fx->tc.conf, "THD",
	    NULL, "x", 0, 200, NULL, NULL, err, sizeof(err)), 1);
	memset(&row, 0, sizeof(row));
	row.channel = "sms";
	row.event = "report.created";
	row.dest = "+84901000001";
	row.body = "BL";
	assert_true(store_outbox_add(fx->tc.store, &row,
	    util_sched_now() + 1) > 0);
	/* The broadcast waits in its own lane, which the outbox walks
	 * last, with what the alerts and replies left of the SMS rate. */
	assert_int_equal(store_outbox_due(fx->tc.store, util_sched_now() + 10,
	    OUTBOX_LANE_SMS, "", due, 10, 0, NULL, NULL), 1);
	assert_string_equal(due[0].event, "report.created");
	store_outbox_due_clear(&due[0]);
	assert_int_equal(store_outbox_due(fx->tc.store, util_sched_now() + 10,
	    OUTBOX_LANE_BROADCAST, "", due, 10, 0, NULL, NULL),
	    1);
	assert_string_equal(due[0].event, "broadcast");
	store_outbox_due_clear(&due[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_and_active),
		cmocka_unit_test_setup_teardown(test_subscribe, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_named_and_unknown_code,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_active_campaign,
		    setup_idle, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_optout_and_resubscribe,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_rows, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_refusals, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_alerts_before_broadcast,
		    setup, fixture_teardown),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
