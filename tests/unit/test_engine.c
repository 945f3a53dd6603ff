/*
 * test_engine.c: engine.h, the database the store's tests open on the
 * engine of $TINCAY_TEST_ENGINE: a URI made of the server's base URI, a
 * fresh empty database on PostgreSQL that engine_drop() takes away, and
 * a store opened on it.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/db.h"
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

/* One statement on db through db_prepare/db_step, with one integer
 * bound if v >= 0: DB_DONE, DB_ROW or DB_ERR. */
static int
run1(struct db *db, const char *sql, int64_t v)
{
	struct db_stmt	*s;
	int		 rc;

	if (db_prepare(db, sql, &s) != 0)
		return DB_ERR;
	if (v >= 0)
		db_bind_int64(s, 1, v);
	rc = db_step(s);
	db_finalize(s);
	return rc;
}

/* pg: the backend of the connection behind db terminated from another
 * one, as a failover or an admin does; back once it is gone. */
static void
pg_kill_backend(struct engine_db *e, struct db *db)
{
	struct db_stmt	*s;
	char		 sql[160];
	long		 pid;
	int		 n;

	assert_int_equal(db_prepare(db, "SELECT pg_backend_pid()", &s), 0);
	assert_int_equal(db_step(s), DB_ROW);
	pid = (long)db_column_int64(s, 0);
	db_finalize(s);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%ld)::int",
	    pid);
	assert_int_equal(pg_scalar(e->database, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity "
	    "WHERE pid = %ld", pid);
	for (n = 0; n < 100 && pg_scalar(e->database, sql) != 0; n++)
		usleep(50 * 1000);
	assert_int_equal(pg_scalar(e->database, sql), 0);
}

/*
 * pg: the connection dies inside a transaction. What the transaction
 * wrote is gone with it; nothing may run outside it on a new connection
 * (each statement committed alone) and its COMMIT may not succeed there:
 * every statement fails until the caller's ROLLBACK, then the next one
 * reconnects.
 */
static void
test_engine_lost_in_tx(void **state)
{
	struct engine_db *e = *state;
	struct db	*db;
	char		 err[256];
	int		 n;

	if (!engine_is_pg())
		skip();
	if ((db = db_pg_open(e->database, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_int_equal(db_exec(db, "CREATE TABLE t (x int)"), 0);
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 1), DB_DONE);
	assert_int_equal(db_in_tx(db), 1);
	pg_kill_backend(e, db);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 2), DB_ERR);
	assert_int_equal(db_errcode(db), DB_ELOST);
	/* Still in the lost transaction, as far as the caller goes. */
	assert_int_equal(db_in_tx(db), 1);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 3), DB_ERR);
	assert_int_equal(db_errcode(db), DB_ELOST);
	assert_int_equal(db_exec(db, "SAVEPOINT msg"), -1);
	assert_int_equal(db_exec(db, "COMMIT"), -1);
	assert_int_equal(db_errcode(db), DB_ELOST);
	assert_int_equal(db_exec(db, "ROLLBACK"), 0);
	assert_int_equal(db_in_tx(db), 0);
	/* Then a new connection, at once. */
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 4), DB_DONE);
	assert_int_equal(pg_scalar(e->database, "SELECT coalesce(sum(x), -1) "
	    "FROM t"), 4);
	/* The same through a ROLLBACK prepared as a statement. */
	assert_int_equal(run1(db, "BEGIN", -1), DB_DONE);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 5), DB_DONE);
	pg_kill_backend(e, db);
	assert_int_equal(run1(db, "COMMIT", -1), DB_ERR);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 6), DB_ERR);
	assert_int_equal(run1(db, "ROLLBACK", -1), DB_DONE);
	/* Reconnects are a second apart at least: "not yet" until then. */
	for (n = 0; n < 30 && run1(db, "INSERT INTO t VALUES (?1)", 7) !=
	    DB_DONE; n++) {
		assert_int_equal(db_errcode(db), DB_ELOST);
		usleep(100 * 1000);
	}
	assert_int_equal(pg_scalar(e->database, "SELECT sum(x) FROM t"), 11);
	db_close(db);
}

