/*
 * test_stats.c: TK/THONGKE (SPEC §6): periods and their UTC boundaries in
 * the commune's time zone (UTC+7, month and year edges, a DST zone, no
 * tzdata), who may ask and the PIN, the AREA filter, the reply's format
 * and length, over the whole router and an in-memory store; the PIN kept
 * as a hash, a TK stored without it, and the lockout after wrong PINs.
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

static const char test_conf[] =
    "{ \"database\": \":memory:\","
    "  \"providers\": { \"generic\": { \"secret\": \"s\" } },"
    "  \"areas\": ["
    "   { \"code\": \"T1\", \"name\": \"Thôn 1\", \"aliases\": [\"thon 1\"] },"
    "   { \"code\": \"T3\", \"name\": \"Thôn 3\", \"aliases\": [\"thon 3\"] } ] }";

/* Local (UTC+7) instants, as UTC epoch seconds. */
#define NOV01		1793466000LL	/* 2026-11-01 00:00 */
#define DEC01		1796058000LL	/* 2026-12-01 00:00 */
#define JAN01_2027	1798736400LL	/* 2027-01-01 00:00 */
#define JAN01_2026	1767200400LL	/* 2026-01-01 00:00 */

static struct config *
conf_get(void)
{
	return fixture_conf(test_conf);
}

