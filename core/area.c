/*
 * area.c: the commune's areas as a text names them: a code, a name or an
 * alias of one to three words, compared folded and without spaces against
 * the forms config.c folds once at load.
 */
#include <string.h>

#include "core.h"

#define AREA_WORDS	3

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
	*after = words;
	return -1;
}
