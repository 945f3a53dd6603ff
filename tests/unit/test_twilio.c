/*
 * test_twilio.c: X-Twilio-Signature against every case of
 * tests/vectors/twilio-vectors.json (produced by the official library):
 * string to sign, signature, validation, every negative check and URL
 * variant, the upstream published vectors; then decoding and TwiML, the
 * StatusCallback asked for in a send, its decoding and signature, and the
 * Message's sid kept from the send's answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../../daemon/tincayd.h"
#include "vectors.h"
#include "../../daemon/provider.h"
#include "receipts.h"

#define TWILIO_VECTORS	"tests/vectors/twilio-vectors.json"

static int
is_surrogate(const char *p, char lo, char hi)
{
	return p[0] == '\\' && p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') &&
	    ((p[3] | 0x20) >= lo && (p[3] | 0x20) <= hi);
}

/*
 * One negative check changes half of an emoji's surrogate pair; cJSON
 * refuses a lone surrogate escape. JavaScript turns one into U+FFFD when
 * it encodes UTF-8 for the HMAC, so the loader does the same.
 */
static void
fix_surrogates(char *buf)
{
	char	*p;

	for (p = buf; (p = strstr(p, "\\u")) != NULL; p += 2) {
		if (p > buf && p[-1] == '\\')
			continue;
		if (is_surrogate(p, '8', 'b') && is_surrogate(p + 6, 'c', 'f')) {
			p += 10;
			continue;
		}
		if (is_surrogate(p, '8', 'f'))
			memcpy(p + 2, "fffd", 4);
	}
}

static cJSON *
load(const char *path)
{
	char	*buf = vectors_read(path);
	cJSON	*j;

	fix_surrogates(buf);
	j = cJSON_Parse(buf);
	free(buf);
	assert_non_null(j);
	return j;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
form_push(struct form *f, const char *k, const char *v)
{
	f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	f->v[f->n].key = xstrdup(k);
	f->v[f->n].keylen = strlen(k);
	f->v[f->n].val = xstrdup(v);
	f->v[f->n].vallen = strlen(v);
	f->n++;
}

/* The decoded params of a case, arrays as repeated keys. */
static struct form *
params_form(const cJSON *params)
{
	struct form	*f = xcalloc(1, sizeof(*f));
	const cJSON	*p, *e;

	cJSON_ArrayForEach(p, params) {
		if (cJSON_IsArray(p))
			cJSON_ArrayForEach(e, p)
				form_push(f, p->string, e->valuestring);
		else
			form_push(f, p->string, p->valuestring);
	}
	return f;
}

static enum twilio_alg
alg_of(const char *s)
{
	return s != NULL && strcmp(s, "HMAC_SHA256") == 0 ? TWILIO_SHA256 :
	    TWILIO_SHA1;
}

static int	 nchecks;

static void
expect(int ok, int want, const char *id, const char *what)
{
	nchecks++;
	if (ok != want)
		fail_msg("%s: %s: validates %d, want %d", id, what, ok, want);
}

static void
one_case(const cJSON *c, int published)
{
	const char	*id = str(c, "id"), *url = str(c, "url");
	const char	*token = str(c, "token"), *want = str(c, "expected_signature");
	const char	*sts = str(c, "string_to_sign"), *body;
	enum twilio_alg	 alg = alg_of(str(c, "algorithm"));
	const cJSON	*n, *neg, *vs;
	struct form	*f, *nf;
	char		 sig[128], err[128], *s;
	size_t		 len;
	static const char *const bodies[] = { "form_body",
	    "form_body_percent20" };
	size_t		 i;

	assert_non_null(id);
	f = params_form(cJSON_GetObjectItemCaseSensitive(c, "params"));
	s = twilio_string_to_sign(url, f, &len);
	if (sts != NULL && (len != strlen(sts) || memcmp(s, sts, len) != 0))
		fail_msg("%s: string to sign\n got %s\nwant %s", id, s, sts);
	free(s);
	assert_int_equal(twilio_signature(token, url, f, alg, sig,
	    sizeof(sig)), 0);
	if (strcmp(sig, want) != 0)
		fail_msg("%s: signature %s, want %s", id, sig, want);
	nchecks++;
	expect(twilio_verify(token, want, url, f, alg) == NULL, 1, id,
	    "validate_request");
	/* The form bodies decode to the same params. */
	for (i = 0; i < 2; i++) {
		if ((body = str(c, bodies[i])) == NULL)
			continue;
		nf = form_parse(body, strlen(body), err, sizeof(err));
		if (nf == NULL)
			fail_msg("%s: %s: %s", id, bodies[i], err);
		expect(twilio_verify(token, want, url, nf, alg) == NULL, 1,
		    id, bodies[i]);
		form_free(nf);
	}
	if (!published) {
		cJSON_ArrayForEach(neg, cJSON_GetObjectItemCaseSensitive(c,
		    "negative_checks")) {
			const cJSON *np = cJSON_GetObjectItemCaseSensitive(neg,
			    "params");
			const char *nsig = str(neg, "signature");
			const char *nurl = str(neg, "url");
			const char *ntok = str(neg, "token");
			const char *nalg = str(neg, "algorithm");
			const cJSON *vv = cJSON_GetObjectItemCaseSensitive(neg,
			    "validates");

			nf = np ? params_form(np) : NULL;
			expect(twilio_verify(ntok ? ntok : token,
			    nsig ? nsig : want, nurl ? nurl : url,
			    nf ? nf : f, nalg ? alg_of(nalg) : alg) == NULL,
			    cJSON_IsTrue(vv), id, str(neg, "what"));
			form_free(nf);
		}
		cJSON_ArrayForEach(vs, cJSON_GetObjectItemCaseSensitive(c,
		    "url_variants"))
			expect(twilio_verify(token, want, str(vs, "url"), f,
			    alg) == NULL, cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(vs, "validates")),
			    id, str(vs, "what"));
	} else if ((n = cJSON_GetObjectItemCaseSensitive(c,
	    "also_validates_url")) != NULL)
		expect(twilio_verify(token, want, n->valuestring, f, alg) ==
		    NULL, 1, id, "also_validates_url");
	form_free(f);
}

