/*
 * store_dkey.c: crypto-shredding (SPEC §8, purge leaves no bytes). Every
 * value is sealed under a data key of one UTC day, wrapped by the
 * database's key and kept in data_keys; a purge destroys the keys of the
 * days before its cutoff, and with them every copy of what they sealed:
 * the dead tuples, WAL and base backups of PostgreSQL, which no purge can
 * reach, keep only blobs that nobody can open any more.
 *
 * A value is kept under the key of the day its retention starts, so that
 * its key goes with it: a resident's text or a reply the day it came or
 * went; a report's texts and numbers are sealed again under the key of
 * the day it closes (store_dkey_reseal_report), an opted-out number under
 * that of its opt-out (ST_SUB_OPTOUT). What a purge keeps but a
 * destroyed key sealed (an open report, a live subscription, a text
 * waiting for review, values from before migration 18 sealed under the
 * key itself) is first carried forward: opened and sealed again under
 * today's key.
 *
 * Today's key is made outside any transaction (store_begin asks first),
 * so that no process ever seals under a key a rollback took away; a key
 * younger than STORE_DKEY_SLACK is never destroyed, so that no writer,
 * here or on another node, still seals under one a purge takes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store_int.h"

#define STORE_DKEY_DAY		86400
#define STORE_DKEY_SLACK	3600	/* a key that young is never destroyed */
#define STORE_DKEY_BATCH	500	/* values carried forward a transaction */

/*
 * The sealed columns: where a report's rows name it (NULL: none), and the
 * three statements of each (store_dkey_sql): the values after row ?1 sealed
 * under a key before ?3 (a blob's first 5 bytes compared: version 1, or 2
 * and a day before), ?2 at most; a report's (?1) sealed under a key before
 * ?2; one row's value replaced (?1 row, ?2 new) if it is still ?3.
 */
static const struct {
	const char	*table, *col, *report;
} store_dkey_cols[STORE_DKEY_COLS] = {
	{ "messages", "sender", "report_id" },
	{ "messages", "body", "report_id" },
	{ "reports", "reporter", "id" },
	{ "outbox", "dest", "report_id" },
	{ "outbox", "body", "report_id" },
	{ "subscriptions", "phone", NULL },
};

enum { STORE_DKEY_FORWARD, STORE_DKEY_OF_REPORT, STORE_DKEY_SET };

/* A sealed value, copied out of its row to be sealed again. */
struct store_dkey_row {
	int64_t		 id;
	unsigned char	*blob;
	size_t		 len;
};

/* Today's day number, on the data keys' clock. */
static uint32_t
store_dkey_today(const struct store *st)
{
	int64_t	 t = st->seal_now != 0 ? st->seal_now : util_now();

	return t > 0 ? (uint32_t)(t / STORE_DKEY_DAY) : 0;
}

void
store_seal_clock(struct store *st, int64_t now)
{
	st->seal_now = now;
}

/* "Sealed under a key before ?n" for column col, as the engine writes it:
 * SQLite compares a blob's bytes, PostgreSQL a bytea's. */
static void
store_dkey_below(const struct store *st, const char *col, int n, char *out,
    size_t len)
{
	if (db_engine(st->db) == DB_PG)
		snprintf(out, len, "octet_length(%s) > %d AND substring(%s "
		    "from 1 for %d) < ?%d", col, SEAL_HEAD_LEN, col,
		    SEAL_HEAD_LEN, n);
	else
		snprintf(out, len, "typeof(%s) = 'blob' AND substr(%s, 1, %d)"
		    " < ?%d", col, col, SEAL_HEAD_LEN, n);
}

/* Statement which of column c, prepared at its first use. */
static struct db_stmt *
store_dkey_sql(struct store *st, size_t c, int which)
{
	char		 sql[512], below[160];
	const char	*t = store_dkey_cols[c].table,
			*col = store_dkey_cols[c].col;

	if (st->dkey_stmt[c][which] != NULL)
		return st->dkey_stmt[c][which];
	switch (which) {
	case STORE_DKEY_FORWARD:
		store_dkey_below(st, col, 3, below, sizeof(below));
		snprintf(sql, sizeof(sql), "SELECT id, %s FROM %s WHERE id > ?1"
		    " AND %s ORDER BY id LIMIT ?2", col, t, below);
		break;
	case STORE_DKEY_OF_REPORT:
		store_dkey_below(st, col, 2, below, sizeof(below));
		snprintf(sql, sizeof(sql), "SELECT id, %s FROM %s WHERE %s = ?1"
		    " AND %s", col, t, store_dkey_cols[c].report, below);
		break;
	default:
		snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?2 WHERE id = ?1"
		    " AND %s = ?3", t, col, col);
	}
	if (db_prepare(st->db, sql, &st->dkey_stmt[c][which]) != 0) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		return NULL;
	}
	return st->dkey_stmt[c][which];
}

