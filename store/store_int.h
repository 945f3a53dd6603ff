/*
 * store_int.h: what the store's own files (store/store*.c) share and nothing
 * else sees (white-box unit tests aside): the layout of struct store, the
 * statement table and its helpers, and the one-row step. Engines are
 * reached through db.h; only the engines' own files include sqlite3.h or
 * libpq-fe.h.
 */
#ifndef TINCAY_STORE_INT_H
#define TINCAY_STORE_INT_H

#include <openssl/evp.h>

#include "../core/core.h"
#include "../core/seal.h"
#include "db.h"
#include "store.h"

/* store.c: SQLite, pragmas, migrations, every SQL statement in one table. */
enum stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_MSG_FIND,
	ST_MSG_ADD,
	ST_REPORT_ADD,
	ST_REPORT_NEXT_ID,
	ST_REF_TAKEN,
	ST_REF_OF,
	ST_REF_LEGACY,
	ST_META_GET,
	ST_REPORT_OPEN_BY_REPORTER,
	ST_REPORT_COMMUNE_OF,
	ST_REPORT_SET_COMMUNE,
	ST_REPORT_CLOSED_BY_REPORTER,
	ST_REPORT_LINK,
	ST_REPORT_SET_AREA,
	ST_REPORT_HANDLERS,
	ST_CONTACT_FULL_BY_PHONE,
	ST_REPORT_TOUCH,
	ST_CONTACT_ADD,
	ST_CONTACT_REMOVE,
	ST_CONTACT_BY_PHONE,
	ST_CONTACTS_FOR,
	ST_CONTACTS_LIST,
	ST_CONTACTS_ALERTED,
	ST_OUTBOX_ADD,
	ST_OUTBOX_LIST,
	ST_OUTBOX_DUE,
	ST_OUTBOX_DEST_FIRST,
	ST_OUTBOX_DEST_NEXT,
	ST_REPORTS_LIST,
	ST_REPORT_SHOW,
	ST_MESSAGES_LIST,
	ST_REPORT_GET,
	ST_REPORT_STATUS,
	ST_REPORTS_ESCALATE_DUE,
	ST_REPORT_ESCALATED,
	ST_REPORT_ESCALATE_NOW,
	ST_OUTBOX_RESULT,
	ST_OUTBOX_BY_MSG,
	ST_OUTBOX_RECEIPT,
	ST_RECEIPT_KEEP,
	ST_RECEIPT_EXPIRE,
	ST_RECEIPT_TAKE,
	ST_SUB_ADD,
	ST_SUB_OPTOUT,
	ST_SUB_COUNT,
	ST_BROADCAST_RUN,
	ST_BROADCAST_MARK,
	ST_SUB_PAGE,
	ST_STATS_COUNT,
	ST_PURGE_DUE,
	ST_PURGE_MESSAGES,
	ST_PURGE_OUTBOX,
	ST_PURGE_REPORT,
	ST_PURGE_LOOSE_MESSAGES,
	ST_PURGE_LOOSE_OUTBOX,
	ST_PURGE_SUBS,
	ST_CLAMP_ESCALATE,
	ST_REBASE_TRIED,
	ST_CLAMP_RETRY,
	ST_CLAMP_CREATED,
	ST_INBOX_LIST,
	ST_INBOX_GET,
	ST_INBOX_REVIEW,
	ST_STATS_SIGNUPS,
	ST_STATS_DAYS,
	ST_META_SET,
	ST_DAYS_CLEAR,
	ST_DAYS_FILL,
	ST_REPORT_CLOSE,
	ST_REPORT_CANCEL_REQUEST,
	ST_REPORT_AMEND,
	ST_CONTACT_WAS_ALERTED,
	ST_REPORT_TEXTS,
	ST_BACKUP_BEGIN,
	ST_BACKUP_READ,
	ST_PIN_FAIL_PRUNE,
	ST_PIN_FAIL_ADD,
	ST_PIN_FAIL_COUNT,
	ST_PIN_LOCK,
	ST_PIN_FAIL_CLEAR,
	ST_USER_ADD,
	ST_USER_GET,
	ST_USERS_LIST,
	ST_USER_REMOVE,
	ST_USER_PASSWD,
	ST_USER_TOTP_SET,
	ST_USER_TOTP_GET,
	ST_USER_FAIL_PRUNE,
	ST_USER_FAIL_ADD,
	ST_USER_FAIL_COUNT,
	ST_USER_LOCK,
	ST_USER_FAIL_CLEAR,
	ST_USER_SIGNIN,
	ST_AUDIT_ADD,
	ST_AUDIT_LIST,
	ST_STATS_CASES,
	ST_STATS_CASES_OF,
	ST_META_DEL,
	ST_META_BLOB_SET,
	ST_METRICS_DEPTH,
	ST_METRICS_OLDEST,
	ST_METRICS_OPEN,
	ST_METRICS_REPEATING,
	ST_REVIEW_FIRST,
	ST_REVIEW_ITEMS,
	ST_REVIEW_TOLD,
	ST_REVIEW_PLACED,
	ST_CLAMP_REVIEW,
	ST_CONTACTS_ROLE_ANY,
	ST_CONTACTS_ROLE_IN,
	ST_CONTACTS_ROLES,
	ST_REPORT_ESCALATE_LATER,
	ST_CONTACT_UNSENT,
	ST_SUB_LIVE,
	ST_SUB_LIVE_CLEAR,
	ST_BROADCAST_QUEUED,
	ST_META_GET_INT,
	ST_DKEY_GET,
	ST_DKEY_ADD,
	ST_DKEY_BEFORE,
	ST_DKEY_DESTROY,
	ST_CONSOLE_CASES,
	ST_CONSOLE_CASE,
	ST_CONSOLE_ALERTS,
	ST_CONSOLE_REVIEW,
	ST__MAX
};

