/*
 * ctl_broadcast.c: broadcast CAMPAIGN "TEXT": one outbox SMS per live subscriber,
 * queued in transactions with progress.
 */
#include <stdio.h>
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
 * at sms_out.rate_per_second, after any alert that is due.
 */
int
ctl_broadcast(struct ctl *c, int argc, char **argv)
{
	char	 err[256];
	int64_t	 n;

	if (argc != 3) {
		fprintf(stderr, "usage: tincayctl broadcast CAMPAIGN "
		    "\"TEXT\"\n");
		return -1;
	}
	n = signup_broadcast(c->st, c->conf, argv[1], argv[2],
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
