/*
 * db_pg.c: the PostgreSQL engine of db.h, on libpq. A statement is prepared
 * on the server under a name of its own (again on a new connection, after
 * a reconnect), its ?N parameters rewritten to $N. Integers are sent as
 * text, texts and blobs as their bytes (binary format: the server's type
 * for the parameter reads them as they are, text or bytea); results come
 * back as text, a bytea decoded from its hex form when read.
 *
 * Inside a transaction, a statement that answers nothing (INSERT, UPDATE,
 * DELETE without RETURNING, SAVEPOINT, a SELECT of a void function such as
 * an advisory lock) is sent without waiting for its answer: libpq's
 * pipeline mode holds it until the next statement that must wait (one that
 * answers rows, a savepoint's RELEASE or ROLLBACK TO, COMMIT, anything but
 * these, db_changes()), which goes out with it and a sync in one write,
 * and whose caller hears the first error of them all. A message's writes
 * so cost one round trip between them, not one each; an error still
 * reaches the store before its savepoint is released, and a transaction an
 * error aborted cannot commit. DB_PG_QUEUE_MAX bounds what waits.
 *
 * A connection that breaks (the primary gone, a failover) fails the
 * statement (DB_ELOST); the next statement reconnects, at most once a
 * second, to whichever host the connection string names is writable now
 * (target_session_attrs=read-write in a multi-host URI). A transaction
 * open on it is gone with it: until the caller's ROLLBACK every statement
 * fails, so that none of the rest of it runs, each committed alone, on
 * the new connection, and its COMMIT does not succeed there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "../core/core.h"
#include "db.h"

#define DB_PG_PARAMS	24	/* the most a statement of ours binds */
#define DB_PG_COLS	24	/* bytea columns decoded, by index */
#define DB_PG_RETRY_MS	1000	/* between two reconnects, at least */
#define DB_PG_QUEUE_MAX	64	/* statements sent unanswered, at most */
/*
 * A reconnect holds the loop as long as it takes: one that is refused
 * (the server down, its host up) a round trip, one to a host that never
 * answers connect_timeout. The next waits this many times as long as
 * the last took, so that the loop is held a sixth of the time at most
 * and answers 503 and /healthz in between.
 */
#define DB_PG_RETRY_SLOW	5
#define DB_PG_RETRY_MAX_MS	30000

/* Type OIDs (pg_type.h is the server's). */
#define PG_BOOL		16
#define PG_BYTEA	17
#define PG_INT8		20
#define PG_INT2		21
#define PG_INT4		23
#define PG_OID		26
#define PG_VOID		2278
#define PG_FLOAT4	700
#define PG_FLOAT8	701
#define PG_NUMERIC	1700

/* What a statement ends, by its first words: a ROLLBACK of the whole
 * transaction (not TO a savepoint), or not. */
enum db_pg_end {
	PG_END_NONE,
	PG_END_ROLLBACK
};

struct db_pg {
	struct db	 base;
	PGconn		*c;
	char		*conninfo;
	uint64_t	 gen;		/* connections made */
	int64_t		 tried_ms;	/* the last reconnect */
	int64_t		 wait_ms;	/* from it to the next */
	unsigned	 names;		/* statement names given */
	int64_t		 changes;
	int		 queued;	/* sent, their answers unread */
	int		 held;		/* one of them failed (db->err):
					   the next statement's error */
	int		 tx;		/* open after the last statement */
	int		 tx_lost;	/* died with its connection; until
					   the caller's ROLLBACK */
	enum db_err	 code;
	char		 err[256];
	char		 why[200];	/* the last reconnect failed so */
};

struct db_pg_col {
	unsigned char	*p;		/* decoded, NUL-terminated */
	size_t		 len, cap;
	int		 row;		/* of the row decoded, or -1 */
};

struct db_pg_stmt {
	struct db_stmt	 base;
	struct db_pg	*db;
	char		*sql;		/* with $N */
	char		 name[16];
	uint64_t	 gen;		/* prepared on that connection; 0 no */
	int		 planned_each_run;	/* DB_PG_EACH_RUN */
	int		 answers_nothing;	/* may be queued */
	int		 rolls_back;	/* ROLLBACK [TO]: a queue's error
					   is no reason not to */
	enum db_pg_end	 end;		/* a ROLLBACK or not */
	int		 nparams;
	const char	*val[DB_PG_PARAMS];
	int		 len[DB_PG_PARAMS];
	int		 fmt[DB_PG_PARAMS];
	char		 num[DB_PG_PARAMS][24];
	char		*copy[DB_PG_PARAMS];
	PGresult	*desc;		/* its columns, from the server */
	PGresult	*res;
	int		 ran;		/* executed since the last reset */
	int		 row, nrows;
	struct db_pg_col col[DB_PG_COLS];
};

