/*
 * store_int.h: what the store's own files (core/store*.c) share and nothing
 * else sees (white-box unit tests aside): the layout of struct store, the
 * statement table and its helpers, and the one-row step. Only these files
 * include sqlite3.h.
 */
#ifndef TINCAY_STORE_INT_H
#define TINCAY_STORE_INT_H

#include <openssl/evp.h>
#include <sqlite3.h>

#include "core.h"
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
	ST_SUB_ADD,
	ST_SUB_OPTOUT,
	ST_SUB_COUNT,
	ST_SUB_PAGE,
	ST_STATS_COUNT,
	ST_PURGE_DUE,
	ST_PURGE_MESSAGES,
	ST_PURGE_OUTBOX,
	ST_PURGE_REPORT,
	ST_PURGE_LOOSE_MESSAGES,
	ST_PURGE_LOOSE_OUTBOX,
	ST_SECURE_DELETE,
	ST_PURGE_SUBS,
	ST_INBOX_LIST,
	ST_INBOX_GET,
	ST_INBOX_REVIEW,
	ST_CHECKPOINT,
	ST_STATS_SIGNUPS,
	ST_STATS_DAYS,
	ST_META_SET,
	ST_DAYS_CLEAR,
	ST_DAYS_FILL,
	ST_REPORT_CLOSE,
	ST_REPORT_CANCEL_REQUEST,
	ST_CONTACT_WAS_ALERTED,
	ST__MAX
};

/*
 * Statements, by number: for the store's own files (core/store*.c) and
 * white-box unit tests only; everything else calls the typed functions of
 * store.h and sees rows, never statements.
 * Borrowed statement; the caller binds, steps and calls store_done().
 */
struct sqlite3_stmt *store_stmt(struct store *, enum stmt);
void		 store_done(struct sqlite3_stmt *);
/* Run a statement with no result rows; 0 or -1 (logged). */
int		 store_run(struct store *, enum stmt);
/* Bind helpers: NULL text binds NULL; id 0 binds NULL. */
void		 store_bind_text(struct sqlite3_stmt *, int, const char *);
void		 store_bind_id(struct sqlite3_stmt *, int, int64_t);
const char	*store_col_text(struct sqlite3_stmt *, int);

#define STORE_LISTENERS	4

struct store {
	sqlite3		*db;
	int		 lockfd;	/* store_lock(), or -1 */
	sqlite3_stmt	*stmt[ST__MAX];	/* store_sql[], prepared at open */
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
	/* Health (store_health): the file opened, and how commits went. */
	uint64_t	 file_dev, file_ino;	/* of the path at open */
	int		 file_known;		/* 0: in memory */
	int		 commit_failed;		/* until a commit succeeds */
	int		 busy_ms;		/* store_busy_timeout() */
	uint64_t	 tidied_at;		/* stats.commits at the last
						   store_wal_tidy() */
};

/*
 * store.c: step s for its one row: 1 there is one (read it, then
 * store_done), 0 there is none, -1 an error, logged for who.
 */
int		 store_row(struct store *, sqlite3_stmt *, const char *who);
/* Run statement which, bound, for its changes: how many rows it changed,
 * or -1 (logged). */
int64_t		 store_changes(struct store *, enum stmt);

#endif
