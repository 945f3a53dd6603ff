/*
 * fuzz_ussd.c: libFuzzer target for the USSD menu (handlers/ussd.c). The
 * input is the "text" of a session; against a config of 6 and one of 30
 * areas every screen fits, is ASCII, and an END that files names a valid
 * category and area.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"
#include "fuzz.h"

static struct config *
fuzz_conf(size_t nareas)
{
	struct config	*conf;
	char		*json, *areas = xstrdup(""), *p, err[128];
	size_t		 i;

	for (i = 1; i <= nareas; i++) {
		p = xasprintf("%s%s{\"code\":\"T%zu\",\"name\":"
		    "\"Th\xc3\xb4n Ph\xc3\xba %zu\"}", areas, i > 1 ? "," : "",
		    i, i);
		free(areas);
		areas = p;
	}
	json = xasprintf("{\"areas\":[%s]}", areas);
	if ((conf = config_parse(json, strlen(json), err, sizeof(err))) ==
	    NULL)
		abort();
	free(json);
	free(areas);
	return conf;
}

static void
fuzz_one(const struct config *conf, const char *buf, size_t len)
{
	struct ussd_screen	 s;
	const unsigned char	*p;

	ussd_step(conf, buf, len, &s);
	FUZZ_CHECK(strlen(s.text) <= USSD_SCREEN_MAX);
	for (p = (const unsigned char *)s.text; *p; p++)
		FUZZ_CHECK(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	if (!s.end)
		FUZZ_CHECK(s.action == USSD_NONE || s.action == USSD_REPORT);
	if (s.end && s.action == USSD_REPORT) {
		FUZZ_CHECK(s.cat == CAT_GBV || s.cat == CAT_SHELTER);
		FUZZ_CHECK(s.area >= -1 && s.area < (int)conf->nareas);
	}
	if (s.end && s.action == USSD_NONE)
		FUZZ_CHECK(s.text[0] != '\0');
	if (!s.end)
		FUZZ_CHECK(s.text[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	*six, *thirty;

	if (six == NULL) {
		six = fuzz_conf(6);
		thirty = fuzz_conf(30);
	}
	fuzz_one(six, (const char *)data, size);
	fuzz_one(thirty, (const char *)data, size);
	return 0;
}