/*
 * store_pin.c: a sliding window of failures (wrong PINs, the console's
 * wrong passwords): the statements that prune one owner's older than the
 * window, add one, count them, lock the owner and forget them.
 */
struct store_fails {
	enum stmt	 prune, add, count, lock, clear;
};
/* One more for id at now: the max-th within window_s locks until now +
 * lock_s and starts again. 1 locked, 0 not, -1 error. */
int		 store_fails_add(struct store *, const struct store_fails *,
		    int64_t id, int64_t now, int64_t window_s, int max,
		    int64_t lock_s);

/*
 * Statements, by number: for the store's own files (store/store*.c) and
 * white-box unit tests only; everything else calls the typed functions of
 * store.h and sees rows, never statements.
 * Borrowed statement; the caller binds, steps and calls store_done().
 */
struct db_stmt *store_stmt(struct store *, enum stmt);
/* The SQL of statement i (store_peek.c prepares one on its own handle). */
const char	*store_sql_text(enum stmt);
/* Statement i as st's engine writes it: PostgreSQL's own (sql_pg.c), or the
 * common one. */
const char	*store_sql_of(const struct store *, enum stmt);
const char	*store_sql_on(const struct db *, enum stmt);
/* sql_pg.c: PostgreSQL's text of statement i where the common one does not
 * do there, else NULL. */
const char	*store_sql_pg(enum stmt);

/*
 * The engines' own parts of the store: st->db opened (an SQLite path, a
 * PostgreSQL connection string), the schema brought to this program's
 * version; exclusive: the daemon's, one process on an SQLite file. 0, or
 * -1 and err. The schema version, or -1.
 */
int		 store_sqlite_open(struct store *, const char *path,
		    int exclusive, char *err, size_t errlen);
int		 store_pg_open(struct store *, const char *conninfo,
		    int exclusive, char *err, size_t errlen);
/* store_backup() of a PostgreSQL database (store_copy.c). */
int		 store_copy_backup(struct store *, const char *path,
		    store_backup_fn, void *, char *err, size_t errlen);
/* PostgreSQL: our class among the database's advisory locks, and the
 * leader's key in it (store_pg.c; tincayctl migrate looks for holders). */
/*
 * A report's per-day key (report_days.area, migration 19): its hamlet's
 * code, a commune's written CODE.T3 ("CODE." its unknown hamlet); r is
 * the row's prefix in SQL: "NEW.", "OLD." or "".
 */
#define STORE_DAYS_KEY(r)	" CASE WHEN " r "commune = '' THEN"	\
	" coalesce(" r "area, '') ELSE " r "commune || '.' ||"		\
	" coalesce(" r "area, '') END"
/*
 * The console's need to know (store_console.c, SPEC §12): a report r is
 * a user's when its commune is in her communes ?1 and its hamlet in her
 * areas ?2 (each "*": all; else codes between ';', a hamlet written T3
 * or, in a city, CODE.T3; a report of no known hamlet is only for "*").
 * Both engines read it as written; codes are letters and digits
 * (config.c), so LIKE reads no wildcard in them.
 */
