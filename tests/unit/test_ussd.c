/*
 * test_ussd.c: the USSD menu state machine: menu, area list in config
 * order, paging with 30 areas, END actions, help, screen limits; a city's
 * communes first, each with its own hamlets.
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
conf_with(size_t nareas, const char *prefix)
{
	struct config	*conf;
	char		*json, *areas = xstrdup(""), *p, err[200];
	size_t		 i;

	for (i = 1; i <= nareas; i++) {
		p = xasprintf("%s%s{\"code\":\"T%zu\",\"name\":\"%s %zu\"}",
		    areas, i > 1 ? "," : "", i, prefix, i);
		free(areas);
		areas = p;
	}
	json = xasprintf("{\"areas\":[%s]}", areas);
	conf = config_parse(json, strlen(json), err, sizeof(err));
	if (conf == NULL)
		fail_msg("config: %s", err);
	free(json);
	free(areas);
	return conf;
}

static void
step(const struct config *conf, const char *text, struct ussd_screen *s)
{
	const unsigned char	*p;

	ussd_step(conf, text, strlen(text), s);
	assert_true(strlen(s->text) <= USSD_SCREEN_MAX);
	for (p = (const unsigned char *)s->text; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
}

static void
test_menu(void **state)
{
	struct config		*conf = conf_with(6, "Th\xc3\xb4n");
	struct ussd_screen	 s;

	step(conf, "", &s);
	assert_int_equal(s.end, 0);
	assert_non_null(strstr(s.text, "1 "));
	assert_non_null(strstr(s.text, "4 "));
	/* 1 and 2: the areas, unaccented, in config order, and 0. */
	step(conf, "1", &s);
	assert_int_equal(s.end, 0);
	assert_int_equal(s.action, USSD_NONE);
	assert_string_equal(s.text, "Chon thon:\n1 Thon 1\n2 Thon 2\n"
	    "3 Thon 3\n4 Thon 4\n5 Thon 5\n6 Thon 6\n0 Khong biet");
	step(conf, "2", &s);
	assert_int_equal(s.end, 0);
	/* 1*3: a gbv report in the third area. */
	step(conf, "1*3", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.action, USSD_REPORT);
	assert_int_equal(s.cat, CAT_GBV);
	assert_int_equal(s.area, 2);
	step(conf, "2*0", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.cat, CAT_SHELTER);
	assert_int_equal(s.area, -1);
	step(conf, "2*6", &s);
	assert_int_equal(s.area, 5);
	/* Out of range, junk: the list again, headed "Sai so.". */
	step(conf, "1*7", &s);
	assert_int_equal(s.end, 0);
	assert_int_equal(strncmp(s.text, "Sai so.", 7), 0);
	step(conf, "1*03", &s);
	assert_int_equal(s.end, 0);
	step(conf, "1*", &s);
	assert_int_equal(s.end, 0);
	step(conf, "1*x*2", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.area, 1);
	/* 3 signup, 4 hotlines; anything else shows the menu again. */
	step(conf, "3", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.action, USSD_SIGNUP);
	step(conf, "4", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.action, USSD_NONE);
	assert_non_null(strstr(s.text, "113"));
	assert_non_null(strstr(s.text, "1800 1768"));
	step(conf, "5", &s);
	assert_int_equal(s.end, 0);
	assert_int_equal(s.action, USSD_NONE);
	assert_int_equal(strncmp(s.text, "Sai so. ", 8), 0);
	assert_non_null(strstr(s.text, "1 Bao tin"));
	assert_true(strlen(s.text) <= USSD_SCREEN_MAX);
	step(conf, "11", &s);
	assert_int_equal(s.end, 0);
	assert_int_equal(s.action, USSD_NONE);
	step(conf, "*", &s);
	assert_int_equal(s.end, 0);
	/* After a wrong key the next answer is read as the menu's. */
	step(conf, "7*1", &s);
	assert_int_equal(s.end, 0);
	assert_int_equal(strncmp(s.text, "Chon thon:", 10), 0);
	step(conf, "9*x*2*1", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.action, USSD_REPORT);
	assert_int_equal(s.cat, CAT_SHELTER);
	assert_int_equal(s.area, 0);
	/* "00" goes back to the main menu; what came before is forgotten. */
	step(conf, "1*00", &s);
	assert_int_equal(s.end, 0);
	assert_int_equal(strncmp(s.text, "Tin cay", 7), 0);
	step(conf, "1*98*00*2*1", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.cat, CAT_SHELTER);
	assert_int_equal(s.area, 0);
	step(conf, "00", &s);
	assert_int_equal(s.end, 0);
	assert_int_equal(strncmp(s.text, "Tin cay", 7), 0);
	step(conf, "3*00*4", &s);
	assert_int_equal(s.end, 1);
	assert_non_null(strstr(s.text, "1800 1768"));
	/* (buf, len): only len bytes are read. */
	ussd_step(conf, "1*3", 1, &s);
	assert_int_equal(s.end, 0);
	config_free(conf);
}

