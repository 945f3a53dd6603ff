/*
 * test_config.c: config.c turns JSON into struct config: the shipped files
 * examples load, defaults fill every absent key, and each bad value is refused with
 * a one-line message that starts with the key's path. Run from the root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/store.h"
#include "../../handlers/handlers.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static struct config *
parse(const char *json, char *err, size_t errlen)
{
	return config_parse(json, strlen(json), err, errlen);
}

static int
has_warning(const struct config *cf, const char *prefix)
{
	size_t	 i;

	for (i = 0; i < cf->warnings.n; i++)
		if (strncmp(cf->warnings.v[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

/*
 * The shipped placeholders earn a warning each; templates do not. Inline:
 * config/tincay.json is the user's to edit (make run LISTEN=, another
 * port), so no test reads it; make check runs tincayd -t on it instead.
 */
static void
test_placeholders(void **state)
{
	struct config	*cf;
	char		 err[256];
	size_t		 i;

	(void)state;
	cf = parse("{\"providers\": {\"generic\": {\"secret\": "
	    "\"change-me\"}, \"africastalking\": {\"token\": "
	    "\"change-me-3\"}}, \"webhook_secret\": \"change-me-too\"}",
	    err, sizeof(err));
	if (cf == NULL)
		fail_msg("placeholders: %s", err);
	assert_true(has_warning(cf, "providers.generic.secret: "));
	assert_true(has_warning(cf, "providers.africastalking.token: "));
	assert_true(has_warning(cf, "webhook_secret: "));
	assert_false(has_warning(cf, "templates."));
	for (i = 0; i < cf->warnings.n; i++)
		assert_non_null(strstr(cf->warnings.v[i], "placeholder"));
	/* tincayd refuses them, naming each key. */
	assert_int_equal(config_check_placeholders(cf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "providers.generic.secret, "
	    "providers.africastalking.token, webhook_secret: still the "
	    "shipped placeholders"));
	config_free(cf);
	/* Unless asked for, on loopback only. */
	cf = parse("{\"allow_placeholders\": true, \"webhook_secret\": "
	    "\"...\"}", err, sizeof(err));
	assert_non_null(cf);
	assert_int_equal(config_check_placeholders(cf, err, sizeof(err)), 0);
	config_free(cf);
	cf = parse("{\"allow_placeholders\": true, \"listen\": "
	    "\"0.0.0.0:8080\", \"webhook_secret\": \"...\"}", err,
	    sizeof(err));
	assert_non_null(cf);
	assert_int_equal(config_check_placeholders(cf, err, sizeof(err)), -1);
	assert_string_equal(err, "webhook_secret: still the shipped "
	    "placeholder; set real secrets (\"allow_placeholders\": true "
	    "runs them on a loopback listen, for local testing only)");
	config_free(cf);
	/* Real secrets: nothing to refuse. */
	cf = parse("{\"webhook_secret\": \"k3y\"}", err, sizeof(err));
	assert_non_null(cf);
	assert_int_equal(config_check_placeholders(cf, err, sizeof(err)), 0);
	config_free(cf);
}

/* The example that documents every key: valid, and without a warning. */
static void
test_example_full(void **state)
{
	struct config	*cf;
	char		 err[256];

	(void)state;
	cf = config_load("config/example-full.json", err, sizeof(err));
	if (cf == NULL)
		fail_msg("config/example-full.json: %s", err);
	assert_true(cf->generic.enabled);
	assert_true(cf->twilio.enabled);
	assert_true(cf->africastalking.enabled);
	assert_true(cf->allow_http);
	assert_string_equal(cf->sms_out.via, "generic");
	assert_string_equal(cf->twilio.api_base, "http://127.0.0.1:9101");
	assert_string_equal(cf->areas[2].name, "Thôn 3");
	assert_int_equal(cf->escalation[CAT_UNKNOWN].after_s, 3600);
	assert_int_equal(cf->keywords[CAT_GBV].n, 6);
	assert_string_equal(cf->console.listen_host, "127.0.0.1");
	assert_int_equal(cf->console.listen_port, 8081);
	assert_true(cf->console.https);
	assert_true(cf->console.require_totp);
	assert_int_equal(cf->warnings.n, 0);
	config_free(cf);
}

/* Write text to a new file at path. */
static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/*
 * Where the key is (SPEC §8), never beside the database by default: the
 * unit's credential; else key_file; else a key beside the database (an
 * earlier version's); else the database's name + .key in the config
 * file's directory.
 */
