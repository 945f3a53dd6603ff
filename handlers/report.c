/*
 * report.c: the report to the city (SPEC §6a, §7, §11): the figures of a
 * period in the commune's time zone, gathered once (the rows, each
 * breakdown, the medians, the suppression of small counts) and written as
 * CSV here, as HTML by report_html.c; tincayctl stats and the console's
 * month (SPEC §12) print the same.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

int
report_month_days(int y, int m)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int	 leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

/* A date YYYY-MM-DD that exists. 0, or -1. */
int
report_date(const char *s, int *y, int *m, int *d)
{
	int	 i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' :
		    !isdigit((unsigned char)s[i]))
			return -1;
	if (s[10] != '\0')
		return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*y < 1970 || *m < 1 || *m > 12)
		return -1;
	return *d >= 1 && *d <= report_month_days(*y, *m) ? 0 : -1;
}

/* Each breakdown: its JSON key, its name for --table and in the text, and
 * whether the text prints it on a line of its own (the others are in the
 * table). */
const struct report_by_name report_bys[REPORT_BY__MAX] = {
	[REPORT_BY_CATEGORY] =	{ "by_category", "category", 0 },
	[REPORT_BY_STATUS] =	{ "by_status", "status", 0 },
	[REPORT_BY_AREA] =		{ "by_area", "area", 0 },
	[REPORT_BY_SIGNUPS] =	{ "signups_by_area", "signups", 0 },
	[REPORT_BY_MONTH] =	{ "by_month", "month", 1 },
	[REPORT_BY_SEX] =		{ "by_sex", "sex", 1 },
	[REPORT_BY_AGE] =		{ "by_age", "age", 1 },
	[REPORT_BY_OUTCOME] =	{ "by_outcome", "outcome", 1 },
	[REPORT_BY_COMMUNE] =	{ "by_commune", "commune", 0 },
};


void
report_shown(const struct report_figures *f, int64_t n, char *out, size_t outlen)
{
	stats_shown(n, f->k, out, outlen);
}

void
report_cell(const struct report_figures *f, int64_t n, unsigned char hide,
    char *out, size_t outlen)
{
	suppress_shown(n, f->k, hide, out, outlen);
}

/* Add n to key's count, appending key if it is new. */
static void
report_tally_add(struct report_tally *t, const char *key, int64_t n)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0) {
			t->v[i].n += n;
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n].key = xstrdup(key);
	t->v[t->n].hide = SUPPRESS_SHOWN;
	t->v[t->n++].n = n;
}

static void
report_tally_keys(struct report_tally *t, const struct casework_key *keys,
    const int64_t *n, size_t nkeys)
{
	size_t	 i;

	for (i = 0; i < nkeys; i++)
		report_tally_add(t, keys[i].key, n[i]);
}

/* An area's key in by[]: "T3" or "unknown"; in a city's report, of
 * commune's: "CODE.T3", "CODE.unknown" (one of no commune as "T3").
 * malloc'd. */
static char *
report_area_key(const struct report_figures *f, const char *commune,
    const char *area)
{
	if (area == NULL)
		area = "unknown";
	if (f->city == NULL || f->commune != NULL || commune == NULL ||
	    *commune == '\0')
		return xstrdup(area);
	return xasprintf("%s.%s", commune, area);
}

static int
report_rows_add(const struct stats_row *r, void *arg)
{
	struct report_figures	*f = arg;
	struct report_groups		*t = &f->rows;
	struct report_group		*w;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	w = &t->v[t->n++];
	w->commune = f->city != NULL && f->commune == NULL ?
	    xstrdup(r->commune) : NULL;
	w->area = r->area ? xstrdup(r->area) : NULL;
	w->key = report_area_key(f, r->commune, r->area);
	w->category = xstrdup(r->category);
	w->status = r->status ? xstrdup(r->status) : NULL;
	w->n = r->n;
	w->hide = SUPPRESS_SHOWN;
	return 0;
}

