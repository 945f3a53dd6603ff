/*
 * test_router.c: keyword and area matching, templates, and the whole
 * router over an in-memory store: reports, follow-ups, unknown texts,
 * duplicates and the outbox rows a report writes.
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

static const char test_conf[] =
    "{ \"database\": \":memory:\","
    "  \"providers\": { \"generic\": { \"secret\": \"s\" } },"
    "  \"areas\": ["
    "   { \"code\": \"T1\", \"name\": \"Thôn 1\", \"aliases\": [\"thon 1\"] },"
    "   { \"code\": \"T3\", \"name\": \"Thôn 3\", \"aliases\": [\"thon 3\", \"xom bau\"] } ] }";

static struct config *
conf_get(void)
{
	return fixture_conf(test_conf);
}

static void
match(const struct config *c, const char *text, struct route_match *m,
    char **folded)
{
	struct router	*rt = router_new(c);

	*folded = text_keyfold(text, strlen(text));
	router_match(rt, text, strlen(text), *folded, m);
	router_free(rt);
}

/* Table: text → category, area code (NULL: unknown), rest. */
static const struct {
	const char	*text;
	enum category	 cat;
	const char	*area;
	const char	*rest;
} match_cases[] = {
	{ "BL thon 3 chong danh vo", CAT_GBV, "T3", "chong danh vo" },
	{ "Báo lực thôn 3", CAT_GBV, "T3", "" },
	{ "bao luc T3 giup", CAT_GBV, "T3", "giup" },
	{ "BAOLUC thon3", CAT_GBV, "T3", "" },
	{ "  b.l,  THÔN   1 !", CAT_GBV, "T1", "" },
	{ "SOS", CAT_GBV, NULL, "" },
	{ "cứu tôi với", CAT_GBV, NULL, "voi" },
	{ "sos xom bau", CAT_GBV, "T3", "" },
	/* A hamlet's kind word and its number in any form (SPEC §4). */
	{ "BL thôn ba", CAT_GBV, "T3", "" },
	{ "BL Thôn 03 nhanh", CAT_GBV, "T3", "nhanh" },
	{ "BL thon3", CAT_GBV, "T3", "" },
	{ "BL thon mot", CAT_GBV, "T1", "" },
	{ "BL xóm 3", CAT_GBV, "T3", "" },	/* no area is a xóm here */
	{ "BL thon 2", CAT_GBV, NULL, "thon 2" },	/* no Thôn 2 */
	{ "BL thon 13", CAT_GBV, NULL, "thon 13" },
	/* Not right after the keyword: the first area anywhere (§4). */
	{ "BL chong danh em o thon ba", CAT_GBV, "T3",
	    "chong danh em o thon ba" },
	{ "BL abc thon 3 giup", CAT_GBV, "T3", "abc thon 3 giup" },
	{ "TC em can cho o, thon 1", CAT_SHELTER, "T1",
	    "em can cho o thon 1" },
	{ "TK 1234 THANG thon 3", CAT_STATS, NULL, "1234 thang thon 3" },
	{ "TC thon 1", CAT_SHELTER, "T1", "" },
	{ "Địa chỉ tin cậy", CAT_SHELTER, NULL, "" },
	{ "nha tam lanh", CAT_SHELTER, NULL, "" },
	{ "HD", CAT_HELP, NULL, "" },
	{ "?", CAT_HELP, NULL, "" },
	{ " ? ", CAT_HELP, NULL, "" },
	{ "huong dan", CAT_HELP, NULL, "" },
	{ "HUY DK", CAT_OPTOUT, NULL, "" },
	{ "huy A7K2", CAT_CANCEL, NULL, "a7k2" },
	{ "huy di", CAT_UNKNOWN, NULL, "huy di" },
	{ "NHAN A7K2", CAT_ACK, NULL, "a7k2" },
	{ "ok a7k2", CAT_ACK, NULL, "a7k2" },
	{ "ok cam on", CAT_UNKNOWN, NULL, "ok cam on" },
	{ "XONG A7K2", CAT_DONE, NULL, "a7k2" },
	{ "TK 1234 THANG", CAT_STATS, NULL, "1234 thang" },
	{ "dang ky", CAT_SIGNUP, NULL, "" },
	{ "xin chao", CAT_UNKNOWN, NULL, "xin chao" },
	{ "", CAT_UNKNOWN, NULL, "" },
	{ "blah thon 3", CAT_UNKNOWN, NULL, "blah thon 3" },
};

