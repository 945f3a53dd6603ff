/*
 * test_generic.c: the generic provider's signature check and decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../daemon/tincayd.h"
#include "../../daemon/provider.h"

#define NOW	1795968000LL

static const char body[] =
    "{\"id\":\"m1\",\"from\":\"0912345678\",\"to\":\"8088\",\"text\":\"BL\"}";

static char *
sign(long long t, const char *secret, const char *b)
{
	char	*msg, hex[65];

	msg = xasprintf("%lld.%s", t, b);
	assert_int_equal(util_hmac_sha256_hex(secret, msg, strlen(msg), hex),
	    0);
	free(msg);
	return xasprintf("t=%lld,v1=%s", t, hex);
}

static void
test_verify(void **state)
{
	char	*h, *up, *multi, *p;
	char	 changed[sizeof(body)];

	h = sign(NOW, "s3cret", body);
	assert_null(generic_verify("s3cret", h, body, strlen(body), NOW));
	/* Skew: 300 s either way is accepted, 301 is not. */
	assert_null(generic_verify("s3cret", h, body, strlen(body),
	    NOW + 300));
	assert_null(generic_verify("s3cret", h, body, strlen(body),
	    NOW - 300));
	assert_string_equal(generic_verify("s3cret", h, body, strlen(body),
	    NOW + 301), "stale signature");
	assert_string_equal(generic_verify("s3cret", h, body, strlen(body),
	    NOW - 301), "stale signature");
	/* Wrong secret, one byte of body changed, body cut short. */
	assert_non_null(generic_verify("s3creT", h, body, strlen(body), NOW));
	memcpy(changed, body, sizeof(body));
	changed[30] ^= 1;
	assert_non_null(generic_verify("s3cret", h, changed, strlen(body),
	    NOW));
	assert_non_null(generic_verify("s3cret", h, body, strlen(body) - 1,
	    NOW));
	/* Upper-case hex and a second, valid v1 among wrong ones pass. */
	up = xstrdup(h);
	for (p = strstr(up, "v1=") + 3; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p -= 'a' - 'A';
	assert_null(generic_verify("s3cret", up, body, strlen(body), NOW));
	multi = xasprintf("t=%lld,v1=%064d,%s", NOW, 0, strstr(h, "v1="));
	assert_null(generic_verify("s3cret", multi, body, strlen(body), NOW));
	/* The timestamp is signed as written, leading zeros and all. */
	{
		char	*msg = xasprintf("0%lld.%s", NOW, body), hex[65];
		char	*hz;

		assert_int_equal(util_hmac_sha256_hex("s3cret", msg,
		    strlen(msg), hex), 0);
		hz = xasprintf("t=0%lld,v1=%s", NOW, hex);
		assert_null(generic_verify("s3cret", hz, body, strlen(body),
		    NOW));
		free(hz);
		free(msg);
	}
	/* Missing and malformed headers. */
	assert_string_equal(generic_verify("s3cret", NULL, body, strlen(body),
	    NOW), "missing signature");
	assert_string_equal(generic_verify("s3cret", "v1=abcd", body,
	    strlen(body), NOW), "malformed signature header");
	assert_string_equal(generic_verify("s3cret", "t=1795968000", body,
	    strlen(body), NOW), "malformed signature header");
	assert_string_equal(generic_verify("s3cret", "t=17x,v1=ab", body,
	    strlen(body), NOW), "malformed signature header");
	assert_non_null(generic_verify("s3cret", "t=1795968000,v1=", body,
	    strlen(body), NOW));
	free(h);
	free(up);
	free(multi);
}