static void
test_key_file(void **state)
{
	struct config	*cf;
	char		 err[256], dir[] = "/tmp/test_config.XXXXXX", path[512];
	char		 json[1024];

	(void)state;
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_non_null(mkdtemp(dir));
	snprintf(json, sizeof(json), "{\"database\": \"%s/data/t.db\"}", dir);
	snprintf(path, sizeof(path), "%s/data", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/etc", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/etc/tincay.json", dir);
	write_file(path, json);
	/* A new database: its key in the config's directory. */
	cf = config_load(path, err, sizeof(err));
	assert_non_null(cf);
	snprintf(json, sizeof(json), "%s/etc/t.db.key", dir);
	assert_string_equal(cf->key_file, json);
	config_free(cf);
	/* config_parse(): the working directory. */
	cf = parse("{}", err, sizeof(err));
	assert_string_equal(cf->key_file, "tincay.db.key");
	config_free(cf);
	/* A key an earlier version kept beside the database keeps working. */
	snprintf(json, sizeof(json), "%s/data/t.db.key", dir);
	write_file(json, "");	/* where a key is is all that counts */
	cf = config_load(path, err, sizeof(err));
	assert_string_equal(cf->key_file, json);
	config_free(cf);
	/* The unit's credential comes first, key_file or not. */
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	cf = config_load(path, err, sizeof(err));
	assert_string_equal(cf->key_file, json);	/* no tincay.key there */
	config_free(cf);
	snprintf(json, sizeof(json), "%s/tincay.key", dir);
	write_file(json, "");
	cf = config_load(path, err, sizeof(err));
	assert_string_equal(cf->key_file, json);
	config_free(cf);
	cf = parse("{\"key_file\": \"/etc/tincay/tincay.key\"}", err,
	    sizeof(err));
	assert_string_equal(cf->key_file, json);
	config_free(cf);
	unsetenv("CREDENTIALS_DIRECTORY");
	cf = parse("{\"key_file\": \"/etc/tincay/tincay.key\"}", err,
	    sizeof(err));
	assert_string_equal(cf->key_file, "/etc/tincay/tincay.key");
	config_free(cf);
	snprintf(json, sizeof(json), "rm -r %s", dir);
	assert_int_equal(system(json), 0);
}

static void
test_defaults(void **state)
{
	struct config	*cf;
	struct text_seg	 seg;
	char		 err[256];
	int		 t;

	cf = parse("{}", err, sizeof(err));
	if (cf == NULL)
		fail_msg("{}: %s", err);
	assert_string_equal(cf->listen_host, "127.0.0.1");
	assert_int_equal(cf->listen_port, 8080);
	assert_string_equal(cf->public_url, "http://127.0.0.1:8080");
	assert_string_equal(cf->database, "var/tincay.db");
	assert_string_equal(cf->timezone, "Asia/Ho_Chi_Minh");
	assert_string_equal(cf->country_code, "84");
	assert_string_equal(cf->sms_out.via, "console");
	assert_string_equal(cf->sms_out.url, "");
	assert_int_equal(cf->sms_out.rate_per_second, 10);
	assert_int_equal(cf->followup_window_s, 1800);
	assert_int_equal(cf->reopen_window_s, 2592000);
	assert_int_equal(cf->limits.max_body_bytes, 16384);
	/* The console is off unless asked for. */
	assert_string_equal(cf->console.listen_host, "");
	assert_int_equal(cf->console.idle_s, 900);
	assert_int_equal(cf->console.absolute_s, 28800);
	assert_int_equal(cf->limits.request_timeout_s, 10);
	assert_int_equal(cf->limits.max_connections, 512);
	assert_int_equal(cf->limits.retry_base_ms, 2000);
	assert_int_equal(cf->limits.retry_max_s, 1800);
	assert_false(cf->generic.enabled);
	assert_false(cf->twilio.enabled);
	assert_false(cf->africastalking.enabled);
	assert_false(cf->allow_http);
	assert_int_equal(cf->nareas, 0);
	assert_int_equal(cf->ncampaigns, 0);
	assert_int_equal(cf->routing[CAT_GBV].n, 2);
	assert_string_equal(cf->routing[CAT_GBV].v[0], "police");
	assert_string_equal(cf->routing[CAT_GBV].v[1], "health");
	assert_int_equal(cf->routing[CAT_SHELTER].n, 1);
	assert_string_equal(cf->routing[CAT_SHELTER].v[0], "volunteer");
	assert_int_equal(cf->routing[CAT_UNKNOWN].n, 0);
	assert_int_equal(cf->escalation[CAT_GBV].after_s, 600);
	assert_string_equal(cf->escalation[CAT_GBV].to.v[0], "leader");
	assert_int_equal(cf->escalation[CAT_SHELTER].after_s, 900);
	assert_string_equal(cf->escalation[CAT_SHELTER].to.v[0], "police");
	assert_int_equal(cf->escalation[CAT_UNKNOWN].after_s, 0);
	assert_int_equal(cf->officials.n, 2);
	assert_string_equal(cf->officials.v[0], "official");
	assert_string_equal(cf->officials.v[1], "leader");
	assert_int_equal(cf->keywords[CAT_GBV].n, 5);
	assert_string_equal(cf->keywords[CAT_GBV].v[0], "BAOLUC");
	assert_string_equal(cf->keywords[CAT_HELP].v[3], "?");
	assert_int_equal(cf->keywords[CAT_UNKNOWN].n, 0);
	assert_int_equal(cf->keywords[CAT_FOLLOWUP].n, 0);
	assert_non_null(strstr(cf->templates[TMPL_RECEIVED], "%REF%"));
	for (t = 0; t < TMPL__MAX; t++) {
		text_segments(cf->templates[t], strlen(cf->templates[t]),
		    &seg);
		assert_int_equal(seg.enc, TEXT_GSM7);
		assert_int_equal(seg.segments, 1);
		/* What a resident reads always carries a hotline. */
		if (t == TMPL_RECEIVED || t == TMPL_HELP || t == TMPL_CANCELLED ||
		    t == TMPL_SIGNUP || t == TMPL_SIGNUP_NONE ||
		    t == TMPL_SIGNUP_UNKNOWN || t == TMPL_OPTOUT)
			assert_non_null(strstr(cf->templates[t], "113"));
	}
	assert_false(has_warning(cf, "templates."));
	assert_true(has_warning(cf, "webhook_secret: "));
	config_free(cf);
}

