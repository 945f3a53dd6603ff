/*
 * casework.c: what the report to the city counts (SPEC §6a, §7): the
 * reports created in a period by the victim's sex, age band and the
 * outcome codes their closers gave, the median times to acknowledge and
 * to close, and the reports of each local month. The keys and their
 * Vietnamese names are tables; XONG reads its codes from the same one.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

const struct casework_key casework_sexes[CASEWORK_SEXES] = {
	{ "f",		"Nữ" },
	{ "m",		"Nam" },
	{ "unknown",	"Không rõ" },
};

/* Bands by the age said at XONG (0..120), "unknown" last. */
static const struct {
	int	 lo, hi;
} casework_bands[CASEWORK_AGES - 1] = {
	{ 0, 17 }, { 18, 59 }, { 60, INT_MAX },
};
const struct casework_key casework_ages[CASEWORK_AGES] = {
	{ "0-17",	"Dưới 18 tuổi" },
	{ "18-59",	"18–59 tuổi" },
	{ "60+",	"Từ 60 tuổi" },
	{ "unknown",	"Không rõ" },
};

/* XONG's outcome codes (§6a), then "unknown": none was given. */
const struct casework_key casework_outcomes[CASEWORK_OUTCOMES] = {
	{ "CA",		"Chuyển công an" },
	{ "YT",		"Chuyển y tế" },
	{ "TL",		"Tạm lánh (địa chỉ tin cậy)" },
	{ "PL",		"Trợ giúp pháp lý" },
	{ "HG",		"Hòa giải" },
	{ "KHAC",	"Khác" },
	{ "unknown",	"Chưa ghi kết quả" },
};

int
casework_age_band(int age)
{
	int	 i;

	for (i = 0; age >= 0 && i < CASEWORK_AGES - 1; i++)
		if (age >= casework_bands[i].lo && age <= casework_bands[i].hi)
			return i;
	return CASEWORK_AGE_UNKNOWN;
}

int
casework_code(const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < CASEWORK_CODES; i++)
		if (strlen(casework_outcomes[i].key) == len &&
		    memcmp(casework_outcomes[i].key, s, len) == 0)
			return i;
	return -1;
}

void
casework_add(struct casework *cw, const struct store_case *c)
{
	const char	*s = c->outcome;
	size_t		 len;
	int		 i, any = 0, sex = CASEWORK_SEX_UNKNOWN;

	for (i = 0; c->sex != NULL && i < CASEWORK_SEX_UNKNOWN; i++)
		if (strcmp(c->sex, casework_sexes[i].key) == 0)
			sex = i;
	cw->sex[sex] += c->n;
	cw->age[casework_age_band(c->age)] += c->n;
	/* "CA YT": once in CA, once in YT. */
	while (s != NULL && *s != '\0') {
		s += strspn(s, " ");
		len = strcspn(s, " ");
		if ((i = casework_code(s, len)) != -1) {
			cw->outcome[i] += c->n;
			any = 1;
		}
		s += len;
	}
	if (!any)
		cw->outcome[CASEWORK_OUTCOME_UNKNOWN] += c->n;
}

static int
casework_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t
casework_median(int64_t *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), casework_cmp);
	if (n % 2 == 1)
		return v[n / 2];
	/* Two in the middle: their mean, rounded down. */
	return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

/*
 * The seconds of one kind of span, gathered for their median, each with
 * the index of its commune in codes (the order they came in).
 */
struct casework_spans {
	int64_t		*v;		/* ours */
	size_t		*at;		/* ours: v[i]'s commune */
	size_t		 n, cap;
};

/* What one read of a period's reports gathers: the counts, and the spans
 * of each kind with their communes' codes. */
struct casework_read {
	struct casework		*cw;
	struct casework_spans	 sp[2];		/* acknowledged, closed */
	char			(*codes)[COMMUNE_MAX];	/* ours */
	size_t			 ncodes;
	size_t			 last;		/* the code found last */
};

/* The index of commune in r->codes, added if new. */
static size_t
casework_code_of(struct casework_read *r, const char *commune)
{
	size_t	 c;

	/* The reports of a commune come together more often than not. */
	if (r->last < r->ncodes && strcmp(r->codes[r->last], commune) == 0)
		return r->last;
	for (c = 0; c < r->ncodes; c++)
		if (strcmp(r->codes[c], commune) == 0)
			return r->last = c;
	r->codes = xrealloc(r->codes, (c + 1) * sizeof(*r->codes));
	util_strlcpy(r->codes[c], commune, sizeof(r->codes[c]));
	r->ncodes++;
	return r->last = c;
}

static void
casework_span(struct casework_spans *sp, size_t at, int64_t seconds)
{
	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 64;
		sp->v = xrealloc(sp->v, sp->cap * sizeof(*sp->v));
		sp->at = xrealloc(sp->at, sp->cap * sizeof(*sp->at));
	}
	/* A clock set back between filing and NHAN is not negative time. */
	sp->at[sp->n] = at;
	sp->v[sp->n++] = seconds < 0 ? 0 : seconds;
}

static int
casework_case(const struct store_case *c, void *arg)
{
	struct casework_read	*r = arg;
	size_t			 at;

	casework_add(r->cw, c);
	if (c->ack_s < 0 && c->close_s < 0)
		return 0;
	at = casework_code_of(r, c->commune);
	if (c->ack_s >= 0)
		casework_span(&r->sp[0], at, c->ack_s);
	if (c->close_s >= 0)
		casework_span(&r->sp[1], at, c->close_s);
	return 0;
}

