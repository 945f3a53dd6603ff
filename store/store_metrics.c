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
	struct db_stmt	*s;
	int		 rc, lane;

	memset(g, 0, sizeof(*g));
	s = store_stmt(st, ST_METRICS_DEPTH);
	while ((rc = db_step(s)) == DB_ROW) {
		lane = (int)db_column_int64(s, 0);
		if (lane >= 0 && lane < OUTBOX_LANES)
			g->pending[lane] = db_column_int64(s, 1);
	}
	store_done(s);
	if (rc != DB_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		return -1;
	}
	s = store_stmt(st, ST_METRICS_OLDEST);
	if ((rc = store_row(st, s, __func__)) == 1 &&
	    db_column_type(s, 0) != DB_NULL) {
		g->has_oldest = 1;
		g->oldest_alert_at = db_column_int64(s, 0);
	}
	store_done(s);
	if (rc == -1)
		return -1;
	s = store_stmt(st, ST_METRICS_REPEATING);
	db_bind_int64(s, 1, ESCALATE_LEVELS);
	if ((rc = store_row(st, s, __func__)) == 1)
		g->repeating = db_column_int64(s, 0);
	store_done(s);
	return rc == -1 ? -1 : 0;
}

int
store_metrics_open(struct store *st, store_open_fn fn, void *arg)
{
	struct db_stmt	*s = store_stmt(st, ST_METRICS_OPEN);
	int		 rc, n = 0;

	while ((rc = db_step(s)) == DB_ROW) {
		n++;
		if (fn(store_col_text(s, 0), db_column_int64(s, 1),
		    arg) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		n = -1;
	}
	store_done(s);
	return n;
}