#define STORE_SCOPE_COMMUNE(r)						\
	" (CAST(?1 AS TEXT) = '*' OR upper(';' || CAST(?1 AS TEXT) ||"	\
	" ';') LIKE upper('%;' || " r "commune || ';%'))"
#define STORE_SCOPE(r)							\
	STORE_SCOPE_COMMUNE(r) " AND (CAST(?2 AS TEXT) = '*' OR ("	\
	r "area IS NOT NULL AND (upper(';' || CAST(?2 AS TEXT) || ';')"	\
	" LIKE upper('%;' || " r "area || ';%') OR upper(';' ||"		\
	" CAST(?2 AS TEXT) || ';') LIKE upper('%;' || " r "commune ||"	\
	" '.' || " r "area || ';%'))))"
/*
 * Whether the hamlet ?5 and the commune ?6 a user's list asks for (each
 * NULL: any) can be hers at all: a test of the parameters alone, which
 * both engines make once before reading a row, so a caseworker asking
 * for another's hamlet gets her empty page without the whole list
 * walked. A hamlet is hers as T3 or, in a city, as CODE.T3. Only ever
 * true where STORE_SCOPE may be (a LIKE wildcard the user typed matches
 * more, never less), so it decides nothing STORE_SCOPE would not.
 */
#define STORE_SCOPE_ASKED						\
	" (CAST(?5 AS TEXT) IS NULL OR CAST(?2 AS TEXT) = '*' OR"	\
	" upper(';' || CAST(?2 AS TEXT) || ';') LIKE upper('%;' ||"	\
	" CAST(?5 AS TEXT) || ';%') OR upper(';' || CAST(?2 AS TEXT) ||"	\
	" ';') LIKE upper('%.' || CAST(?5 AS TEXT) || ';%'))"		\
	" AND (CAST(?6 AS TEXT) IS NULL OR CAST(?1 AS TEXT) = '*' OR"	\
	" upper(';' || CAST(?1 AS TEXT) || ';') LIKE upper('%;' ||"	\
	" CAST(?6 AS TEXT) || ';%'))"
#define STORE_PG_LOCK_CLASS	"7411"
#define STORE_PG_LOCK_LEADER	"2"
int		 store_sqlite_version(struct store *);
int		 store_pg_version(struct store *);
/* store_pg.c: store_leader() there; the number's lock (PGX_NUMBER_LOCK)
 * for the open transaction: 0, or -1 (logged). */
uint64_t	 store_pg_leader(struct store *);
int		 store_pg_number_lock(struct store *, const char *number);
/* The next report id from the sequence (STORE_PG_IDS taken at once), or
 * -1 (logged). */
#define STORE_PG_IDS	16
int64_t		 store_pg_next_id(struct store *);
void		 store_done(struct db_stmt *);
/* Run a statement with no result rows; 0 or -1 (logged). */
int		 store_run(struct store *, enum stmt);
/* Bind helpers: NULL text binds NULL; id 0 binds NULL. */
void		 store_bind_text(struct db_stmt *, int, const char *);
void		 store_bind_id(struct db_stmt *, int, int64_t);
const char	*store_col_text(struct db_stmt *, int);
/* Column i as text into out (NULL: ""), cut to outlen. */
void		 store_col_copy(struct db_stmt *, int i, char *out,
		    size_t outlen);

#define STORE_LISTENERS	4
#define STORE_SEAL_SLOTS 17	/* a statement's parameters, a row's columns */

#define STORE_DKEYS	16	/* data keys kept open to read with */
#define STORE_DKEY_COLS	6	/* the sealed columns (store_dkey.c) */
#define STORE_DKEY_NSTMT 3	/* statements of each */

/* A data key kept open (store_dkey.c): its day, when last used. */
struct store_dkey_slot {
	struct seal_dkey *dk;
	uint32_t	 day;
	uint64_t	 used;
};

/* A buffer that only grows, for sealed values bound or opened. */
struct store_buf {
	unsigned char	*p;
	size_t		 cap;
};

