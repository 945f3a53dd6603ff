/*
 * store_metrics.c: what /metrics shows of the database, each figure one
 * cheap read: the outbox's pending rows by lane and its oldest pending
 * alert (the partial index of pending rows), open reports by category
 * (the per-day counts), open reports past the last escalation step (the
 * partial index of reports that escalate).
 */
#include <stdint.h>
#include <string.h>

#include "store_int.h"

int
store_metrics_outbox(struct store *st, struct store_gauges *g)
{
	sqlite3_stmt	*s;
	int		 rc, lane;

	memset(g, 0, sizeof(*g));
	s = store_stmt(st, ST_METRICS_DEPTH);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		lane = sqlite3_column_int(s, 0);
		if (lane >= 0 && lane < OUTBOX_LANES)
			g->pending[lane] = sqlite3_column_int64(s, 1);
	}
	store_done(s);
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(st->db));
		return -1;
	}
	s = store_stmt(st, ST_METRICS_OLDEST);
	if ((rc = store_row(st, s, __func__)) == 1 &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL) {
		g->has_oldest = 1;
		g->oldest_alert_at = sqlite3_column_int64(s, 0);
	}
	store_done(s);
	if (rc == -1)
		return -1;
	s = store_stmt(st, ST_METRICS_REPEATING);
	sqlite3_bind_int(s, 1, ESCALATE_LEVELS);
	if ((rc = store_row(st, s, __func__)) == 1)
		g->repeating = sqlite3_column_int64(s, 0);
	store_done(s);
	return rc == -1 ? -1 : 0;
}

int
store_metrics_open(struct store *st, store_open_fn fn, void *arg)
{
	sqlite3_stmt	*s = store_stmt(st, ST_METRICS_OPEN);
	int		 rc, n = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		if (fn(store_col_text(s, 0), sqlite3_column_int64(s, 1),
		    arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(st->db));
		n = -1;
	}
	store_done(s);
	return n;
}
