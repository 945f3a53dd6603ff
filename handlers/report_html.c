/*
 * report_html.c: stats --format html: the report to the city as one page
 * that stands alone (inline style, charts drawn here as inline SVG by
 * html.c, no script, no link to any file or site), in Vietnamese, fit to
 * print on A4. Every string from the config or the database is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

const char report_html_style[] =
    "@page{size:A4;margin:14mm}"
    "body{font:13px/1.45 'Noto Sans','DejaVu Sans',Arial,sans-serif;"
    "color:#111;max-width:900px;margin:0 auto;padding:12px}"
    "h1{font-size:20px;margin:0 0 2px}"
    "h2{font-size:15px;border-bottom:1px solid #888;margin:18px 0 6px;"
    "padding-bottom:2px}"
    "section{break-inside:avoid;page-break-inside:avoid}"
    ".pair{display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap}"
    "table{border-collapse:collapse;min-width:220px}"
    "th,td{border:1px solid #aaa;padding:2px 8px;text-align:left}"
    "td+td,th+th{text-align:right}"
    "tr.sum td{font-weight:bold}"
    "th{background:#eee}"
    "svg.chart{max-width:100%;height:auto}"
    "svg .b{fill:#5b3c88}svg .m{fill:#c9b8e0}"
    "svg text{font-size:12px;fill:#111}svg .l{text-anchor:end}"
    ".meta,.note{color:#444;font-size:12px;margin:2px 0}"
    "@media print{body{padding:0}th{background:none}}";

/* Names in the report of the categories and statuses. */
static const struct casework_key report_html_categories[] = {
	{ "gbv",		"Bạo lực giới (BL)" },
	{ "shelter",		"Cần chỗ tạm lánh (TC)" },
	{ "unknown",		"Tin chưa rõ nội dung" },
	{ NULL,			NULL },
};
static const struct casework_key report_html_statuses[] = {
	{ "open",		"Chưa có người nhận" },
	{ "acknowledged",	"Đang xử lý" },
	{ "closed",		"Đã xử lý xong" },
	{ "cancelled",		"Báo nhầm" },
	{ NULL,			NULL },
};

struct report_html_section;
typedef void	 (*report_html_label_fn)(const struct report_figures *,
		    const struct report_html_section *, const char *key,
		    char *out, size_t outlen);

/* A breakdown on the page: a table, and a chart if it is one of those the
 * city asks for (month, area, sex, age). */
struct report_html_section {
	enum report_by		 by;
	const char		*title, *head, *note;
	int			 chart;
	int			 total;		/* sums to the reports */
	report_html_label_fn	 label;
	const struct casework_key *names;	/* for report_html_named */
};

/* The key's name in a table of names (NULL-terminated), or the key. */
static void
report_html_named(const struct report_figures *f, const struct report_html_section *s,
    const char *key, char *out, size_t outlen)
{
	const struct casework_key	*k;

	for (k = s->names; k != NULL && k->key != NULL; k++)
		if (strcmp(k->key, key) == 0) {
			util_strlcpy(out, k->vi, outlen);
			return;
		}
	util_strlcpy(out, key, outlen);
}

/* The casework tables (sex, age, outcome) hold their own names. */
static void
report_html_casework(const struct report_figures *f,
    const struct report_html_section *s, const char *key, char *out,
    size_t outlen)
{
	static const struct {
		enum report_by			 by;
		const struct casework_key	*keys;
		size_t				 n;
	} tables[] = {
		{ REPORT_BY_SEX, casework_sexes, CASEWORK_SEXES },
		{ REPORT_BY_AGE, casework_ages, CASEWORK_AGES },
		{ REPORT_BY_OUTCOME, casework_outcomes, CASEWORK_OUTCOMES },
	};
	size_t	 t, i;

	util_strlcpy(out, key, outlen);
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (i = 0; tables[t].by == s->by && i < tables[t].n; i++)
			if (strcmp(tables[t].keys[i].key, key) == 0)
				util_strlcpy(out, tables[t].keys[i].vi, outlen);
}