static void
test_midnight(void **state)
{
	int	 y, m, d;

	assert_int_equal(tz_midnight(VN, 2026, 11, 1), NOV01);
	assert_int_equal(tz_midnight(VN, 2026, 12, 1), DEC01);
	/* Overflowing day and month are normalised. */
	assert_int_equal(tz_midnight(VN, 2026, 11, 31), DEC01);
	assert_int_equal(tz_midnight(VN, 2026, 13, 1), JAN01_2027);
	assert_int_equal(tz_midnight(VN, 2027, 1, 1), JAN01_2027);
	/* 2026-11-30 17:00 UTC is already 1 December in the commune. */
	assert_int_equal(tz_date(VN, DEC01, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 20261201);
	assert_int_equal(tz_date(VN, DEC01 - 1, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 20261130);
	/* A zone with daylight saving: its DST day has 23 hours. */
	assert_int_equal(tz_midnight("Europe/Berlin", 2026, 3, 1),
	    1772319600LL);
	assert_int_equal(tz_midnight("Europe/Berlin", 2026, 4, 1),
	    1774994400LL);
	assert_int_equal(tz_midnight("Europe/Berlin", 2026, 3, 30) -
	    tz_midnight("Europe/Berlin", 2026, 3, 29), 23 * 3600);
}

static void
test_tz_restored_and_fallback(void **state)
{
	const char	*tz;

	setenv("TZ", "America/New_York", 1);
	assert_int_equal(tz_midnight(VN, 2026, 11, 1), NOV01);
	tz = getenv("TZ");
	assert_non_null(tz);
	assert_string_equal(tz, "America/New_York");
	unsetenv("TZ");
	assert_int_equal(tz_midnight(VN, 2026, 12, 1), DEC01);
	assert_null(getenv("TZ"));
	/* No tzdata: the built-in rule for the commune's zone. */
	setenv("TZDIR", "/nonexistent-zoneinfo", 1);
	assert_int_equal(tz_midnight(VN, 2026, 11, 1), NOV01);
	assert_int_equal(tz_midnight(VN, 2027, 1, 1), JAN01_2027);
	unsetenv("TZDIR");
}

/* Local clock times for tincayctl's listings: the commune's, DST and all;
 * TZ put back after a zone held for a listing. */
static void
test_stamp(void **state)
{
	struct tz_zone	*z;
	char		 out[TZ_STAMP_MAX];

	assert_int_equal(tz_stamp(VN, DEC01, out), 0);
	assert_string_equal(out, "2026-12-01 00:00");
	assert_int_equal(tz_stamp(VN, DEC01 - 60, out), 0);
	assert_string_equal(out, "2026-11-30 23:59");
	/* 2026-03-29 01:30 UTC is 03:30 summer time in Berlin. */
	assert_int_equal(tz_stamp("Europe/Berlin", 1774747800LL, out), 0);
	assert_string_equal(out, "2026-03-29 03:30");
	setenv("TZ", "America/New_York", 1);
	z = tz_zone_enter(VN);
	assert_int_equal(tz_zone_stamp(z, NOV01 + 3600 + 120, out), 0);
	assert_string_equal(out, "2026-11-01 01:02");
	/* Another tz_ call inside keeps the zone. */
	assert_int_equal(tz_midnight("Europe/Berlin", 2026, 3, 1),
	    1772319600LL);
	assert_int_equal(tz_zone_stamp(z, JAN01_2027, out), 0);
	assert_string_equal(out, "2027-01-01 00:00");
	tz_zone_leave(z);
	assert_string_equal(getenv("TZ"), "America/New_York");
	unsetenv("TZ");
	tz_zone_leave(NULL);
}

/* Table: folded words at now → label, boundaries, what follows. */
static const struct {
	const char	*words;
	int64_t		 now;
	const char	*label;		/* NULL: not a period */
	int64_t		 from, to;
	const char	*rest;
} period_cases[] = {
	/* 2026-12-01 01:30 local, still 30 November in UTC. */
	{ "thang", 1796063400LL, "12/2026", DEC01, JAN01_2027, "" },
	{ "thang nay t1", 1796063400LL, "12/2026", DEC01, JAN01_2027, "t1" },
	{ "homnay", 1796063400LL, "01/12/2026", DEC01, DEC01 + 86400, "" },
	{ "hom nay thon 1", 1796063400LL, "01/12/2026", DEC01, DEC01 + 86400,
	    "thon 1" },
	{ "tuan", 1796063400LL, "25/11-01/12/2026", DEC01 - 6 * 86400,
	    DEC01 + 86400, "" },
	{ "nam", 1796063400LL, "2026", JAN01_2026, JAN01_2027, "" },
	{ "11 2026", 1796063400LL, "11/2026", NOV01, DEC01, "" },
	{ "11 2026 t3", 0, "11/2026", NOV01, DEC01, "t3" },
	{ "12 2026", 0, "12/2026", DEC01, JAN01_2027, "" },
	{ "thang 11 2026", 0, "11/2026", NOV01, DEC01, "" },
	{ "2026", 0, "2026", JAN01_2026, JAN01_2027, "" },
	{ "nam 2026 t1", 0, "2026", JAN01_2026, JAN01_2027, "t1" },
	{ "2 2024", 0, "02/2024", 1706720400LL, 1709226000LL, "" },
	/* A week over New Year (2027-01-02 10:00 local). */
	{ "tuan", 1798858800LL, "27/12/2026-02/01/2027", 1798304400LL,
	    1798909200LL, "" },
	{ "13 2026", 0, NULL, 0, 0, NULL },
	{ "11 26", 0, NULL, 0, 0, NULL },
	{ "1234", 0, NULL, 0, 0, NULL },
	{ "1999", 0, NULL, 0, 0, NULL },
	{ "t1", 0, NULL, 0, 0, NULL },
	{ "", 0, NULL, 0, 0, NULL },
	{ "thangx", 0, NULL, 0, 0, NULL },
};

static void
test_period_table(void **state)
{
	struct stats_period	 p;
	const char		*rest;
	size_t			 i;

	for (i = 0; i < sizeof(period_cases) / sizeof(period_cases[0]); i++) {
		rest = stats_period(VN, period_cases[i].words,
		    period_cases[i].now ? period_cases[i].now : NOV01, &p);
		if (period_cases[i].label == NULL) {
			if (rest != NULL)
				fail_msg("'%s': parsed as %s",
				    period_cases[i].words, p.label);
			continue;
		}
		if (rest == NULL)
			fail_msg("'%s': not a period", period_cases[i].words);
		if (strcmp(p.label, period_cases[i].label) != 0)
			fail_msg("'%s': label %s, want %s",
			    period_cases[i].words, p.label,
			    period_cases[i].label);
		if (p.from != period_cases[i].from || p.to !=
		    period_cases[i].to)
			fail_msg("'%s': [%lld, %lld), want [%lld, %lld)",
			    period_cases[i].words, (long long)p.from,
			    (long long)p.to, (long long)period_cases[i].from,
			    (long long)period_cases[i].to);
		assert_string_equal(rest, period_cases[i].rest);
	}
}

static void
test_format(void **state)
{
	struct stats_counts	 c;
	struct text_seg		 seg;
	char			 out[REPLY_MAX];

	memset(&c, 0, sizeof(c));
	c.gbv = 5;
	c.shelter = 2;
	c.signups = 140;
	c.status[STATS_CANCELLED] = 1;
	c.status[STATS_OPEN] = 1;
	c.status[STATS_ACKNOWLEDGED] = 1;
	c.status[STATS_CLOSED] = 4;
	stats_format(&c, "11/2026", NULL, 3, out, sizeof(out));
	assert_string_equal(out,
	    "TK 11/2026: BL 5 TC 2 DK 140 HUY 1; mo 2 xong 4");
	stats_format(&c, "11/2026", "T3", 1, out, sizeof(out));
	assert_string_equal(out,
	    "TK 11/2026 T3: BL 5 TC 2 DK 140 HUY 1; mo 2 xong 4");
	/* An area's small counts name a household (SPEC §6): 1 and 2 show
	 * as "<3", 0 and 3 or more as they are; commune totals exact. */
	stats_format(&c, "11/2026", "T3", 3, out, sizeof(out));
	assert_string_equal(out,
	    "TK 11/2026 T3: BL 5 TC <3 DK 140 HUY <3; mo <3 xong 4");
	c.status[STATS_CLOSED] = 3;
	c.shelter = 0;
	stats_format(&c, "11/2026", "T3", 3, out, sizeof(out));
	assert_string_equal(out,
	    "TK 11/2026 T3: BL 5 TC 0 DK 140 HUY <3; mo <3 xong 3");
	/* The longest label and huge counts still fit two segments. */
	c.gbv = c.shelter = c.signups = INT64_MAX / 8;
	c.status[STATS_OPEN] = c.status[STATS_CLOSED] = INT64_MAX / 8;
	c.status[STATS_CANCELLED] = INT64_MAX / 8;
	stats_format(&c, "27/12/2026-02/01/2027", "THON-CODE-VERY-LONG", 3, out,
	    sizeof(out));
	text_segments(out, strlen(out), &seg);
	assert_int_equal(seg.enc, TEXT_GSM7);
	assert_true(seg.segments <= 2);
}

/* ------------------------------------------------------------ router */

static struct db *
db_of(struct store *st)
{
	return st->db;
}

static void
exec_sql(struct store *st, const char *sql)
{
	if (db_exec(db_of(st), sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db_of(st)));
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	static const char *const contacts[][5] = {
		{ "Police", "+84901000001", "police", "*", NULL },
		{ "Leader", "+84901000004", "leader", "*", NULL },
		{ "Official", "+84901000005", "official", "*", "4321" },
	};
	size_t		 i;

	fx->tc.conf = conf_get();
	fixture_store(fx);
	for (i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
		struct contact_new k = { .name = contacts[i][0],
		    .phone = contacts[i][1], .role = contacts[i][2],
		    .areas = contacts[i][3], .channel = "sms",
		    .pin = contacts[i][4] };

		assert_int_equal(store_contact_add(fx->tc.store, &k, 1), 0);
	}
	/*
	 * November 2026 (local): gbv T1 open at the first instant, T3
	 * closed, no area cancelled at the last second; shelter T1
	 * acknowledged; an unknown text's report. Outside: gbv the second
	 * before and the instant after November.
	 */
	exec_sql(fx->tc.store,
	    "INSERT INTO reports (ref, category, area, status, reporter,"
	    " created_at, updated_at) VALUES"
	    " ('AAAA', 'gbv', 'T1', 'open', '+84911000001', 1793466000, 0),"
	    " ('AAAB', 'gbv', 'T3', 'closed', '+84911000002', 1794718800, 0),"
	    " ('AAAC', 'gbv', NULL, 'cancelled', '+84911000003', 1796057999,"
	    "  0),"
	    " ('AAAD', 'shelter', 'T1', 'acknowledged', '+84911000004',"
	    "  1794272400, 0),"
	    " ('AAAE', 'unknown', NULL, 'open', '+84911000005', 1795140000,"
	    "  0),"
	    " ('AAAF', 'gbv', 'T1', 'open', '+84911000006', 1793465999, 0),"
	    " ('AAAG', 'gbv', 'T1', 'open', '+84911000007', 1796058000, 0);"
	    "INSERT INTO subscriptions (phone, campaign, area, source,"
	    " subscribed_at) VALUES"
	    " ('+84911000010', 'THD', 'T1', 'sms', 1795539600),"
	    " ('+84911000011', 'THD', NULL, 'ussd', 1795140000),"
	    " ('+84911000012', 'THD', NULL, 'sms', 1792461600);");
	*state = fx;
	return 0;
}

static const char *
stored_category(struct fixture *fx, const char *id)
{
	static char	 cat[32];
	struct db_stmt	*s;

	assert_int_equal(db_prepare(db_of(fx->tc.store),
	    "SELECT category FROM messages WHERE provider_id = ?1", &s), 0);
	db_bind_text(s, 1, id, -1);
	assert_int_equal(db_step(s), DB_ROW);
	util_strlcpy(cat, db_column_text(s, 0), sizeof(cat));
	db_finalize(s);
	return cat;
}

/* What an official with the right PIN gets; the table is the SPEC. */
static const struct {
	const char	*from, *text, *reply;
} answer_cases[] = {
	{ "+84901000005", "TK 4321 11/2026",
	    "TK 11/2026: BL 3 TC 1 DK 2 HUY 1; mo 2 xong 1" },
	{ "+84901000005", "tk 4321 thang 11/2026",
	    "TK 11/2026: BL 3 TC 1 DK 2 HUY 1; mo 2 xong 1" },
	/* An area's counts of 1 and 2 name households: "<3" (§6), and
	 * never alone: "*" where a figure would give one back. */
	{ "+84901000005", "Thống kê 4321 11-2026 thôn 1",
	    "TK 11/2026 T1: BL <3 TC <3 DK <3 HUY *; mo <3 xong *" },
	{ "+84901000005", "TK 4321 T3 11/2026",
	    "TK 11/2026 T3: BL <3 TC * DK 0 HUY 0; mo * xong <3" },
	{ "+84901000005", "TK 4321 2026",
	    "TK 2026: BL 5 TC 1 DK 3 HUY 1; mo 4 xong 1" },
	{ "+84901000005", "TK 4321 12/2026",
	    "TK 12/2026: BL 1 TC 0 DK 0 HUY 0; mo 1 xong 0" },
	/* The leader has no PIN: the period comes first. */
	{ "+84901000004", "TK 10/2026",
	    "TK 10/2026: BL 1 TC 0 DK 1 HUY 0; mo 1 xong 0" },
	{ "+84901000004", "TK 2025",
	    "TK 2025: BL 0 TC 0 DK 0 HUY 0; mo 0 xong 0" },
};

static void
test_officials_get_counts(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	struct text_seg	 seg;
	char		 id[16];
	size_t		 i;

	for (i = 0; i < sizeof(answer_cases) / sizeof(answer_cases[0]); i++) {
		snprintf(id, sizeof(id), "a%zu", i);
		fixture_receive(fx, "generic", id, answer_cases[i].from, answer_cases[i].text,
		    &o);
		if (strcmp(o.reply, answer_cases[i].reply) != 0)
			fail_msg("'%s': '%s', want '%s'",
			    answer_cases[i].text, o.reply,
			    answer_cases[i].reply);
		assert_string_equal(o.ref, "");
		assert_string_equal(stored_category(fx, id), "stats");
		text_segments(o.reply, strlen(o.reply), &seg);
		assert_int_equal(seg.enc, TEXT_GSM7);
		assert_true(seg.segments <= 2);
	}
}

static void
test_default_period_and_usage(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	char		 want[32];
	int		 y, m, d;

	/* No PERIOD: this month, in the commune's time zone. */
	assert_int_equal(tz_date(VN, util_now(), &y, &m, &d), 0);
	snprintf(want, sizeof(want), "TK %02d/%04d: ", m, y);
	fixture_receive(fx, "generic", "d1", "+84901000004", "TK", &o);
	assert_memory_equal(o.reply, want, strlen(want));
	fixture_receive(fx, "generic", "d2", "+84901000005", "THONGKE 4321", &o);
	assert_memory_equal(o.reply, want, strlen(want));
	/* An official who is allowed but writes nonsense is told how. */
	fixture_receive(fx, "generic", "d3", "+84901000004", "TK hom qua", &o);
	assert_non_null(strstr(o.reply, "TK [PIN]"));
	fixture_receive(fx, "generic", "d4", "+84901000005", "TK 4321 11/2026 11/2026", &o);
	assert_non_null(strstr(o.reply, "TK [PIN]"));
}

static void
test_others_get_unknown_answer(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 unknown, o, rep;
	static const struct {
		const char	*from, *text;
	} refused[] = {
		{ "+84901000001", "TK 11/2026" },	/* police: no official */
		{ "+84901000005", "TK 11/2026" },	/* official, no PIN */
		{ "+84901000005", "TK 1234 11/2026" },	/* wrong PIN */
		{ "+84901000005", "TK 43210 11/2026" },	/* longer PIN */
		{ "+84901000005", "TK" },		/* no PIN at all */
		{ "+84988000000", "TK 4321 11/2026" },	/* a stranger */
		{ "+84988000000", "THONGKE" },
	};
	char		 id[16];
	size_t		 i;

	fixture_receive(fx, "generic", "u0", "+84977000000", "xin chao", &unknown);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(id, sizeof(id), "r%zu", i);
		fixture_receive(fx, "generic", id, refused[i].from, refused[i].text, &o);
		if (strcmp(o.reply, unknown.reply) != 0)
			fail_msg("'%s' from %s: '%s'", refused[i].text,
			    refused[i].from, o.reply);
		assert_string_equal(o.ref, "");
		assert_string_equal(stored_category(fx, id), "unknown");
	}
	/* A resident with a young open report: a follow-up, as any text. */
	fixture_receive(fx, "generic", "f1", "+84966000000", "BL thon 1", &rep);
	fixture_receive(fx, "generic", "f2", "+84966000000", "TK 11/2026", &o);
	assert_string_equal(o.ref, rep.ref);
	fixture_receive(fx, "generic", "f3", "+84966000000", "them nua", &unknown);
	assert_string_equal(o.reply, unknown.reply);
	assert_string_equal(stored_category(fx, "f2"), "followup");
}

/* The text stored for message id (NULL as ""). */
static const char *
stored_body(struct fixture *fx, const char *id)
{
	static char	 body[256];
	struct db_stmt	*s;
	const char	*v;

	sealed_sql(fx->tc.store);
	assert_int_equal(db_prepare(db_of(fx->tc.store),
	    "SELECT unseal(body) FROM messages WHERE provider_id = ?1", &s), 0);
	db_bind_text(s, 1, id, -1);
	assert_int_equal(db_step(s), DB_ROW);
	v = db_column_text(s, 0);
	util_strlcpy(body, v ? v : "", sizeof(body));
	db_finalize(s);
	return body;
}

/* The PIN is kept as a salted slow hash (SPEC §8), never in clear. */
static void
test_pin_hashed(void **state)
{
	struct fixture		*fx = *state;
	struct contact_row	 k;

	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "contacts WHERE pin = '4321'"), 0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "contacts WHERE pin LIKE 'scrypt$%'"), 1);
	assert_int_equal(store_contact_get(fx->tc.store, "+84901000005", &k),
	    1);
	assert_true(pin_is_hash(k.pin_hash));
	assert_int_equal(pin_verify("4321", 4, k.pin_hash), 1);
	assert_int_equal(pin_verify("4322", 4, k.pin_hash), 0);
	assert_int_equal(store_contact_get(fx->tc.store, "+84901000004", &k),
	    1);
	assert_string_equal(k.pin_hash, "");
}

