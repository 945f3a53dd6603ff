/*
 * outbox.c: delivers outbox rows that are due. So far only the console
 * channel: with sms_out.via "console" each SMS row is printed on stdout
 * (the operator's screen stands in for a phone) and marked sent. Webhook
 * and provider channels stay pending until their delivery exists.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "tincay.h"

int
outbox_pass(struct tincay *tc)
{
	struct store	*st = tc->store;
	sqlite3_stmt	*s, *u;
	int64_t		 now = util_now(), ids[64];
	int		 n = 0, i, rc;

	if (strcmp(tc->conf->sms_out.via, "console") != 0)
		return 0;
	if (store_in_tx(st))
		http_flush(tc->http);
	s = store_stmt(st, ST_OUTBOX_DUE);
	store_bind_text(s, 1, "sms");
	sqlite3_bind_int64(s, 2, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < 64) {
		printf("console sms #%lld to %s: %s\n",
		    (long long)sqlite3_column_int64(s, 0),
		    store_col_text(s, 2), store_col_text(s, 3));
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	store_done(s);
	fflush(stdout);
	if (n == 0 || store_begin(st) == -1)
		return 0;
	u = store_stmt(st, ST_OUTBOX_SENT);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(u, 1, ids[i]);
		sqlite3_bind_int64(u, 2, now);
		if (store_run(st, ST_OUTBOX_SENT) == -1)
			break;
	}
	http_flush(tc->http);
	return n;
}