/* pg: a statement fails inside a transaction (outside a savepoint), which
 * PostgreSQL then aborts; its COMMIT ends it as a ROLLBACK: a failure. */
static void
test_engine_commit_aborted(void **state)
{
	struct engine_db *e = *state;
	struct db	*db;
	char		 err[256];

	if (!engine_is_pg())
		skip();
	if ((db = db_pg_open(e->database, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_int_equal(db_exec(db, "CREATE TABLE t (x int PRIMARY KEY)"), 0);
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 1), DB_DONE);
	/* A write is not waited for: its error is the next statement's. */
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 1), DB_DONE);
	assert_int_equal(run1(db, "SELECT count(*) FROM t", -1), DB_ERR);
	assert_int_equal(db_errcode(db), DB_ECONSTRAINT);
	assert_int_equal(run1(db, "COMMIT", -1), DB_ERR);
	assert_int_equal(db_in_tx(db), 0);
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 2), DB_DONE);
	assert_int_equal(db_exec(db, "INSERT INTO t VALUES ('x')"), -1);
	assert_int_equal(db_exec(db, "COMMIT"), -1);
	assert_int_equal(pg_scalar(e->database, "SELECT count(*) FROM t"), 0);
	/* A savepoint rolled back keeps the transaction. */
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 3), DB_DONE);
	assert_int_equal(db_exec(db, "SAVEPOINT msg"), 0);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 3), DB_DONE);
	assert_int_equal(db_exec(db, "RELEASE msg"), -1);
	assert_int_equal(db_exec(db, "ROLLBACK TO msg"), 0);
	assert_int_equal(db_exec(db, "COMMIT"), 0);
	assert_int_equal(pg_scalar(e->database, "SELECT count(*) FROM t"), 1);
	db_close(db);
}

/* Bind v (if >= 0) to s, step it once, reset it: DB_DONE, DB_ROW, DB_ERR. */
static int
step1(struct db_stmt *s, int64_t v)
{
	int	 rc;

	if (v >= 0)
		db_bind_int64(s, 1, v);
	rc = db_step(s);
	db_reset(s);
	return rc;
}

/*
 * pg: inside a transaction a write is queued, not waited for (db_pg.c);
 * its failure is heard by the next statement that waits (a read, RELEASE,
 * COMMIT, db_changes()), and never lost: a savepoint's RELEASE fails and
 * ROLLBACK TO undoes it alone; a COMMIT fails and ends the transaction.
 * Outside a transaction nothing waits; more than the queue holds go out.
 */
