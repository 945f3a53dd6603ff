/*
 * test_city.c: a city's communes in the handlers (SPEC §11), over a store
 * of the test's own: need to know (NHAN, XONG, DUYET, BO of another
 * commune's case answered as a stranger's), a report whose commune
 * nobody told placed by the text that tells it, review digests to each
 * commune's own reviewers, signups carrying their commune and a
 * broadcast to one commune, a USSD route to the commune its menu chose.
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

/* Two communes with numbers of their own; the city's number is any other.
 * TC escalates sooner than the city, to its leaders. */
static const char city_conf[] =
    "{ \"database\": \":memory:\","
    "  \"routing\": { \"gbv\": [\"police\"], \"shelter\": [\"volunteer\"],"
    "   \"unknown\": [] },"
    "  \"escalation\": { \"gbv\": { \"after_s\": 600, \"to\": [\"leader\"] } },"
    "  \"officials\": [\"official\", \"leader\"],"
    "  \"review\": { \"to\": [\"leader\"], \"every_s\": 60 },"
    "  \"campaigns\": [ { \"code\": \"THD\", \"name\": \"Thang hanh dong\","
    "   \"start\": \"2026-01-01\", \"end\": \"2099-12-31\" } ],"
    "  \"communes\": ["
    "   { \"code\": \"TC\", \"name\": \"Xã Tịnh Châu\","
    "     \"numbers\": [\"0255111001\"],"
    "     \"escalation\": { \"gbv\": { \"after_s\": 300,"
    "      \"to\": [\"leader\"] } },"
    "     \"areas\": [ { \"code\": \"T1\", \"name\": \"Thôn 1\" },"
    "      { \"code\": \"T3\", \"name\": \"Thôn 3\" } ] },"
    "   { \"code\": \"TA\", \"name\": \"Xã Tịnh An\","
    "     \"numbers\": [\"0255111002\"],"
    "     \"areas\": [ { \"code\": \"T1\", \"name\": \"Thôn 1\" } ] } ] }";

#define TO_TC		"+84255111001"
#define TO_TA		"+84255111002"
#define TO_CITY		"8088"
#define RESIDENT	"+84987650001"

/* The city's contacts, by SMS, every area. */
static const struct {
	const char	*name, *phone, *role, *commune;
} city_contacts[] = {
	{ "Police TC", "+84901000001", "police", "TC" },
	{ "Police TA", "+84901000002", "police", "TA" },
	{ "Leader TC", "+84901000003", "leader", "TC" },
	{ "Leader TA", "+84901000004", "leader", "TA" },
	{ "Leader city", "+84901000005", "leader", "*" },
	{ "Official city", "+84901000006", "official", "*" },
	{ "Police city", "+84901000007", "police", "*" },
};
#define POLICE_TC	city_contacts[0].phone
#define POLICE_TA	city_contacts[1].phone
#define LEADER_TC	city_contacts[2].phone
#define LEADER_TA	city_contacts[3].phone
#define LEADER_CITY	city_contacts[4].phone
#define OFFICIAL_CITY	city_contacts[5].phone
#define POLICE_CITY	city_contacts[6].phone