struct store {
	struct db	*db;
	int		 lockfd;	/* store_lock(), or -1 */
	struct db_stmt	*stmt[ST__MAX];	/* store_sql[], prepared at open */
	int		 in_tx;
	struct store_batch batch;	/* what the open transaction holds */
	int64_t		 outbox_first;	/* first row of the open batch, or 0 */
	struct ref_key	*refkey;
	EVP_CIPHER_CTX	*idem;		/* AES under the idempotency salt */
	int		 ref_legacy;	/* random REFs from before migration 3 */
	store_begin_fn	 on_begin;
	void		*on_begin_arg;
	struct {
		store_commit_fn	 fn;
		void		*arg;
	}		 listeners[STORE_LISTENERS];
	size_t		 nlisteners;
	struct store_stats stats;
	char		*tz;		/* the commune's, for report_days */
	int64_t		 day_off;	/* seconds east of UTC its days start */
	struct seal	*seal;		/* the key's (store_seal.c) */
	/* Data keys (store_dkey.c): today's, to seal under (made outside
	 * a transaction, else tentative until checked outside one); others
	 * kept open to read with; the statements of the sealed columns. */
	struct seal_dkey *dkey_now;
	uint32_t	 dkey_day;
	int		 dkey_tentative;
	struct store_dkey_slot dkeys[STORE_DKEYS];
	uint64_t	 dkeys_clock;
	struct db_stmt	*dkey_stmt[STORE_DKEY_COLS][STORE_DKEY_NSTMT];
	int		 dkeys_unscrubbed;	/* destroyed keys may still be
						   in data_keys' pages (PG) */
	int64_t		 seal_now;	/* store_seal_clock(), or 0 */
	/* Sealed values bound, by parameter; opened, by column; keyed
	 * hashes bound, by parameter. Each valid until the statement is
	 * done or the slot is used again. */
	struct store_buf sealed[STORE_SEAL_SLOTS], opened[STORE_SEAL_SLOTS];
	unsigned char	 hashed[STORE_SEAL_SLOTS][SEAL_HASH_LEN];
	/* The last number hashed and its hash: a message's sender is
	 * looked up (follow-ups) and then filed under the same hash. */
	char		 hash_of[PHONE_MAX];
	unsigned char	 hash_last[SEAL_HASH_LEN];
	/* Health (store_health.c): the files written, how commits went. */
	uint64_t	 file_dev, file_ino;	/* of the path at open */
	int		 file_known;		/* 0: in memory */
	uint64_t	 wal_dev, wal_ino;	/* the WAL SQLite writes */
	int		 wal_known;
	int		 commit_failed;		/* until a commit succeeds */
	char		 commit_why[128];	/* the engine's words for it */
	int		 commit_full;		/* for want of space */
	int64_t		 probed_ms;		/* store_probe(), monotonic */
	int		 busy_ms;		/* store_busy_timeout() */
	uint64_t	 tidied_at;		/* stats.commits at the last
						   store_wal_tidy() */
	int		 wal_unscrubbed;	/* the WAL may hold what a
						   purge erased (store_purge) */
	int		 daemon_runs;		/* on it, when this (not the
						   daemon) opened it */
	/* A server's database (store_pg.c): the connection on which this
	 * process holds the leader's lock (0: it does not), when it last
	 * tried, and the statements of both locks. */
	uint64_t	 leader_gen;
	int64_t		 leader_tried_ms;
	struct db_stmt	*pg_leader, *pg_number;
	/* The number whose lock the open message holds (store_savepoint()
	 * to its end): its two lookups take it once. */
	char		 pg_locked[PHONE_MAX];
	/* Report ids taken from the sequence, not used yet, from next on;
	 * taken on connection ids_gen (another's are dropped: a promoted
	 * standby may give again what the dead primary gave). */
	int64_t		 ids[STORE_PG_IDS];
	int		 ids_next, ids_n;
	uint64_t	 ids_gen;
};

/*
 * store.c: step s for its one row: 1 there is one (read it, then
 * store_done), 0 there is none, -1 an error, logged for who.
 */
int		 store_row(struct store *, struct db_stmt *, const char *who);
/* Run sql (no parameters, no batch) at open; 0, or -1 and err. */
int		 store_exec(struct store *, const char *sql, char *err,
		    size_t errlen);
/* The blob meta[key] into buf if it is exactly len bytes: 1; 0 there is
 * none; -1 another size or type, or an error. */
int		 store_meta_get(struct store *, const char *key, void *buf,
		    size_t len);
