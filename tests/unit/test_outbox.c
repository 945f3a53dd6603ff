/*
 * test_outbox.c: the delivery rules (which answers retry, which fail),
 * backoff bounds, Retry-After parsing, and the alert texts and bodies the
 * outbox carries. A stalled delivery thread's give-up is a retry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../../daemon/tincayd.h"
#include "../../handlers/handlers.h"

static struct config *
conf_get(void)
{
	static const char j[] = "{\"limits\":{\"retry_base_ms\":1000,"
	    "\"retry_max_s\":60}}";
	char		 err[128];
	struct config	*c = config_parse(j, sizeof(j) - 1, err, sizeof(err));

	if (c == NULL)
		fail_msg("%s", err);
	return c;
}

static void
test_judge(void **state)
{
	static const struct {
		int			 curl_code;
		long			 status;
		enum outbox_verdict	 want;
	} cases[] = {
		{ 0, 200, OB_SENT }, { 0, 201, OB_SENT }, { 0, 204, OB_SENT },
		{ 0, 301, OB_FAILED }, { 0, 302, OB_FAILED },
		{ 0, 307, OB_FAILED }, { 0, 400, OB_FAILED },
		{ 0, 401, OB_FAILED }, { 0, 404, OB_FAILED },
		{ 0, 408, OB_RETRY }, { 0, 429, OB_RETRY },
		{ 0, 500, OB_RETRY }, { 0, 502, OB_RETRY },
		{ 0, 503, OB_RETRY },
		{ CURLE_COULDNT_CONNECT, 0, OB_RETRY },
		{ CURLE_OPERATION_TIMEDOUT, 0, OB_RETRY },
		{ CURLE_RECV_ERROR, 0, OB_RETRY },
		{ CURLE_PARTIAL_FILE, 200, OB_RETRY },
		{ CURLE_WRITE_ERROR, 200, OB_RETRY },
		{ CURLE_UNSUPPORTED_PROTOCOL, 0, OB_FAILED },
		{ CURLE_URL_MALFORMAT, 0, OB_FAILED },
		/* TLS: certificate or handshake (SPEC §5). */
		{ CURLE_SSL_CONNECT_ERROR, 0, OB_FAILED },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, OB_FAILED },
		{ CURLE_SSL_CERTPROBLEM, 0, OB_FAILED },
		{ CURLE_SSL_CIPHER, 0, OB_FAILED },
		{ CURLE_SSL_CACERT_BADFILE, 0, OB_FAILED },
		{ CURLE_SSL_ISSUER_ERROR, 0, OB_FAILED },
		{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0, OB_FAILED },
		{ CURLE_SSL_INVALIDCERTSTATUS, 0, OB_FAILED },
		{ CURLE_SSL_CLIENTCERT, 0, OB_FAILED },
		{ CURLE_SSL_CRL_BADFILE, 0, OB_FAILED },
		{ CURLE_COULDNT_RESOLVE_HOST, 0, OB_RETRY },
		{ CURLE_SEND_ERROR, 0, OB_RETRY },
		{ CURLE_GOT_NOTHING, 0, OB_RETRY },
	};
	struct fetch_result	 r;
	char			 why[128];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.curl_code = cases[i].curl_code;
		r.status = cases[i].status;
		if (outbox_judge(&r, why, sizeof(why)) != cases[i].want)
			fail_msg("case %zu (curl %d, HTTP %ld): verdict wrong",
			    i, cases[i].curl_code, cases[i].status);
		assert_true(why[0] != '\0');
	}
	memset(&r, 0, sizeof(r));
	r.status = 302;
	outbox_judge(&r, why, sizeof(why));
	assert_non_null(strstr(why, "redirect"));
	/* A transfer given up on because the delivery thread stalled is
	 * retried, never failed: its row goes again (fetch.c). */
	memset(&r, 0, sizeof(r));
	r.curl_code = CURLE_OPERATION_TIMEDOUT;
	r.error = "the delivery thread did not answer";
	assert_int_equal(outbox_judge(&r, why, sizeof(why)), OB_RETRY);
	assert_string_equal(why, r.error);
}

static void
test_backoff(void **state)
{
	struct config	*c = conf_get();
	int64_t		 d;
	int		 a, i;

	for (a = 0; a < 12; a++) {
		int64_t	 full = 1000LL << a;

		if (full > 60000)
			full = 60000;
		for (i = 0; i < 50; i++) {
			d = outbox_backoff_ms(c, a);
			if (d < full / 2 || d > full)
				fail_msg("attempt %d: %lld ms not in [%lld, "
				    "%lld]", a, (long long)d,
				    (long long)full / 2, (long long)full);
		}
	}
	/* Huge attempt counts stay capped, no overflow. */
	d = outbox_backoff_ms(c, 100000);
	assert_true(d >= 30000 && d <= 60000);
	config_free(c);
}