static int
report_month_add(int y, int m, int64_t n, void *arg)
{
	char	 key[16];

	snprintf(key, sizeof(key), "%04d-%02d", y, m);
	report_tally_add(arg, key, n);
	return 0;
}

void
report_clear(struct report_figures *f)
{
	size_t	 i, b;

	for (i = 0; i < f->rows.n; i++) {
		free(f->rows.v[i].commune);
		free(f->rows.v[i].area);
		free(f->rows.v[i].key);
		free(f->rows.v[i].category);
		free(f->rows.v[i].status);
	}
	free(f->rows.v);
	for (i = 0; i < f->nhamlets; i++)
		free(f->hamlets[i].key);
	free(f->hamlets);
	casework_clear(&f->cw);
	free(f->line_hide);
	free(f->all_hide);
	for (b = 0; b < REPORT_BY__MAX; b++) {
		for (i = 0; i < f->by[b].n; i++)
			free(f->by[b].v[i].key);
		free(f->by[b].v);
	}
	memset(f, 0, sizeof(*f));
}

/* The index of key in t, or -1. */
static int
report_tally_index(const struct report_tally *t, const char *key)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return (int)i;
	return -1;
}

/*
 * The report rows as a cube, area x category x status (zeros too), with
 * every sum some output shows as a cell of its own: an area's category
 * (the text's line totals), a category's status (its "all" lines), an
 * area, a category, a status; in a city's report a commune too, the sum
 * of its hamlets (SPEC §11). Each sum and what it sums is a line of
 * suppress.c: no hidden cell is ever the only one hidden among them, so
 * no commune's count comes back as the city's total less the others.
 */
struct report_cube {
	size_t		 na, nc, ns, nm;
	size_t		 x, t, mcs, ma, mc, ms, mm, n;	/* where each starts */
	int64_t		*v;
	unsigned char	*mark;
	int		*commune;	/* an area's commune (by[] index), -1 */
};

static size_t
report_cube_x(const struct report_cube *q, size_t a, size_t c, size_t s)
{
	return q->x + (a * q->nc + c) * q->ns + s;
}

/* The cells of one sum and the sum itself: a line. */
static void
report_cube_line(struct suppress *sp, size_t *line, size_t n, size_t sum)
{
	line[n++] = sum;
	suppress_line(sp, line, n);
}

static void
report_cube_lines(const struct report_cube *q, struct suppress *sp)
{
	size_t	*l = xcalloc(q->n + 1, sizeof(*l)), a, c, s, n;

	for (a = 0; a < q->na; a++)
		for (c = 0; c < q->nc; c++) {
			for (s = 0; s < q->ns; s++)
				l[s] = report_cube_x(q, a, c, s);
			report_cube_line(sp, l, q->ns, q->t + a * q->nc + c);
		}
	for (c = 0; c < q->nc; c++)
		for (s = 0; s < q->ns; s++) {
			for (a = 0; a < q->na; a++)
				l[a] = report_cube_x(q, a, c, s);
			report_cube_line(sp, l, q->na, q->mcs + c * q->ns + s);
		}
	for (a = 0; a < q->na; a++) {
		for (c = 0; c < q->nc; c++)
			l[c] = q->t + a * q->nc + c;
		report_cube_line(sp, l, q->nc, q->ma + a);
	}
	for (c = 0; c < q->nc; c++) {
		for (a = 0; a < q->na; a++)
			l[a] = q->t + a * q->nc + c;
		report_cube_line(sp, l, q->na, q->mc + c);
		for (s = 0; s < q->ns; s++)
			l[s] = q->mcs + c * q->ns + s;
		report_cube_line(sp, l, q->ns, q->mc + c);
	}
	for (s = 0; s < q->ns; s++) {
		for (c = 0; c < q->nc; c++)
			l[c] = q->mcs + c * q->ns + s;
		report_cube_line(sp, l, q->nc, q->ms + s);
	}
	/* The margins themselves sum to the reports, shown exactly. */
	for (n = 0; n < q->na; n++)
		l[n] = q->ma + n;
	suppress_line(sp, l, q->na);
	for (n = 0; n < q->nc; n++)
		l[n] = q->mc + n;
	suppress_line(sp, l, q->nc);
	for (n = 0; n < q->ns; n++)
		l[n] = q->ms + n;
	suppress_line(sp, l, q->ns);
	/* A commune is its hamlets; the communes are the reports. */
	for (c = 0; c < q->nm; c++) {
		for (a = n = 0; a < q->na; a++)
			if (q->commune[a] == (int)c)
				l[n++] = q->ma + a;
		report_cube_line(sp, l, n, q->mm + c);
	}
	for (n = 0; n < q->nm; n++)
		l[n] = q->mm + n;
	if (q->nm > 0)
		suppress_line(sp, l, q->nm);
	free(l);
}