#define PGDB(db)	((struct db_pg *)(void *)(db))
#define PGST(st)	((struct db_pg_stmt *)(void *)(st))

static const struct db_ops db_pg_ops;

/*
 * A statement whose text begins so is planned again at each run, for the
 * values bound and the table as it is then (still prepared at open, so a
 * typo fails at start-up, and for its columns). PostgreSQL keeps a
 * prepared statement's generic plan once it has run five times: one made
 * while a table was empty can walk the whole table per row once it has
 * thousands (the outbox's due rows, in a burst: a second a pass).
 */
#define DB_PG_EACH_RUN	"/* planned at each run */"

static int64_t
db_pg_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* After a statement: whether a transaction is open on the connection;
 * one that was open when the connection broke is lost. */
static void
db_pg_tx(struct db_pg *db)
{
	if (db->c != NULL && PQstatus(db->c) == CONNECTION_OK) {
		switch (PQtransactionStatus(db->c)) {
		case PQTRANS_ACTIVE:
		case PQTRANS_INTRANS:
		case PQTRANS_INERROR:
			db->tx = 1;
			break;
		default:
			db->tx = 0;
		}
		return;
	}
	if (db->tx && !db->tx_lost) {
		db->tx_lost = 1;
		log_warnx("database: the connection broke inside a "
		    "transaction; what it wrote is rolled back");
	}
	db->tx = 0;
}

/* sql's first word is word (any case): the rest of sql after it, or NULL. */
static const char *
db_pg_word(const char *sql, const char *word)
{
	size_t	 n = strlen(word);

	sql += strspn(sql, " \t\n");
	if (strncasecmp(sql, word, n) != 0 || (sql[n] != '\0' &&
	    strchr(" \t\n;", sql[n]) == NULL))
		return NULL;
	return sql + n;
}

/* ROLLBACK (or ABORT) [WORK | TRANSACTION], nothing more: the whole
 * transaction's, not TO a savepoint. */
static enum db_pg_end
db_pg_end_of(const char *sql)
{
	const char	*rest, *r;

	if ((rest = db_pg_word(sql, "ROLLBACK")) == NULL &&
	    (rest = db_pg_word(sql, "ABORT")) == NULL)
		return PG_END_NONE;
	if ((r = db_pg_word(rest, "WORK")) != NULL ||
	    (r = db_pg_word(rest, "TRANSACTION")) != NULL)
		rest = r;
	return rest[strspn(rest, " \t\n;")] == '\0' ? PG_END_ROLLBACK :
	    PG_END_NONE;
}

/* Whether a statement answers nothing but whether it ran, so that it may
 * wait in the queue: a write without RETURNING or a SAVEPOINT (no column),
 * or a SELECT of a void function (an advisory lock). desc: its columns. */
static int
db_pg_quiet(const char *sql, const PGresult *desc)
{
	static const char *const writes[] = { "INSERT", "UPDATE", "DELETE",
	    "SAVEPOINT" };
	size_t	 i;

	if (db_pg_word(sql, "SELECT") != NULL)
		return PQnfields(desc) == 1 && PQftype(desc, 0) == PG_VOID;
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (db_pg_word(sql, writes[i]) != NULL)
			return PQnfields(desc) == 0;
	return 0;
}

/* Whether sql rolls back, the transaction or to a savepoint: what the
 * queue's error does not stop. */
static int
db_pg_rolls_back(const char *sql)
{
	return db_pg_word(sql, "ROLLBACK") != NULL ||
	    db_pg_word(sql, "ABORT") != NULL;
}

/*
 * Before a statement that ends as end, if the transaction died with its
 * connection: a ROLLBACK ends it (nothing is left to roll back: 1, done);
 * any other statement fails (-1). 0: no such transaction, go on.
 */
static int
db_pg_lost(struct db_pg *db, enum db_pg_end end)
{
	if (!db->tx_lost)
		return 0;
	if (end == PG_END_ROLLBACK) {
		db->tx_lost = 0;
		db->changes = 0;
		db->code = DB_OK;
		return 1;
	}
	db->code = DB_ELOST;
	snprintf(db->err, sizeof(db->err), "the connection to the database "
	    "broke inside the transaction; it is rolled back");
	return -1;
}

/*
 * The error of the last call: its words (one line, without libpq's
 * "ERROR:  " in front, as SQLite's read: they reach /healthz and the log)
 * and its kind.
 */