/*
 * store.c: step s, bound, through its rows: row(s, arg) reads each (0 go
 * on, -1 stop: an error). Then store_done(s). How many rows, or -1 (a
 * step's error logged for who, or row's -1).
 */
typedef int	 (*store_row_fn)(struct db_stmt *, void *);
int		 store_rows(struct store *, struct db_stmt *, const char *who,
		    store_row_fn, void *);
/* Run statement which, bound, for its changes: how many rows it changed,
 * or -1 (logged). */
int64_t		 store_changes(struct store *, enum stmt);

/* store.c: meta[key] = v, in the open transaction; 0, or -1. */
int		 store_meta_put_int(struct store *, const char *key, int64_t v);

/*
 * store_health.c: the database file at open, and the WAL once SQLite has
 * it open, noted; whether the paths still name them (0, or -1 and why);
 * (store_wal_mend, store.h, mends a WAL deleted under us).
 */
void		 store_file_note(struct store *);
void		 store_wal_note(struct store *);
int		 store_file_same(struct store *, char *why, size_t whylen);
int		 store_wal_same(struct store *, char *why, size_t whylen);

/* store_pin.c: migration 7's step, in its transaction: every PIN still in
 * clear becomes its hash. 0, or -1 with why in err. */
int		 store_pin_migrate(struct db *, char *err, size_t errlen);
/*
 * store_seal.c: texts and numbers of residents are sealed (seal.c) inside
 * the store, so callers see plaintext rows. store_seal_open: the key of
 * the database at path (key_file, or NULL: path + ".key"; an in-memory
 * database has a random key of its own): read, or created if the database
 * has never had one, checked against the database; then any clear values
 * from before sealed in place. 0, or -1 and err.
 */
int		 store_seal_open(struct store *, const char *path,
		    const char *key_file, char *err, size_t errlen);
void		 store_seal_close(struct store *);
/* Bind (v, len) sealed at parameter i: NULL binds NULL, "" binds ""
 * (nothing to hide). 0, or -1 (logged). */
int		 store_bind_sealed(struct store *, struct db_stmt *,
		    int i, const char *v, size_t len);
/* The same for a string v (or NULL). */
int		 store_bind_sealed_str(struct store *, struct db_stmt *,
		    int i, const char *v);
/* String v (NULL binds NULL) sealed under the key itself, not a data
 * key: what no purge may shred (seal_seal_master). 0, or -1 (logged). */
int		 store_bind_sealed_master(struct store *, struct db_stmt *,
		    int i, const char *v);
/* Bind the keyed hash of number v at parameter i (NULL, "": NULL). */
void		 store_bind_hash(struct store *, struct db_stmt *, int i,
		    const char *v);
/*
 * Column col of s's row as plaintext into *out: a sealed value opened, a
 * clear one (from before, or written by another program) as it is, NULL
 * for NULL; borrowed until the column is opened again or s is stepped.
 * 0, or -1 (logged: altered, or sealed under another key).
 */
int		 store_col_unsealed(struct store *, struct db_stmt *,
		    int col, const char **out);

/*
 * store_dkey.c: the data keys, one per UTC day, wrapped by the key, and
 * the purge's shredding. store_dkey_ready: today's key made or read
 * (store_begin asks, before its transaction). store_seal_value: (v, len)
 * sealed under today's key into out (len + SEAL_OVERHEAD bytes): its
 * size, or -1. store_unseal_blob: a blob opened under its key (the key
 * itself for version 1) into out (len + 1 bytes): the value's length, or
 * -1 (its key destroyed, altered, another key). store_dkey_reseal_report:
 * a report's values sealed again under today's key, the day it closes,
 * in the caller's transaction. store_dkey_shred: the purge's part, after
 * its clearing, in transactions of its own: what it keeps carried forward
 * from the keys of days before cutoff, those keys destroyed, data_keys
 * rewritten (PostgreSQL) or the WAL marked for emptying (SQLite). 0, or
 * -1 (logged).
 */
int		 store_dkey_ready(struct store *);
int		 store_seal_value(struct store *, const char *v, size_t len,
		    unsigned char *out);
int		 store_unseal_blob(struct store *, const unsigned char *blob,
		    size_t len, char *out);
int		 store_dkey_reseal_report(struct store *, int64_t id);
int		 store_dkey_shred(struct store *, int64_t cutoff,
		    struct store_purged *);
void		 store_dkey_close(struct store *);

#endif