/* 30 areas: paged with 98/99, numbers global, 0 on every page. */
static void
test_paging(void **state)
{
	struct config		*conf = conf_with(30, "Th\xc3\xb4n Ph\xc3\xba L\xe1\xbb\x99""c");
	struct ussd_screen	 s;
	char			 next[8], prev[8], path[64], want[80];
	size_t			 starts[16], np, p, i, seen = 0;

	ussd_nav_keys(conf, next, prev);
	assert_string_equal(next, "98");
	assert_string_equal(prev, "99");
	np = ussd_pages(conf, starts, 16);
	assert_true(np >= 2 && np <= 16);
	for (p = 0; p < np; p++) {
		strcpy(path, "1");
		for (i = 0; i < p; i++)
			strcat(path, "*98");
		step(conf, path, &s);
		assert_int_equal(s.end, 0);
		assert_non_null(strstr(s.text, "\n0 Khong biet"));
		assert_true((strstr(s.text, "\n98 Tiep") != NULL) ==
		    (p + 1 < np));
		assert_true((strstr(s.text, "\n99 Truoc") != NULL) == (p > 0));
		/* Every area on exactly one page, in order. */
		for (i = starts[p]; i < (p + 1 < np ? starts[p + 1] : 30);
		    i++) {
			snprintf(want, sizeof(want), "\n%zu Thon Phu Loc %zu",
			    i + 1, i + 1);
			assert_non_null(strstr(s.text, want));
			seen++;
		}
	}
	assert_int_equal(seen, 30);
	/* Past the last page stays there; back from the first too. */
	step(conf, "1*99*99", &s);
	assert_int_equal(s.end, 0);
	assert_null(strstr(s.text, "99 Truoc"));
	step(conf, "1*98*99", &s);
	assert_null(strstr(s.text, "99 Truoc"));
	/* Any number on any page; 30 is the last area. */
	step(conf, "1*98*30", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.area, 29);
	step(conf, "2*25", &s);
	assert_int_equal(s.area, 24);
	step(conf, "1*31", &s);
	assert_int_equal(s.end, 0);
	config_free(conf);

	/* 98 areas: the keys grow a digit; 98 is an area. */
	conf = conf_with(98, "T");
	ussd_nav_keys(conf, next, prev);
	assert_string_equal(next, "998");
	assert_string_equal(prev, "999");
	step(conf, "1*98", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.area, 97);
	step(conf, "1*998*999*998", &s);
	assert_int_equal(s.end, 0);
	config_free(conf);

	/* No areas: only "0". */
	conf = conf_with(0, "");
	step(conf, "1", &s);
	assert_string_equal(s.text, "Chon thon:\n0 Khong biet");
	step(conf, "1*0", &s);
	assert_int_equal(s.area, -1);
	config_free(conf);
}

