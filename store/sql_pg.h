/*
 * sql_pg.h: PostgreSQL's dialect of the store, for the store's PostgreSQL
 * files (store_pg.c, db_pg.c): the schema as a new database gets it
 * (schema_pg.c), PostgreSQL's own text of the statements whose common text
 * does not do there (sql_pg.c, store_sql_pg() in store_int.h), and the few
 * statements only PostgreSQL runs.
 */
#ifndef TINCAY_SQL_PG_H
#define TINCAY_SQL_PG_H

#include "store_int.h"

/*
 * schema_pg.c: the whole schema at store_pg_schema_version, as SQLite has
 * it after all its migrations: one string of many statements, run in one
 * transaction on an empty database (simple query protocol, no parameters).
 * Then, in the same transaction, C inserts the random keys (see there).
 * store_pg_migrations[i] brings version store_pg_schema_version + i to the
 * next; store_pg_nmigrations of them.
 */
extern const char *const store_pg_schema;
extern const int store_pg_schema_version;
extern const char *const store_pg_migrations[];
extern const int store_pg_nmigrations;

/* Statements only PostgreSQL runs (sql_pg.c), by name. */
enum pg_extra {
	PGX_SCHEMA_LOCK,	/* one node creates or migrates at a time */
	PGX_SCHEMA_PRESENT,	/* 1 if the schema is there, else 0 */
	PGX_SCHEMA_VERSION,	/* its version */
	PGX_SCHEMA_VERSION_SET,	/* ?1 the version a migration reached */
	PGX_META_GET_INT,	/* meta ?1 as a number (SQLite: ST_META_GET) */
	PGX_NUMBER_LOCK,	/* ?1 a number's keyed hash: one node at once */
	PGX_DAYS_LOCK,		/* before a recount of report_days */
	PGX_DAYS_COMPACT,	/* report_days' deltas summed, daily */
	PGX_IDENTITY_SYNC,	/* after rows were copied in with their ids */
	PGX__MAX
};

/* sql_pg.c: PostgreSQL's text of statement i where the common one does
 * not do there, else NULL (also in store_int.h). ?N parameters, as the
 * common ones. */
const char	*store_sql_pg(enum stmt);
/* The text of extra statement i, with ?N parameters. */
const char	*store_sql_pg_extra(enum pg_extra);

#endif