static void
db_pg_fail(struct db_pg *db, const PGresult *r)
{
	const char	*msg, *state;
	size_t		 n;

	msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	if (msg == NULL || *msg == '\0')
		msg = r != NULL ? PQresultErrorMessage(r) : NULL;
	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(db->c);
	snprintf(db->err, sizeof(db->err), "%s", msg);
	n = strcspn(db->err, "\n");
	db->err[n] = '\0';
	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (PQstatus(db->c) != CONNECTION_OK)
		db->code = DB_ELOST;
	else if (state == NULL)
		db->code = DB_EOTHER;
	else if (strncmp(state, "23", 2) == 0)
		db->code = DB_ECONSTRAINT;
	else if (strcmp(state, "53100") == 0)
		db->code = DB_EFULL;
	else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		db->code = DB_EBUSY;
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0
	    || strcmp(state, "25006") == 0)
		/* Gone, shut down, or a standby now (read-only): this
		 * connection is no use, the next statement makes another. */
		db->code = DB_ELOST;
	else
		db->code = DB_EOTHER;
	db_pg_tx(db);
	if (db->code == DB_ELOST && PQstatus(db->c) == CONNECTION_OK &&
	    PQtransactionStatus(db->c) == PQTRANS_IDLE)
		PQfinish(db->c), db->c = NULL;
}

/*
 * A COMMIT of a transaction an error aborted succeeds as a ROLLBACK (its
 * tag says so): nothing of it was kept, which the caller must hear as a
 * failed commit, as SQLite's would be. -1 if res is that, else 0.
 */
static int
db_pg_rolled_back(struct db_pg *db, const char *sql, PGresult *res)
{
	if (strcmp(PQcmdStatus(res), "ROLLBACK") != 0)
		return 0;
	sql += strspn(sql, " \t\n");
	if (strncasecmp(sql, "ROLLBACK", 8) == 0)
		return 0;
	snprintf(db->err, sizeof(db->err), "an earlier statement failed: "
	    "the transaction was rolled back");
	db->code = DB_EOTHER;
	return -1;
}

/*
 * libpq's words on a failed connect, one line: a multi-host URI fails
 * with a line per host ("port 5432 failed: Connection refused", "port
 * 5433 failed: session is read-only"), joined with "; "; its hints (a
 * line that starts with a tab) left out.
 */
static void
db_pg_why(char *dst, size_t len, const char *msg)
{
	size_t	 n, k = 0;

	dst[0] = '\0';
	while (*msg != '\0' && k + 1 < len) {
		n = strcspn(msg, "\n");
		if (n > 0 && msg[0] != '\t') {
			k += snprintf(dst + k, len - k, "%s%.*s", k > 0 ?
			    "; " : "", (int)n, msg);
			if (k >= len)
				break;
		}
		msg += n;
		msg += *msg == '\n';
	}
}

static void
db_pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* "no transaction in progress" and the like */
}