static void
test_match_table(void **state)
{
	struct config		*c = conf_get();
	struct route_match	 m;
	char			*f;
	size_t			 i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		match(c, match_cases[i].text, &m, &f);
		if (m.cat != match_cases[i].cat)
			fail_msg("'%s': category %d, want %d",
			    match_cases[i].text, m.cat, match_cases[i].cat);
		if (match_cases[i].area == NULL)
			assert_int_equal(m.area, -1);
		else {
			if (m.area < 0)
				fail_msg("'%s': no area", match_cases[i].text);
			assert_string_equal(c->areas[m.area].code,
			    match_cases[i].area);
		}
		if (strcmp(m.rest, match_cases[i].rest) != 0)
			fail_msg("'%s': rest '%s', want '%s'",
			    match_cases[i].text, m.rest, match_cases[i].rest);
		free(f);
	}
	config_free(c);
}

static void
test_template(void **state)
{
	struct config	*c = conf_get();
	char		 out[REPLY_MAX], small[10];
	struct text_seg	 seg;
	size_t		 t;

	template_render(c, TMPL_RECEIVED, "A7K2", out, sizeof(out));
	assert_non_null(strstr(out, "A7K2"));
	assert_non_null(strstr(out, "113"));
	assert_null(strstr(out, "%REF%"));
	template_render(c, TMPL_RECEIVED, "A7K2", small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* Every default is discreet and fits one GSM-7 segment. */
	for (t = 0; t < TMPL__MAX; t++) {
		char	*low;

		template_render(c, (enum tmpl)t, "ABCDEF", out, sizeof(out));
		text_segments(out, strlen(out), &seg);
		assert_int_equal(seg.enc, TEXT_GSM7);
		assert_int_equal(seg.segments, 1);
		low = text_keyfold(out, strlen(out));
		assert_null(strstr(low, "bao luc"));
		assert_null(strstr(low, "bao hanh"));
		assert_null(strstr(low, "tam lanh"));
		assert_null(strstr(low, "danh"));
		free(low);
	}
	config_free(c);
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	static const char *const contacts[][4] = {
		{ "Police", "+84901000001", "police", "*" },
		{ "Health", "+84901000002", "health", "T1" },
		{ "Vol", "+84901000003", "volunteer", "T3" },
		{ "Leader", "+84901000004", "leader", "*" },
	};
	size_t		 i;

	fx->tc.conf = conf_get();
	fixture_store(fx);
	for (i = 0; i < 4; i++) {
		struct contact_new k = { .name = contacts[i][0],
		    .phone = contacts[i][1], .role = contacts[i][2],
		    .areas = contacts[i][3], .channel = "sms" };

		assert_int_equal(store_contact_add(fx->tc.store, &k, 1), 0);
	}
	*state = fx;
	return 0;
}

static void
test_report_and_alerts(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o, o2;

	fixture_receive(fx, "generic", "m1", "+84912345678", "BL thon 3 chong danh vo", &o);
	assert_int_equal(o.duplicate, 0);
	assert_true(ref_valid(o.ref, strlen(o.ref)));
	assert_non_null(strstr(o.reply, o.ref));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM reports "
	    "WHERE category = 'gbv' AND area = 'T3'"), 1);
	/* police (*) only: health covers T1, volunteer is not a gbv role. */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.created'"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE unseal(dest) = '+84901000001' AND unseal(body) LIKE 'BL % T3 0912345678: %"
	    "Tra loi NHAN %'"), 1);

	/* The same provider id again: same outcome, nothing new. */
	fixture_receive(fx, "generic", "m1", "+84912345678", "BL thon 3 chong danh vo", &o2);
	assert_int_equal(o2.duplicate, 1);
	assert_string_equal(o.ref, o2.ref);
	assert_string_equal(o.reply, o2.reply);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM reports"),
	    1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM messages"),
	    1);

	/* No keyword from the reporter: a follow-up to the alerted. */
	fixture_receive(fx, "generic", "m2", "+84912345678", "nhanh len", &o2);
	assert_string_equal(o.ref, o2.ref);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM messages "
	    "WHERE category = 'followup' AND report_id IS NOT NULL"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.updated' AND unseal(dest) = '+84901000001'"), 1);

	/* Health covers T1: both police and health are alerted. */
	fixture_receive(fx, "generic", "m3", "+84912000000", "BL thon 1", &o2);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox o "
	    "JOIN reports r ON r.id = o.report_id WHERE r.area = 'T1'"), 2);
}

