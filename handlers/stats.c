/*
 * stats.c: counts for the officials. TK/THONGKE [PIN] [PERIOD] [AREA] by SMS
 * (SPEC §6), answered only to a contact of an officials role with its PIN;
 * and the period, time-zone and counting helpers tincayctl stats shares.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handlers.h"

#define STATS_YEAR_MIN	2000
#define STATS_YEAR_MAX	2099
#define STATS_SEGMENTS	2
/* Five wrong PINs in an hour lock TK for that contact for an hour (§8). */
#define STATS_PIN_TRIES		5
#define STATS_PIN_WINDOW_S	3600
#define STATS_PIN_LOCK_S	3600

/* What the SMS says for each period word (folded, spaces removed). */
enum stats_kind { STATS_DAY, STATS_WEEK, STATS_MONTH, STATS_YEAR };
static const struct {
	const char	*word;
	enum stats_kind	 kind;
} stats_words[] = {
	{ "homnay",	STATS_DAY },
	{ "ngay",	STATS_DAY },
	{ "tuan",	STATS_WEEK },
	{ "tuannay",	STATS_WEEK },
	{ "thang",	STATS_MONTH },
	{ "thangnay",	STATS_MONTH },
	{ "nam",	STATS_YEAR },
	{ "namnay",	STATS_YEAR },
};

static const char *const stats_statuses[STATS__MAX] = {
	[STATS_OPEN] = "open",
	[STATS_ACKNOWLEDGED] = "acknowledged",
	[STATS_CLOSED] = "closed",
	[STATS_CANCELLED] = "cancelled",
};

const char *
stats_status_name(enum stats_status s)
{
	return (unsigned)s < STATS__MAX ? stats_statuses[s] : NULL;
}

int
stats_status_lookup(const char *name)
{
	int	 i;

	for (i = 0; i < STATS__MAX; i++)
		if (strcmp(stats_statuses[i], name) == 0)
			return i;
	return -1;
}

/* The next word of s into out ("" at the end); return past it. */
static const char *
stats_word(const char *s, char *out, size_t outlen)
{
	const char	*after;

	if ((after = text_words(s, 1, out, outlen)) != NULL)
		return after;
	out[0] = '\0';
	return s + strlen(s);
}

/* A number of 1..maxdigits digits in [lo, hi], or -1. */
static int
stats_number(const char *w, size_t maxdigits, int lo, int hi)
{
	size_t	 n = strlen(w);
	int	 v;

	if (n == 0 || n > maxdigits || strspn(w, "0123456789") != n)
		return -1;
	v = atoi(w);
	return v >= lo && v <= hi ? v : -1;
}

/* The period keyword at s (one word, or two run together): its kind, or
 * -1; *after past it. */
static int
stats_period_word(const char *s, const char **after)
{
	char		 w1[16], w2[16], both[32];
	const char	*p1, *p2;
	size_t		 i;

	p1 = stats_word(s, w1, sizeof(w1));
	p2 = stats_word(p1, w2, sizeof(w2));
	snprintf(both, sizeof(both), "%s%s", w1, w2);
	for (i = 0; i < sizeof(stats_words) / sizeof(stats_words[0]); i++)
		if (w2[0] != '\0' && strcmp(stats_words[i].word, both) == 0) {
			*after = p2;
			return (int)stats_words[i].kind;
		}
	for (i = 0; i < sizeof(stats_words) / sizeof(stats_words[0]); i++)
		if (strcmp(stats_words[i].word, w1) == 0) {
			*after = p1;
			return (int)stats_words[i].kind;
		}
	return -1;
}

/* Fill p with the month (m 1..12) or, m == 0, the year y. */
static int
stats_span(const char *tz, int y, int m, struct stats_period *p)
{
	if (m == 0) {
		p->from = tz_midnight(tz, y, 1, 1);
		p->to = tz_midnight(tz, y + 1, 1, 1);
		snprintf(p->label, sizeof(p->label), "%04d", y);
	} else {
		p->from = tz_midnight(tz, y, m, 1);
		p->to = tz_midnight(tz, y, m + 1, 1);
		snprintf(p->label, sizeof(p->label), "%02d/%04d", m, y);
	}
	return p->from == -1 || p->to == -1 ? -1 : 0;
}

/*
 * "mm yyyy" (a month) or "yyyy" (a year) at s: fill p, return past it, or
 * NULL. month: 1 only a month, 0 only a year, -1 either.
 */