/* The first bytes of every blob sealed under a key before day. */
static void
store_dkey_bound(uint32_t day, unsigned char out[SEAL_HEAD_LEN])
{
	out[0] = SEAL_VERSION;
	out[1] = (unsigned char)(day >> 24);
	out[2] = (unsigned char)(day >> 16);
	out[3] = (unsigned char)(day >> 8);
	out[4] = (unsigned char)day;
}

/* The key of day as the database keeps it, opened: NULL if there is none
 * (never made, or destroyed) or it does not open (logged). */
static struct seal_dkey *
store_dkey_load(struct store *st, uint32_t day)
{
	struct db_stmt	 *s = st->stmt[ST_DKEY_GET];
	struct seal_dkey *dk = NULL;

	db_bind_int64(s, 1, day);
	if (store_row(st, s, __func__) == 1 && (dk = seal_dkey_open(st->seal,
	    day, db_column_blob(s, 0), (size_t)db_column_bytes(s, 0))) ==
	    NULL)
		log_warnx("%s: the data key of day %u does not open: altered, "
		    "or wrapped by another key", __func__, day);
	store_done(s);
	return dk;
}

/*
 * Today's key made or read, as st->dkey_now. Outside a transaction the row
 * is committed before anything is sealed under it; inside one (a caller's
 * own BEGIN) it may be rolled back, so it is checked again at the next
 * call outside. 0, or -1 (logged).
 */
int
store_dkey_ready(struct store *st)
{
	struct db_stmt	 *s = st->stmt[ST_DKEY_ADD];
	unsigned char	  wrapped[SEAL_WRAPPED_LEN];
	struct seal_dkey *dk;
	uint32_t	  day = store_dkey_today(st);
	int64_t		  added;
	int		  in_tx = db_in_tx(st->db);

	if (st->dkey_now != NULL && st->dkey_day == day &&
	    (!st->dkey_tentative || in_tx))
		return 0;
	if (st->seal == NULL)
		return -1;
	if ((dk = store_dkey_load(st, day)) == NULL) {
		if ((dk = seal_dkey_make(st->seal, day, wrapped)) == NULL) {
			log_warnx("%s: cannot make a data key", __func__);
			return -1;
		}
		db_bind_int64(s, 1, day);
		db_bind_blob(s, 2, wrapped, sizeof(wrapped));
		if ((added = store_changes(st, ST_DKEY_ADD)) == -1) {
			seal_dkey_free(dk);
			OPENSSL_cleanse(wrapped, sizeof(wrapped));
			return -1;
		}
		OPENSSL_cleanse(wrapped, sizeof(wrapped));
		/* Another program made it first: theirs is the key. */
		if (added == 0) {
			seal_dkey_free(dk);
			if ((dk = store_dkey_load(st, day)) == NULL)
				return -1;
		}
	}
	seal_dkey_free(st->dkey_now);
	st->dkey_now = dk;
	st->dkey_day = day;
	st->dkey_tentative = in_tx;
	return 0;
}

/* The key to seal under now: today's, or in a transaction that began
 * yesterday, the one it began with. NULL (logged) if there is none. */
static struct seal_dkey *
store_dkey_current(struct store *st)
{
	if (st->dkey_now != NULL && (db_in_tx(st->db) ||
	    (st->dkey_day == store_dkey_today(st) && !st->dkey_tentative)))
		return st->dkey_now;
	if (store_dkey_ready(st) == -1)
		return NULL;
	return st->dkey_now;
}

int
store_seal_value(struct store *st, const char *v, size_t len,
    unsigned char *out)
{
	struct seal_dkey *dk;

	if ((dk = store_dkey_current(st)) == NULL)
		return -1;
	return seal_seal(st->seal, dk, v, len, out);
}

/* A key to open blobs of day with: today's, one kept open, or read (and
 * kept, in place of the one unused longest). *fresh: just read. */
