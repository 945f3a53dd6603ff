/*
 * store_peek.c: a look at a database that must not change (tincayd -t):
 * opened read-only, never created, migrated nor keyed, with only the
 * statements it asks, taken from store.c's table: whether a role has a
 * contact (of a commune, in a city), and which roles contacts hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

struct store_peek {
	struct db	*db;
	struct db_stmt	*role;
	struct db_stmt	*role_in;	/* made at first use */
};

struct store_peek *
store_peek_open(const char *path, char *err, size_t errlen)
{
	struct store_peek	*p;

	if (!db_is_pg(path) && access(path, F_OK) == -1) {
		snprintf(err, errlen, "database %s: not there yet", path);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	if ((p->db = db_open(path, DB_OPEN_READONLY, err, errlen)) == NULL) {
		store_peek_close(p);
		return NULL;
	}
	if (db_prepare(p->db, store_sql_on(p->db, ST_CONTACTS_ROLE_ANY),
	    &p->role) != 0) {
		snprintf(err, errlen, "database: %s", db_errmsg(p->db));
		store_peek_close(p);
		return NULL;
	}
	return p;
}

int
store_peek_role(struct store_peek *p, const char *role)
{
	int	 rc;

	db_bind_text(p->role, 1, role, -1);
	rc = db_step(p->role);
	db_reset(p->role);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

int
store_peek_role_in(struct store_peek *p, const char *role,
    const char *commune)
{
	int	 rc;

	/* A database from before communes has no column to ask: -1. */
	if (p->role_in == NULL && db_prepare(p->db, store_sql_on(p->db,
	    ST_CONTACTS_ROLE_IN), &p->role_in) != 0)
		return -1;
	db_bind_text(p->role_in, 1, role, -1);
	db_bind_text(p->role_in, 2, commune, -1);
	rc = db_step(p->role_in);
	db_reset(p->role_in);
	if (rc == DB_ROW)
		return 1;
	return rc == DB_DONE ? 0 : -1;
}

int
store_peek_roles(struct store_peek *p, store_peek_role_fn fn, void *arg)
{
	struct db_stmt	*s;
	int		 rc;

	if (db_prepare(p->db, store_sql_on(p->db, ST_CONTACTS_ROLES), &s) != 0)
		return -1;
	while ((rc = db_step(s)) == DB_ROW)
		if (db_column_type(s, 0) == DB_TEXT)
			fn(db_column_text(s, 0),
			    db_column_int64(s, 1), arg);
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

int
store_peek_key(struct store_peek *p, const char *path, const char *key_file,
    char *err, size_t errlen)
{
	unsigned char	 kept[SEAL_CHECK_LEN], key[SEAL_KEY_LEN];
	struct seal	*seal;
	struct db_stmt	*s;
	char		*name;
	int		 rc, sealed = 0, ok;

	if (db_prepare(p->db, store_sql_on(p->db, ST_META_GET), &s) != 0)
		return 1;	/* no meta yet: a database never opened */
	db_bind_text(s, 1, "seal_check", -1);
	if (db_step(s) == DB_ROW &&
	    db_column_bytes(s, 0) == SEAL_CHECK_LEN) {
		memcpy(kept, db_column_blob(s, 0), SEAL_CHECK_LEN);
		sealed = 1;
	}
	db_finalize(s);
	if (!sealed)
		return 1;
	/* A server's URI may carry its password: never in a message. */
	name = store_name_safe(path);
	if ((rc = seal_key_read(key_file, key, err, errlen)) == 1)
		snprintf(err, errlen, "database %s is encrypted with the key "
		    "in %s, which is missing", name, key_file);
	if (rc != 0) {
		free(name);
		return 0;
	}
	seal = seal_new(key);
	explicit_bzero(key, sizeof(key));
	ok = util_ct_equal(kept, sizeof(kept), seal_check(seal),
	    SEAL_CHECK_LEN);
	seal_free(seal);
	if (!ok)
		snprintf(err, errlen, "key file %s is not the key of database "
		    "%s", key_file, name);
	free(name);
	return ok;
}

void
store_peek_close(struct store_peek *p)
{
	if (p == NULL)
		return;
	db_finalize(p->role);
	db_finalize(p->role_in);
	db_close(p->db);
	free(p);
}
