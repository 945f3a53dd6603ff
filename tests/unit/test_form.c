/*
 * test_form.c: the form decoder (tolerance, refusals, lengths without NUL)
 * and the URLSearchParams-style encoder.
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

static struct form *
parse(const char *s)
{
	char		 err[128];
	struct form	*f;

	f = form_parse(s, strlen(s), err, sizeof(err));
	if (f == NULL)
		fail_msg("form_parse(%s): %s", s, err);
	return f;
}

static void
test_decode(void **state)
{
	struct form	*f;

	f = parse("a=1&b=x+y&c=%2B&d%5B%5D=%C3%A1&e&=v&f=");
	assert_int_equal(f->n, 7);
	assert_string_equal(f->v[0].key, "a");
	assert_string_equal(f->v[0].val, "1");
	assert_string_equal(f->v[1].val, "x y");
	assert_string_equal(f->v[2].val, "+");
	assert_string_equal(f->v[3].key, "d[]");
	assert_string_equal(f->v[3].val, "\xc3\xa1");
	assert_int_equal(f->v[3].vallen, 2);
	/* A field without '=' has the value "". */
	assert_string_equal(f->v[4].key, "e");
	assert_string_equal(f->v[4].val, "");
	assert_int_equal(f->v[4].vallen, 0);
	assert_string_equal(f->v[5].key, "");
	assert_string_equal(f->v[5].val, "v");
	assert_string_equal(f->v[6].val, "");
	assert_non_null(form_get(f, "c"));
	assert_null(form_get(f, "zz"));
	form_free(f);

	/* Empty fields are skipped; '=' inside a value is kept. */
	f = parse("&&a=1&&b=2=3&");
	assert_int_equal(f->n, 2);
	assert_string_equal(f->v[1].val, "2=3");
	form_free(f);
	f = parse("");
	assert_int_equal(f->n, 0);
	form_free(f);
	/* Lower- and upper-case hex; a literal %2B decoded exactly once. */
	f = parse("x=%2b%2B%252B");
	assert_string_equal(f->v[0].val, "++%2B");
	form_free(f);
	/* Repeated keys stay, in order; form_get gives the first. */
	f = parse("k=2&k=1");
	assert_int_equal(f->n, 2);
	assert_string_equal(form_get(f, "k")->val, "2");
	form_free(f);
	form_free(NULL);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"a=%4", "a=%", "a=%zz", "a=%4g", "a=%00", "%00=1", "%=1",
		"a=1&b=%G1", "a=x%",
	};
	char	 err[128];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (form_parse(bad[i], strlen(bad[i]), err, sizeof(err)) !=
		    NULL)
			fail_msg("accepted %s", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_null(form_parse("a=\0b", 4, err, sizeof(err)));
	assert_non_null(strstr(err, "NUL"));
	assert_null(form_parse("a=%00", 5, err, sizeof(err)));
	assert_non_null(strstr(err, "%00"));
}

/* Only len bytes are read: the buffer need not end in NUL. */
static void
test_length(void **state)
{
	char		 buf[8], err[64];
	struct form	*f;

	memcpy(buf, "a=12%41X", 8);
	f = form_parse(buf, 4, err, sizeof(err));
	assert_non_null(f);
	assert_string_equal(f->v[0].val, "12");
	form_free(f);
	f = form_parse(buf, 7, err, sizeof(err));
	assert_non_null(f);
	assert_string_equal(f->v[0].val, "12A");
	form_free(f);
	/* An escape cut by len is broken. */
	assert_null(form_parse(buf, 6, err, sizeof(err)));
	f = form_parse(NULL, 0, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(f->n, 0);
	form_free(f);
}

static void
test_encode(void **state)
{
	struct form_buf	 b = { NULL, 0, 0 };
	struct form	*f;

	form_add(&b, "message", "B\xc3\xa1o a+b=c & 100%");
	form_add(&b, "k*-._~", "/ ?");
	assert_string_equal(b.buf, "message=B%C3%A1o+a%2Bb%3Dc+%26+100%25"
	    "&k*-._%7E=%2F+%3F");
	/* What is encoded decodes back. */
	f = parse(b.buf);
	assert_string_equal(f->v[0].val, "B\xc3\xa1o a+b=c & 100%");
	assert_string_equal(f->v[1].key, "k*-._~");
	form_free(f);
	free(b.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