static void
test_names(void **state)
{
	int	 c;

	for (c = 0; c < CAT__MAX; c++)
		assert_int_equal(config_category_lookup(
		    config_category_name(c)), c);
	assert_string_equal(config_category_name(CAT_GBV), "gbv");
	assert_string_equal(config_category_name(CAT_FOLLOWUP), "followup");
	assert_null(config_category_name(CAT__MAX));
	assert_int_equal(config_category_lookup("violence"), -1);
	assert_int_equal(config_category_lookup(NULL), -1);
	assert_string_equal(config_template_name(TMPL_RECEIVED), "received");
	assert_int_equal(template_lookup("followup"), -1);
	assert_string_equal(config_template_name(TMPL_HELP), "help");
	assert_string_equal(config_template_name(TMPL_SIGNUP), "signup");
	assert_string_equal(config_template_name(TMPL_OPTOUT), "optout");
	assert_null(config_template_name(TMPL__MAX));
}

static void
test_overrides(void **state)
{
	struct config	*cf;
	char		 err[256];

	cf = parse("{\"listen\": \"[::1]:9000\", \"country_code\": \"1\","
	    "\"keywords\": {\"gbv\": [\"Báo lực\"]},"
	    "\"escalation\": {\"gbv\": {\"after_s\": 60, \"to\": [\"a\"]}},"
	    "\"routing\": {\"unknown\": [\"volunteer\"]},"
	    "\"templates\": {\"help\": \"Goi 113.\"},"
	    "\"public_url\": \"https://x.example/\","
	    "\"areas\": [{\"code\": \"T1\", \"//\": \"a comment\"}],"
	    "\"providers\": {\"generic\": {\"secret\": \"s\"}},"
	    "\"webhook_secret\": \"s\"}", err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_string_equal(cf->listen_host, "::1");
	assert_int_equal(cf->listen_port, 9000);
	assert_string_equal(cf->public_url, "https://x.example");
	assert_int_equal(cf->keywords[CAT_GBV].n, 1);
	assert_string_equal(cf->keywords[CAT_GBV].v[0], "Báo lực");
	assert_int_equal(cf->keywords[CAT_SHELTER].n, 5);
	/* A present escalation replaces every default. */
	assert_int_equal(cf->escalation[CAT_GBV].after_s, 60);
	assert_int_equal(cf->escalation[CAT_SHELTER].after_s, 0);
	assert_int_equal(cf->escalation[CAT_SHELTER].to.n, 0);
	/* routing keeps its defaults key by key. */
	assert_int_equal(cf->routing[CAT_GBV].n, 2);
	assert_string_equal(cf->routing[CAT_UNKNOWN].v[0], "volunteer");
	assert_string_equal(cf->templates[TMPL_HELP], "Goi 113.");
	assert_string_equal(cf->areas[0].name, "T1");
	assert_int_equal(cf->warnings.n, 0);
	config_free(cf);

	/* Without a public_url the listen address stands in. */
	cf = parse("{\"listen\": \"[::1]:9000\"}", err, sizeof(err));
	assert_non_null(cf);
	assert_string_equal(cf->public_url, "http://[::1]:9000");
	config_free(cf);
}

/* Each case: the message must start with "path: " and contain want. */
static const struct {
	const char	*json;
	const char	*path;
	const char	*want;
} bad[] = {
	{ "{\"bogus\": 1}", "bogus", "unknown key" },
	{ "{\"providers\": {\"twilio\": {\"auth_tokn\": \"x\"}}}",
	  "providers.twilio.auth_tokn", "unknown key" },
	{ "{\"limits\": {\"max_body\": 1}}", "limits.max_body",
	  "unknown key" },
	{ "{\"limits\": {\"max_body_bytes\": \"big\"}}",
	  "limits.max_body_bytes", "must be an integer 256..16777216" },
	{ "{\"limits\": {\"max_body_bytes\": 100}}",
	  "limits.max_body_bytes", "must be an integer 256..16777216" },
	{ "{\"limits\": {\"max_body_bytes\": 1000.5}}",
	  "limits.max_body_bytes", "must be an integer" },
	{ "{\"limits\": {\"max_body_bytes\": 1024, \"max_body_bytes\": 2048}}",
	  "limits.max_body_bytes", "duplicate key" },
	{ "{\"limits\": 5}", "limits", "must be an object" },
	{ "{\"console\": {\"listn\": \"127.0.0.1:8081\"}}", "console.listn",
	  "unknown key" },
	{ "{\"console\": {\"listen\": \"8081\"}}", "console.listen",
	  "must be host:port" },
	{ "{\"console\": {\"listen\": \"console.example:8081\"}}",
	  "console.listen", "is not an IPv4 address" },
	{ "{\"console\": {\"listen\": \"127.0.0.1:8080\"}}", "console.listen",
	  "must differ from listen" },
	{ "{\"console\": {\"listen\": \"127.0.0.1:8081\", \"https\": 1}}",
	  "console.https", "must be" },
	{ "{\"console\": {\"listen\": \"127.0.0.1:8081\", \"idle_s\": 10}}",
	  "console.idle_s", "must be an integer 60..86400" },
	{ "{\"console\": {\"listen\": \"127.0.0.1:8081\", \"idle_s\": 3600, "
	  "\"absolute_s\": 1800}}", "console.absolute_s", "at least" },
	{ "{\"followup_window_s\": -1}", "followup_window_s",
	  "must be an integer" },
	{ "{\"reopen_window_s\": 40000000}", "reopen_window_s",
	  "must be an integer" },
	{ "{\"sms_out\": {\"rate_per_second\": 0}}", "sms_out.rate_per_second",
	  "must be an integer 1..1000" },
	{ "{\"allow_http\": \"yes\"}", "allow_http", "must be true or false" },
	{ "{\"listen\": \"127.0.0.1\"}", "listen", "must be host:port" },
	{ "{\"listen\": \"127.0.0.1:70000\"}", "listen", "must be host:port" },
	{ "{\"listen\": \":8080\"}", "listen", "must be host:port" },
	{ "{\"listen\": \"127.0.0.1:0\"}", "listen", "must be host:port" },
	{ "{\"listen\": 8080}", "listen", "must be host:port" },
	{ "{\"public_url\": \"ftp://x\"}", "public_url",
	  "must start with http:// or https://" },
	{ "{\"country_code\": \"+84\"}", "country_code",
	  "must be 1 to 3 digits" },
	{ "{\"country_code\": \"8400\"}", "country_code",
	  "must be 1 to 3 digits" },
	{ "{\"country_code\": 84}", "country_code", "must be a string" },
	{ "{\"timezone\": \"../etc/passwd\"}", "timezone",
	  "must be a time zone name" },
	{ "{\"timezone\": \"Asia/Atlantis\"}", "timezone",
	  "unknown time zone" },
	{ "{\"timezone\": \"Asia\"}", "timezone", "unknown time zone" },
	/* A file of the zone directory that is no zone. */
	{ "{\"timezone\": \"leapseconds\"}", "timezone",
	  "unknown time zone" },
	{ "{\"timezone\": \"/etc/passwd\"}", "timezone",
	  "must be a time zone name" },
	{ "{\"database\": \"\"}", "database", "must be a non-empty string" },
	{ "{\"sms_out\": {\"via\": \"pigeon\"}}", "sms_out.via",
	  "must be one of console, generic, twilio, africastalking" },
	{ "{\"sms_out\": {\"via\": \"generic\"}}", "sms_out.url",
	  "required when sms_out.via is \"generic\"" },
	{ "{\"sms_out\": {\"via\": \"generic\", \"url\": \"http://x/send\"}}",
	  "sms_out.url", "must be an https:// URL" },
	{ "{\"sms_out\": {\"via\": \"generic\", \"url\": \"ftp://x/send\"},"
	  "\"allow_http\": true}", "sms_out.url", "must start with https://" },
	{ "{\"sms_out\": {\"via\": \"generic\", \"url\": "
	  "\"https://exa mple.invalid/x\"}}", "sms_out.url",
	  "holds a blank or a control character" },
	{ "{\"sms_out\": {\"via\": \"generic\", \"url\": "
	  "\"https://:0/x\"}}", "sms_out.url", "has no host" },
	{ "{\"sms_out\": {\"via\": \"generic\", \"url\": "
	  "\"https://sms.example:0/x\"}}", "sms_out.url",
	  "has a broken port" },
	{ "{\"sms_out\": {\"via\": \"generic\", \"url\": "
	  "\"https://sms.example:99999/x\"}}", "sms_out.url",
	  "has a broken port" },
	{ "{\"sms_out\": {\"via\": \"generic\", \"url\": "
	  "\"https://[::1/x\"}}", "sms_out.url", "has a broken [IPv6] host" },
	{ "{\"public_url\": \"https://gw.example:/\"}", "public_url",
	  "has a broken port" },
	{ "{\"sms_out\": {\"via\": \"twilio\"}}", "sms_out.via",
	  "needs a providers.twilio section" },
	{ "{\"sms_out\": {\"via\": \"africastalking\"}}", "sms_out.via",
	  "needs a providers.africastalking section" },
	{ "{\"sms_out\": {\"via\": \"twilio\"}, \"providers\": {\"twilio\":"
	  "{\"auth_token\": \"t\", \"account_sid\": \"AC1\"}}}",
	  "providers.twilio.from", "required when sms_out.via is \"twilio\"" },
	{ "{\"sms_out\": {\"via\": \"africastalking\"}, \"providers\":"
	  "{\"africastalking\": {\"token\": \"t\"}}}",
	  "providers.africastalking.username", "required when sms_out.via" },
	{ "{\"providers\": {\"twilio\": {\"auth_token\": \"t\","
	  "\"api_base\": \"http://127.0.0.1:9\"}}}",
	  "providers.twilio.api_base", "must be an https:// URL" },
	{ "{\"providers\": {\"africastalking\": {\"token\": \"t\","
	  "\"api_base\": \"http://127.0.0.1:9\"}}}",
	  "providers.africastalking.api_base", "must be an https:// URL" },
	{ "{\"providers\": {\"twilio\": {}}}", "providers.twilio.auth_token",
	  "missing" },
	{ "{\"providers\": {\"africastalking\": {\"token\": \"\"}}}",
	  "providers.africastalking.token", "must be a non-empty string" },
	{ "{\"providers\": {\"generic\": {}}}", "providers.generic.secret",
	  "missing" },
	{ "{\"providers\": {\"generic\": {\"secret\": \"\"}}}",
	  "providers.generic.secret", "must be a non-empty string" },
	{ "{\"providers\": {\"sms\": {}}}", "providers.sms", "unknown key" },
	{ "{\"areas\": {\"code\": \"T1\"}}", "areas",
	  "must be an array of objects" },
	{ "{\"areas\": [{\"code\": \"T1\"}, {\"code\": \"t1\"}]}",
	  "areas[1].code", "duplicate of areas[0].code" },
	{ "{\"areas\": [{\"code\": \"T1\"}, {\"code\": \"T2\"},"
	  "{\"name\": \"x\"}]}", "areas[2].code", "missing" },
	{ "{\"areas\": [{\"code\": \"\"}]}", "areas[0].code",
	  "must be 1 to 16 letters or digits" },
	{ "{\"areas\": [{\"code\": \"T 1\"}]}", "areas[0].code",
	  "must be 1 to 16 letters or digits" },
	{ "{\"areas\": [{\"code\": \"T1\", \"aliases\": [\"thon 1\"]},"
	  "{\"code\": \"T2\", \"aliases\": [\"x\", \"Thon 1\"]}]}",
	  "areas[1].aliases[1]", "also names areas[0]" },
	{ "{\"areas\": [{\"code\": \"T1\", \"name\": \"Thôn 1\"},"
	  "{\"code\": \"T2\", \"name\": \"Thon 1\"}]}",
	  "areas[1].name", "also names areas[0]" },
	{ "{\"areas\": [{\"code\": \"T1\", \"name\": \"Thôn Một\"},"
	  "{\"code\": \"T2\", \"name\": \"T1\"}]}",
	  "areas[1].name", "also names areas[0]" },
	{ "{\"areas\": [{\"code\": \"T1\", \"aliases\": [\"--\"]}]}",
	  "areas[0].aliases[0]", "must contain letters or digits" },
	{ "{\"areas\": [{\"code\": \"T1\", \"zone\": 1}]}", "areas[0].zone",
	  "unknown key" },
	{ "{\"campaigns\": [{\"code\": \"THD\", \"start\": \"2026-11-31\","
	  "\"end\": \"2026-12-15\"}]}", "campaigns[0].start",
	  "must be a date YYYY-MM-DD" },
	{ "{\"campaigns\": [{\"code\": \"THD\", \"start\": \"2027-02-29\","
	  "\"end\": \"2027-12-15\"}]}", "campaigns[0].start",
	  "must be a date YYYY-MM-DD" },
	{ "{\"campaigns\": [{\"code\": \"THD\", \"start\": \"15/11/2026\","
	  "\"end\": \"2026-12-15\"}]}", "campaigns[0].start",
	  "must be a date YYYY-MM-DD" },
	{ "{\"campaigns\": [{\"code\": \"THD\", \"start\": \"2026-12-15\","
	  "\"end\": \"2026-11-15\"}]}", "campaigns[0].end", "before start" },
	{ "{\"campaigns\": [{\"code\": \"THD\", \"start\": \"2026-12-15\"}]}",
	  "campaigns[0].end", "missing" },
	{ "{\"campaigns\": [{\"code\": \"A\", \"start\": \"2026-01-01\","
	  "\"end\": \"2026-01-02\"}, {\"code\": \"a\", \"start\": "
	  "\"2026-02-01\", \"end\": \"2026-02-02\"}]}", "campaigns[1].code",
	  "duplicate of campaigns[0].code" },
	{ "{\"routing\": {\"sos\": [\"police\"]}}", "routing.sos",
	  "unknown key" },
	{ "{\"routing\": {\"gbv\": [\"police\", \"\"]}}", "routing.gbv[1]",
	  "must be a non-empty string" },
	{ "{\"routing\": {\"gbv\": \"police\"}}", "routing.gbv",
	  "must be an array of strings" },
	{ "{\"escalation\": {\"stats\": {\"after_s\": 5, \"to\": [\"a\"]}}}",
	  "escalation.stats", "unknown key" },
	{ "{\"escalation\": {\"gbv\": {\"after_s\": 0, \"to\": [\"a\"]}}}",
	  "escalation.gbv.after_s", "must be an integer 1..604800" },
	{ "{\"escalation\": {\"gbv\": {\"after_s\": 604801, \"to\": [\"a\"]}}}",
	  "escalation.gbv.after_s", "must be an integer 1..604800" },
	{ "{\"escalation\": {\"gbv\": {\"after_s\": 60}}}",
	  "escalation.gbv.to", "missing" },
	{ "{\"escalation\": {\"gbv\": {\"after_s\": 60, \"to\": []}}}",
	  "escalation.gbv.to", "must not be empty" },
	{ "{\"officials\": \"leader\"}", "officials",
	  "must be an array of strings" },
	{ "{\"officials\": [\"leader\", 3]}", "officials[1]",
	  "must be a non-empty string" },
	{ "{\"keywords\": {\"followup\": [\"X\"]}}", "keywords.followup",
	  "this category has no keywords" },
	{ "{\"keywords\": {\"unknown\": [\"X\"]}}", "keywords.unknown",
	  "this category has no keywords" },
	{ "{\"keywords\": {\"violence\": [\"X\"]}}", "keywords.violence",
	  "unknown category" },
	{ "{\"keywords\": {\"gbv\": [\"BL\", \"\"]}}", "keywords.gbv[1]",
	  "must be a non-empty string" },
	{ "{\"keywords\": {\"shelter\": [\"TC\", \"bl\"]}}",
	  "keywords.shelter[1]", "is also a gbv keyword" },
	{ "{\"templates\": {\"received\": \"Ma %REF%. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. Khẩn cấp gọi 113. \"}}",
	  "templates.received", "bytes as sent, over the 479 a reply holds" },
	{ "{\"listen\": \"example.org:8080\"}", "listen",
	  "example.org is not an IPv4 address or a bracketed IPv6 one" },
	{ "{\"listen\": \"[::1:8080\"}", "listen",
	  "must be host:port with port 1..65535" },
	{ "{\"listen\": \"[localhost]:8080\"}", "listen",
	  "localhost is not an IPv4 address or a bracketed IPv6 one" },
	{ "{\"keywords\": {\"gbv\": []}}", "keywords.gbv",
	  "must not be empty" },
	{ "{\"keywords\": {\"distress\": []}}", "keywords.distress",
	  "must not be empty" },
	{ "{\"keywords\": {\"distress\": [\"giup toi\", \"!!!\"]}}",
	  "keywords.distress[1]", "has no letter or digit" },
	{ "{\"keywords\": {\"gbv\": [\"BL\", \"?\"]}}", "keywords.gbv[1]",
	  "\"?\" is also a help keyword" },
	{ "{\"keywords\": {\"gbv\": [\"one two three four\"]}}",
	  "keywords.gbv[0]", "at most three words" },
	/* Unused since a follow-up is answered as any text without keyword
	 * (SPEC §5): refused, not taken in silence (issue 23). */
	{ "{\"templates\": {\"followup\": \"Da bo sung %REF%.\"}}",
	  "templates.followup", "answered as a text without keyword" },
	{ "{\"templates\": {\"goodbye\": \"x\"}}", "templates.goodbye",
	  "unknown key" },
	{ "{\"templates\": {\"help\": \"\"}}", "templates.help",
	  "must be a non-empty string" },
	{ "{\"templates\": {\"help\": 5}}", "templates.help",
	  "must be a non-empty string" },
	{ "{\"webhook_secret\": \"\"}", "webhook_secret",
	  "must be a non-empty string" },
	{ "[1, 2]", "config", "must be a JSON object" },
	{ "{\"commune\": ", "config", "invalid JSON near byte 11" },
	{ "{} x", "config", "invalid JSON near byte 3" },
	{ "", "config", "invalid JSON near byte 0" },
	{ "{\"bogus\\nkey\": 1}", "bogus?key", "unknown key" },
};

static void
test_errors(void **state)
{
	struct config	*cf;
	char		 err[256], prefix[128];
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		strcpy(err, "(unset)");
		cf = parse(bad[i].json, err, sizeof(err));
		if (cf != NULL) {
			config_free(cf);
			fail_msg("case %zu (%s): accepted", i, bad[i].json);
		}
		snprintf(prefix, sizeof(prefix), "%s: ", bad[i].path);
		if (strncmp(err, prefix, strlen(prefix)) != 0 ||
		    strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu (%s): got \"%s\", want \"%s%s\"", i,
			    bad[i].json, err, prefix, bad[i].want);
		assert_null(strchr(err, '\n'));
	}
}

