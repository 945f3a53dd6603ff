/*
 * ctl_stats.c: stats [--from] [--to] [--format text|csv|json|html]
 * [--suppress K] [--table T]: the figures of a period in the commune's
 * time zone, for the monthly report to the city, gathered once (the
 * core's report.c) and printed by the chosen format (csv: report.c,
 * html: report_html.c, shared with the console's month).
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ctl.h"

/* A count under --suppress: a number, or the string "<k", or "*" for a
 * cell hidden as a complement (hide). */
static cJSON *
ctl_json_cell(const struct report_figures *f, int64_t n, unsigned char hide)
{
	char	 shown[24];
	cJSON	*item;

	if (hide != SUPPRESS_SHOWN || (f->k > 1 && n >= 1 && n < f->k)) {
		report_cell(f, n, hide, shown, sizeof(shown));
		item = cJSON_CreateString(shown);
	} else
		item = cJSON_CreateNumber((double)n);
	if (item == NULL)
		fatalx("out of memory");
	return item;
}

static cJSON *
ctl_json_count(const struct report_figures *f, int64_t n)
{
	return ctl_json_cell(f, n, SUPPRESS_SHOWN);
}

static void
ctl_json_set(cJSON *o, const char *key, cJSON *item)
{
	if (item == NULL || !cJSON_AddItemToObject(o, key, item))
		fatalx("out of memory");
}

static cJSON *
ctl_json_median(int64_t s)
{
	return s < 0 ? cJSON_CreateNull() : cJSON_CreateNumber((double)s);
}

/* A city's: {code: {median_ack_s, median_close_s}}, by_commune's
 * codes; null: none, or hidden under --suppress. */
