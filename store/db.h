/*
 * db.h: the store's two engines behind one statement API. The store's files
 * (store/store*.c) prepare, bind, step and read columns through it and never
 * name an engine; db_sqlite.c wraps SQLite, db_pg.c PostgreSQL (libpq).
 * Only those two files include their engine's header (make layers), apart
 * from what only SQLite has (its WAL, its backup API: db_sqlite_handle()).
 *
 * A statement's SQL is written once, SQLite's way, with ?N parameters;
 * the PostgreSQL engine rewrites ?N to $N at prepare. Text and blob values
 * bound must stay valid until the statement is stepped (SQLite's
 * SQLITE_STATIC), unless bound with db_bind_text_copy().
 */
#ifndef TINCAY_DB_H
#define TINCAY_DB_H

#include <stddef.h>
#include <stdint.h>

enum db_engine {
	DB_SQLITE,
	DB_PG
};

/* db_step(): a row to read, no more rows, an error (db_errmsg()). */
#define DB_ROW		1
#define DB_DONE		0
#define DB_ERR		(-1)

/* db_column_type(). */
enum db_type {
	DB_NULL,
	DB_INT,
	DB_FLOAT,
	DB_TEXT,
	DB_BLOB
};

/* db_errcode(): the kind of the last error, whatever the engine. */
enum db_err {
	DB_OK,
	DB_EBUSY,	/* another writer holds the lock (SQLite) */
	DB_EFULL,	/* no space left */
	DB_ECONSTRAINT,	/* a unique or check constraint */
	DB_ELOST,	/* the connection is gone (PostgreSQL) */
	DB_EOTHER
};

struct db;
struct db_stmt;

struct db_ops {
	enum db_engine	 engine;
	int		 (*prepare)(struct db *, const char *sql,
			    struct db_stmt **);
	void		 (*finalize)(struct db_stmt *);
	int		 (*bind_int64)(struct db_stmt *, int, int64_t);
	int		 (*bind_text)(struct db_stmt *, int, const char *, int,
			    int copy);
	int		 (*bind_blob)(struct db_stmt *, int, const void *,
			    size_t);
	int		 (*bind_null)(struct db_stmt *, int);
	int		 (*step)(struct db_stmt *);
	void		 (*reset)(struct db_stmt *);
	int		 (*column_count)(struct db_stmt *);
	const char	*(*column_name)(struct db_stmt *, int);
	enum db_type	 (*column_type)(struct db_stmt *, int);
	int64_t		 (*column_int64)(struct db_stmt *, int);
	double		 (*column_double)(struct db_stmt *, int);
	const char	*(*column_text)(struct db_stmt *, int);
	const void	*(*column_blob)(struct db_stmt *, int);
	int		 (*column_bytes)(struct db_stmt *, int);
	int		 (*exec)(struct db *, const char *sql);
	int64_t		 (*changes)(struct db *);
	const char	*(*errmsg)(struct db *);
	enum db_err	 (*errcode)(struct db *);
	int		 (*in_tx)(struct db *);
	uint64_t	 (*generation)(struct db *);
	int		 (*wake_fd)(struct db *);
	int		 (*wake_take)(struct db *);
	void		 (*close)(struct db *);
};

/* Every engine's struct db and struct db_stmt begin with their ops. */
struct db {
	const struct db_ops *ops;
};
struct db_stmt {
	const struct db_ops *ops;
};

/*
 * Open the database named by name: a libpq URI (postgresql://, postgres://)
 * or key=value string is PostgreSQL, anything else an SQLite path. flags:
 * DB_OPEN_*. NULL and why in err.
 */
#define DB_OPEN_CREATE		0x1	/* SQLite: create the file if missing */
#define DB_OPEN_READONLY	0x2
struct db	*db_open(const char *name, int flags, char *err, size_t errlen);
/* Whether name is a PostgreSQL connection string rather than a path. */
int		 db_is_pg(const char *name);
/* name with any password masked, for logs; allocated. */
char		*db_name_safe(const char *name);
struct db	*db_sqlite_open(const char *path, int flags, char *err,
		    size_t errlen);