static const char *
stats_numeric(const char *tz, const char *s, int month,
    struct stats_period *p)
{
	char		 w1[16], w2[16];
	const char	*p1, *p2;
	int		 mm, yy;

	p1 = stats_word(s, w1, sizeof(w1));
	p2 = stats_word(p1, w2, sizeof(w2));
	/* "11/2026" arrives folded as "11 2026". */
	if (month != 0 && (mm = stats_number(w1, 2, 1, 12)) != -1 &&
	    strlen(w2) == 4 &&
	    (yy = stats_number(w2, 4, STATS_YEAR_MIN, STATS_YEAR_MAX)) != -1)
		return stats_span(tz, yy, mm, p) == -1 ? NULL : p2;
	if (month != 1 && strlen(w1) == 4 &&
	    (yy = stats_number(w1, 4, STATS_YEAR_MIN, STATS_YEAR_MAX)) != -1)
		return stats_span(tz, yy, 0, p) == -1 ? NULL : p1;
	return NULL;
}

const char *
stats_period(const char *tz, const char *s, int64_t now,
    struct stats_period *p)
{
	const char	*after, *named;
	int		 kind, y, m, d, y0, m0, d0;

	memset(p, 0, sizeof(*p));
	if ((after = stats_numeric(tz, s, -1, p)) != NULL)
		return after;
	if ((kind = stats_period_word(s, &after)) == -1 ||
	    tz_date(tz, now, &y, &m, &d) == -1)
		return NULL;
	switch ((enum stats_kind)kind) {
	case STATS_DAY:
		p->from = tz_midnight(tz, y, m, d);
		p->to = tz_midnight(tz, y, m, d + 1);
		snprintf(p->label, sizeof(p->label), "%02d/%02d/%04d", d, m,
		    y);
		break;
	case STATS_WEEK:
		/* The last seven days: today and the six before it. */
		p->from = tz_midnight(tz, y, m, d - 6);
		p->to = tz_midnight(tz, y, m, d + 1);
		if (p->from == -1 || tz_date(tz, p->from, &y0, &m0,
		    &d0) == -1)
			return NULL;
		if (y0 == y)
			snprintf(p->label, sizeof(p->label),
			    "%02d/%02d-%02d/%02d/%04d", d0, m0, d, m, y);
		else
			snprintf(p->label, sizeof(p->label),
			    "%02d/%02d/%04d-%02d/%02d/%04d", d0, m0, y0, d, m,
			    y);
		break;
	case STATS_MONTH:
		/* "THANG 11/2026" names the month; "THANG" alone: this one. */
		if ((named = stats_numeric(tz, after, 1, p)) != NULL)
			return named;
		if (stats_span(tz, y, m, p) == -1)
			return NULL;
		break;
	case STATS_YEAR:
		if ((named = stats_numeric(tz, after, 0, p)) != NULL)
			return named;
		if (stats_span(tz, y, 0, p) == -1)
			return NULL;
		break;
	}
	if (p->from == -1 || p->to == -1)
		return NULL;
	return after;
}

/* A group of the store's counts, passed on as a stats_row. */
struct stats_relay {
	stats_row_fn	 fn;		/* NULL: only count */
	void		*arg;
	const char	*category;	/* NULL: the row's own */
	int64_t		 total;
};

static int
stats_relay_row(const struct store_count *c, void *arg)
{
	struct stats_relay	*rl = arg;
	struct stats_row	 r;

	r.commune = c->commune;
	r.area = c->area;
	r.category = rl->category != NULL ? rl->category : c->category;
	r.status = c->status;
	r.n = c->n;
	rl->total += r.n;
	return rl->fn != NULL ? rl->fn(&r, rl->arg) : 0;
}

int
stats_rows(struct store *st, int64_t from, int64_t to, const char *commune,
    const char *area, stats_row_fn fn, void *arg)
{
	struct stats_relay	 rl = { fn, arg, NULL, 0 };

	return store_counts_reports(st, from, to, commune, area,
	    stats_relay_row, &rl);
}

int64_t
stats_signups(struct store *st, int64_t from, int64_t to,
    const char *commune, const char *area, stats_row_fn fn, void *arg)
{
	struct stats_relay	 rl = { fn, arg, "signup", 0 };

	if (store_counts_signups(st, from, to, commune, area,
	    stats_relay_row, &rl) == -1)
		return -1;
	return rl.total;
}

