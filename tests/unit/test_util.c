/*
 * test_util.c: util.c's URL origin, the key the outbox caps connections
 * by: one origin however a URL spells its scheme, host, port and user.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../core/store.h"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
