/*
 * ctl_purge.c: purge --older-than DAYS: removes the texts and numbers of closed
 * and cancelled reports (SPEC §8); the counts stay.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define CTL_PURGE_BATCH		500	/* reports per transaction */
#define CTL_PURGE_MAX_DAYS	36500

static void
ctl_purge_progress(const struct store_purged *p, void *arg)
{
	fprintf(stderr, "purge: %lld reports so far\n",
	    (long long)p->reports);
}

/*
 * purge --older-than DAYS (SPEC §8): for closed and cancelled reports
 * closed more than DAYS days ago (0: all of them now), forget texts and
 * numbers; rows and counts stay. messages.body and .sender become NULL,
 * reports.reporter NULL, the outbox rows no longer pending get dest ''
 * and body ''; texts that belong to no report, older than DAYS, too, and
 * the numbers of subscriptions opted out before then. Kept: the replies
 * (templates with the REF), reports.acked_by (the responder's own
 * number), outcomes, sex and age, and every count, category, area,
 * status and time. Freed bytes are zeroed (secure_delete) and the WAL is
 * emptied into the database, also while tincayd runs, so that no byte of
 * what was purged is left in the database, its WAL or its SHM.
 */
int
ctl_purge(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*arg = NULL;
	char		*end;
	long long	 days;
	struct store_purged p;
	int64_t		 cutoff;
	int		 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'o')
			return -1;
		arg = optarg;
	}
	if (optind != argc || arg == NULL) {
		fprintf(stderr, "usage: tincayctl purge --older-than DAYS\n");
		return -1;
	}
	errno = 0;
	days = strtoll(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || *end != '\0' || errno != 0 ||
	    days < 0 || days > CTL_PURGE_MAX_DAYS) {
		fprintf(stderr, "tincayctl: purge: --older-than must be a "
		    "whole number of days from 0 to %d\n", CTL_PURGE_MAX_DAYS);
		return -1;
	}
	cutoff = store_purge_cutoff(util_now(), days);
	memset(&p, 0, sizeof(p));
	if (store_purge(c->st, cutoff, CTL_PURGE_BATCH, ctl_purge_progress,
	    NULL, &p) == -1) {
		fprintf(stderr, "tincayctl: purge: database: %s (%lld reports "
		    "purged before it)\n", store_errmsg(c->st),
		    (long long)p.reports);
		return -1;
	}
	printf("purged %lld reports, %lld messages, %lld outbox rows, %lld "
	    "opted-out numbers (reports closed or cancelled, and texts of no "
	    "report, over %lld days ago)\n", (long long)p.reports,
	    (long long)p.messages, (long long)p.outbox,
	    (long long)p.subscriptions, days);
	if (!p.wal_emptied) {
		fprintf(stderr, "tincayctl: purge: a reader kept the WAL: old "
		    "copies of the purged pages may remain in it; run the purge "
		    "again\n");
		return -1;
	}
	return 0;
}