/* A TK is stored without its PIN, right or wrong (SPEC §7, §8). */
static void
test_stored_without_pin(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;
	static const struct {
		const char	*text, *stored, *category;
	} cases[] = {
		{ "TK 4321 THANG", "TK THANG", "stats" },
		{ "TK 4321", "TK", "stats" },
		{ "Thống kê 4321 11-2026 thôn 1", "Thống kê 11-2026 thôn 1",
		    "stats" },
		{ "tk:4321, 11/2026", "tk:, 11/2026", "stats" },
		/* Wrong PINs are stored as unknown texts, without them. */
		{ "TK 4312 THANG", "TK THANG", "unknown" },
		{ "TK 1234 1234 nam", "TK nam", "unknown" },
		/* Written so that the raw words miss it: folded, without. */
		{ "TK\xe2\x80\x93" "4321 thang", "tk thang", "stats" },
	};
	char		 id[16];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(id, sizeof(id), "p%zu", i);
		fixture_receive(fx, "generic", id, "+84901000005",
		    cases[i].text, &o);
		assert_string_equal(stored_category(fx, id),
		    cases[i].category);
		if (strcmp(stored_body(fx, id), cases[i].stored) != 0)
			fail_msg("'%s' stored as '%s', want '%s'",
			    cases[i].text, stored_body(fx, id),
			    cases[i].stored);
	}
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE body LIKE '%4321%' OR body LIKE '%4312%'"
	    " OR reply LIKE '%4321%'"), 0);
	/* No PIN: the first word is the period, kept as sent. */
	fixture_receive(fx, "generic", "q1", "+84901000004", "TK 10/2026", &o);
	assert_string_equal(stored_body(fx, "q1"), "TK 10/2026");
}

