/*
 * db_sqlite.c: the SQLite engine of db.h, a thin layer over sqlite3_*: a
 * statement is SQLite's own, beside its ops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "../core/core.h"
#include "db.h"

struct db_sqlite {
	struct db	 base;
	sqlite3		*h;
};

struct db_sqlite_stmt {
	struct db_stmt	 base;
	sqlite3_stmt	*s;
};

#define LITE(db)	(((struct db_sqlite *)(void *)(db))->h)
#define STMT(st)	(((struct db_sqlite_stmt *)(void *)(st))->s)

static const struct db_ops db_sqlite_ops;

static int
db_sqlite_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_sqlite_stmt	*st;
	sqlite3_stmt		*s;

	*out = NULL;
	if (sqlite3_prepare_v3(LITE(db), sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s, NULL) != SQLITE_OK)
		return -1;
	st = xcalloc(1, sizeof(*st));
	st->base.ops = &db_sqlite_ops;
	st->s = s;
	*out = &st->base;
	return 0;
}

static void
db_sqlite_finalize(struct db_stmt *st)
{
	sqlite3_finalize(STMT(st));
	free(st);
}

static int
db_sqlite_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(STMT(st), i, v) == SQLITE_OK ? 0 : -1;
}

static int
db_sqlite_bind_text(struct db_stmt *st, int i, const char *v, int len,
    int copy)
{
	return sqlite3_bind_text(STMT(st), i, v, len,
	    copy ? SQLITE_TRANSIENT : SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}

static int
db_sqlite_bind_blob(struct db_stmt *st, int i, const void *v, size_t len)
{
	return sqlite3_bind_blob64(STMT(st), i, v, len, SQLITE_STATIC) ==
	    SQLITE_OK ? 0 : -1;
}

static int
db_sqlite_bind_null(struct db_stmt *st, int i)
{
	return sqlite3_bind_null(STMT(st), i) == SQLITE_OK ? 0 : -1;
}

static int
db_sqlite_step(struct db_stmt *st)
{
	switch (sqlite3_step(STMT(st))) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	default:
		return DB_ERR;
	}
}

static void
db_sqlite_reset(struct db_stmt *st)
{
	sqlite3_reset(STMT(st));
	sqlite3_clear_bindings(STMT(st));
}

static int
db_sqlite_column_count(struct db_stmt *st)
{
	return sqlite3_column_count(STMT(st));
}

static const char *
db_sqlite_column_name(struct db_stmt *st, int i)
{
	return sqlite3_column_name(STMT(st), i);
}

static enum db_type
db_sqlite_column_type(struct db_stmt *st, int i)
{
	switch (sqlite3_column_type(STMT(st), i)) {
	case SQLITE_INTEGER:
		return DB_INT;
	case SQLITE_FLOAT:
		return DB_FLOAT;
	case SQLITE_TEXT:
		return DB_TEXT;
	case SQLITE_BLOB:
		return DB_BLOB;
	default:
		return DB_NULL;
	}
}

static int64_t
db_sqlite_column_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(STMT(st), i);
}

static double
db_sqlite_column_double(struct db_stmt *st, int i)
{
	return sqlite3_column_double(STMT(st), i);
}

static const char *
db_sqlite_column_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(STMT(st), i);
}

static const void *
db_sqlite_column_blob(struct db_stmt *st, int i)
{
	return sqlite3_column_blob(STMT(st), i);
}

static int
db_sqlite_column_bytes(struct db_stmt *st, int i)
{
	return sqlite3_column_bytes(STMT(st), i);
}

static int
db_sqlite_exec(struct db *db, const char *sql)
{
	return sqlite3_exec(LITE(db), sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

static int64_t
db_sqlite_changes(struct db *db)
{
	return sqlite3_changes64(LITE(db));
}

static const char *
db_sqlite_errmsg(struct db *db)
{
	return sqlite3_errmsg(LITE(db));
}

static enum db_err
db_sqlite_errcode(struct db *db)
{
	switch (sqlite3_errcode(LITE(db)) & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_EBUSY;
	case SQLITE_FULL:
		return DB_EFULL;
	case SQLITE_CONSTRAINT:
		return DB_ECONSTRAINT;
	default:
		return DB_EOTHER;
	}
}

static int
db_sqlite_in_tx(struct db *db)
{
	return !sqlite3_get_autocommit(LITE(db));
}

static uint64_t
db_sqlite_generation(struct db *db)
{
	(void)db;
	return 1;
}

static int
db_sqlite_wake_fd(struct db *db)
{
	(void)db;
	return -1;
}

static int
db_sqlite_wake_take(struct db *db)
{
	(void)db;
	return 0;
}

static void
db_sqlite_close(struct db *db)
{
	sqlite3_close(LITE(db));
	free(db);
}

static const struct db_ops db_sqlite_ops = {
	.engine = DB_SQLITE,
	.prepare = db_sqlite_prepare,
	.finalize = db_sqlite_finalize,
	.bind_int64 = db_sqlite_bind_int64,
	.bind_text = db_sqlite_bind_text,
	.bind_blob = db_sqlite_bind_blob,
	.bind_null = db_sqlite_bind_null,
	.step = db_sqlite_step,
	.reset = db_sqlite_reset,
	.column_count = db_sqlite_column_count,
	.column_name = db_sqlite_column_name,
	.column_type = db_sqlite_column_type,
	.column_int64 = db_sqlite_column_int64,
	.column_double = db_sqlite_column_double,
	.column_text = db_sqlite_column_text,
	.column_blob = db_sqlite_column_blob,
	.column_bytes = db_sqlite_column_bytes,
	.exec = db_sqlite_exec,
	.changes = db_sqlite_changes,
	.errmsg = db_sqlite_errmsg,
	.errcode = db_sqlite_errcode,
	.in_tx = db_sqlite_in_tx,
	.generation = db_sqlite_generation,
	.wake_fd = db_sqlite_wake_fd,
	.wake_take = db_sqlite_wake_take,
	.close = db_sqlite_close,
};

struct db *
db_sqlite_open(const char *path, int flags, char *err, size_t errlen)
{
	struct db_sqlite	*db;
	int			 how = SQLITE_OPEN_NOMUTEX;

	how |= (flags & DB_OPEN_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	if (flags & DB_OPEN_CREATE)
		how |= SQLITE_OPEN_CREATE;
	db = xcalloc(1, sizeof(*db));
	db->base.ops = &db_sqlite_ops;
	if (sqlite3_open_v2(path, &db->h, how, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: %s", path,
		    db->h ? sqlite3_errmsg(db->h) : "cannot open");
		sqlite3_close(db->h);
		free(db);
		return NULL;
	}
	return &db->base;
}

struct sqlite3 *
db_sqlite_handle(struct db *db)
{
	return db != NULL && db->ops == &db_sqlite_ops ? LITE(db) : NULL;
}
