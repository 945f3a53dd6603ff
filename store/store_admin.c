/*
 * store_admin.c: what tincayctl asks of the store beyond the daemon's
 * rows: the listings (each row as named, typed fields), a report's texts,
 * contacts added and removed, the purge of old texts and numbers, and
 * the online backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

#define STORE_LIST_COLS	24	/* more than any listing has */
#define STORE_PURGE_WAL_TRIES	5	/* busy timeouts to wait for readers */

/* What each listing runs, and where its arguments go: the parameter
 * numbers of the id, the status and the commune (0: it has none). */
static const struct {
	enum stmt		 stmt;
	int			 id, status, commune;
} store_lists[STORE_LIST__MAX] = {
	[STORE_LIST_CONTACTS] = { ST_CONTACTS_LIST, 0, 0, 1 },
	[STORE_LIST_REPORTS] = { ST_REPORTS_LIST, 0, 1, 2 },
	[STORE_LIST_REPORT] = { ST_REPORT_SHOW, 1, 0, 2 },
	[STORE_LIST_MESSAGES] = { ST_MESSAGES_LIST, 0, 0, 1 },
	[STORE_LIST_OUTBOX] = { ST_OUTBOX_LIST, 0, 1, 2 },
	[STORE_LIST_INBOX] = { ST_INBOX_LIST, 0, 0, 1 },
};

/* The fields of s's current row into f (n of them), sealed values
 * opened: 0, or -1 (one does not open: altered, or another key). */
static int
store_list_fields(struct store *st, struct db_stmt *s, struct store_field *f,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		f[i].name = db_column_name(s, (int)i);
		f[i].number = 0;
		/* The type first: reading the value converts it. */
		switch (db_column_type(s, (int)i)) {
		case DB_INT:
		case DB_FLOAT:
			f[i].type = STORE_FIELD_NUMBER;
			f[i].number = db_column_double(s, (int)i);
			break;
		case DB_NULL:
			f[i].type = STORE_FIELD_NULL;
			break;
		case DB_BLOB:	/* the only blobs listed are sealed */
			f[i].type = STORE_FIELD_TEXT;
			if (store_col_unsealed(st, s, (int)i, &f[i].text) == -1)
				return -1;
			continue;
		default:
			f[i].type = STORE_FIELD_TEXT;
		}
		f[i].text = store_col_text(s, (int)i);
	}
	return 0;
}

size_t
store_list_names(struct store *st, enum store_list which,
    const char **names, size_t max)
{
	struct db_stmt	*s;
	size_t		 i, n;

	if ((unsigned)which >= STORE_LIST__MAX)
		fatalx("%s: no listing %d", __func__, (int)which);
	s = st->stmt[store_lists[which].stmt];
	n = (size_t)db_column_count(s);
	for (i = 0; i < n && i < max; i++)
		names[i] = db_column_name(s, (int)i);
	return i;
}