static void
test_engine_queued_writes(void **state)
{
	enum { INS, COUNT, UPD, SP, REL, RBTO, COMMIT, NSTMT };
	static const char *const sql[NSTMT] = { "INSERT INTO t VALUES (?1)",
	    "SELECT count(*) FROM t", "UPDATE t SET x = x WHERE x = ?1",
	    "SAVEPOINT a", "RELEASE a", "ROLLBACK TO a", "COMMIT" };
	struct engine_db *e = *state;
	struct db_stmt	*s[NSTMT];
	struct db	*db;
	char		 err[256];
	int		 i;

	if (!engine_is_pg())
		skip();
	if ((db = db_pg_open(e->database, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_int_equal(db_exec(db, "CREATE TABLE t (x int PRIMARY KEY)"), 0);
	for (i = 0; i < NSTMT; i++)
		assert_int_equal(db_prepare(db, sql[i], &s[i]), 0);
	/* Outside a transaction: at once. */
	assert_int_equal(step1(s[INS], 1), DB_DONE);
	assert_int_equal(step1(s[INS], 1), DB_ERR);
	assert_int_equal(db_errcode(db), DB_ECONSTRAINT);
	/* A savepoint's RELEASE hears its write's failure. */
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(step1(s[SP], -1), DB_DONE);
	assert_int_equal(step1(s[INS], 2), DB_DONE);
	assert_int_equal(step1(s[INS], 1), DB_DONE);
	assert_int_equal(step1(s[REL], -1), DB_ERR);
	assert_int_equal(db_errcode(db), DB_ECONSTRAINT);
	assert_int_equal(step1(s[RBTO], -1), DB_DONE);
	assert_int_equal(step1(s[REL], -1), DB_DONE);
	assert_int_equal(step1(s[INS], 3), DB_DONE);
	assert_int_equal(step1(s[COMMIT], -1), DB_DONE);
	assert_int_equal(pg_scalar(e->database, "SELECT count(*) FROM t"), 2);
	assert_int_equal(pg_scalar(e->database, "SELECT sum(x) FROM t"), 4);
	/* db_changes() waits for the answer. */
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(step1(s[UPD], 1), DB_DONE);
	assert_int_equal(db_changes(db), 1);
	assert_int_equal(step1(s[UPD], 99), DB_DONE);
	assert_int_equal(db_changes(db), 0);
	assert_int_equal(step1(s[INS], 1), DB_DONE);
	assert_int_equal(db_changes(db), -1);
	assert_int_equal(db_errcode(db), DB_ECONSTRAINT);
	assert_int_equal(db_exec(db, "ROLLBACK"), 0);
	assert_int_equal(db_in_tx(db), 0);
	/* More than the queue holds, read back in one transaction. */
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	for (i = 0; i < 150; i++)
		assert_int_equal(step1(s[INS], 100 + i), DB_DONE);
	assert_int_equal(step1(s[COUNT], -1), DB_ROW);
	assert_int_equal(step1(s[COMMIT], -1), DB_DONE);
	assert_int_equal(pg_scalar(e->database, "SELECT count(*) FROM t"),
	    152);
	/* A COMMIT hears the failure, fails, and ends the transaction. */
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	assert_int_equal(step1(s[INS], 5), DB_DONE);
	assert_int_equal(step1(s[INS], 1), DB_DONE);
	assert_int_equal(step1(s[COMMIT], -1), DB_ERR);
	assert_int_equal(db_errcode(db), DB_ECONSTRAINT);
	assert_int_equal(db_in_tx(db), 0);
	assert_int_equal(pg_scalar(e->database, "SELECT count(*) FROM t"),
	    152);
	for (i = 0; i < NSTMT; i++)
		db_finalize(s[i]);
	db_close(db);
}

/*
 * pg: a statement marked to be planned at each run (db_pg.c) runs
 * unprepared, planned for what it finds; the server's prepared copy (kept
 * to check it at start and for its columns) is never run, so no generic
 * plan made long ago is ever used. An unmarked one runs prepared.
 */
static void
test_engine_planned_each_run(void **state)
{
	struct engine_db *e = *state;
	struct db	*db;
	struct db_stmt	*each, *kept, *s;
	char		 err[256];
	int64_t		 runs_each = -1, runs_kept = -1;
	const char	*sql;
	int		 i;

	if (!engine_is_pg())
		skip();
	if ((db = db_pg_open(e->database, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_int_equal(db_exec(db, "CREATE TABLE t (x int);"
	    "INSERT INTO t SELECT generate_series(1, 10)"), 0);
	assert_int_equal(db_prepare(db, "/* planned at each run */"
	    " SELECT count(*) FROM t WHERE x > ?1", &each), 0);
	assert_int_equal(db_prepare(db, "SELECT count(*) FROM t WHERE x < ?1",
	    &kept), 0);
	for (i = 0; i < 8; i++) {
		db_bind_int64(each, 1, i);
		assert_int_equal(db_step(each), DB_ROW);
		assert_int_equal(db_column_int64(each, 0), 10 - i);
		db_reset(each);
		db_bind_int64(kept, 1, i);
		assert_int_equal(db_step(kept), DB_ROW);
		assert_int_equal(db_column_int64(kept, 0), i > 0 ? i - 1 : 0);
		db_reset(kept);
	}
	assert_int_equal(db_prepare(db, "SELECT statement, generic_plans +"
	    " custom_plans FROM pg_prepared_statements", &s), 0);
	while (db_step(s) == DB_ROW) {
		sql = db_column_text(s, 0);
		if (strstr(sql, "x > $1") != NULL)
			runs_each = db_column_int64(s, 1);
		else if (strstr(sql, "x < $1") != NULL)
			runs_kept = db_column_int64(s, 1);
	}
	db_finalize(s);
	assert_int_equal(runs_each, 0);
	assert_int_equal(runs_kept, 8);
	db_finalize(each);
	db_finalize(kept);
	db_close(db);
}

/* A TCP port on loopback that takes connections and never answers them
 * (the kernel completes the handshake; nobody reads): its socket, and the
 * port in *port. */
static int
hole_open(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* How many connections came to the hole, taken now. */
static int
hole_count(int fd)
{
	int	 n = 0, c;

	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((c = accept(fd, NULL, NULL)) != -1) {
		close(c);
		n++;
	}
	return n;
}

/*
 * pg: a reconnect that took long (a host that never answers, before the
 * one that does: connect_timeout, a second here) holds the loop that
 * long; the next one waits five times as long, not a second, so the loop
 * answers in between. Counted at the silent host: the open and the first
 * reconnect reach it; the second break, at once after, does not.
 */
static void
slow_reconnect(struct engine_db *e, const char *timeout)
{
	struct db	*db;
	char		 uri[700], err[256];
	const char	*at, *slash;
	int		 hole, port;

	if (!engine_is_pg())
		skip();
	hole = hole_open(&port);
	/* postgresql://user@HOLE,host:port/db[?connect_timeout=N] */
	assert_non_null(at = strchr(strstr(e->database, "://") + 3, '@'));
	assert_non_null(slash = strchr(at, '/'));
	snprintf(uri, sizeof(uri), "%.*s127.0.0.1:%d,%.*s%s%s%s",
	    (int)(at + 1 - e->database), e->database, port,
	    (int)(slash - at - 1), at + 1, slash,
	    timeout == NULL ? "" : strchr(slash, '?') != NULL ? "&" : "?",
	    timeout == NULL ? "" : timeout);
	if ((db = db_pg_open(uri, err, sizeof(err))) == NULL)
		fail_msg("%s: %s", uri, err);
	assert_int_equal(db_exec(db, "CREATE TABLE t (x int)"), 0);
	pg_kill_backend(e, db);
	/* The break is seen by the statement; the next one reconnects,
	 * connect_timeout at the silent host first. */
	(void)run1(db, "INSERT INTO t VALUES (?1)", 1);
	if (run1(db, "INSERT INTO t VALUES (?1)", 2) != DB_DONE)
		assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 3),
		    DB_DONE);
	assert_int_equal(hole_count(hole), 2);
	pg_kill_backend(e, db);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 4), DB_ERR);
	assert_int_equal(run1(db, "INSERT INTO t VALUES (?1)", 5), DB_ERR);
	assert_int_equal(db_errcode(db), DB_ELOST);
	assert_int_equal(hole_count(hole), 0);
	db_close(db);
	close(hole);
}

/* A second's connect_timeout, to be quick. */
static void
test_engine_slow_reconnect_backs_off(void **state)
{
	slow_reconnect(*state, "connect_timeout=1");
}

/* The same on the engine's own connect_timeout (5 s a host). */
static void
test_engine_slow_reconnect_default_timeout(void **state)
{
	slow_reconnect(*state, NULL);
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
		cmocka_unit_test_setup_teardown(test_engine_lost_in_tx,
		    db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(test_engine_commit_aborted,
		    db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(test_engine_queued_writes,
		    db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(test_engine_planned_each_run,
		    db_setup, db_teardown),
		cmocka_unit_test_setup_teardown(
		    test_engine_slow_reconnect_backs_off, db_setup,
		    db_teardown),
		cmocka_unit_test_setup_teardown(
		    test_engine_slow_reconnect_default_timeout, db_setup,
		    db_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
