/*
 * test_provider.c: the providers' table and skeleton. Every descriptor is
 * whole (name, endpoints with path, verify, decode, reply; a config
 * section of its name); the routes are exactly the enabled providers'
 * endpoints; provider_serve() checks content type, signature and body in
 * each endpoint's order, files what it decodes once, and answers at once
 * only what it did not file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "../../daemon/provider.h"
#include "../../handlers/handlers.h"
#include "fixture.h"

#define FORM	"application/x-www-form-urlencoded"

/* A section that enables each provider; a new provider needs its line. */
static const struct {
	const char	*name;
	const char	*section;
} sections[] = {
	{ "generic", "{ \"secret\": \"s3cret\" }" },
	{ "twilio", "{ \"account_sid\": \"AC1\", \"auth_token\": \"tok\","
	    " \"from\": \"+15005550006\" }" },
	{ "africastalking", "{ \"token\": \"k\" }" },
};
#define NSECTIONS	(sizeof(sections) / sizeof(sections[0]))

/* The config with the providers of mask (bit i: sections[i]). */
static struct config *
conf_with(unsigned int mask)
{
	char		 json[2048];
	size_t		 i, n;
	int		 first = 1;

	n = (size_t)snprintf(json, sizeof(json), "{ \"public_url\": "
	    "\"https://tincay.example\", \"areas\": [ { \"code\": \"T1\" },"
	    " { \"code\": \"T2\" } ], \"providers\": {");
	for (i = 0; i < NSECTIONS; i++)
		if (mask & (1U << i)) {
			n += (size_t)snprintf(json + n, sizeof(json) - n,
			    "%s \"%s\": %s", first ? "" : ",",
			    sections[i].name, sections[i].section);
			first = 0;
		}
	snprintf(json + n, sizeof(json) - n, " } }");
	return fixture_conf(json);
}

static size_t
nproviders(void)
{
	size_t	 n;

	for (n = 0; providers[n] != NULL; n++)
		;
	return n;
}

static void
test_descriptors(void **state)
{
	const struct provider		*p, *q;
	const struct provider_endpoint	*ep, *eq;
	struct config			*conf = conf_with(0);
	size_t				 i, j, k, l, nep;

	assert_true(nproviders() > 0);
	assert_int_equal(nproviders(), NSECTIONS);
	for (i = 0; (p = providers[i]) != NULL; i++) {
		assert_non_null(p->name);
		assert_true(p->name[0] != '\0');
		/* Its config section exists (absent here: disabled). */
		assert_int_equal(config_provider_enabled(conf, p->name), 0);
		assert_ptr_equal(provider_find(p->name), p);
		/* Every provider can send: sms_out.via may name it. */
		assert_non_null(p->build_send);
		for (nep = 0, j = 0; j < PROVIDER_ENDPOINTS; j++) {
			ep = &p->endpoints[j];
			if (ep->path == NULL)
				continue;
			nep++;
			assert_true(ep->path[0] == '/');
			assert_non_null(ep->verify);
			assert_non_null(ep->decode);
			assert_non_null(ep->reply);
			assert_true(ep->body == PROVIDER_JSON ||
			    ep->body == PROVIDER_FORM);
			/* Only a parsed form can be signed after parsing. */
			if (ep->signed_on == PROVIDER_PARSED)
				assert_int_equal(ep->body, PROVIDER_FORM);
			/* No path twice, in any provider. */
			for (k = 0; (q = providers[k]) != NULL; k++)
				for (l = 0; l < PROVIDER_ENDPOINTS; l++) {
					eq = &q->endpoints[l];
					if (eq != ep && eq->path != NULL)
						assert_string_not_equal(
						    eq->path, ep->path);
				}
		}
		assert_true(nep > 0);
		for (k = 0; k < i; k++)
			assert_string_not_equal(providers[k]->name, p->name);
	}
	assert_null(provider_find("console"));
	assert_null(provider_find("nope"));
	assert_int_equal(config_provider_enabled(conf, "nope"), -1);
	config_free(conf);
}