static struct seal_dkey *
store_dkey_get(struct store *st, uint32_t day, int *fresh)
{
	struct store_dkey_slot	*slot, *old = &st->dkeys[0];
	size_t			 i;

	*fresh = 0;
	if (st->dkey_now != NULL && st->dkey_day == day)
		return st->dkey_now;
	for (i = 0; i < STORE_DKEYS; i++) {
		slot = &st->dkeys[i];
		if (slot->dk != NULL && slot->day == day) {
			slot->used = ++st->dkeys_clock;
			return slot->dk;
		}
		if (slot->used < old->used)
			old = slot;
	}
	seal_dkey_free(old->dk);
	old->dk = store_dkey_load(st, day);
	old->day = day;
	old->used = ++st->dkeys_clock;
	*fresh = 1;
	return old->dk;
}

/* Forget the key of day kept open (destroyed, or found stale). */
static void
store_dkey_drop(struct store *st, uint32_t day)
{
	size_t	 i;

	for (i = 0; i < STORE_DKEYS; i++)
		if (st->dkeys[i].dk != NULL && st->dkeys[i].day == day) {
			seal_dkey_free(st->dkeys[i].dk);
			memset(&st->dkeys[i], 0, sizeof(st->dkeys[i]));
		}
}

int
store_unseal_blob(struct store *st, const unsigned char *blob, size_t len,
    char *out)
{
	struct seal_dkey *dk;
	uint32_t	  day = 0;
	int		  fresh, n;

	switch (seal_blob_key(blob, len, &day)) {
	case SEAL_VERSION_MASTER:
		return seal_unseal(st->seal, NULL, blob, len, out);
	case SEAL_VERSION:
		break;
	default:
		return -1;
	}
	if ((dk = store_dkey_get(st, day, &fresh)) == NULL)
		return -1;
	if ((n = seal_unseal(st->seal, dk, blob, len, out)) != -1 || fresh)
		return n;
	/* A key kept open from before another program destroyed the day's
	 * and made it again (a clock behind): read it again, once. */
	if (dk == st->dkey_now)
		return -1;
	store_dkey_drop(st, day);
	if ((dk = store_dkey_get(st, day, &fresh)) == NULL)
		return -1;
	return seal_unseal(st->seal, dk, blob, len, out);
}

/* Rows of s, bound, copied out: at most max into rows; how many, or -1. */
static int
store_dkey_collect(struct store *st, struct db_stmt *s,
    struct store_dkey_row *rows, size_t max)
{
	size_t	 n = 0;
	int	 rc = DB_DONE;

	while (n < max && (rc = db_step(s)) == DB_ROW) {
		rows[n].id = db_column_int64(s, 0);
		rows[n].len = (size_t)db_column_bytes(s, 1);
		rows[n].blob = xmalloc(rows[n].len + 1);
		memcpy(rows[n].blob, db_column_blob(s, 1), rows[n].len);
		n++;
	}
	if (n < max && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		store_done(s);
		while (n > 0)
			free(rows[--n].blob);
		return -1;
	}
	store_done(s);
	return (int)n;
}

/*
 * Seal row r's value of column c again under today's key with set, if the
 * row still holds what was read; plain holds r->len + 1 bytes. 1 sealed
 * again, 0 not (changed since, or it does not open: left as it is), -1
 * an error (logged).
 */
static int
store_dkey_move_one(struct store *st, size_t c, struct db_stmt *set,
    const struct store_dkey_row *r, char *plain)
{
	int64_t	 n;
	int	 len, rc = 0;

	if ((len = store_unseal_blob(st, r->blob, r->len, plain)) == -1) {
		log_warnx("%s: %s %lld: a sealed value does not open",
		    __func__, store_dkey_cols[c].table, (long long)r->id);
		return 0;
	}
	db_bind_int64(set, 1, r->id);
	db_bind_blob(set, 3, r->blob, r->len);
	if (store_bind_sealed(st, set, 2, plain, (size_t)len) == -1)
		rc = -1;
	else if (db_step(set) != DB_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		rc = -1;
	} else if ((n = db_changes(st->db)) < 0) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		rc = -1;
	} else
		rc = n > 0;
	store_done(set);
	OPENSSL_cleanse(plain, (size_t)len);
	return rc;
}

/* The n rows' values of column c sealed again (store_dkey_move_one), the
 * rows then freed: how many were, or -1. */
