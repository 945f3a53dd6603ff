/*
 * ctl_stats.c: stats [--from] [--to] [--format text|csv|json|html]
 * [--suppress K] [--table T]: the figures of a period in the commune's
 * time zone, for the monthly report to the city, gathered once and
 * printed by the chosen format (html: ctl_html.c).
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ctl.h"

static int
ctl_month_days(int y, int m)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int	 leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

int
ctl_date(const char *s, int *y, int *m, int *d)
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
	return *d >= 1 && *d <= ctl_month_days(*y, *m) ? 0 : -1;
}

/* Each breakdown: its JSON key, its name for --table and in the text, and
 * whether the text prints it on a line of its own (the others are in the
 * table). */
static const struct {
	const char	*json, *name;
	int		 line;
} ctl_bys[CTL_BY__MAX] = {
	[CTL_BY_CATEGORY] =	{ "by_category", "category", 0 },
	[CTL_BY_STATUS] =	{ "by_status", "status", 0 },
	[CTL_BY_AREA] =		{ "by_area", "area", 0 },
	[CTL_BY_SIGNUPS] =	{ "signups_by_area", "signups", 0 },
	[CTL_BY_MONTH] =	{ "by_month", "month", 1 },
	[CTL_BY_SEX] =		{ "by_sex", "sex", 1 },
	[CTL_BY_AGE] =		{ "by_age", "age", 1 },
	[CTL_BY_OUTCOME] =	{ "by_outcome", "outcome", 1 },
	[CTL_BY_COMMUNE] =	{ "by_commune", "commune", 0 },
};
/* --table names beyond the breakdowns. */
#define CTL_TABLE_ROWS		CTL_BY__MAX
#define CTL_TABLE_MEDIANS	(CTL_BY__MAX + 1)

void
ctl_shown(const struct ctl_figures *f, int64_t n, char *out, size_t outlen)
{
	stats_shown(n, f->k, out, outlen);
}

void
ctl_cell(const struct ctl_figures *f, int64_t n, unsigned char hide,
    char *out, size_t outlen)
{
	suppress_shown(n, f->k, hide, out, outlen);
}

/* Add n to key's count, appending key if it is new. */
static void
ctl_tally_add(struct ctl_tally *t, const char *key, int64_t n)
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
ctl_tally_keys(struct ctl_tally *t, const struct casework_key *keys,
    const int64_t *n, size_t nkeys)
{
	size_t	 i;

	for (i = 0; i < nkeys; i++)
		ctl_tally_add(t, keys[i].key, n[i]);
}

/* An area's key in by[]: "T3" or "unknown"; in a city's report, of
 * commune's: "CODE.T3", "CODE.unknown" (one of no commune as "T3").
 * malloc'd. */
static char *
ctl_area_key(const struct ctl_figures *f, const char *commune,
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
ctl_rows_add(const struct stats_row *r, void *arg)
{
	struct ctl_figures	*f = arg;
	struct ctl_rows		*t = &f->rows;
	struct ctl_row		*w;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	w = &t->v[t->n++];
	w->commune = f->city != NULL && f->commune == NULL ?
	    xstrdup(r->commune) : NULL;
	w->area = r->area ? xstrdup(r->area) : NULL;
	w->key = ctl_area_key(f, r->commune, r->area);
	w->category = xstrdup(r->category);
	w->status = r->status ? xstrdup(r->status) : NULL;
	w->n = r->n;
	w->hide = SUPPRESS_SHOWN;
	return 0;
}

static int
ctl_month_add(int y, int m, int64_t n, void *arg)
{
	char	 key[16];

	snprintf(key, sizeof(key), "%04d-%02d", y, m);
	ctl_tally_add(arg, key, n);
	return 0;
}

static void
ctl_figures_clear(struct ctl_figures *f)
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
	for (b = 0; b < CTL_BY__MAX; b++) {
		for (i = 0; i < f->by[b].n; i++)
			free(f->by[b].v[i].key);
		free(f->by[b].v);
	}
	memset(f, 0, sizeof(*f));
}