static PGconn *
db_pg_connect(const char *conninfo)
{
	/* Ours first, then the string's own, which may set any of them. */
	static const char *const keys[] = { "application_name",
	    "connect_timeout", "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "tcp_user_timeout", "dbname", NULL };
	const char	*vals[] = { "tincay", "5", "10", "3", "3", "10000",
	    conninfo, NULL };
	PGconn		*c;

	c = PQconnectdbParams(keys, vals, 1);
	if (c != NULL && PQstatus(c) == CONNECTION_OK)
		PQsetNoticeProcessor(c, db_pg_notice, NULL);
	return c;
}

/* A connection, made again if the last one broke: 0, or -1. */
static int
db_pg_ready(struct db_pg *db)
{
	int64_t	 now;

	if (db->c != NULL && PQstatus(db->c) == CONNECTION_OK)
		return 0;
	now = db_pg_ms();
	if (db->tried_ms != 0 && now - db->tried_ms < db->wait_ms) {
		db->code = DB_ELOST;
		snprintf(db->err, sizeof(db->err), "no connection to the "
		    "database%s%s", db->why[0] != '\0' ? ": " : " yet",
		    db->why);
		return -1;
	}
	db->tried_ms = now;
	db->queued = db->held = 0;	/* went with the connection */
	if (db->c != NULL)
		PQfinish(db->c);
	db->c = db_pg_connect(db->conninfo);
	db->wait_ms = DB_PG_RETRY_SLOW * (db_pg_ms() - now);
	if (db->wait_ms < DB_PG_RETRY_MS)
		db->wait_ms = DB_PG_RETRY_MS;
	if (db->wait_ms > DB_PG_RETRY_MAX_MS)
		db->wait_ms = DB_PG_RETRY_MAX_MS;
	if (db->c == NULL || PQstatus(db->c) != CONNECTION_OK) {
		db->code = DB_ELOST;
		db_pg_why(db->why, sizeof(db->why), db->c != NULL ?
		    PQerrorMessage(db->c) : "out of memory");
		snprintf(db->err, sizeof(db->err), "%s", db->why);
		return -1;
	}
	db->why[0] = '\0';
	db->gen++;
	log_info("database: connected again");
	return 0;
}

/* Send st's run (not waiting for its answer): 1, or 0 (PQerrorMessage). */
static int
db_pg_send(struct db_pg *db, struct db_pg_stmt *st)
{
	if (st->planned_each_run)
		return PQsendQueryParams(db->c, st->sql, st->nparams, NULL,
		    st->val, st->len, st->fmt, 0);
	return PQsendQueryPrepared(db->c, st->name, st->nparams, st->val,
	    st->len, st->fmt, 0);
}

/*
 * Send the queue, then last (if not NULL), with a sync in one write, and
 * read every answer in order; out of pipeline mode after. The first error
 * of them is the caller's (db->err): after it the server ran nothing
 * more, last included. last->res is last's answer if it ran. 0, or -1.
 */
static int
db_pg_drain(struct db_pg *db, struct db_pg_stmt *last)
{
	PGresult	*r, *bad = NULL;
	ExecStatusType	 status;
	const char	*n;
	int		 i, k, sent;

	if (db->queued == 0 && last == NULL)
		return 0;
	k = db->queued;
	db->queued = 0;
	sent = (last == NULL || db_pg_send(db, last) == 1) &&
	    PQpipelineSync(db->c) == 1;
	if (last != NULL && sent)
		k++;
	for (i = 0; i < k && PQstatus(db->c) == CONNECTION_OK; i++) {
		/* A statement's answer, then NULL. */
		while ((r = PQgetResult(db->c)) != NULL) {
			status = PQresultStatus(r);
			if (status == PGRES_COMMAND_OK ||
			    status == PGRES_TUPLES_OK) {
				n = PQcmdTuples(r);
				db->changes = *n != '\0' ? strtoll(n, NULL,
				    10) : 0;
				if (last != NULL && i == k - 1) {
					last->res = r;
					continue;
				}
			} else if (status != PGRES_PIPELINE_ABORTED &&
			    bad == NULL) {
				bad = r;
				continue;
			}
			PQclear(r);
		}
	}
	/* The sync's answer: the end of what was sent. */
	while (sent && PQstatus(db->c) == CONNECTION_OK &&
	    (r = PQgetResult(db->c)) != NULL) {
		status = PQresultStatus(r);
		PQclear(r);
		if (status == PGRES_PIPELINE_SYNC)
			break;
	}
	if (PQstatus(db->c) == CONNECTION_OK)
		(void)PQexitPipelineMode(db->c);
	if (bad == NULL && (!sent || PQstatus(db->c) != CONNECTION_OK)) {
		db_pg_fail(db, NULL);
		return -1;
	}
	if (bad != NULL) {
		if (last != NULL) {
			PQclear(last->res);
			last->res = NULL;
		}
		db_pg_fail(db, bad);
		PQclear(bad);
		return -1;
	}
	db_pg_tx(db);
	return 0;
}

/*
 * A COMMIT that did not run because a statement of the queue failed: the
 * transaction is ended as a COMMIT of it would have ended (a ROLLBACK),
 * the queue's error kept for the caller.
 */
static void
db_pg_commit_refused(struct db_pg *db, const char *sql)
{
	enum db_err	 code = db->code;
	char		 err[sizeof(db->err)];
	PGresult	*r;

	if ((db_pg_word(sql, "COMMIT") == NULL && db_pg_word(sql, "END") ==
	    NULL) || db->c == NULL || PQstatus(db->c) != CONNECTION_OK ||
	    PQtransactionStatus(db->c) != PQTRANS_INERROR)
		return;
	memcpy(err, db->err, sizeof(err));
	r = PQexec(db->c, "ROLLBACK");
	PQclear(r);
	db_pg_tx(db);
	memcpy(db->err, err, sizeof(err));
	db->code = code;
}

/*
 * Before sql runs: if a queued statement's failure is held (heard while
 * preparing), sql fails with it (-1), unless sql rolls back (0, sql runs).
 */
static int
db_pg_unhold(struct db_pg *db, const char *sql, int rolls_back)
{
	if (!db->held)
		return 0;
	db->held = 0;
	if (rolls_back)
		return 0;
	db_pg_commit_refused(db, sql);
	return -1;
}

/*
 * Queue st if it may wait (it answers nothing; a transaction is open; the
 * queue has room): 1 queued, 0 not (run it now), -1 an error.
 */
static int
db_pg_queue(struct db_pg *db, struct db_pg_stmt *st)
{
	if (!st->answers_nothing || st->gen != db->gen ||
	    db->queued >= DB_PG_QUEUE_MAX || (db->queued == 0 &&
	    PQtransactionStatus(db->c) != PQTRANS_INTRANS))
		return 0;
	if (db->queued == 0 && PQenterPipelineMode(db->c) != 1)
		return 0;
	if (db_pg_send(db, st) != 1) {
		if (db->queued == 0)
			(void)PQexitPipelineMode(db->c);
		db_pg_fail(db, NULL);
		return -1;
	}
	db->queued++;
	st->ran = 1;
	st->nrows = 0;
	db->code = DB_OK;
	return 1;
}

/* sql with ?N (or ?) as $N, outside quotes; *n the highest N (of $N
 * written so too). */
static char *
db_pg_rewrite(const char *sql, int *n)
{
	char	*out, *o;
	int	 next = 0, quote = 0, v;

	out = o = xmalloc(strlen(sql) * 2 + 1);
	*n = 0;
	while (*sql != '\0') {
		if (*sql == '\'')
			quote = !quote;
		if (!quote && *sql == '$' && sql[1] >= '0' && sql[1] <= '9') {
			/* PostgreSQL's own text (sql_pg.c): $N as it is. */
			*o++ = *sql++;
			for (v = 0; *sql >= '0' && *sql <= '9'; sql++)
				v = v * 10 + (*(o++) = *sql) - '0';
			if (v > *n)
				*n = v;
			continue;
		}
		if (quote || *sql != '?') {
			*o++ = *sql++;
			continue;
		}
		sql++;
		if (*sql >= '0' && *sql <= '9')
			for (v = 0; *sql >= '0' && *sql <= '9'; sql++)
				v = v * 10 + (*sql - '0');
		else
			v = ++next;
		if (v > *n)
			*n = v;
		o += sprintf(o, "$%d", v);
	}
	*o = '\0';
	return out;
}

static int
db_pg_prepare(struct db *d, const char *sql, struct db_stmt **out)
{
	struct db_pg		*db = PGDB(d);
	struct db_pg_stmt	*st;
	PGresult		*r;
	char			 held[sizeof(db->err)];
	enum db_err		 code;
	int			 i;

	*out = NULL;
	st = xcalloc(1, sizeof(*st));
	st->base.ops = &db_pg_ops;
	st->db = db;
	st->sql = db_pg_rewrite(sql, &st->nparams);
	st->planned_each_run = strncmp(sql, DB_PG_EACH_RUN,
	    sizeof(DB_PG_EACH_RUN) - 1) == 0;
	st->row = -1;
	for (i = 0; i < DB_PG_COLS; i++)
		st->col[i].row = -1;
	if (st->nparams > DB_PG_PARAMS) {
		snprintf(db->err, sizeof(db->err), "%d parameters: at most "
		    "%d", st->nparams, DB_PG_PARAMS);
		goto fail;
	}
	snprintf(st->name, sizeof(st->name), "t%u", ++db->names);
	st->end = db_pg_end_of(sql);
	st->rolls_back = db_pg_rolls_back(sql);
	/* Prepared now, so that a statement the server refuses fails at
	 * start-up, as on SQLite; not on a new connection while a lost
	 * transaction waits for its ROLLBACK. */
	if ((st->end != PG_END_ROLLBACK && db_pg_lost(db, PG_END_NONE) ==
	    -1) || (!db->tx_lost && db_pg_ready(db) == -1))
		goto fail;
	if (db->tx_lost) {
		/* A ROLLBACK that will end the lost transaction. */
		*out = &st->base;
		return 0;
	}
	/* A queued statement's failure is the next one's to report. */
	if (db_pg_drain(db, NULL) == -1)
		db->held = 1;
	memcpy(held, db->err, sizeof(held));
	code = db->code;
	r = PQprepare(db->c, st->name, st->sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		db_pg_fail(db, r);
		PQclear(r);
		goto unhold;
	}
	PQclear(r);
	/* Its columns are known before it runs, as on SQLite. */
	st->desc = PQdescribePrepared(db->c, st->name);
	if (PQresultStatus(st->desc) != PGRES_COMMAND_OK) {
		db_pg_fail(db, st->desc);
		PQclear(st->desc);
		goto unhold;
	}
	st->answers_nothing = db_pg_quiet(sql, st->desc);
	st->gen = db->gen;
	*out = &st->base;
	return 0;
unhold:
	/* Refused in a transaction the queue's error aborted: that one. */
	if (db->held) {
		db->held = 0;
		memcpy(db->err, held, sizeof(held));
		db->code = code;
	}
fail:
	free(st->sql);
	free(st);
	return -1;
}

static void
db_pg_unbind(struct db_pg_stmt *st)
{
	int	 i;

	for (i = 0; i < DB_PG_PARAMS; i++) {
		free(st->copy[i]);
		st->copy[i] = NULL;
		st->val[i] = NULL;
		st->len[i] = 0;
		st->fmt[i] = 0;
	}
}

static void
db_pg_reset(struct db_stmt *s)
{
	struct db_pg_stmt	*st = PGST(s);
	int			 i;

	PQclear(st->res);
	st->res = NULL;
	st->ran = 0;
	st->row = -1;
	st->nrows = 0;
	for (i = 0; i < DB_PG_COLS; i++)
		st->col[i].row = -1;
	db_pg_unbind(st);
}

static void
db_pg_finalize(struct db_stmt *s)
{
	struct db_pg_stmt	*st = PGST(s);
	int			 i;

	db_pg_reset(s);
	for (i = 0; i < DB_PG_COLS; i++)
		free(st->col[i].p);
	PQclear(st->desc);
	free(st->sql);
	/* The server's copy goes with the connection. */
	free(st);
}

static int
db_pg_slot(struct db_pg_stmt *st, int i)
{
	if (i < 1 || i > DB_PG_PARAMS)
		fatalx("%s: parameter %d", __func__, i);
	free(st->copy[i - 1]);
	st->copy[i - 1] = NULL;
	return i - 1;
}

static int
db_pg_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	struct db_pg_stmt	*st = PGST(s);
	int			 k = db_pg_slot(st, i);

	snprintf(st->num[k], sizeof(st->num[k]), "%lld", (long long)v);
	st->val[k] = st->num[k];
	st->len[k] = 0;
	st->fmt[k] = 0;
	return 0;
}

