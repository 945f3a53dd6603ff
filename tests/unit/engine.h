/*
 * engine.h: the database a store unit test opens, on the engine named by
 * $TINCAY_TEST_ENGINE: sqlite (the default) an in-memory database or the
 * test's own file; pg a fresh, empty database made on the server of
 * $TINCAY_TEST_PG (a base URI, postgresql://user@host:port, as
 * scripts/pg-scratch prints and make's pg run sets), dropped again by
 * engine_drop(). Include after cmocka.h: a server that cannot make one
 * fails the test.
 *
 *	struct engine_db e;
 *	st = store_open(engine_db(&e, NULL), err, sizeof(err));
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
};

/* Whether the tests run on PostgreSQL. */
static inline int
engine_is_pg(void)
{
	const char	*e = getenv("TINCAY_TEST_ENGINE");

	return e != NULL && strcmp(e, "pg") == 0;
}

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

/* Run one statement on the server's maintenance database (postgres). */
static inline void
engine_admin(const char *sql)
{
	const char	*base = getenv("TINCAY_TEST_PG");
	char		 uri[512], why[512];
	PGconn		*c;
	PGresult	*r;
	int		 ok = 0;

	if (base == NULL || *base == '\0')
		fail_msg("TINCAY_TEST_ENGINE=pg without TINCAY_TEST_PG (a "
		    "server's base URI: scripts/pg-scratch run ...)");
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
	char		 sql[128];

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
	if (engine_uri(e->database, sizeof(e->database),
	    getenv("TINCAY_TEST_PG"), e->name) == -1)
		fail_msg("TINCAY_TEST_PG: URI too long");
	return e->database;
}

/* pg: drop the database engine_db() made, whoever is still connected. */
static inline void
engine_drop(struct engine_db *e)
{
	char		 sql[128];

	if (e->name[0] == '\0')
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    e->name);
	engine_admin(sql);
	e->name[0] = '\0';
}

#endif