/* The index of key in t, or -1. */
static int
ctl_tally_index(const struct ctl_tally *t, const char *key)
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
struct ctl_cube {
	size_t		 na, nc, ns, nm;
	size_t		 x, t, mcs, ma, mc, ms, mm, n;	/* where each starts */
	int64_t		*v;
	unsigned char	*mark;
	int		*commune;	/* an area's commune (by[] index), -1 */
};

static size_t
ctl_cube_x(const struct ctl_cube *q, size_t a, size_t c, size_t s)
{
	return q->x + (a * q->nc + c) * q->ns + s;
}

/* The cells of one sum and the sum itself: a line. */
static void
ctl_cube_line(struct suppress *sp, size_t *line, size_t n, size_t sum)
{
	line[n++] = sum;
	suppress_line(sp, line, n);
}

static void
ctl_cube_lines(const struct ctl_cube *q, struct suppress *sp)
{
	size_t	*l = xcalloc(q->n + 1, sizeof(*l)), a, c, s, n;

	for (a = 0; a < q->na; a++)
		for (c = 0; c < q->nc; c++) {
			for (s = 0; s < q->ns; s++)
				l[s] = ctl_cube_x(q, a, c, s);
			ctl_cube_line(sp, l, q->ns, q->t + a * q->nc + c);
		}
	for (c = 0; c < q->nc; c++)
		for (s = 0; s < q->ns; s++) {
			for (a = 0; a < q->na; a++)
				l[a] = ctl_cube_x(q, a, c, s);
			ctl_cube_line(sp, l, q->na, q->mcs + c * q->ns + s);
		}
	for (a = 0; a < q->na; a++) {
		for (c = 0; c < q->nc; c++)
			l[c] = q->t + a * q->nc + c;
		ctl_cube_line(sp, l, q->nc, q->ma + a);
	}
	for (c = 0; c < q->nc; c++) {
		for (a = 0; a < q->na; a++)
			l[a] = q->t + a * q->nc + c;
		ctl_cube_line(sp, l, q->na, q->mc + c);
		for (s = 0; s < q->ns; s++)
			l[s] = q->mcs + c * q->ns + s;
		ctl_cube_line(sp, l, q->ns, q->mc + c);
	}
	for (s = 0; s < q->ns; s++) {
		for (c = 0; c < q->nc; c++)
			l[c] = q->mcs + c * q->ns + s;
		ctl_cube_line(sp, l, q->nc, q->ms + s);
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
		ctl_cube_line(sp, l, n, q->mm + c);
	}
	for (n = 0; n < q->nm; n++)
		l[n] = q->mm + n;
	if (q->nm > 0)
		suppress_line(sp, l, q->nm);
	free(l);
}

