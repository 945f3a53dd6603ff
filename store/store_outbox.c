/*
 * store_outbox.c: the typed rows delivery and escalation write and read,
 * over the statements of store.c's table: the result of one delivery
 * attempt, the provider's id for an SMS and its receipt, a report marked
 * due for escalation, the reports due, and one escalation done. Every
 * write joins the open batch (store_begin).
 */
#include <stdint.h>
#include <string.h>

#include "store_int.h"

int
store_outbox_result(struct store *st, int64_t id, const char *status,
    int64_t now, int64_t next_at, int64_t sent_at, const char *error,
    const char *msg)
{
	struct db_stmt	*s;

	if (store_begin(st) == -1)
		return -1;
	s = store_stmt(st, ST_OUTBOX_RESULT);
	db_bind_int64(s, 1, id);
	store_bind_text(s, 2, status);
	db_bind_int64(s, 3, next_at);
	store_bind_id(s, 4, sent_at);
	store_bind_text(s, 5, error);
	store_bind_text(s, 6, msg);
	db_bind_int64(s, 7, now);
	store_bind_text(s, 8, "pending");
	return store_run(st, ST_OUTBOX_RESULT);
}

int
store_outbox_receipt(struct store *st, const char *key, const char *receipt,
    const char *reason, int64_t at, struct store_receipt_row *row)
{
	struct db_stmt	*s;
	int		 rc;

	memset(row, 0, sizeof(*row));
	if (store_begin(st) == -1)
		return -1;
	s = store_stmt(st, ST_OUTBOX_BY_MSG);
	store_bind_text(s, 1, key);
	if ((rc = db_step(s)) == DB_ROW) {
		row->id = db_column_int64(s, 0);
		row->report_id = db_column_int64(s, 1);
		row->contact_id = db_column_int64(s, 2);
		store_col_copy(s, 3, row->was, sizeof(row->was));
		store_col_copy(s, 4, row->ref, sizeof(row->ref));
		store_col_copy(s, 5, row->role, sizeof(row->role));
	}
	store_done(s);
	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW) {
		log_warnx("%s: %s", __func__, store_errmsg(st));
		return -1;
	}
	s = store_stmt(st, ST_OUTBOX_RECEIPT);
	db_bind_int64(s, 1, row->id);
	store_bind_text(s, 2, receipt);
	db_bind_int64(s, 3, at);
	store_bind_text(s, 4, reason);
	return store_run(st, ST_OUTBOX_RECEIPT) == -1 ? -1 : 1;
}

int
store_receipt_keep(struct store *st, const char *key, const char *receipt,
    const char *reason, int64_t at, int64_t drop_before)
{
	struct db_stmt	*s;

	if (store_begin(st) == -1)
		return -1;
	db_bind_int64(store_stmt(st, ST_RECEIPT_EXPIRE), 1, drop_before);
	if (store_run(st, ST_RECEIPT_EXPIRE) == -1)
		return -1;
	s = store_stmt(st, ST_RECEIPT_KEEP);
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, receipt);
	store_bind_text(s, 3, reason);
	db_bind_int64(s, 4, at);
	return store_run(st, ST_RECEIPT_KEEP);
}

int
store_receipt_take(struct store *st, const char *key,
    struct store_receipt_kept *k)
{
	struct db_stmt	*s;
	int		 rc;

	memset(k, 0, sizeof(*k));
	if (store_begin(st) == -1)
		return -1;
	s = store_stmt(st, ST_RECEIPT_TAKE);
	store_bind_text(s, 1, key);
	if ((rc = db_step(s)) == DB_ROW) {
		store_col_copy(s, 0, k->receipt, sizeof(k->receipt));
		store_col_copy(s, 1, k->reason, sizeof(k->reason));
		k->at = db_column_int64(s, 2);
	}
	store_done(s);
	if (rc != DB_ROW && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, store_errmsg(st));
		return -1;
	}
	return rc == DB_ROW;
}

int
store_outbox_escalate_at(struct store *st, int64_t outbox_id, int64_t at)
{
	struct db_stmt	*s;
	int64_t		 n;

	if (outbox_id == 0)
		return 0;
	if (store_begin(st) == -1)
		return -1;
	s = store_stmt(st, ST_REPORT_ESCALATE_NOW);
	db_bind_int64(s, 1, outbox_id);
	db_bind_int64(s, 2, at);
	if ((n = store_changes(st, ST_REPORT_ESCALATE_NOW)) == -1)
		return -1;
	if (n > 0)
		st->batch.escalate_now++;
	return n > 0;
}

int
store_outbox_escalations(struct store *st, int64_t now, int64_t *ids,
    int max)
{
	struct db_stmt	*s;
	int		 n = 0, rc = DB_DONE;

	s = store_stmt(st, ST_REPORTS_ESCALATE_DUE);
	db_bind_int64(s, 1, now);
	while (n < max && (rc = db_step(s)) == DB_ROW)
		ids[n++] = db_column_int64(s, 0);
	if (n < max && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, store_errmsg(st));
		n = -1;
	}
	store_done(s);
	return n;
}

/* Statement which (report id, a time; 0 binds NULL) in the batch. */
static int
store_outbox_report_at(struct store *st, enum stmt which, int64_t report_id,
    int64_t at)
{
	struct db_stmt	*s;

	if (store_begin(st) == -1)
		return -1;
	s = store_stmt(st, which);
	db_bind_int64(s, 1, report_id);
	store_bind_id(s, 2, at);
	return store_run(st, which);
}

int
store_outbox_escalate_later(struct store *st, int64_t report_id, int64_t at)
{
	return store_outbox_report_at(st, ST_REPORT_ESCALATE_LATER, report_id,
	    at);
}

int
store_outbox_escalated(struct store *st, int64_t report_id, int64_t next_at)
{
	return store_outbox_report_at(st, ST_REPORT_ESCALATED, report_id,
	    next_at);
}
