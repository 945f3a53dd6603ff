/*
 * engine.h: the database a store unit test opens, on the engine named by
 * $TINCAY_TEST_ENGINE: sqlite (the default) an in-memory database or the
 * test's own file; pg a fresh, empty database made on the server of
 * $TINCAY_TEST_PG (a base URI, postgresql://user@host:port, as
 * scripts/pg-scratch prints and make's pg run sets), dropped again by
 * engine_drop(). A server's database takes its key from a key_file of
 * its own (never beside it): engine_db() names one in $TMPDIR, the first
 * open makes it, engine_drop() removes it. Include after cmocka.h and
 * store.h: a server that cannot make a database fails the test.
 *
 *	struct engine_db e;
 *	engine_db(&e, NULL);
 *	st = engine_open(&e, 0, err, sizeof(err));
 *	...
 *	store_close(st);
 *	engine_drop(&e);
 */
#ifndef TINCAY_TEST_ENGINE_H
#define TINCAY_TEST_ENGINE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

struct engine_db {
	char		 database[512];	/* what store_open() is given */
	char		 name[64];	/* pg: the database made; else "" */
	char		 key[256];	/* pg: its key_file; else "" */
};

/* Whether the tests run on PostgreSQL. */
static inline int
engine_is_pg(void)
{
	const char	*e = getenv("TINCAY_TEST_ENGINE");

	return e != NULL && strcmp(e, "pg") == 0;
}

/* A test about SQLite itself (its pragmas, WAL, files, hooks): skipped
 * on pg, with why on one line. */
#define ENGINE_SQLITE_ONLY(why) do {					\
	if (engine_is_pg()) {						\
		print_message("[  SKIP    ] on pg: %s\n", (why));	\
		skip();							\
	}								\
} while (0)

/* The base URI with its database set to name, into out. */
static inline int
engine_uri(char *out, size_t len, const char *base, const char *name)
{
	const char	*host, *end, *query;
	int		 n;

	if ((host = strstr(base, "://")) == NULL)
		return -1;
	host += 3;
	end = host + strcspn(host, "/?");
	query = strchr(end, '?');
	n = snprintf(out, len, "%.*s/%s%s", (int)(end - base), base, name,
	    query != NULL ? query : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The server's base URI, $TINCAY_TEST_PG; the test fails without. */
static inline const char *
engine_base(void)
{
	const char	*base = getenv("TINCAY_TEST_PG");

	if (base == NULL || *base == '\0')
		fail_msg("TINCAY_TEST_ENGINE=pg without TINCAY_TEST_PG (a "
		    "server's base URI: scripts/pg-scratch run ...)");
	return base;
}

/* Run one statement on the server's maintenance database (postgres). */
static inline void
engine_admin(const char *sql)
{
	const char	*base = engine_base();
	char		 uri[512], why[512];
	PGconn		*c;
	PGresult	*r;
	int		 ok = 0;

	if (engine_uri(uri, sizeof(uri), base, "postgres") == -1)
		fail_msg("TINCAY_TEST_PG=%s: not a postgresql:// URI", base);
	c = PQconnectdb(uri);
	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	/* fail_msg() does not return: the message first, then PQfinish. */
	snprintf(why, sizeof(why), "%s", PQerrorMessage(c));
	PQfinish(c);
	if (!ok)
		fail_msg("%s on %s: %s", sql, uri, why);
}

/*
 * The database for store_open(): sqlite, path (NULL: ":memory:"); pg, a
 * new database's URI. Kept in e, which engine_drop() takes.
 */
static inline const char *
engine_db(struct engine_db *e, const char *path)
{
	static unsigned	 seq;
	const char	*tmp;
	char		 sql[128];
	int		 fd;

	memset(e, 0, sizeof(*e));
	if (!engine_is_pg()) {
		snprintf(e->database, sizeof(e->database), "%s",
		    path != NULL ? path : ":memory:");
		return e->database;
	}
	snprintf(e->name, sizeof(e->name), "tincay_ut_%ld_%u",
	    (long)getpid(), ++seq);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", e->name);
	engine_admin(sql);
	if (engine_uri(e->database, sizeof(e->database), engine_base(),
	    e->name) == -1)
		fail_msg("TINCAY_TEST_PG: URI too long");
	/* A name nobody has: the store makes the key there, 0600. */
	tmp = getenv("TMPDIR");
	snprintf(e->key, sizeof(e->key), "%s/tincay-ut-key-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if ((fd = mkstemp(e->key)) == -1)
		fail_msg("mkstemp %s", e->key);
	close(fd);
	unlink(e->key);
	return e->database;
}

/*
 * The store on e's database (engine_db() first), as tincayctl opens it
 * or (daemon) as tincayd does: on pg with e's key_file, on sqlite with
 * the key beside the file (none in memory). NULL and err as store_open.
 */
static inline struct store *
engine_open(struct engine_db *e, int daemon, char *err, size_t errlen)
{
	return store_open_keyed(e->database, e->key[0] != '\0' ? e->key :
	    NULL, daemon, err, errlen);
}

/* pg: drop the database engine_db() made, whoever is still connected,
 * and remove its key. */
static inline void
engine_drop(struct engine_db *e)
{
	char		 sql[128];

	if (e->key[0] != '\0') {
		unlink(e->key);
		e->key[0] = '\0';
	}
	if (e->name[0] == '\0')
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    e->name);
	engine_admin(sql);
	e->name[0] = '\0';
}

#endif