/*
 * "Thôn 1 (T1)" from the config, "Không rõ thôn" for unknown; a city's
 * "Xã Tịnh Châu · Thôn 1 (TINHCHAU.T1)", "Xã Tịnh Châu · Không rõ thôn".
 */
static void
report_html_area(const struct report_figures *f, const struct report_html_section *s,
    const char *key, char *out, size_t outlen)
{
	const char	*dot = strchr(key, '.'), *area = dot ? dot + 1 : key;
	char		 code[COMMUNE_MAX], cm[160];
	size_t		 i;

	cm[0] = '\0';
	if (dot != NULL && f->city != NULL) {
		snprintf(code, sizeof(code), "%.*s", (int)(dot - key), key);
		snprintf(cm, sizeof(cm), "%s · ", report_commune_name(f, code,
		    1));
	}
	if (strcmp(area, "unknown") == 0) {
		snprintf(out, outlen, "%sKhông rõ thôn", cm);
		return;
	}
	util_strlcpy(out, key, outlen);
	for (i = 0; i < f->nhamlets; i++)
		if (strcmp(f->hamlets[i].key, key) == 0)
			snprintf(out, outlen, "%s%s (%s)", cm,
			    f->hamlets[i].name, key);
}

/* "2026-11" → "Tháng 11/2026". */
static void
report_html_month(const struct report_figures *f, const struct report_html_section *s,
    const char *key, char *out, size_t outlen)
{
	snprintf(out, outlen, "Tháng %.2s/%.4s", key + 5, key);
}

static const struct report_html_section report_html_sections[] = {
	{ REPORT_BY_MONTH, "Số tin báo theo tháng", "Tháng", NULL, 1, 1,
	    report_html_month, NULL },
	{ REPORT_BY_AREA, "Số tin báo theo thôn", "Thôn", NULL, 1, 1,
	    report_html_area, NULL },
	{ REPORT_BY_SEX, "Theo giới tính người bị hại", "Giới tính",
	    "Không rõ: chưa ghi khi đóng tin, kể cả tin chưa đóng.", 1, 1,
	    report_html_casework, NULL },
	{ REPORT_BY_AGE, "Theo độ tuổi người bị hại", "Độ tuổi",
	    "Không rõ: chưa ghi khi đóng tin, kể cả tin chưa đóng.", 1, 1,
	    report_html_casework, NULL },
	{ REPORT_BY_OUTCOME, "Kết quả xử lý", "Kết quả",
	    "Một tin có thể có nhiều kết quả (ví dụ vừa chuyển công an vừa "
	    "chuyển y tế).", 0, 0, report_html_casework, NULL },
	{ REPORT_BY_STATUS, "Tình trạng hiện nay", "Tình trạng", NULL, 0, 1,
	    report_html_named, report_html_statuses },
	{ REPORT_BY_SIGNUPS, "Đăng ký nhận tin Tháng hành động", "Thôn", NULL,
	    0, 0, report_html_area, NULL },
};
#define REPORT_HTML_NSECTIONS \
	(sizeof(report_html_sections) / sizeof(report_html_sections[0]))

/* "2026-11-01" → "01/11/2026". */
static void
report_html_date(const char *iso, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
}

/* The items of a breakdown. Areas: every hamlet of the config in its
 * order (none reported is news too), then any other key. The labels live
 * in labels[i], the shown counts in shown[i]. */
struct report_html_items {
	struct html_item *v;
	char		(*labels)[128];
	char		(*shown)[24];
	size_t		 n;
};

static void
report_html_item(const struct report_figures *f, const struct report_html_section *s,
    struct report_html_items *it, const char *key, int64_t n,
    unsigned char hide)
{
	struct html_item	*h = &it->v[it->n];

	s->label(f, s, key, it->labels[it->n], sizeof(it->labels[0]));
	report_cell(f, n, hide, it->shown[it->n], sizeof(it->shown[0]));
	h->label = it->labels[it->n];
	h->shown = it->shown[it->n];
	/* A hidden count ("<k", "*") is drawn as long as k - 1: never its
	 * own. */
	h->muted = hide != SUPPRESS_SHOWN || (f->k > 1 && n >= 1 &&
	    n < f->k);
	h->n = h->muted ? f->k - 1 : n;
	it->n++;
}

