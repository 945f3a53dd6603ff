/*
 * ctl_send.c: send PHONE "TEXT": one SMS queued in the outbox (event
 * "test", no report, no contact) for the running tincayd to send through
 * sms_out, so an operator can check that a responder's phone receives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int
ctl_send(struct ctl *c, int argc, char **argv)
{
	struct outbox_row	 row;
	char			 to[PHONE_MAX], err[256], *body;
	int64_t			 id;

	if (argc != 3) {
		fprintf(stderr, "usage: tincayctl send PHONE \"TEXT\"\n");
		return -1;
	}
	if (phone_e164(argv[1], strlen(argv[1]), c->conf->country_code,
	    to) == -1) {
		fprintf(stderr, "tincayctl: send: '%s' is not a phone number\n",
		    argv[1]);
		return -1;
	}
	if ((body = signup_broadcast_text(argv[2], err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "tincayctl: send: %s\n", err);
		return -1;
	}
	memset(&row, 0, sizeof(row));
	row.channel = "sms";
	row.event = "test";
	row.dest = to;
	row.body = body;
	if (store_begin(c->st) == -1 ||
	    (id = store_outbox_add(c->st, &row, util_sched_now())) == -1 ||
	    store_commit(c->st) == -1) {
		store_rollback(c->st);
		fprintf(stderr, "tincayctl: send: database: %s\n",
		    store_errmsg(c->st));
		free(body);
		return -1;
	}
	printf("queued SMS %lld to %s via %s: %s\n", (long long)id, to,
	    c->conf->sms_out.via, body);
	printf("tincayd sends it; see: tincayctl outbox list --status "
	    "pending|sent|failed\n");
	free(body);
	return 0;
}