/* A wrong PIN passed on in an unknown text's alert is gone there too. */
static void
test_wrong_pin_not_alerted(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o;

	config_free(fx->tc.conf);
	fx->tc.conf = fixture_conf("{ \"database\": \":memory:\","
	    "  \"providers\": { \"generic\": { \"secret\": \"s\" } },"
	    "  \"routing\": { \"unknown\": [\"police\"] },"
	    "  \"areas\": [ { \"code\": \"T1\" } ] }");
	fixture_receive(fx, "generic", "w1", "+84901000005", "TK 4312 nam",
	    &o);
	assert_string_equal(stored_category(fx, "w1"), "unknown");
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE event = 'report.created'"), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE unseal(body) LIKE '%4312%'"), 0);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE unseal(body) LIKE '%TK nam%'"), 1);
}

/*
 * TK through the handler at an instant of our choosing (it->now), for the
 * official +84901000005 (PIN 4321): 0 answered, HANDLER_UNMATCHED refused.
 */
static int
tk_at(struct fixture *fx, const char *text, int64_t now, char *reply,
    size_t replylen)
{
	struct intake	 it;
	struct inbound	 in;
	char		*folded;
	int		 rc;

	memset(&in, 0, sizeof(in));
	in.provider = "generic";
	util_strlcpy(in.from, "+84901000005", sizeof(in.from));
	in.text = text;
	in.textlen = strlen(text);
	memset(&it, 0, sizeof(it));
	it.conf = fx->tc.conf;
	it.st = fx->tc.store;
	it.in = &in;
	it.now = now;
	folded = text_keyfold(text, strlen(text));
	router_match(fixture_router(fx), text, strlen(text), folded, &it.m);
	assert_int_equal(it.m.cat, CAT_STATS);
	assert_int_equal(store_contact_get(fx->tc.store, in.from,
	    &it.contact), 1);
	assert_int_equal(store_begin(fx->tc.store), 0);
	rc = stats_family.fn(&it);
	assert_int_equal(store_commit(fx->tc.store), 0);
	if (reply != NULL)
		util_strlcpy(reply, it.reply, replylen);
	free(it.stored_text);
	free(folded);
	return rc;
}

