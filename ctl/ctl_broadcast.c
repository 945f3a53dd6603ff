/*
 * ctl_broadcast.c: broadcast CAMPAIGN "TEXT": one outbox SMS per live subscriber,
 * queued in transactions with progress; a run cut short is resumed, one
 * that ended is not repeated but with --again; --commune CODE, to one
 * commune's subscribers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define CTL_BROADCAST_BATCH	200	/* outbox rows per transaction */

struct ctl_broadcast_args {
	const char	*campaign, *text;
	const char	*commune;	/* --commune CODE, or NULL: all */
	int		 again;
};

static void
ctl_broadcast_progress(size_t done, size_t total, void *arg)
{
	printf("queued %zu/%zu\n", done, total);
	fflush(stdout);
}

/* The command's words: CAMPAIGN "TEXT", --again, --commune CODE (by
 * hand, not getopt: a text may begin with '-'). 0, or -1 (said). */
static int
ctl_broadcast_args(int argc, char **argv, struct ctl_broadcast_args *a)
{
	const char	*pos[2];
	int		 i, n = 0;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--again") == 0)
			a->again = 1;
		else if (strcmp(argv[i], "--commune") == 0 && i + 1 < argc)
			a->commune = argv[++i];
		else if (strncmp(argv[i], "--commune=", 10) == 0)
			a->commune = argv[i] + 10;
		else if (n < 2)
			pos[n++] = argv[i];
		else
			n = 3;
	}
	if (n != 2) {
		fprintf(stderr, "usage: tincayctl broadcast CAMPAIGN \"TEXT\" "
		    "[--commune CODE] [--again]\n");
		return -1;
	}
	a->campaign = pos[0];
	a->text = pos[1];
	return 0;
}

/*
 * broadcast CAMPAIGN "TEXT": one outbox SMS per live subscriber, queued in
 * transactions of CTL_BROADCAST_BATCH rows; the daemon's outbox sends them
 * at sms_out.rate_per_second, after any alert that is due. The same text
 * again resumes a run that was cut short (only those not yet queued), is
 * refused after one that ended, and --again sends it to everyone again.
 * --commune CODE: to that commune's subscribers only; the same text to
 * another commune is no slip, but one its subscribers had (a run to all,
 * or to it) is.
 */
int
ctl_broadcast(struct ctl *c, int argc, char **argv)
{
	struct ctl_broadcast_args a;
	const struct campaign	*camp;
	const struct commune	*cm = NULL;
	char			 err[256], *body, key[SIGNUP_RUN_KEY_MAX];
	int64_t			 n, before, after = 0, all_last;
	int			 run = 0, ended = 0, all = 0, all_ended = 0;

	if (ctl_broadcast_args(argc, argv, &a) == -1)
		return -1;
	if (a.commune != NULL && (cm = config_commune(c->conf,
	    a.commune)) == NULL) {
		fprintf(stderr, "tincayctl: broadcast: --commune %s: no such "
		    "commune in the config\n", a.commune);
		return -1;
	}
	/* The same text twice is a slip (run again, up-arrow): every
	 * subscriber would get it twice. */
	if ((body = signup_broadcast_text(a.text, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tincayctl: broadcast: %s\n", err);
		return -1;
	}
	before = store_broadcast_queued(c->st, body);
	camp = signup_broadcast_campaign(c->conf, a.campaign,
	    cm != NULL ? cm->code : NULL);
	if (before != -1 && !a.again && camp != NULL) {
		signup_run_key(camp->code, cm != NULL ? cm->code : NULL, key);
		run = store_broadcast_run(c->st, key, body, &after, &ended);
		/* To one commune: a run to all reached it already. */
		if (run != -1 && cm != NULL)
			all = store_broadcast_run(c->st, camp->code, body,
			    &all_last, &all_ended);
	}
	free(body);
	if (before == -1 || run == -1 || all == -1) {
		fprintf(stderr, "tincayctl: broadcast: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
	if (run == 1 && !ended)
		printf("resuming the broadcast of this text that was cut short "
		    "(%lld %s queued before)\n", (long long)before,
		    util_plural(before, "message", "messages"));
	else if (!a.again && (cm == NULL ? before > 0 : run == 1 ||
	    all == 1)) {
		fprintf(stderr, "tincayctl: broadcast: this text was queued "
		    "before (%lld %s); to send it to everyone%s%s again, add "
		    "--again\n", (long long)before, util_plural(before,
		    "message", "messages"), cm != NULL ? " of commune " : "",
		    cm != NULL ? cm->code : "");
		return -1;
	}
	if (run != 1 || ended)
		after = 0;
	n = signup_broadcast(c->st, c->conf, a.campaign,
	    cm != NULL ? cm->code : NULL, a.text, after, CTL_BROADCAST_BATCH,
	    ctl_broadcast_progress, NULL, err, sizeof(err));
	if (n == -1) {
		fprintf(stderr, "tincayctl: broadcast: %s\n", err);
		return -1;
	}
	printf("broadcast %s%s%s: %lld message%s queued\n", a.campaign,
	    cm != NULL ? " to commune " : "", cm != NULL ? cm->code : "",
	    (long long)n, n == 1 ? "" : "s");
	return 0;
}