static void
test_unknown_and_fallback(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	fixture_receive(fx, "generic", "u1", "+84987654321", "xin chao", &o);
	assert_string_equal(o.ref, "");
	assert_non_null(strstr(o.reply, "113"));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM messages "
	    "WHERE category = 'unknown' AND report_id IS NULL"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM reports"),
	    0);

	/* Shelter in T1: no volunteer there, so escalation (police). */
	fixture_receive(fx, "generic", "s1", "+84987654321", "TC thon 1", &o);
	assert_true(ref_valid(o.ref, strlen(o.ref)));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE unseal(dest) = '+84901000001'"), 1);
	/* Shelter in T3: the volunteer. */
	fixture_receive(fx, "generic", "s2", "+84911111111", "TC thon 3", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE unseal(dest) = '+84901000003'"), 1);
}

/* A route a USSD menu decided is taken as is: the text is kept, never
 * parsed again (here it would say shelter in T1). */
static void
test_decided_route(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	fixture_routed(fx, "+84912345678", CAT_GBV, 1, "TC thon 1", &o);
	assert_true(ref_valid(o.ref, strlen(o.ref)));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE category = 'gbv' AND area = 'T3'"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE category = 'gbv' AND unseal(body) = 'TC thon 1'"), 1);
	/* "Don't know" the area: a report without one. */
	fixture_routed(fx, "+84912345670", CAT_SHELTER, -1, "thon 3", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE category = 'shelter' AND area IS NULL"), 1);
}

static void
test_rollback_keeps_nothing(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	struct inbound	 in;

	/* A message whose savepoint is rolled back by the batch leaves no
	 * trace: the provider retries it. */
	memset(&in, 0, sizeof(in));
	in.provider = "generic";
	util_strlcpy(in.ext_id, "r1", sizeof(in.ext_id));
	util_strlcpy(in.from, "+84912345678", sizeof(in.from));
	in.text = "SOS";
	in.textlen = 3;
	assert_int_equal(router_receive(fixture_router(fx), fx->tc.store, &in, &o), 0);
	store_rollback(fx->tc.store);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM messages"),
	    0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox"),
	    0);
}

static const char *
status_of(struct fixture *fx, const char *ref)
{
	static char		 status[16];
	struct report_row	 row;

	assert_int_equal(store_report_get(fx->tc.store, 0, ref, &row), 1);
	util_strlcpy(status, row.status, sizeof(status));
	store_report_row_clear(&row);
	return status;
}

static int64_t
report_int(struct fixture *fx, const char *ref, const char *col)
{
	char	 sql[128];
	int64_t	 id = store_report_find(fx->tc.store, ref);

	snprintf(sql, sizeof(sql), "SELECT coalesce(%s, -1) FROM reports "
	    "WHERE id = %lld", col, (long long)id);
	return fixture_count(fx->tc.store, sql);
}

