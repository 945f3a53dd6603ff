/*
 * commune.c: which of a city's communes a message is for, as its number or
 * its text names it (SPEC §11). A text names a commune by its code or its
 * name, with or without "Xã" in front, in one to four words, compared
 * folded and without spaces against the forms config.c folds once at load
 * ("Tinh Chau", "tịnh châu", "TINHCHAU", "Xa Tinh Chau").
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define COMMUNE_WORDS	4

static int
commune_form_cmp(const void *a, const void *b)
{
	const struct commune_form	*x = a, *y = b;

	return strcmp(x->form, y->form);
}

/* The commune whose folded form is word, or NULL. */
static const struct commune *
commune_lookup(const struct config *conf, const char *word)
{
	struct commune_form	 key, *f;

	key.form = word;
	f = bsearch(&key, conf->commune_forms, conf->ncommune_forms,
	    sizeof(*conf->commune_forms), commune_form_cmp);
	return f != NULL ? f->commune : NULL;
}

const struct commune *
commune_find(const struct config *conf, const char *words,
    const char **after)
{
	const struct commune	*cm;
	char			 word[128];
	const char		*p;
	int			 n;

	*after = words;
	if (conf->ncommunes == 0)
		return NULL;
	for (n = COMMUNE_WORDS; n >= 1; n--) {
		if ((p = text_words(words, n, word, sizeof(word))) == NULL)
			continue;
		if ((cm = commune_lookup(conf, word)) != NULL) {
			*after = p;
			return cm;
		}
	}
	return NULL;
}

const struct commune *
commune_anywhere(const struct config *conf, const char *words)
{
	const struct commune	*cm;
	const char		*after, *p = words;

	while (conf->ncommunes > 0 && *p != '\0') {
		if ((cm = commune_find(conf, p, &after)) != NULL)
			return cm;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return NULL;
}

const struct commune *
commune_of_number(const struct config *conf, const char *to)
{
	const struct commune	*cm;
	char			 e164[PHONE_MAX];

	if (conf->ncommunes == 0 || to == NULL || *to == '\0')
		return NULL;
	if ((cm = config_commune_by_number(conf, to)) != NULL)
		return cm;
	if (phone_e164(to, strlen(to), conf->country_code, e164) == -1)
		return NULL;
	return config_commune_by_number(conf, e164);
}