/* key's count in t (0 if none) and how it is shown. */
static int64_t
report_html_count(const struct report_tally *t, const char *key,
    unsigned char *hide)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0) {
			*hide = t->v[i].hide;
			return t->v[i].n;
		}
	*hide = SUPPRESS_SHOWN;
	return 0;
}

static void
report_html_items(const struct report_figures *f, const struct report_html_section *s,
    struct report_html_items *it)
{
	const struct report_tally	*t = &f->by[s->by];
	size_t			 i, j, max;
	unsigned char		 hide;
	int64_t			 n;

	max = t->n + (s->label == report_html_area ? f->nhamlets : 0) + 1;
	it->v = xcalloc(max, sizeof(*it->v));
	it->labels = xcalloc(max, sizeof(*it->labels));
	it->shown = xcalloc(max, sizeof(*it->shown));
	it->n = 0;
	for (j = 0; s->label == report_html_area && j < f->nhamlets; j++) {
		n = report_html_count(t, f->hamlets[j].key, &hide);
		report_html_item(f, s, it, f->hamlets[j].key, n, hide);
	}
	for (i = 0; i < t->n; i++) {
		for (j = 0; s->label == report_html_area && j < f->nhamlets; j++)
			if (strcmp(t->v[i].key, f->hamlets[j].key) == 0)
				break;
		if (s->label != report_html_area || j == f->nhamlets)
			report_html_item(f, s, it, t->v[i].key, t->v[i].n,
			    t->v[i].hide);
	}
}

static void
report_html_items_clear(struct report_html_items *it)
{
	free(it->v);
	free(it->labels);
	free(it->shown);
}

/* A breakdown: its table (with the total when it sums to the reports)
 * and, for those the city charts, its bars. */
