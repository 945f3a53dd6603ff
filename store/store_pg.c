/*
 * store_pg.c: what the store does on PostgreSQL alone: a new database gets
 * the whole schema (schema_pg.c) and its random keys in one transaction, an
 * older one its migrations; nodes that start together take turns (an
 * advisory lock held for that transaction). Several daemons share the
 * database: each takes webhooks; the one holding the leader's lock
 * delivers and runs the jobs that must run once; a number's decisions
 * (a young open report?) are made by one at a time.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "../core/core.h"
#include "store_int.h"
#include "sql_pg.h"

/* Run extra statement x with up to one integer parameter (bound if has):
 * its first column of its first row into *v if v; 0, or -1 (err). */
static int
store_pg_extra(struct store *st, enum pg_extra x, int has, int64_t arg,
    int64_t *v, char *err, size_t errlen)
{
	struct db_stmt	*s;
	int		 rc;

	if (db_prepare(st->db, store_sql_pg_extra(x), &s) != 0)
		goto fail;
	if (has)
		db_bind_int64(s, 1, arg);
	rc = db_step(s);
	if (rc == DB_ROW && v != NULL)
		*v = db_column_int64(s, 0);
	db_finalize(s);
	if (rc == DB_ERR)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "database: %s", db_errmsg(st->db));
	return -1;
}

/* meta[key] = len random bytes, in the open transaction. */
static int
store_pg_random(struct store *st, const char *key, size_t len, char *err,
    size_t errlen)
{
	unsigned char	 b[32];
	struct db_stmt	*s;
	int		 rc;

	if (len > sizeof(b) || RAND_bytes(b, (int)len) != 1) {
		snprintf(err, errlen, "database: no random bytes for %s", key);
		return -1;
	}
	if (db_prepare(st->db, store_sql_on(st->db, ST_META_BLOB_SET), &s) !=
	    0) {
		snprintf(err, errlen, "database: %s", db_errmsg(st->db));
		return -1;
	}
	db_bind_text(s, 1, key, -1);
	db_bind_blob(s, 2, b, len);
	rc = db_step(s);
	db_finalize(s);
	OPENSSL_cleanse(b, sizeof(b));
	if (rc == DB_ERR) {
		snprintf(err, errlen, "database: %s", db_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* The schema made, or brought to this program's version. 0, or -1. */
static int
store_pg_migrate(struct store *st, char *err, size_t errlen)
{
	int64_t	 present = 0, v = 0;
	int	 last = store_pg_schema_version + store_pg_nmigrations;

	if (store_exec(st, "BEGIN", err, errlen) == -1)
		return -1;
	if (store_pg_extra(st, PGX_SCHEMA_LOCK, 0, 0, NULL, err,
	    errlen) == -1 ||
	    store_pg_extra(st, PGX_SCHEMA_PRESENT, 0, 0, &present, err,
	    errlen) == -1)
		goto fail;
	if (!present) {
		if (store_exec(st, store_pg_schema, err, errlen) == -1 ||
		    store_pg_random(st, "ref_key", REF_KEY_LEN, err,
		    errlen) == -1 ||
		    store_pg_random(st, "idem_salt", 16, err, errlen) == -1)
			goto fail;
		v = store_pg_schema_version;
	} else if (store_pg_extra(st, PGX_SCHEMA_VERSION, 0, 0, &v, err,
	    errlen) == -1)
		goto fail;
	/* Said as SQLite's says it: an operator who rolled back the
	 * program reads the same words on either engine. */
	if (v > last) {
		snprintf(err, errlen, "database: schema version %lld is newer "
		    "than this program (%d)", (long long)v, last);
		goto fail;
	}
	if (v < store_pg_schema_version) {
		snprintf(err, errlen, "database: schema version %lld is not "
		    "one this program knows (%d to %d)", (long long)v,
		    store_pg_schema_version, last);
		goto fail;
	}
	for (; v < last; v++)
		if (store_exec(st, store_pg_migrations[v -
		    store_pg_schema_version], err, errlen) == -1)
			goto fail;
	if (store_pg_extra(st, PGX_SCHEMA_VERSION_SET, 1, v, NULL, err,
	    errlen) == -1 ||
	    store_exec(st, "COMMIT", err, errlen) == -1)
		goto fail;
	return 0;
fail:
	(void)db_exec(st->db, "ROLLBACK");
	return -1;
}

/*
 * The leader's lock: a session lock of the database's (our own key among
 * its advisory locks), held as long as the connection that took it lives.
 * A daemon killed, or cut off, loses it with its session; another takes
 * it at its next try.
 */
#define STORE_PG_LEADER_TRY_MS	200

uint64_t
store_pg_leader(struct store *st)
{
	uint64_t	 gen = db_generation(st->db);
	int64_t		 now;
	int		 rc;

	if (st->leader_gen != 0 && st->leader_gen == gen)
		return gen;
	if (st->leader_gen != 0) {
		log_warnx("database: the connection that held the leader's "
		    "lock is gone; another daemon may deliver now");
		st->leader_gen = 0;
	}
	now = util_mono_ms();
	if (now - st->leader_tried_ms < STORE_PG_LEADER_TRY_MS)
		return 0;
	st->leader_tried_ms = now;
	/* Not inside a transaction that failed: it would refuse. */
	if (st->in_tx && !db_in_tx(st->db))
		return 0;
	if (st->pg_leader == NULL && db_prepare(st->db,
	    "SELECT pg_try_advisory_lock(" STORE_PG_LOCK_CLASS ", "
	    STORE_PG_LOCK_LEADER ")", &st->pg_leader) != 0)
		return 0;
	rc = db_step(st->pg_leader);
	if (rc == DB_ROW && db_column_int64(st->pg_leader, 0) == 1 &&
	    db_exec(st->db, "LISTEN tincay_outbox") == 0) {
		st->leader_gen = db_generation(st->db);
		log_info("database: this daemon delivers and runs the "
		    "daily jobs (the leader's lock is ours)");
	}
	db_reset(st->pg_leader);
	return st->leader_gen;
}

int
store_pg_number_lock(struct store *st, const char *number)
{
	int	 rc;

	if (number == NULL || *number == '\0' ||
	    (st->in_tx && strcmp(number, st->pg_locked) == 0))
		return 0;
	if (st->pg_number == NULL && db_prepare(st->db,
	    store_sql_pg_extra(PGX_NUMBER_LOCK), &st->pg_number) != 0) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		return -1;
	}
	store_bind_hash(st, st->pg_number, 1, number);
	rc = db_step(st->pg_number);
	db_reset(st->pg_number);
	if (rc == DB_ERR) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		return -1;
	}
	if (strlen(number) < sizeof(st->pg_locked))
		util_strlcpy(st->pg_locked, number, sizeof(st->pg_locked));
	return 0;
}

int64_t
store_pg_next_id(struct store *st)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_NEXT_ID];
	uint64_t	 gen = db_generation(st->db);
	int		 rc;

	if (st->ids_gen != gen)
		st->ids_next = st->ids_n = 0;
	if (st->ids_next < st->ids_n)
		return st->ids[st->ids_next++];
	st->ids_next = st->ids_n = 0;
	db_bind_int64(s, 1, STORE_PG_IDS);
	while (st->ids_n < STORE_PG_IDS && (rc = db_step(s)) == DB_ROW)
		st->ids[st->ids_n++] = db_column_int64(s, 0);
	if (st->ids_n < STORE_PG_IDS && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		st->ids_n = 0;
	}
	store_done(s);
	if (st->ids_n == 0)
		return -1;
	st->ids_gen = gen;
	st->ids_next = 1;
	return st->ids[0];
}

