/*
 * test_util.c: util.c's URL origin, the key the outbox caps connections
 * by: one origin however a URL spells its scheme, host, port and user;
 * log.c's rate limit on lines that repeat; a zone's offset as people
 * write it (tz.c), a count's noun.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/store.h"
#include "../../handlers/handlers.h"

static void
test_url_origin(void **state)
{
	static const struct {
		const char	*url, *want;
	} ok[] = {
		{ "https://h.example/x", "https://h.example:443" },
		{ "HTTPS://H.Example:443/y?z", "https://h.example:443" },
		{ "https://user:pw@h.example/", "https://h.example:443" },
		{ "http://127.0.0.1:8080/c1", "http://127.0.0.1:8080" },
		{ "http://127.0.0.1", "http://127.0.0.1:80" },
		{ "http://[::1]:9000/p", "http://[::1]:9000" },
		{ "http://[::1]/p", "http://[::1]:80" },
		{ "https://h.example:/x", "https://h.example:443" },
		{ "https://h.example#f", "https://h.example:443" },
	};
	static const char *const bad[] = {
		"ftp://h/x", "h.example/x", "https:///x", "", "https://@/",
	};
	char	 out[64], tiny[8];
	size_t	 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (util_url_origin(ok[i].url, out, sizeof(out)) != 0)
			fail_msg("%s: refused", ok[i].url);
		assert_string_equal(out, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (util_url_origin(bad[i], out, sizeof(out)) != -1)
			fail_msg("%s: taken as %s", bad[i], out);
	assert_int_equal(util_url_origin("https://h.example/", tiny,
	    sizeof(tiny)), -1);
}

/* URLs curl can send to, and why others are not. */
static void
test_url_check(void **state)
{
	static const struct {
		const char	*url;
		int		 allow_http;
		const char	*why;	/* NULL: good */
	} t[] = {
		{ "https://api.africastalking.com/version1/messaging", 0, NULL },
		{ "https://api.twilio.com", 0, NULL },
		{ "http://127.0.0.1:8080/hook", 1, NULL },
		{ "https://user:pw@hook.example/x?a=1#f", 0, NULL },
		{ "https://[::1]:8443/x", 0, NULL },
		{ "HTTPS://Hook.Example/", 0, NULL },
		{ "https://hòa.example/", 0, NULL },
		{ "http://127.0.0.1:8080/hook", 0, "must be https://" },
		{ "ftp://x/", 1, "must start with" },
		{ "https://exa mple.invalid/x", 0, "blank" },
		{ "https://a.example/\tx", 0, "control" },
		{ "https://", 0, "has no host" },
		{ "https:///x", 0, "has no host" },
		{ "https://:0/x", 0, "has no host" },
		{ "https://a!b/x", 0, "cannot hold" },
		{ "https://a.example:/x", 0, "broken port" },
		{ "https://a.example:0", 0, "broken port" },
		{ "https://a.example:65536/", 0, "broken port" },
		{ "https://a.example:8o/", 0, "broken port" },
		{ "https://[]/x", 0, "IPv6" },
		{ "https://[::1/x", 0, "IPv6" },
		{ "https://[::1]x/", 0, "broken port" },
	};
	const char	*why;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = util_url_check(t[i].url, t[i].allow_http);
		if (t[i].why == NULL ? why != NULL : why == NULL ||
		    strstr(why, t[i].why) == NULL)
			fail_msg("%s: %s, want %s", t[i].url, why ? why : "ok",
			    t[i].why ? t[i].why : "ok");
	}
}

/* The scheduling clock runs as far ahead of the wall clock as told. */
static void
test_sched_adopt(void **state)
{
	int64_t	 off;

	(void)state;
	util_sched_adopt(-2 * 86400 * 1000LL);
	off = util_sched_offset_ms();
	assert_true(off > -2 * 86400 * 1000LL - 50 &&
	    off < -2 * 86400 * 1000LL + 50);
	assert_true(util_now() - util_sched_now() >= 2 * 86400 - 1);
	util_sched_adopt(0);
	off = util_sched_offset_ms();
	assert_true(off > -50 && off < 50);
}

/* Lines on stderr while fn runs, stderr caught in a temporary file. */
static int
count_lines(void (*fn)(void))
{
	FILE	*tmp = tmpfile();
	int	 saved, c, n = 0;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved != -1 && dup2(fileno(tmp), 2) == 2);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	rewind(tmp);
	while ((c = fgetc(tmp)) != EOF)
		n += c == '\n';
	fclose(tmp);
	return n;
}

static void
log_flood(void)
{
	int	 i;

	for (i = 0; i < 10000; i++)
		log_warnx("flood: commit failed %d", i);
	log_info("another line");
}

static void
log_flood_unlimited(void)
{
	int	 i;

	for (i = 0; i < 100; i++)
		log_warnx("flood: commit failed %d", i);
}

/*
 * Issue 23 item 2: a failure that repeats (a full disk) wrote 13k-48k
 * lines a second. Limited, a format writes its first 10 lines of a 10 s
 * window; other formats are not held back by it. tincayctl (no limit)
 * writes every line.
 */
static void
test_log_limit(void **state)
{
	(void)state;
	log_limit(1);
	assert_int_equal(count_lines(log_flood), 10 + 1);
	log_limit(0);
	assert_int_equal(count_lines(log_flood_unlimited), 100);
}

/* "UTC+07:00", never "UTC+25200 s"; minutes and the sign west too. */
static void
test_utc_offset(void **state)
{
	static const struct {
		const char	*tz, *want;
	} c[] = {
		{ "Asia/Ho_Chi_Minh", "UTC+07:00" },
		{ "UTC", "UTC+00:00" },
		{ "<-0330>3:30", "UTC-03:30" },
		{ "<+0545>-5:45", "UTC+05:45" },
	};
	char	 out[TZ_OFFSET_MAX];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(tz_utc_offset(c[i].tz, 1764547200, out), 0);
		assert_string_equal(out, c[i].want);
	}
}

static void
test_plural(void **state)
{
	(void)state;
	assert_string_equal(util_plural(1, "report", "reports"), "report");
	assert_string_equal(util_plural(0, "report", "reports"), "reports");
	assert_string_equal(util_plural(2, "day", "days"), "days");
	assert_string_equal(util_plural(-1, "day", "days"), "days");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_limit),
		cmocka_unit_test(test_sched_adopt),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_url_origin),
		cmocka_unit_test(test_utc_offset),
		cmocka_unit_test(test_plural),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