/* Five wrong PINs in an hour lock TK for that contact for an hour (§8). */
static void
test_pin_lockout(void **state)
{
	struct fixture	*fx = *state;
	char		 reply[REPLY_MAX];
	int64_t		 t = NOV01 + 86400;
	int		 i;

	/* Four wrong, then right: the count starts again. */
	for (i = 0; i < 4; i++)
		assert_int_equal(tk_at(fx, "TK 1111 11/2026", t + i, NULL, 0),
		    HANDLER_UNMATCHED);
	assert_int_equal(tk_at(fx, "TK 4321 11/2026", t + 10, reply,
	    sizeof(reply)), 0);
	assert_string_equal(reply,
	    "TK 11/2026: BL 3 TC 1 DK 2 HUY 1; mo 2 xong 1");
	for (i = 0; i < 4; i++)
		assert_int_equal(tk_at(fx, "TK 1111", t + 20 + i, NULL, 0),
		    HANDLER_UNMATCHED);
	assert_int_equal(tk_at(fx, "TK 4321", t + 30, NULL, 0), 0);
	/* Wrong PINs more than an hour apart never add up to five. */
	for (i = 0; i < 8; i++)
		assert_int_equal(tk_at(fx, "TK 1111", t + 40 + i * 1000, NULL,
		    0), HANDLER_UNMATCHED);
	assert_int_equal(tk_at(fx, "TK 4321", t + 8100, NULL, 0), 0);
	/* Five within the hour: the right PIN is refused for an hour. */
	t += 10000;
	for (i = 0; i < 5; i++)
		assert_int_equal(tk_at(fx, "TK 0000", t + i * 600, NULL, 0),
		    HANDLER_UNMATCHED);
	t += 2400;	/* the fifth */
	assert_int_equal(tk_at(fx, "TK 4321", t + 1, NULL, 0),
	    HANDLER_UNMATCHED);
	assert_int_equal(tk_at(fx, "TK 4321 11/2026", t + 3599, NULL, 0),
	    HANDLER_UNMATCHED);
	/* An hour later: answered again, and the slate is clean. */
	assert_int_equal(tk_at(fx, "TK 4321 11/2026", t + 3600, reply,
	    sizeof(reply)), 0);
	assert_string_equal(reply,
	    "TK 11/2026: BL 3 TC 1 DK 2 HUY 1; mo 2 xong 1");
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "pin_failures"), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(tk_at(fx, "TK 1111", t + 3700 + i, NULL, 0),
		    HANDLER_UNMATCHED);
	assert_int_equal(tk_at(fx, "TK 4321", t + 3710, NULL, 0), 0);
}

