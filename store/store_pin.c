/*
 * store_pin.c: the store's side of officials' PINs (SPEC §8): wrong PINs
 * counted over a sliding window, the lock they set on TK, and migration
 * 7's step that hashes the PINs an older version kept in clear.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "store_int.h"

int
store_fails_add(struct store *st, const struct store_fails *f, int64_t id,
    int64_t now, int64_t window_s, int max, int64_t lock_s)
{
	struct db_stmt	*s;
	int64_t		 n = -1;

	s = st->stmt[f->prune];
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now - window_s);
	if (store_run(st, f->prune) == -1)
		return -1;
	s = st->stmt[f->add];
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now);
	if (store_run(st, f->add) == -1)
		return -1;
	s = st->stmt[f->count];
	db_bind_int64(s, 1, id);
	if (store_row(st, s, __func__) == 1)
		n = db_column_int64(s, 0);
	store_done(s);
	if (n == -1)
		return -1;
	if (n < max)
		return 0;
	s = st->stmt[f->lock];
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now + lock_s);
	db_bind_int64(st->stmt[f->clear], 1, id);
	if (store_run(st, f->lock) == -1 || store_run(st, f->clear) == -1)
		return -1;
	return 1;
}

static const struct store_fails store_pin_fails = {
	ST_PIN_FAIL_PRUNE, ST_PIN_FAIL_ADD, ST_PIN_FAIL_COUNT, ST_PIN_LOCK,
	ST_PIN_FAIL_CLEAR
};

int
store_pin_failed(struct store *st, int64_t id, int64_t now,
    int64_t window_s, int max, int64_t lock_s)
{
	return store_fails_add(st, &store_pin_fails, id, now, window_s, max,
	    lock_s);
}

int
store_pin_ok(struct store *st, int64_t id)
{
	db_bind_int64(st->stmt[ST_PIN_FAIL_CLEAR], 1, id);
	return store_run(st, ST_PIN_FAIL_CLEAR);
}

/*
 * Runs before the statement table is prepared (its statements name the
 * columns this migration adds), so its two statements are its own.
 */
int
store_pin_migrate(struct db *db, char *err, size_t errlen)
{
	static const char	 list[] = "SELECT id, pin FROM contacts"
	    " WHERE pin IS NOT NULL";
	static const char	 set[] = "UPDATE contacts SET pin = ?2"
	    " WHERE id = ?1";
	struct db_stmt		*ls = NULL, *us = NULL;
	const char		*pin;
	char			 h[PIN_HASH_MAX];
	int			 rc = -1, step, hashed = 1;

	if (db_prepare(db, list, &ls) != 0 ||
	    db_prepare(db, set, &us) != 0)
		goto out;
	while ((step = db_step(ls)) == DB_ROW) {
		pin = db_column_text(ls, 1);
		if (pin == NULL || pin_is_hash(pin))
			continue;
		if (pin_hash(pin, strlen(pin), h) == -1) {
			hashed = 0;
			goto out;
		}
		db_bind_int64(us, 1, db_column_int64(ls, 0));
		db_bind_text_copy(us, 2, h, -1);
		OPENSSL_cleanse(h, sizeof(h));
		if (db_step(us) != DB_DONE)
			goto out;
		db_reset(us);
	}
	if (step == DB_DONE)
		rc = 0;
out:
	if (rc == -1)
		snprintf(err, errlen, "database: PINs: %s", hashed ?
		    db_errmsg(db) : "cannot hash one");
	db_finalize(ls);
	db_finalize(us);
	return rc;
}