struct db	*db_pg_open(const char *conninfo, char *err, size_t errlen);
/* SQLite's own handle, for what only SQLite has (the WAL, the backup API,
 * functions of tests): NULL on another engine. */
struct sqlite3;
struct sqlite3	*db_sqlite_handle(struct db *);

static inline enum db_engine
db_engine(const struct db *db)
{
	return db->ops->engine;
}

/* 0, or -1 (db_errmsg()). */
static inline int
db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	return db->ops->prepare(db, sql, out);
}

static inline void
db_finalize(struct db_stmt *s)
{
	if (s != NULL)
		s->ops->finalize(s);
}

static inline int
db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	return s->ops->bind_int64(s, i, v);
}

/* len -1: up to the NUL. */
static inline int
db_bind_text(struct db_stmt *s, int i, const char *v, int len)
{
	return s->ops->bind_text(s, i, v, len, 0);
}

static inline int
db_bind_text_copy(struct db_stmt *s, int i, const char *v, int len)
{
	return s->ops->bind_text(s, i, v, len, 1);
}

static inline int
db_bind_blob(struct db_stmt *s, int i, const void *v, size_t len)
{
	return s->ops->bind_blob(s, i, v, len);
}

static inline int
db_bind_null(struct db_stmt *s, int i)
{
	return s->ops->bind_null(s, i);
}

static inline int
db_step(struct db_stmt *s)
{
	return s->ops->step(s);
}

/* Back to before its first step, its bindings cleared. */
static inline void
db_reset(struct db_stmt *s)
{
	s->ops->reset(s);
}

static inline int
db_column_count(struct db_stmt *s)
{
	return s->ops->column_count(s);
}

static inline const char *
db_column_name(struct db_stmt *s, int i)
{
	return s->ops->column_name(s, i);
}

static inline enum db_type
db_column_type(struct db_stmt *s, int i)
{
	return s->ops->column_type(s, i);
}

static inline int64_t
db_column_int64(struct db_stmt *s, int i)
{
	return s->ops->column_int64(s, i);
}

static inline double
db_column_double(struct db_stmt *s, int i)
{
	return s->ops->column_double(s, i);
}

/* NULL for NULL; valid until the next step, reset or column read. */
static inline const char *
db_column_text(struct db_stmt *s, int i)
{
	return s->ops->column_text(s, i);
}

static inline const void *
db_column_blob(struct db_stmt *s, int i)
{
	return s->ops->column_blob(s, i);
}

static inline int
db_column_bytes(struct db_stmt *s, int i)
{
	return s->ops->column_bytes(s, i);
}

/* Run sql (no parameters; several statements allowed): 0, or -1. */
static inline int
db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

/* Rows the last INSERT, UPDATE or DELETE stepped changed; -1 if it failed
 * (PostgreSQL: a write's answer may be waited for only here, db_pg.c). */
static inline int64_t
db_changes(struct db *db)
{
	return db->ops->changes(db);
}

static inline const char *
db_errmsg(struct db *db)
{
	return db->ops->errmsg(db);
}

static inline enum db_err
db_errcode(struct db *db)
{
	return db->ops->errcode(db);
}

/* Whether a transaction is open on the connection. */
static inline int
db_in_tx(struct db *db)
{
	return db->ops->in_tx(db);
}

/* The connection's number: it changes when the engine connects again (a
 * server's session, and what it held, is gone then); SQLite's is 1. */
static inline uint64_t
db_generation(struct db *db)
{
	return db->ops->generation(db);
}

/*
 * A server's notifications (LISTEN): the socket to watch for them (-1:
 * none, SQLite), and how many came (read, and forgotten); -1: the
 * connection broke.
 */
static inline int
db_wake_fd(struct db *db)
{
	return db->ops->wake_fd(db);
}

static inline int
db_wake_take(struct db *db)
{
	return db->ops->wake_take(db);
}

static inline void
db_close(struct db *db)
{
	if (db != NULL)
		db->ops->close(db);
}

#endif