/* Over the router: locked, the right PIN gets the unknown-text answer,
 * is stored as unknown and without the PIN; another official is not. */
static void
test_pin_lockout_routed(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 unknown, o;
	char		 id[16];
	int		 i;

	fixture_receive(fx, "generic", "u0", "+84977000000", "xin chao",
	    &unknown);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "l%d", i);
		fixture_receive(fx, "generic", id, "+84901000005",
		    "TK 9999 11/2026", &o);
		assert_string_equal(o.reply, unknown.reply);
	}
	fixture_receive(fx, "generic", "l5", "+84901000005",
	    "TK 4321 11/2026", &o);
	assert_string_equal(o.reply, unknown.reply);
	assert_string_equal(stored_category(fx, "l5"), "unknown");
	assert_string_equal(stored_body(fx, "l5"), "TK 11/2026");
	assert_true(fixture_count(fx->tc.store, "SELECT pin_locked_until "
	    "FROM contacts WHERE phone = '+84901000005'") > util_now());
	/* A provider's retry of a wrong one counts once. */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "pin_failures"), 0);
	fixture_receive(fx, "generic", "l0", "+84901000005",
	    "TK 9999 11/2026", &o);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "pin_failures"), 0);
	/* The leader, without a PIN, is not locked out. */
	fixture_receive(fx, "generic", "l6", "+84901000004", "TK 11/2026", &o);
	assert_string_equal(stored_category(fx, "l6"), "stats");
	/* A lock an hour old is over. */
	exec_sql(fx->tc.store, "UPDATE contacts SET pin_locked_until ="
	    " pin_locked_until - 3600");
	fixture_receive(fx, "generic", "l7", "+84901000005",
	    "TK 4321 11/2026", &o);
	assert_string_equal(o.reply,
	    "TK 11/2026: BL 3 TC 1 DK 2 HUY 1; mo 2 xong 1");
}