const char *
stats_commune(const struct config *conf)
{
	return strcmp(conf->scope, "") == 0 || strcmp(conf->scope, "*") == 0 ?
	    NULL : conf->scope;
}

static int
stats_count_row(const struct stats_row *r, void *arg)
{
	struct stats_counts	*c = arg;
	int			 s;

	if (strcmp(r->category, "gbv") == 0)
		c->gbv += r->n;
	else if (strcmp(r->category, "shelter") == 0)
		c->shelter += r->n;
	else
		return 0;	/* unknown texts are not in the SMS counts */
	if ((s = stats_status_lookup(r->status)) != -1)
		c->status[s] += r->n;
	return 0;
}

int
stats_count(struct store *st, int64_t from, int64_t to, const char *commune,
    const char *area, struct stats_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (stats_rows(st, from, to, commune, area, stats_count_row, c) == -1)
		return -1;
	c->signups = stats_signups(st, from, to, commune, area, NULL, NULL);
	return c->signups == -1 ? -1 : 0;
}

void
stats_shown(int64_t n, int k, char *out, size_t outlen)
{
	if (k > 1 && n >= 1 && n < k)
		snprintf(out, outlen, "<%d", k);
	else
		snprintf(out, outlen, "%lld", (long long)n);
}

/* The figures of the SMS reply, in its order. */
static void
stats_figures(const struct stats_counts *c, int64_t v[STATS_NFIGS])
{
	v[STATS_FIG_BL] = c->gbv;
	v[STATS_FIG_TC] = c->shelter;
	v[STATS_FIG_DK] = c->signups;
	v[STATS_FIG_HUY] = c->status[STATS_CANCELLED];
	v[STATS_FIG_OPEN] = c->status[STATS_OPEN] +
	    c->status[STATS_ACKNOWLEDGED];
	v[STATS_FIG_CLOSED] = c->status[STATS_CLOSED];
}

void
stats_format(const struct stats_counts *c, const char *label,
    const char *area, int min_count, char *out, size_t outlen)
{
	stats_format_marked(c, label, area, min_count, NULL, out, outlen);
}

void
stats_format_marked(const struct stats_counts *c, const char *label,
    const char *area, int min_count, const unsigned char *mark, char *out,
    size_t outlen)
{
	char	 n[STATS_NFIGS][24], *g;
	int64_t	 v[STATS_NFIGS];
	int	 k = area != NULL ? min_count : 0;
	size_t	 i;

	stats_figures(c, v);
	for (i = 0; i < STATS_NFIGS; i++)
		suppress_shown(v[i], k, mark != NULL ? mark[i] :
		    SUPPRESS_SHOWN, n[i], sizeof(n[i]));
	snprintf(out, outlen, "TK %s%s%s: BL %s TC %s DK %s HUY %s; "
	    "mo %s xong %s", label, area ? " " : "", area ? area : "",
	    n[0], n[1], n[2], n[3], n[4], n[5]);
	/* Always short; folding makes sure of GSM-7 and two segments. */
	g = text_gsm7(out, strlen(out), STATS_SEGMENTS);
	util_strlcpy(out, g, outlen);
	free(g);
}

/*
 * The SMS figures of every area of a commune for complementary
 * suppression (SPEC §6): a row per area of its config, then one for its
 * reports of no area (or of one the config no longer has), which TK
 * never shows but whose counts are in the commune's totals.
 */
struct stats_grid {
	const struct config	*conf;
	size_t			 nrows;
	int64_t			*v;		/* nrows x STATS_NFIGS */
};

static int64_t *
stats_grid_row(struct stats_grid *g, const char *area)
{
	size_t	 r;

	for (r = 0; area != NULL && r < g->conf->nareas; r++)
		if (strcmp(g->conf->areas[r].code, area) == 0)
			break;
	if (area == NULL)
		r = g->conf->nareas;
	return g->v + r * STATS_NFIGS;
}

static int
stats_grid_add(const struct stats_row *r, void *arg)
{
	struct stats_grid	*g = arg;
	struct stats_counts	 c;
	int64_t			*row = stats_grid_row(g, r->area), v[STATS_NFIGS];
	size_t			 f;

	memset(&c, 0, sizeof(c));
	if (r->status == NULL)
		c.signups = r->n;
	else if (stats_count_row(r, &c) == -1)
		return -1;
	stats_figures(&c, v);
	for (f = 0; f < STATS_NFIGS; f++)
		row[f] += v[f];
	return 0;
}

