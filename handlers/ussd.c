/*
 * ussd.c: the USSD menu of SPEC §6 as a pure function, no I/O. From the
 * answers so far ("", "1", "1*3", joined by '*') to the next screen (CON or
 * END, unaccented, at most USSD_SCREEN_MAX characters) and what to file.
 *
 * The area list is numbered 1..N in config order, with 0 for "don't know",
 * on every page. When it does not fit one screen it is paged: the keys
 * "98" (next page) and "99" (previous page) move between pages, and any
 * area number is accepted on any page. With 97 areas or more the keys grow
 * a digit ("998", "999") so that they never collide with an area number.
 * A key that is neither shows the same page again, headed "Sai so.".
 * A city's service code that serves several communes lists them first,
 * numbered and paged the same way ("0": the city's own level); the
 * commune picked has the main menu and its own hamlets.
 * On the main menu, too, an answer that is no choice shows the menu again,
 * headed the same way: a session never ends on a mistyped key. "00" at
 * any point goes back to the first screen (the main menu, or a city's
 * communes); the answers before it are forgotten (SPEC §6).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define USSD_NAME_MAX	24	/* characters of an area name shown */
#define USSD_TOKEN_MAX	6	/* digits of one answer */

/* Discreet like every reply: someone else may see the screen. */
static const char ussd_menu_text[] =
    "Tin cay - chon so:\n"
    "1 Bao tin, can giup do\n"
    "2 Dia chi tin cay\n"
    "3 Dang ky Thang hanh dong\n"
    "4 So dien thoai khan cap";
static const char ussd_hotlines[] =
    "Goi mien phi:\n"
    "111 Bao ve tre em\n"
    "113 Cong an\n"
    "115 Cap cuu\n"
    "1800 1768 Tu van, ho tro";
static const char ussd_bad[] = "Sai so. ";
static const char ussd_back[] = "00";	/* back to the main menu */
static const char ussd_unknown[] = "0 Khong biet";
static const char ussd_next[] = "Tiep";
static const char ussd_prev[] = "Truoc";

/* The numbered lists a screen shows, paged alike: a commune's hamlets,
 * a city's communes. */
enum ussd_kind { USSD_AREAS, USSD_COMMUNES };
static const struct {
	const char	*head, *head_bad;
} ussd_kinds[] = {
	[USSD_AREAS] = { "Chon thon:", "Sai so. Chon thon:" },
	[USSD_COMMUNES] = { "Chon xa:", "Sai so. Chon xa:" },
};
struct ussd_list {
	enum ussd_kind		 kind;
	const struct config	*conf;
	size_t			 n;
};

static struct ussd_list
ussd_areas(const struct config *conf)
{
	struct ussd_list	 l = { USSD_AREAS, conf, conf->nareas };

	return l;
}

static struct ussd_list
ussd_communes(const struct config *conf)
{
	struct ussd_list	 l = { USSD_COMMUNES, conf, conf->ncommunes };

	return l;
}

/* What to file or show for the first answer. */
static const struct {
	const char	*key;
	enum category	 cat;	/* CAT_GBV/CAT_SHELTER: the area list */
	enum ussd_action action;
	const char	*screen;	/* END screen of an answer with none */
} ussd_choices[] = {
	{ "1", CAT_GBV, USSD_REPORT, NULL },
	{ "2", CAT_SHELTER, USSD_REPORT, NULL },
	{ "3", CAT_SIGNUP, USSD_SIGNUP, NULL },
	{ "4", CAT_HELP, USSD_NONE, ussd_hotlines },
};

