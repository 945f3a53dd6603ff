/*
 * ctl_stats.c: stats [--from] [--to] [--format text|csv|json]: counts of a
 * period in the commune's time zone, for the monthly report.
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

/* A date YYYY-MM-DD that exists. 0, or -1. */
static int
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

/* The reports of a period, grouped, copied out of the statement. */
struct ctl_stats {
	struct ctl_stats_row {
		char	*area;		/* NULL: unknown */
		char	*category;
		char	*status;	/* NULL for signups */
		int64_t	 n;
	}		*v;
	size_t		 n, cap;
};

static int
ctl_stats_add(const struct stats_row *r, void *arg)
{
	struct ctl_stats	*t = arg;
	struct ctl_stats_row	*w;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	w = &t->v[t->n++];
	w->area = r->area ? xstrdup(r->area) : NULL;
	w->category = xstrdup(r->category);
	w->status = r->status ? xstrdup(r->status) : NULL;
	w->n = r->n;
	return 0;
}

static void
ctl_stats_clear(struct ctl_stats *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].area);
		free(t->v[i].category);
		free(t->v[i].status);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
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

/* area,category,status,count; signups are category "signup", no status. */
static void
ctl_stats_csv(const struct ctl_stats *t)
{
	size_t	 i;

	printf("area,category,status,count\n");
	for (i = 0; i < t->n; i++) {
		ctl_csv_field(t->v[i].area);
		putchar(',');
		ctl_csv_field(t->v[i].category);
		putchar(',');
		ctl_csv_field(t->v[i].status);
		printf(",%lld\n", (long long)t->v[i].n);
	}
}

static void
ctl_json_add(cJSON *o, const char *key, int64_t n)
{
	cJSON	*item = cJSON_GetObjectItemCaseSensitive(o, key);

	if (item == NULL)
		cJSON_AddNumberToObject(o, key, (double)n);
	else
		cJSON_SetNumberValue(item, item->valuedouble + (double)n);
}