/*
 * Which of area row's figures TK hides, into mark[STATS_NFIGS]: the
 * lines are each figure over the areas (its commune total is exact), and
 * in each area BL TC and HUY mo xong, two ways of counting its reports.
 */
static int
stats_grid_marks(struct store *st, const struct config *conf,
    int64_t from, int64_t to, size_t row, unsigned char *mark)
{
	static const size_t	 by_cat[] = { STATS_FIG_BL, STATS_FIG_TC },
				 by_status[] = { STATS_FIG_HUY, STATS_FIG_OPEN,
				    STATS_FIG_CLOSED };
	struct stats_grid	 g;
	struct suppress		*s;
	unsigned char		*all;
	size_t			 r, f, i, line[STATS_NFIGS], *col;
	int			 rc = 0;

	g.conf = conf;
	g.nrows = conf->nareas + 1;
	g.v = xcalloc(g.nrows * STATS_NFIGS, sizeof(*g.v));
	if (stats_rows(st, from, to, stats_commune(conf), NULL,
	    stats_grid_add, &g) == -1 ||
	    stats_signups(st, from, to, stats_commune(conf), NULL,
	    stats_grid_add, &g) == -1)
		rc = -1;
	s = suppress_new(g.v, g.nrows * STATS_NFIGS, conf->privacy.min_count);
	col = xcalloc(g.nrows, sizeof(*col));
	for (f = 0; f < STATS_NFIGS; f++) {
		for (r = 0; r < g.nrows; r++)
			col[r] = r * STATS_NFIGS + f;
		suppress_line(s, col, g.nrows);
	}
	for (r = 0; r < g.nrows; r++) {
		for (i = 0; i < 2; i++)
			line[i] = r * STATS_NFIGS + by_cat[i];
		suppress_line(s, line, 2);
		for (i = 0; i < 3; i++)
			line[i] = r * STATS_NFIGS + by_status[i];
		suppress_line(s, line, 3);
	}
	all = xcalloc(g.nrows * STATS_NFIGS, 1);
	suppress_run(s, all);
	memcpy(mark, all + row * STATS_NFIGS, STATS_NFIGS);
	free(all);
	free(col);
	suppress_free(s);
	free(g.v);
	return rc;
}

/* Whether folded (s, len) is the word PIN written out. */
static int
stats_pin_word(const char *s, size_t len)
{
	return len == 3 && strncmp(s, "pin", 3) == 0;
}

/* A byte of a word of the raw text: ASCII letters and digits, and the
 * bytes of UTF-8 sequences (Vietnamese letters). */
static int
stats_word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

