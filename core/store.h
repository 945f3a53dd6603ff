/*
 * store.h: the SQLite store (store.c): pragmas, migrations, every SQL
 * statement in one table, and the batch (one transaction per loop pass).
 */
#ifndef TINCAY_STORE_H
#define TINCAY_STORE_H

#include "core.h"

struct sqlite3_stmt;

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
	ST_CHECKPOINT,
	ST_STATS_SIGNUPS,
	ST_STATS_DAYS,
	ST_META_SET,
	ST_DAYS_CLEAR,
	ST_DAYS_FILL,
	ST__MAX
};

/* A contact as read from the store; strings point into the row. */
struct contact {
	int64_t		 id;
	const char	*name;
	const char	*phone;
	const char	*role;
	const char	*areas;
	const char	*channel;
	const char	*url;
};

/* A new outbox row. */
struct outbox_row {
	int64_t		 report_id;	/* 0: none */
	int64_t		 contact_id;	/* 0: none */
	const char	*channel;	/* "sms" | "webhook" */
	const char	*event;		/* "report.created" ... */
	const char	*dest;		/* phone or URL */
	const char	*body;
};

struct store	*store_open(const char *path, char *err, size_t errlen);
/* The same for the daemon, which owns the database: a second one gets
 * NULL and why, before anything is migrated. */
struct store	*store_open_daemon(const char *path, char *err,
		    size_t errlen);
void		 store_close(struct store *);
/*
 * Reports are counted per local day of tz (report_days, kept by triggers);
 * counts made with another offset are made again if recount is set (the
 * daemon), else not used (tincayctl: stats read the reports). 0, or -1.
 */
int		 store_set_timezone(struct store *, const char *tz,
		    int recount);
/* The day number of t (days start at local midnights); whether t is
 * the start of one. */
int64_t		 store_day(const struct store *, int64_t t);
int		 store_day_aligned(const struct store *, int64_t t);
/* Borrowed statement; the caller binds, steps and calls store_done(). */
struct sqlite3_stmt *store_stmt(struct store *, enum stmt);
void		 store_done(struct sqlite3_stmt *);
/* Run a statement with no result rows; 0 or -1 (logged). */
int		 store_run(struct store *, enum stmt);
/*
 * The batch: every write joins the one open transaction (store_begin opens
 * it, or joins it); store_commit ends it with one COMMIT, one fdatasync.
 * The on_begin hook hears when a transaction opens (the daemon's loop then
 * commits after the pass); each listener hears how it ended, committed or
 * rolled back, and what it held: deferred replies are sent, delivery is
 * kicked. Listeners run inside store_commit/store_rollback and must not
 * write.
 */
struct store_batch {
	int		 outbox_added;	/* outbox rows inserted */
};
struct store_stats {
	uint64_t	 commits, commit_failures;
};
typedef void	 (*store_begin_fn)(void *arg);
typedef void	 (*store_commit_fn)(void *arg, int ok,
		    const struct store_batch *);