static void
test_decode(void **state)
{
	static const struct {
		const char	*json;
		const char	*why;	/* NULL: decodes */
	} cases[] = {
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\"}", NULL },
		{ "{\"id\":\"a\",\"from\":\"84912345678\",\"to\":\"1\","
		    "\"text\":\"\"}", NULL },
		{ "not json", "malformed JSON" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\"}garbage",
		    "malformed JSON: bytes after the object" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\"} \r\n", NULL },
		{ "", "malformed JSON" },
		{ "[]", "body must be a JSON object" },
		{ "{\"from\":\"0912345678\",\"to\":\"1\",\"text\":\"x\"}",
		    "missing field: id" },
		{ "{\"id\":\"a\",\"to\":\"1\",\"text\":\"x\"}",
		    "missing field: from" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"text\":\"x\"}",
		    "missing field: to" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\"}",
		    "missing field: text" },
		{ "{\"id\":5,\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\"}", "fields id, from, to, text must be "
		    "strings" },
		{ "{\"id\":\"\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\"}", "id must be 1..127 characters" },
		{ "{\"id\":\"a\",\"from\":\"abc\",\"to\":\"1\","
		    "\"text\":\"x\"}", "from is not a phone number" },
		/* U+0000 in any string: cJSON would end it there. */
		{ "{\"id\":\"m1\\u0000x\",\"from\":\"0912345678\","
		    "\"to\":\"1\",\"text\":\"x\"}", "JSON holds U+0000" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"BL\\u0000 thon 3\"}", "JSON holds U+0000" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\\u0000\","
		    "\"to\":\"1\",\"text\":\"x\"}", "JSON holds U+0000" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\",\"extra\\u0000\":1}",
		    "JSON holds U+0000" },
		/* A \u escape that is not four hex digits: cJSON would
		 * read U+0000 and cut the text there. */
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"BL\\u00zz thon 3\"}", "JSON holds U+0000" },
		/* An escaped backslash before "u0000" is no NUL. */
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\\\\u0000\"}", NULL },
		/* A key twice (issue 23): which id is it? Refused, at any
		 * depth, whichever key; different keys are fine. */
		{ "{\"id\":\"abc\",\"id\":\"new\",\"from\":\"0912345678\","
		    "\"to\":\"1\",\"text\":\"x\"}",
		    "malformed JSON: a key appears twice" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\",\"text\":\"y\"}",
		    "malformed JSON: a key appears twice" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\",\"meta\":[{\"k\":1,\"k\":2}]}",
		    "malformed JSON: a key appears twice" },
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"x\",\"ID\":\"b\",\"meta\":{\"id\":1}}", NULL },
		/* Other escapes still decode. */
		{ "{\"id\":\"a\",\"from\":\"0912345678\",\"to\":\"1\","
		    "\"text\":\"\\u0001\\u00e0\"}", NULL },
	};
	struct config	*conf;
	struct inbound	 in;
	const char	*why;
	char		*text, err[128];
	static const char cj[] =
	    "{\"providers\":{\"generic\":{\"secret\":\"s\"}}}";
	size_t		 i;

	conf = config_parse(cj, sizeof(cj) - 1, err, sizeof(err));
	assert_non_null(conf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = generic_decode(conf, cases[i].json,
		    strlen(cases[i].json), &in, &text);
		if (cases[i].why == NULL) {
			if (why != NULL)
				fail_msg("case %zu: %s", i, why);
			assert_string_equal(in.from, "+84912345678");
			assert_string_equal(in.provider, "generic");
			free(text);
		} else {
			if (why == NULL || strcmp(why, cases[i].why) != 0)
				fail_msg("case %zu: got %s, want %s", i,
				    why ? why : "(ok)", cases[i].why);
			assert_null(text);
		}
	}
	/* A raw NUL byte inside a string, or after the object. */
	{
		static const char raw[] = "{\"id\":\"a\",\"from\":"
		    "\"0912345678\",\"to\":\"1\",\"text\":\"B\0L\"}";
		static const char tail[] = "{\"id\":\"a\",\"from\":"
		    "\"0912345678\",\"to\":\"1\",\"text\":\"BL\"}\0";

		why = generic_decode(conf, raw, sizeof(raw) - 1, &in, &text);
		assert_non_null(why);
		assert_null(text);
		why = generic_decode(conf, tail, sizeof(tail) - 1, &in, &text);
		assert_non_null(why);
		assert_null(text);
	}
	/* The body need not be NUL-terminated: only len bytes are read. */
	why = generic_decode(conf, body, strlen(body) - 1, &in, &text);
	assert_non_null(why);
	config_free(conf);
}

/* An allocator that fails once armed: the allocation failure of issue 9,
 * row 9, injected where cJSON allocates. */
static int	 fail_allocs;

static void *
failing_malloc(size_t n)
{
	return fail_allocs ? NULL : malloc(n);
}

/*
 * Out of memory is not the request's fault: a good body whose parse ran
 * out of memory is provider_internal (answered 503, the provider
 * retries), never "malformed JSON" (400, dropped); with memory again it
 * decodes; a malformed body is still 400.
 */
static void
test_decode_out_of_memory(void **state)
{
	static const char good[] = "{\"id\":\"m1\",\"from\":\"0912345678\","
	    "\"to\":\"1\",\"text\":\"BL\"}";
	static const char cj[] =
	    "{\"providers\":{\"generic\":{\"secret\":\"s\"}}}";
	struct config	*conf;
	struct inbound	 in;
	const char	*why;
	char		*text, err[128];

	conf = config_parse(cj, sizeof(cj) - 1, err, sizeof(err));
	assert_non_null(conf);
	util_cjson_hooks(failing_malloc);
	fail_allocs = 1;
	why = generic_decode(conf, good, sizeof(good) - 1, &in, &text);
	fail_allocs = 0;
	assert_ptr_equal(why, provider_internal);
	assert_null(text);
	why = generic_decode(conf, good, sizeof(good) - 1, &in, &text);
	assert_null(why);
	free(text);
	why = generic_decode(conf, "{\"id\":", 6, &in, &text);
	assert_non_null(why);
	assert_ptr_not_equal(why, provider_internal);
	util_cjson_hooks(NULL);
	config_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_out_of_memory),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