static int
store_dkey_move(struct store *st, size_t c, struct store_dkey_row *rows,
    size_t n)
{
	struct db_stmt	*set = store_dkey_sql(st, c, STORE_DKEY_SET);
	char		*plain = NULL;
	size_t		 i, cap = 0;
	int		 moved = set != NULL ? 0 : -1, rc;

	for (i = 0; i < n; i++) {
		if (moved != -1) {
			if (cap < rows[i].len + 1) {
				free(plain);
				plain = xmalloc(cap = rows[i].len + 1);
			}
			if ((rc = store_dkey_move_one(st, c, set, &rows[i],
			    plain)) == -1)
				moved = -1;
			else
				moved += rc;
		}
		free(rows[i].blob);
	}
	free(plain);
	return moved;
}

int
store_dkey_reseal_report(struct store *st, int64_t id)
{
	struct store_dkey_row	*rows;
	struct db_stmt		*s;
	unsigned char		 bound[SEAL_HEAD_LEN];
	size_t			 c;
	int			 n;

	if (store_dkey_current(st) == NULL)
		return -1;
	store_dkey_bound(st->dkey_day, bound);
	rows = xcalloc(STORE_DKEY_BATCH, sizeof(*rows));
	for (c = 0; c < STORE_DKEY_COLS; c++) {
		if (store_dkey_cols[c].report == NULL)
			continue;
		if ((s = store_dkey_sql(st, c, STORE_DKEY_OF_REPORT)) == NULL)
			goto fail;
		/* A report has a few rows: more are moved by the next
		 * purge, as what it keeps. */
		db_bind_int64(s, 1, id);
		db_bind_blob(s, 2, bound, sizeof(bound));
		if ((n = store_dkey_collect(st, s, rows,
		    STORE_DKEY_BATCH)) == -1 ||
		    store_dkey_move(st, c, rows, (size_t)n) == -1)
			goto fail;
	}
	free(rows);
	return 0;
fail:
	free(rows);
	return -1;
}

/*
 * Carry forward column c's values sealed under a key before day, a
 * transaction per batch. 0, or -1.
 */
static int
store_dkey_forward(struct store *st, size_t c, uint32_t day, int64_t *count)
{
	struct store_dkey_row	*rows;
	struct db_stmt		*s;
	unsigned char		 bound[SEAL_HEAD_LEN];
	int64_t			 last = 0;
	int			 n, moved, rc = -1;

	store_dkey_bound(day, bound);
	rows = xcalloc(STORE_DKEY_BATCH, sizeof(*rows));
	do {
		if (store_begin(st) == -1 ||
		    (s = store_dkey_sql(st, c, STORE_DKEY_FORWARD)) == NULL)
			goto out;
		db_bind_int64(s, 1, last);
		db_bind_int64(s, 2, STORE_DKEY_BATCH);
		db_bind_blob(s, 3, bound, sizeof(bound));
		if ((n = store_dkey_collect(st, s, rows,
		    STORE_DKEY_BATCH)) == -1)
			goto out;
		if (n > 0)
			last = rows[n - 1].id;
		if ((moved = store_dkey_move(st, c, rows, (size_t)n)) == -1 ||
		    store_commit(st) == -1)
			goto out;
		*count += moved;
	} while (n == STORE_DKEY_BATCH);
	rc = 0;
out:
	if (rc == -1)
		store_rollback(st);
	free(rows);
	return rc;
}