static void
add_contact(struct fixture *fx, const char *name, const char *phone,
    const char *role, const char *commune)
{
	struct contact_new	 c;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.phone = phone;
	c.role = role;
	c.areas = "*";
	c.channel = "sms";
	c.commune = commune;
	assert_int_equal(store_begin(fx->tc.store), 0);
	assert_int_equal(store_contact_add(fx->tc.store, &c, util_now()), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	size_t		 i;

	fx->tc.conf = fixture_conf(city_conf);
	fixture_store(fx);
	for (i = 0; i < sizeof(city_contacts) / sizeof(city_contacts[0]); i++)
		add_contact(fx, city_contacts[i].name, city_contacts[i].phone,
		    city_contacts[i].role, city_contacts[i].commune);
	*state = fx;
	return 0;
}

/* Text from a number to a number (a commune's, or the city's). */
static void
receive(struct fixture *fx, const char *from, const char *to,
    const char *text, struct outcome *out)
{
	struct inbound	 in;

	memset(&in, 0, sizeof(in));
	in.provider = "generic";
	snprintf(in.ext_id, sizeof(in.ext_id), "c%d", ++fx->n);
	util_strlcpy(in.from, from, sizeof(in.from));
	util_strlcpy(in.to, to, sizeof(in.to));
	in.text = text;
	in.textlen = strlen(text);
	assert_int_equal(router_receive(fixture_router(fx), fx->tc.store, &in,
	    out), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);
}

/* The first number of a query's row (its text made with printf). */
static int64_t
count(struct fixture *fx, const char *fmt, ...)
{
	char	 sql[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return fixture_count(fx->tc.store, sql);
}

/* Outbox rows of event to contact phone. */
static int64_t
sent_to(struct fixture *fx, const char *event, const char *phone)
{
	return count(fx, "SELECT count(*) FROM outbox o JOIN contacts c ON"
	    " c.id = o.contact_id WHERE o.event = '%s' AND c.phone = '%s'",
	    event, phone);
}

static void
help_text(const struct fixture *fx, char *out, size_t outlen)
{
	template_render(fx->tc.conf, TMPL_HELP, "", out, outlen);
}

/* A stranger's answer, and nothing changed: status, no event. */
static void
refused(struct fixture *fx, const char *from, const char *text,
    const char *status)
{
	struct outcome	 o;
	char		 help[REPLY_MAX];
	int64_t		 rows = count(fx, "SELECT count(*) FROM outbox");

	receive(fx, from, TO_CITY, text, &o);
	help_text(fx, help, sizeof(help));
	assert_string_equal(o.reply, help);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " id = 1 AND status = '%s'", status), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox"), rows);
}

/* A commune's report: NHAN and XONG of another commune's contacts are a
 * stranger's, whatever their role or what they were sent; a city-level
 * contact may when the commune's routing or escalation names its role. */
static void
test_need_to_know_ack(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	char		 text[64];

	receive(fx, RESIDENT, TO_TC, "BL thon 3 chong danh em", &o);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " commune = 'TC' AND area = 'T3'"), 1);
	/* Its commune's police and the city's, never TA's. */
	assert_int_equal(sent_to(fx, "report.created", POLICE_TC), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_CITY), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TA), 0);

	/* TA's police and TA's leader (an official there): strangers. */
	snprintf(text, sizeof(text), "NHAN %s", o.ref);
	refused(fx, POLICE_TA, text, "open");
	snprintf(text, sizeof(text), "XONG %s nu 30 CA", o.ref);
	refused(fx, LEADER_TA, text, "open");
	/* A city official whose role TC calls on for nothing. */
	snprintf(text, sizeof(text), "NHAN %s", o.ref);
	refused(fx, OFFICIAL_CITY, text, "open");
	/* One alerted while it was TC's, moved to TA since: not its case. */
	assert_int_equal(store_begin(fx->tc.store), 0);
	assert_int_equal(db_exec(fixture_db(fx->tc.store), "UPDATE contacts"
	    " SET commune = 'TA' WHERE phone = '+84901000001'"), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);
	refused(fx, POLICE_TC, text, "open");

	/* The city's police (routing names police): it may. */
	receive(fx, POLICE_CITY, TO_CITY, text, &o);
	assert_non_null(strstr(o.reply, "Da xac nhan"));
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " id = 1 AND status = 'acknowledged'"), 1);

	/* TC's leader (an official of TC) closes it. */
	snprintf(text, sizeof(text), "XONG %s nu 30 CA", o.ref);
	receive(fx, LEADER_TC, TO_TC, text, &o);
	assert_non_null(strstr(o.reply, "Da dong"));
	/* TA's leader cannot amend it; the city's leader (escalation) can. */
	snprintf(text, sizeof(text), "XONG %s nam 40 YT", o.ref);
	refused(fx, LEADER_TA, text, "closed");
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " id = 1 AND victim_sex = 'f' AND victim_age = 30"), 1);
	receive(fx, LEADER_CITY, TO_CITY, text, &o);
	assert_non_null(strstr(o.reply, "Da sua"));
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " id = 1 AND victim_sex = 'm' AND victim_age = 40"), 1);
}