/* Fill the cube's cells from the report rows, and every sum. */
static void
report_cube_fill(struct report_cube *q, const struct report_figures *f)
{
	const struct report_group	*w;
	size_t			 i, a, c, s;
	int			 ai, ci, si, mi;

	q->na = f->by[REPORT_BY_AREA].n;
	q->nc = f->by[REPORT_BY_CATEGORY].n;
	q->ns = STATS__MAX;
	q->x = 0;
	q->t = q->x + q->na * q->nc * q->ns;
	q->mcs = q->t + q->na * q->nc;
	q->ma = q->mcs + q->nc * q->ns;
	q->mc = q->ma + q->na;
	q->ms = q->mc + q->nc;
	q->nm = f->by[REPORT_BY_COMMUNE].n;
	q->mm = q->ms + q->ns;
	q->n = q->mm + q->nm;
	q->v = xcalloc(q->n + 1, sizeof(*q->v));
	q->mark = xcalloc(q->n + 1, 1);
	q->commune = xcalloc(q->na + 1, sizeof(*q->commune));
	for (a = 0; a < q->na; a++)
		q->commune[a] = -1;
	for (i = 0; i < f->rows.n; i++) {
		w = &f->rows.v[i];
		if (w->status == NULL ||
		    (ai = report_tally_index(&f->by[REPORT_BY_AREA], w->key)) == -1 ||
		    (ci = report_tally_index(&f->by[REPORT_BY_CATEGORY],
		    w->category)) == -1 ||
		    (si = stats_status_lookup(w->status)) == -1)
			continue;
		a = (size_t)ai;
		c = (size_t)ci;
		s = (size_t)si;
		q->v[report_cube_x(q, a, c, s)] += w->n;
		q->v[q->t + a * q->nc + c] += w->n;
		q->v[q->mcs + c * q->ns + s] += w->n;
		q->v[q->ma + a] += w->n;
		q->v[q->mc + c] += w->n;
		q->v[q->ms + s] += w->n;
		if (w->commune != NULL && (mi = report_tally_index(
		    &f->by[REPORT_BY_COMMUNE], w->commune)) != -1) {
			q->v[q->mm + (size_t)mi] += w->n;
			q->commune[a] = mi;
		}
	}
}

/*
 * --suppress K (SPEC §6, §7): the report rows and their sums are the
 * cube above; each other breakdown (month, sex, age, outcome, signups) is
 * a table whose total is shown. Marks go to the rows, the tallies and
 * the text table's sums; a signup row takes its area's.
 */