int
store_list(struct store *st, enum store_list which,
    const struct store_list_args *args, store_list_fn fn, void *arg)
{
	struct store_field	 f[STORE_LIST_COLS];
	struct db_stmt		*s;
	size_t			 ncols;
	int			 rc, n = 0;

	if ((unsigned)which >= STORE_LIST__MAX)
		fatalx("%s: no listing %d", __func__, (int)which);
	s = st->stmt[store_lists[which].stmt];
	if (store_lists[which].id > 0)
		db_bind_int64(s, store_lists[which].id, args != NULL ?
		    args->id : 0);
	if (store_lists[which].status > 0)
		store_bind_text(s, store_lists[which].status, args != NULL ?
		    args->status : NULL);
	if (store_lists[which].commune > 0)
		store_bind_text(s, store_lists[which].commune, args != NULL &&
		    args->commune != NULL && *args->commune != '\0' ?
		    args->commune : NULL);
	if ((ncols = (size_t)db_column_count(s)) > STORE_LIST_COLS)
		fatalx("%s: listing %d has %zu columns", __func__, (int)which,
		    ncols);
	while ((rc = db_step(s)) == DB_ROW) {
		if (store_list_fields(st, s, f, ncols) == -1) {
			store_done(s);
			return -1;
		}
		n++;
		if (fn(f, ncols, arg) != 0)
			break;
	}
	store_done(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return n;
}

/* Every text filed under report id, oldest first, opened for fn. */
int
store_report_texts(struct store *st, int64_t id, store_text_fn fn,
    void *arg)
{
	struct db_stmt		*s = st->stmt[ST_REPORT_TEXTS];
	struct store_text	 t;
	int			 rc, n = 0;

	db_bind_int64(s, 1, id);
	while ((rc = db_step(s)) == DB_ROW) {
		t.at = db_column_int64(s, 0);
		t.category = store_col_text(s, 1);
		if (store_col_unsealed(st, s, 2, &t.text) == -1) {
			rc = DB_ERR;
			break;
		}
		n++;
		if (fn(&t, arg) != 0)
			break;
	}
	store_done(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return n;
}

int
store_contact_add(struct store *st, const struct contact_new *c,
    int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_CONTACT_ADD];
	char		 h[PIN_HASH_MAX];

	if (c->pin != NULL && pin_hash(c->pin, strlen(c->pin), h) == -1) {
		log_warnx("%s: cannot hash the PIN", __func__);
		return -1;
	}
	store_bind_text(s, 1, c->name);
	store_bind_text(s, 2, c->phone);
	store_bind_text(s, 3, c->role);
	store_bind_text(s, 4, c->areas);
	store_bind_text(s, 5, c->channel);
	store_bind_text(s, 6, c->url);
	store_bind_text(s, 7, c->pin != NULL ? h : NULL);
	db_bind_int64(s, 8, now);
	store_bind_text(s, 9, c->commune != NULL ? c->commune : "");
	return store_run(st, ST_CONTACT_ADD);
}

int
store_contact_remove(struct store *st, const char *phone)
{
	int64_t	 n;

	if (store_begin(st) == -1)
		return -1;
	store_bind_text(st->stmt[ST_CONTACT_UNSENT], 1, phone);
	store_bind_text(st->stmt[ST_CONTACT_REMOVE], 1, phone);
	if (store_changes(st, ST_CONTACT_UNSENT) == -1 ||
	    (n = store_changes(st, ST_CONTACT_REMOVE)) == -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st) == -1 ? -1 : n > 0;
}

/*
 * One batch in its own transaction: up to max reports after *last closed
 * or cancelled before cutoff that still hold a text or a number. How many
 * reports (0: none left), or -1 (rolled back).
 */
static int
store_purge_batch(struct store *st, int64_t cutoff, int64_t *last,
    int64_t *ids, size_t max, struct store_purged *p)
{
	static const enum stmt forget[] = { ST_PURGE_MESSAGES,
	    ST_PURGE_OUTBOX, ST_PURGE_REPORT };
	int64_t		*counts[] = { &p->messages, &p->outbox, NULL };
	struct db_stmt	*s = st->stmt[ST_PURGE_DUE];
	int64_t		 changed;
	size_t		 n = 0, i, k;
	int		 rc = DB_DONE;

	if (store_begin(st) == -1)
		return -1;
	db_bind_int64(s, 1, cutoff);
	db_bind_int64(s, 2, *last);
	db_bind_int64(s, 3, (int64_t)max);
	while (n < max && (rc = db_step(s)) == DB_ROW)
		ids[n++] = db_column_int64(s, 0);
	store_done(s);
	if (rc != DB_ROW && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		goto fail;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(forget) / sizeof(forget[0]); k++) {
			db_bind_int64(st->stmt[forget[k]], 1, ids[i]);
			if ((changed = store_changes(st, forget[k])) == -1)
				goto fail;
			if (counts[k] != NULL)
				*counts[k] += changed;
		}
	if (store_commit(st) == -1)
		return -1;
	if (n > 0)
		*last = ids[n - 1];
	p->reports += (int64_t)n;
	return (int)n;
fail:
	store_rollback(st);
	return -1;
}

/* The reports' part of store_purge, batch reports per transaction. */
static int
store_purge_reports(struct store *st, int64_t cutoff, size_t batch,
    store_purge_fn progress, void *arg, struct store_purged *p)
{
	int64_t	*ids, last = 0;
	int	 n;

	if (batch == 0)
		batch = 1;
	ids = xcalloc(batch, sizeof(*ids));
	while ((n = store_purge_batch(st, cutoff, &last, ids, batch,
	    p)) > 0)
		if ((size_t)n == batch && progress != NULL)
			progress(p, arg);
	free(ids);
	return n == -1 ? -1 : 0;
}

/* The texts of no report, and what was sent for them: one transaction. */
static int
store_purge_loose(struct store *st, int64_t cutoff, struct store_purged *p)
{
	static const enum stmt forget[] = { ST_PURGE_LOOSE_MESSAGES,
	    ST_PURGE_LOOSE_OUTBOX };
	int64_t		*counts[] = { &p->messages, &p->outbox };
	int64_t		 changed;
	size_t		 i;

	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < sizeof(forget) / sizeof(forget[0]); i++) {
		db_bind_int64(st->stmt[forget[i]], 1, cutoff);
		if ((changed = store_changes(st, forget[i])) == -1) {
			store_rollback(st);
			return -1;
		}
		*counts[i] += changed;
	}
	return store_commit(st);
}