static void
test_vectors(void **state)
{
	cJSON		*j = load(TWILIO_VECTORS);
	const cJSON	*c;
	int		 ncases = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "cases")) {
		one_case(c, 0);
		ncases++;
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j,
	    "upstream_published")) {
		one_case(c, 1);
		ncases++;
	}
	assert_int_equal(ncases, 16 + 7);
	print_message("twilio vectors: %d cases, %d checks\n", ncases,
	    nchecks);
	cJSON_Delete(j);
}

static void
test_verify_misc(void **state)
{
	struct form	*f;
	char		 sig[64], err[64];

	f = form_parse("Body=x", 6, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(twilio_signature("t", "https://h/p", f, TWILIO_SHA1,
	    sig, sizeof(sig)), 0);
	assert_null(twilio_verify("t", sig, "https://h/p", f, TWILIO_SHA1));
	assert_string_equal(twilio_verify("t", NULL, "https://h/p", f,
	    TWILIO_SHA1), "missing signature");
	assert_string_equal(twilio_verify("t", "", "https://h/p", f,
	    TWILIO_SHA1), "missing signature");
	/* A prefix of the right signature is not it. */
	sig[10] = '\0';
	assert_string_equal(twilio_verify("t", sig, "https://h/p", f,
	    TWILIO_SHA1), "bad signature");
	/* URLs without a scheme are only tried as given. */
	assert_non_null(twilio_verify("t", "x", "no-scheme", f, TWILIO_SHA1));
	assert_non_null(twilio_verify("t", "x", "http://[::1]:80/p", f,
	    TWILIO_SHA1));
	/* Too small a buffer is an error, not an overflow. */
	assert_int_equal(twilio_signature("t", "u", f, TWILIO_SHA1, sig, 28),
	    -1);
	form_free(f);
}

/* The X-Twilio-Signature header of a call: its req. */
static const char *
test_header(const struct provider_call *c, const char *name)
{
	return strcmp(name, "X-Twilio-Signature") == 0 ? c->req : NULL;
}

static void
test_decode(void **state)
{
	static const char cj[] = "{\"providers\":{\"twilio\":"
	    "{\"auth_token\":\"tok\"}}}";
	static const struct {
		const char	*body;
		const char	*why;
	} cases[] = {
		{ "MessageSid=SM1&From=%2B84912345678&To=%2B1500&Body=BL+t3",
		    NULL },
		{ "MessageSid=SM1&From=0912345678&To=1&Body=", NULL },
		{ "From=0912345678&To=1&Body=x", "missing field: MessageSid" },
		{ "MessageSid=SM1&To=1&Body=x", "missing field: From" },
		{ "MessageSid=SM1&From=0912345678&Body=x",
		    "missing field: To" },
		{ "MessageSid=SM1&From=0912345678&To=1",
		    "missing field: Body" },
		{ "MessageSid=&From=0912345678&To=1&Body=x",
		    "MessageSid must be 1..127 characters" },
		{ "MessageSid=SM1&From=abc&To=1&Body=x",
		    "From is not a phone number" },
	};
	struct config	*conf;
	struct form	*f;
	struct inbound	 in;
	const char	*why;
	char		 err[128];
	size_t		 i;

	conf = config_parse(cj, sizeof(cj) - 1, err, sizeof(err));
	if (conf == NULL)
		fail_msg("config: %s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = form_parse(cases[i].body, strlen(cases[i].body), err,
		    sizeof(err));
		assert_non_null(f);
		why = twilio_decode(conf, f, &in);
		if (cases[i].why == NULL) {
			if (why != NULL)
				fail_msg("case %zu: %s", i, why);
			assert_string_equal(in.provider, "twilio");
			assert_string_equal(in.ext_id, "SM1");
			assert_string_equal(in.from, "+84912345678");
			assert_int_equal(in.textlen, strlen(in.text));
		} else if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: got %s, want %s", i,
			    why ? why : "(ok)", cases[i].why);
		form_free(f);
	}
	config_free(conf);
}