static void
test_ack_done_cancel(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o, a, r;
	char		 text[64];

	/* T1: police (*) and health (T1) are alerted. */
	fixture_receive(fx, "generic", "r1", "+84912345678", "BL thon 1", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM reports "
	    "WHERE escalate_at IS NOT NULL"), 1);

	/* A stranger cannot take it: taken as a text without keyword, the
	 * unknown-message answer (help) and the review list; nothing
	 * changes. An unknown REF changes nothing either. */
	snprintf(text, sizeof(text), "NHAN %s", o.ref);
	fixture_receive(fx, "generic", "x1", "+84999999999", text, &a);
	assert_non_null(strstr(a.reply, "113"));
	assert_string_equal(a.ref, "");
	assert_string_equal(status_of(fx, o.ref), "open");
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE provider_id = 'x1' AND category = 'unknown' "
	    "AND reviewed_at IS NULL"), 1);
	fixture_receive(fx, "generic", "x2", "+84901000001", "NHAN ZZZZ", &a);
	assert_string_equal(status_of(fx, o.ref), "open");
	/* A contact never alerted for it (the volunteer of T3) cannot
	 * either (SPEC §6a). */
	fixture_receive(fx, "generic", "x3", "+84901000003", text, &a);
	assert_string_equal(status_of(fx, o.ref), "open");
	assert_null(strstr(a.reply, o.ref));

	/* Police takes it: escalation stops, health is told. */
	snprintf(text, sizeof(text), "ok %s", o.ref);
	fixture_receive(fx, "generic", "a1", "+84901000001", text, &a);
	assert_string_equal(a.ref, o.ref);
	assert_non_null(strstr(a.reply, o.ref));
	assert_string_equal(status_of(fx, o.ref), "acknowledged");
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM reports "
	    "WHERE escalate_at IS NOT NULL"), 0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.acknowledged' AND unseal(dest) = '+84901000002'"),
	    1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.acknowledged' AND unseal(dest) = '+84901000001'"),
	    0);
	/* A second NHAN: already taken, nothing new. */
	fixture_receive(fx, "generic", "a2", "+84901000002", text, &a);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.acknowledged'"), 1);

	/* HUY from the reporter's phone is a request (SPEC §8): nothing
	 * closes, the alerted are warned once, the phone gets the reply of
	 * a text without keyword. From anyone else it is no keyword at
	 * all, and answered the same. */
	snprintf(text, sizeof(text), "HUY %s", o.ref);
	fixture_receive(fx, "generic", "c0", "+84901000002", text, &r);
	assert_string_equal(status_of(fx, o.ref), "acknowledged");
	assert_int_equal(report_int(fx, o.ref, "cancel_requested"), 0);
	fixture_receive(fx, "generic", "c1", "+84912345678", text, &a);
	assert_string_equal(status_of(fx, o.ref), "acknowledged");
	assert_int_equal(report_int(fx, o.ref, "cancel_requested"), 1);
	assert_string_equal(a.reply, r.reply);
	assert_null(strstr(a.reply, o.ref));
	fixture_receive(fx, "generic", "c1b", "+84912345678", text, &a);
	assert_string_equal(a.reply, r.reply);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.cancel_requested'"), 2);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.cancelled'"), 0);
	/* Its next text without keyword is a follow-up, answered as any
	 * number's (SPEC §5). */
	fixture_receive(fx, "generic", "c2", "+84912345678", "dung lo", &a);
	assert_string_equal(a.ref, o.ref);
	assert_string_equal(a.reply, r.reply);

	/* Only a responder's XONG REF NHAM cancels. */
	snprintf(text, sizeof(text), "XONG %s nham", o.ref);
	fixture_receive(fx, "generic", "c3", "+84901000001", text, &a);
	assert_string_equal(status_of(fx, o.ref), "cancelled");
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.cancelled' AND unseal(dest) = '+84901000002'"), 1);

	/* XONG closes an open report with sex, age and outcome (§6a) and
	 * says what it understood and what not. */
	fixture_receive(fx, "generic", "r2", "+84912000001", "SOS thon 1", &o);
	snprintf(text, sizeof(text), "XONG %s nu 30 ca YT ca xyz", o.ref);
	fixture_receive(fx, "generic", "d1", "+84901000002", text, &a);
	assert_string_equal(status_of(fx, o.ref), "closed");
	assert_non_null(strstr(a.reply, "nu, 30 tuoi, CA YT"));
	assert_non_null(strstr(a.reply, "Khong hieu: xyz"));
	assert_int_equal(report_int(fx, o.ref, "victim_age"), 30);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE victim_sex = 'f' AND outcome = 'CA YT'"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM outbox "
	    "WHERE event = 'report.closed' AND unseal(dest) = '+84901000001'"), 1);

	/* An official may close a report it was never alerted for. */
	fixture_receive(fx, "generic", "r3", "+84912000002", "SOS thon 3", &o);
	snprintf(text, sizeof(text), "XONG %s nam 131", o.ref);
	fixture_receive(fx, "generic", "d2", "+84901000004", text, &a);
	assert_string_equal(status_of(fx, o.ref), "closed");
	assert_int_equal(report_int(fx, o.ref, "victim_age"), -1);
	assert_non_null(strstr(a.reply, "Khong hieu: 131"));

	/* HUY on an open report leaves its escalation running. */
	fixture_receive(fx, "generic", "r4", "+84912000003", "SOS thon 1", &o);
	snprintf(text, sizeof(text), "HUY %s", o.ref);
	fixture_receive(fx, "generic", "c4", "+84912000003", text, &a);
	assert_string_equal(status_of(fx, o.ref), "open");
	assert_true(report_int(fx, o.ref, "escalate_at") > 0);
	assert_int_equal(report_int(fx, o.ref, "cancel_requested"), 1);

	/* What only looks like a keyword and a REF is still heard (SPEC
	 * §4): "Huy" is a name, "dang" and "danh" are REF-shaped words. A
	 * stranger's plea is filed; the reporter's "ok ..." is a follow-up. */
	fixture_receive(fx, "generic", "p1", "+84999999998",
	    "Huy đang đánh tôi, cứu với", &a);
	assert_true(ref_valid(a.ref, strlen(a.ref)));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE provider_id = 'p1' AND category = 'gbv'"), 1);
	fixture_receive(fx, "generic", "p2", "+84912000003", "ok dang chay",
	    &a);
	assert_string_equal(a.ref, o.ref);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE provider_id = 'p2' AND category = 'followup'"),
	    1);
}

