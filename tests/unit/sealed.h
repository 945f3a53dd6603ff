/*
 * sealed.h: white-box SQL over sealed columns for the unit tests: an
 * unseal(x) SQL function on the store's own connection opens a value the
 * store sealed (and gives a clear one back as it is), so a test can still
 * say "the outbox row to +849... reads ..." in SQL, on either engine.
 * Tests only: the programs never decrypt in SQL. Call sealed_sql(st)
 * before each query that uses it. Include after cmocka.h and store_int.h.
 */
#ifndef TINCAY_TEST_SEALED_H
#define TINCAY_TEST_SEALED_H

#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

static inline void
sealed_unseal(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store	*st = sqlite3_user_data(ctx);
	const unsigned char *blob;
	size_t		 len;
	char		*out;
	int		 n;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_BLOB) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	blob = sqlite3_value_blob(argv[0]);
	len = (size_t)sqlite3_value_bytes(argv[0]);
	out = xmalloc(len + 1);
	if ((n = store_unseal_blob(st, blob, len, out)) == -1) {
		free(out);
		sqlite3_result_error(ctx, "does not unseal", -1);
		return;
	}
	sqlite3_result_text(ctx, out, n, free);
}

/*
 * PostgreSQL runs no C of ours: there unseal(x) looks x up in unsealed, a
 * temporary table of the store's connection, which sealed_pg() fills with
 * every sealed value of the sealed columns (schema_pg.c's list) that
 * opens, opened here in C as the store opens it (store_unseal_blob). A
 * value that is not sealed (a contact's address, a composed body, a
 * purge's marker: UTF-8 bytes; a sealed one begins with its version, 1 or
 * 2) reads as its text; a sealed one that does not open is an error, as
 * on SQLite.
 */
static const char *const sealed_pg_columns[][2] = {
	{ "messages", "sender" },
	{ "messages", "body" },
	{ "reports", "reporter" },
	{ "outbox", "dest" },
	{ "outbox", "body" },
	{ "subscriptions", "phone" },
};

static inline void
sealed_pg_exec(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

static inline struct db_stmt *
sealed_pg_prepare(struct db *db, const char *sql)
{
	struct db_stmt	*s;

	if (db_prepare(db, sql, &s) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return s;
}

/* unseal(x) on PostgreSQL: the table made (again after a rollback) and
 * brought up to date with the rows as they are now. */
static inline void
sealed_pg(struct store *st)
{
	struct db	*db = st->db;
	struct db_stmt	*s, *ins;
	const unsigned char *blob;
	char		 sql[640], *out;
	size_t		 i, len;
	int		 n, rc;

	sealed_pg_exec(db, "CREATE TEMP TABLE IF NOT EXISTS unsealed"
	    " (sealed bytea PRIMARY KEY, clear text NOT NULL)");
	s = sealed_pg_prepare(db, "SELECT (to_regprocedure('unseal(bytea)')"
	    " IS NULL)::int::bigint");
	rc = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : -1;
	db_finalize(s);
	if (rc == -1)
		fail_msg("unseal(): %s", db_errmsg(db));
	if (rc == 1) {
		snprintf(sql, sizeof(sql), "CREATE FUNCTION unseal(x bytea)"
		    " RETURNS text LANGUAGE plpgsql STABLE AS $$"
		    " DECLARE c text;"
		    " BEGIN"
		    "  SELECT clear INTO c FROM unsealed WHERE sealed = x;"
		    "  IF FOUND THEN RETURN c; END IF;"
		    "  IF get_byte(x || '\\x00'::bytea, 0) IN (%d, %d) THEN"
		    "   RAISE EXCEPTION 'does not unseal';"
		    "  END IF;"
		    "  RETURN convert_from(x, 'UTF8');"
		    " END $$", SEAL_VERSION, SEAL_VERSION_MASTER);
		sealed_pg_exec(db, sql);
	}
	ins = sealed_pg_prepare(db, "INSERT INTO unsealed (sealed, clear)"
	    " VALUES (?1, ?2)");
	for (i = 0; i < sizeof(sealed_pg_columns) /
	    sizeof(sealed_pg_columns[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT DISTINCT %s FROM %s"
		    " WHERE get_byte(%s || '\\x00'::bytea, 0) IN (%d, %d)"
		    " AND NOT EXISTS (SELECT 1 FROM unsealed"
		    "  WHERE sealed = %s.%s)", sealed_pg_columns[i][1],
		    sealed_pg_columns[i][0], sealed_pg_columns[i][1],
		    SEAL_VERSION, SEAL_VERSION_MASTER, sealed_pg_columns[i][0],
		    sealed_pg_columns[i][1]);
		s = sealed_pg_prepare(db, sql);
		while ((rc = db_step(s)) == DB_ROW) {
			blob = db_column_blob(s, 0);
			len = (size_t)db_column_bytes(s, 0);
			out = xmalloc(len + 1);
			if ((n = store_unseal_blob(st, blob, len, out)) !=
			    -1) {
				db_bind_blob(ins, 1, blob, len);
				db_bind_text(ins, 2, out, n);
				if (db_step(ins) == DB_ERR)
					fail_msg("unsealed: %s",
					    db_errmsg(db));
				db_reset(ins);
			}
			free(out);
		}
		db_finalize(s);
		if (rc == DB_ERR)
			fail_msg("%s: %s", sql, db_errmsg(db));
	}
	db_finalize(ins);
}

/* unseal(x) on st's connection, as the rows are now (on SQLite, again is
 * harmless). */
static inline void
sealed_sql(struct store *st)
{
	sqlite3	*h;

	if (db_engine(st->db) == DB_PG) {
		sealed_pg(st);
		return;
	}
	if ((h = db_sqlite_handle(st->db)) == NULL)
		return;
	sqlite3_create_function(h, "unseal", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, st,
	    sealed_unseal, NULL, NULL);
}

#endif
