/*
 * store_seal.c: encrypted at rest, the store's side (SPEC §8). The key of
 * the database at open (its file read or made, checked against what the
 * database keeps of it); values sealed as they are bound and opened as they
 * are read, so callers see plaintext rows; clear values from before
 * migration 7 sealed in place, leaving no bytes of them behind.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store_int.h"

#define STORE_SEAL_BATCH	500	/* clear values sealed per transaction */

/*
 * The columns that hold texts and numbers of residents, and how to seal
 * the clear ones in place: ?1 the row after which to look, ?2 how many
 * (STORE_SEAL_BATCH), then the row, its value sealed and (hashed) the
 * keyed hash of it. "" carries nothing
 * and stays (a purge leaves it). Run once, at the open after migration 7.
 */
static const struct {
	const char	*select, *update;
	int		 hashed;
} store_seal_columns[] = {
	{ "SELECT rowid, sender FROM messages WHERE rowid > ?1"
	    " AND typeof(sender) = 'text' AND sender <> ''"
	    " ORDER BY rowid LIMIT ?2",
	    "UPDATE messages SET sender = ?2 WHERE rowid = ?1", 0 },
	{ "SELECT rowid, body FROM messages WHERE rowid > ?1"
	    " AND typeof(body) = 'text' AND body <> ''"
	    " ORDER BY rowid LIMIT ?2",
	    "UPDATE messages SET body = ?2 WHERE rowid = ?1", 0 },
	{ "SELECT rowid, reporter FROM reports WHERE rowid > ?1"
	    " AND typeof(reporter) = 'text' AND reporter <> ''"
	    " ORDER BY rowid LIMIT ?2",
	    "UPDATE reports SET reporter = ?2, reporter_hash = ?3"
	    " WHERE rowid = ?1", 1 },
	{ "SELECT rowid, dest FROM outbox WHERE rowid > ?1"
	    " AND typeof(dest) = 'text' AND dest <> ''"
	    " ORDER BY rowid LIMIT ?2",
	    "UPDATE outbox SET dest = ?2 WHERE rowid = ?1", 0 },
	{ "SELECT rowid, body FROM outbox WHERE rowid > ?1"
	    " AND typeof(body) = 'text' AND body <> ''"
	    " ORDER BY rowid LIMIT ?2",
	    "UPDATE outbox SET body = ?2 WHERE rowid = ?1", 0 },
	{ "SELECT rowid, phone FROM subscriptions WHERE rowid > ?1"
	    " AND typeof(phone) = 'text' AND phone <> ''"
	    " ORDER BY rowid LIMIT ?2",
	    "UPDATE subscriptions SET phone = ?2, phone_hash = ?3"
	    " WHERE rowid = ?1", 1 },
};
#define STORE_SEAL_NCOLUMNS \
	(sizeof(store_seal_columns) / sizeof(store_seal_columns[0]))

/* b holds at least len bytes. */
static unsigned char *
store_buf_fit(struct store_buf *b, size_t len)
{
	if (b->cap < len) {
		b->cap = len < 256 ? 256 : len;
		b->p = xrealloc(b->p, b->cap);
	}
	return b->p;
}

