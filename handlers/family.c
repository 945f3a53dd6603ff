/*
 * family.c: the table of keyword families. A family is one row, exported
 * by the handler file that serves it; adding one is a row there and a line
 * here (and its category in config.h's enum).
 */
#include <string.h>

#include "handlers.h"

static const struct family *const families[] = {
	&alert_gbv_family,
	&alert_shelter_family,
	&signup_join_family,
	&signup_optout_family,
	&ack_cancel_family,
	&ack_ack_family,
	&ack_done_family,
	&stats_family,
	&help_family,
	&alert_followup_family,
	&alert_unknown_family,
	&review_approve_family,
	&review_dismiss_family,
};

#define NFAMILIES	(sizeof(families) / sizeof(families[0]))

const struct family *const *
family_all(size_t *n)
{
	*n = NFAMILIES;
	return families;
}

const struct family *
family_of(enum category cat)
{
	size_t	 i;

	for (i = 0; i < NFAMILIES; i++)
		if (families[i]->cat == cat)
			return families[i];
	return NULL;
}

const struct family *
family_named(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NFAMILIES; i++)
		if (strcmp(families[i]->name, name) == 0)
			return families[i];
	return NULL;
}

int
family_official(const struct config *conf, const char *role)
{
	size_t	 i;

	for (i = 0; i < conf->officials.n; i++)
		if (strcmp(conf->officials.v[i], role) == 0)
			return 1;
	return 0;
}