static void
test_unterminated(void **state)
{
	static const char	 good[] = "{\"listen\": \"127.0.0.1:9090\"}";
	static const char	 cut[] = "{\"commune\": \"abc";
	struct config		*cf;
	char			*buf, err[256];
	size_t			 len;

	/* Exactly len bytes, no NUL: ASan sees any read past the end. */
	len = strlen(good);
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, good, len);
	cf = config_parse(buf, len, err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_int_equal(cf->listen_port, 9090);
	config_free(cf);
	free(buf);

	len = strlen(cut);
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, cut, len);
	assert_null(config_parse(buf, len, err, sizeof(err)));
	assert_true(strncmp(err, "config: invalid JSON near byte ", 31) == 0);
	free(buf);

	/* The length is honoured: bytes after it are not the config's. */
	cf = config_parse("{\"listen\": \"127.0.0.1:9091\"} garbage", 28,
	    err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_int_equal(cf->listen_port, 9091);
	config_free(cf);

	/* A NULL or empty err buffer is allowed. */
	assert_null(config_parse("{\"bogus\": 1}", 12, NULL, 0));
}

static void
test_template_warning(void **state)
{
	struct config	*cf;
	char		 json[512], help[172], err[256];

	memset(help, 'a', 171);
	help[171] = '\0';
	snprintf(json, sizeof(json), "{\"templates\": {\"help\": \"%s\","
	    "\"received\": \"Ma %%REF%%.\", \"ack\": \"Da nhan.\"},"
	    "\"providers\": {\"generic\": {\"secret\": \"s\"}},"
	    "\"webhook_secret\": \"s\"}", help);
	cf = parse(json, err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_int_equal(cf->warnings.n, 2);
	assert_string_equal(cf->warnings.v[0],
	    "templates.help: 171 characters, over one SMS segment");
	assert_string_equal(cf->warnings.v[1],
	    "templates.ack: has no %REF%");
	config_free(cf);

	/* %REF% counts as six characters: 155 + 6 is 161. */
	memset(help, 'b', 155);
	memcpy(help + 155, "%REF%", 6);
	snprintf(json, sizeof(json), "{\"templates\": {\"received\": \"%s\"}"
	    ", \"providers\": {\"generic\": {\"secret\": \"s\"}}"
	    ", \"webhook_secret\": \"s\"}", help);
	cf = parse(json, err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_int_equal(cf->warnings.n, 1);
	assert_string_equal(cf->warnings.v[0],
	    "templates.received: 161 characters, over one SMS segment");
	config_free(cf);
}

/* Zones: the TZ database's files, the built-in rules without tzdata. */
static void
test_timezones(void **state)
{
	static const char *const known[] = { "Asia/Ho_Chi_Minh", "UTC",
	    "Etc/UTC", "Asia/Saigon" };
	static const char *const unknown[] = { "Asia/Atlantis", "Asia",
	    "", "../zoneinfo/UTC", "/UTC", "Asia/../UTC" };
	struct config	*cf;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < nitems(known); i++)
		assert_true(tz_known(known[i]));
	for (i = 0; i < nitems(unknown); i++)
		assert_false(tz_known(unknown[i]));
	/* A machine without tzdata keeps the built-in zones only. */
	setenv("TZDIR", "/nonexistent", 1);
	assert_true(tz_known("Asia/Ho_Chi_Minh"));
	assert_true(tz_known("UTC"));
	assert_false(tz_known("Europe/Paris"));
	cf = parse("{\"timezone\": \"UTC\"}", err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	config_free(cf);
	assert_null(parse("{\"timezone\": \"Europe/Paris\"}", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "timezone: unknown time zone"));
	unsetenv("TZDIR");
}

/* What tincayd -t (and the start) warn about. */
static void
test_check_warnings(void **state)
{
	struct config	*cf;
	char		 err[256];

	/* No provider: nothing takes messages. */
	cf = parse("{\"webhook_secret\": \"s\"}", err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_true(has_warning(cf, "providers: none enabled"));
	assert_false(has_warning(cf, "sms_out.via"));
	config_free(cf);

	/* Placeholder tokens of each provider; console on a reachable
	 * listen. */
	cf = parse("{\"listen\": \"0.0.0.0:8080\", \"webhook_secret\": \"s\","
	    "\"providers\": {\"twilio\": {\"auth_token\": \"\u2026\"},"
	    "\"africastalking\": {\"token\": \"change-me\","
	    "\"api_key\": \"...\", \"username\": \"u\"}}}", err,
	    sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_true(has_warning(cf, "providers.twilio.auth_token: still the "
	    "shipped placeholder"));
	assert_true(has_warning(cf, "providers.africastalking.token: "));
	assert_true(has_warning(cf, "providers.africastalking.api_key: "));
	assert_false(has_warning(cf, "providers.africastalking.username"));
	assert_false(has_warning(cf, "providers: none"));
	assert_true(has_warning(cf, "sms_out.via: console, but listen "
	    "0.0.0.0"));
	config_free(cf);

	/* Real tokens, loopback (v4 or v6), or a real sms_out: silent. */
	cf = parse("{\"listen\": \"[::1]:8080\", \"webhook_secret\": \"s\","
	    "\"providers\": {\"twilio\": {\"auth_token\": \"t0k\"}}}", err,
	    sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_int_equal(cf->warnings.n, 0);
	config_free(cf);
	cf = parse("{\"listen\": \"0.0.0.0:8080\", \"webhook_secret\": \"s\","
	    "\"allow_http\": true, \"sms_out\": {\"via\": \"generic\","
	    "\"url\": \"http://127.0.0.1:9/send\"},"
	    "\"providers\": {\"generic\": {\"secret\": \"g\"}}}", err,
	    sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	assert_int_equal(cf->warnings.n, 0);
	config_free(cf);
}

static int
collect_role(const char *role, void *arg)
{
	char	*out = arg;

	strcat(out, role);
	strcat(out, ",");
	return strcmp(role, "stop") == 0 ? 7 : 0;
}

/* The roles -t looks for in the database: each named once, in order. */
static void
test_roles(void **state)
{
	struct config	*cf;
	char		 err[256], got[256];

	cf = parse("{\"routing\": {\"gbv\": [\"police\", \"health\"],"
	    "\"unknown\": [\"police\"]}, \"escalation\": {\"gbv\":"
	    "{\"after_s\": 60, \"to\": [\"leader\", \"health\"]}},"
	    "\"officials\": [\"official\", \"leader\"]}", err, sizeof(err));
	if (cf == NULL)
		fail_msg("%s", err);
	got[0] = '\0';
	assert_int_equal(config_roles(cf, collect_role, got), 0);
	assert_string_equal(got,
	    "police,health,volunteer,leader,official,");
	/* What contacts add warns of: a role nothing names (a typo). */
	assert_int_equal(config_role_named(cf, "leader"), 1);
	assert_int_equal(config_role_named(cf, "volunteer"), 1);
	assert_int_equal(config_role_named(cf, "polce"), 0);
	assert_int_equal(config_role_named(cf, "Police"), 0);
	config_roles_text(cf, got, sizeof(got));
	assert_string_equal(got, "police, health, volunteer, leader, "
	    "official");
	config_roles_text(cf, got, 12);		/* cut, never overrun */
	assert_string_equal(got, "police, hea");
	config_free(cf);
	cf = parse("{\"officials\": [\"stop\", \"after\"]}", err,
	    sizeof(err));
	got[0] = '\0';
	assert_int_equal(config_roles(cf, collect_role, got), 7);
	assert_null(strstr(got, "after"));
	config_free(cf);
}

static void
test_load_errors(void **state)
{
	char	 err[256];

	assert_null(config_load("tests/unit/no-such-config.json", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "tests/unit/no-such-config.json: "));
	/* Named once: "path: why", never "path: path: why". */
	assert_null(strstr(strstr(err, "no-such-config.json") + 1,
	    "no-such-config.json"));
	config_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_example_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_template_warning),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_timezones),
		cmocka_unit_test(test_check_warnings),
		cmocka_unit_test(test_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
