/*
 * fuzz_generic.c: libFuzzer target for the generic provider's parsers. The
 * first line of the input is taken as an X-Tincay-Signature header, the
 * rest as the body: both the signature check and the JSON decoder must
 * survive anything, and a decoded message must be well formed: never one
 * from a body holding U+0000, which cJSON would cut its strings at.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/tincayd.h"
#include "fuzz.h"
#include "../../daemon/provider.h"

static struct config *
fuzz_conf(void)
{
	static struct config	*conf;
	static const char	 json[] =
	    "{\"providers\":{\"generic\":{\"secret\":\"s\"}}}";
	char			 err[128];

	if (conf == NULL &&
	    (conf = config_parse(json, sizeof(json) - 1, err,
	    sizeof(err))) == NULL)
		abort();
	return conf;
}

/* U+0000 in (buf, len): a NUL byte, or "\u0000" after an odd run of '\'. */
static int
fuzz_has_nul(const char *buf, size_t len)
{
	size_t	 i, run;

	if (memchr(buf, '\0', len) != NULL)
		return 1;
	for (i = 0; i + 6 <= len; i++) {
		if (memcmp(buf + i, "\\u0000", 6) != 0)
			continue;
		for (run = 0; run <= i && buf[i - run] == '\\'; run++)
			;
		if (run % 2 == 1)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data, *nl, *why;
	struct inbound	 in;
	char		*hdr, *text;
	size_t		 hlen;

	nl = memchr(buf, '\n', size);
	hlen = nl ? (size_t)(nl - buf) : size;
	hdr = malloc(hlen + 1);
	memcpy(hdr, buf, hlen);
	hdr[hlen] = '\0';
	(void)generic_verify("s", hdr, nl ? nl + 1 : "",
	    nl ? size - hlen - 1 : 0, 1700000000);
	free(hdr);

	why = generic_decode(fuzz_conf(), buf, size, &in, &text);
	if (why == NULL) {
		if (text == NULL || in.text != text || in.ext_id[0] == '\0' ||
		    in.from[0] != '+' || strlen(in.text) != in.textlen ||
		    fuzz_has_nul(buf, size))
			abort();
	} else if (text != NULL)
		abort();
	free(text);
	return 0;
}
