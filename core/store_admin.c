/*
 * store_admin.c: what tincayctl asks of the store beyond the daemon's
 * rows: the listings (each row as named, typed fields), contacts added
 * and removed, and the purge of old texts and numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define STORE_LIST_COLS	16	/* more than any listing has */

/* What each listing runs, and what its ?1 is. */
enum store_list_bind { STORE_BIND_NONE, STORE_BIND_STATUS, STORE_BIND_ID };
static const struct {
	enum stmt		 stmt;
	enum store_list_bind	 bind;
} store_lists[STORE_LIST__MAX] = {
	[STORE_LIST_CONTACTS] = { ST_CONTACTS_LIST, STORE_BIND_NONE },
	[STORE_LIST_REPORTS] = { ST_REPORTS_LIST, STORE_BIND_STATUS },
	[STORE_LIST_REPORT] = { ST_REPORT_SHOW, STORE_BIND_ID },
	[STORE_LIST_MESSAGES] = { ST_MESSAGES_LIST, STORE_BIND_NONE },
	[STORE_LIST_OUTBOX] = { ST_OUTBOX_LIST, STORE_BIND_STATUS },
	[STORE_LIST_REPORT_TEXTS] = { ST_REPORT_TEXTS, STORE_BIND_ID },
};

/* The fields of s's current row into f (n of them), sealed values
 * opened: 0, or -1 (one does not open: altered, or another key). */
static int
store_list_fields(struct store *st, sqlite3_stmt *s, struct store_field *f,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		f[i].name = sqlite3_column_name(s, (int)i);
		f[i].number = 0;
		/* The type first: reading the value converts it. */
		switch (sqlite3_column_type(s, (int)i)) {
		case SQLITE_INTEGER:
		case SQLITE_FLOAT:
			f[i].type = STORE_FIELD_NUMBER;
			f[i].number = sqlite3_column_double(s, (int)i);
			break;
		case SQLITE_NULL:
			f[i].type = STORE_FIELD_NULL;
			break;
		case SQLITE_BLOB:	/* the only blobs listed are sealed */
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

int
store_list(struct store *st, enum store_list which,
    const struct store_list_args *args, store_list_fn fn, void *arg)
{
	struct store_field	 f[STORE_LIST_COLS];
	sqlite3_stmt		*s;
	size_t			 ncols;
	int			 rc, n = 0;

	if ((unsigned)which >= STORE_LIST__MAX)
		fatalx("%s: no listing %d", __func__, (int)which);
	s = st->stmt[store_lists[which].stmt];
	switch (store_lists[which].bind) {
	case STORE_BIND_STATUS:
		store_bind_text(s, 1, args != NULL ? args->status : NULL);
		break;
	case STORE_BIND_ID:
		sqlite3_bind_int64(s, 1, args != NULL ? args->id : 0);
		break;
	case STORE_BIND_NONE:
		break;
	}
	if ((ncols = (size_t)sqlite3_column_count(s)) > STORE_LIST_COLS)
		fatalx("%s: listing %d has %zu columns", __func__, (int)which,
		    ncols);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (store_list_fields(st, s, f, ncols) == -1) {
			store_done(s);
			return -1;
		}
		n++;
		if (fn(f, ncols, arg) != 0)
			break;
	}
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return n;
}

int
store_contact_add(struct store *st, const struct contact_new *c,
    int64_t now)
{
	sqlite3_stmt	*s = st->stmt[ST_CONTACT_ADD];

	store_bind_text(s, 1, c->name);
	store_bind_text(s, 2, c->phone);
	store_bind_text(s, 3, c->role);
	store_bind_text(s, 4, c->areas);
	store_bind_text(s, 5, c->channel);
	store_bind_text(s, 6, c->url);
	store_bind_text(s, 7, c->pin);
	sqlite3_bind_int64(s, 8, now);
	return store_run(st, ST_CONTACT_ADD);
}

int
store_contact_remove(struct store *st, const char *phone)
{
	int64_t	 n;

	store_bind_text(st->stmt[ST_CONTACT_REMOVE], 1, phone);
	if ((n = store_changes(st, ST_CONTACT_REMOVE)) == -1)
		return -1;
	return n > 0;
}

/*
 * The purge forgets with secure_delete on (SQLite zeroes the bytes it
 * frees); it stays on for the connection.
 */
static int
store_purge_secure(struct store *st)
{
	return store_run(st, ST_SECURE_DELETE);
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
	sqlite3_stmt	*s = st->stmt[ST_PURGE_DUE];
	int64_t		 changed;
	size_t		 n = 0, i, k;
	int		 rc = SQLITE_DONE;

	if (store_begin(st) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, cutoff);
	sqlite3_bind_int64(s, 2, *last);
	sqlite3_bind_int64(s, 3, (int64_t)max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(st->db));
		goto fail;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(forget) / sizeof(forget[0]); k++) {
			sqlite3_bind_int64(st->stmt[forget[k]], 1, ids[i]);
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

int
store_purge_reports(struct store *st, int64_t cutoff, size_t batch,
    store_purge_fn progress, void *arg, struct store_purged *p)
{
	int64_t	*ids, last = 0;
	int	 n;

	if (batch == 0)
		batch = 1;
	if (store_purge_secure(st) == -1)
		return -1;
	ids = xcalloc(batch, sizeof(*ids));
	while ((n = store_purge_batch(st, cutoff, &last, ids, batch,
	    p)) > 0)
		if ((size_t)n == batch && progress != NULL)
			progress(p, arg);
	free(ids);
	return n == -1 ? -1 : 0;
}

int
store_purge_loose(struct store *st, int64_t cutoff, struct store_purged *p)
{
	static const enum stmt forget[] = { ST_PURGE_LOOSE_MESSAGES,
	    ST_PURGE_LOOSE_OUTBOX };
	int64_t		*counts[] = { &p->messages, &p->outbox };
	int64_t		 changed;
	size_t		 i;

	if (store_purge_secure(st) == -1 || store_begin(st) == -1)
		return -1;
	for (i = 0; i < sizeof(forget) / sizeof(forget[0]); i++) {
		sqlite3_bind_int64(st->stmt[forget[i]], 1, cutoff);
		if ((changed = store_changes(st, forget[i])) == -1) {
			store_rollback(st);
			return -1;
		}
		*counts[i] += changed;
	}
	return store_commit(st);
}