/* A city-level report ("*") and the city's contacts: as before. */
static void
test_need_to_know_city_report(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	char		 text[64];

	receive(fx, RESIDENT, TO_CITY, "BL chong danh em", &o);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " commune = '*'"), 1);
	snprintf(text, sizeof(text), "NHAN %s", o.ref);
	/* A commune's official never saw it: not its case. */
	refused(fx, LEADER_TC, text, "open");
	/* The city's official may (same level, an official). */
	receive(fx, OFFICIAL_CITY, TO_CITY, text, &o);
	assert_non_null(strstr(o.reply, "Da xac nhan"));
}

/* "Ban o xa nao?" answered: the report is the commune's from then on. */
static void
test_placed_by_name(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	struct text_seg	 seg;
	char		 ref[REF_MAX], want[REPLY_MAX];
	int64_t		 at;

	receive(fx, RESIDENT, TO_CITY, "BL chong danh em", &o);
	util_strlcpy(ref, o.ref, sizeof(ref));
	template_render(fx->tc.conf, TMPL_RECEIVED_WHERE, ref, want,
	    sizeof(want));
	assert_string_equal(o.reply, want);
	assert_int_equal(sent_to(fx, "report.created", POLICE_CITY), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TC), 0);
	assert_int_equal(count(fx, "SELECT sum(n) FROM report_days WHERE"
	    " area = '*.'"), 1);

	receive(fx, RESIDENT, TO_CITY, "xa tinh chau", &o);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " commune = 'TC' AND status = 'open'"), 1);
	/* Its counts moved with it. */
	assert_int_equal(count(fx, "SELECT sum(n) FROM report_days WHERE"
	    " area = '*.'"), 0);
	assert_int_equal(count(fx, "SELECT sum(n) FROM report_days WHERE"
	    " area = 'TC.'"), 1);
	/* TC's police hear of it as new, once; TA's never; the city's had. */
	assert_int_equal(sent_to(fx, "report.created", POLICE_TC), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TA), 0);
	assert_int_equal(sent_to(fx, "report.created", POLICE_CITY), 1);
	assert_int_equal(sent_to(fx, "report.updated", POLICE_CITY), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox o JOIN"
	    " contacts c ON c.id = o.contact_id WHERE c.phone = '%s' AND"
	    " unseal(o.body) LIKE 'BL %s TC.? %%chong danh em / xa tinh chau"
	    "%%'", POLICE_TC, ref), 1);
	/* One discreet segment with the hotline, without the REF (SPEC §5:
	 * only a report's first reply carries it). */
	template_render(fx->tc.conf, TMPL_PLACED, ref, want, sizeof(want));
	assert_string_equal(o.reply, want);
	assert_null(strstr(o.reply, ref));
	assert_non_null(strstr(o.reply, "113"));
	assert_null(strstr(o.reply, "bao luc"));
	assert_null(strstr(o.reply, "BL"));
	text_segments(o.reply, strlen(o.reply), &seg);
	assert_int_equal(seg.enc, TEXT_GSM7);
	assert_int_equal(seg.segments, 1);
	/* A follow-up, not a text for review. */
	assert_int_equal(count(fx, "SELECT count(*) FROM messages WHERE"
	    " id = 2 AND category = 'followup' AND commune = 'TC' AND"
	    " review_at IS NULL"), 1);

	/* Its escalation is TC's: due 300 s after it came, to TC's leader
	 * and the city's, not TA's. */
	at = count(fx, "SELECT escalate_at FROM reports WHERE id = 1");
	assert_true(at <= util_sched_now() + 300 && at >= util_sched_now() +
	    298);
	assert_int_equal(escalate_due(st, fx->tc.conf, at, ESCALATE_BATCH),
	    1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(sent_to(fx, "report.escalated", LEADER_TC), 1);
	assert_int_equal(sent_to(fx, "report.escalated", LEADER_CITY), 1);
	assert_int_equal(sent_to(fx, "report.escalated", LEADER_TA), 0);

	/* Told already: another commune's name now is only a follow-up. */
	receive(fx, RESIDENT, TO_CITY, "Tinh An", &o);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " commune = 'TC'"), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TA), 0);
}