static void
test_result(void **state)
{
	struct ussd_screen	 s;
	char			 longer[600];

	memset(&s, 0, sizeof(s));
	ussd_result("Tin nhan da duoc tiep nhan, ma A7K2. Khan cap goi 113.",
	    &s);
	assert_int_equal(s.end, 1);
	assert_string_equal(s.text,
	    "Tin nhan da duoc tiep nhan, ma A7K2. Khan cap goi 113.");
	ussd_result("\xc4\x90\xc3\xa3 nh\xe1\xba\xadn \xe2\x82\xac", &s);
	assert_string_equal(s.text, "Da nhan ?");
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ussd_result(longer, &s);
	assert_int_equal(strlen(s.text), USSD_SCREEN_MAX);
	ussd_result(NULL, &s);
	assert_non_null(strstr(s.text, "113"));
}

/* Long names that begin alike are told apart by their codes. */
static void
test_long_names(void **state)
{
	struct config		*conf = conf_with(3, "Th\xc3\xb4n \xc4\x90\xc3\xb4ng "
	    "H\xc3\xb2" "a Th\xc6\xb0\xe1\xbb\xa3ng Nguy\xe1\xbb\x85n X\xc3\xa2n");
	struct ussd_screen	 s;

	step(conf, "1", &s);
	assert_non_null(strstr(s.text, "\n1 Thon Dong Hoa Thuon (T1)\n"));
	assert_non_null(strstr(s.text, "\n2 Thon Dong Hoa Thuon (T2)\n"));
	assert_non_null(strstr(s.text, "\n3 Thon Dong Hoa Thuon (T3)\n"));
	config_free(conf);
}

/* Whether s begins with prefix. */
static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A city of n communes "Xã Phú N" (codes X1..Xn), each with k + N % 3
 * hamlets of its own ("Thôn N.M"). */
