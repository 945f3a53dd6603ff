/*
 * store_peek.c: a look at a database that must not change (tincayd -t):
 * opened read-only, never created, migrated nor keyed, with only the
 * statements it asks, taken from store.c's table: whether a role has a
 * contact, and which roles contacts hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

struct store_peek {
	sqlite3		*db;
	sqlite3_stmt	*role;
};

struct store_peek *
store_peek_open(const char *path, char *err, size_t errlen)
{
	struct store_peek	*p;

	if (access(path, F_OK) == -1) {
		snprintf(err, errlen, "database %s: not there yet", path);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(p->db, store_sql_text(ST_CONTACTS_ROLE_ANY), -1,
	    &p->role, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", path,
		    p->db ? sqlite3_errmsg(p->db) : "cannot open");
		store_peek_close(p);
		return NULL;
	}
	return p;
}

int
store_peek_role(struct store_peek *p, const char *role)
{
	int	 rc;

	sqlite3_bind_text(p->role, 1, role, -1, SQLITE_STATIC);
	rc = sqlite3_step(p->role);
	sqlite3_reset(p->role);
	sqlite3_clear_bindings(p->role);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_peek_roles(struct store_peek *p, store_peek_role_fn fn, void *arg)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(p->db, store_sql_text(ST_CONTACTS_ROLES), -1,
	    &s, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (sqlite3_column_type(s, 0) == SQLITE_TEXT)
			fn((const char *)sqlite3_column_text(s, 0),
			    sqlite3_column_int64(s, 1), arg);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_peek_key(struct store_peek *p, const char *path, const char *key_file,
    char *err, size_t errlen)
{
	unsigned char	 kept[SEAL_CHECK_LEN], key[SEAL_KEY_LEN];
	struct seal	*seal;
	sqlite3_stmt	*s;
	int		 rc, sealed = 0, ok;

	if (sqlite3_prepare_v2(p->db, store_sql_text(ST_META_GET), -1, &s,
	    NULL) != SQLITE_OK)
		return 1;	/* no meta yet: a database never opened */
	sqlite3_bind_text(s, 1, "seal_check", -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_bytes(s, 0) == SEAL_CHECK_LEN) {
		memcpy(kept, sqlite3_column_blob(s, 0), SEAL_CHECK_LEN);
		sealed = 1;
	}
	sqlite3_finalize(s);
	if (!sealed)
		return 1;
	if ((rc = seal_key_read(key_file, key, err, errlen)) == 1)
		snprintf(err, errlen, "database %s is encrypted with the key "
		    "in %s, which is missing", path, key_file);
	if (rc != 0)
		return 0;
	seal = seal_new(key);
	explicit_bzero(key, sizeof(key));
	ok = util_ct_equal(kept, sizeof(kept), seal_check(seal),
	    SEAL_CHECK_LEN);
	seal_free(seal);
	if (!ok)
		snprintf(err, errlen, "key file %s is not the key of database "
		    "%s", key_file, path);
	return ok;
}

void
store_peek_close(struct store_peek *p)
{
	if (p == NULL)
		return;
	sqlite3_finalize(p->role);
	sqlite3_close(p->db);
	free(p);
}
