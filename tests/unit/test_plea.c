/*
 * test_plea.c: plain-language pleas (SPEC §4) through the real router, on
 * the shipped default roles and hamlets: the corpus of
 * tests/vectors/pleas.tsv, each text from its own number, must page a
 * responder for every plea (P) and for no everyday text (E); recall and
 * false alarms are printed and held. Then the word lists' corners.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "../../core/core.h"
#include "../../store/store_int.h"	/* white box: raw SQL */
#include "../../handlers/handlers.h"
#include "fixture.h"
#include "vectors.h"

#define CORPUS		"tests/vectors/pleas.tsv"
#define RECALL_MIN	97.0	/* per cent of pleas that page, at least */
#define FALSE_MAX	5.0	/* per cent of everyday texts that page, at most */

/* The shipped defaults' hamlets; roles and escalation are the built-in. */
static const char plea_conf[] =
    "{ \"database\": \":memory:\","
    "  \"providers\": { \"generic\": { \"secret\": \"s\" } },"
    "  \"areas\": ["
    "   { \"code\": \"T1\", \"name\": \"Thôn 1\", \"aliases\": [\"thon 1\"] },"
    "   { \"code\": \"T2\", \"name\": \"Thôn 2\", \"aliases\": [\"thon 2\"] },"
    "   { \"code\": \"T3\", \"name\": \"Thôn 3\", \"aliases\": [\"thon 3\"] },"
    "   { \"code\": \"T4\", \"name\": \"Thôn 4\", \"aliases\": [\"thon 4\"] },"
    "   { \"code\": \"T5\", \"name\": \"Thôn 5\", \"aliases\": [\"thon 5\"] },"
    "   { \"code\": \"T6\", \"name\": \"Thôn 6\", \"aliases\": [\"thon 6\"] } ] }";

/* Whether text, from a number never seen, files a report that alerts. */
static int
pages(struct fixture *fx, int n, const char *text)
{
	struct outcome	 o;
	char		 from[32];

	snprintf(from, sizeof(from), "+8490%07d", 2000000 + n);
	fixture_receive(fx, "generic", NULL, from, text, &o);
	return o.new_report;
}

static void
test_corpus(void **state)
{
	struct fixture	*fx = fixture_responders(plea_conf);
	char		*buf = vectors_read(CORPUS), *line, *next, *tab;
	int		 n = 0, pleas = 0, heard = 0, everyday = 0, alarms = 0;
	int		 err, null;
	double		 recall, falses;

	/* A report's log line for each of hundreds of texts says nothing
	 * here: stderr is set aside while the corpus runs. */
	fflush(stderr);
	assert_true((err = dup(2)) != -1);
	assert_true((null = open("/dev/null", O_WRONLY)) != -1);
	assert_true(dup2(null, 2) != -1);
	close(null);

	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((tab = strchr(line, '\t')) == NULL ||
		    (line[0] != 'P' && line[0] != 'E') || tab != line + 1)
			fail_msg("%s: bad line: %s", CORPUS, line);
		if (line[0] == 'P') {
			pleas++;
			if (pages(fx, n++, tab + 1))
				heard++;
			else
				print_message("missed plea: %s\n", tab + 1);
		} else {
			everyday++;
			if (pages(fx, n++, tab + 1)) {
				alarms++;
				print_message("false alarm: %s\n", tab + 1);
			}
		}
	}
	free(buf);
	fixture_teardown((void **)&fx);
	fflush(stderr);
	assert_true(dup2(err, 2) != -1);
	close(err);
	assert_true(pleas >= 100 && everyday >= 100);
	recall = 100.0 * heard / pleas;
	falses = 100.0 * alarms / everyday;
	print_message("plea corpus: recall %d/%d (%.1f %%), false alarms "
	    "%d/%d (%.1f %%)\n", heard, pleas, recall, alarms, everyday,
	    falses);
	assert_true(recall >= RECALL_MIN);
	assert_true(falses <= FALSE_MAX);
	(void)state;
}

/* The area of the first hamlet a plea names, in any form (SPEC §4). */
static void
test_plea_area(void **state)
{
	static const struct {
		const char	*text;
		const char	*area;	/* NULL: unknown */
	} cases[] = {
		{ "Em bị chồng đánh, đang ở nhà mẹ đẻ thôn 3", "T3" },
		{ "Có người đánh vợ ở xóm 4", "T4" },
		{ "ck danh e, e o thon ba", "T3" },
		{ "chong dah em o Thon 05", "T5" },
		{ "em bi danh thon6 cuu em", "T6" },
		{ "chồng em đánh em", NULL },
		{ "chồng đánh em ở thôn mười", NULL },
	};
	struct fixture	*fx = fixture_responders(plea_conf);
	struct outcome	 o;
	char		 from[32], sql[160];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(from, sizeof(from), "+8490300%04zu", i);
		fixture_receive(fx, "generic", NULL, from, cases[i].text, &o);
		assert_true(o.new_report);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM reports WHERE "
		    "ref = '%s' AND area %s%s%s", o.ref,
		    cases[i].area ? "= '" : "IS NULL", cases[i].area ?
		    cases[i].area : "", cases[i].area ? "'" : "");
		if (fixture_count(fx->tc.store, sql) != 1)
			fail_msg("%s: not filed under %s", cases[i].text,
			    cases[i].area ? cases[i].area : "no area");
	}
	fixture_teardown((void **)&fx);
	(void)state;
}

/* What a keyword that only asks for something yields to (SPEC §4): help
 * followed by a plea is a plea; HELP alone is still the help text. */
static void
test_plea_over_help(void **state)
{
	struct fixture	*fx = fixture_responders(plea_conf);
	struct outcome	 o;

	fixture_receive(fx, "generic", NULL, "+84903100001",
	    "help chong dang danh em", &o);
	assert_true(o.new_report);
	fixture_receive(fx, "generic", NULL, "+84903100002", "HELP", &o);
	assert_false(o.new_report);
	assert_string_equal(o.ref, "");
	fixture_receive(fx, "generic", NULL, "+84903100003", "help me", &o);
	assert_true(o.new_report);
	fixture_teardown((void **)&fx);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_plea_area),
		cmocka_unit_test(test_plea_over_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