/* Whether a daemon is the leader (store_pg_leader's lock): 1 or 0. */
static int
store_pg_daemon_runs(struct store *st)
{
	struct db_stmt	*s;
	int		 runs = 0;

	if (db_prepare(st->db, "SELECT count(*) FROM pg_locks"
	    " WHERE locktype = 'advisory' AND classid = " STORE_PG_LOCK_CLASS
	    " AND objid = " STORE_PG_LOCK_LEADER
	    " AND objsubid = 2 AND granted"
	    " AND database = (SELECT oid FROM pg_database"
	    "  WHERE datname = current_database())", &s) == 0 &&
	    db_step(s) == DB_ROW)
		runs = db_column_int64(s, 0) > 0;
	db_finalize(s);
	return runs;
}

int
store_pg_open(struct store *st, const char *conninfo, int exclusive,
    char *err, size_t errlen)
{
	if ((st->db = db_pg_open(conninfo, err, errlen)) == NULL)
		return -1;
	/* Several daemons may run on one database: none claims it alone
	 * (store_leader() says which one delivers). */
	if (!exclusive)
		st->daemon_runs = store_pg_daemon_runs(st);
	return store_pg_migrate(st, err, errlen);
}

int
store_pg_version(struct store *st)
{
	char	 err[128];
	int64_t	 v = -1;

	if (store_pg_extra(st, PGX_SCHEMA_VERSION, 0, 0, &v, err,
	    sizeof(err)) == -1)
		return -1;
	return (int)v;
}