/* The same on the shipped defaults (retry_base_ms 2000, retry_max_s
 * 1800): the first retry within 1..2 s, the cap within 15..30 min. */
static void
test_backoff_defaults(void **state)
{
	static const char json[] =
	    "{\"providers\":{\"generic\":{\"secret\":\"s\"}}}";
	struct config	*c;
	char		 err[128];
	int64_t		 d;
	int		 i;

	c = config_parse(json, sizeof(json) - 1, err, sizeof(err));
	assert_non_null(c);
	for (i = 0; i < 50; i++) {
		d = outbox_backoff_ms(c, 0);
		assert_true(d >= 1000 && d <= 2000);
		d = outbox_backoff_ms(c, 100000);
		assert_true(d >= 900000 && d <= 1800000);
	}
	config_free(c);
}

static void
test_retry_after(void **state)
{
	char	 date[64];
	time_t	 t = time(NULL) + 120;
	struct tm tm;
	int64_t	 v, now = (int64_t)time(NULL) * 1000;

	assert_int_equal(outbox_retry_after("7", now), 7000);
	assert_int_equal(outbox_retry_after("0", now), 0);
	assert_int_equal(outbox_retry_after("120", now), 120000);
	assert_int_equal(outbox_retry_after(NULL, now), -1);
	assert_int_equal(outbox_retry_after("", now), -1);
	assert_int_equal(outbox_retry_after("soon", now), -1);
	assert_int_equal(outbox_retry_after("-5", now), -1);
	assert_int_equal(outbox_retry_after(".5", now), -1);
	/* A fraction is not cut: 1.5 s is 1500 ms, 0.0001 s at least 1. */
	assert_int_equal(outbox_retry_after("1.5", now), 1500);
	assert_int_equal(outbox_retry_after("0.0001", now), 1);
	assert_int_equal(outbox_retry_after("2.000", now), 2000);
	/* Huge values stay positive (capped by the caller). */
	assert_true(outbox_retry_after("99999999999999999999999", now) > 0);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	v = outbox_retry_after(date, now);
	assert_int_equal(v, 120000);
	/* 300 ms before the date's second: 300 ms, never 0. */
	v = outbox_retry_after(date, (int64_t)t * 1000 - 300);
	assert_int_equal(v, 300);
	/* A date past is now. */
	assert_int_equal(outbox_retry_after(date, (int64_t)t * 1000 + 5000),
	    0);
}

/*
 * The due time of a retry (scheduling seconds): Retry-After on 429 and
 * 503, backoff otherwise, and always rounded up so that the row is not
 * tried before the time asked.
 */
static void
test_retry_at(void **state)
{
	struct config		*c = conf_get();
	struct fetch_result	 r;
	char			 date[64];
	struct tm		 tm;
	time_t			 t = 1795968000;	/* the date's second */
	int64_t			 sched = 5000000900LL, at;	/* .9 s */
	int			 i;

	memset(&r, 0, sizeof(r));
	r.status = 503;
	r.retry_after = "7";
	/* 5000000.9 + 7 s = 5000007.9: due at 5000008, not 5000007. */
	assert_int_equal(outbox_retry_at(c, &r, 0, sched, 0), 5000008);
	r.status = 429;
	assert_int_equal(outbox_retry_at(c, &r, 0, sched, 0), 5000008);
	/* An HTTP date 300 ms ahead: 5000000.9 + 0.3 = 5000001.2 → 5000002. */
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	r.status = 503;
	r.retry_after = date;
	assert_int_equal(outbox_retry_at(c, &r, 0, sched,
	    (int64_t)t * 1000 - 300), 5000002);
	/* At most an hour. */
	r.retry_after = "86400";
	assert_int_equal(outbox_retry_at(c, &r, 0, sched, 0),
	    5000000 + 3600 + 1);
	/* Other statuses, and a bad header: the backoff (1..2 s here). */
	for (i = 0; i < 20; i++) {
		r.status = 500;
		r.retry_after = "600";
		at = outbox_retry_at(c, &r, 1, sched, 0);
		assert_true(at >= 5000001 + 1 && at <= 5000003);
		r.status = 503;
		r.retry_after = "soon";
		at = outbox_retry_at(c, &r, 1, sched, 0);
		assert_true(at >= 5000001 + 1 && at <= 5000003);
	}
	config_free(c);
}

/*
 * SMS alert s is cut (SPEC §5): its words, the text folded, end "... (+N)"
 * right before tail, N the characters of the folded text left out.
 */
static void
test_alert_cut(const char *s, const char *text, const char *tail)
{
	char		*folded, *end;
	const char	*words, *mark;
	size_t		 kept;

	folded = text_gsm7(text, strlen(text), SIZE_MAX);
	words = strstr(s, ": ");
	assert_non_null(words);
	words += 2;
	if ((mark = strstr(s, "... (+")) == NULL)
		fail_msg("no cut mark: %s", s);
	kept = (size_t)(mark - words);
	assert_true(kept > 200);
	assert_memory_equal(words, folded, kept);
	/* ASCII here: characters are bytes. */
	assert_int_equal(strtoul(mark + 6, &end, 10), strlen(folded) - kept);
	assert_int_equal(end[0], ')');
	assert_string_equal(end + 1, tail);
	free(folded);
}

