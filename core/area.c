/*
 * area.c: the commune's areas as a text names them: a code, a name or an
 * alias of one to three words, compared folded and without spaces against
 * the forms config.c folds once at load; or a hamlet's kind word and its
 * number in any form (thôn 3, thon3, Thôn 03, thôn ba).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define AREA_WORDS	3
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The words a commune names its hamlets by. Residents say thôn, xóm, ấp
 * or làng for the same place: where no area is of the kind written, the
 * first four stand for one another (xóm 4 is Thôn 4).
 */
static const struct {
	const char	*kind;
	int		 rural;		/* may stand for another rural kind */
} area_kinds[] = {
	{ "thon", 1 }, { "xom", 1 }, { "ap", 1 }, { "lang", 1 },
	{ "ban", 0 }, { "buon", 0 }, { "khu", 0 }, { "khom", 0 },
	{ "to", 0 }, { "doi", 0 },
};

/* Numbers in words, as far as a hamlet's goes (twenty, and past it). */
static const struct {
	const char	*word;
	int		 n;
} area_units[] = {
	{ "mot", 1 }, { "hai", 2 }, { "ba", 3 }, { "bon", 4 }, { "tu", 4 },
	{ "nam", 5 }, { "lam", 5 }, { "sau", 6 }, { "bay", 7 }, { "tam", 8 },
	{ "chin", 9 },
};

static int
area_kind(const char *w, size_t len)
{
	size_t	 i;

	for (i = 0; i < nitems(area_kinds); i++)
		if (strlen(area_kinds[i].kind) == len &&
		    memcmp(area_kinds[i].kind, w, len) == 0)
			return (int)i;
	return -1;
}

static int
area_unit(const char *w)
{
	size_t	 i;

	for (i = 0; i < nitems(area_units); i++)
		if (strcmp(area_units[i].word, w) == 0)
			return area_units[i].n;
	return 0;
}

/* Digits (leading zeros too) as a number from 1 to 999, or 0. */
static int
area_digits(const char *w)
{
	int	 n = 0;

	if (*w == '\0' || strlen(w) > 4)
		return 0;
	for (; *w != '\0'; w++) {
		if (*w < '0' || *w > '9')
			return 0;
		n = n * 10 + (*w - '0');
	}
	return n <= 999 ? n : 0;
}

/*
 * A number at the start of folded words: digits, or words (ba, mười,
 * mười lăm, hai mươi, hai mươi mốt); *after past it. 0 if none.
 */
static int
area_number(const char *words, const char **after)
{
	char		 w[16];
	const char	*p, *q;
	int		 n, u;

	if ((p = text_words(words, 1, w, sizeof(w))) == NULL)
		return 0;
	if ((n = area_digits(w)) > 0) {
		*after = p;
		return n;
	}
	if (strcmp(w, "muoi") == 0)
		n = 10;
	else if ((n = area_unit(w)) == 0)
		return 0;
	*after = p;
	if ((q = text_words(p, 1, w, sizeof(w))) == NULL)
		return n;
	if (n < 10 && strcmp(w, "muoi") == 0) {
		n *= 10;
		*after = p = q;
		if ((q = text_words(p, 1, w, sizeof(w))) == NULL)
			return n;
	}
	if (n >= 10 && (u = area_unit(w)) > 0) {
		n += u;
		*after = q;
	}
	return n;
}

/*
 * A hamlet's kind and number at the start of folded words: "thon 3",
 * "thon3", "thon 03", "thon ba". The kind's index and the number, *after
 * past them; -1 if the words name none.
 */
static int
area_kind_number(const char *words, int *num, const char **after)
{
	char		 w[32];
	const char	*p;
	size_t		 len;
	int		 k;

	if ((p = text_words(words, 1, w, sizeof(w))) == NULL)
		return -1;
	if ((k = area_kind(w, strlen(w))) != -1)
		return (*num = area_number(p, after)) > 0 ? k : -1;
	/* thon3, xom03: the kind glued to its digits. */
	len = strcspn(w, "0123456789");
	if (len == 0 || w[len] == '\0' || (k = area_kind(w, len)) == -1 ||
	    (*num = area_digits(w + len)) == 0)
		return -1;
	*after = p;
	return k;
}

int
area_hamlet_parse(const char *folded, int *kind, int *num)
{
	const char	*after;
	int		 k, n;

	if ((k = area_kind_number(folded, &n, &after)) == -1 ||
	    *after != '\0')
		return -1;
	*kind = k;
	*num = n;
	return 0;
}

/*
 * The area a hamlet's kind and number name: of that kind, or, where the
 * commune has no area of the kind written and both are rural, of another.
 */
static int
area_hamlet(const struct config *conf, const char *words, const char **after)
{
	size_t	 a;
	int	 k, num, any = -1, kind_seen = 0;

	if ((k = area_kind_number(words, &num, after)) == -1)
		return -1;
	for (a = 0; a < conf->nareas; a++) {
		if (conf->areas[a].number == 0)
			continue;
		if (conf->areas[a].kind == k) {
			kind_seen = 1;
			if (conf->areas[a].number == num)
				return (int)a;
		} else if (any == -1 && area_kinds[k].rural &&
		    area_kinds[conf->areas[a].kind].rural &&
		    conf->areas[a].number == num)
			any = (int)a;
	}
	return kind_seen ? -1 : any;
}

/* The area whose folded code, name or alias is word, or -1. */
static int
area_lookup(const struct config *conf, const char *word)
{
	size_t	 a, i;

	for (a = 0; a < conf->nareas; a++)
		for (i = 0; i < conf->areas[a].match.n; i++)
			if (strcmp(conf->areas[a].match.v[i], word) == 0)
				return (int)a;
	return -1;
}

int
area_find(const struct config *conf, const char *words, const char **after)
{
	char		 word[128];
	const char	*p;
	int		 n, a;

	for (n = AREA_WORDS; n >= 1; n--) {
		if ((p = text_words(words, n, word, sizeof(word))) == NULL)
			continue;
		if ((a = area_lookup(conf, word)) != -1) {
			*after = p;
			return a;
		}
	}
	if ((a = area_hamlet(conf, words, &p)) != -1) {
		*after = p;
		return a;
	}
	*after = words;
	return -1;
}

int
area_anywhere(const struct config *conf, const char *words)
{
	const char	*after, *p = words;
	int		 a;

	while (*p != '\0') {
		if ((a = area_find(conf, p, &after)) != -1)
			return a;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return -1;
}