static int
db_pg_bind_text(struct db_stmt *s, int i, const char *v, int len, int copy)
{
	struct db_pg_stmt	*st = PGST(s);
	int			 k = db_pg_slot(st, i);
	size_t			 n;

	if (v == NULL) {
		st->val[k] = NULL;
		return 0;
	}
	n = len < 0 ? strlen(v) : (size_t)len;
	if (copy) {
		st->copy[k] = xmalloc(n + 1);
		memcpy(st->copy[k], v, n);
		st->copy[k][n] = '\0';
		v = st->copy[k];
	}
	st->val[k] = v;
	st->len[k] = (int)n;
	st->fmt[k] = 1;
	return 0;
}

static int
db_pg_bind_blob(struct db_stmt *s, int i, const void *v, size_t len)
{
	struct db_pg_stmt	*st = PGST(s);
	int			 k = db_pg_slot(st, i);

	/* An empty blob is not NULL: any non-NULL pointer will do. */
	st->val[k] = v != NULL ? v : "";
	st->len[k] = (int)len;
	st->fmt[k] = 1;
	return 0;
}

static int
db_pg_bind_null(struct db_stmt *s, int i)
{
	struct db_pg_stmt	*st = PGST(s);
	int			 k = db_pg_slot(st, i);

	st->val[k] = NULL;
	return 0;
}

