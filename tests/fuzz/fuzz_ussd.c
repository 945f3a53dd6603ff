/*
 * fuzz_ussd.c: libFuzzer target for the USSD menu (handlers/ussd.c). The
 * input is the "text" of a session; against a config of 6 and one of 30
 * areas, and a city of 40 communes, every screen fits, is ASCII, and an
 * END that files names a valid category, commune and area.
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

/* A city of n communes, the i-th with i % 7 hamlets of its own. */
static struct config *
fuzz_city(size_t n)
{
	struct config	*conf;
	char		*json, *communes = xstrdup(""), *areas, *p, err[128];
	size_t		 i, j;

	for (i = 1; i <= n; i++) {
		areas = xstrdup("");
		for (j = 1; j <= i % 7; j++) {
			p = xasprintf("%s%s{\"code\":\"T%zu\",\"name\":"
			    "\"Th\xc3\xb4n %zu\"}", areas, j > 1 ? "," : "",
			    j, j);
			free(areas);
			areas = p;
		}
		p = xasprintf("%s%s{\"code\":\"X%zu\",\"name\":"
		    "\"X\xc3\xa3 Ph\xc3\xba %zu\",\"areas\":[%s]}", communes,
		    i > 1 ? "," : "", i, i, areas);
		free(areas);
		free(communes);
		communes = p;
	}
	json = xasprintf("{\"communes\":[%s]}", communes);
	if ((conf = config_parse(json, strlen(json), err, sizeof(err))) ==
	    NULL)
		abort();
	free(json);
	free(communes);
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
	/* A city's commune is one of its; the area is of its hamlets. */
	if (s.commune != NULL) {
		FUZZ_CHECK(s.commune >= conf->communes &&
		    s.commune < conf->communes + conf->ncommunes);
		conf = s.commune->cf;
	}
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
	static struct config	*six, *thirty, *city;

	if (six == NULL) {
		six = fuzz_conf(6);
		thirty = fuzz_conf(30);
		city = fuzz_city(40);
	}
	fuzz_one(six, (const char *)data, size);
	fuzz_one(thirty, (const char *)data, size);
	fuzz_one(city, (const char *)data, size);
	return 0;
}
