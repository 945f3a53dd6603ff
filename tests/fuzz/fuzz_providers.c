/*
 * fuzz_providers.c: libFuzzer target for the Twilio and Africa's Talking
 * decoders behind the form decoder. The first line of the input is a
 * signature (Twilio) or a query string (Africa's Talking token); the rest
 * is a form body. Whatever arrives, the decoders must not crash, a decoded
 * message must be well formed, and a TwiML reply must be XML-safe.
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