static void
report_figures_suppress(struct report_figures *f)
{
	struct report_cube		 q;
	struct report_tally	*t;
	struct suppress		*sp;
	struct report_group		*w;
	unsigned char		*mark;
	int64_t			*v;
	size_t			 b, i, max = 1;
	int			 ai, ci, si;

	if (f->k <= 1)
		return;
	memset(&q, 0, sizeof(q));
	report_cube_fill(&q, f);
	sp = suppress_new(q.v, q.n, f->k);
	report_cube_lines(&q, sp);
	suppress_run(sp, q.mark);
	suppress_free(sp);
	for (i = 0; i < f->by[REPORT_BY_AREA].n; i++)
		f->by[REPORT_BY_AREA].v[i].hide = q.mark[q.ma + i];
	for (i = 0; i < f->by[REPORT_BY_CATEGORY].n; i++)
		f->by[REPORT_BY_CATEGORY].v[i].hide = q.mark[q.mc + i];
	for (i = 0; i < f->by[REPORT_BY_STATUS].n && i < q.ns; i++)
		f->by[REPORT_BY_STATUS].v[i].hide = q.mark[q.ms + i];
	for (i = 0; i < f->by[REPORT_BY_COMMUNE].n; i++)
		f->by[REPORT_BY_COMMUNE].v[i].hide = q.mark[q.mm + i];
	f->line_hide = xcalloc(q.na * q.nc + 1, 1);
	memcpy(f->line_hide, q.mark + q.t, q.na * q.nc);
	f->all_hide = xcalloc(q.nc * q.ns + 1, 1);
	memcpy(f->all_hide, q.mark + q.mcs, q.nc * q.ns);

	for (b = 0; b < REPORT_BY__MAX; b++)
		max = f->by[b].n > max ? f->by[b].n : max;
	v = xcalloc(max, sizeof(*v));
	mark = xcalloc(max, 1);
	for (b = 0; b < REPORT_BY__MAX; b++) {
		if (b == REPORT_BY_AREA || b == REPORT_BY_CATEGORY ||
		    b == REPORT_BY_STATUS || b == REPORT_BY_COMMUNE)
			continue;
		t = &f->by[b];
		for (i = 0; i < t->n; i++)
			v[i] = t->v[i].n;
		suppress_table(v, t->n, f->k, mark);
		for (i = 0; i < t->n; i++)
			t->v[i].hide = mark[i];
	}
	free(mark);
	free(v);
	for (i = 0; i < f->rows.n; i++) {
		w = &f->rows.v[i];
		ai = report_tally_index(&f->by[w->status != NULL ? REPORT_BY_AREA :
		    REPORT_BY_SIGNUPS], w->key);
		if (ai == -1)
			continue;
		if (w->status == NULL)
			w->hide = f->by[REPORT_BY_SIGNUPS].v[ai].hide;
		else if ((ci = report_tally_index(&f->by[REPORT_BY_CATEGORY],
		    w->category)) != -1 &&
		    (si = stats_status_lookup(w->status)) != -1)
			w->hide = q.mark[report_cube_x(&q, (size_t)ai, (size_t)ci,
			    (size_t)si)];
	}
	free(q.v);
	free(q.mark);
	free(q.commune);
}

unsigned char
report_sum_hide(const struct report_figures *f, const char *area,
    const char *category, int s)
{
	int	 ai, ci;

	if (f->line_hide == NULL ||
	    (ci = report_tally_index(&f->by[REPORT_BY_CATEGORY], category)) == -1)
		return SUPPRESS_SHOWN;
	if (area == NULL)
		return s == -1 ? f->by[REPORT_BY_CATEGORY].v[ci].hide :
		    f->all_hide[(size_t)ci * STATS__MAX + (size_t)s];
	if ((ai = report_tally_index(&f->by[REPORT_BY_AREA], area)) == -1)
		return SUPPRESS_SHOWN;
	return f->line_hide[(size_t)ai * f->by[REPORT_BY_CATEGORY].n +
	    (size_t)ci];
}

/* The hamlets of conf in its order into f->hamlets, keyed for f. */
static void
report_hamlets_of(struct report_figures *f, const struct config *conf,
    const char *commune)
{
	size_t	 i;

	f->hamlets = xrealloc(f->hamlets, (f->nhamlets + conf->nareas + 1) *
	    sizeof(*f->hamlets));
	for (i = 0; i < conf->nareas; i++) {
		f->hamlets[f->nhamlets].key = report_area_key(f, commune,
		    conf->areas[i].code);
		f->hamlets[f->nhamlets++].name = conf->areas[i].name;
	}
}