int64_t
store_purge_cutoff(int64_t now, int64_t days)
{
	/* Stamps are whole seconds and the purge takes those before it. */
	return days == 0 ? now + 1 : now - days * 86400;
}

int
store_purge(struct store *st, int64_t cutoff, size_t batch,
    store_purge_fn progress, void *arg, struct store_purged *p)
{
	int64_t	 changed;
	int	 rc;

	if (store_in_tx(st)) {
		log_warnx("%s: a transaction is open", __func__);
		return -1;
	}
	if (store_purge_reports(st, cutoff, batch, progress, arg, p) == -1 ||
	    store_purge_loose(st, cutoff, p) == -1 || store_begin(st) == -1)
		return -1;
	db_bind_int64(st->stmt[ST_PURGE_SUBS], 1, cutoff);
	if ((changed = store_changes(st, ST_PURGE_SUBS)) == -1) {
		store_rollback(st);
		return -1;
	}
	p->subscriptions += changed;
	if (store_commit(st) == -1 || store_dkey_shred(st, cutoff, p) == -1)
		return -1;
	if (p->reports > 0 || p->messages > 0 || p->outbox > 0 ||
	    p->subscriptions > 0)
		st->wal_unscrubbed = 1;
	if (!st->wal_unscrubbed) {
		p->wal_emptied = 1;
		return 0;
	}
	if ((rc = store_wal_truncate(st, STORE_PURGE_WAL_TRIES)) == -1)
		return -1;
	st->wal_unscrubbed = rc == 0;
	p->wal_emptied = rc;
	return 0;
}

int
store_inbox_get(struct store *st, int64_t id, struct inbox_row *r)
{
	struct db_stmt	*s = st->stmt[ST_INBOX_GET];
	const char	*v;
	int		 rc;

	memset(r, 0, sizeof(*r));
	db_bind_int64(s, 1, id);
	if ((rc = store_row(st, s, __func__)) == 1) {
		r->id = id;
		if (store_col_unsealed(st, s, 0, &v) == -1)
			rc = -1;
		else if (v != NULL)
			util_strlcpy(r->sender, v, sizeof(r->sender));
		if (rc == 1 && store_col_unsealed(st, s, 1, &v) == -1)
			rc = -1;
		else if (rc == 1 && v != NULL)
			r->text = xstrdup(v);
		r->received_at = db_column_int64(s, 2);
		store_col_copy(s, 3, r->commune, sizeof(r->commune));
	}
	store_done(s);
	return rc;
}

void
store_inbox_row_clear(struct inbox_row *r)
{
	free(r->text);
	memset(r, 0, sizeof(*r));
}

int
store_inbox_review(struct store *st, int64_t id, int64_t report_id,
    int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_INBOX_REVIEW];
	int64_t		 n;

	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now);
	store_bind_id(s, 3, report_id);
	if ((n = store_changes(st, ST_INBOX_REVIEW)) == -1)
		return -1;
	return n > 0;
}