static void
report_html_section(FILE *fp, const struct report_figures *f,
    const struct report_html_section *s)
{
	struct report_html_items	 it;
	const char		*cells[2];
	char			 total[24];
	size_t			 i;

	report_html_items(f, s, &it);
	fputs("<section>\n<h2>", fp);
	html_text(fp, s->title);
	fputs("</h2>\n", fp);
	if (s->note != NULL) {
		fputs("<p class=\"note\">", fp);
		html_text(fp, s->note);
		fputs("</p>\n", fp);
	}
	fputs("<div class=\"pair\">\n<table>\n", fp);
	cells[0] = s->head;
	cells[1] = "Số tin";
	html_row(fp, cells, 2, 1);
	for (i = 0; i < it.n; i++) {
		cells[0] = it.v[i].label;
		cells[1] = it.v[i].shown;
		html_row(fp, cells, 2, 0);
	}
	if (s->total) {
		report_shown(f, f->reports, total, sizeof(total));
		fputs("<tr class=\"sum\"><td>Tổng</td><td>", fp);
		html_text(fp, total);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
	if (s->chart)
		html_chart(fp, s->title, it.v, it.n);
	fputs("</div>\n</section>\n", fp);
	report_html_items_clear(&it);
}

/* A median in a commune's row: its duration, hidden, or none. */
static void
report_html_span(int64_t s, int hidden, const struct report_figures *f,
    char *out, size_t outlen)
{
	if (hidden)
		snprintf(out, outlen, "ẩn (dưới %d tin)", f->k);
	else if (s < 0)
		util_strlcpy(out, "chưa có", outlen);
	else
		casework_duration(s, 1, out, outlen);
}

/*
 * A city's report (SPEC §11): every commune, none reported too, and the
 * reports nobody placed yet: a table with each one's medians, and their
 * chart.
 */
static void
report_html_communes(FILE *fp, const struct report_figures *f)
{
	static const char title[] = "Số tin báo theo xã";
	const struct report_tally	*t = &f->by[REPORT_BY_COMMUNE];
	struct casework_medians	 m;
	struct html_item	*items;
	const char		*cells[4];
	char			(*shown)[24], ack[64], done[64], total[24];
	size_t			 i;
	int			 hidden;

	items = xcalloc(t->n + 1, sizeof(*items));
	shown = xcalloc(t->n + 1, sizeof(*shown));
	fputs("<section>\n<h2>", fp);
	html_text(fp, title);
	fputs("</h2>\n<div class=\"pair\">\n<table>\n", fp);
	cells[0] = "Xã";
	cells[1] = "Số tin";
	cells[2] = "Trung vị đến khi có người nhận";
	cells[3] = "Trung vị đến khi xử lý xong";
	html_row(fp, cells, 4, 1);
	for (i = 0; i < t->n; i++) {
		hidden = report_commune_medians(f, t->v[i].key, &m);
		report_cell(f, t->v[i].n, t->v[i].hide, shown[i],
		    sizeof(shown[i]));
		report_html_span(m.median_ack_s, hidden, f, ack, sizeof(ack));
		report_html_span(m.median_close_s, hidden, f, done, sizeof(done));
		cells[0] = report_commune_name(f, t->v[i].key, 1);
		cells[1] = shown[i];
		cells[2] = ack;
		cells[3] = done;
		html_row(fp, cells, 4, 0);
		items[i].label = cells[0];
		items[i].shown = shown[i];
		/* A hidden count is drawn as long as k - 1: never its own. */
		items[i].muted = t->v[i].hide != SUPPRESS_SHOWN ||
		    (f->k > 1 && t->v[i].n >= 1 && t->v[i].n < f->k);
		items[i].n = items[i].muted ? f->k - 1 : t->v[i].n;
	}
	report_shown(f, f->reports, total, sizeof(total));
	fputs("<tr class=\"sum\"><td>Tổng</td><td>", fp);
	html_text(fp, total);
	fputs("</td><td></td><td></td></tr>\n</table>\n", fp);
	html_chart(fp, title, items, t->n);
	fputs("</div>\n</section>\n", fp);
	free(shown);
	free(items);
}

/* Category by status: the rows of the store summed, one line each. */
static void
report_html_matrix(FILE *fp, const struct report_figures *f)
{
	const struct report_tally	*cat = &f->by[REPORT_BY_CATEGORY];
	struct report_html_section	 named = { .names = report_html_categories };
	const char		*cells[STATS__MAX + 2];
	char			 label[128], shown[STATS__MAX + 1][24];
	int64_t			 n[STATS__MAX + 1];
	size_t			 i, r;
	int			 k;

	fputs("<table>\n", fp);
	cells[0] = "Loại tin";
	for (k = 0; k < STATS__MAX; k++)
		cells[k + 1] = report_html_statuses[k].vi;
	cells[STATS__MAX + 1] = "Tổng";
	html_row(fp, cells, STATS__MAX + 2, 1);
	for (i = 0; i < cat->n; i++) {
		memset(n, 0, sizeof(n));
		for (r = 0; r < f->rows.n; r++)
			if (f->rows.v[r].status != NULL && strcmp(cat->v[i].key,
			    f->rows.v[r].category) == 0 && (k =
			    stats_status_lookup(f->rows.v[r].status)) != -1) {
				n[k] += f->rows.v[r].n;
				n[STATS__MAX] += f->rows.v[r].n;
			}
		report_html_named(f, &named, cat->v[i].key, label,
		    sizeof(label));
		cells[0] = label;
		for (k = 0; k <= STATS__MAX; k++) {
			report_cell(f, n[k], report_sum_hide(f, NULL, cat->v[i].key,
			    k < STATS__MAX ? k : -1), shown[k],
			    sizeof(shown[k]));
			cells[k + 1] = shown[k];
		}
		html_row(fp, cells, STATS__MAX + 2, 0);
	}
	fputs("</table>\n", fp);
}

/* One line of the summary: what, and its value (escaped). */
static void
report_html_fact(FILE *fp, const char *what, const char *value)
{
	const char	*cells[2] = { what, value };

	html_row(fp, cells, 2, 0);
}

static void
report_html_median(FILE *fp, const struct report_figures *f, const char *what,
    int64_t s, int64_t n)
{
	char	 v[96], d[48], shown[24];

	if (s < 0)
		util_strlcpy(v, "chưa có", sizeof(v));
	else {
		casework_duration(s, 1, d, sizeof(d));
		report_shown(f, n, shown, sizeof(shown));
		snprintf(v, sizeof(v), "%s (trên %s tin)", d, shown);
	}
	report_html_fact(fp, what, v);
}

static void
report_html_summary(FILE *fp, const struct report_figures *f)
{
	char	 shown[24];

	fputs("<section>\n<h2>Tổng quan</h2>\n<div class=\"pair\">\n"
	    "<table>\n", fp);
	report_shown(f, f->reports, shown, sizeof(shown));
	report_html_fact(fp, "Số tin báo nhận trong kỳ", shown);
	report_html_median(fp, f, "Thời gian đến khi có người nhận (trung vị)",
	    f->cw.median_ack_s, f->cw.acked);
	report_html_median(fp, f, "Thời gian đến khi xử lý xong (trung vị)",
	    f->cw.median_close_s, f->cw.closed);
	report_shown(f, f->signups, shown, sizeof(shown));
	report_html_fact(fp, "Đăng ký nhận tin Tháng hành động", shown);
	fputs("</table>\n", fp);
	report_html_matrix(fp, f);
	fputs("</div>\n</section>\n", fp);
}

static void
report_html_head(FILE *fp, const struct report_figures *f,
    const struct report_page *page)
{
	char	 from[16], to[16];

	report_html_date(f->from, from, sizeof(from));
	report_html_date(f->to, to, sizeof(to));
	fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>Báo cáo tin báo bạo lực giới — ",
	    fp);
	html_text(fp, f->conf->commune);
	fprintf(fp, " — %s–%s</title>\n", from, to);
	if (page != NULL && page->stylesheet != NULL) {
		fputs("<meta name=\"viewport\" content=\"width=device-width, "
		    "initial-scale=1\">\n<link rel=\"stylesheet\" href=\"", fp);
		html_text(fp, page->stylesheet);
		fputs("\">\n", fp);
	} else
		fprintf(fp, "<style>%s</style>\n", report_html_style);
	fputs("</head>\n<body>\n", fp);
	if (page != NULL && page->before != NULL)
		page->before(fp, page->arg);
	fputs("<header>\n<h1>Báo cáo tin báo bạo lực giới</h1>\n<p><strong>",
	    fp);
	html_text(fp, f->conf->commune);
	fprintf(fp, "</strong> · từ ngày %s đến ngày %s</p>\n", from, to);
	if (f->city != NULL && f->commune == NULL)
		fprintf(fp, "<p class=\"meta\">Toàn thành phố: %zu xã; mỗi thôn "
		    "ghi kèm tên xã.</p>\n", f->city->ncommunes);
	fputs("<p class=\"meta\">Các tin báo nhận trong kỳ (giờ ", fp);
	html_text(fp, f->conf->timezone);
	fprintf(fp, "), lập lúc %s.</p>\n", f->made);
	if (f->k > 1)
		fprintf(fp, "<p class=\"note\">Để bảo vệ người bị hại, số từ 1 "
		    "đến %d được ghi là “&lt;%d”, và số ghi “*” được ẩn cùng "
		    "để không thể suy ra từ tổng.</p>\n", f->k - 1, f->k);
	if (f->k > 1 && f->city != NULL && f->commune == NULL)
		fprintf(fp, "<p class=\"note\">Trung vị thời gian của một xã "
		    "có từ 1 đến %d tin được ẩn.</p>\n", f->k - 1);
	fputs("</header>\n", fp);
}

void
report_html(FILE *fp, const struct report_figures *f,
    const struct report_page *page)
{
	size_t	 i;

	report_html_head(fp, f, page);
	report_html_summary(fp, f);
	if (f->city != NULL && f->commune == NULL)
		report_html_communes(fp, f);
	for (i = 0; i < REPORT_HTML_NSECTIONS; i++)
		report_html_section(fp, f, &report_html_sections[i]);
	fputs("<footer><p class=\"meta\">tincay — tincayctl stats --format "
	    "html</p></footer>\n</body>\n</html>\n", fp);
}