static void
store_buf_free(struct store_buf *b)
{
	if (b->p != NULL)
		OPENSSL_cleanse(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->cap = 0;
}

int
store_bind_sealed(struct store *st, struct db_stmt *s, int i, const char *v,
    size_t len)
{
	unsigned char	*out;
	int		 n;

	if (v == NULL) {
		db_bind_null(s, i);
		return 0;
	}
	if (len == 0) {
		db_bind_text(s, i, "", 0);
		return 0;
	}
	if (i <= 0 || i >= STORE_SEAL_SLOTS)
		fatalx("%s: parameter %d", __func__, i);
	out = store_buf_fit(&st->sealed[i], len + SEAL_OVERHEAD);
	if ((n = store_seal_value(st, v, len, out)) == -1) {
		log_warnx("%s: cannot seal a value", __func__);
		return -1;
	}
	/* Ours until store_done() clears the bindings. */
	db_bind_blob(s, i, out, n);
	return 0;
}

int
store_bind_sealed_master(struct store *st, struct db_stmt *s, int i,
    const char *v)
{
	unsigned char	*out;
	size_t		 len;
	int		 n;

	if (v == NULL) {
		db_bind_null(s, i);
		return 0;
	}
	if (i <= 0 || i >= STORE_SEAL_SLOTS)
		fatalx("%s: parameter %d", __func__, i);
	len = strlen(v);
	out = store_buf_fit(&st->sealed[i], len + SEAL_OVERHEAD);
	if ((n = seal_seal_master(st->seal, v, len, out)) == -1) {
		log_warnx("%s: cannot seal a value", __func__);
		return -1;
	}
	db_bind_blob(s, i, out, n);
	return 0;
}

int
store_bind_sealed_str(struct store *st, struct db_stmt *s, int i, const char *v)
{
	return store_bind_sealed(st, s, i, v, v != NULL ? strlen(v) : 0);
}

void
store_bind_hash(struct store *st, struct db_stmt *s, int i, const char *v)
{
	if (v == NULL || *v == '\0') {
		db_bind_null(s, i);
		return;
	}
	if (i <= 0 || i >= STORE_SEAL_SLOTS)
		fatalx("%s: parameter %d", __func__, i);
	if (strcmp(v, st->hash_of) != 0) {
		seal_hash(st->seal, v, strlen(v), st->hash_last);
		/* One too long to remember is hashed every time. */
		if (strlen(v) < sizeof(st->hash_of))
			util_strlcpy(st->hash_of, v, sizeof(st->hash_of));
		else
			st->hash_of[0] = '\0';
	}
	memcpy(st->hashed[i], st->hash_last, SEAL_HASH_LEN);
	db_bind_blob(s, i, st->hashed[i], SEAL_HASH_LEN);
}

int
store_col_unsealed(struct store *st, struct db_stmt *s, int col,
    const char **out)
{
	const unsigned char	*blob;
	size_t			 len;
	char			*p;

	switch (db_column_type(s, col)) {
	case DB_NULL:
		*out = NULL;
		return 0;
	case DB_BLOB:
		break;
	default:	/* clear: from before, or another program's */
		*out = store_col_text(s, col);
		return 0;
	}
	if (col < 0 || col >= STORE_SEAL_SLOTS)
		fatalx("%s: column %d", __func__, col);
	blob = db_column_blob(s, col);
	len = (size_t)db_column_bytes(s, col);
	/*
	 * PostgreSQL's columns have one type: where sealed values and clear
	 * ones share a column (a contact's address, a body tincay composed,
	 * a purged number's marker), the clear ones are their bytes, told
	 * from a sealed value by its first byte (a version: 1 or 2).
	 */
	if (db_engine(st->db) == DB_PG && (len == 0 || blob == NULL ||
	    (blob[0] != SEAL_VERSION && blob[0] != SEAL_VERSION_MASTER))) {
		*out = (const char *)blob;
		return 0;
	}
	p = (char *)store_buf_fit(&st->opened[col], len + 1);
	if (blob == NULL || store_unseal_blob(st, blob, len, p) == -1) {
		log_warnx("%s: a sealed value does not open: its data key "
		    "destroyed, altered, or sealed under another key",
		    __func__);
		*out = NULL;
		return -1;
	}
	*out = p;
	return 0;
}

/*
 * The database keeps a check of its key (seal.c's keyed hash of a label):
 * the first program to open it with a key writes it, every later one must
 * hold the same key. name: the database as messages show it. 0, or -1
 * and err.
 */
static int
store_seal_check(struct store *st, const char *name, const char *key_file,
    char *err, size_t errlen)
{
	unsigned char	 kept[SEAL_CHECK_LEN];
	struct db_stmt	*s = st->stmt[ST_META_BLOB_SET];
	int		 found;

	if ((found = store_meta_get(st, "seal_check", kept,
	    sizeof(kept))) == 0) {
		/* Another program may write it first: it then wins. */
		db_bind_text(s, 1, "seal_check", -1);
		db_bind_blob(s, 2, seal_check(st->seal), SEAL_CHECK_LEN);
		if (store_run(st, ST_META_BLOB_SET) == -1) {
			snprintf(err, errlen, "database %s: cannot keep its "
			    "key's check: %s", name, db_errmsg(st->db));
			return -1;
		}
		found = store_meta_get(st, "seal_check", kept, sizeof(kept));
	}
	if (found != 1) {
		snprintf(err, errlen, "database %s: its key's check is "
		    "unreadable", name);
		return -1;
	}
	if (!util_ct_equal(kept, sizeof(kept), seal_check(st->seal),
	    SEAL_CHECK_LEN)) {
		snprintf(err, errlen, "key file %s is not the key of database "
		    "%s: its texts and numbers cannot be read with it",
		    key_file, name);
		return -1;
	}
	return 0;
}

/* The key of the database (name: as messages show it) into key: 0, or -1
 * and err. */
static int
store_seal_key(struct store *st, const char *name, const char *key_file,
    unsigned char key[SEAL_KEY_LEN], char *err, size_t errlen)
{
	unsigned char	 kept[SEAL_CHECK_LEN];
	int		 rc, sealed;

	if ((sealed = store_meta_get(st, "seal_check", kept,
	    sizeof(kept))) == -1) {
		snprintf(err, errlen, "database %s: its key's check is "
		    "unreadable", name);
		return -1;
	}
	if ((rc = seal_key_read(key_file, key, err, errlen)) != 1)
		return rc;
	/* Only a database that never had a key gets a new one: one that
	 * did has lost it (copied without it, or not restored with it). */
	if (sealed) {
		snprintf(err, errlen, "database %s is encrypted with the key "
		    "in %s, which is missing: restore the key file from the "
		    "database's backup (without it the texts and numbers "
		    "cannot be read)", name, key_file);
		return -1;
	}
	return seal_key_create(key_file, key, err, errlen);
}

/* Seal one column's clear values, a transaction per batch. */
static int
store_seal_column(struct store *st, size_t c, int64_t *count, char *err,
    size_t errlen)
{
	struct db_stmt	*sel = NULL, *upd = NULL;
	int64_t		 ids[STORE_SEAL_BATCH], last = 0;
	char		*vals[STORE_SEAL_BATCH];
	size_t		 lens[STORE_SEAL_BATCH], n, i;
	int		 rc = -1, step;

	if (db_prepare(st->db, store_seal_columns[c].select, &sel) != 0 ||
	    db_prepare(st->db, store_seal_columns[c].update, &upd) != 0)
		goto out;
	do {
		/* Not the batch (store_begin): nothing listens yet, and
		 * this is no work of the program's to count. */
		if (store_exec(st, store_sql_of(st, ST_BEGIN), err,
		    errlen) == -1)
			goto out;
		n = 0;
		db_bind_int64(sel, 1, last);
		db_bind_int64(sel, 2, STORE_SEAL_BATCH);
		while (n < STORE_SEAL_BATCH &&
		    (step = db_step(sel)) == DB_ROW) {
			ids[n] = db_column_int64(sel, 0);
			lens[n] = (size_t)db_column_bytes(sel, 1);
			vals[n] = xmalloc(lens[n] + 1);
			memcpy(vals[n], db_column_text(sel, 1), lens[n]);
			vals[n][lens[n]] = '\0';
			n++;
		}
		db_reset(sel);
		for (i = 0, step = DB_DONE; i < n; i++) {
			if (step == DB_DONE) {
				db_bind_int64(upd, 1, ids[i]);
				if (store_bind_sealed(st, upd, 2, vals[i],
				    lens[i]) == -1)
					step = DB_ERR;
				else {
					if (store_seal_columns[c].hashed)
						store_bind_hash(st, upd, 3,
						    vals[i]);
					step = db_step(upd);
					store_done(upd);
				}
			}
			OPENSSL_cleanse(vals[i], lens[i]);
			free(vals[i]);
		}
		if (step != DB_DONE || store_exec(st, "COMMIT", err,
		    errlen) == -1) {
			(void)db_exec(st->db, "ROLLBACK");
			goto out;
		}
		if (n > 0)
			last = ids[n - 1];
		*count += (int64_t)n;
	} while (n == STORE_SEAL_BATCH);
	rc = 0;
out:
	if (rc == -1)
		snprintf(err, errlen, "database: sealing clear values: %s",
		    db_errmsg(st->db));
	db_finalize(sel);
	db_finalize(upd);
	return rc;
}

/*
 * After migration 7 (seal_clear in meta): seal every clear value from
 * before, with secure_delete on, then rebuild the file (VACUUM: no free
 * page keeps an old copy, including those freed before secure_delete) and
 * empty the WAL, so no byte of a clear value is left in the database, WAL
 * or SHM. Resumes where it stopped if interrupted.
 */
static int
store_seal_clear(struct store *st, char *err, size_t errlen)
{
	int64_t		 pending, count = 0;
	size_t		 c;

	db_bind_text(st->stmt[ST_META_GET], 1, "seal_clear", -1);
	pending = store_row(st, st->stmt[ST_META_GET], __func__);
	store_done(st->stmt[ST_META_GET]);
	if (pending == 0)
		return 0;
	/* secure_delete is on for the connection already (store.c). */
	if (pending == -1)
		return -1;
	for (c = 0; c < STORE_SEAL_NCOLUMNS; c++)
		if (store_seal_column(st, c, &count, err, errlen) == -1)
			return -1;
	if (count > 0) {
		log_info("database: sealed %lld clear values from before "
		    "(encrypted at rest)", (long long)count);
		/* The copy VACUUM makes goes to a temporary file, not into
		 * memory: by now it holds nothing clear. */
		if (store_exec(st, "PRAGMA temp_store = FILE", err,
		    errlen) == -1 || store_exec(st, "VACUUM", err,
		    errlen) == -1 || store_exec(st,
		    "PRAGMA temp_store = MEMORY", err, errlen) == -1)
			return -1;
	}
	db_bind_text(st->stmt[ST_META_DEL], 1, "seal_clear", -1);
	if (store_run(st, ST_META_DEL) == -1) {
		snprintf(err, errlen, "database: %s", db_errmsg(st->db));
		return -1;
	}
	/* Readers (tincayctl) may keep it from emptying the WAL: then
	 * the next checkpoint does. */
	(void)store_wal_truncate(st, 1);
	/* secure_delete stays on: every connection keeps it (store.c). */
	return 0;
}

int
store_seal_open(struct store *st, const char *path, const char *key_file,
    char *err, size_t errlen)
{
	unsigned char	 key[SEAL_KEY_LEN];
	char		*kf = NULL, *name;
	int		 memory = strcmp(path, ":memory:") == 0, rc = -1;

	if (key_file == NULL && !store_is_file(path)) {
		snprintf(err, errlen, "database: a server's database needs "
		    "key_file (every node the same key, kept apart from the "
		    "data)");
		return -1;
	}
	if (key_file == NULL)
		key_file = kf = xasprintf("%s.key", path);
	/* A server's URI may carry its password: never in a message. */
	name = store_name_safe(path);
	if (memory) {
		/* A database of its own, gone when closed: so is its key. */
		if (util_random(key, sizeof(key)) == -1) {
			snprintf(err, errlen, "database: no randomness");
			goto out;
		}
	} else if (store_seal_key(st, name, key_file, key, err,
	    errlen) == -1)
		goto out;
	st->seal = seal_new(key);
	OPENSSL_cleanse(key, sizeof(key));
	if (st->seal == NULL) {
		snprintf(err, errlen, "database: cannot set up its key");
		goto out;
	}
	if ((!memory && store_seal_check(st, name, key_file, err,
	    errlen) == -1) || store_seal_clear(st, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	free(kf);
	free(name);
	return rc;
}

void
store_seal_close(struct store *st)
{
	size_t	 i;

	seal_free(st->seal);
	st->seal = NULL;
	for (i = 0; i < STORE_SEAL_SLOTS; i++) {
		store_buf_free(&st->sealed[i]);
		store_buf_free(&st->opened[i]);
	}
	OPENSSL_cleanse(st->hashed, sizeof(st->hashed));
	OPENSSL_cleanse(st->hash_of, sizeof(st->hash_of));
	OPENSSL_cleanse(st->hash_last, sizeof(st->hash_last));
	OPENSSL_cleanse(st->pg_locked, sizeof(st->pg_locked));
}