/* For every set of sections, the routes are the enabled endpoints. */
static void
test_routes(void **state)
{
	const struct provider_endpoint	*ep;
	struct config			*conf;
	unsigned int			 mask;
	size_t				 i, j, s;
	int				 on;

	for (mask = 0; mask < (1U << NSECTIONS); mask++) {
		conf = conf_with(mask);
		for (i = 0; providers[i] != NULL; i++) {
			for (s = 0; s < NSECTIONS; s++)
				if (strcmp(sections[s].name,
				    providers[i]->name) == 0)
					break;
			assert_true(s < NSECTIONS);
			on = (mask >> s) & 1;
			assert_int_equal(provider_enabled(conf, providers[i]),
			    on);
			for (j = 0; j < PROVIDER_ENDPOINTS; j++) {
				ep = &providers[i]->endpoints[j];
				if (ep->path == NULL)
					continue;
				if (on)
					assert_ptr_equal(provider_route(conf,
					    ep->path), ep);
				else
					assert_null(provider_route(conf,
					    ep->path));
			}
		}
		assert_null(provider_route(conf, "/healthz"));
		assert_null(provider_route(conf, "/sms/nope"));
		assert_null(provider_route(conf, "/sms/generic/"));
		assert_null(provider_route(conf, ""));
		config_free(conf);
	}
}

/* A request: headers as name, value pairs. */
struct fake {
	const char	*headers[4][2];
};

static const char *
fake_header(const struct provider_call *c, const char *name)
{
	const struct fake	*f = c->req;
	size_t			 i;

	for (i = 0; i < 4 && f->headers[i][0] != NULL; i++)
		if (strcasecmp(f->headers[i][0], name) == 0)
			return f->headers[i][1];
	return NULL;
}

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));

	fx->tc.conf = conf_with((1U << NSECTIONS) - 1);
	fixture_store(fx);
	*state = fx;
	return 0;
}

/* Serve one request at path and commit what it filed. */
static void
serve(struct fixture *fx, const char *path, const char *uri,
    const char *query, const char *ctype, struct fake *f, const char *body,
    struct provider_call *c, struct provider_answer *a)
{
	const struct provider_endpoint	*ep;

	assert_non_null(ep = provider_route(fx->tc.conf, path));
	memset(c, 0, sizeof(*c));
	c->conf = fx->tc.conf;
	c->uri = uri;
	c->query = query;
	c->ctype = ctype;
	c->body = body;
	c->len = strlen(body);
	c->now = util_now();
	c->header = fake_header;
	c->req = f;
	provider_serve(ep, c, fixture_router(fx), fx->tc.store, a);
	if (a->filed)
		assert_int_equal(store_commit(fx->tc.store), 0);
	else
		assert_int_equal(store_in_tx(fx->tc.store), 0);
}

static int64_t
messages(struct fixture *fx)
{
	return fixture_count(fx->tc.store, "SELECT count(*) FROM messages");
}