/* A plea without keyword reaches a person (SPEC §4): a distress phrase
 * anywhere files gbv with the first area named; other texts stay unknown;
 * one emergency texted again is one report. */
static void
test_pleas_and_repeats(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o, o2;

	fixture_receive(fx, "generic", "p1", "+84913000001",
	    "Chồng tôi đang đánh tôi, giúp với", &o);
	assert_true(ref_valid(o.ref, strlen(o.ref)));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE category = 'gbv' AND area IS NULL"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE event = 'report.created' AND unseal(dest) = "
	    "'+84901000001'"), 1);
	fixture_receive(fx, "generic", "p2", "+84913000002",
	    "Em o xom bau, bo em bi danh", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE category = 'gbv' AND area = 'T3'"), 1);
	/* No phrase: unknown, nothing filed. */
	fixture_receive(fx, "generic", "p3", "+84913000003",
	    "cho hoi lich tiem chung", &o);
	assert_string_equal(o.ref, "");
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports"), 2);
	/* "danh" alone, "tôi" alone: no phrase on word boundaries. */
	fixture_receive(fx, "generic", "p4", "+84913000004",
	    "danh sach toi can", &o);
	assert_string_equal(o.ref, "");

	/* BL three times from one number: one report, the REF again. */
	fixture_receive(fx, "generic", "r1", "+84913000005", "BL thon 1", &o);
	fixture_receive(fx, "generic", "r2", "+84913000005", "BL thon 1 nhanh",
	    &o2);
	assert_string_equal(o2.ref, o.ref);
	fixture_receive(fx, "generic", "r3", "+84913000005", "SOS", &o2);
	assert_string_equal(o2.ref, o.ref);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE category = 'gbv'"), 3);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE unseal(sender) = '+84913000005' AND category = "
	    "'followup'"), 2);
	/* Another category from the same number is another report. */
	fixture_receive(fx, "generic", "r4", "+84913000005", "TC thon 1", &o2);
	assert_string_not_equal(o2.ref, o.ref);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE category = 'shelter'"), 1);
}

/* keywords.distress and keywords.not_distress add to the built-in lists
 * (SPEC §2, §4): a commune's own words page, the built-in ones still do,
 * and its everyday phrase pages no one. */
static void
test_distress_configured(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	struct outcome	 o;

	fx->tc.conf = fixture_conf("{ \"providers\": { \"generic\": "
	    "{ \"secret\": \"s\" } }, \"keywords\": { \"distress\": "
	    "[\"Ông kẹ tới\"], \"not_distress\": [\"đánh trâu\"] } }");
	fixture_store(fx);
	fixture_receive(fx, "generic", "d1", "+84913000010",
	    "ong ke toi nha roi", &o);
	assert_true(ref_valid(o.ref, strlen(o.ref)));
	fixture_receive(fx, "generic", "d2", "+84913000011", "giup em voi",
	    &o);
	assert_true(ref_valid(o.ref, strlen(o.ref)));
	fixture_receive(fx, "generic", "d3", "+84913000012",
	    "chong em di danh trau ngoai dong", &o);
	assert_string_equal(o.ref, "");
	fixture_teardown((void **)&fx);
}

/* Two keywords made only of punctuation, in two families: each matches
 * its own text as written, neither the other's (both fold to ""). */
static void
test_punctuation_keywords(void **state)
{
	struct config		*c;
	struct route_match	 m;
	char			*f;

	c = fixture_conf("{ \"providers\": { \"generic\": { \"secret\": "
	    "\"s\" } }, \"keywords\": { \"gbv\": [\"BL\", \"!!\"] } }");
	match(c, " !! ", &m, &f);
	assert_int_equal(m.cat, CAT_GBV);
	free(f);
	match(c, "?", &m, &f);
	assert_int_equal(m.cat, CAT_HELP);
	free(f);
	match(c, "!", &m, &f);
	assert_int_equal(m.cat, CAT_UNKNOWN);
	free(f);
	config_free(c);
}

/* A stray byte that is not UTF-8 is stored as U+FFFD, never as is: what
 * reads the text back (tincayctl's JSON) must not break on it. */