/* BL with the commune's name and a hamlet of its own: the hamlet too. */
static void
test_placed_by_keyword(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	char		 ref[REF_MAX], want[REPLY_MAX];

	receive(fx, RESIDENT, TO_CITY, "cuu em voi", &o);
	util_strlcpy(ref, o.ref, sizeof(ref));
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " commune = '*' AND area IS NULL"), 1);
	receive(fx, RESIDENT, TO_CITY, "BL Tinh Chau thon 3", &o);
	assert_string_equal(o.ref, ref);
	template_render(fx->tc.conf, TMPL_PLACED, ref, want, sizeof(want));
	assert_string_equal(o.reply, want);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " commune = 'TC' AND area = 'T3'"), 1);
	assert_int_equal(count(fx, "SELECT sum(n) FROM report_days WHERE"
	    " area = 'TC.T3'"), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TC), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TA), 0);
}

/* A number with no report naming a commune: an ordinary text of it. */
static void
test_no_report_no_placing(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	char		 help[REPLY_MAX];

	receive(fx, RESIDENT, TO_CITY, "Tinh Chau", &o);
	help_text(fx, help, sizeof(help));
	assert_string_equal(o.reply, help);
	assert_string_equal(o.ref, "");
	assert_int_equal(count(fx, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM messages WHERE"
	    " commune = 'TC' AND category = 'unknown'"), 1);
}

/* Review digests: each commune's texts to its own reviewers. */
static void
test_review_per_commune(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;

	receive(fx, "+84987650011", TO_TC, "cho em hoi lich tiem", &o);
	receive(fx, "+84987650012", TO_TA, "xin chao anh chi", &o);
	receive(fx, "+84987650013", TO_CITY, "alo alo", &o);
	assert_int_equal(review_due(st, fx->tc.conf, INT64_MAX / 2), 3);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(sent_to(fx, "inbox.review", LEADER_TC), 1);
	assert_int_equal(sent_to(fx, "inbox.review", LEADER_TA), 1);
	assert_int_equal(sent_to(fx, "inbox.review", LEADER_CITY), 1);
	/* Each its own texts only. */
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox o JOIN"
	    " contacts c ON c.id = o.contact_id WHERE c.phone = '%s' AND"
	    " unseal(o.body) LIKE 'XEM 1 tin: #1 ..011 %%'", LEADER_TC), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox o JOIN"
	    " contacts c ON c.id = o.contact_id WHERE c.phone = '%s' AND"
	    " unseal(o.body) LIKE 'XEM 1 tin: #2 ..012 %%'", LEADER_TA), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox o JOIN"
	    " contacts c ON c.id = o.contact_id WHERE c.phone = '%s' AND"
	    " unseal(o.body) LIKE 'XEM 1 tin: #3 ..013 %%'", LEADER_CITY), 1);

	/* DUYET and BO of another commune's text: a stranger's. */
	receive(fx, LEADER_TA, TO_TA, "DUYET 1", &o);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM messages WHERE"
	    " id = 1 AND reviewed_at IS NULL"), 1);
	receive(fx, LEADER_TC, TO_TC, "BO 2", &o);
	assert_int_equal(count(fx, "SELECT count(*) FROM messages WHERE"
	    " id = 2 AND reviewed_at IS NULL"), 1);
	/* Its own commune's leader files it, in its commune, hamlet and
	 * all; the city's leader may dismiss a commune's. */
	receive(fx, LEADER_TC, TO_TC, "DUYET 1 thon 3", &o);
	assert_non_null(strstr(o.reply, "thon T3"));
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " commune = 'TC' AND area = 'T3'"), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TC), 1);
	assert_int_equal(sent_to(fx, "report.created", POLICE_TA), 0);
	receive(fx, LEADER_CITY, TO_CITY, "BO 2", &o);
	assert_non_null(strstr(o.reply, "da bo qua"));
}

/* A commune none of whose contacts reviews: the city's own reviewers. */
static void
test_review_fallback_city(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;

	assert_int_equal(store_contact_remove(st, LEADER_TA), 1);
	receive(fx, "+84987650012", TO_TA, "xin chao anh chi", &o);
	assert_int_equal(review_due(st, fx->tc.conf, INT64_MAX / 2), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(sent_to(fx, "inbox.review", LEADER_CITY), 1);
	assert_int_equal(sent_to(fx, "inbox.review", LEADER_TC), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM messages WHERE"
	    " review_at IS NOT NULL"), 0);
}