/* The generic endpoint: type, then signature on the bytes, then JSON. */
static void
test_serve_generic(void **state)
{
	struct fixture		*fx = *state;
	struct provider_call	 c;
	struct provider_answer	 a;
	struct fake		 f = { { { NULL, NULL } } };
	char			 sig[128], hex[65], *msg;
	const char		*good = "{\"id\":\"g1\","
	    "\"from\":\"0912345678\",\"to\":\"8088\",\"text\":\"BL T1\"}";
	long long		 t = (long long)util_now();

	f.headers[0][0] = "X-Tincay-Signature";
	f.headers[0][1] = "t=1,v1=00";
	/* Wrong type before a wrong signature. */
	serve(fx, "/sms/generic", "/sms/generic", NULL, "text/plain", &f,
	    good, &c, &a);
	assert_int_equal(a.code, 415);
	assert_string_equal(a.line, "content type must be application/json");
	provider_call_clear(&c);
	/* A wrong signature before a broken body. */
	serve(fx, "/sms/generic", "/sms/generic", NULL, "application/json",
	    &f, "{", &c, &a);
	assert_int_equal(a.code, 403);
	provider_call_clear(&c);
	/* Signed, but not JSON. */
	msg = xasprintf("%lld.{", t);
	assert_int_equal(util_hmac_sha256_hex("s3cret", msg, strlen(msg),
	    hex), 0);
	free(msg);
	snprintf(sig, sizeof(sig), "t=%lld,v1=%s", t, hex);
	f.headers[0][1] = sig;
	serve(fx, "/sms/generic", "/sms/generic", NULL, "application/json",
	    &f, "{", &c, &a);
	assert_int_equal(a.code, 400);
	assert_string_equal(a.line, "malformed JSON");
	provider_call_clear(&c);
	assert_int_equal(messages(fx), 0);
	/* Signed and whole: filed, answered after the commit. */
	msg = xasprintf("%lld.%s", t, good);
	assert_int_equal(util_hmac_sha256_hex("s3cret", msg, strlen(msg),
	    hex), 0);
	free(msg);
	snprintf(sig, sizeof(sig), "t=%lld,v1=%s", t, hex);
	serve(fx, "/sms/generic", "/sms/generic", NULL,
	    "application/json; charset=utf-8", &f, good, &c, &a);
	assert_int_equal(a.code, 200);
	assert_int_equal(a.filed, 1);
	assert_string_equal(a.ctype, "application/json");
	assert_true(ref_valid(c.out.ref, strlen(c.out.ref)));
	assert_non_null(strstr(a.body, c.out.ref));
	assert_int_equal(a.len, strlen(a.body));
	assert_string_equal(c.in.provider, "generic");
	assert_string_equal(c.in.from, "+84912345678");
	provider_answer_clear(&a);
	provider_call_clear(&c);
	assert_int_equal(messages(fx), 1);
}

/* Twilio signs the decoded form: a broken form is 400 before any 403. */
static void
test_serve_twilio(void **state)
{
	struct fixture		*fx = *state;
	struct provider_call	 c;
	struct provider_answer	 a;
	struct fake		 f = { { { NULL, NULL } } };
	struct form		*form;
	char			 sig[128], err[64];
	const char		*body = "MessageSid=SM1&From=%2B84912345678&"
	    "To=%2B15005550006&Body=HD";

	f.headers[0][0] = "X-Twilio-Signature";
	f.headers[0][1] = "bad";
	serve(fx, "/sms/twilio", "/sms/twilio", NULL, FORM, &f, "a=%zz",
	    &c, &a);
	assert_int_equal(a.code, 400);
	provider_call_clear(&c);
	serve(fx, "/sms/twilio", "/sms/twilio", NULL, FORM, &f, body, &c, &a);
	assert_int_equal(a.code, 403);
	provider_call_clear(&c);
	/* Signed over public_url + the request-target as received. */
	form = form_parse(body, strlen(body), err, sizeof(err));
	assert_non_null(form);
	assert_int_equal(twilio_signature("tok",
	    "https://tincay.example/sms/twilio?x=1", form, TWILIO_SHA1, sig,
	    sizeof(sig)), 0);
	form_free(form);
	f.headers[0][1] = sig;
	serve(fx, "/sms/twilio", "/sms/twilio?x=1", "x=1", FORM, &f, body,
	    &c, &a);
	assert_int_equal(a.code, 200);
	assert_int_equal(a.filed, 1);
	assert_string_equal(a.ctype, "text/xml; charset=utf-8");
	assert_non_null(strstr(a.body, "<Response><Message>"));
	assert_string_equal(c.in.provider, "twilio");
	assert_string_equal(c.in.ext_id, "SM1");
	provider_answer_clear(&a);
	provider_call_clear(&c);
	assert_int_equal(messages(fx), 1);
}

/* Africa's Talking: the token before the form; the reply is an outbox
 * row, the answer empty. */