void		 store_on_begin(struct store *, store_begin_fn, void *);
void		 store_on_commit(struct store *, store_commit_fn, void *);
void		 store_off_commit(struct store *, store_commit_fn, void *);
int		 store_begin(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
int		 store_in_tx(const struct store *);
void		 store_stats(const struct store *, struct store_stats *);
/* How long to wait for another writer (default 2000 ms). */
void		 store_busy_timeout(struct store *, int ms);
int		 store_writable(struct store *);
int		 store_version(struct store *);
const char	*store_errmsg(struct store *);
/* Bind helpers: NULL text binds NULL; id 0 binds NULL. */
void		 store_bind_text(struct sqlite3_stmt *, int, const char *);
void		 store_bind_id(struct sqlite3_stmt *, int, int64_t);
const char	*store_col_text(struct sqlite3_stmt *, int);

/* Report rows. ref_out gets a fresh unique REF. Returns id or -1. */
int64_t		 store_report_add(struct store *, const char *category,
		    const char *area, const char *reporter, int64_t now,
		    int64_t escalate_at, char ref_out[REF_MAX]);
/* Newest open report of reporter younger than since: id, ref; 0 none. */
int64_t		 store_report_recent(struct store *, const char *reporter,
		    int64_t since, char ref_out[REF_MAX]);
int		 store_report_touch(struct store *, int64_t id, int64_t now);
/* Calls fn for each active contact with role, covering area (NULL: '*'
 * only). Returns how many, or -1. */
typedef int	 (*store_contact_fn)(const struct contact *, void *);
int		 store_contacts_for(struct store *, const char *role,
		    const char *area, store_contact_fn, void *);
/* Contacts already alerted about report id (distinct). */
int		 store_contacts_alerted(struct store *, int64_t report_id,
		    store_contact_fn, void *);
int64_t		 store_outbox_add(struct store *, const struct outbox_row *,
		    int64_t now);
/* Outbox lanes, each walked on its own so one cannot block another. */
enum { OUTBOX_LANE_WEBHOOK, OUTBOX_LANE_SMS, OUTBOX_LANE_BROADCAST,
    OUTBOX_LANES };
#define OUTBOX_IDEM_LEN	32
#define OUTBOX_DKEY_MAX	160	/* a destination: a webhook's origin, "" */
/* A due row, copied out; strings malloc'd (store_outbox_due_clear). */
struct outbox_due {
	int64_t		 id;
	int64_t		 report_id;
	int64_t		 created_at;
	int		 attempts;
	int		 lane;
	char		*channel, *dest, *body, *event;
	char		 idem_key[OUTBOX_IDEM_LEN + 1];	/* stable per row */
	char		 dkey[OUTBOX_DKEY_MAX];		/* its destination */
};
/*
 * Up to max pending rows of lane to destination dkey due at now, committed
 * ones only (a row of the open batch may still roll back), oldest first,
 * each waiting for an earlier row of its report to the same contact. It
 * reads only as far as it must: filter (if not NULL) sees each due row's
 * id before it is copied, and answers 1 take it, 0 skip it, -1 stop.
 * Returns n, or -1.
 */
typedef int	 (*store_due_fn)(int64_t id, void *arg);
int		 store_outbox_due(struct store *, int64_t now, int lane,
		    const char *dkey, struct outbox_due *rows, int max,
		    store_due_fn, void *arg);
/* The first destination with pending rows in lane after after (NULL: the
 * first of all) into out: 1, 0 if none, -1 on error. */
int		 store_outbox_dest(struct store *, int lane, const char *after,
		    char out[OUTBOX_DKEY_MAX]);
void		 store_outbox_due_clear(struct outbox_due *);
/* A contact looked up by phone, copied out of the row. */
struct contact_row {
	int64_t		 id;
	char		 role[64];
	char		 pin[32];		/* "" if none */
};
/* 1 found, 0 not a contact, -1 error. */
int		 store_contact_get(struct store *, const char *phone,
		    struct contact_row *);
/* A report with its first message, copied out of the row. */
struct report_row {
	int64_t		 id;
	char		 ref[REF_MAX];
	char		 category[16];
	char		 area[24];		/* "" for unknown */
	char		 status[16];
	char		 reporter[PHONE_MAX];
	int		 escalation_level;
	char		*text;			/* malloc'd, or NULL */
	int64_t		 received_at;
};
/* The id of the report with REF ref: > 0, 0 if none, -1 on error. */
int64_t		 store_report_find(struct store *, const char *ref);
/* By id (ref NULL) or by ref. 1 found, 0 not, -1 error. */
int		 store_report_get(struct store *, int64_t id, const char *ref,
		    struct report_row *);
void		 store_report_row_clear(struct report_row *);

/*
 * store_outbox.c: the typed rows of delivery and escalation (kept apart
 * from store.c; each write joins the open batch). 0 or -1 unless said.
 */
/* The result of one attempt at outbox row id: status, when it is due
 * again, when it was sent (0: not), the error (NULL: none). */
int		 store_outbox_result(struct store *, int64_t id,
		    const char *status, int64_t next_at, int64_t sent_at,
		    const char *error);
/* Mark open report report_id (0: none) due for escalation at at. */
int		 store_outbox_escalate_at(struct store *, int64_t report_id,
		    int64_t at);
/* Up to max ids of open reports due for escalation at now, most overdue
 * first: n, or -1. */
int		 store_outbox_escalations(struct store *, int64_t now,
		    int64_t *ids, int max);
/* Report report_id went up one level; due again at next_at (0: never). */
int		 store_outbox_escalated(struct store *, int64_t report_id,
		    int64_t next_at);

#endif