/* Keep printable ASCII; anything else becomes '?', control chars ' '. */
static void
ussd_ascii(char *s)
{
	unsigned char	*p, *o;

	for (p = o = (unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*o++ = ' ';
		else if (*p < 0x80)
			*o++ = *p;
		else if ((*p & 0xc0) != 0x80)
			*o++ = '?';
	}
	*o = '\0';
}

/* "N name" for item i of l: folded, ASCII, cut to USSD_NAME_MAX. */
static void
ussd_line(const struct ussd_list *l, size_t i, char *out, size_t outlen)
{
	const char	*name, *code;
	char		*f;

	if (l->kind == USSD_COMMUNES) {
		name = l->conf->communes[i].name;
		code = l->conf->communes[i].code;
	} else {
		name = l->conf->areas[i].name;
		code = l->conf->areas[i].code;
	}
	if (name == NULL || name[0] == '\0')
		name = code;
	f = text_gsm7(name, strlen(name), 1);
	ussd_ascii(f);
	/*
	 * A name cut short ends with its code: two long names that begin
	 * alike ("Thon Dong Hoa Thuong ...") must not look the same.
	 */
	if (strlen(f) > USSD_NAME_MAX && strlen(code) + 8 < USSD_NAME_MAX)
		snprintf(out, outlen, "%zu %.*s (%s)", i + 1,
		    (int)(USSD_NAME_MAX - strlen(code) - 3), f, code);
	else if (strlen(f) > USSD_NAME_MAX)
		snprintf(out, outlen, "%zu %s", i + 1, code);
	else
		snprintf(out, outlen, "%zu %s", i + 1, f);
	free(f);
}

/* The keys of the next and previous page of a list of n items. */
static void
ussd_list_keys(size_t items, char next[8], char prev[8])
{
	size_t	 n = items + 2, w = 1, i;

	while (n >= 10 && w < 6) {
		n /= 10;
		w++;
	}
	if (w < 2)
		w = 2;
	for (i = 0; i < w; i++)
		next[i] = prev[i] = '9';
	next[w - 1] = '8';
	next[w] = prev[w] = '\0';
}

void
ussd_nav_keys(const struct config *conf, char next[8], char prev[8])
{
	ussd_list_keys(conf->nareas, next, prev);
}

/*
 * Lay out the items from first: how many fit one screen with the header,
 * the "0" line and (when paged) both navigation lines. At least one.
 */
static size_t
ussd_page_fit(const struct ussd_list *l, size_t first, int paged,
    const char *next, const char *prev)
{
	char	 line[64];
	size_t	 used, n = 0, i;

	used = strlen(ussd_kinds[l->kind].head_bad) + 1 +
	    sizeof(ussd_unknown) - 1;
	if (paged)
		used += 1 + strlen(next) + 1 + sizeof(ussd_next) - 1 +
		    1 + strlen(prev) + 1 + sizeof(ussd_prev) - 1;
	for (i = first; i < l->n; i++) {
		ussd_line(l, i, line, sizeof(line));
		if (used + strlen(line) + 1 > USSD_SCREEN_MAX && n > 0)
			break;
		used += strlen(line) + 1;
		n++;
	}
	return n;
}

/* Page starts of l into starts[] (up to max); returns the page count. */
static size_t
ussd_list_pages(const struct ussd_list *l, size_t *starts, size_t max)
{
	char	 next[8], prev[8];
	size_t	 first = 0, np = 0, k;
	int	 paged;

	ussd_list_keys(l->n, next, prev);
	paged = ussd_page_fit(l, 0, 0, next, prev) < l->n;
	do {
		if (np < max)
			starts[np] = first;
		np++;
		k = ussd_page_fit(l, first, paged, next, prev);
		first += k;
	} while (first < l->n && k > 0);
	return np;
}

size_t
ussd_pages(const struct config *conf, size_t *starts, size_t max)
{
	struct ussd_list	 l = ussd_areas(conf);

	return ussd_list_pages(&l, starts, max);
}

static void
ussd_append(struct ussd_screen *s, const char *line)
{
	size_t	 n = strlen(s->text);

	if (n > 0 && n < sizeof(s->text) - 1)
		s->text[n++] = '\n';
	util_strlcpy(s->text + n, line, sizeof(s->text) - n);
}

static void
ussd_list_screen(const struct ussd_list *l, size_t page, int bad,
    struct ussd_screen *s)
{
	size_t	 starts[64], *st = starts, np, first, last, i;
	char	 next[8], prev[8], line[64];

	np = ussd_list_pages(l, starts, 64);
	if (np > 64) {
		st = xcalloc(np, sizeof(*st));
		ussd_list_pages(l, st, np);
	}
	ussd_list_keys(l->n, next, prev);
	first = st[page];
	last = page + 1 < np ? st[page + 1] : l->n;
	s->end = 0;
	s->action = USSD_NONE;
	s->text[0] = '\0';
	ussd_append(s, bad ? ussd_kinds[l->kind].head_bad :
	    ussd_kinds[l->kind].head);
	for (i = first; i < last; i++) {
		ussd_line(l, i, line, sizeof(line));
		ussd_append(s, line);
	}
	ussd_append(s, ussd_unknown);
	if (page + 1 < np) {
		snprintf(line, sizeof(line), "%s %s", next, ussd_next);
		ussd_append(s, line);
	}
	if (page > 0) {
		snprintf(line, sizeof(line), "%s %s", prev, ussd_prev);
		ussd_append(s, line);
	}
	if (st != starts)
		free(st);
}

/* A decimal answer of 1..USSD_TOKEN_MAX digits, no leading zero but "0". */
static long
ussd_number(const char *t, size_t n)
{
	long	 v = 0;
	size_t	 i;

	if (n == 0 || n > USSD_TOKEN_MAX || (n > 1 && t[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		v = v * 10 + (t[i] - '0');
	}
	return v;
}

static int
ussd_is(const char *t, size_t n, const char *key)
{
	return strlen(key) == n && memcmp(t, key, n) == 0;
}

/*
 * The answers [p, end] (p NULL: none) paging through list l until one
 * picks an item: its index, -1 for "0" (don't know), and *rest past its
 * answer (NULL if none follows). If none picks one, -2, and s is the page
 * to show, headed "Sai so." after an answer that was no key.
 */
static long
ussd_list_walk(const struct ussd_list *l, const char *p, const char *end,
    const char **rest, struct ussd_screen *s)
{
	char		 next[8], prev[8];
	size_t		 starts[1], np, page = 0, n;
	const char	*star;
	long		 v;
	int		 bad = 0;

	ussd_list_keys(l->n, next, prev);
	np = ussd_list_pages(l, starts, 1);
	while (p != NULL && p <= end) {
		star = memchr(p, '*', (size_t)(end - p));
		n = star ? (size_t)(star - p) : (size_t)(end - p);
		if (ussd_is(p, n, next) && np > 1) {
			if (page + 1 < np)
				page++;
			bad = 0;
		} else if (ussd_is(p, n, prev) && np > 1) {
			if (page > 0)
				page--;
			bad = 0;
		} else if ((v = ussd_number(p, n)) >= 0 &&
		    (size_t)v <= l->n) {
			*rest = star ? star + 1 : NULL;
			return v - 1;
		} else
			bad = 1;
		p = star ? star + 1 : NULL;
	}
	ussd_list_screen(l, page, bad, s);
	return -2;
}

/* The answers after the last "00" (all of them if there is none). */
static const char *
ussd_after_back(const char *text, const char *end)
{
	const char	*p = text, *star, *from = text;
	size_t		 n;

	while (p <= end) {
		star = memchr(p, '*', (size_t)(end - p));
		n = star ? (size_t)(star - p) : (size_t)(end - p);
		if (ussd_is(p, n, ussd_back))
			from = star ? star + 1 : end;
		if (star == NULL)
			break;
		p = star + 1;
	}
	return from;
}

/* The choice an answer names on the main menu, or -1. */
static int
ussd_choice(const char *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < sizeof(ussd_choices) / sizeof(ussd_choices[0]); i++)
		if (ussd_is(t, n, ussd_choices[i].key))
			return (int)i;
	return -1;
}

/*
 * The main menu of conf (a commune's, or a config without communes) and
 * what follows it, from the answers [p, end).
 */
static void
ussd_menu(const struct config *conf, const char *p, const char *end,
    struct ussd_screen *s)
{
	struct ussd_list	 areas = ussd_areas(conf);
	const char		*star = NULL, *rest;
	size_t			 n;
	long			 v;
	int			 c = -1, bad = 0;

	/* The first answer that is a choice; the ones before it were not. */
	while (p < end && c == -1) {
		star = memchr(p, '*', (size_t)(end - p));
		n = star ? (size_t)(star - p) : (size_t)(end - p);
		if ((c = ussd_choice(p, n)) == -1) {
			bad = 1;
			p = star ? star + 1 : end;
		}
	}
	if (c == -1) {
		snprintf(s->text, sizeof(s->text), "%s%s", bad ? ussd_bad :
		    "", ussd_menu_text);
		return;
	}
	s->end = 1;
	s->cat = ussd_choices[c].cat;
	s->action = ussd_choices[c].action;
	if (ussd_choices[c].screen != NULL) {
		util_strlcpy(s->text, ussd_choices[c].screen,
		    sizeof(s->text));
		return;
	}
	if (s->action != USSD_REPORT)
		return;
	if (star == NULL) {
		ussd_list_screen(&areas, 0, 0, s);
		return;
	}
	if ((v = ussd_list_walk(&areas, star + 1, end, &rest, s)) == -2)
		return;
	s->end = 1;
	s->area = (int)v;
	s->text[0] = '\0';
}

/*
 * A city whose service code serves several communes: first the list of
 * its communes (paged as the hamlets are); the one picked (or "0", the
 * city's own level) has the main menu, and its hamlets are the list of
 * the report. A city of one commune goes straight to its menu.
 */
void
ussd_step(const struct config *conf, const char *text, size_t len,
    struct ussd_screen *s)
{
	struct ussd_list	 communes = ussd_communes(conf);
	const char		*end = text + len, *p, *rest;
	long			 v;

	memset(s, 0, sizeof(*s));
	s->area = -1;
	s->cat = CAT_UNKNOWN;
	p = ussd_after_back(text, end);
	if (conf->ncommunes == 1) {
		s->commune = &conf->communes[0];
		conf = s->commune->cf;
	} else if (conf->ncommunes > 1) {
		if (p == end) {
			ussd_list_screen(&communes, 0, 0, s);
			return;
		}
		if ((v = ussd_list_walk(&communes, p, end, &rest, s)) == -2)
			return;
		if (v >= 0) {
			s->commune = &conf->communes[v];
			conf = s->commune->cf;
		}
		p = rest != NULL ? rest : end;
	}
	ussd_menu(conf, p, end, s);
}

void
ussd_result(const char *reply, struct ussd_screen *s)
{
	char	*f;
	size_t	 n;

	if (reply == NULL || reply[0] == '\0')
		reply = "Da tiep nhan. Khan cap goi 113.";
	f = text_gsm7(reply, strlen(reply), 2);
	ussd_ascii(f);
	n = strlen(f);
	if (n > USSD_SCREEN_MAX)
		f[USSD_SCREEN_MAX] = '\0';
	util_strlcpy(s->text, f, sizeof(s->text));
	free(f);
	s->end = 1;
}
