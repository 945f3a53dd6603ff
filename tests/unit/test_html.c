/*
 * test_html.c: the pieces of the report page (core/html.c): escaping of
 * every markup character, table rows, the bar chart's geometry (scale,
 * rounding, the smallest visible bar, nothing to draw) and its SVG.
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

/* What fn wrote, as a string the caller frees. */
struct out {
	char	*buf;
	size_t	 len;
	FILE	*fp;
};

static void
out_open(struct out *o)
{
	memset(o, 0, sizeof(*o));
	assert_non_null(o->fp = open_memstream(&o->buf, &o->len));
}

static char *
out_close(struct out *o)
{
	assert_int_equal(fclose(o->fp), 0);
	return o->buf;
}

static void
test_escape(void **state)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "", "" },
		{ "Thôn 1", "Thôn 1" },
		{ "<script>alert('x')</script>",
		    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
		{ "a & b \"c\"", "a &amp; b &quot;c&quot;" },
		{ "&amp;", "&amp;amp;" },
		{ "Xã <Thử>", "Xã &lt;Thử&gt;" },
	};
	struct out	 o;
	char		*s;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out_open(&o);
		html_text(o.fp, cases[i].in);
		s = out_close(&o);
		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static void
test_row(void **state)
{
	const char	*cells[3] = { "Thôn <1>", NULL, "<3" };
	struct out	 o;
	char		*s;

	out_open(&o);
	html_row(o.fp, cells, 3, 0);
	html_row(o.fp, cells, 1, 1);
	s = out_close(&o);
	assert_string_equal(s, "<tr><td>Thôn &lt;1&gt;</td><td></td>"
	    "<td>&lt;3</td></tr>\n<tr><th>Thôn &lt;1&gt;</th></tr>\n");
	free(s);
}

static void
test_bars(void **state)
{
	const int64_t	 v[] = { 0, 5, 10, 1, 3 };
	const int64_t	 tiny[] = { 1, 100000 };
	const int64_t	 zero[] = { 0, 0 };
	struct html_bar	 b[5];
	size_t		 i;

	html_bars(v, 5, b);
	for (i = 0; i < 5; i++) {
		assert_int_equal(b[i].x, HTML_LABEL_W);
		assert_int_equal(b[i].h, HTML_BAR_H);
		assert_int_equal(b[i].y, (int)i * HTML_ROW_H +
		    (HTML_ROW_H - HTML_BAR_H) / 2);
		/* inside its row, never touching the next */
		assert_true(b[i].y + b[i].h <= ((int)i + 1) * HTML_ROW_H);
	}
	assert_int_equal(b[0].w, 0);
	assert_int_equal(b[1].w, HTML_BAR_W / 2);
	assert_int_equal(b[2].w, HTML_BAR_W);
	assert_int_equal(b[3].w, 36);		/* 360 / 10 */
	assert_int_equal(b[4].w, 108);
	/* A count far below the largest still shows. */
	html_bars(tiny, 2, b);
	assert_int_equal(b[0].w, 1);
	assert_int_equal(b[1].w, HTML_BAR_W);
	/* Nothing at all: no bar, no division by zero. */
	html_bars(zero, 2, b);
	assert_int_equal(b[0].w, 0);
	assert_int_equal(b[1].w, 0);
	html_bars(zero, 0, b);
}

static void
test_chart(void **state)
{
	const struct html_item	 items[] = {
		{ "Nữ", "2", 2, 0 },
		{ "<b>Nam</b>", "<3", 2, 1 },
	};
	struct out		 o;
	char			*s;

	out_open(&o);
	html_chart(o.fp, "Theo giới tính & tuổi", items, 2);
	s = out_close(&o);
	assert_non_null(strstr(s, "<svg class=\"chart\" width=\"624\" "
	    "height=\"48\" viewBox=\"0 0 624 48\""));
	assert_non_null(strstr(s, "<title>Theo giới tính &amp; tuổi</title>"));
	assert_non_null(strstr(s, "aria-label=\"Theo giới tính &amp; tuổi\""));
	assert_non_null(strstr(s, "<rect x=\"200\" y=\"3\" width=\"360\" "
	    "height=\"18\" class=\"b\"/>"));
	assert_non_null(strstr(s, "<rect x=\"200\" y=\"27\" width=\"360\" "
	    "height=\"18\" class=\"b m\"/>"));
	assert_non_null(strstr(s, ">&lt;b&gt;Nam&lt;/b&gt;</text>"));
	assert_non_null(strstr(s, "class=\"v\">&lt;3</text>"));
	assert_null(strstr(s, "<b>"));
	assert_null(strstr(s, "http"));
	assert_non_null(strstr(s, "</svg>\n"));
	free(s);
	/* No items: an empty chart, still well formed. */
	out_open(&o);
	html_chart(o.fp, "x", NULL, 0);
	s = out_close(&o);
	assert_non_null(strstr(s, "height=\"0\""));
	assert_non_null(strstr(s, "</svg>"));
	free(s);
}

static void
test_tz_format(void **state)
{
	char	 out[24];

	assert_int_equal(tz_format("Asia/Ho_Chi_Minh", 1796058000LL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "2026-12-01 00:00");
	assert_int_equal(tz_format("Asia/Ho_Chi_Minh", 1796058000LL + 3599,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "2026-12-01 00:59");
	assert_int_equal(tz_format("UTC", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1970-01-01 00:00");
	assert_int_equal(tz_format("UTC", 0, out, 5), -1);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_chart),
		cmocka_unit_test(test_tz_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