/*
 * A city of two communes whose hamlets share codes (SPEC §11): TK from a
 * commune's official counts that commune; from a city-level official the
 * city, or the commune it names, anywhere in the text; a commune's
 * official naming another commune is answered as a stranger.
 */
static const char city_conf[] =
    "{ \"database\": \":memory:\","
    "  \"providers\": { \"generic\": { \"secret\": \"s\" } },"
    "  \"areas\": [ { \"code\": \"T1\", \"name\": \"Thôn 1\" } ],"
    "  \"officials\": [\"city_official\"],"
    "  \"communes\": ["
    "   { \"code\": \"TINHCHAU\", \"name\": \"Xã Tịnh Châu\","
    "     \"numbers\": [\"+84900000101\"], \"officials\": [\"official\"],"
    "     \"areas\": ["
    "      { \"code\": \"T1\", \"name\": \"Thôn 1\", \"aliases\": [\"thon 1\"] },"
    "      { \"code\": \"T3\", \"name\": \"Thôn 3\", \"aliases\": [\"thon 3\"] } ] },"
    "   { \"code\": \"TINHAN\", \"name\": \"Xã Tịnh Ấn\","
    "     \"officials\": [\"official\"],"
    "     \"areas\": ["
    "      { \"code\": \"T1\", \"name\": \"Thôn 1\", \"aliases\": [\"thon 1\"] },"
    "      { \"code\": \"T3\", \"name\": \"Thôn 3\", \"aliases\": [\"thon 3\"] } ] } ] }";

static int
city_setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	static const char *const contacts[][4] = {
		{ "Official TC", "+84901000011", "official", "TINHCHAU" },
		{ "Official TA", "+84901000012", "official", "TINHAN" },
		{ "City", "+84901000013", "city_official", "*" },
		{ "Police TC", "+84901000014", "police", "TINHCHAU" },
	};
	size_t		 i;

	fx->tc.conf = fixture_conf(city_conf);
	fixture_store(fx);
	for (i = 0; i < sizeof(contacts) / sizeof(contacts[0]); i++) {
		struct contact_new k = { .name = contacts[i][0],
		    .phone = contacts[i][1], .role = contacts[i][2],
		    .areas = "*", .channel = "sms",
		    .commune = contacts[i][3] };

		assert_int_equal(store_contact_add(fx->tc.store, &k, 1), 0);
	}
	/* November 2026: TINHCHAU gbv T3 x3 (one closed), gbv T1, shelter
	 * T3; TINHAN gbv T3, gbv T1 x4; one nobody placed (*). */
	exec_sql(fx->tc.store,
	    "INSERT INTO reports (ref, category, area, status, reporter,"
	    " created_at, updated_at, commune) VALUES"
	    " ('AAAA', 'gbv', 'T3', 'open', 'x', 1793466000, 0, 'TINHCHAU'),"
	    " ('AAAB', 'gbv', 'T3', 'open', 'x', 1793466100, 0, 'TINHCHAU'),"
	    " ('AAAC', 'gbv', 'T3', 'closed', 'x', 1793466200, 0, 'TINHCHAU'),"
	    " ('AAAD', 'gbv', 'T1', 'open', 'x', 1793466300, 0, 'TINHCHAU'),"
	    " ('AAAE', 'shelter', 'T3', 'open', 'x', 1793466400, 0,"
	    "  'TINHCHAU'),"
	    " ('AAAF', 'gbv', 'T3', 'open', 'x', 1793466500, 0, 'TINHAN'),"
	    " ('AAAG', 'gbv', 'T1', 'open', 'x', 1793466600, 0, 'TINHAN'),"
	    " ('AAAH', 'gbv', 'T1', 'open', 'x', 1793466700, 0, 'TINHAN'),"
	    " ('AAAI', 'gbv', 'T1', 'open', 'x', 1793466800, 0, 'TINHAN'),"
	    " ('AAAJ', 'gbv', 'T1', 'open', 'x', 1793466900, 0, 'TINHAN'),"
	    " ('AAAK', 'gbv', NULL, 'open', 'x', 1793467000, 0, '*')");
	*state = fx;
	return 0;
}

/* A message sent to number to (NULL: none), committed. */
static void
city_receive(struct fixture *fx, const char *from, const char *to,
    const char *text, struct outcome *out)
{
	struct inbound	 in;

	memset(&in, 0, sizeof(in));
	in.provider = "generic";
	snprintf(in.ext_id, sizeof(in.ext_id), "c%d", ++fx->n);
	util_strlcpy(in.from, from, sizeof(in.from));
	if (to != NULL)
		util_strlcpy(in.to, to, sizeof(in.to));
	in.text = text;
	in.textlen = strlen(text);
	in.source = "sms";
	assert_int_equal(router_receive(fixture_router(fx), fx->tc.store, &in,
	    out), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);
}

