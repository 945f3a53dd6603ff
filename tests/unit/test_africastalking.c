/*
 * test_africastalking.c: the SMS send request against the sms_send and
 * sandbox cases of tests/vectors/africastalking-vectors.json (the official
 * SDK's requests), the token check, inbound SMS decoding, the text a
 * USSD action files, delivery reports and what the send API's answer says.
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
#include "../../handlers/handlers.h"
#include "vectors.h"
#include "../../daemon/provider.h"
#include "receipts.h"

#define AT_VECTORS	"tests/vectors/africastalking-vectors.json"


static const char *
str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static struct config *
conf_at(const char *user, const char *from)
{
	struct config	*conf;
	char		*json, err[200];

	json = xasprintf("{\"providers\":{\"africastalking\":{\"username\":"
	    "\"%s\",\"api_key\":\"atsk_example_api_key\",\"token\":\"T0k\""
	    "%s%s%s}},\"areas\":[{\"code\":\"T1\",\"name\":\"A\"},"
	    "{\"code\":\"T2\",\"name\":\"B\"},{\"code\":\"T3\","
	    "\"name\":\"C\"}]}", user, from ? ",\"from\":\"" : "",
	    from ? from : "", from ? "\"" : "");
	conf = config_parse(json, strlen(json), err, sizeof(err));
	if (conf == NULL)
		fail_msg("config: %s", err);
	free(json);
	return conf;
}

/* The send builder for (to, text), as the outbox calls it. */
static int
at_send(const struct config *conf, const char *to, const char *text,
    struct provider_send *r, char *err, size_t errlen)
{
	struct provider_sms	 m = { to, text, "key" };

	return africastalking_send(conf, &m, r, err, errlen);
}

/* r matches a captured request (enqueue, which we never send, aside). */
static void
same_request(const struct provider_send *r, const cJSON *want,
    const char *id)
{
	const cJSON	*h;
	char		*body, *p, line[256];
	size_t		 i;
	int		 found;

	if (strcmp(r->url, str(want, "url")) != 0)
		fail_msg("%s: url %s", id, r->url);
	body = xstrdup(str(want, "body"));
	if ((p = strstr(body, "&enqueue=1")) != NULL)
		*p = '\0';
	if (strcmp(r->body, body) != 0 || r->bodylen != strlen(body))
		fail_msg("%s: body\n got %s\nwant %s", id, r->body, body);
	free(body);
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(want,
	    "headers")) {
		snprintf(line, sizeof(line), "%s: %s", h->string,
		    h->valuestring);
		for (found = 0, i = 0; i < r->nheaders; i++)
			if (strcmp(r->headers[i], line) == 0)
				found = 1;
		if (!found)
			fail_msg("%s: no header %s", id, line);
	}
	assert_int_equal(r->nheaders, 3);
}

static void
test_send_vectors(void **state)
{
	cJSON			*j = vectors_json(AT_VECTORS);
	const cJSON		*c, *call, *to, *sb;
	struct provider_send r;
	struct config		*conf;
	char			 err[128], tolist[128];
	const char		*from;
	int			 n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j,
	    "sms_send")) {
		call = cJSON_GetObjectItemCaseSensitive(c, "call");
		to = cJSON_GetObjectItemCaseSensitive(call, "to");
		if (cJSON_IsArray(to)) {
			const cJSON *e;

			tolist[0] = '\0';
			cJSON_ArrayForEach(e, to) {
				if (tolist[0])
					strcat(tolist, ",");
				strcat(tolist, e->valuestring);
			}
		} else
			util_strlcpy(tolist, to->valuestring, sizeof(tolist));
		from = str(call, "from") ? str(call, "from") :
		    str(call, "senderId");
		conf = conf_at(str(c, "username"), from);
		assert_int_equal(at_send(conf, tolist,
		    str(call, "message"), &r, err, sizeof(err)), 0);
		same_request(&r, cJSON_GetObjectItemCaseSensitive(c,
		    "request"), str(c, "id"));
		provider_send_free(&r);
		config_free(conf);
		n++;
	}
	assert_int_equal(n, 3);
	/* The sandbox username sends to the sandbox host. */
	sb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    j, "sandbox"), "request");
	conf = conf_at("sandbox", NULL);
	assert_int_equal(at_send(conf, "+254711000111",
	    "sandbox test", &r, err, sizeof(err)), 0);
	same_request(&r, sb, "sandbox");
	provider_send_free(&r);
	/* A local number is refused, as the SDK does. */
	assert_int_equal(at_send(conf, "0712345678", "x",
	    &r, err, sizeof(err)), -1);
	assert_int_equal(at_send(conf, "+2547,", "x",
	    &r, err, sizeof(err)), -1);
	provider_send_free(&r);
	config_free(conf);
	/* Library quirk not copied: sandbox is per config, not global. */
	conf = conf_at("gateway-test", NULL);
	assert_int_equal(at_send(conf, "+254711000111",
	    "after sandbox", &r, err, sizeof(err)), 0);
	assert_string_equal(r.url,
	    "https://api.africastalking.com/version1/messaging");
	provider_send_free(&r);
	config_free(conf);
	cJSON_Delete(j);
}