static void
test_serve_africastalking_sms(void **state)
{
	struct fixture		*fx = *state;
	struct provider_call	 c;
	struct provider_answer	 a;
	struct fake		 f = { { { NULL, NULL } } };
	const char		*body = "from=%2B84912345678&to=8088&text=HD&"
	    "id=at1&date=2026-11-20";

	serve(fx, "/sms/africastalking", "/sms/africastalking?token=no",
	    "token=no", FORM, &f, "a=%zz", &c, &a);
	assert_int_equal(a.code, 403);
	assert_string_equal(a.line, "bad token");
	provider_call_clear(&c);
	serve(fx, "/sms/africastalking", "/sms/africastalking?token=k",
	    "token=k", "application/json", &f, body, &c, &a);
	assert_int_equal(a.code, 415);
	provider_call_clear(&c);
	serve(fx, "/sms/africastalking", "/sms/africastalking?token=k",
	    "token=k", FORM, &f, "from=%2B84912345678", &c, &a);
	assert_int_equal(a.code, 400);
	provider_call_clear(&c);
	serve(fx, "/sms/africastalking", "/sms/africastalking?token=k",
	    "token=k", FORM, &f, body, &c, &a);
	assert_int_equal(a.code, 200);
	assert_int_equal(a.filed, 1);
	assert_null(a.body);
	assert_int_equal(a.len, 0);
	provider_answer_clear(&a);
	provider_call_clear(&c);
	assert_int_equal(messages(fx), 1);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "outbox WHERE event = 'reply' AND unseal(dest) = '+84912345678'"), 1);
}

/* USSD: a menu screen is answered at once and files nothing; the last
 * step files the decided route under the session id. */
static void
test_serve_ussd(void **state)
{
	struct fixture		*fx = *state;
	struct provider_call	 c;
	struct provider_answer	 a;
	struct fake		 f = { { { NULL, NULL } } };
	const char		*menu = "sessionId=S1&serviceCode=%2A384%23&"
	    "phoneNumber=%2B84912345678&text=";
	const char		*last = "sessionId=S1&serviceCode=%2A384%23&"
	    "phoneNumber=%2B84912345678&text=1%2A2";

	serve(fx, "/ussd/africastalking", "/ussd/africastalking?token=k",
	    "token=k", FORM, &f, menu, &c, &a);
	assert_int_equal(a.code, 200);
	assert_int_equal(a.filed, 0);
	assert_string_equal(a.ctype, "text/plain; charset=utf-8");
	assert_true(strncmp(a.body, "CON ", 4) == 0);
	provider_answer_clear(&a);
	provider_call_clear(&c);
	assert_int_equal(messages(fx), 0);
	serve(fx, "/ussd/africastalking", "/ussd/africastalking?token=k",
	    "token=k", FORM, &f, last, &c, &a);
	assert_int_equal(a.code, 200);
	assert_int_equal(a.filed, 1);
	assert_true(strncmp(a.body, "END ", 4) == 0);
	assert_string_equal(c.in.provider, "africastalking-ussd");
	assert_string_equal(c.in.source, "ussd");
	assert_int_equal(c.in.routed, 1);
	assert_int_equal(c.in.cat, CAT_GBV);
	assert_int_equal(c.in.area, 1);
	provider_answer_clear(&a);
	provider_call_clear(&c);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports WHERE category = 'gbv' AND area = 'T2'"), 1);
}

/* The last step of session sid from number phone (URL-encoded): the REF
 * on its END screen into ref. */