/* 1 if folded words s hold the word (w, wlen). */
static int
stats_has_word(const char *s, const char *w, size_t wlen)
{
	size_t	 n;

	for (; *s != '\0'; s += n + (s[n] == ' ')) {
		n = strcspn(s, " ");
		if (n == wlen && memcmp(s, w, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * The text to keep for a TK whose first word after the keyword is a PIN
 * (right or wrong): the text as it came without every word that folds to
 * (w, wlen), nor the blanks after it (SPEC §8: "TK 4321 THANG" is kept as
 * "TK THANG"). Should a word be written so that the raw words miss it,
 * the folded text without it. Into it->stored_text (the router frees it).
 */
static void
stats_redact(struct intake *it, const char *w, size_t wlen)
{
	const char	*t = it->in->text;
	size_t		 len = it->in->textlen, i = 0, b, o = 0, n;
	char		*out, *f, *r;

	out = xmalloc(len + 1);
	while (i < len) {
		if (!stats_word_byte(t[i])) {
			out[o++] = t[i++];
			continue;
		}
		for (b = i; i < len && stats_word_byte(t[i]); i++)
			;
		f = text_keyfold(t + b, i - b);
		if (strlen(f) == wlen && memcmp(f, w, wlen) == 0)
			while (i < len && (t[i] == ' ' || t[i] == '\t'))
				i++;
		else {
			memcpy(out + o, t + b, i - b);
			o += i - b;
		}
		free(f);
	}
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o] = '\0';
	f = text_keyfold(out, o);
	if (stats_has_word(f, w, wlen)) {
		for (r = f, o = 0; *r != '\0'; r += n + (r[n] == ' ')) {
			n = strcspn(r, " ");
			if (n == wlen && memcmp(r, w, n) == 0)
				continue;
			o += (size_t)snprintf(out + o, len + 1 - o, "%s%.*s",
			    o ? " " : "", (int)n, r);
		}
	}
	free(f);
	free(it->stored_text);
	it->stored_text = out;
}

/*
 * The PIN word of an official who has a PIN: 0 right; HANDLER_UNMATCHED
 * wrong, or right but while TK is locked for the contact (which costs no
 * hash); -1 on error. A wrong one is kept with the contact; the fifth
 * within the hour locks TK for an hour, a right one clears them.
 */
static int
stats_pin(struct intake *it, const char *word)
{
	const struct contact_row *k = &it->contact;
	int			 locked;

	if (it->now < k->pin_locked_until)
		return HANDLER_UNMATCHED;
	if (pin_verify(word, strlen(word), k->pin_hash))
		return store_pin_ok(it->st, k->id) == -1 ? -1 : 0;
	if ((locked = store_pin_failed(it->st, k->id, it->now,
	    STATS_PIN_WINDOW_S, STATS_PIN_TRIES, STATS_PIN_LOCK_S)) == -1)
		return -1;
	if (locked)
		log_info("TK locked for contact #%lld for %d s after %d wrong "
		    "PINs", (long long)k->id, STATS_PIN_LOCK_S,
		    STATS_PIN_TRIES);
	return HANDLER_UNMATCHED;
}

/* Past keyword key (folded, no spaces) at the start of folded words f,
 * spaces ignored ("thong ke"), even glued to what follows; 0 if not. */
static size_t
stats_keyword_end(const char *f, const char *key)
{
	size_t	 at = 0, n = 0;

	while (key[n] != '\0') {
		if (f[at] == ' ') {
			at++;
			continue;
		}
		if (f[at] != key[n])
			return 0;
		at++;
		n++;
	}
	return at;
}

/*
 * SPEC §8: whatever the router made of it, a text from an official's
 * number with a PIN that begins like TK ("TK1234", "TKPIN 1234", a TK
 * refused) is kept without the digits that stand where the PIN would:
 * right after the keyword, or after the word PIN. A TK handled above has
 * its stored_text already.
 */
int
stats_keep_no_pin(struct intake *it)
{
	const struct strlist	*kw = &it->conf->keywords[CAT_STATS];
	struct contact_row	 k;
	const char		*f = it->folded;
	char			*key, *out;
	size_t			 i, at, o, digits = 0;
	int			 found, c0;

	if (it->stored_text != NULL || f == NULL)
		return 0;
	for (i = 0; digits == 0 && i < kw->n; i++) {
		/* Most texts: their first letter is not the keyword's. */
		c0 = (unsigned char)kw->v[i][0];
		if (c0 < 0x80 && isalpha(c0) && tolower(c0) != f[0])
			continue;
		key = text_keyfold_compact(kw->v[i]);
		if ((at = stats_keyword_end(f, key)) > 0) {
			at += strspn(f + at, " ");
			if (strncmp(f + at, "pin", 3) == 0)
				at += 3 + strspn(f + at + 3, " ");
			/* The PIN: the digits there, up to the word's end. */
			digits = strspn(f + at, "0123456789");
		}
		free(key);
	}
	if (digits == 0)
		return 0;
	if ((found = store_contact_get(it->st, it->in->from, &k)) != 1 ||
	    k.pin_hash[0] == '\0' || !family_official(it->conf, k.role))
		return found == -1 ? -1 : 0;
	/* Keyword and PIN word hold no digit: the PIN's are the first. */
	out = xmalloc(it->in->textlen + 1);
	for (i = o = 0; i < it->in->textlen; i++)
		if (digits > 0 && it->in->text[i] >= '0' &&
		    it->in->text[i] <= '9')
			digits--;
		else
			out[o++] = it->in->text[i];
	out[o] = '\0';
	it->stored_text = out;
	return 0;
}

/*
 * A city's TK (SPEC §11) may name a commune, anywhere among its words
 * ("TK THANG TINHCHAU", "TK 11/2026 Tinh Chau T3"), or at their start,
 * where the router took it off (it->named): into *cm, with where its
 * words are in s ([*at, *past); both NULL if the router took them).
 */
static void
stats_commune_named(const struct intake *it, const char *s,
    const struct commune **cm, const char **at, const char **past)
{
	const char	*p, *after;

	*cm = it->named;
	*at = *past = NULL;
	for (p = s; it->city != NULL && *cm == NULL && *p != '\0'; ) {
		if ((*cm = commune_find(it->city, p, &after)) != NULL) {
			*at = p;
			*past = after;
			break;
		}
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
}

/*
 * The config whose counts a TK asks for: the contact's own (the
 * router's it->conf: its commune's, a city's top level for a city-level
 * contact, the one config without communes), or the commune a city-level
 * official names. NULL if a commune's official names another commune:
 * that is refused as from a stranger (SPEC §11).
 */
static const struct config *
stats_scope(const struct intake *it, const struct commune *cm)
{
	if (cm == NULL)
		return it->conf;
	if (strcmp(it->conf->scope, "*") == 0)
		return cm->cf;
	return strcmp(it->conf->scope, cm->code) == 0 ? it->conf : NULL;
}

static int
stats_handle(struct intake *it)
{
	const struct config	*conf;
	const struct commune	*cm;
	struct stats_period	 p;
	struct stats_counts	 c;
	const struct contact_row *k = &it->contact;
	const char		*s, *next, *area = NULL, *cat, *cpast;
	char			 word[32], label[64];
	unsigned char		 mark[STATS_NFIGS];
	int			 have_period = 0, a, ai = -1, rc;

	/* The router let only an official through (WHO_OFFICIAL); a wrong
	 * PIN is answered as if TK meant nothing, too. Either way the PIN
	 * is not kept with the message. */
	s = it->m.args;
	if (k->pin_hash[0] != '\0') {
		/* "TK PIN 1234": the word PIN written out. */
		if (stats_pin_word(s, strcspn(s, " ")))
			s = stats_word(s, word, sizeof(word));
		if (*s != '\0')
			stats_redact(it, s, strcspn(s, " "));
		s = stats_word(s, word, sizeof(word));
		if ((rc = stats_pin(it, word)) != 0)
			return rc;
	}
	stats_commune_named(it, s, &cm, &cat, &cpast);
	if ((conf = stats_scope(it, cm)) == NULL)
		return HANDLER_UNMATCHED;
	it->stored = CAT_STATS;
	/* PERIOD, COMMUNE and AREA, each at most once, in any order; a
	 * city's hamlet only with its commune (every commune has a T3). */
	while (*s != '\0') {
		if (s == cat) {
			s = cpast;
		} else if (!have_period && (next = stats_period(conf->timezone,
		    s, it->now, &p)) != NULL) {
			have_period = 1;
			s = next;
		} else if (area == NULL && strcmp(conf->scope, "*") != 0 &&
		    (a = area_find(conf, s, &next)) != -1) {
			area = conf->areas[a].code;
			ai = a;
			s = next;
		} else {
			util_strlcpy(it->reply, it->city != NULL ?
			    "TK: sai cu phap. TK [PIN] [HOMNAY|TUAN|THANG|NAM|"
			    "MM/YYYY|YYYY] [XA] [THON]" :
			    "TK: sai cu phap. TK [PIN] "
			    "[HOMNAY|TUAN|THANG|NAM|MM/YYYY|YYYY] [THON]",
			    sizeof(it->reply));
			return 0;
		}
	}
	if (!have_period && stats_period(conf->timezone, "thang", it->now,
	    &p) == NULL) {
		log_warnx("%s: time zone %s: no local date", __func__,
		    conf->timezone);
		return -1;
	}
	if (stats_count(it->st, p.from, p.to, stats_commune(conf), area,
	    &c) == -1 ||
	    (area != NULL && stats_grid_marks(it->st, conf, p.from, p.to,
	    (size_t)ai, mark) == -1))
		return -1;
	/* A city's answer names the commune it counts. */
	if (it->city != NULL && stats_commune(conf) != NULL)
		snprintf(label, sizeof(label), "%s %s", p.label, conf->scope);
	else
		util_strlcpy(label, p.label, sizeof(label));
	stats_format_marked(&c, label, area, conf->privacy.min_count,
	    area != NULL ? mark : NULL, it->reply, sizeof(it->reply));
	return 0;
}

const struct family stats_family = {
	.cat = CAT_STATS, .name = "stats", .keywords = { "THONGKE", "TK" },
	.who = WHO_OFFICIAL, .fn = stats_handle,
};