/* A send asks for the StatusCallback at public_url; the callback's
 * fields make a receipt; the answer's sid is kept. */
static void
test_status_callback(void **state)
{
	static const char cj[] = "{\"public_url\":\"https://gw.example/\","
	    "\"providers\":{\"twilio\":{\"account_sid\":\"AC1\","
	    "\"auth_token\":\"tok\",\"from\":\"+15005550006\"}}}";
	static const char cj_http[] = "{\"public_url\":"
	    "\"http://127.0.0.1:8080\",\"webhook_secret\":\"w-4f1d9e\","
	    "\"sms_out\":{\"via\":\"twilio\"},"
	    "\"providers\":{\"twilio\":{\"account_sid\":\"AC1\","
	    "\"auth_token\":\"tok-7d2c\",\"from\":\"+15005550006\"}}}";
	static const struct receipt_case cases[] = {
		{ "MessageSid=SM9&MessageStatus=delivered", NULL, "twilio:SM9",
		    RECEIPT_DELIVERED, "" },
		{ "MessageSid=SM9&MessageStatus=undelivered&ErrorCode=30003",
		    NULL, "twilio:SM9", RECEIPT_UNDELIVERED, "30003" },
		{ "MessageSid=SM9&MessageStatus=failed&ErrorCode=30008", NULL,
		    "twilio:SM9", RECEIPT_UNDELIVERED, "30008" },
		{ "MessageSid=SM9&MessageStatus=sent", NULL, "twilio:SM9",
		    RECEIPT_PENDING, "" },
		{ "MessageStatus=sent", "missing field: MessageSid", NULL, 0,
		    NULL },
		{ "MessageSid=SM9", "missing field: MessageStatus", NULL, 0,
		    NULL },
	};
	struct provider_sms		 m = { "+84931000001", "BL", "k" };
	const struct provider_endpoint	*ep;
	struct provider_send		 r;
	struct provider_call		 c;
	struct provider_sent		 s;
	struct config			*conf, *plain;
	struct form			*f;
	char				 err[128], sig[65];
	size_t				 i;

	conf = config_parse(cj, sizeof(cj) - 1, err, sizeof(err));
	if (conf == NULL)
		fail_msg("config: %s", err);
	assert_int_equal(twilio_send(conf, &m, &r, err, sizeof(err)), 0);
	f = form_parse(r.body, r.bodylen, err, sizeof(err));
	assert_non_null(f);
	assert_non_null(form_get(f, "StatusCallback"));
	assert_string_equal(form_get(f, "StatusCallback")->val,
	    "https://gw.example/sms/twilio/status");
	form_free(f);
	provider_send_free(&r);
	/* Not a URL Twilio can call: no StatusCallback, and -t says so. */
	plain = config_parse(cj_http, sizeof(cj_http) - 1, err, sizeof(err));
	if (plain == NULL)
		fail_msg("config: %s", err);
	for (i = 0; i < plain->warnings.n; i++)
		if (strstr(plain->warnings.v[i], "delivery receipts") != NULL)
			break;
	assert_true(i < plain->warnings.n);
	assert_int_equal(twilio_send(plain, &m, &r, err, sizeof(err)), 0);
	f = form_parse(r.body, r.bodylen, err, sizeof(err));
	assert_non_null(f);
	assert_null(form_get(f, "StatusCallback"));
	assert_non_null(form_get(f, "Body"));
	form_free(f);
	provider_send_free(&r);
	config_free(plain);

	receipt_cases(conf, "/sms/twilio/status", cases,
	    sizeof(cases) / sizeof(cases[0]));
	ep = provider_route(conf, "/sms/twilio/status");
	assert_non_null(ep);

	/* Signed over public_url + the path, as Twilio signs it. */
	memset(&c, 0, sizeof(c));
	c.conf = conf;
	c.uri = "/sms/twilio/status";
	c.form = form_parse(cases[1].body, strlen(cases[1].body), err,
	    sizeof(err));
	assert_int_equal(twilio_signature("tok",
	    "https://gw.example/sms/twilio/status", c.form, TWILIO_SHA1, sig,
	    sizeof(sig)), 0);
	c.header = test_header;
	c.req = sig;
	assert_null(ep->verify(&c));
	memcpy(sig, "AAAA", 5);
	assert_non_null(ep->verify(&c));
	provider_call_clear(&c);
	config_free(conf);

	twilio_sent("{\"sid\":\"SM0123\",\"status\":\"queued\"}", 36, &s);
	assert_int_equal(s.took, PROVIDER_TOOK);
	assert_string_equal(s.id, "SM0123");
	twilio_sent("{\"sid\":7}", 9, &s);
	assert_string_equal(s.id, "");
	twilio_sent("{\"sid\":\"SM1\",\"sid\":\"SM2\"}", 25, &s);
	assert_string_equal(s.id, "");
	twilio_sent("not json", 8, &s);
	assert_string_equal(s.id, "");
	assert_int_equal(s.took, PROVIDER_TOOK);
}

static void
test_twiml(void **state)
{
	char	*s;

	s = twilio_twiml(NULL);
	assert_string_equal(s, "<Response/>");
	free(s);
	s = twilio_twiml("");
	assert_string_equal(s, "<Response/>");
	free(s);
	s = twilio_twiml("Ma A7K2 <b> & \"x\" 'y'");
	assert_string_equal(s, "<Response><Message>Ma A7K2 &lt;b&gt; &amp; "
	    "&quot;x&quot; &apos;y&apos;</Message></Response>");
	free(s);
	assert_true(form_urlencoded("application/x-www-form-urlencoded"));
	assert_true(form_urlencoded(
	    "Application/X-WWW-Form-Urlencoded; charset=utf-8"));
	assert_false(form_urlencoded("application/json"));
	assert_false(form_urlencoded("application/x-www-form-urlencodedx"));
	assert_false(form_urlencoded(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_verify_misc),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_twiml),
		cmocka_unit_test(test_status_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