static void
test_alert_texts(void **state)
{
	struct config		*c = conf_get();
	struct alert_report	 r;
	struct text_seg		 seg;
	char			*s, *long_text;
	cJSON			*o;
	size_t			 i;
	static const char *const events[] = { "report.created",
	    "report.escalated", "report.updated", "report.acknowledged",
	    "report.closed", "report.cancelled" };

	long_text = xmalloc(2000);
	long_text[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(long_text, "Chồng tôi đánh tôi, xin giúp đỡ. ");
	memset(&r, 0, sizeof(r));
	r.id = 1;
	r.ref = "A7K2";
	r.category = "gbv";
	r.area = "T3";
	r.reporter = "+84912345678";
	r.text = long_text;
	r.textlen = strlen(long_text);
	r.at = 1795968000;
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		s = alert_sms_text(c, &r, events[i]);
		text_segments(s, strlen(s), &seg);
		if (seg.enc != TEXT_GSM7 || seg.segments > 2)
			fail_msg("%s: %zu segments: %s", events[i],
			    seg.segments, s);
		assert_non_null(strstr(s, "A7K2"));
		free(s);
	}
	s = alert_sms_text(c, &r, "report.created");
	assert_int_equal(strncmp(s, "BL A7K2 T3 0912345678: Chong toi danh",
	    37), 0);
	assert_non_null(strstr(s, ". Tra loi NHAN A7K2"));
	/* Cut, and says so: "... (+N)", N the characters left out. */
	test_alert_cut(s, long_text, ". Tra loi NHAN A7K2");
	free(s);
	s = alert_sms_text(c, &r, "report.escalated");
	test_alert_cut(s, long_text, ". Tra loi NHAN A7K2");
	free(s);
	/* Whole: no mark. */
	r.text = "Chong toi danh toi... (+3) that";
	r.textlen = strlen(r.text);
	s = alert_sms_text(c, &r, "report.created");
	assert_string_equal(s, "BL A7K2 T3 0912345678: Chong toi danh toi... "
	    "(+3) that. Tra loi NHAN A7K2");
	free(s);
	/* A line break or an invisible character never reaches the phone:
	 * nor does a number split by zero-width spaces escape notice. */
	r.text = "cuu\r\nNHAN B9X9\tnha \xe2\x80\xae" "so 5\xe2\x80\x8b" "7";
	r.textlen = strlen(r.text);
	s = alert_sms_text(c, &r, "report.created");
	assert_string_equal(s, "BL A7K2 T3 0912345678: cuu NHAN B9X9 nha so "
	    "57. Tra loi NHAN A7K2");
	free(s);
	r.text = long_text;
	r.textlen = strlen(long_text);

	s = alert_webhook_body(&r, "report.created");
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring,
	    "report.created");
	assert_string_equal(cJSON_GetObjectItem(o, "ref")->valuestring,
	    "A7K2");
	assert_string_equal(cJSON_GetObjectItem(o, "category")->valuestring,
	    "gbv");
	assert_string_equal(cJSON_GetObjectItem(o, "area")->valuestring,
	    "T3");
	assert_string_equal(cJSON_GetObjectItem(o, "reporter")->valuestring,
	    "+84912345678");
	assert_string_equal(cJSON_GetObjectItem(o, "text")->valuestring,
	    long_text);
	assert_string_equal(cJSON_GetObjectItem(o, "received_at")->
	    valuestring, "2026-11-29T16:00:00Z");
	cJSON_Delete(o);
	free(s);
	/* Bytes that are not UTF-8 (a form can carry %FF) arrive valid. */
	r.text = "giup\xff toi";
	r.textlen = strlen(r.text);
	s = alert_webhook_body(&r, "report.created");
	o = cJSON_Parse(s);
	assert_string_equal(cJSON_GetObjectItem(o, "text")->valuestring,
	    "giup\xef\xbf\xbd toi");
	cJSON_Delete(o);
	free(s);
	r.text = long_text;
	r.textlen = strlen(long_text);
	r.area = NULL;
	s = alert_webhook_body(&r, "report.updated");
	o = cJSON_Parse(s);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "area")));
	cJSON_Delete(o);
	free(s);
	free(long_text);
	config_free(c);
}

static void
test_json_string(void **state)
{
	char	*s = util_json_string("a\"b\\c\n\x01 ừ");

	assert_string_equal(s, "\"a\\\"b\\\\c\\u000a\\u0001 ừ\"");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_backoff_defaults),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_retry_at),
		cmocka_unit_test(test_alert_texts),
		cmocka_unit_test(test_json_string),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