static int
db_pg_run(struct db_pg_stmt *st)
{
	struct db_pg	*db = st->db;
	PGresult	*r;
	const char	*n;

	switch (db_pg_lost(db, st->end)) {
	case -1:
		return DB_ERR;
	case 1:
		st->ran = 1;
		return DB_DONE;
	}
	if (db_pg_ready(db) == -1)
		return DB_ERR;
	if (db_pg_unhold(db, st->sql, st->rolls_back) == -1)
		return DB_ERR;
	/* A rollback runs whatever the queue's answers were. */
	if (st->rolls_back && db->queued > 0)
		(void)db_pg_drain(db, NULL);
	if (st->gen != db->gen) {
		if (db_pg_drain(db, NULL) == -1)
			return DB_ERR;
		r = PQprepare(db->c, st->name, st->sql, 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			db_pg_fail(db, r);
			PQclear(r);
			return DB_ERR;
		}
		PQclear(r);
		st->gen = db->gen;
	}
	switch (db_pg_queue(db, st)) {
	case -1:
		return DB_ERR;
	case 1:
		return DB_DONE;
	}
	if (db->queued > 0) {
		/* It goes out behind the queue, in the same write. */
		if (db_pg_drain(db, st) == -1) {
			db_pg_commit_refused(db, st->sql);
			return DB_ERR;
		}
	} else if (st->planned_each_run)
		st->res = PQexecParams(db->c, st->sql, st->nparams, NULL,
		    st->val, st->len, st->fmt, 0);
	else
		st->res = PQexecPrepared(db->c, st->name, st->nparams,
		    st->val, st->len, st->fmt, 0);
	if (PQresultStatus(st->res) == PGRES_TUPLES_OK ||
	    PQresultStatus(st->res) == PGRES_COMMAND_OK)
		db_pg_tx(db);
	switch (PQresultStatus(st->res)) {
	case PGRES_TUPLES_OK:
		break;
	case PGRES_COMMAND_OK:
		if (db_pg_rolled_back(db, st->sql, st->res) == 0)
			break;
		PQclear(st->res);
		st->res = NULL;
		return DB_ERR;
	default:
		db_pg_fail(db, st->res);
		PQclear(st->res);
		st->res = NULL;
		return DB_ERR;
	}
	st->ran = 1;
	st->nrows = PQntuples(st->res);
	n = PQcmdTuples(st->res);
	db->changes = n != NULL && *n != '\0' ? strtoll(n, NULL, 10) : 0;
	db->code = DB_OK;
	return DB_DONE;
}

