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

#include <sqlite3.h>

#include "ctl.h"

#define CTL_PURGE_BATCH		500	/* reports per transaction */
#define CTL_PURGE_MAX_DAYS	36500

/* One batch of purge: reports after *last; how many, or -1. */
static int
ctl_purge_batch(struct ctl *c, int64_t cutoff, int64_t *last,
    int64_t *messages, int64_t *outbox)
{
	sqlite3_stmt	*s;
	sqlite3		*db = sqlite3_db_handle(store_stmt(c->st, ST_BEGIN));
	int64_t		 ids[CTL_PURGE_BATCH];
	int		 n = 0, i, rc = SQLITE_DONE;

	if (store_begin(c->st) == -1)
		return -1;
	s = store_stmt(c->st, ST_PURGE_DUE);
	sqlite3_bind_int64(s, 1, cutoff);
	sqlite3_bind_int64(s, 2, *last);
	sqlite3_bind_int(s, 3, CTL_PURGE_BATCH);
	while (n < CTL_PURGE_BATCH && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	for (i = 0; i < n; i++) {
		s = store_stmt(c->st, ST_PURGE_MESSAGES);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (store_run(c->st, ST_PURGE_MESSAGES) == -1)
			goto fail;
		*messages += sqlite3_changes(db);
		s = store_stmt(c->st, ST_PURGE_OUTBOX);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (store_run(c->st, ST_PURGE_OUTBOX) == -1)
			goto fail;
		*outbox += sqlite3_changes(db);
		s = store_stmt(c->st, ST_PURGE_REPORT);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (store_run(c->st, ST_PURGE_REPORT) == -1)
			goto fail;
	}
	if (store_commit(c->st) == -1)
		return -1;
	if (n > 0)
		*last = ids[n - 1];
	return n;
fail:
	store_rollback(c->st);
	return -1;
}

/*
 * Texts and numbers older than cutoff that belong to no report (unknown
 * texts, help, signups, TK) and the replies and broadcasts sent for them.
 */
static int
ctl_purge_loose(struct ctl *c, int64_t cutoff, int64_t *messages,
    int64_t *outbox)
{
	sqlite3		*db = sqlite3_db_handle(store_stmt(c->st, ST_BEGIN));
	static const enum stmt which[] = { ST_PURGE_LOOSE_MESSAGES,
	    ST_PURGE_LOOSE_OUTBOX };
	int64_t		*counts[] = { messages, outbox };
	size_t		 i;

	if (store_begin(c->st) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		sqlite3_bind_int64(store_stmt(c->st, which[i]), 1, cutoff);
		if (store_run(c->st, which[i]) == -1) {
			store_rollback(c->st);
			return -1;
		}
		*counts[i] += sqlite3_changes(db);
	}
	return store_commit(c->st);
}

/*
 * purge --older-than DAYS: for closed and cancelled reports closed more
 * than DAYS days ago, forget texts and numbers; rows and counts stay.
 * messages.body and .sender become NULL, reports.reporter NULL, and the
 * outbox rows no longer pending get dest '' and body ''. Kept: the
 * replies (templates with the REF), reports.acked_by (the responder's
 * own number) and every count, category, area, status and time. With
 * secure_delete on, SQLite zeroes the freed bytes; a passive checkpoint
 * then moves the pages into the database file. Texts that belong to no
 * report are forgotten once they are older than DAYS.
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
	int64_t		 cutoff, last = 0, reports = 0, messages = 0;
	int64_t		 outbox = 0;
	int		 ch, n;

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
	    days < 1 || days > CTL_PURGE_MAX_DAYS) {
		fprintf(stderr, "tincayctl: purge: --older-than must be a "
		    "whole number of days from 1 to %d\n", CTL_PURGE_MAX_DAYS);
		return -1;
	}
	cutoff = util_now() - (int64_t)days * 86400;
	if (store_run(c->st, ST_SECURE_DELETE) == -1)
		return -1;
	while ((n = ctl_purge_batch(c, cutoff, &last, &messages,
	    &outbox)) > 0) {
		reports += n;
		if (n == CTL_PURGE_BATCH)
			fprintf(stderr, "purge: %lld reports so far\n",
			    (long long)reports);
	}
	if (n == -1) {
		fprintf(stderr, "tincayctl: purge: database: %s (%lld reports "
		    "purged before it)\n", store_errmsg(c->st),
		    (long long)reports);
		return -1;
	}
	if (ctl_purge_loose(c, cutoff, &messages, &outbox) == -1) {
		fprintf(stderr, "tincayctl: purge: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
	(void)store_run(c->st, ST_CHECKPOINT);
	printf("purged %lld reports, %lld messages, %lld outbox rows "
	    "(reports closed or cancelled, and texts of no report, over %lld "
	    "days ago)\n", (long long)reports, (long long)messages,
	    (long long)outbox, days);
	return 0;
}