#define TC_ALL	"TK 11/2026 TINHCHAU: BL 4 TC 1 DK 0 HUY 0; mo 4 xong 1"
#define TA_ALL	"TK 11/2026 TINHAN: BL 5 TC 0 DK 0 HUY 0; mo 5 xong 0"

static void
test_city_counts(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 o, t3;
	static const struct {
		const char	*from, *to, *text, *reply;
	} cases[] = {
		/* A commune's official: its commune, whatever it texts. */
		{ "+84901000011", NULL, "TK 11/2026", TC_ALL },
		{ "+84901000011", "+84900000101", "TK 11/2026", TC_ALL },
		{ "+84901000011", NULL, "TK 11/2026 Tinh Chau", TC_ALL },
		{ "+84901000011", NULL, "TK TINHCHAU 11/2026", TC_ALL },
		{ "+84901000012", "+84900000101", "TK 11/2026", TA_ALL },
		/* The city's: the city, or the commune it names. */
		{ "+84901000013", NULL, "TK 11/2026",
		    "TK 11/2026: BL 10 TC 1 DK 0 HUY 0; mo 10 xong 1" },
		{ "+84901000013", NULL, "TK 11/2026 Tịnh Châu", TC_ALL },
		{ "+84901000013", NULL, "tk thang 11/2026 tinhan", TA_ALL },
		{ "+84901000013", NULL, "TK Xã Tịnh Ấn 11/2026", TA_ALL },
		{ "+84901000013", "+84900000101", "TK 11/2026 TINHAN",
		    TA_ALL },
		/* A hamlet needs its commune at the city's level. */
		{ "+84901000013", NULL, "TK 11/2026 thon 3",
		    "TK: sai cu phap. TK [PIN] [HOMNAY|TUAN|THANG|NAM|"
		    "MM/YYYY|YYYY] [XA] [THON]" },
	};
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		city_receive(fx, cases[i].from, cases[i].to, cases[i].text,
		    &o);
		if (strcmp(o.reply, cases[i].reply) != 0)
			fail_msg("'%s' from %s: '%s', want '%s'",
			    cases[i].text, cases[i].from, o.reply,
			    cases[i].reply);
		assert_string_equal(o.ref, "");
	}
	/* A commune's hamlet: its reports only (TINHCHAU's T3 holds 3 gbv,
	 * TINHAN's one), small counts hidden as in one commune. */
	city_receive(fx, "+84901000011", NULL, "TK 11/2026 thon 3", &t3);
	assert_string_equal(t3.reply,
	    "TK 11/2026 TINHCHAU T3: BL * TC <3 DK 0 HUY 0; mo * xong <3");
	city_receive(fx, "+84901000013", NULL, "TK 11/2026 TINHCHAU T3", &o);
	assert_string_equal(o.reply, t3.reply);
	/* TINHAN's T1 (4) is hidden with its T3 (1): TINHAN's total is
	 * exact; TINHCHAU's hamlets are not in its lines. */
	city_receive(fx, "+84901000012", NULL, "TK 11/2026 T1", &o);
	assert_string_equal(o.reply,
	    "TK 11/2026 TINHAN T1: BL * TC * DK 0 HUY *; mo * xong 0");
}

static void
test_city_other_commune_refused(void **state)
{
	struct fixture	*fx = *state;
	struct outcome	 stranger, o;
	static const struct {
		const char	*to, *text;
	} cases[] = {
		{ NULL, "TK 11/2026 TINHAN" },
		{ NULL, "TK Tịnh Ấn 11/2026" },
		{ "+84900000101", "TK THANG TINHAN" },
		{ NULL, "TK 11/2026 TINHAN thon 1" },
	};
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		city_receive(fx, "+84988000000", cases[i].to, cases[i].text,
		    &stranger);
		city_receive(fx, "+84901000011", cases[i].to, cases[i].text,
		    &o);
		if (strcmp(o.reply, stranger.reply) != 0 ||
		    strncmp(o.reply, "TK", 2) == 0)
			fail_msg("'%s' from TINHCHAU's official: '%s', a "
			    "stranger '%s'", cases[i].text, o.reply,
			    stranger.reply);
		assert_int_equal(fixture_count(fx->tc.store,
		    "SELECT count(*) FROM messages WHERE category = 'stats'"),
		    0);
	}
	/* Nor does the police of TINHCHAU count anything. */
	city_receive(fx, "+84901000014", NULL, "TK 11/2026", &o);
	assert_true(strncmp(o.reply, "TK", 2) != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_midnight),
		cmocka_unit_test(test_tz_restored_and_fallback),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_period_table),
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_officials_get_counts,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_default_period_and_usage,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_others_get_unknown_answer,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pin_hashed, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_stored_without_pin, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_pin_not_alerted,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pin_lockout, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pin_lockout_routed, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_city_counts, city_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_city_other_commune_refused,
		    city_setup, fixture_teardown),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