static struct config *
city_with(size_t n, size_t k)
{
	struct config	*conf;
	char		*json, *communes = xstrdup(""), *areas, *p, err[200];
	size_t		 i, j;

	for (i = 1; i <= n; i++) {
		areas = xstrdup("");
		for (j = 1; j <= k + i % 3; j++) {
			p = xasprintf("%s%s{\"code\":\"T%zu\",\"name\":"
			    "\"Th\xc3\xb4n %zu.%zu\"}", areas, j > 1 ? "," : "",
			    j, i, j);
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
	conf = config_parse(json, strlen(json), err, sizeof(err));
	if (conf == NULL)
		fail_msg("config: %s", err);
	free(json);
	free(communes);
	return conf;
}

/* A city's service code: its communes first, then the one picked has the
 * menu, and its own hamlets. */
static void
test_city(void **state)
{
	struct config		*conf = city_with(3, 1);
	struct ussd_screen	 s;

	step(conf, "", &s);
	assert_int_equal(s.end, 0);
	assert_null(s.commune);
	assert_string_equal(s.text, "Chon xa:\n1 Xa Phu 1\n2 Xa Phu 2\n"
	    "3 Xa Phu 3\n0 Khong biet");
	/* A commune picked: the main menu, as ever. */
	step(conf, "2", &s);
	assert_int_equal(s.end, 0);
	assert_ptr_equal(s.commune, &conf->communes[1]);
	assert_true(starts(s.text, "Tin cay - chon so:\n1 Bao tin"));
	/* Its hamlets, not another commune's. */
	step(conf, "2*1", &s);
	assert_string_equal(s.text, "Chon thon:\n1 Thon 2.1\n2 Thon 2.2\n"
	    "3 Thon 2.3\n0 Khong biet");
	step(conf, "1*2", &s);
	assert_string_equal(s.text, "Chon thon:\n1 Thon 1.1\n2 Thon 1.2\n"
	    "0 Khong biet");
	step(conf, "2*1*3", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.action, USSD_REPORT);
	assert_int_equal(s.cat, CAT_GBV);
	assert_ptr_equal(s.commune, &conf->communes[1]);
	assert_int_equal(s.area, 2);
	/* 3 has one hamlet: a fourth is no hamlet of its. */
	step(conf, "3*2*2", &s);
	assert_int_equal(s.end, 0);
	assert_true(starts(s.text, "Sai so. Chon thon:\n1 Thon 3.1\n0 "));
	step(conf, "3*2*1", &s);
	assert_int_equal(s.cat, CAT_SHELTER);
	assert_ptr_equal(s.commune, &conf->communes[2]);
	assert_int_equal(s.area, 0);
	step(conf, "1*3", &s);
	assert_int_equal(s.end, 1);
	assert_int_equal(s.action, USSD_SIGNUP);
	assert_ptr_equal(s.commune, &conf->communes[0]);
	step(conf, "3*4", &s);
	assert_non_null(strstr(s.text, "1800 1768"));
	/* "0": the city's own level, its menu, no commune. */
	step(conf, "0*1*0", &s);
	assert_int_equal(s.end, 1);
	assert_null(s.commune);
	assert_int_equal(s.area, -1);
	/* No commune of that number, junk: the list again, "Sai so.". */
	step(conf, "4", &s);
	assert_int_equal(s.end, 0);
	assert_true(starts(s.text, "Sai so. Chon xa:\n1 Xa Phu 1"));
	step(conf, "x*2*1*1", &s);
	assert_int_equal(s.end, 1);
	assert_ptr_equal(s.commune, &conf->communes[1]);
	assert_int_equal(s.area, 0);
	/* "00" goes back to the communes; what came before is forgotten. */
	step(conf, "2*1*00", &s);
	assert_int_equal(s.end, 0);
	assert_null(s.commune);
	assert_true(starts(s.text, "Chon xa:"));
	step(conf, "2*00*1*1*1", &s);
	assert_ptr_equal(s.commune, &conf->communes[0]);
	assert_int_equal(s.area, 0);
	/* A wrong key on the menu after the commune: the menu again. */
	step(conf, "2*7", &s);
	assert_int_equal(s.end, 0);
	assert_true(starts(s.text, "Sai so. Tin cay"));
	config_free(conf);

	/* A city of one commune: its menu straight away, as ever. */
	conf = city_with(1, 1);
	step(conf, "", &s);
	assert_true(starts(s.text, "Tin cay - chon so:"));
	step(conf, "1*2", &s);
	assert_int_equal(s.end, 1);
	assert_ptr_equal(s.commune, &conf->communes[0]);
	assert_int_equal(s.area, 1);
	config_free(conf);

	/* A config without communes names none. */
	conf = conf_with(3, "Th\xc3\xb4n");
	step(conf, "1*2", &s);
	assert_null(s.commune);
	config_free(conf);
}

/* Many communes: paged as hamlets are, any number on any page. */
static void
test_city_paging(void **state)
{
	struct config		*conf = city_with(40, 0);
	struct ussd_screen	 s;
	char			 path[64], want[40];
	size_t			 i, seen = 0;
	int			 page;

	for (page = 0; page < 8; page++) {
		path[0] = '\0';
		for (i = 0; i < (size_t)page; i++)
			strcat(path, i ? "*98" : "98");
		step(conf, path, &s);
		assert_int_equal(s.end, 0);
		assert_true(starts(s.text, "Chon xa:\n"));
		assert_non_null(strstr(s.text, "\n0 Khong biet"));
		for (i = 1; i <= 40; i++) {
			snprintf(want, sizeof(want), "\n%zu Xa Phu %zu\n", i,
			    i);
			if (strstr(s.text, want) != NULL)
				seen++;
		}
		if (strstr(s.text, "\n98 Tiep") == NULL)
			break;
	}
	assert_true(page >= 1 && page < 8);
	assert_int_equal(seen, 40);
	/* The last one, from the first page; then its menu and hamlet. */
	step(conf, "40*1*1", &s);
	assert_int_equal(s.end, 1);
	assert_ptr_equal(s.commune, &conf->communes[39]);
	assert_int_equal(s.area, 0);
	step(conf, "98*99*7", &s);
	assert_int_equal(s.end, 0);
	assert_ptr_equal(s.commune, &conf->communes[6]);
	config_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_menu),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_city),
		cmocka_unit_test(test_city_paging),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