static void
test_bad_utf8_repaired(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	fixture_receive(fx, "generic", "u1", "+84913000020",
	    "xin chao \xc3 ban", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE provider_id = 'u1' AND unseal(body) = "
	    "'xin chao \xef\xbf\xbd ban'"), 1);	/* U+FFFD */
	fixture_receive(fx, "generic", "u2", "+84913000021",
	    "BL thon 1 \xff\xfe chong danh", &o);
	assert_true(ref_valid(o.ref, strlen(o.ref)));
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE provider_id = 'u2' AND unseal(body) = "
	    "'BL thon 1 \xef\xbf\xbd\xef\xbf\xbd chong danh'"), 1);
}

/* reports close by an operator (§6a): XONG's codes and reply, every
 * contact alerted told, acked_by the operator; a closed report, a REF
 * that names none, NHAM. */
static void
test_close_by_operator(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o, p;
	char		 reply[REPLY_MAX], text[64];

	fixture_receive(fx, "generic", "r1", "+84912345678", "BL thon 1", &o);
	assert_int_equal(ack_close_by_operator(fx->tc.store, fx->tc.conf,
	    o.ref, "Nữ 30 ca YT ca xyz", 100, reply, sizeof(reply)),
	    ACK_OPERATOR_CLOSED);
	assert_false(store_in_tx(fx->tc.store));
	assert_string_equal(status_of(fx, o.ref), "closed");
	assert_non_null(strstr(reply, o.ref));
	assert_non_null(strstr(reply, "Ghi nhan: nu, 30 tuoi, CA YT."));
	assert_non_null(strstr(reply, "Khong hieu: xyz."));
	assert_int_equal(report_int(fx, o.ref, "victim_age"), 30);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE victim_sex = 'f' AND outcome = 'CA YT' AND "
	    "acked_by = '" ACK_OPERATOR "' AND closed_at = 100"), 1);
	/* Police (*) and health (T1) were alerted: both are told. */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE event = 'report.closed' AND unseal(dest) IN "
	    "('+84901000001', '+84901000002')"), 2);
	/* The same reply as a responder's XONG with the same words. */
	fixture_receive(fx, "generic", "r2", "+84912345679", "BL thon 1", &p);
	snprintf(text, sizeof(text), "XONG %s nu 30 ca YT ca xyz", p.ref);
	fixture_receive(fx, "generic", "d2", "+84901000001", text, &o);
	assert_non_null(strstr(o.reply, "Ghi nhan"));
	assert_string_equal(strstr(o.reply, "Ghi nhan"), strstr(reply,
	    "Ghi nhan"));
	fixture_receive(fx, "generic", "r3", "+84912345670", "BL thon 1", &o);
	assert_int_equal(ack_close_by_operator(fx->tc.store, fx->tc.conf,
	    p.ref, "", 101, reply, sizeof(reply)), ACK_OPERATOR_NOT_OPEN);
	assert_string_equal(reply, "closed");
	/* Lower-case REF, NHAM: cancelled, no data. */
	{
		char	 low[REF_MAX];
		size_t	 k;

		for (k = 0; o.ref[k] != '\0'; k++)
			low[k] = (char)(o.ref[k] | 0x20);
		low[k] = '\0';
		assert_int_equal(ack_close_by_operator(fx->tc.store,
		    fx->tc.conf, low, "nham", 102, reply, sizeof(reply)),
		    ACK_OPERATOR_CANCELLED);
	}
	assert_string_equal(status_of(fx, o.ref), "cancelled");
	assert_int_equal(ack_close_by_operator(fx->tc.store, fx->tc.conf,
	    "ZZZZ", "nu", 103, reply, sizeof(reply)), ACK_OPERATOR_NO_REPORT);
	assert_int_equal(ack_close_by_operator(fx->tc.store, fx->tc.conf,
	    "TOOLONGREF", "nu", 103, reply, sizeof(reply)),
	    ACK_OPERATOR_NO_REPORT);
	assert_false(store_in_tx(fx->tc.store));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_template),
		cmocka_unit_test_setup_teardown(test_report_and_alerts, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_fallback,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pleas_and_repeats, setup,
		    fixture_teardown),
		cmocka_unit_test(test_distress_configured),
		cmocka_unit_test(test_punctuation_keywords),
		cmocka_unit_test_setup_teardown(test_bad_utf8_repaired, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_decided_route, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_rollback_keeps_nothing,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_ack_done_cancel, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_close_by_operator, setup,
		    fixture_teardown),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