static void
test_token(void **state)
{
	struct config	*conf = conf_at("u", NULL);

	assert_null(africastalking_token_check(conf, "token=T0k"));
	assert_null(africastalking_token_check(conf, "a=1&token=T0k"));
	assert_string_equal(africastalking_token_check(conf, "token=T0K"),
	    "bad token");
	assert_string_equal(africastalking_token_check(conf, "token=T0"),
	    "bad token");
	assert_string_equal(africastalking_token_check(conf, "token="),
	    "bad token");
	assert_string_equal(africastalking_token_check(conf, NULL),
	    "missing token");
	assert_string_equal(africastalking_token_check(conf, "tok=T0k"),
	    "missing token");
	assert_string_equal(africastalking_token_check(conf, "token=%zz"),
	    "missing token");
	config_free(conf);
}

static void
test_decode(void **state)
{
	static const struct {
		const char	*body, *why, *from;
	} cases[] = {
		{ "from=%2B84912345678&to=8088&text=BL+t3&date=d&id=1&linkId=L",
		    NULL, "+84912345678" },
		{ "from=+84912345678&to=8088&text=&id=ab", NULL,
		    "+84912345678" },
		{ "from=0912345678&to=8088&text=x&id=ab", NULL,
		    "+84912345678" },
		{ "to=8088&text=x&id=1", "missing field: from", NULL },
		{ "from=0912345678&text=x&id=1", "missing field: to", NULL },
		{ "from=0912345678&to=1&id=1", "missing field: text", NULL },
		{ "from=0912345678&to=1&text=x", "missing field: id", NULL },
		{ "from=0912345678&to=1&text=x&id=", "id must be 1..127 "
		    "characters", NULL },
		{ "from=abc&to=1&text=x&id=1", "from is not a phone number",
		    NULL },
	};
	struct config	*conf = conf_at("u", NULL);
	struct inbound	 in;
	struct form	*f;
	const char	*why;
	char		 err[64];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = form_parse(cases[i].body, strlen(cases[i].body), err,
		    sizeof(err));
		assert_non_null(f);
		why = africastalking_sms_decode(conf, f, &in);
		if (cases[i].why == NULL) {
			if (why != NULL)
				fail_msg("case %zu: %s", i, why);
			assert_string_equal(in.from, cases[i].from);
			assert_string_equal(in.provider, "africastalking");
			assert_int_equal(in.reply_via_outbox, 1);
		} else if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: got %s, want %s", i,
			    why ? why : "(ok)", cases[i].why);
		form_free(f);
	}
	config_free(conf);
}

/* A delivery report through its endpoint's decode: the receipt. */
static void
test_delivery_decode(void **state)
{
	static const struct receipt_case cases[] = {
		{ "id=ATXid_1&status=Success&phoneNumber=%2B84931000001",
		    NULL, "africastalking:ATXid_1", RECEIPT_DELIVERED, "" },
		{ "id=ATXid_2&status=Failed&failureReason=AbsentSubscriber"
		    "&retryCount=0", NULL, "africastalking:ATXid_2",
		    RECEIPT_UNDELIVERED, "AbsentSubscriber" },
		{ "id=ATXid_3&status=Rejected&failureReason=%3Cb%3E+x%0A",
		    NULL, "africastalking:ATXid_3", RECEIPT_UNDELIVERED,
		    "b x" },
		{ "id=ATXid_4&status=Buffered", NULL, "africastalking:ATXid_4",
		    RECEIPT_PENDING, "" },
		{ "id=ATXid_5&status=Whatever", NULL, "africastalking:ATXid_5",
		    RECEIPT_PENDING, "" },
		{ "status=Success", "missing field: id", NULL, 0, NULL },
		{ "id=ATXid_6", "missing field: status", NULL, 0, NULL },
		{ "id=&status=Success", "the message id must be 1..127 "
		    "characters", NULL, 0, NULL },
	};
	struct config			*conf = conf_at("u", NULL);
	const struct provider_endpoint	*ep;
	struct provider_call		 c;

	receipt_cases(conf, "/sms/africastalking/delivery", cases,
	    sizeof(cases) / sizeof(cases[0]));
	ep = provider_route(conf, "/sms/africastalking/delivery");
	assert_non_null(ep);
	/* The token guards it as the SMS endpoint. */
	memset(&c, 0, sizeof(c));
	c.conf = conf;
	c.query = "token=wrong";
	assert_non_null(ep->verify(&c));
	c.query = "token=T0k";
	assert_null(ep->verify(&c));
	config_free(conf);
}