/*
 * The hamlets the report lists: the config's, the commune's; a city's,
 * every commune's in turn. And a city's communes, every one (none
 * reported is news too), then "*", the city's reports nobody placed.
 */
static void
report_places(struct report_figures *f)
{
	const struct config	*city = f->city;
	size_t			 i;

	if (city == NULL || f->commune != NULL) {
		report_hamlets_of(f, f->conf, NULL);
		return;
	}
	for (i = 0; i < city->ncommunes; i++) {
		report_hamlets_of(f, city->communes[i].cf,
		    city->communes[i].code);
		report_tally_add(&f->by[REPORT_BY_COMMUNE], city->communes[i].code,
		    0);
	}
	report_tally_add(&f->by[REPORT_BY_COMMUNE], "*", 0);
}

const char *
report_commune_name(const struct report_figures *f, const char *code, int vi)
{
	const struct commune	*cm;

	if (strcmp(code, "*") == 0)
		return vi ? "Chưa rõ xã" : "(no commune told yet)";
	if (*code == '\0')
		return vi ? "Trước khi chia xã" : "(from before the communes)";
	cm = f->city != NULL ? config_commune(f->city, code) : NULL;
	return cm != NULL ? cm->name : code;
}

int
report_commune_medians(const struct report_figures *f, const char *code,
    struct casework_medians *m)
{
	casework_of(&f->cw, code, m);
	/* A median of one or two reports is theirs: as a hamlet's count. */
	if (f->k > 1 && ((m->acked >= 1 && m->acked < f->k) ||
	    (m->closed >= 1 && m->closed < f->k))) {
		m->median_ack_s = m->median_close_s = -1;
		return 1;
	}
	return 0;
}

/*
 * Everything stats says about [t0, t1): the rows, then each breakdown;
 * of f->commune's reports only, or (f->city) of every commune's, each
 * counted in its commune.
 */
int
report_fill(struct store *st, struct report_figures *f, int64_t t0,
    int64_t t1)
{
	const char	*tz = f->conf->timezone, *cm = f->commune;
	size_t		 i;
	int		 k;

	report_places(f);
	if (stats_rows(st, t0, t1, cm, NULL, report_rows_add, f) == -1 ||
	    stats_signups(st, t0, t1, cm, NULL, report_rows_add, f) == -1 ||
	    casework_count(st, t0, t1, cm, &f->cw) == -1 ||
	    casework_months(st, tz, t0, t1, cm, report_month_add,
	    &f->by[REPORT_BY_MONTH]) == -1)
		return -1;
	report_tally_add(&f->by[REPORT_BY_CATEGORY], "gbv", 0);
	report_tally_add(&f->by[REPORT_BY_CATEGORY], "shelter", 0);
	for (k = 0; k < STATS__MAX; k++)
		report_tally_add(&f->by[REPORT_BY_STATUS],
		    stats_status_name((enum stats_status)k), 0);
	for (i = 0; i < f->rows.n; i++) {
		const struct report_group *w = &f->rows.v[i];

		if (w->status == NULL) {
			f->signups += w->n;
			report_tally_add(&f->by[REPORT_BY_SIGNUPS], w->key, w->n);
			continue;
		}
		f->reports += w->n;
		report_tally_add(&f->by[REPORT_BY_CATEGORY], w->category, w->n);
		report_tally_add(&f->by[REPORT_BY_STATUS], w->status, w->n);
		report_tally_add(&f->by[REPORT_BY_AREA], w->key, w->n);
		if (w->commune != NULL)
			report_tally_add(&f->by[REPORT_BY_COMMUNE], w->commune,
			    w->n);
	}
	report_tally_keys(&f->by[REPORT_BY_SEX], casework_sexes, f->cw.sex,
	    CASEWORK_SEXES);
	report_tally_keys(&f->by[REPORT_BY_AGE], casework_ages, f->cw.age,
	    CASEWORK_AGES);
	report_tally_keys(&f->by[REPORT_BY_OUTCOME], casework_outcomes,
	    f->cw.outcome, CASEWORK_OUTCOMES);
	tz_format(tz, util_now(), f->made, sizeof(f->made));
	report_figures_suppress(f);
	return 0;
}

