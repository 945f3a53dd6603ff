/*
 * store_users.c: the console's users (SPEC §12): their rows, passwords'
 * hashes, the TOTP secret sealed at rest, wrong passwords counted over a
 * sliding window and the lock they set (as store_pin.c does for PINs).
 *
 * The TOTP secret is sealed under the database's key itself (a version 1
 * blob, store_bind_sealed_master), not under a day's data key: a purge
 * destroys the data keys of the days before its cutoff, and carries
 * forward only the residents' columns it knows, so a secret sealed under
 * one would stop opening at the first purge and lock its user out. A
 * secret is no resident's text or number; it goes when its user does or
 * TOTP is switched off.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "store_int.h"

/* The row of s (ST_USER_GET, ST_USERS_LIST) into u. */
static void
store_user_read(struct db_stmt *s, struct user_row *u)
{
	memset(u, 0, sizeof(*u));
	u->id = db_column_int64(s, 0);
	store_col_copy(s, 1, u->name, sizeof(u->name));
	store_col_copy(s, 2, u->role, sizeof(u->role));
	store_col_copy(s, 3, u->communes, sizeof(u->communes));
	store_col_copy(s, 4, u->areas, sizeof(u->areas));
	store_col_copy(s, 5, u->pw_hash, sizeof(u->pw_hash));
	u->totp = db_column_int64(s, 6) != 0;
	u->locked_until = db_column_int64(s, 7);
	u->created_at = db_column_int64(s, 8);
	u->last_signin_at = db_column_int64(s, 9);
}

int
store_user_add(struct store *st, const struct user_row *u)
{
	struct db_stmt	*s = st->stmt[ST_USER_ADD];
	int64_t		 n;

	if (store_begin(st) == -1)
		return -1;
	store_bind_text(s, 1, u->name);
	store_bind_text(s, 2, u->role);
	store_bind_text(s, 3, u->communes[0] != '\0' ? u->communes : "*");
	store_bind_text(s, 4, u->areas[0] != '\0' ? u->areas : "*");
	store_bind_text(s, 5, u->pw_hash);
	db_bind_int64(s, 6, u->created_at);
	if ((n = store_changes(st, ST_USER_ADD)) == -1)
		return -1;
	return n == 0;
}

int
store_user_get(struct store *st, const char *name, struct user_row *u)
{
	struct db_stmt	*s = st->stmt[ST_USER_GET];
	int		 rc;

	store_bind_text(s, 1, name);
	if ((rc = store_row(st, s, __func__)) == 1)
		store_user_read(s, u);
	store_done(s);
	return rc;
}

struct store_user_walk {
	store_user_fn	 fn;
	void		*arg;
	struct user_row	 u;
};

static int
store_user_each(struct db_stmt *s, void *arg)
{
	struct store_user_walk	*w = arg;
	int			 rc;

	store_user_read(s, &w->u);
	rc = w->fn(&w->u, w->arg);
	OPENSSL_cleanse(w->u.pw_hash, sizeof(w->u.pw_hash));
	return rc == -1 ? -1 : 0;
}

int
store_user_list(struct store *st, store_user_fn fn, void *arg)
{
	struct store_user_walk	 w;

	w.fn = fn;
	w.arg = arg;
	return store_rows(st, st->stmt[ST_USERS_LIST], __func__,
	    store_user_each, &w) == -1 ? -1 : 0;
}

/* Run which, bound with name at ?1 (and text v at ?2, if not NULL), in
 * the batch: 1 a row changed, 0 none, -1. */
static int
store_user_change(struct store *st, enum stmt which, const char *name,
    const char *v)
{
	struct db_stmt	*s = st->stmt[which];
	int64_t		 n;

	if (store_begin(st) == -1)
		return -1;
	store_bind_text(s, 1, name);
	if (v != NULL)
		store_bind_text(s, 2, v);
	if ((n = store_changes(st, which)) == -1)
		return -1;
	return n > 0;
}

int
store_user_remove(struct store *st, const char *name)
{
	/* Its wrong passwords go with it (ON DELETE CASCADE). */
	return store_user_change(st, ST_USER_REMOVE, name, NULL);
}

int
store_user_passwd(struct store *st, const char *name, const char *pw_hash)
{
	return store_user_change(st, ST_USER_PASSWD, name, pw_hash);
}

int
store_user_totp_set(struct store *st, const char *name, const char *secret)
{
	struct db_stmt	*s = st->stmt[ST_USER_TOTP_SET];
	int64_t		 n;

	if (store_begin(st) == -1)
		return -1;
	store_bind_text(s, 1, name);
	if (store_bind_sealed_master(st, s, 2, secret) == -1) {
		store_done(s);
		return -1;
	}
	if ((n = store_changes(st, ST_USER_TOTP_SET)) == -1)
		return -1;
	return n > 0;
}

int
store_user_totp_get(struct store *st, const char *name, char *secret,
    size_t len)
{
	struct db_stmt	*s = st->stmt[ST_USER_TOTP_GET];
	const char	*v = NULL;
	int		 rc;

	secret[0] = '\0';
	store_bind_text(s, 1, name);
	if ((rc = store_row(st, s, __func__)) == 1) {
		if (store_col_unsealed(st, s, 0, &v) == -1)
			rc = -1;
		else if (v == NULL)
			rc = 0;		/* no TOTP */
		else if (strlen(v) >= len) {
			log_warnx("%s: a secret longer than %zu", __func__,
			    len);
			rc = -1;
		} else
			util_strlcpy(secret, v, len);
	}
	store_done(s);
	return rc;
}

int
store_user_failed(struct store *st, int64_t id, int64_t now,
    int64_t window_s, int max, int64_t lock_s)
{
	static const struct store_fails	 fails = {
		ST_USER_FAIL_PRUNE, ST_USER_FAIL_ADD, ST_USER_FAIL_COUNT,
		ST_USER_LOCK, ST_USER_FAIL_CLEAR
	};

	if (store_begin(st) == -1)
		return -1;
	return store_fails_add(st, &fails, id, now, window_s, max, lock_s);
}

int
store_user_ok(struct store *st, int64_t id, int64_t now)
{
	if (store_begin(st) == -1)
		return -1;
	db_bind_int64(st->stmt[ST_USER_FAIL_CLEAR], 1, id);
	db_bind_int64(st->stmt[ST_USER_SIGNIN], 1, id);
	db_bind_int64(st->stmt[ST_USER_SIGNIN], 2, now);
	if (store_run(st, ST_USER_FAIL_CLEAR) == -1 ||
	    store_run(st, ST_USER_SIGNIN) == -1)
		return -1;
	return 0;
}