static int
db_pg_step(struct db_stmt *s)
{
	struct db_pg_stmt	*st = PGST(s);

	if (!st->ran && db_pg_run(st) == DB_ERR)
		return DB_ERR;
	if (st->row + 1 < st->nrows) {
		st->row++;
		return DB_ROW;
	}
	st->row = st->nrows;
	return DB_DONE;
}

static int
db_pg_column_count(struct db_stmt *s)
{
	return PQnfields(PGST(s)->desc);
}

static const char *
db_pg_column_name(struct db_stmt *s, int i)
{
	return PQfname(PGST(s)->desc, i);
}

/* Whether column i of the current row is there and not NULL. */
static int
db_pg_has(struct db_pg_stmt *st, int i)
{
	return st->res != NULL && st->row >= 0 && st->row < st->nrows &&
	    i >= 0 && i < PQnfields(st->res) &&
	    !PQgetisnull(st->res, st->row, i);
}

/* Column i of the row, a bytea, decoded (once per row); NULL: not one. */
static struct db_pg_col *
db_pg_bytea(struct db_pg_stmt *st, int i)
{
	struct db_pg_col	*c;
	const char		*v;
	size_t			 n, k;
	int			 hi, lo;

	if (!db_pg_has(st, i) || PQftype(st->res, i) != PG_BYTEA ||
	    i >= DB_PG_COLS)
		return NULL;
	c = &st->col[i];
	if (c->row == st->row)
		return c;
	v = PQgetvalue(st->res, st->row, i);
	n = (size_t)PQgetlength(st->res, st->row, i);
	if (n < 2 || v[0] != '\\' || v[1] != 'x')
		fatalx("%s: bytea not in hex (bytea_output)", __func__);
	n = (n - 2) / 2;
	if (c->cap < n + 1) {
		free(c->p);
		c->cap = n + 1;
		c->p = xmalloc(c->cap);
	}
	for (k = 0; k < n; k++) {
		hi = util_hex_digit(v[2 + 2 * k]);
		lo = util_hex_digit(v[3 + 2 * k]);
		if (hi < 0 || lo < 0)
			fatalx("%s: bytea not in hex", __func__);
		c->p[k] = (unsigned char)(hi << 4 | lo);
	}
	c->p[n] = '\0';
	c->len = n;
	c->row = st->row;
	return c;
}