static cJSON *
ctl_json_medians_by(const struct report_figures *f)
{
	const struct report_tally	*t = &f->by[REPORT_BY_COMMUNE];
	struct casework_medians	 m;
	cJSON			*o, *one;
	size_t			 i;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < t->n; i++) {
		report_commune_medians(f, t->v[i].key, &m);
		if ((one = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		ctl_json_set(one, "median_ack_s",
		    ctl_json_median(m.median_ack_s));
		ctl_json_set(one, "median_close_s",
		    ctl_json_median(m.median_close_s));
		ctl_json_set(o, t->v[i].key, one);
	}
	return o;
}

static void
ctl_stats_json(const struct report_figures *f, int table)
{
	cJSON	*o, *by, *rows, *r;
	char	*out;
	size_t	 i, b;

	if ((o = cJSON_CreateObject()) == NULL ||
	    (rows = cJSON_CreateArray()) == NULL)
		fatalx("out of memory");
	ctl_json_set(o, "from", cJSON_CreateString(f->from));
	ctl_json_set(o, "to", cJSON_CreateString(f->to));
	ctl_json_set(o, "timezone", cJSON_CreateString(f->conf->timezone));
	if (f->commune != NULL)
		ctl_json_set(o, "commune", cJSON_CreateString(f->commune));
	for (b = 0; b < REPORT_BY__MAX; b++) {
		if (b == REPORT_BY_COMMUNE && !report_is_city(f))
			continue;
		if ((by = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		for (i = 0; i < f->by[b].n; i++)
			ctl_json_set(by, f->by[b].v[i].key,
			    ctl_json_cell(f, f->by[b].v[i].n,
			    f->by[b].v[i].hide));
		ctl_json_set(o, report_bys[b].json, by);
	}
	for (i = 0; i < f->rows.n; i++) {
		const struct report_group *w = &f->rows.v[i];

		if (w->status == NULL)
			continue;
		if ((r = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		if (report_is_city(f))
			ctl_json_set(r, "commune", cJSON_CreateString(w->commune));
		ctl_json_set(r, "area", w->area ?
		    cJSON_CreateString(w->area) : cJSON_CreateNull());
		ctl_json_set(r, "category", cJSON_CreateString(w->category));
		ctl_json_set(r, "status", cJSON_CreateString(w->status));
		ctl_json_set(r, "count", ctl_json_cell(f, w->n, w->hide));
		cJSON_AddItemToArray(rows, r);
	}
	ctl_json_set(o, "rows", rows);
	ctl_json_set(o, "reports", ctl_json_count(f, f->reports));
	ctl_json_set(o, "signups", ctl_json_count(f, f->signups));
	ctl_json_set(o, "median_ack_s", ctl_json_median(f->cw.median_ack_s));
	ctl_json_set(o, "median_close_s",
	    ctl_json_median(f->cw.median_close_s));
	if (report_is_city(f))
		ctl_json_set(o, "medians_by_commune", ctl_json_medians_by(f));
	if ((out = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory");
	printf("%s\n", out);
	free(out);
	cJSON_Delete(o);
}

/* The text table's area column: 10, or a city's longest key. */
static int
ctl_area_width(const struct report_figures *f)
{
	size_t	 i, w = 10;

	for (i = 0; report_is_city(f) && i < f->by[REPORT_BY_AREA].n; i++)
		if (strlen(f->by[REPORT_BY_AREA].v[i].key) > w)
			w = strlen(f->by[REPORT_BY_AREA].v[i].key);
	return (int)w;
}

/* One line of the text table: counts by status, then the total. */
static void
ctl_stats_line(const struct report_figures *f, const char *area,
    const char *category, const int64_t *n, const unsigned char *hide,
    unsigned char total_hide)
{
	char	 shown[24];
	int64_t	 total = 0;
	int	 k;

	printf("%-*s %-9s", ctl_area_width(f), area, category);
	for (k = 0; k < STATS__MAX; k++) {
		report_cell(f, n[k], hide[k], shown, sizeof(shown));
		printf(" %*s", k == STATS_ACKNOWLEDGED ? 12 : 9, shown);
		total += n[k];
	}
	report_cell(f, total, total_hide, shown, sizeof(shown));
	printf(" %9s\n", shown);
}

/* The area x category x status table, as it always was. */
static void
ctl_stats_table(const struct report_figures *f)
{
	static const char *const cats[] = { "gbv", "shelter", "unknown" };
	const struct report_group *v = f->rows.v;
	int64_t	 sum[STATS__MAX], all[STATS__MAX];
	unsigned char hide[STATS__MAX];
	size_t	 i, j, c;
	int	 k;

	printf("%-*s %-9s", ctl_area_width(f), "area", "category");
	for (k = 0; k < STATS__MAX; k++)
		printf(" %*s", k == STATS_ACKNOWLEDGED ? 12 : 9,
		    stats_status_name((enum stats_status)k));
	printf(" %9s\n", "total");
	/* The statement orders rows by area (a city's: by commune and
	 * area), category: one line each. */
	for (i = 0; i < f->rows.n; i = j) {
		memset(sum, 0, sizeof(sum));
		memset(hide, SUPPRESS_SHOWN, sizeof(hide));
		for (j = i; j < f->rows.n && v[j].status != NULL &&
		    strcmp(v[j].category, v[i].category) == 0 &&
		    strcmp(v[j].key, v[i].key) == 0; j++)
			if ((k = stats_status_lookup(v[j].status)) != -1) {
				sum[k] += v[j].n;
				hide[k] = v[j].hide;
			}
		if (j == i) {		/* a signup row */
			j = i + 1;
			continue;
		}
		ctl_stats_line(f, v[i].key, v[i].category, sum, hide,
		    report_sum_hide(f, v[i].key, v[i].category, -1));
	}
	memset(all, 0, sizeof(all));
	for (c = 0; c < sizeof(cats) / sizeof(cats[0]); c++) {
		memset(sum, 0, sizeof(sum));
		for (k = 0; k < STATS__MAX; k++)
			hide[k] = report_sum_hide(f, NULL, cats[c], k);
		for (i = 0; i < f->rows.n; i++)
			if (v[i].status != NULL &&
			    strcmp(v[i].category, cats[c]) == 0 &&
			    (k = stats_status_lookup(v[i].status)) != -1) {
				sum[k] += v[i].n;
				all[k] += v[i].n;
			}
		ctl_stats_line(f, "all", cats[c], sum, hide,
		    report_sum_hide(f, NULL, cats[c], -1));
	}
	for (k = 0; k < STATS__MAX; k++)
		hide[k] = f->by[REPORT_BY_STATUS].v[k].hide;
	ctl_stats_line(f, "all", "all", all, hide, SUPPRESS_SHOWN);
}

/* A name from the config, on the operator's terminal: text only. */
static void
ctl_put_name(const char *s)
{
	char	*shown = text_screen(s, strlen(s));

	fputs(shown, stdout);
	free(shown);
}

/* "name: key n, key n" */
static void
ctl_text_tally(const struct report_figures *f, const char *name,
    const struct report_tally *t)
{
	char	 shown[24];
	size_t	 i;

	printf("%s:", name);
	for (i = 0; i < t->n; i++) {
		report_cell(f, t->v[i].n, t->v[i].hide, shown, sizeof(shown));
		printf("%s %s %s", i ? "," : "", t->v[i].key, shown);
	}
	putchar('\n');
}

static void
ctl_text_median(const struct report_figures *f, const char *what, int64_t s,
    int64_t n)
{
	char	 d[48], shown[24];

	if (s < 0) {
		printf("median time to %s: none\n", what);
		return;
	}
	casework_duration(s, 0, d, sizeof(d));
	report_shown(f, n, shown, sizeof(shown));
	printf("median time to %s: %s (%lld s, %s %s)\n", what, d,
	    (long long)s, shown, strcmp(shown, "1") == 0 ? "report" :
	    "reports");
}

/* A median of a commune's table: its duration, "hidden", or "none". */
static void
ctl_text_span(int64_t s, int hidden, char *out, size_t outlen)
{
	if (hidden)
		util_strlcpy(out, "hidden", outlen);
	else if (s < 0)
		util_strlcpy(out, "none", outlen);
	else
		casework_duration(s, 0, out, outlen);
}

/* A city's communes: each one's reports and medians, then its name. */
static void
ctl_text_communes(const struct report_figures *f)
{
	const struct report_tally	*t = &f->by[REPORT_BY_COMMUNE];
	struct casework_medians	 m;
	char			 shown[24], ack[48], done[48];
	size_t			 i;
	int			 hidden, w = 8;

	for (i = 0; i < t->n; i++)
		if ((int)strlen(t->v[i].key) > w)
			w = (int)strlen(t->v[i].key);
	printf("\n%-*s %9s  %-22s %-22s %s\n", w, "commune", "reports",
	    "median to acknowledge", "median to close", "name");
	for (i = 0; i < t->n; i++) {
		hidden = report_commune_medians(f, t->v[i].key, &m);
		report_cell(f, t->v[i].n, t->v[i].hide, shown, sizeof(shown));
		ctl_text_span(m.median_ack_s, hidden, ack, sizeof(ack));
		ctl_text_span(m.median_close_s, hidden, done, sizeof(done));
		printf("%-*s %9s  %-22s %-22s ", w, *t->v[i].key != '\0' ?
		    t->v[i].key : "-", shown, ack, done);
		ctl_put_name(report_commune_name(f, t->v[i].key, 0));
		putchar('\n');
	}
}

static void
ctl_stats_text(const struct report_figures *f, int table)
{
	const struct report_tally	*sub = &f->by[REPORT_BY_SIGNUPS];
	char			 shown[24];
	size_t			 i, b;

	printf("reports created %s .. %s (%s)\n", f->from, f->to,
	    f->conf->timezone);
	if (f->commune != NULL) {
		printf("commune %s: ", f->commune);
		ctl_put_name(report_commune_name(f, f->commune, 0));
		putchar('\n');
	} else if (f->city != NULL)
		printf("the city: %zu communes, each hamlet as COMMUNE.AREA\n",
		    f->city->ncommunes);
	putchar('\n');
	ctl_stats_table(f);
	report_shown(f, f->signups, shown, sizeof(shown));
	printf("\nsignups: %s", shown);
	for (i = 0; i < sub->n; i++) {
		report_cell(f, sub->v[i].n, sub->v[i].hide, shown,
		    sizeof(shown));
		printf("%s%s %s", i ? ", " : " (", sub->v[i].key, shown);
	}
	printf("%s\n\n", sub->n ? ")" : "");
	for (b = 0; b < REPORT_BY__MAX; b++)
		if (report_bys[b].line)
			ctl_text_tally(f, report_bys[b].name, &f->by[b]);
	ctl_text_median(f, "acknowledge", f->cw.median_ack_s, f->cw.acked);
	ctl_text_median(f, "close", f->cw.median_close_s, f->cw.closed);
	if (report_is_city(f))
		ctl_text_communes(f);
	if (f->k > 1)
		printf("counts from 1 to %d shown as <%d, and * hidden with "
		    "them so that no total gives one back\n", f->k - 1, f->k);
	if (f->k > 1 && report_is_city(f))
		printf("a commune's medians of 1 to %d reports are hidden\n",
		    f->k - 1);
	printf("made %s (%s)\n", f->made, f->conf->timezone);
}

static void
ctl_stats_csv(const struct report_figures *f, int table)
{
	report_csv(stdout, f, table);
}

static void
ctl_stats_html(const struct report_figures *f, int table)
{
	report_html(stdout, f, NULL);
}

static const struct {
	const char	*name;
	void		(*fn)(const struct report_figures *, int table);
} ctl_formats[] = {
	{ "text", ctl_stats_text },
	{ "csv", ctl_stats_csv },
	{ "json", ctl_stats_json },
	{ "html", ctl_stats_html },
};
#define CTL_NFORMATS	(sizeof(ctl_formats) / sizeof(ctl_formats[0]))

/* --table NAME: rows, medians or a breakdown's name; -1 if none. */
static int
ctl_table(const char *name)
{
	int	 b;

	if (strcmp(name, "rows") == 0)
		return REPORT_TABLE_ROWS;
	if (strcmp(name, "medians") == 0)
		return REPORT_TABLE_MEDIANS;
	for (b = 0; b < REPORT_BY__MAX; b++)
		if (strcmp(name, report_bys[b].name) == 0)
			return b;
	return -1;
}

/* --suppress K: 1..1000, or -1. */
static int
ctl_suppress(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > 4 || strspn(s, "0123456789") != n ||
	    atoi(s) < 1 || atoi(s) > 1000)
		return -1;
	return atoi(s);
}

/*
 * stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format F] [--suppress K]
 * [--table T] [--commune CODE]: reports created in the period, by area,
 * category and status, by month, the victim's sex and age and the
 * outcome, with the median times to acknowledge and to close, and the
 * campaign signups made in it. Dates are the commune's (conf->timezone),
 * --to inclusive. Neither: this month. --from alone: until today. --to
 * alone: from the first of its month. In a city's config (SPEC §11):
 * --commune's, or the city's with a table by commune.
 */
int
ctl_stats(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "suppress", required_argument, NULL, 'k' },
		{ "table", required_argument, NULL, 'T' },
		{ "commune", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_figures	 f;
	const char		*tz = c->conf->timezone, *fromarg = NULL;
	const char		*toarg = NULL, *commune = NULL;
	int			 ch, fy, fm, fd, ty, tm, td, y, m, d, k = 0;
	int			 table = REPORT_TABLE_ROWS, tabled = 0;
	size_t			 fmt = 0;
	int64_t			 t0, t1;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'f': fromarg = optarg; break;
		case 't': toarg = optarg; break;
		case 'F':
			for (fmt = 0; fmt < CTL_NFORMATS; fmt++)
				if (strcmp(optarg, ctl_formats[fmt].name) == 0)
					break;
			if (fmt == CTL_NFORMATS) {
				fprintf(stderr, "tincayctl: stats: --format "
				    "must be text, csv, json or html\n");
				return -1;
			}
			break;
		case 'k':
			if ((k = ctl_suppress(optarg)) == -1) {
				fprintf(stderr, "tincayctl: stats: --suppress "
				    "'%s' is not a count from 1 to 1000\n",
				    optarg);
				return -1;
			}
			break;
		case 'T':
			if ((table = ctl_table(optarg)) == -1) {
				fprintf(stderr, "tincayctl: stats: --table "
				    "'%s': rows, medians, category, status, "
				    "area, signups, month, sex, age, outcome "
				    "or (a city's) commune\n", optarg);
				return -1;
			}
			tabled = 1;
			break;
		case 'C':
			if ((commune = ctl_commune(c->conf, "stats",
			    optarg)) == NULL)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tincayctl: stats: unexpected '%s'\n",
		    argv[optind]);
		return -1;
	}
	if (tabled && ctl_formats[fmt].fn != ctl_stats_csv) {
		fprintf(stderr, "tincayctl: stats: --table is for --format "
		    "csv\n");
		return -1;
	}
	if (table == REPORT_BY_COMMUNE && (c->conf->ncommunes == 0 ||
	    commune != NULL)) {
		fprintf(stderr, "tincayctl: stats: --table commune is for a "
		    "city's report (a config with communes, no --commune)\n");
		return -1;
	}
	if (fromarg && report_date(fromarg, &fy, &fm, &fd) == -1) {
		fprintf(stderr, "tincayctl: stats: --from '%s' is not a date "
		    "YYYY-MM-DD\n", fromarg);
		return -1;
	}
	if (toarg && report_date(toarg, &ty, &tm, &td) == -1) {
		fprintf(stderr, "tincayctl: stats: --to '%s' is not a date "
		    "YYYY-MM-DD\n", toarg);
		return -1;
	}
	if (tz_date(tz, util_now(), &y, &m, &d) == -1) {
		fprintf(stderr, "tincayctl: stats: no local date in %s\n", tz);
		return -1;
	}
	if (!fromarg && !toarg) {
		fy = ty = y;
		fm = tm = m;
		fd = 1;
		td = report_month_days(ty, tm);
	} else if (!toarg) {
		ty = y;
		tm = m;
		td = d;
	} else if (!fromarg) {
		fy = ty;
		fm = tm;
		fd = 1;
	}
	memset(&f, 0, sizeof(f));
	/* A commune's report is its config's (its hamlets, its name); a
	 * city's, the top level's, over every commune (SPEC §11). */
	f.conf = config_scoped(c->conf, commune);
	f.city = c->conf->ncommunes > 0 ? c->conf : NULL;
	f.commune = commune;
	f.k = k;
	snprintf(f.from, sizeof(f.from), "%04d-%02d-%02d", fy, fm, fd);
	snprintf(f.to, sizeof(f.to), "%04d-%02d-%02d", ty, tm, td);
	if (strcmp(f.from, f.to) > 0) {
		fprintf(stderr, "tincayctl: stats: --from %s is after --to "
		    "%s\n", f.from, f.to);
		return -1;
	}
	if ((t0 = tz_midnight(tz, fy, fm, fd)) == -1 ||
	    (t1 = tz_midnight(tz, ty, tm, td + 1)) == -1) {
		fprintf(stderr, "tincayctl: stats: dates out of range\n");
		return -1;
	}
	if (report_fill(c->st, &f, t0, t1) == -1) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		report_clear(&f);
		return -1;
	}
	ctl_formats[fmt].fn(&f, table);
	report_clear(&f);
	return 0;
}