/* The entry of commune in cw->by, made (in code order) if new. */
static struct casework_by *
casework_by_entry(struct casework *cw, const char *commune)
{
	size_t	 i;
	int	 c = 1;

	for (i = 0; i < cw->nby; i++)
		if ((c = strcmp(cw->by[i].commune, commune)) >= 0)
			break;
	if (c == 0)
		return &cw->by[i];
	cw->by = xrealloc(cw->by, (cw->nby + 1) * sizeof(*cw->by));
	memmove(&cw->by[i + 1], &cw->by[i], (cw->nby - i) *
	    sizeof(*cw->by));
	cw->nby++;
	memset(&cw->by[i], 0, sizeof(cw->by[i]));
	util_strlcpy(cw->by[i].commune, commune, sizeof(cw->by[i].commune));
	cw->by[i].m.median_ack_s = cw->by[i].m.median_close_s = -1;
	return &cw->by[i];
}

/*
 * The medians of one kind of span (k: 0 acknowledged, 1 closed), of all
 * and (by) of each commune: its spans gathered apart, a few communes
 * over the period's spans.
 */
static void
casework_medians(struct casework_read *r, int k, int by)
{
	struct casework_spans	*sp = &r->sp[k];
	struct casework_by	*b;
	int64_t			*one, median;
	size_t			 c, i, n;

	one = by ? xcalloc(sp->n + 1, sizeof(*one)) : NULL;
	for (c = 0; by && c < r->ncodes; c++) {
		for (i = n = 0; i < sp->n; i++)
			if (sp->at[i] == c)
				one[n++] = sp->v[i];
		if (n == 0)
			continue;
		b = casework_by_entry(r->cw, r->codes[c]);
		median = casework_median(one, n);
		*(k == 0 ? &b->m.median_ack_s : &b->m.median_close_s) = median;
		*(k == 0 ? &b->m.acked : &b->m.closed) = (int64_t)n;
	}
	free(one);
	median = casework_median(sp->v, sp->n);
	*(k == 0 ? &r->cw->median_ack_s : &r->cw->median_close_s) = median;
	*(k == 0 ? &r->cw->acked : &r->cw->closed) = (int64_t)sp->n;
}

int
casework_count(struct store *st, int64_t from, int64_t to,
    const char *commune, struct casework *cw)
{
	struct casework_read	 r;
	int			 k, rc;

	memset(cw, 0, sizeof(*cw));
	memset(&r, 0, sizeof(r));
	r.cw = cw;
	rc = store_counts_cases(st, from, to, commune, casework_case, &r);
	for (k = 0; k < 2; k++) {
		casework_medians(&r, k, commune == NULL || *commune == '\0');
		free(r.sp[k].v);
		free(r.sp[k].at);
	}
	free(r.codes);
	return rc == -1 ? -1 : 0;
}

void
casework_clear(struct casework *cw)
{
	free(cw->by);
	cw->by = NULL;
	cw->nby = 0;
}

void
casework_of(const struct casework *cw, const char *commune,
    struct casework_medians *m)
{
	size_t	 i;

	memset(m, 0, sizeof(*m));
	m->median_ack_s = m->median_close_s = -1;
	for (i = 0; i < cw->nby; i++)
		if (strcmp(cw->by[i].commune, commune) == 0)
			*m = cw->by[i].m;
}

static int
casework_sum(const struct stats_row *r, void *arg)
{
	*(int64_t *)arg += r->n;
	return 0;
}

int
casework_months(struct store *st, const char *tz, int64_t from, int64_t to,
    const char *commune, casework_month_fn fn, void *arg)
{
	int64_t	 a, b, n;
	int	 y, m, d;

	if (tz_date(tz, from, &y, &m, &d) == -1)
		return -1;
	for (a = from; a < to; a = b, m++) {
		if (m == 13) {
			y++;
			m = 1;
		}
		if ((b = tz_midnight(tz, y, m + 1, 1)) == -1)
			return -1;
		if (b > to)
			b = to;
		n = 0;
		if (stats_rows(st, a, b, commune, NULL, casework_sum,
		    &n) == -1 ||
		    fn(y, m, n, arg) == -1)
			return -1;
	}
	return 0;
}

/* Units of a duration, largest first. */
static const struct {
	int64_t		 s;
	const char	*en, *vi;
} casework_units[] = {
	{ 86400,	"d",	"ngày" },
	{ 3600,		"h",	"giờ" },
	{ 60,		"min",	"phút" },
	{ 1,		"s",	"giây" },
};
#define CASEWORK_NUNITS	(sizeof(casework_units) / sizeof(casework_units[0]))

void
casework_duration(int64_t s, int vi, char *out, size_t outlen)
{
	size_t	 i, n;

	if (s < 0)
		s = 0;
	for (i = 0; i + 1 < CASEWORK_NUNITS && s < casework_units[i].s; i++)
		;
	n = (size_t)snprintf(out, outlen, "%lld %s",
	    (long long)(s / casework_units[i].s),
	    vi ? casework_units[i].vi : casework_units[i].en);
	/* The next unit down, if any: "2 h 5 min", never a third. */
	if (i + 1 < CASEWORK_NUNITS && n < outlen)
		snprintf(out + n, outlen - n, " %lld %s",
		    (long long)(s % casework_units[i].s /
		    casework_units[i + 1].s),
		    vi ? casework_units[i + 1].vi : casework_units[i + 1].en);
}