static void
ctl_stats_json(const struct ctl_stats *t, const char *from, const char *to,
    const char *tz)
{
	cJSON	*o, *cat, *st, *area, *rows, *sub, *r;
	char	*out;
	int64_t	 total = 0, signups = 0;
	size_t	 i;
	int	 k;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("out of memory");
	cJSON_AddStringToObject(o, "from", from);
	cJSON_AddStringToObject(o, "to", to);
	cJSON_AddStringToObject(o, "timezone", tz);
	cat = cJSON_AddObjectToObject(o, "by_category");
	st = cJSON_AddObjectToObject(o, "by_status");
	area = cJSON_AddObjectToObject(o, "by_area");
	rows = cJSON_AddArrayToObject(o, "rows");
	sub = cJSON_CreateObject();
	if (cat == NULL || st == NULL || area == NULL || rows == NULL ||
	    sub == NULL)
		fatalx("out of memory");
	ctl_json_add(cat, "gbv", 0);
	ctl_json_add(cat, "shelter", 0);
	for (k = 0; k < STATS__MAX; k++)
		ctl_json_add(st, stats_status_name((enum stats_status)k), 0);
	for (i = 0; i < t->n; i++) {
		const struct ctl_stats_row *w = &t->v[i];
		const char *a = w->area ? w->area : "unknown";

		if (w->status == NULL) {
			signups += w->n;
			ctl_json_add(sub, a, w->n);
			continue;
		}
		total += w->n;
		ctl_json_add(cat, w->category, w->n);
		ctl_json_add(st, w->status, w->n);
		ctl_json_add(area, a, w->n);
		if ((r = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		if (w->area)
			cJSON_AddStringToObject(r, "area", w->area);
		else
			cJSON_AddNullToObject(r, "area");
		cJSON_AddStringToObject(r, "category", w->category);
		cJSON_AddStringToObject(r, "status", w->status);
		cJSON_AddNumberToObject(r, "count", (double)w->n);
		cJSON_AddItemToArray(rows, r);
	}
	cJSON_AddNumberToObject(o, "reports", (double)total);
	cJSON_AddNumberToObject(o, "signups", (double)signups);
	cJSON_AddItemToObject(o, "signups_by_area", sub);
	if ((out = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory");
	printf("%s\n", out);
	free(out);
	cJSON_Delete(o);
}

/* One line of the text table: counts by status, then the total. */
static void
ctl_stats_line(const char *area, const char *category, const int64_t *n)
{
	int64_t	 total = 0;
	int	 k;

	printf("%-10s %-9s", area, category);
	for (k = 0; k < STATS__MAX; k++) {
		printf(" %*lld", k == STATS_ACKNOWLEDGED ? 12 : 9,
		    (long long)n[k]);
		total += n[k];
	}
	printf(" %9lld\n", (long long)total);
}

static void
ctl_stats_text(const struct ctl_stats *t, const char *from, const char *to,
    const char *tz)
{
	static const char *const cats[] = { "gbv", "shelter", "unknown" };
	int64_t	 sum[STATS__MAX], all[STATS__MAX], signups = 0;
	size_t	 i, j, c;
	int	 k;

	printf("reports created %s .. %s (%s)\n\n", from, to, tz);
	printf("%-10s %-9s", "area", "category");
	for (k = 0; k < STATS__MAX; k++)
		printf(" %*s", k == STATS_ACKNOWLEDGED ? 12 : 9,
		    stats_status_name((enum stats_status)k));
	printf(" %9s\n", "total");
	/* The statement orders rows by area, category: one line each. */
	for (i = 0; i < t->n; i = j) {
		memset(sum, 0, sizeof(sum));
		for (j = i; j < t->n && t->v[j].status != NULL &&
		    strcmp(t->v[j].category, t->v[i].category) == 0 &&
		    (t->v[j].area == NULL) == (t->v[i].area == NULL) &&
		    (t->v[i].area == NULL ||
		    strcmp(t->v[j].area, t->v[i].area) == 0); j++)
			if ((k = stats_status_lookup(t->v[j].status)) != -1)
				sum[k] += t->v[j].n;
		if (j == i) {		/* a signup row */
			signups += t->v[i].n;
			j = i + 1;
			continue;
		}
		ctl_stats_line(t->v[i].area ? t->v[i].area : "unknown",
		    t->v[i].category, sum);
	}
	memset(all, 0, sizeof(all));
	for (c = 0; c < sizeof(cats) / sizeof(cats[0]); c++) {
		memset(sum, 0, sizeof(sum));
		for (i = 0; i < t->n; i++)
			if (t->v[i].status != NULL &&
			    strcmp(t->v[i].category, cats[c]) == 0 &&
			    (k = stats_status_lookup(t->v[i].status)) != -1) {
				sum[k] += t->v[i].n;
				all[k] += t->v[i].n;
			}
		ctl_stats_line("all", cats[c], sum);
	}
	ctl_stats_line("all", "all", all);
	printf("\nsignups: %lld", (long long)signups);
	for (i = 0, c = 0; i < t->n; i++)
		if (t->v[i].status == NULL)
			printf("%s%s %lld", c++ ? ", " : " (",
			    t->v[i].area ? t->v[i].area : "unknown",
			    (long long)t->v[i].n);
	printf("%s\n", c ? ")" : "");
}

/*
 * stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format text|csv|json]:
 * reports created in the period, by area, category and status, and the
 * campaign signups made in it. Dates are the commune's (conf->timezone),
 * --to inclusive. Neither: this month. --from alone: until today. --to
 * alone: from the first of its month.
 */
int
ctl_stats(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const formats[] = { "text", "csv", "json" };
	struct ctl_stats	 t;
	const char		*tz = c->conf->timezone, *fromarg = NULL;
	const char		*toarg = NULL, *format = "text";
	char			 from[32], to[32];
	int			 ch, fy, fm, fd, ty, tm, td, y, m, d;
	size_t			 i;
	int64_t			 t0, t1;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': fromarg = optarg; break;
		case 't': toarg = optarg; break;
		case 'F':
			for (i = 0; i < 3; i++)
				if (strcmp(optarg, formats[i]) == 0)
					break;
			if (i == 3) {
				fprintf(stderr, "tincayctl: stats: --format "
				    "must be text, csv or json\n");
				return -1;
			}
			format = optarg;
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
	snprintf(from, sizeof(from), "%04d-%02d-%02d", fy, fm, fd);
	snprintf(to, sizeof(to), "%04d-%02d-%02d", ty, tm, td);
	if (strcmp(from, to) > 0) {
		fprintf(stderr, "tincayctl: stats: --from %s is after --to "
		    "%s\n", from, to);
		return -1;
	}
	if ((t0 = tz_midnight(tz, fy, fm, fd)) == -1 ||
	    (t1 = tz_midnight(tz, ty, tm, td + 1)) == -1) {
		fprintf(stderr, "tincayctl: stats: dates out of range\n");
		return -1;
	}
	memset(&t, 0, sizeof(t));
	if (stats_rows(c->st, t0, t1, NULL, ctl_stats_add, &t) == -1 ||
	    stats_signups(c->st, t0, t1, NULL, ctl_stats_add, &t) == -1) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		ctl_stats_clear(&t);
		return -1;
	}
	if (strcmp(format, "json") == 0)
		ctl_stats_json(&t, from, to, tz);
	else if (strcmp(format, "csv") == 0)
		ctl_stats_csv(&t);
	else
		ctl_stats_text(&t, from, to, tz);
	ctl_stats_clear(&t);
	return 0;
}