/* data_keys' file on PostgreSQL: its number, or -1. */
static int64_t
store_dkey_filenode(struct store *st)
{
	struct db_stmt	*s;
	int64_t		 n = -1;

	if (db_prepare(st->db, "SELECT pg_relation_filenode('data_keys')",
	    &s) != 0)
		return -1;
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/*
 * PostgreSQL keeps a deleted row in its page until the page is rewritten:
 * data_keys is rewritten whole (VACUUM FULL: a new file of the live keys,
 * the old one emptied when the rewrite commits), then a checkpoint asked
 * for, so that WAL holding the old pages can be recycled (a role without
 * pg_checkpoint leaves that to the server's own). SQLite's secure_delete
 * zeroed the row; the purge then empties its WAL.
 */
static int
store_dkey_rewrite(struct store *st)
{
	int64_t	 was;
	int	 rc = 0;

	if (db_engine(st->db) != DB_PG) {
		st->wal_unscrubbed = 1;
		return 0;
	}
	/* Its lock waits for every reader of data_keys: not for long (the
	 * next purge tries again), and meanwhile they wait for it. A role
	 * that does not own the table gets a warning, not an error: the
	 * file's number says whether it was rewritten. */
	was = store_dkey_filenode(st);
	if (db_exec(st->db, "SET lock_timeout = '2s'") != 0 ||
	    db_exec(st->db, "VACUUM FULL data_keys") != 0) {
		log_warnx("purge: data keys not rewritten (again at the next "
		    "purge): %s", db_errmsg(st->db));
		rc = -1;
	} else if (was == -1 || store_dkey_filenode(st) == was) {
		log_warnx("purge: data keys not rewritten (again at the next "
		    "purge): VACUUM FULL data_keys needs its owner");
		rc = -1;
	}
	(void)db_exec(st->db, "RESET lock_timeout");
	if (rc == 0 && db_exec(st->db, "CHECKPOINT") != 0)
		log_debug("purge: no checkpoint: %s", db_errmsg(st->db));
	return rc;
}

int
store_dkey_shred(struct store *st, int64_t cutoff, struct store_purged *p)
{
	struct db_stmt	*s = st->stmt[ST_DKEY_BEFORE];
	int64_t		 now = st->seal_now != 0 ? st->seal_now : util_now(),
			 lim = cutoff < now - STORE_DKEY_SLACK ? cutoff :
			 now - STORE_DKEY_SLACK, keys, destroyed, v1;
	uint32_t	 day = lim > 0 ? (uint32_t)(lim / STORE_DKEY_DAY) : 0;
	size_t		 c, i;

	/* Keys to destroy, and values sealed under the key itself. */
	db_bind_int64(s, 1, day);
	keys = store_row(st, s, __func__) == 1 ? db_column_int64(s, 0) : -1;
	store_done(s);
	db_bind_text(st->stmt[ST_META_GET], 1, "seal_v1", -1);
	v1 = store_row(st, st->stmt[ST_META_GET], __func__);
	store_done(st->stmt[ST_META_GET]);
	if (keys == -1 || v1 == -1)
		return -1;
	if (keys > 0 || v1 > 0) {
		if (store_dkey_current(st) == NULL)
			return -1;
		/* Carried forward under a key that goes too, it would be
		 * lost: never (a clock set back under us). */
		if (st->dkey_day < day) {
			log_warnx("%s: today's data key (day %u) is older "
			    "than the cutoff's (day %u)", __func__,
			    st->dkey_day, day);
			return -1;
		}
		for (c = 0; c < STORE_DKEY_COLS; c++)
			if (store_dkey_forward(st, c, day, &p->carried) == -1)
				return -1;
		if (store_begin(st) == -1)
			return -1;
		db_bind_int64(st->stmt[ST_DKEY_DESTROY], 1, day);
		db_bind_text(st->stmt[ST_META_DEL], 1, "seal_v1", -1);
		if ((destroyed = store_changes(st, ST_DKEY_DESTROY)) == -1 ||
		    store_run(st, ST_META_DEL) == -1) {
			store_rollback(st);
			return -1;
		}
		if (store_commit(st) == -1)
			return -1;
		p->keys += destroyed;
		for (i = 0; i < STORE_DKEYS; i++)
			if (st->dkeys[i].dk != NULL && st->dkeys[i].day < day)
				store_dkey_drop(st, st->dkeys[i].day);
		if (destroyed > 0)
			st->dkeys_unscrubbed = 1;
	}
	if (st->dkeys_unscrubbed) {
		if (store_dkey_rewrite(st) == -1)
			return -1;
		st->dkeys_unscrubbed = 0;
	}
	return 0;
}

void
store_dkey_close(struct store *st)
{
	size_t	 c, i;

	for (c = 0; c < STORE_DKEY_COLS; c++)
		for (i = 0; i < STORE_DKEY_NSTMT; i++) {
			db_finalize(st->dkey_stmt[c][i]);
			st->dkey_stmt[c][i] = NULL;
		}
	for (i = 0; i < STORE_DKEYS; i++)
		seal_dkey_free(st->dkeys[i].dk);
	memset(st->dkeys, 0, sizeof(st->dkeys));
	seal_dkey_free(st->dkey_now);
	st->dkey_now = NULL;
}