/* The send API's 201: one recipient's id, or its refusal. */
static void
test_sent(void **state)
{
	static const struct {
		const char		*body;
		enum provider_took	 took;
		const char		*id, *why;
	} cases[] = {
		{ "{\"SMSMessageData\":{\"Message\":\"Sent to 1/1\","
		    "\"Recipients\":[{\"statusCode\":101,\"number\":"
		    "\"+84931000001\",\"status\":\"Success\",\"cost\":"
		    "\"VND 300\",\"messageId\":\"ATXid_9\"}]}}",
		    PROVIDER_TOOK, "ATXid_9", "" },
		{ "{\"SMSMessageData\":{\"Recipients\":[{\"statusCode\":"
		    "405,\"status\":\"InsufficientBalance\",\"messageId\":"
		    "\"None\"}]}}", PROVIDER_REFUSED, "",
		    "405 InsufficientBalance" },
		{ "{\"SMSMessageData\":{\"Recipients\":[{\"statusCode\":"
		    "403,\"status\":\"InvalidPhoneNumber\"}]}}",
		    PROVIDER_REFUSED, "", "403 InvalidPhoneNumber" },
		{ "{\"SMSMessageData\":{\"Recipients\":[{\"statusCode\":"
		    "501,\"status\":\"GatewayError\"}]}}",
		    PROVIDER_REFUSED_NOW, "", "501 GatewayError" },
		/* Queued, no id yet: taken, nothing to keep. */
		{ "{\"SMSMessageData\":{\"Recipients\":[{\"statusCode\":"
		    "102,\"messageId\":\"None\"}]}}", PROVIDER_TOOK, "", "" },
		/* Two numbers (a broadcast): not judged. */
		{ "{\"SMSMessageData\":{\"Recipients\":[{\"statusCode\":"
		    "405},{\"statusCode\":101,\"messageId\":\"a\"}]}}",
		    PROVIDER_TOOK, "", "" },
		{ "Sent", PROVIDER_TOOK, "", "" },
		{ "{\"SMSMessageData\":{\"Recipients\":[]}}", PROVIDER_TOOK,
		    "", "" },
		{ "{\"SMSMessageData\":{\"Recipients\":[{\"statusCode\":"
		    "\"101\",\"messageId\":7}]}}", PROVIDER_TOOK, "", "" },
	};
	struct provider_sent	 s;
	size_t			 i;

	assert_ptr_equal(provider_find("africastalking")->sent,
	    africastalking_sent);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		africastalking_sent(cases[i].body, strlen(cases[i].body), &s);
		if (s.took != cases[i].took || strcmp(s.id, cases[i].id) != 0 ||
		    strcmp(s.why, cases[i].why) != 0)
			fail_msg("case %zu: took %d id %s why %s", i, s.took,
			    s.id, s.why);
	}
}

/* A USSD action files the text an SMS resident would send. */
static void
test_ussd_text(void **state)
{
	struct config		*conf = conf_at("u", NULL);
	struct ussd_screen	 s;
	struct route_match	 m;
	struct router		*rt = router_new(conf);
	char			*t, *folded;

	ussd_step(conf, "1*3", 3, &s);
	t = africastalking_ussd_text(conf, &s);
	folded = text_keyfold(t, strlen(t));
	router_match(rt, t, strlen(t), folded, &m);
	assert_int_equal(m.cat, CAT_GBV);
	assert_int_equal(m.area, 2);
	free(folded);
	free(t);
	ussd_step(conf, "2*0", 3, &s);
	t = africastalking_ussd_text(conf, &s);
	folded = text_keyfold(t, strlen(t));
	router_match(rt, t, strlen(t), folded, &m);
	assert_int_equal(m.cat, CAT_SHELTER);
	assert_int_equal(m.area, -1);
	free(folded);
	free(t);
	ussd_step(conf, "3", 1, &s);
	t = africastalking_ussd_text(conf, &s);
	folded = text_keyfold(t, strlen(t));
	router_match(rt, t, strlen(t), folded, &m);
	assert_int_equal(m.cat, CAT_SIGNUP);
	free(folded);
	free(t);
	router_free(rt);
	config_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_vectors),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_ussd_text),
		cmocka_unit_test(test_delivery_decode),
		cmocka_unit_test(test_sent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
