/*
 * fuzz_providers.c: libFuzzer target for the Twilio and Africa's Talking
 * decoders behind the form decoder. The first line of the input is a
 * signature (Twilio) or a query string (Africa's Talking token); the rest
 * is a form body. Whatever arrives, the decoders must not crash, a decoded
 * message must be well formed, and a TwiML reply must be XML-safe. The
 * same input also goes through every endpoint of the providers' table as
 * provider_serve() would take it (the line as query and every header),
 * short of filing: a USSD screen must stay a screen, a delivery receipt
 * names a provider's SMS and keeps only printable words. The body also
 * goes through every provider's reading of its send API's answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/tincayd.h"
#include "../../handlers/handlers.h"
#include "fuzz.h"
#include "../../daemon/provider.h"

static const struct config *
fuzz_conf(void)
{
	static struct config	*conf;
	static const char	 json[] = "{\"providers\":{"
	    "\"twilio\":{\"account_sid\":\"AC1\",\"auth_token\":\"t\","
	    "\"from\":\"+15005550006\"},"
	    "\"africastalking\":{\"token\":\"k\"}}}";
	char			 err[128];

	if (conf == NULL && (conf = config_parse(json, sizeof(json) - 1, err,
	    sizeof(err))) == NULL)
		abort();
	return conf;
}

static void
fuzz_inbound(const struct inbound *in)
{
	FUZZ_CHECK(in->ext_id[0] != '\0');
	FUZZ_CHECK(in->from[0] == '+');
	FUZZ_CHECK(in->text != NULL);
}

/* A receipt: "provider:id" with an id, a known status, a clean reason. */
static void
fuzz_receipt(const struct provider *p, const struct receipt *r)
{
	size_t	 n = strlen(p->name), i;

	FUZZ_CHECK(strncmp(r->key, p->name, n) == 0 && r->key[n] == ':' &&
	    r->key[n + 1] != '\0');
	FUZZ_CHECK(strlen(r->key + n + 1) <= RECEIPT_ID_MAX);
	FUZZ_CHECK(r->status == RECEIPT_PENDING ||
	    r->status == RECEIPT_DELIVERED ||
	    r->status == RECEIPT_UNDELIVERED);
	for (i = 0; r->reason[i] != '\0'; i++)
		FUZZ_CHECK(r->reason[i] >= ' ' && r->reason[i] < 0x7f &&
		    r->reason[i] != '<' && r->reason[i] != '%');
}

/* Every provider's reading of a send answer: a bounded id, a verdict. */
static void
fuzz_sent(const char *body, size_t len)
{
	struct provider_sent	 s;
	size_t			 i;

	for (i = 0; providers[i] != NULL; i++) {
		if (providers[i]->sent == NULL)
			continue;
		providers[i]->sent(body, len, &s);
		FUZZ_CHECK(s.took == PROVIDER_TOOK ||
		    s.took == PROVIDER_REFUSED ||
		    s.took == PROVIDER_REFUSED_NOW);
		FUZZ_CHECK(strlen(s.id) <= RECEIPT_ID_MAX);
		FUZZ_CHECK(s.took == PROVIDER_TOOK || s.id[0] == '\0');
	}
}

static const char *
fuzz_header(const struct provider_call *c, const char *name)
{
	return c->req;
}

/* Each endpoint's verify, decode and reply on (line, body, len). */
static void
fuzz_endpoints(const struct config *conf, char *line,
    const char *body, size_t len)
{
	const struct provider_endpoint	*ep;
	struct provider_call		 c;
	const char			*ctype;
	char				*reply, err[128];
	size_t				 i, j;

	for (i = 0; providers[i] != NULL; i++)
		for (j = 0; j < PROVIDER_ENDPOINTS; j++) {
			ep = &providers[i]->endpoints[j];
			if (ep->path == NULL)
				continue;
			memset(&c, 0, sizeof(c));
			c.conf = conf;
			c.uri = ep->path;
			c.query = line;
			c.body = body;
			c.len = len;
			c.now = 1800000000;
			c.header = fuzz_header;
			c.req = line;
			if (ep->body == PROVIDER_FORM && (c.form =
			    form_parse(body, len, err, sizeof(err))) == NULL)
				continue;
			(void)ep->verify(&c);
			if (ep->decode(&c) != NULL) {
				provider_call_clear(&c);
				continue;
			}
			if (c.is_receipt)
				fuzz_receipt(providers[i], &c.receipt);
			else if (!c.answer_now)
				fuzz_inbound(&c.in);
			ctype = NULL;
			reply = ep->reply(&c, &ctype);
			if (c.state != NULL) {
				FUZZ_CHECK(reply != NULL);
				FUZZ_CHECK(strncmp(reply, "CON ", 4) == 0 ||
				    strncmp(reply, "END ", 4) == 0);
				FUZZ_CHECK(strlen(reply) <= 182);
			}
			free(reply);
			provider_call_clear(&c);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config	*conf = fuzz_conf();
	const char		*buf = (const char *)data, *nl, *why;
	struct inbound		 in;
	struct form		*f;
	char			*line, *twiml, err[128];
	size_t			 hlen;

	nl = memchr(buf, '\n', size);
	hlen = nl ? (size_t)(nl - buf) : size;
	line = malloc(hlen + 1);
	memcpy(line, buf, hlen);
	line[hlen] = '\0';
	(void)africastalking_token_check(conf, line);
	f = form_parse(nl ? nl + 1 : "", nl ? size - hlen - 1 : 0, err,
	    sizeof(err));
	if (f != NULL) {
		(void)twilio_verify("t", line, "https://x.example/sms/twilio",
		    f, TWILIO_SHA1);
		memset(&in, 0, sizeof(in));
		if (twilio_decode(conf, f, &in) == NULL)
			fuzz_inbound(&in);
		memset(&in, 0, sizeof(in));
		if ((why = africastalking_sms_decode(conf, f, &in)) == NULL)
			fuzz_inbound(&in);
		form_free(f);
	}
	fuzz_endpoints(conf, line, nl ? nl + 1 : "", nl ? size - hlen - 1 : 0);
	fuzz_sent(buf, size);
	/* Whatever the reply holds, the TwiML carries no raw < or &. */
	twiml = twilio_twiml(line);
	FUZZ_CHECK(twiml != NULL);
	FUZZ_CHECK(strstr(twiml, "<Response") == twiml);
	{
		const char *p = strstr(twiml, "<Message>");

		if (p != NULL) {
			const char *e = strstr(p, "</Message>");

			FUZZ_CHECK(e != NULL);
			for (p += 9; p < e; p++)
				FUZZ_CHECK(*p != '<' && *p != '>');
		}
	}
	free(twiml);
	free(line);
	return 0;
}
