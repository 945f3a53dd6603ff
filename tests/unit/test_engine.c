/*
 * test_engine.c: engine.h, the database the store's tests open on the
 * engine of $TINCAY_TEST_ENGINE: a URI made of the server's base URI, a
 * fresh empty database on PostgreSQL that engine_drop() takes away, and
 * a store opened on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/store.h"
#include "engine.h"

/* The first column of the first row of sql on uri, as a number. */
static long
pg_scalar(const char *uri, const char *sql)
{
	PGconn		*c;
	PGresult	*r;
	long		 n = -1;

	c = PQconnectdb(uri);
	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	PQfinish(c);
	return n;
}

static void
test_engine_uri(void **state)
{
	static const struct {
		const char	*base, *want;
	} t[] = {
		{ "postgresql://postgres@127.0.0.1:5432",
		  "postgresql://postgres@127.0.0.1:5432/x" },
		{ "postgres://u@h:1/old", "postgres://u@h:1/x" },
		{ "postgresql://u@h/old?sslmode=disable&connect_timeout=5",
		  "postgresql://u@h/x?sslmode=disable&connect_timeout=5" },
		{ "postgresql://a:1,b:2?target_session_attrs=read-write",
		  "postgresql://a:1,b:2/x?target_session_attrs=read-write" },
	};
	char		 out[256], name[300];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(engine_uri(out, sizeof(out), t[i].base, "x"),
		    0);
		assert_string_equal(out, t[i].want);
	}
	assert_int_equal(engine_uri(out, sizeof(out), "host=h dbname=d",
	    "x"), -1);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(engine_uri(out, sizeof(out), t[0].base, name), -1);
}

/* sqlite: the path given, or memory; pg: a database of its own, empty,
 * gone after engine_drop(). */
static void
test_engine_fresh(void **state)
{
	struct engine_db e, f;
	char		 sql[256], admin[512];

	if (!engine_is_pg()) {
		assert_string_equal(engine_db(&e, NULL), ":memory:");
		assert_string_equal(engine_db(&f, "/x/t.db"), "/x/t.db");
		engine_drop(&e);
		engine_drop(&f);
		return;
	}
	engine_db(&e, NULL);
	engine_db(&f, "/x/t.db");
	assert_string_not_equal(e.name, f.name);
	assert_int_equal(pg_scalar(e.database, "SELECT count(*) FROM "
	    "information_schema.tables WHERE table_schema NOT IN "
	    "('pg_catalog', 'information_schema')"), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_database WHERE "
	    "datname IN ('%s', '%s')", e.name, f.name);
	assert_int_equal(engine_uri(admin, sizeof(admin),
	    getenv("TINCAY_TEST_PG"), "postgres"), 0);
	assert_int_equal(pg_scalar(admin, sql), 2);
	engine_drop(&e);
	engine_drop(&f);
	assert_int_equal(pg_scalar(admin, sql), 0);
}

/* A database for the test, dropped by the teardown even when the test
 * failed (cmocka's fail_msg does not return). */
static int
db_setup(void **state)
{
	struct engine_db *e = xmalloc(sizeof(*e));

	engine_db(e, NULL);
	*state = e;
	return 0;
}

static int
db_teardown(void **state)
{
	engine_drop(*state);
	free(*state);
	return 0;
}

/* The store opens on it, migrated, and takes a contact; on pg its key
 * is a file of the test's own, gone after engine_drop(). */
static void
test_engine_store(void **state)
{
	struct engine_db *e = *state;
	struct contact_new k = { .name = "Cong an", .phone = "+84931000001",
	    .role = "police", .areas = "*", .channel = "sms" };
	struct contact_row row;
	struct store	*st;
	char		 err[256], key[sizeof(e->key)];

	if ((st = engine_open(e, 0, err, sizeof(err))) == NULL)
		fail_msg("store_open(%s): %s", e->database, err);
	assert_int_equal(store_contact_add(st, &k, 1), 0);
	assert_int_equal(store_contact_get(st, k.phone, &row), 1);
	assert_string_equal(row.role, "police");
	store_close(st);
	snprintf(key, sizeof(key), "%s", e->key);
	assert_int_equal(access(key, F_OK), engine_is_pg() ? 0 : -1);
	engine_drop(e);
	assert_int_equal(access(key, F_OK), -1);
}

/* A server's database named in a log line: no password in it, the rest
 * as written. */
static void
test_engine_name_safe(void **state)
{
	static const struct {
		const char	*name, *want;
	} t[] = {
		{ "postgresql://u:secret@h/db", "postgresql://u:***@h/db" },
		{ "postgres://u:secret@h1:5432,h2:5433/db?sslmode=require",
		    "postgres://u:***@h1:5432,h2:5433/db?sslmode=require" },
		{ "postgresql://u@h/db?password=secret&sslmode=require",
		    "postgresql://u@h/db?password=***&sslmode=require" },
		{ "postgresql://u@h/db?sslmode=require&password=secret",
		    "postgresql://u@h/db?sslmode=require&password=***" },
		{ "host=h password=secret dbname=x",
		    "host=h password=*** dbname=x" },
		{ "host=h password='se cret\\' x' dbname=x",
		    "host=h password=*** dbname=x" },
		{ "postgresql://u@h:5432/db", "postgresql://u@h:5432/db" },
		{ "postgresql://h1:5432,h2:5433/db?target_session_attrs=read-write",
		    "postgresql://h1:5432,h2:5433/db?target_session_attrs="
		    "read-write" },
		{ "var/tincay.db", "var/tincay.db" },
	};
	size_t	 i;
	char	*got;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = store_name_safe(t[i].name);
		assert_string_equal(got, t[i].want);
		assert_null(strstr(got, "secret"));
		assert_null(strstr(got, "cret"));
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_uri),
		cmocka_unit_test(test_engine_name_safe),
		cmocka_unit_test(test_engine_fresh),
		cmocka_unit_test_setup_teardown(test_engine_store, db_setup,
		    db_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