static enum db_type
db_pg_column_type(struct db_stmt *s, int i)
{
	struct db_pg_stmt	*st = PGST(s);

	if (!db_pg_has(st, i))
		return DB_NULL;
	switch (PQftype(st->res, i)) {
	case PG_BOOL:
	case PG_INT2:
	case PG_INT4:
	case PG_INT8:
	case PG_OID:
		return DB_INT;
	case PG_NUMERIC:
		return strchr(PQgetvalue(st->res, st->row, i), '.') != NULL ?
		    DB_FLOAT : DB_INT;
	case PG_FLOAT4:
	case PG_FLOAT8:
		return DB_FLOAT;
	case PG_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

static const char *
db_pg_column_text(struct db_stmt *s, int i)
{
	struct db_pg_stmt	*st = PGST(s);
	struct db_pg_col	*c;

	if (!db_pg_has(st, i))
		return NULL;
	if ((c = db_pg_bytea(st, i)) != NULL)
		return (const char *)c->p;
	return PQgetvalue(st->res, st->row, i);
}

static int64_t
db_pg_column_int64(struct db_stmt *s, int i)
{
	const char	*v = db_pg_column_text(s, i);

	if (v == NULL)
		return 0;
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	if (v[0] == 'f' && v[1] == '\0')
		return 0;
	return strtoll(v, NULL, 10);
}

static double
db_pg_column_double(struct db_stmt *s, int i)
{
	const char	*v = db_pg_column_text(s, i);

	return v != NULL ? strtod(v, NULL) : 0.0;
}

static const void *
db_pg_column_blob(struct db_stmt *s, int i)
{
	return db_pg_column_text(s, i);
}

static int
db_pg_column_bytes(struct db_stmt *s, int i)
{
	struct db_pg_stmt	*st = PGST(s);
	struct db_pg_col	*c;

	if (!db_pg_has(st, i))
		return 0;
	if ((c = db_pg_bytea(st, i)) != NULL)
		return (int)c->len;
	return PQgetlength(st->res, st->row, i);
}

static int
db_pg_exec(struct db *d, const char *sql)
{
	struct db_pg	*db = PGDB(d);
	PGresult	*r;
	int		 rc = 0;

	switch (db_pg_lost(db, db_pg_end_of(sql))) {
	case -1:
		return -1;
	case 1:
		return 0;
	}
	if (db_pg_ready(db) == -1)
		return -1;
	if (db_pg_unhold(db, sql, db_pg_rolls_back(sql)) == -1)
		return -1;
	if (db_pg_drain(db, NULL) == -1 && !db_pg_rolls_back(sql)) {
		db_pg_commit_refused(db, sql);
		return -1;
	}
	r = PQexec(db->c, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_COMMAND_OK)
		db_pg_tx(db);
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
		if (db_pg_rolled_back(db, sql, r) == -1) {
			rc = -1;
			break;
		}
		/* FALLTHROUGH */
	case PGRES_TUPLES_OK:
		db->code = DB_OK;
		break;
	default:
		db_pg_fail(db, r);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

static int64_t
db_pg_changes(struct db *d)
{
	struct db_pg	*db = PGDB(d);

	/* The last statement's answer, waited for if it is queued. */
	if (db->held) {
		db->held = 0;
		return -1;
	}
	if (db_pg_drain(db, NULL) == -1)
		return -1;
	return db->changes;
}

static const char *
db_pg_errmsg(struct db *d)
{
	return PGDB(d)->err;
}

static enum db_err
db_pg_errcode(struct db *d)
{
	return PGDB(d)->code;
}

static int
db_pg_in_tx(struct db *d)
{
	struct db_pg	*db = PGDB(d);

	/* Lost: open until the caller rolls it back. */
	if (db->tx_lost)
		return 1;
	if (db->c == NULL || PQstatus(db->c) != CONNECTION_OK)
		return 0;
	switch (PQtransactionStatus(db->c)) {
	case PQTRANS_ACTIVE:
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		return 1;
	default:
		return 0;
	}
}

static uint64_t
db_pg_generation(struct db *d)
{
	struct db_pg	*db = PGDB(d);

	/* A connection known broken is no one's session any more. */
	if (db->c == NULL || PQstatus(db->c) != CONNECTION_OK)
		return 0;
	return db->gen;
}

static int
db_pg_wake_fd(struct db *d)
{
	struct db_pg	*db = PGDB(d);

	if (db->c == NULL || PQstatus(db->c) != CONNECTION_OK)
		return -1;
	return PQsocket(db->c);
}

static int
db_pg_wake_take(struct db *d)
{
	struct db_pg	*db = PGDB(d);
	PGnotify	*n;
	int		 got = 0;

	if (db->c == NULL || PQstatus(db->c) != CONNECTION_OK)
		return -1;
	if (db->queued > 0)
		return 0;	/* read with the queue's answers, later */
	if (!PQconsumeInput(db->c))
		return -1;
	while ((n = PQnotifies(db->c)) != NULL) {
		got++;
		PQfreemem(n);
	}
	return got;
}

static void
db_pg_close(struct db *d)
{
	struct db_pg	*db = PGDB(d);

	if (db->c != NULL)
		PQfinish(db->c);
	free(db->conninfo);
	free(db);
}

static const struct db_ops db_pg_ops = {
	.engine = DB_PG,
	.prepare = db_pg_prepare,
	.finalize = db_pg_finalize,
	.bind_int64 = db_pg_bind_int64,
	.bind_text = db_pg_bind_text,
	.bind_blob = db_pg_bind_blob,
	.bind_null = db_pg_bind_null,
	.step = db_pg_step,
	.reset = db_pg_reset,
	.column_count = db_pg_column_count,
	.column_name = db_pg_column_name,
	.column_type = db_pg_column_type,
	.column_int64 = db_pg_column_int64,
	.column_double = db_pg_column_double,
	.column_text = db_pg_column_text,
	.column_blob = db_pg_column_blob,
	.column_bytes = db_pg_column_bytes,
	.exec = db_pg_exec,
	.changes = db_pg_changes,
	.errmsg = db_pg_errmsg,
	.errcode = db_pg_errcode,
	.in_tx = db_pg_in_tx,
	.generation = db_pg_generation,
	.wake_fd = db_pg_wake_fd,
	.wake_take = db_pg_wake_take,
	.close = db_pg_close,
};

struct db *
db_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct db_pg	*db;
	int		 n;

	db = xcalloc(1, sizeof(*db));
	db->base.ops = &db_pg_ops;
	db->conninfo = xstrdup(conninfo);
	db->c = db_pg_connect(conninfo);
	if (db->c == NULL || PQstatus(db->c) != CONNECTION_OK) {
		/* libpq's words never carry the password. */
		n = snprintf(err, errlen, "database: ");
		if (n > 0 && (size_t)n < errlen)
			db_pg_why(err + n, errlen - n, db->c != NULL ?
			    PQerrorMessage(db->c) : "out of memory");
		db_pg_close(&db->base);
		return NULL;
	}
	db->gen = 1;
	return &db->base;
}
