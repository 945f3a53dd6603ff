/*
 * ctl_broadcast.c: broadcast CAMPAIGN "TEXT": one outbox SMS per live subscriber,
 * queued in transactions with progress; a run cut short is resumed, one
 * that ended is not repeated but with --again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define CTL_BROADCAST_BATCH	200	/* outbox rows per transaction */

static void
ctl_broadcast_progress(size_t done, size_t total, void *arg)
{
	printf("queued %zu/%zu\n", done, total);
	fflush(stdout);
}

/*
 * broadcast CAMPAIGN "TEXT": one outbox SMS per live subscriber, queued in
 * transactions of CTL_BROADCAST_BATCH rows; the daemon's outbox sends them
 * at sms_out.rate_per_second, after any alert that is due. The same text
 * again resumes a run that was cut short (only those not yet queued), is
 * refused after one that ended, and --again sends it to everyone again.
 */
int
ctl_broadcast(struct ctl *c, int argc, char **argv)
{
	const struct campaign	*camp;
	char			 err[256], *body;
	int64_t			 n, before, after = 0;
	int			 again = argc == 4 &&
	    strcmp(argv[3], "--again") == 0, run = 0, ended = 0;

	if (argc != 3 && !again) {
		fprintf(stderr, "usage: tincayctl broadcast CAMPAIGN "
		    "\"TEXT\" [--again]\n");
		return -1;
	}
	/* The same text twice is a slip (run again, up-arrow): every
	 * subscriber would get it twice. */
	if ((body = signup_broadcast_text(argv[2], err, sizeof(err))) == NULL) {
		fprintf(stderr, "tincayctl: broadcast: %s\n", err);
		return -1;
	}
	before = store_broadcast_queued(c->st, body);
	if (before != -1 && !again && (camp = signup_campaign(c->conf,
	    argv[1], strlen(argv[1]))) != NULL)
		run = store_broadcast_run(c->st, camp->code, body, &after,
		    &ended);
	free(body);
	if (before == -1 || run == -1) {
		fprintf(stderr, "tincayctl: broadcast: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
	if (run == 1 && !ended)
		printf("resuming the broadcast of this text that was cut short "
		    "(%lld %s queued before)\n", (long long)before,
		    util_plural(before, "message", "messages"));
	else if (before > 0 && !again) {
		fprintf(stderr, "tincayctl: broadcast: this text was queued "
		    "before (%lld %s); to send it to everyone again, add "
		    "--again\n", (long long)before, util_plural(before,
		    "message", "messages"));
		return -1;
	}
	if (run != 1 || ended)
		after = 0;
	n = signup_broadcast(c->st, c->conf, argv[1], argv[2], after,
	    CTL_BROADCAST_BATCH, ctl_broadcast_progress, NULL, err,
	    sizeof(err));
	if (n == -1) {
		fprintf(stderr, "tincayctl: broadcast: %s\n", err);
		return -1;
	}
	printf("broadcast %s: %lld message%s queued\n", argv[1],
	    (long long)n, n == 1 ? "" : "s");
	return 0;
}
