/*
 * sealed.h: white-box SQL over sealed columns for the unit tests: an
 * unseal(x) SQL function on the store's own connection opens a value the
 * store sealed (and gives a clear one back as it is), so a test can still
 * say "the outbox row to +849... reads ..." in SQL. Tests only: the
 * programs never decrypt in SQL. Include after store_int.h.
 */
#ifndef TINCAY_TEST_SEALED_H
#define TINCAY_TEST_SEALED_H

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

/* unseal(x) on st's connection (again is harmless); SQLite's own SQL
 * function, so SQLite only for now. */
static inline void
sealed_sql(struct store *st)
{
	sqlite3	*h;

	if ((h = db_sqlite_handle(st->db)) == NULL)
		return;
	sqlite3_create_function(h, "unseal", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, st,
	    sealed_unseal, NULL, NULL);
}

#endif