static void
ussd_last(struct fixture *fx, const char *sid, const char *phone,
    char ref[REF_MAX])
{
	struct provider_call	 c;
	struct provider_answer	 a;
	struct fake		 f = { { { NULL, NULL } } };
	char			 body[256];

	snprintf(body, sizeof(body), "sessionId=%s&serviceCode=%%2A384%%23&"
	    "phoneNumber=%s&text=1%%2A2", sid, phone);
	serve(fx, "/ussd/africastalking", "/ussd/africastalking?token=k",
	    "token=k", FORM, &f, body, &c, &a);
	assert_int_equal(a.code, 200);
	assert_true(strncmp(a.body, "END ", 4) == 0);
	util_strlcpy(ref, c.out.ref, REF_MAX);
	assert_true(strlen(ref) >= 4);
	assert_non_null(strstr(a.body, ref));
	provider_answer_clear(&a);
	provider_call_clear(&c);
}

/* A session is bound to its number (SPEC §6): the same sessionId from
 * another number files its own report; the same number again, nothing. */
static void
test_serve_ussd_bound(void **state)
{
	struct fixture		*fx = *state;
	char			 r1[REF_MAX], r2[REF_MAX], again[REF_MAX];

	ussd_last(fx, "S1", "%2B84912345678", r1);
	ussd_last(fx, "S1", "%2B84987654321", r2);
	assert_string_not_equal(r1, r2);
	ussd_last(fx, "S1", "%2B84912345678", again);
	assert_string_equal(again, r1);
	ussd_last(fx, "S1", "%2B84987654321", again);
	assert_string_equal(again, r2);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "reports"), 2);
	assert_int_equal(messages(fx), 2);
	/* The id holds the session, not the number. */
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE provider_id LIKE 'S1:%'"), 2);
	assert_int_equal(fixture_count(fx->tc.store, "SELECT count(*) FROM "
	    "messages WHERE provider_id LIKE '%912345678%' OR provider_id"
	    " LIKE '%987654321%'"), 0);
}

static const char *
verify_internal(struct provider_call *c)
{
	return provider_internal;
}

static const char *
decode_internal(struct provider_call *c)
{
	return provider_internal;
}

static const char *
verify_ok(struct provider_call *c)
{
	return NULL;
}

static char *
reply_none(struct provider_call *c, const char **ctype)
{
	return NULL;
}

/*
 * A verify or decode that could not do its work (out of memory, issue 9
 * row 9) is answered 503, so the provider retries a message that may well
 * be good, and nothing is filed; an ordinary refusal stays 403 / 400.
 */
/* A call with an empty JSON body, its headers from f. */
static void
json_call(struct provider_call *c, struct fixture *fx, struct fake *f)
{
	memset(c, 0, sizeof(*c));
	c->conf = fx->tc.conf;
	c->ctype = "application/json";
	c->body = "{}";
	c->len = 2;
	c->header = fake_header;
	c->req = f;
}

static void
test_serve_internal_503(void **state)
{
	struct fixture		*fx = *state;
	const struct provider_endpoint verify_fails = { "/x", PROVIDER_JSON,
	    PROVIDER_RAW, verify_internal, decode_internal, reply_none };
	const struct provider_endpoint decode_fails = { "/x", PROVIDER_JSON,
	    PROVIDER_RAW, verify_ok, decode_internal, reply_none };
	struct provider_call	 c;
	struct provider_answer	 a;
	struct fake		 f;

	memset(&f, 0, sizeof(f));
	json_call(&c, fx, &f);
	provider_serve(&verify_fails, &c, fixture_router(fx), fx->tc.store,
	    &a);
	assert_int_equal(a.code, 503);
	assert_int_equal(a.filed, 0);
	provider_answer_clear(&a);
	provider_call_clear(&c);
	json_call(&c, fx, &f);
	provider_serve(&decode_fails, &c, fixture_router(fx), fx->tc.store,
	    &a);
	assert_int_equal(a.code, 503);
	provider_answer_clear(&a);
	provider_call_clear(&c);
	assert_int_equal(messages(fx), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test_setup_teardown(test_serve_internal_503, setup,
		    fixture_teardown),
		cmocka_unit_test(test_routes),
		cmocka_unit_test_setup_teardown(test_serve_generic, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_serve_twilio, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_serve_africastalking_sms,
		    setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_serve_ussd, setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_serve_ussd_bound, setup,
		    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
