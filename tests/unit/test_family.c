/*
 * test_family.c: the keyword family table (handlers/family.c), the reply
 * templates (handlers/template.c), and the router's index built from
 * them: every row is complete and unique, every built-in keyword routes
 * to its own family, a REF family needs its REF, and a configured list
 * replaces the built-in one.
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
#include "../../store/store.h"
#include "../../handlers/handlers.h"

static struct config *
conf_of(const char *json)
{
	char		 err[256];
	struct config	*c;

	if ((c = config_parse(json, strlen(json), err, sizeof(err))) == NULL)
		fail_msg("config: %s", err);
	return c;
}

static const char base_conf[] =
    "{ \"providers\": { \"generic\": { \"secret\": \"s\" } },"
    "  \"areas\": [ { \"code\": \"T3\", \"name\": \"Thôn 3\" } ] }";

static void
test_rows(void **state)
{
	const struct family *const *fam;
	size_t			 n, i, j;
	int			 seen[CAT__MAX] = { 0 };

	fam = family_all(&n);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		assert_non_null(fam[i]->name);
		assert_non_null(fam[i]->fn);
		assert_true(fam[i]->cat >= 0 && fam[i]->cat < CAT__MAX);
		assert_int_equal(seen[fam[i]->cat]++, 0);
		assert_ptr_equal(family_of(fam[i]->cat), fam[i]);
		assert_ptr_equal(family_named(fam[i]->name), fam[i]);
		assert_string_equal(config_category_name(fam[i]->cat),
		    fam[i]->name);
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(fam[i]->name, fam[j]->name);
		/* A REF family without keywords could never be matched. */
		if (fam[i]->needs_ref)
			assert_non_null(fam[i]->keywords[0]);
	}
	/* Every category has its family: messages store its name. */
	for (i = 0; i < CAT__MAX; i++)
		assert_int_equal(seen[i], 1);
	assert_null(family_named("violence"));
	assert_null(family_named(NULL));
}

/* Each built-in keyword, in lower case and with a REF after it where the
 * family wants one, routes to its family. */
static void
test_keywords_route(void **state)
{
	struct config		*c = conf_of(base_conf);
	struct router		*rt = router_new(c);
	const struct family *const *fam;
	struct route_match	 m;
	char			 text[64], *folded;
	size_t			 n, i, k;

	fam = family_all(&n);
	for (i = 0; i < n; i++)
		for (k = 0; fam[i]->keywords[k] != NULL; k++) {
			snprintf(text, sizeof(text), "%s%s", fam[i]->keywords[k],
			    fam[i]->needs_ref ? " a7k2" : "");
			folded = text_keyfold(text, strlen(text));
			router_match(rt, text, strlen(text), folded, &m);
			assert_int_equal(m.cat, fam[i]->cat);
			free(folded);
			if (!fam[i]->needs_ref)
				continue;
			/* Without a REF it is an ordinary word. */
			folded = text_keyfold(fam[i]->keywords[k],
			    strlen(fam[i]->keywords[k]));
			router_match(rt, fam[i]->keywords[k],
			    strlen(fam[i]->keywords[k]), folded, &m);
			assert_int_not_equal(m.cat, fam[i]->cat);
			free(folded);
		}
	router_free(rt);
	config_free(c);
}

/* A configured list replaces the built-in one, folded by the router. */
static void
test_configured_keywords(void **state)
{
	struct config		*c = conf_of("{ \"providers\": { \"generic\": "
	    "{ \"secret\": \"s\" } }, \"keywords\": { \"gbv\": "
	    "[\"Cứu với\", \"khẩn cấp\"] } }");
	struct router		*rt = router_new(c);
	struct route_match	 m;
	static const struct {
		const char	*text;
		enum category	 cat;
	} cases[] = {
		{ "cuu voi thon 3", CAT_GBV },
		{ "CỨU VỚI", CAT_GBV },
		{ "Khan Cap", CAT_GBV },
		{ "BL thon 3", CAT_UNKNOWN },	/* no longer a gbv keyword */
		{ "TC", CAT_SHELTER },		/* the others keep theirs */
	};
	char			*folded;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		folded = text_keyfold(cases[i].text, strlen(cases[i].text));
		router_match(rt, cases[i].text, strlen(cases[i].text), folded,
		    &m);
		assert_int_equal(m.cat, cases[i].cat);
		free(folded);
	}
	router_free(rt);
	config_free(c);
}

static void
test_templates(void **state)
{
	struct config	*c = conf_of("{ \"providers\": { \"generic\": "
	    "{ \"secret\": \"s\" } }, \"templates\": { \"closed\": "
	    "\"Xong %REF%, %REF%.\" } }");
	char		 out[REPLY_MAX];
	int		 t;

	for (t = 0; t < TMPL__MAX; t++) {
		assert_non_null(template_name((enum tmpl)t));
		assert_int_equal(template_lookup(template_name((enum tmpl)t)),
		    t);
		assert_non_null(template_default((enum tmpl)t));
		/* Whoever wants a REF has one in the built-in text. */
		if (template_wants_ref((enum tmpl)t))
			assert_non_null(strstr(template_default((enum tmpl)t),
			    "%REF%"));
	}
	assert_int_equal(template_lookup("goodbye"), -1);
	assert_null(template_name(TMPL__MAX));
	template_render(c, TMPL_CLOSED, "A7K2", out, sizeof(out));
	assert_string_equal(out, "Xong A7K2, A7K2.");
	template_render(c, TMPL_ACK_TAKEN, "A7K2", out, sizeof(out));
	assert_string_equal(out, "Ma A7K2 da co nguoi nhan hoac da dong.");
	config_free(c);
}

static void
test_area_words(void **state)
{
	struct config	*c = conf_of(base_conf);
	const char	*after;
	char		 w[16];

	assert_int_equal(area_find(c, "thon 3 nha so 5", &after), 0);
	assert_string_equal(after, "nha so 5");
	assert_int_equal(area_find(c, "t3", &after), 0);
	assert_string_equal(after, "");
	assert_int_equal(area_find(c, "thon 4", &after), -1);
	assert_string_equal(after, "thon 4");
	assert_string_equal(text_words("  ab  cd ef", 2, w, sizeof(w)), "ef");
	assert_string_equal(w, "abcd");
	assert_null(text_words("ab", 2, w, sizeof(w)));
	/* Cut to fit, still past both words. */
	assert_string_equal(text_words("abcdefghij klmnopqrstu x", 2, w, 8),
	    "x");
	assert_string_equal(w, "abcdefg");
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_keywords_route),
		cmocka_unit_test(test_configured_keywords),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_area_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
