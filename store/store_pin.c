/*
 * store_pin.c: the store's side of officials' PINs (SPEC §8): wrong PINs
 * counted over a sliding window, the lock they set on TK, and migration
 * 7's step that hashes the PINs an older version kept in clear.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "store_int.h"

int
store_pin_failed(struct store *st, int64_t id, int64_t now,
    int64_t window_s, int max, int64_t lock_s)
{
	sqlite3_stmt	*s;
	int64_t		 n = -1;

	s = st->stmt[ST_PIN_FAIL_PRUNE];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now - window_s);
	if (store_run(st, ST_PIN_FAIL_PRUNE) == -1)
		return -1;
	s = st->stmt[ST_PIN_FAIL_ADD];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	if (store_run(st, ST_PIN_FAIL_ADD) == -1)
		return -1;
	s = st->stmt[ST_PIN_FAIL_COUNT];
	sqlite3_bind_int64(s, 1, id);
	if (store_row(st, s, __func__) == 1)
		n = sqlite3_column_int64(s, 0);
	store_done(s);
	if (n == -1)
		return -1;
	if (n < max)
		return 0;
	s = st->stmt[ST_PIN_LOCK];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now + lock_s);
	if (store_run(st, ST_PIN_LOCK) == -1 || store_pin_ok(st, id) == -1)
		return -1;
	return 1;
}

int
store_pin_ok(struct store *st, int64_t id)
{
	sqlite3_bind_int64(st->stmt[ST_PIN_FAIL_CLEAR], 1, id);
	return store_run(st, ST_PIN_FAIL_CLEAR);
}

/*
 * Runs before the statement table is prepared (its statements name the
 * columns this migration adds), so its two statements are its own.
 */
int
store_pin_migrate(sqlite3 *db, char *err, size_t errlen)
{
	static const char	 list[] = "SELECT id, pin FROM contacts"
	    " WHERE pin IS NOT NULL";
	static const char	 set[] = "UPDATE contacts SET pin = ?2"
	    " WHERE id = ?1";
	sqlite3_stmt		*ls = NULL, *us = NULL;
	const char		*pin;
	char			 h[PIN_HASH_MAX];
	int			 rc = -1, step, hashed = 1;

	if (sqlite3_prepare_v2(db, list, -1, &ls, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, set, -1, &us, NULL) != SQLITE_OK)
		goto out;
	while ((step = sqlite3_step(ls)) == SQLITE_ROW) {
		pin = (const char *)sqlite3_column_text(ls, 1);
		if (pin == NULL || pin_is_hash(pin))
			continue;
		if (pin_hash(pin, strlen(pin), h) == -1) {
			hashed = 0;
			goto out;
		}
		sqlite3_bind_int64(us, 1, sqlite3_column_int64(ls, 0));
		sqlite3_bind_text(us, 2, h, -1, SQLITE_TRANSIENT);
		OPENSSL_cleanse(h, sizeof(h));
		if (sqlite3_step(us) != SQLITE_DONE)
			goto out;
		sqlite3_reset(us);
	}
	if (step == SQLITE_DONE)
		rc = 0;
out:
	if (rc == -1)
		snprintf(err, errlen, "database: PINs: %s", hashed ?
		    sqlite3_errmsg(db) : "cannot hash one");
	sqlite3_finalize(ls);
	sqlite3_finalize(us);
	return rc;
}
