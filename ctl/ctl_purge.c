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
#include <unistd.h>

#include "ctl.h"

#define CTL_PURGE_BATCH		500	/* reports per transaction */
#define CTL_PURGE_MAX_DAYS	36500

static void
ctl_purge_progress(const struct store_purged *p, void *arg)
{
	fprintf(stderr, "purge: %lld %s so far\n", (long long)p->reports,
	    util_plural(p->reports, "report", "reports"));
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
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*arg = NULL;
	char		*end;
	long long	 days;
	struct store_purged p;
	int64_t		 cutoff;
	int		 ch, yes = 0;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		if (ch == 'y')
			yes = 1;
		else if (ch == 'o')
			arg = optarg;
		else
			return -1;
	}
	if (optind != argc || arg == NULL) {
		fprintf(stderr, "usage: tincayctl purge --older-than DAYS "
		    "[--yes]\n");
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
	/* 0 forgets every closed report at once: typed by hand, say so. */
	if (days == 0 && !yes && isatty(STDIN_FILENO)) {
		fprintf(stderr, "tincayctl: purge: --older-than 0 empties the "
		    "texts and numbers of every closed report now; add --yes "
		    "to do it\n");
		return -1;
	}
	cutoff = store_purge_cutoff(util_now(), days);
	memset(&p, 0, sizeof(p));
	if (store_purge(c->st, cutoff, CTL_PURGE_BATCH, ctl_purge_progress,
	    NULL, &p) == -1) {
		fprintf(stderr, "tincayctl: purge: database: %s (%lld %s "
		    "purged before it)\n", store_errmsg(c->st),
		    (long long)p.reports, util_plural(p.reports, "report",
		    "reports"));
		return -1;
	}
	printf("purged %lld %s, %lld %s, %lld outbox %s, %lld opted-out %s "
	    "(reports closed or cancelled, and texts of no report, over %lld "
	    "%s ago)\n", (long long)p.reports, util_plural(p.reports,
	    "report", "reports"), (long long)p.messages,
	    util_plural(p.messages, "message", "messages"),
	    (long long)p.outbox, util_plural(p.outbox, "row", "rows"),
	    (long long)p.subscriptions, util_plural(p.subscriptions,
	    "number", "numbers"), days, util_plural(days, "day", "days"));
	if (p.keys > 0)
		printf("destroyed %lld data %s: no copy of what %s sealed can "
		    "be opened any more (%lld kept %s sealed again)\n",
		    (long long)p.keys, util_plural(p.keys, "key", "keys"),
		    p.keys == 1 ? "it" : "they", (long long)p.carried,
		    util_plural(p.carried, "value", "values"));
	if (!p.wal_emptied) {
		fprintf(stderr, "tincayctl: purge: a reader kept the WAL: old "
		    "copies of the purged pages may remain in it; run the purge "
		    "again\n");
		return -1;
	}
	return 0;
}