int
report_is_city(const struct report_figures *f)
{
	return f->city != NULL && f->commune == NULL;
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void
report_csv_field(FILE *fp, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	putc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

/* A median for CSV and JSON: "" / null when there is none. */
static void
report_csv_median(FILE *fp, const char *what, int64_t s, int64_t n,
    const struct report_figures *f)
{
	char	 shown[24];

	report_shown(f, n, shown, sizeof(shown));
	if (s < 0)
		fprintf(fp, "%s,,%s\n", what, shown);
	else
		fprintf(fp, "%s,%lld,%s\n", what, (long long)s, shown);
}

/* A city's medians: the city's ("all"), then each commune's, in the
 * order of by_commune; a median hidden under --suppress is empty. */
static void
report_csv_medians_by(FILE *fp, const struct report_figures *f)
{
	const struct report_tally	*t = &f->by[REPORT_BY_COMMUNE];
	struct casework_medians	 m;
	size_t			 i;

	fprintf(fp, "commune,span,median_s,reports\n");
	fprintf(fp, "all,");
	report_csv_median(fp, "acknowledge", f->cw.median_ack_s, f->cw.acked, f);
	fprintf(fp, "all,");
	report_csv_median(fp, "close", f->cw.median_close_s, f->cw.closed, f);
	for (i = 0; i < t->n; i++) {
		report_commune_medians(f, t->v[i].key, &m);
		report_csv_field(fp, t->v[i].key);
		putc(',', fp);
		report_csv_median(fp, "acknowledge", m.median_ack_s, m.acked, f);
		report_csv_field(fp, t->v[i].key);
		putc(',', fp);
		report_csv_median(fp, "close", m.median_close_s, m.closed, f);
	}
}

/*
 * --table rows (the default): area,category,status,count; signups are
 * category "signup", no status (a city's: commune first). A breakdown:
 * KEY,count. medians: span,median_s,reports (a city's: commune first,
 * "all" the city's).
 */
void
report_csv(FILE *fp, const struct report_figures *f, int table)
{
	const struct report_tally	*t;
	char			 shown[24];
	size_t			 i;

	if (table == REPORT_TABLE_MEDIANS && report_is_city(f)) {
		report_csv_medians_by(fp, f);
		return;
	}
	if (table == REPORT_TABLE_MEDIANS) {
		fprintf(fp, "span,median_s,reports\n");
		report_csv_median(fp, "acknowledge", f->cw.median_ack_s, f->cw.acked,
		    f);
		report_csv_median(fp, "close", f->cw.median_close_s, f->cw.closed,
		    f);
		return;
	}
	if (table != REPORT_TABLE_ROWS) {
		t = &f->by[table];
		fprintf(fp, "%s,count\n", report_bys[table].name);
		for (i = 0; i < t->n; i++) {
			report_csv_field(fp, t->v[i].key);
			report_cell(f, t->v[i].n, t->v[i].hide, shown,
			    sizeof(shown));
			fprintf(fp, ",%s\n", shown);
		}
		return;
	}
	fprintf(fp, "%sarea,category,status,count\n", report_is_city(f) ?
	    "commune," : "");
	for (i = 0; i < f->rows.n; i++) {
		if (report_is_city(f)) {
			report_csv_field(fp, f->rows.v[i].commune);
			putc(',', fp);
		}
		report_csv_field(fp, f->rows.v[i].area);
		putc(',', fp);
		report_csv_field(fp, f->rows.v[i].category);
		putc(',', fp);
		report_csv_field(fp, f->rows.v[i].status);
		report_cell(f, f->rows.v[i].n, f->rows.v[i].hide, shown,
		    sizeof(shown));
		fprintf(fp, ",%s\n", shown);
	}
}