/* A signup carries its commune; a broadcast to one reaches it only. */
static void
test_signup_commune(void **state)
{
	struct fixture	*fx = *state;
	struct store	*st = fx->tc.store;
	struct outcome	 o;
	char		 err[256];

	receive(fx, "+84987650021", TO_TC, "DK", &o);
	receive(fx, "+84987650022", TO_TA, "DK THD", &o);
	receive(fx, "+84987650023", TO_CITY, "DK", &o);
	receive(fx, "+84987650024", TO_CITY, "DK Tinh An", &o);
	/* Signed up again at the city's number: its commune stays. */
	receive(fx, "+84987650021", TO_CITY, "DK", &o);
	assert_int_equal(count(fx, "SELECT count(*) FROM subscriptions WHERE"
	    " commune = 'TC'"), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM subscriptions WHERE"
	    " commune = 'TA'"), 2);
	assert_int_equal(count(fx, "SELECT count(*) FROM subscriptions WHERE"
	    " commune = '*'"), 1);

	assert_int_equal(signup_broadcast(st, fx->tc.conf, "THD", "ta",
	    "Thang hanh dong o Tinh An", 0, 200, NULL, NULL, err,
	    sizeof(err)), 2);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox WHERE"
	    " event = 'broadcast' AND unseal(dest) IN ('+84987650022',"
	    " '+84987650024')"), 2);
	assert_int_equal(count(fx, "SELECT count(*) FROM outbox WHERE"
	    " event = 'broadcast'"), 2);
	/* Its run is TA's: a run to all is another. */
	assert_int_equal(count(fx, "SELECT count(*) FROM broadcast_runs"
	    " WHERE campaign = 'THD/TA' AND done = 1"), 1);
	assert_int_equal(signup_broadcast(st, fx->tc.conf, "THD", NULL,
	    "Thang hanh dong", 0, 200, NULL, NULL, err, sizeof(err)), 4);
	assert_int_equal(signup_broadcast(st, fx->tc.conf, "THD", "XX",
	    "x", 0, 200, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "commune 'XX'"));
}

/* A USSD session's route: the commune its menu chose, whose hamlet the
 * area indexes, whatever the number's history says. */
static void
test_ussd_route(void **state)
{
	struct fixture	*fx = *state;
	struct inbound	 in;
	struct outcome	 o;

	/* The number's recent report is TC's. */
	receive(fx, RESIDENT, TO_TC, "BL thon 3", &o);
	assert_int_equal(store_begin(fx->tc.store), 0);
	assert_int_equal(db_exec(fixture_db(fx->tc.store), "UPDATE reports"
	    " SET status = 'closed', closed_at = 1"), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);

	memset(&in, 0, sizeof(in));
	in.provider = "africastalking-ussd";
	util_strlcpy(in.ext_id, "u1", sizeof(in.ext_id));
	util_strlcpy(in.from, RESIDENT, sizeof(in.from));
	util_strlcpy(in.to, "*384*1#", sizeof(in.to));
	in.text = "BAOLUC T1";
	in.textlen = strlen(in.text);
	in.source = "ussd";
	in.routed = 1;
	in.cat = CAT_SHELTER;
	in.area = 0;
	in.commune = "TA";
	assert_int_equal(router_receive(fixture_router(fx), fx->tc.store, &in,
	    &o), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " ref = '%s' AND commune = 'TA' AND area = 'T1' AND"
	    " category = 'shelter'", o.ref), 1);
	assert_int_equal(count(fx, "SELECT count(*) FROM messages WHERE"
	    " provider_id = 'u1' AND commune = 'TA'"), 1);

	/* "0", no commune: the city's own level, not the history's TC. */
	util_strlcpy(in.ext_id, "u2", sizeof(in.ext_id));
	util_strlcpy(in.from, "+84987650031", sizeof(in.from));
	in.cat = CAT_GBV;
	in.area = -1;
	in.commune = NULL;
	assert_int_equal(router_receive(fixture_router(fx), fx->tc.store, &in,
	    &o), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);
	assert_int_equal(count(fx, "SELECT count(*) FROM reports WHERE"
	    " ref = '%s' AND commune = '*' AND area IS NULL", o.ref), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_need_to_know_ack, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_need_to_know_city_report,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_placed_by_name, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_placed_by_keyword, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_report_no_placing,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_review_per_commune, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_review_fallback_city,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_signup_commune, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ussd_route, setup,
		    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