/* Fill the cube's cells from the report rows, and every sum. */
static void
ctl_cube_fill(struct ctl_cube *q, const struct ctl_figures *f)
{
	const struct ctl_row	*w;
	size_t			 i, a, c, s;
	int			 ai, ci, si, mi;

	q->na = f->by[CTL_BY_AREA].n;
	q->nc = f->by[CTL_BY_CATEGORY].n;
	q->ns = STATS__MAX;
	q->x = 0;
	q->t = q->x + q->na * q->nc * q->ns;
	q->mcs = q->t + q->na * q->nc;
	q->ma = q->mcs + q->nc * q->ns;
	q->mc = q->ma + q->na;
	q->ms = q->mc + q->nc;
	q->nm = f->by[CTL_BY_COMMUNE].n;
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
		    (ai = ctl_tally_index(&f->by[CTL_BY_AREA], w->key)) == -1 ||
		    (ci = ctl_tally_index(&f->by[CTL_BY_CATEGORY],
		    w->category)) == -1 ||
		    (si = stats_status_lookup(w->status)) == -1)
			continue;
		a = (size_t)ai;
		c = (size_t)ci;
		s = (size_t)si;
		q->v[ctl_cube_x(q, a, c, s)] += w->n;
		q->v[q->t + a * q->nc + c] += w->n;
		q->v[q->mcs + c * q->ns + s] += w->n;
		q->v[q->ma + a] += w->n;
		q->v[q->mc + c] += w->n;
		q->v[q->ms + s] += w->n;
		if (w->commune != NULL && (mi = ctl_tally_index(
		    &f->by[CTL_BY_COMMUNE], w->commune)) != -1) {
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
ctl_figures_suppress(struct ctl_figures *f)
{
	struct ctl_cube		 q;
	struct ctl_tally	*t;
	struct suppress		*sp;
	struct ctl_row		*w;
	unsigned char		*mark;
	int64_t			*v;
	size_t			 b, i, max = 1;
	int			 ai, ci, si;

	if (f->k <= 1)
		return;
	memset(&q, 0, sizeof(q));
	ctl_cube_fill(&q, f);
	sp = suppress_new(q.v, q.n, f->k);
	ctl_cube_lines(&q, sp);
	suppress_run(sp, q.mark);
	suppress_free(sp);
	for (i = 0; i < f->by[CTL_BY_AREA].n; i++)
		f->by[CTL_BY_AREA].v[i].hide = q.mark[q.ma + i];
	for (i = 0; i < f->by[CTL_BY_CATEGORY].n; i++)
		f->by[CTL_BY_CATEGORY].v[i].hide = q.mark[q.mc + i];
	for (i = 0; i < f->by[CTL_BY_STATUS].n && i < q.ns; i++)
		f->by[CTL_BY_STATUS].v[i].hide = q.mark[q.ms + i];
	for (i = 0; i < f->by[CTL_BY_COMMUNE].n; i++)
		f->by[CTL_BY_COMMUNE].v[i].hide = q.mark[q.mm + i];
	f->line_hide = xcalloc(q.na * q.nc + 1, 1);
	memcpy(f->line_hide, q.mark + q.t, q.na * q.nc);
	f->all_hide = xcalloc(q.nc * q.ns + 1, 1);
	memcpy(f->all_hide, q.mark + q.mcs, q.nc * q.ns);

	for (b = 0; b < CTL_BY__MAX; b++)
		max = f->by[b].n > max ? f->by[b].n : max;
	v = xcalloc(max, sizeof(*v));
	mark = xcalloc(max, 1);
	for (b = 0; b < CTL_BY__MAX; b++) {
		if (b == CTL_BY_AREA || b == CTL_BY_CATEGORY ||
		    b == CTL_BY_STATUS || b == CTL_BY_COMMUNE)
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
		ai = ctl_tally_index(&f->by[w->status != NULL ? CTL_BY_AREA :
		    CTL_BY_SIGNUPS], w->key);
		if (ai == -1)
			continue;
		if (w->status == NULL)
			w->hide = f->by[CTL_BY_SIGNUPS].v[ai].hide;
		else if ((ci = ctl_tally_index(&f->by[CTL_BY_CATEGORY],
		    w->category)) != -1 &&
		    (si = stats_status_lookup(w->status)) != -1)
			w->hide = q.mark[ctl_cube_x(&q, (size_t)ai, (size_t)ci,
			    (size_t)si)];
	}
	free(q.v);
	free(q.mark);
	free(q.commune);
}

unsigned char
ctl_sum_hide(const struct ctl_figures *f, const char *area,
    const char *category, int s)
{
	int	 ai, ci;

	if (f->line_hide == NULL ||
	    (ci = ctl_tally_index(&f->by[CTL_BY_CATEGORY], category)) == -1)
		return SUPPRESS_SHOWN;
	if (area == NULL)
		return s == -1 ? f->by[CTL_BY_CATEGORY].v[ci].hide :
		    f->all_hide[(size_t)ci * STATS__MAX + (size_t)s];
	if ((ai = ctl_tally_index(&f->by[CTL_BY_AREA], area)) == -1)
		return SUPPRESS_SHOWN;
	return f->line_hide[(size_t)ai * f->by[CTL_BY_CATEGORY].n +
	    (size_t)ci];
}

/* The hamlets of conf in its order into f->hamlets, keyed for f. */
static void
ctl_hamlets_of(struct ctl_figures *f, const struct config *conf,
    const char *commune)
{
	size_t	 i;

	f->hamlets = xrealloc(f->hamlets, (f->nhamlets + conf->nareas + 1) *
	    sizeof(*f->hamlets));
	for (i = 0; i < conf->nareas; i++) {
		f->hamlets[f->nhamlets].key = ctl_area_key(f, commune,
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
ctl_places(struct ctl_figures *f)
{
	const struct config	*city = f->city;
	size_t			 i;

	if (city == NULL || f->commune != NULL) {
		ctl_hamlets_of(f, f->conf, NULL);
		return;
	}
	for (i = 0; i < city->ncommunes; i++) {
		ctl_hamlets_of(f, city->communes[i].cf,
		    city->communes[i].code);
		ctl_tally_add(&f->by[CTL_BY_COMMUNE], city->communes[i].code,
		    0);
	}
	ctl_tally_add(&f->by[CTL_BY_COMMUNE], "*", 0);
}

const char *
ctl_commune_name(const struct ctl_figures *f, const char *code, int vi)
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
ctl_commune_medians(const struct ctl_figures *f, const char *code,
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
static int
ctl_figures_fill(struct ctl *c, struct ctl_figures *f, int64_t t0,
    int64_t t1)
{
	const char	*tz = c->conf->timezone, *cm = f->commune;
	size_t		 i;
	int		 k;

	ctl_places(f);
	if (stats_rows(c->st, t0, t1, cm, NULL, ctl_rows_add, f) == -1 ||
	    stats_signups(c->st, t0, t1, cm, NULL, ctl_rows_add, f) == -1 ||
	    casework_count(c->st, t0, t1, cm, &f->cw) == -1 ||
	    casework_months(c->st, tz, t0, t1, cm, ctl_month_add,
	    &f->by[CTL_BY_MONTH]) == -1)
		return -1;
	ctl_tally_add(&f->by[CTL_BY_CATEGORY], "gbv", 0);
	ctl_tally_add(&f->by[CTL_BY_CATEGORY], "shelter", 0);
	for (k = 0; k < STATS__MAX; k++)
		ctl_tally_add(&f->by[CTL_BY_STATUS],
		    stats_status_name((enum stats_status)k), 0);
	for (i = 0; i < f->rows.n; i++) {
		const struct ctl_row *w = &f->rows.v[i];

		if (w->status == NULL) {
			f->signups += w->n;
			ctl_tally_add(&f->by[CTL_BY_SIGNUPS], w->key, w->n);
			continue;
		}
		f->reports += w->n;
		ctl_tally_add(&f->by[CTL_BY_CATEGORY], w->category, w->n);
		ctl_tally_add(&f->by[CTL_BY_STATUS], w->status, w->n);
		ctl_tally_add(&f->by[CTL_BY_AREA], w->key, w->n);
		if (w->commune != NULL)
			ctl_tally_add(&f->by[CTL_BY_COMMUNE], w->commune,
			    w->n);
	}
	ctl_tally_keys(&f->by[CTL_BY_SEX], casework_sexes, f->cw.sex,
	    CASEWORK_SEXES);
	ctl_tally_keys(&f->by[CTL_BY_AGE], casework_ages, f->cw.age,
	    CASEWORK_AGES);
	ctl_tally_keys(&f->by[CTL_BY_OUTCOME], casework_outcomes,
	    f->cw.outcome, CASEWORK_OUTCOMES);
	tz_format(tz, util_now(), f->made, sizeof(f->made));
	ctl_figures_suppress(f);
	return 0;
}

/* Whether f is a city's report: every commune's, by commune. */
static int
ctl_is_city(const struct ctl_figures *f)
{
	return f->city != NULL && f->commune == NULL;
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void
ctl_csv_field(const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* A median for CSV and JSON: "" / null when there is none. */
static void
ctl_csv_median(const char *what, int64_t s, int64_t n,
    const struct ctl_figures *f)
{
	char	 shown[24];

	ctl_shown(f, n, shown, sizeof(shown));
	if (s < 0)
		printf("%s,,%s\n", what, shown);
	else
		printf("%s,%lld,%s\n", what, (long long)s, shown);
}

/* A city's medians: the city's ("all"), then each commune's, in the
 * order of by_commune; a median hidden under --suppress is empty. */
static void
ctl_csv_medians_by(const struct ctl_figures *f)
{
	const struct ctl_tally	*t = &f->by[CTL_BY_COMMUNE];
	struct casework_medians	 m;
	size_t			 i;

	printf("commune,span,median_s,reports\n");
	printf("all,");
	ctl_csv_median("acknowledge", f->cw.median_ack_s, f->cw.acked, f);
	printf("all,");
	ctl_csv_median("close", f->cw.median_close_s, f->cw.closed, f);
	for (i = 0; i < t->n; i++) {
		ctl_commune_medians(f, t->v[i].key, &m);
		ctl_csv_field(t->v[i].key);
		putchar(',');
		ctl_csv_median("acknowledge", m.median_ack_s, m.acked, f);
		ctl_csv_field(t->v[i].key);
		putchar(',');
		ctl_csv_median("close", m.median_close_s, m.closed, f);
	}
}

/*
 * --table rows (the default): area,category,status,count; signups are
 * category "signup", no status (a city's: commune first). A breakdown:
 * KEY,count. medians: span,median_s,reports (a city's: commune first,
 * "all" the city's).
 */
static void
ctl_stats_csv(const struct ctl_figures *f, int table)
{
	const struct ctl_tally	*t;
	char			 shown[24];
	size_t			 i;

	if (table == CTL_TABLE_MEDIANS && ctl_is_city(f)) {
		ctl_csv_medians_by(f);
		return;
	}
	if (table == CTL_TABLE_MEDIANS) {
		printf("span,median_s,reports\n");
		ctl_csv_median("acknowledge", f->cw.median_ack_s, f->cw.acked,
		    f);
		ctl_csv_median("close", f->cw.median_close_s, f->cw.closed,
		    f);
		return;
	}
	if (table != CTL_TABLE_ROWS) {
		t = &f->by[table];
		printf("%s,count\n", ctl_bys[table].name);
		for (i = 0; i < t->n; i++) {
			ctl_csv_field(t->v[i].key);
			ctl_cell(f, t->v[i].n, t->v[i].hide, shown,
			    sizeof(shown));
			printf(",%s\n", shown);
		}
		return;
	}
	printf("%sarea,category,status,count\n", ctl_is_city(f) ?
	    "commune," : "");
	for (i = 0; i < f->rows.n; i++) {
		if (ctl_is_city(f)) {
			ctl_csv_field(f->rows.v[i].commune);
			putchar(',');
		}
		ctl_csv_field(f->rows.v[i].area);
		putchar(',');
		ctl_csv_field(f->rows.v[i].category);
		putchar(',');
		ctl_csv_field(f->rows.v[i].status);
		ctl_cell(f, f->rows.v[i].n, f->rows.v[i].hide, shown,
		    sizeof(shown));
		printf(",%s\n", shown);
	}
}

/* A count under --suppress: a number, or the string "<k", or "*" for a
 * cell hidden as a complement (hide). */
static cJSON *
ctl_json_cell(const struct ctl_figures *f, int64_t n, unsigned char hide)
{
	char	 shown[24];
	cJSON	*item;

	if (hide != SUPPRESS_SHOWN || (f->k > 1 && n >= 1 && n < f->k)) {
		ctl_cell(f, n, hide, shown, sizeof(shown));
		item = cJSON_CreateString(shown);
	} else
		item = cJSON_CreateNumber((double)n);
	if (item == NULL)
		fatalx("out of memory");
	return item;
}

static cJSON *
ctl_json_count(const struct ctl_figures *f, int64_t n)
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
ctl_json_medians_by(const struct ctl_figures *f)
{
	const struct ctl_tally	*t = &f->by[CTL_BY_COMMUNE];
	struct casework_medians	 m;
	cJSON			*o, *one;
	size_t			 i;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < t->n; i++) {
		ctl_commune_medians(f, t->v[i].key, &m);
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
ctl_stats_json(const struct ctl_figures *f, int table)
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
	for (b = 0; b < CTL_BY__MAX; b++) {
		if (b == CTL_BY_COMMUNE && !ctl_is_city(f))
			continue;
		if ((by = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		for (i = 0; i < f->by[b].n; i++)
			ctl_json_set(by, f->by[b].v[i].key,
			    ctl_json_cell(f, f->by[b].v[i].n,
			    f->by[b].v[i].hide));
		ctl_json_set(o, ctl_bys[b].json, by);
	}
	for (i = 0; i < f->rows.n; i++) {
		const struct ctl_row *w = &f->rows.v[i];

		if (w->status == NULL)
			continue;
		if ((r = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		if (ctl_is_city(f))
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
	if (ctl_is_city(f))
		ctl_json_set(o, "medians_by_commune", ctl_json_medians_by(f));
	if ((out = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory");
	printf("%s\n", out);
	free(out);
	cJSON_Delete(o);
}

/* The text table's area column: 10, or a city's longest key. */
static int
ctl_area_width(const struct ctl_figures *f)
{
	size_t	 i, w = 10;

	for (i = 0; ctl_is_city(f) && i < f->by[CTL_BY_AREA].n; i++)
		if (strlen(f->by[CTL_BY_AREA].v[i].key) > w)
			w = strlen(f->by[CTL_BY_AREA].v[i].key);
	return (int)w;
}

/* One line of the text table: counts by status, then the total. */
static void
ctl_stats_line(const struct ctl_figures *f, const char *area,
    const char *category, const int64_t *n, const unsigned char *hide,
    unsigned char total_hide)
{
	char	 shown[24];
	int64_t	 total = 0;
	int	 k;

	printf("%-*s %-9s", ctl_area_width(f), area, category);
	for (k = 0; k < STATS__MAX; k++) {
		ctl_cell(f, n[k], hide[k], shown, sizeof(shown));
		printf(" %*s", k == STATS_ACKNOWLEDGED ? 12 : 9, shown);
		total += n[k];
	}
	ctl_cell(f, total, total_hide, shown, sizeof(shown));
	printf(" %9s\n", shown);
}

/* The area x category x status table, as it always was. */
static void
ctl_stats_table(const struct ctl_figures *f)
{
	static const char *const cats[] = { "gbv", "shelter", "unknown" };
	const struct ctl_row *v = f->rows.v;
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
		    ctl_sum_hide(f, v[i].key, v[i].category, -1));
	}
	memset(all, 0, sizeof(all));
	for (c = 0; c < sizeof(cats) / sizeof(cats[0]); c++) {
		memset(sum, 0, sizeof(sum));
		for (k = 0; k < STATS__MAX; k++)
			hide[k] = ctl_sum_hide(f, NULL, cats[c], k);
		for (i = 0; i < f->rows.n; i++)
			if (v[i].status != NULL &&
			    strcmp(v[i].category, cats[c]) == 0 &&
			    (k = stats_status_lookup(v[i].status)) != -1) {
				sum[k] += v[i].n;
				all[k] += v[i].n;
			}
		ctl_stats_line(f, "all", cats[c], sum, hide,
		    ctl_sum_hide(f, NULL, cats[c], -1));
	}
	for (k = 0; k < STATS__MAX; k++)
		hide[k] = f->by[CTL_BY_STATUS].v[k].hide;
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
ctl_text_tally(const struct ctl_figures *f, const char *name,
    const struct ctl_tally *t)
{
	char	 shown[24];
	size_t	 i;

	printf("%s:", name);
	for (i = 0; i < t->n; i++) {
		ctl_cell(f, t->v[i].n, t->v[i].hide, shown, sizeof(shown));
		printf("%s %s %s", i ? "," : "", t->v[i].key, shown);
	}
	putchar('\n');
}

static void
ctl_text_median(const struct ctl_figures *f, const char *what, int64_t s,
    int64_t n)
{
	char	 d[48], shown[24];

	if (s < 0) {
		printf("median time to %s: none\n", what);
		return;
	}
	casework_duration(s, 0, d, sizeof(d));
	ctl_shown(f, n, shown, sizeof(shown));
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
ctl_text_communes(const struct ctl_figures *f)
{
	const struct ctl_tally	*t = &f->by[CTL_BY_COMMUNE];
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
		hidden = ctl_commune_medians(f, t->v[i].key, &m);
		ctl_cell(f, t->v[i].n, t->v[i].hide, shown, sizeof(shown));
		ctl_text_span(m.median_ack_s, hidden, ack, sizeof(ack));
		ctl_text_span(m.median_close_s, hidden, done, sizeof(done));
		printf("%-*s %9s  %-22s %-22s ", w, *t->v[i].key != '\0' ?
		    t->v[i].key : "-", shown, ack, done);
		ctl_put_name(ctl_commune_name(f, t->v[i].key, 0));
		putchar('\n');
	}
}

static void
ctl_stats_text(const struct ctl_figures *f, int table)
{
	const struct ctl_tally	*sub = &f->by[CTL_BY_SIGNUPS];
	char			 shown[24];
	size_t			 i, b;

	printf("reports created %s .. %s (%s)\n", f->from, f->to,
	    f->conf->timezone);
	if (f->commune != NULL) {
		printf("commune %s: ", f->commune);
		ctl_put_name(ctl_commune_name(f, f->commune, 0));
		putchar('\n');
	} else if (f->city != NULL)
		printf("the city: %zu communes, each hamlet as COMMUNE.AREA\n",
		    f->city->ncommunes);
	putchar('\n');
	ctl_stats_table(f);
	ctl_shown(f, f->signups, shown, sizeof(shown));
	printf("\nsignups: %s", shown);
	for (i = 0; i < sub->n; i++) {
		ctl_cell(f, sub->v[i].n, sub->v[i].hide, shown,
		    sizeof(shown));
		printf("%s%s %s", i ? ", " : " (", sub->v[i].key, shown);
	}
	printf("%s\n\n", sub->n ? ")" : "");
	for (b = 0; b < CTL_BY__MAX; b++)
		if (ctl_bys[b].line)
			ctl_text_tally(f, ctl_bys[b].name, &f->by[b]);
	ctl_text_median(f, "acknowledge", f->cw.median_ack_s, f->cw.acked);
	ctl_text_median(f, "close", f->cw.median_close_s, f->cw.closed);
	if (ctl_is_city(f))
		ctl_text_communes(f);
	if (f->k > 1)
		printf("counts from 1 to %d shown as <%d, and * hidden with "
		    "them so that no total gives one back\n", f->k - 1, f->k);
	if (f->k > 1 && ctl_is_city(f))
		printf("a commune's medians of 1 to %d reports are hidden\n",
		    f->k - 1);
	printf("made %s (%s)\n", f->made, f->conf->timezone);
}

static void
ctl_stats_html(const struct ctl_figures *f, int table)
{
	ctl_html(stdout, f);
}

static const struct {
	const char	*name;
	void		(*fn)(const struct ctl_figures *, int table);
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
		return CTL_TABLE_ROWS;
	if (strcmp(name, "medians") == 0)
		return CTL_TABLE_MEDIANS;
	for (b = 0; b < CTL_BY__MAX; b++)
		if (strcmp(name, ctl_bys[b].name) == 0)
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
	struct ctl_figures	 f;
	const char		*tz = c->conf->timezone, *fromarg = NULL;
	const char		*toarg = NULL, *commune = NULL;
	int			 ch, fy, fm, fd, ty, tm, td, y, m, d, k = 0;
	int			 table = CTL_TABLE_ROWS, tabled = 0;
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
	if (table == CTL_BY_COMMUNE && (c->conf->ncommunes == 0 ||
	    commune != NULL)) {
		fprintf(stderr, "tincayctl: stats: --table commune is for a "
		    "city's report (a config with communes, no --commune)\n");
		return -1;
	}
	if (fromarg && ctl_date(fromarg, &fy, &fm, &fd) == -1) {
		fprintf(stderr, "tincayctl: stats: --from '%s' is not a date "
		    "YYYY-MM-DD\n", fromarg);
		return -1;
	}
	if (toarg && ctl_date(toarg, &ty, &tm, &td) == -1) {
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
		td = ctl_month_days(ty, tm);
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
	if (ctl_figures_fill(c, &f, t0, t1) == -1) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		ctl_figures_clear(&f);
		return -1;
	}
	ctl_formats[fmt].fn(&f, table);
	ctl_figures_clear(&f);
	return 0;
}
