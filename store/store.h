/*
 * store.h: the SQLite store (store.c): pragmas, migrations, every SQL
 * statement in one table, and the batch (one transaction per loop pass);
 * the typed rows of each concern (store_*.c). Nothing here needs
 * sqlite3.h: callers pass and get rows, not statements.
 */
#ifndef TINCAY_STORE_H
#define TINCAY_STORE_H

#include "../core/core.h"


/* A contact as read from the store; strings point into the row. */
struct contact {
	int64_t		 id;
	const char	*name;
	const char	*phone;
	const char	*role;
	const char	*areas;
	const char	*channel;
	const char	*url;
	const char	*commune;	/* its code, "*" city-level, "" none */
};

/* A new outbox row. */
struct outbox_row {
	int64_t		 report_id;	/* 0: none */
	int64_t		 contact_id;	/* 0: none */
	const char	*channel;	/* "sms" | "webhook" */
	const char	*event;		/* "report.created" ... */
	const char	*dest;		/* phone or URL */
	const char	*body;
	/* An SMS through this provider (its name), not sms_out: kept as
	 * the row's destination key (dkey). NULL: sms_out. */
	const char	*via;
};

/*
 * A database is a file (SQLite: a path, or ":memory:") or a server's
 * (PostgreSQL: a postgresql:// URI or key=value connection string);
 * whatever its engine, everything below works the same. store_is_file:
 * whether it is a file on this machine (its directory, its key beside it
 * mean something). store_name_safe: the name with any password masked,
 * for logs; allocated.
 */
int		 store_is_file(const char *database);
char		*store_name_safe(const char *database);
struct store	*store_open(const char *path, char *err, size_t errlen);
/* The same for the daemon, which owns the database: a second one gets
 * NULL and why, before anything is migrated. */
struct store	*store_open_daemon(const char *path, char *err,
		    size_t errlen);
/*
 * Either, with the key in key_file (NULL: path + ".key"): read, or made
 * 0600 if the database never had one; refused if others may read it, or
 * if it is not the database's (SPEC §8). daemon: store_open_daemon's lock.
 */
struct store	*store_open_keyed(const char *path, const char *key_file,
		    int daemon, char *err, size_t errlen);
void		 store_close(struct store *);
/*
 * Whether this process runs delivery and the jobs that must run once
 * (escalation, review digests, the purge, the clock's re-basing at start):
 * on an SQLite file always (one daemon per file); on a server's database,
 * where several daemons take webhooks, the one that holds the database's
 * leader lock, taken here if it is free (tried at most every 200 ms). 0:
 * not now; else the lease's epoch, which changes when the lock was lost
 * (the connection broke) and taken again: a delivery leased under one
 * epoch writes its result only under the same (store_leader_epoch()).
 */
uint64_t	 store_leader(struct store *);
uint64_t	 store_leader_epoch(const struct store *);
/*
 * The leader hears of rows other daemons add (a server's notification,
 * sent with their commit): the descriptor to watch while it leads (-1:
 * nothing to watch, SQLite; it changes with the epoch), and whether
 * anything came (1), nothing (0), or the connection broke (-1).
 */
int		 store_wake_fd(struct store *);
int		 store_wake_take(struct store *);
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
	int		 escalate_now;	/* reports marked due for escalation
					   now (store_outbox_escalate_at) */
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
/*
 * A savepoint per message inside the batch (after store_begin): release
 * keeps what it wrote, rollback_to undoes it; either ends it. 0, or -1.
 * On PostgreSQL a write is not waited for (db_pg.c): its failure may be
 * heard at the next read, at release (which then undoes the savepoint
 * and fails) or at store_commit(), never later.
 */
int		 store_savepoint(struct store *);
int		 store_release(struct store *);
void		 store_rollback_to(struct store *);
/*
 * At start, in the daemon's scheduling seconds now (SPEC §9: the wall
 * clock may have been set since the times were stored): a pending row
 * keeps how long it has failed and waits no longer than it had left at
 * its last attempt (the time the daemon was down counts as neither); no
 * report of a category escalates later than its after_s from now, no
 * pending row waits more than retry_s, no row was created in the future,
 * no text of the review list waits more than review_s to be told of.
 * How many rows changed, or -1.
 */
struct store_clamp {
	const char	*category;
	int64_t		 after_s;
	int64_t		 repeat_s;	/* past the last step */
};
int		 store_clamp_times(struct store *, int64_t now,
		    const struct store_clamp *, size_t, int64_t retry_s,
		    int64_t review_s);
/* Checkpoint everything and truncate the WAL to nothing: 1, 0 if a
 * reader held it up tries times, -1 on error. */
int		 store_wal_truncate(struct store *, int tries);
void		 store_stats(const struct store *, struct store_stats *);
/* How long to wait for another writer (default 2000 ms). */
void		 store_busy_timeout(struct store *, int ms);
int		 store_writable(struct store *);
/* A commit would succeed now (the files are ours, the disk has room, no
 * failure but for space since the last commit, writable): 0, or -1 and
 * why (one line). */
int		 store_health(struct store *, char *why, size_t whylen);
/* A commit failed and none would succeed yet (full disk, WAL gone): 1. */
int		 store_failing(struct store *);
/* After a failed commit, a probe commit when one could succeed (at most
 * every second): 0 no failure any more, -1 still failing. */
int		 store_probe(struct store *);
/* A WAL deleted under us: checkpointed and made anew. 1, 0, or -1 not
 * now (another program has the database open). */
int		 store_wal_mend(struct store *);
/* Checkpoint without waiting; truncate the WAL when idle. 0 or -1. */
int		 store_wal_tidy(struct store *);
/*
 * The daemon's scheduling clock (util_sched_now) against the wall clock:
 * the daemon writes its offset, in the batch, whenever it changes (the
 * wall clock was set); tincayctl, if that daemon ran when it opened the
 * store (it holds its lock), takes it over, so that what it writes is due
 * in the daemon's time. publish: 0 or -1; follow: 1 taken, 0 not.
 */
int		 store_sched_publish(struct store *, int64_t offset_ms);
int		 store_sched_follow(struct store *);
int		 store_version(struct store *);
const char	*store_errmsg(struct store *);

/* A message as it arrived, with what was decided about it. */
struct message_row {
	const char	*provider;
	const char	*ext_id;	/* the provider's id for it */
	const char	*sender, *recipient;
	const char	*body;		/* bodylen bytes, not NUL-terminated */
	size_t		 bodylen;
	const char	*category;
	int64_t		 report_id;	/* 0: none */
	const char	*reply;		/* NULL: none */
	int64_t		 received_at;
	int64_t		 review_at;	/* 0: none; a text of the review
					   list: told of by then (SPEC §4) */
	const char	*commune;	/* its commune's code (NULL: "") */
};
/* The outcome of a message already stored under (provider, ext_id): only
 * out->ref and out->reply are written ("" if none). 1 found, 0 not, -1. */
int		 store_message_find(struct store *, const char *provider,
		    const char *ext_id, struct outcome *out);
/* 0, or -1 (a duplicate (provider, ext_id) too). */
int		 store_message_add(struct store *, const struct message_row *);

/* Report rows, of commune (a code, "*" the city's while nobody told
 * which, NULL or "" without communes). ref_out gets a fresh unique REF.
 * Returns id or -1. */
int64_t		 store_report_add(struct store *, const char *category,
		    const char *area, const char *commune,
		    const char *reporter, int64_t now, int64_t escalate_at,
		    char ref_out[REF_MAX]);
/* The commune of reporter's newest report that is open or was made at
 * since or later, other than "*": 1 (out filled), 0 none, -1 error. */
int		 store_report_commune_of(struct store *, const char *reporter,
		    int64_t since, char out[COMMUNE_MAX]);
/* Report id is commune's from now on (one the resident named after a
 * report of "*"). 0, -1. */
int		 store_report_set_commune(struct store *, int64_t id,
		    const char *commune);
/* Newest open report of reporter created at since or later: id (ref_out
 * filled); 0 none; -1. */
int64_t		 store_report_recent(struct store *, const char *reporter,
		    int64_t since, char ref_out[REF_MAX]);
/* The same, of category only (NULL: any). */
int64_t		 store_report_recent_of(struct store *, const char *reporter,
		    int64_t since, const char *category, char ref_out[REF_MAX]);
/* The report of reporter closed or cancelled last, at since or later. */
struct report_prev {
	int64_t		 id;
	char		 ref[REF_MAX];
	char		 category[16];
	char		 area[24];		/* "" for unknown */
	char		 commune[COMMUNE_MAX];
};
/* 1 found (p filled), 0 none, -1 error. */
int		 store_report_closed_recent(struct store *,
		    const char *reporter, int64_t since, struct report_prev *);
/* Report id names report previous as the earlier one (SPEC §4). 0, -1. */
int		 store_report_link(struct store *, int64_t id,
		    int64_t previous);
/* Give report id area if it has none: 1 given, 0 it had one, -1. */
int		 store_report_set_area(struct store *, int64_t id,
		    const char *area);
int		 store_report_touch(struct store *, int64_t id, int64_t now);
/* Move report id to status (its escalation stops); by: who took it (NULL
 * keeps the one before). Closing or cancelling stamps closed_at. 0, -1. */
int		 store_report_status(struct store *, int64_t id,
		    const char *status, const char *by, int64_t now);
/* How a responder closed a case (SPEC §6a). */
struct report_close {
	const char	*status;	/* "closed", or "cancelled" (NHAM) */
	const char	*by;		/* the closer's number, or NULL */
	const char	*sex;		/* "f", "m", or NULL */
	int		 age;		/* 0..120, or -1 */
	const char	*outcome;	/* codes "CA YT", or NULL */
};
int		 store_report_close(struct store *, int64_t id,
		    const struct report_close *, int64_t now);
/* A closed or cancelled report's codes replaced (SPEC §6a): status
 * ("closed", or "cancelled" for NHAM), sex, age, outcome; by and when it
 * closed stay. */
int		 store_report_amend(struct store *, int64_t id,
		    const struct report_close *, int64_t now);
/* HUY from the reporter's phone: mark the request, change nothing else. */
int		 store_report_cancel_request(struct store *, int64_t id,
		    int64_t now);
/* 1 if contact was alerted about report (created or escalated), 0 if
 * not, -1 on error. */
int		 store_contact_was_alerted(struct store *, int64_t report_id,
		    int64_t contact_id);
/* Calls fn for each active contact with role, covering area (NULL: '*'
 * only). Returns how many, or -1. */
typedef int	 (*store_contact_fn)(const struct contact *, void *);
/* The contacts of role for area (NULL: those of every area only) in
 * commune (its own and the city-level "*" ones, which name a commune's
 * hamlet CODE.T3; NULL: ""). */
int		 store_contacts_for(struct store *, const char *role,
		    const char *area, const char *commune, store_contact_fn,
		    void *);
/* The same for each of roles in turn (in their order, each by id). */
int		 store_contacts_for_roles(struct store *,
		    const struct strlist *roles, const char *area,
		    const char *commune, store_contact_fn, void *);
/* Contacts already alerted about report id (distinct). */
int		 store_contacts_alerted(struct store *, int64_t report_id,
		    store_contact_fn, void *);
/* Contacts who took or closed report id (sent its NHAN or XONG), each
 * once, at most STORE_HANDLERS_MAX. How many, or -1. */
#define STORE_HANDLERS_MAX	8
int		 store_contacts_handled(struct store *, int64_t report_id,
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
	int64_t		 failing_since;	/* first failed attempt; 0: none */
	int		 attempts;
	int		 lane;
	char		*channel, *dest, *body, *event;
	char		 idem_key[OUTBOX_IDEM_LEN + 1];	/* stable per row */
	char		 dkey[OUTBOX_DKEY_MAX];		/* its destination */
	char		 ref[REF_MAX];		/* its report's, "" if none */
	char		 role[64];		/* its contact's, "" if none */
};
/*
 * Up to max pending rows of lane to destination dkey due at now, committed
 * ones only (a row of the open batch may still roll back), oldest first,
 * each waiting for an earlier row of its report to the same contact. It
 * reads only as far as it must: filter (if not NULL) sees each due row's
 * id before it is copied, and answers 1 take it, 0 skip it, -1 stop; it
 * skips at most skip rows, so no more than max + skip are read (a server
 * sends every row a query asks for, read or not). Returns n, or -1.
 */
typedef int	 (*store_due_fn)(int64_t id, void *arg);
int		 store_outbox_due(struct store *, int64_t now, int lane,
		    const char *dkey, struct outbox_due *rows, int max,
		    int skip, store_due_fn, void *arg);
/* The first destination with pending rows in lane after after (NULL: the
 * first of all) into out: 1, 0 if none, -1 on error. */
int		 store_outbox_dest(struct store *, int lane, const char *after,
		    char out[OUTBOX_DKEY_MAX]);
void		 store_outbox_due_clear(struct outbox_due *);
/*
 * store_metrics.c: what /metrics shows of the database. Pending outbox
 * rows by lane, and when the oldest pending alert (a row to a contact) was
 * written, in its writer's clock. 0, or -1.
 */
struct store_gauges {
	int64_t		 pending[OUTBOX_LANES];
	int64_t		 oldest_alert_at;
	int		 has_oldest;	/* 0: no alert pending */
	int64_t		 repeating;	/* open reports past the last
					   escalation step */
};
int		 store_metrics_outbox(struct store *, struct store_gauges *);
/* fn gets each category with open reports and how many (the category
 * borrowed for the call); non-zero stops. How many categories, or -1. */
typedef int	 (*store_open_fn)(const char *category, int64_t n, void *);
int		 store_metrics_open(struct store *, store_open_fn, void *);
/*
 * store_peek.c: a database looked at, never changed (tincayd -t): opened
 * read-only, not created, migrated nor keyed; NULL and why if it is not
 * there or not readable. store_peek_role: 1 a contact holds role, 0 none,
 * -1 on error. store_peek_roles: fn for each role contacts hold, with how
 * many hold it (role borrowed for the call); 0, or -1.
 */
struct store_peek;
struct store_peek *store_peek_open(const char *path, char *err,
		    size_t errlen);
int		 store_peek_role(struct store_peek *, const char *role);
/* The same in a city (SPEC §11): a contact of commune (a code; "*" the
 * city's) or of the city holds role: 1, 0 none, -1 on error (a database
 * from before communes too). */
int		 store_peek_role_in(struct store_peek *, const char *role,
		    const char *commune);
typedef void	 (*store_peek_role_fn)(const char *role, int64_t n, void *);
int		 store_peek_roles(struct store_peek *, store_peek_role_fn,
		    void *);
/* Whether key_file opens the database at path (of p): 1 yes, or it was
 * never keyed; 0 no (missing, unusable, another key: err says which). */
int		 store_peek_key(struct store_peek *, const char *path,
		    const char *key_file, char *err, size_t errlen);
void		 store_peek_close(struct store_peek *);
/* store_campaign.c: campaign subscriptions. */
struct subscription {
	const char	*phone;
	const char	*campaign;	/* the config's code */
	const char	*area;		/* NULL: none, or keep the one before */
	const char	*source;	/* "sms" | "ussd" */
	int64_t		 at;
	const char	*commune;	/* the message's commune (NULL: ""); a
					   city's "*" keeps an earlier one */
};
/* Subscribe, or again after an opt-out (which it clears for this
 * campaign). 0, or -1. */
int		 store_sub_add(struct store *, const struct subscription *);
/* Stamp every live subscription of phone as opted out at now. 0, -1. */
int		 store_sub_optout(struct store *, const char *phone,
		    int64_t now);
/* Whether phone still takes campaign messages (a subscription it has not
 * stopped): 1 yes, 0 no, -1 error. */
int		 store_sub_live(struct store *, const char *phone);
/* How many broadcast SMS with body (as queued: signup_broadcast_text)
 * the outbox holds, sent or not; -1 on error. */
int64_t		 store_broadcast_queued(struct store *, const char *body);
/* Live subscriptions of campaign (of commune only; NULL: any) with id >
 * after: how many, or -1. */
int64_t		 store_sub_count(struct store *, const char *campaign,
		    const char *commune, int64_t after);
/*
 * A broadcast's progress, by campaign and text (as queued): the last
 * subscription id queued and whether the run ended. run: 1 and those, 0
 * none was begun, -1 error; mark (into the batch of the rows it counts):
 * 0 or -1.
 */
int		 store_broadcast_run(struct store *, const char *campaign,
		    const char *body, int64_t *last, int *done);
int		 store_broadcast_mark(struct store *, const char *campaign,
		    const char *body, int64_t last, int done);
/* A live subscriber, copied out of the row. */
struct sub_live {
	int64_t		 id;
	char		 phone[PHONE_MAX];
};
/* Up to max live subscribers of campaign (of commune only; NULL: any)
 * with id > after, in id order, into rows: how many (0: no more), or -1. */
int		 store_sub_page(struct store *, const char *campaign,
		    const char *commune, int64_t after, struct sub_live *rows,
		    size_t max);

/*
 * store_counts.c: counts of a period, [from, to), of one commune (its
 * code, or "*": the city's reports nobody placed yet) or of every one
 * (NULL or ""), each row naming its commune.
 */
struct store_count {
	const char	*commune;	/* its code, "*", "" without communes */
	const char	*area;		/* code, or NULL: unknown */
	const char	*category;	/* NULL for signups */
	const char	*status;	/* NULL for signups */
	int64_t		 n;
};			/* strings borrowed for the call */
typedef int	 (*store_count_fn)(const struct store_count *, void *);
/*
 * fn gets each (commune, area, category, status) group of the reports
 * created in the period, of commune and of area (its hamlet; NULL: all)
 * only, ordered by area (unknown last), category, status (and, of every
 * commune, the commune before the area); -1 from fn stops. How many
 * groups, or -1 (logged).
 */
int		 store_counts_reports(struct store *, int64_t from,
		    int64_t to, const char *commune, const char *area,
		    store_count_fn, void *);
/* The same for the campaign signups made in the period (opted out since
 * or not), one group per (commune, area). */
int		 store_counts_signups(struct store *, int64_t from,
		    int64_t to, const char *commune, const char *area,
		    store_count_fn, void *);

/* What a report created in a period came to (SPEC §6a) and how long it
 * took; strings borrowed for the call. */
struct store_case {
	const char	*commune;	/* its code, "*", "" without communes */
	const char	*sex;		/* "f", "m", or NULL: not recorded */
	int		 age;		/* 0..120, or -1: not recorded */
	const char	*outcome;	/* codes "CA YT", or NULL: none */
	int64_t		 ack_s;		/* to the first NHAN or XONG; -1 none */
	int64_t		 close_s;	/* to XONG; -1 none */
	int64_t		 n;		/* reports it stands for */
};
typedef int	 (*store_case_fn)(const struct store_case *, void *);
/* fn gets each report of commune (NULL: of every one, through the index
 * of the creation times; a code: through the commune's), in no order,
 * n 1; -1 from fn stops. How many, or -1. */
int		 store_counts_cases(struct store *, int64_t from, int64_t to,
		    const char *commune, store_case_fn, void *);

/* store_admin.c: tincayctl's listings, contacts and purge. */
/* Each of args->commune's only (SPEC §11), where it is given. */
enum store_list {
	STORE_LIST_CONTACTS,		/* every contact, by role, name; of a
					 * commune, with the city's (*) */
	STORE_LIST_REPORTS,		/* reports (of args->status) */
	STORE_LIST_REPORT,		/* the one report args->id */
	STORE_LIST_MESSAGES,		/* every message */
	STORE_LIST_OUTBOX,		/* outbox rows (of args->status), of
					 * a commune: about its reports */
	STORE_LIST_INBOX,		/* unknown texts not reviewed yet */
	STORE_LIST__MAX
};
struct store_list_args {
	const char	*status;	/* NULL: any */
	int64_t		 id;
	const char	*commune;	/* a code or "*"; NULL or "": any */
};
enum store_field_type { STORE_FIELD_NULL, STORE_FIELD_NUMBER,
    STORE_FIELD_TEXT };
/* One column of a listed row: its name and value, borrowed for the call. */
struct store_field {
	const char		*name;
	enum store_field_type	 type;
	const char		*text;	/* as text; NULL for NULL */
	double			 number;	/* STORE_FIELD_NUMBER */
};
/* Gets each row's n fields, in the listing's column order; 0 goes on,
 * anything else stops. */
typedef int	 (*store_list_fn)(const struct store_field *, size_t n,
		    void *arg);
/* The rows of a listing (args may be NULL): how many were given to fn,
 * or -1 (store_errmsg() says why). */
/* The names of a listing's columns (for the header of one without rows),
 * borrowed from the store, at most max: how many. */
size_t		 store_list_names(struct store *, enum store_list,
		    const char **names, size_t max);
int		 store_list(struct store *, enum store_list,
		    const struct store_list_args *, store_list_fn, void *);
/* A contact to add, or to update by phone (E.164). */
struct contact_new {
	const char	*name, *phone, *role;
	const char	*areas;		/* "*" or "T1;T3" */
	const char	*channel;	/* "sms" | "webhook" */
	const char	*url;		/* NULL: none */
	const char	*pin;		/* in clear, NULL: none; stored as
					 * its salted slow hash only */
	const char	*commune;	/* a code, "*" city-level; NULL "" */
};
int		 store_contact_add(struct store *, const struct contact_new *,
		    int64_t now);
/* Remove the contact with phone, and fail (emptied) what still waits to
 * be sent to it, in its own transaction: 1 removed, 0 no contact has
 * phone, -1 error. */
int		 store_contact_remove(struct store *, const char *phone);
/* One message of a report: when it arrived, its category ("gbv",
 * "followup", "done", ...), its text (NULL once purged); borrowed. */
struct store_text {
	int64_t		 at;
	const char	*category;
	const char	*text;
};
typedef int	 (*store_text_fn)(const struct store_text *, void *arg);
/* Every message filed under report id (the reporter's, and the NHAN,
 * XONG or HUY that named it), oldest first; 0 from fn goes on, anything
 * else stops. How many fn got, or -1 (store_errmsg() says why). */
int		 store_report_texts(struct store *, int64_t id,
		    store_text_fn, void *);
/*
 * A consistent copy of the database into path, which is created 0600 and
 * must not exist (never overwritten), with SQLite's online backup: one
 * read transaction holds the snapshot for the whole copy, so writers
 * (the daemon) go on meanwhile and the copy never starts over; pages are
 * copied step at a time, and progress (may be NULL) hears (pages done,
 * pages in all) after each step of a copy that takes more than one.
 * A PostgreSQL database is copied into a new SQLite file, row by row
 * from one REPEATABLE READ snapshot, checked as migrate checks its copy
 * (store_migrate_to); progress then hears rows, step unused. Must be
 * called with no transaction open. 0, or -1 with why in err (the partial
 * copy removed).
 */
typedef void	 (*store_backup_fn)(int64_t done, int64_t total, void *arg);
int		 store_backup(struct store *, const char *path, int step,
		    store_backup_fn progress, void *arg, char *err,
		    size_t errlen);
/*
 * tincayctl migrate (store_copy.c): every row of st, an SQLite database
 * whose daemon is stopped, copied with its ids into the PostgreSQL
 * database conninfo, which must hold no row yet (its schema is made if it
 * has none) and is then the same database: sealed values as they are
 * (the same key opens them), meta's REF key, idempotency salt and key
 * check in place of its own. One transaction, verified before it commits
 * (each table's rows, max and sum of its key, bytes of its texts, sum of
 * its integers; meta key by key). fn (may be NULL) hears of each table as
 * its rows go (verified NULL), then of each as verified. 0, or -1 and why
 * in err, one line: the destination then holds no row.
 */
struct store_copy_step {
	const char	*table;
	int64_t		 done, total;		/* rows of the table */
	int64_t		 all_done, all_total;	/* rows of every table */
	const char	*verified;	/* NULL while it copies; then what
					   both sides were found to agree on */
};
typedef void	 (*store_copy_fn)(const struct store_copy_step *, void *);
int		 store_migrate_to(struct store *, const char *conninfo,
		    store_copy_fn, void *, char *err, size_t errlen);
/* What a purge forgot: reports, messages and outbox rows it emptied. */
struct store_purged {
	int64_t		 reports, messages, outbox, subscriptions;
	int64_t		 keys;		/* data keys destroyed */
	int64_t		 carried;	/* values kept, sealed again */
	int		 wal_emptied;	/* 0: a reader held the WAL */
};
typedef void	 (*store_purge_fn)(const struct store_purged *, void *);
/* An unknown text of the review list, copied out; text malloc'd. */
struct inbox_row {
	int64_t		 id;
	char		 sender[PHONE_MAX];
	char		*text;
	int64_t		 received_at;
	char		 commune[COMMUNE_MAX];	/* its commune's, "*", "" */
};
/* Message id if it waits in the review list: 1, 0 if not, -1 error. */
int		 store_inbox_get(struct store *, int64_t id, struct inbox_row *);
void		 store_inbox_row_clear(struct inbox_row *);
/* Mark it reviewed at now, filed as report_id (0: dismissed): 1, 0 if it
 * was not waiting, -1 on error. */
int		 store_inbox_review(struct store *, int64_t id,
		    int64_t report_id, int64_t now);
/*
 * store_review.c: the texts of the review list nobody has been told of
 * (SPEC §4). The earliest time one is due into *at: 1; 0 if none; -1.
 */
int		 store_review_first(struct store *, int64_t *at);
/* One of them, copied out; text malloc'd. */
struct review_item {
	int64_t		 id;
	char		 sender[PHONE_MAX];
	char		*text;
	char		 commune[COMMUNE_MAX];	/* its commune's, "*", "" */
};
/* Up to max of them into v, oldest first: how many, or -1. */
int		 store_review_items(struct store *, struct review_item *v,
		    int max);
void		 store_review_items_clear(struct review_item *, int n);
/* In the batch: report_id was placed in its commune (SPEC §11); its
 * texts that waited for review for want of one leave the list. 0, -1. */
int		 store_review_placed(struct store *, int64_t report_id);
/* In the batch: message id told of (again_at 0), or due again at
 * again_at (nobody could be told). 0, or -1. */
int		 store_review_told(struct store *, int64_t id,
		    int64_t again_at);
/* The cutoff of "older than days" at now; days 0: everything up to now. */
int64_t		 store_purge_cutoff(int64_t now, int64_t days);
/*
 * The whole purge of SPEC §8, with secure_delete on: the texts and numbers
 * of reports closed or cancelled before cutoff (batch reports per
 * transaction; progress hears each full batch), texts older than cutoff
 * that belong to no report and what was sent for them, numbers of
 * subscriptions opted out before cutoff; counts, categories, areas,
 * statuses and times stay. Then the WAL is emptied into the database, so
 * that no byte of what was purged is left in the database, its WAL or its
 * SHM: when this purge erased something, or this store has not yet
 * emptied it after a purge (the first of a process always does). A purge
 * that found nothing to erase does not wait for readers of the WAL.
 * Between the two, the data keys of the days before cutoff (an hour old at
 * least) are destroyed, what the purge keeps of theirs sealed again first
 * (store_dkey.c): every copy of what they sealed, wherever an engine left
 * it, can no longer be opened. Adds to p. Must be called with no
 * transaction open. 0, or -1 (the batches before it stay purged).
 */
int		 store_purge(struct store *, int64_t cutoff, size_t batch,
		    store_purge_fn progress, void *arg, struct store_purged *p);
/* Tests: data keys are those of the day of now, and a purge's "an hour
 * old" counts from it, instead of the wall clock's (0: the clock). */
void		 store_seal_clock(struct store *, int64_t now);

/* A contact looked up by phone, copied out of the row. */
struct contact_row {
	int64_t		 id;
	char		 role[64];
	char		 pin_hash[PIN_HASH_MAX];	/* pin_hash(), "" if none */
	int64_t		 pin_locked_until;	/* TK refused before it */
	char		 commune[COMMUNE_MAX];	/* "*" city-level, "" none */
};
/* 1 found, 0 not a contact, -1 error. */
int		 store_contact_get(struct store *, const char *phone,
		    struct contact_row *);
/*
 * store_pin.c: wrong PINs (SPEC §8). A wrong PIN of contact id at now:
 * kept with those after now - window_s; the max-th of them locks TK until
 * now + lock_s and starts the count again. 1 if it locked, 0 if not, -1.
 */
int		 store_pin_failed(struct store *, int64_t id, int64_t now,
		    int64_t window_s, int max, int64_t lock_s);
/* A right PIN: the contact's wrong ones are forgotten. 0, or -1. */
int		 store_pin_ok(struct store *, int64_t id);
/*
 * store_users.c: the console's users (SPEC §12). Writes join the batch
 * (store_begin; the caller commits). A name is passwd_name_check()'s, a
 * role passwd_role_ok()'s: the caller checks both.
 */
#define USER_NAME_MAX	64
#define USER_LIST_MAX	256	/* "*" or "T1;T3" / "TINHCHAU;TINHAN" */
struct user_row {
	int64_t		 id;
	char		 name[USER_NAME_MAX];
	char		 role[16];		/* "admin", "caseworker", "viewer" */
	char		 communes[USER_LIST_MAX];	/* "*": all; else codes, ';' */
	char		 areas[USER_LIST_MAX];	/* "*": all; else area codes
						   (CODE.T3 in a city) */
	char		 pw_hash[PASSWD_HASH_MAX];
	int		 totp;			/* 1: a TOTP code is asked at
						   sign-in */
	int64_t		 locked_until;		/* sign-in refused before it */
	int64_t		 created_at;
	int64_t		 last_signin_at;	/* 0: never */
};
/* Add u (id, totp, locked_until and last_signin_at are not read: a new
 * user has no TOTP until store_user_totp_set). 0; 1 the name is taken
 * (nothing written); -1. */
int		 store_user_add(struct store *, const struct user_row *);
/* 1 found (u filled), 0 none, -1. */
int		 store_user_get(struct store *, const char *name,
		    struct user_row *);
/* fn gets each user, by name (u borrowed for the call); -1 from fn
 * stops. 0, or -1. */
typedef int	 (*store_user_fn)(const struct user_row *, void *);
int		 store_user_list(struct store *, store_user_fn, void *);
/* 1 removed (with its wrong passwords), 0 none, -1. */
int		 store_user_remove(struct store *, const char *name);
/* A new password's hash (passwd_hash()); it lifts a lock. 1, 0 none, -1. */
int		 store_user_passwd(struct store *, const char *name,
		    const char *pw_hash);
/* The TOTP secret (base32), sealed at rest under the database's key
 * itself, so that no purge shreds it; NULL switches TOTP off. 1, 0 none,
 * -1. */
int		 store_user_totp_set(struct store *, const char *name,
		    const char *secret);
/* The secret into secret (len bytes): 1; 0 no such user or no TOTP; -1
 * (it does not open, or does not fit). */
int		 store_user_totp_get(struct store *, const char *name,
		    char *secret, size_t len);
/*
 * A wrong password or code for user id at now, as store_pin_failed: kept
 * with those after now - window_s; the max-th of them locks sign-in until
 * now + lock_s and starts the count again. 1 locked now, 0 not, -1.
 */
int		 store_user_failed(struct store *, int64_t id, int64_t now,
		    int64_t window_s, int max, int64_t lock_s);
/* A sign-in: the user's wrong ones forgotten, last_signin_at now. 0, -1. */
int		 store_user_ok(struct store *, int64_t id, int64_t now);

/*
 * store_audit.c: who did what, when, from where (SPEC §12); kept through
 * purges; never a text or a number in it (target is a REF, a review id, a
 * user name; detail is codes, not free text). action is one of
 * store_audit.c's table (signin, signin_failed, signout, case_list,
 * case_view, number_shown, ack, close, amend, review_file, review_belongs,
 * review_dismiss, month_view, user_add, user_remove, user_passwd,
 * user_totp); another is refused.
 */
struct audit_row {
	int64_t		 id;
	int64_t		 at;
	char		 user[USER_NAME_MAX];
	char		 action[32];
	char		 target[64];
	char		 addr[64];
	char		 detail[256];
};
/* Joins the batch (the caller commits); NULL target, addr, detail: "";
 * each cut to its field of struct audit_row. 0, -1 (an unknown action). */
int		 store_audit_add(struct store *, int64_t at, const char *user,
		    const char *action, const char *target, const char *addr,
		    const char *detail);
typedef int	 (*store_audit_fn)(const struct audit_row *, void *);
/* [from, to), of user (NULL: all), newest first, at most limit (0: all);
 * -1 from fn stops. 0, -1. */
int		 store_audit_list(struct store *, int64_t from, int64_t to,
		    const char *user, int limit, store_audit_fn, void *);

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
	int64_t		 closed_at;		/* 0: not closed */
	int		 cancel_requested;	/* HUY came from its phone */
	char		 previous[REF_MAX];	/* the earlier's REF, or "" */
	char		 commune[COMMUNE_MAX];	/* "" without communes */
};
/* The id of the report with REF ref: > 0, 0 if none, -1 on error. */
int64_t		 store_report_find(struct store *, const char *ref);
/* By id (ref NULL) or by ref. 1 found, 0 not, -1 error. */
int		 store_report_get(struct store *, int64_t id, const char *ref,
		    struct report_row *);
void		 store_report_row_clear(struct report_row *);

/*
 * store_console.c: the console's reads (SPEC §12), each of what a user may
 * know only (need to know, in the query): scope's communes and areas,
 * each "*" (all) or codes between ';' (a hamlet T3, or CODE.T3 in a
 * city). A report of no known hamlet is only for areas "*".
 */
struct store_scope {
	const char	*communes;
	const char	*areas;
};
/* A case of the list; strings borrowed for the call. */
struct store_console_case {
	const char	*ref;
	const char	*category;
	const char	*area;		/* NULL: unknown */
	const char	*commune;	/* "" without communes */
	const char	*status;
	int64_t		 created_at, updated_at;
	int		 cancel_requested;
};
/* What the list is narrowed to (each NULL: any), and its page. */
struct store_case_filter {
	const char	*status, *category, *area, *commune;
	int64_t		 limit, offset;
};
typedef int	 (*store_console_case_fn)(const struct store_console_case *,
		    void *);
/* The cases of scope, newest first: how many fn got, or -1; non-zero
 * from fn stops. */
int		 store_console_cases(struct store *, const struct store_scope *,
		    const struct store_case_filter *, store_console_case_fn,
		    void *);
/* The report with REF ref if it is scope's: its id (> 0), 0 if there is
 * none or it is not hers (the same answer), -1 on error. */
int64_t		 store_console_case(struct store *, const struct store_scope *,
		    const char *ref);
/* What was sent to contacts about report id; strings borrowed. */
struct store_console_alert {
	const char	*event, *channel, *status;
	int64_t		 attempts, created_at, sent_at;	/* sent_at 0: not */
	const char	*receipt;	/* "delivered", ..., or NULL */
	const char	*name, *role;	/* the contact's; NULL: removed */
};
typedef void	 (*store_console_alert_fn)(
		    const struct store_console_alert *, void *);
/* Each, oldest first: how many, or -1. */
int		 store_console_alerts(struct store *, int64_t report_id,
		    store_console_alert_fn, void *);
/* The texts of the review list in scope's communes (id > 0: that one
 * only), oldest first, at most max, into fn (each row borrowed for the
 * call, its text opened): how many, or -1. */
typedef int	 (*store_console_text_fn)(const struct inbox_row *, void *);
int		 store_console_review(struct store *,
		    const struct store_scope *, int64_t id, int max,
		    store_console_text_fn, void *);

/*
 * store_outbox.c: the typed rows of delivery and escalation (kept apart
 * from store.c; each write joins the open batch). 0 or -1 unless said.
 */
/* The result of one attempt at outbox row id, ended at now (scheduling
 * seconds): status, when it is due again, when it was sent (0: not), the
 * error (NULL: none), and the provider's id for its SMS ("provider:id",
 * for the receipts; NULL: none given). A row left pending has failed
 * since its first such result. */
int		 store_outbox_result(struct store *, int64_t id,
		    const char *status, int64_t now, int64_t next_at,
		    int64_t sent_at, const char *error, const char *msg);
/* The row a receipt is about, as it was before the receipt. */
struct store_receipt_row {
	int64_t		 id;
	int64_t		 report_id;	/* 0: none */
	int64_t		 contact_id;	/* 0: a resident's */
	char		 was[16];	/* its receipt so far, or "" */
	char		 ref[REF_MAX];	/* "" if none */
	char		 role[64];	/* its contact's, or "" */
};
/* Record receipt ("delivered" or "undelivered", reason or NULL, at) on
 * the SMS the provider knows by key: 1 and the row, 0 no such row. */
int		 store_outbox_receipt(struct store *, const char *key,
		    const char *receipt, const char *reason, int64_t at,
		    struct store_receipt_row *);
/*
 * A receipt for an SMS the outbox has not recorded yet (its send's result
 * is still on its way, or the id is not ours): keep it by key in the
 * batch, dropping those kept before drop_before; take (and forget) the one
 * kept for key once the outbox records it: 1 and *k, 0 none, -1 error.
 */
struct store_receipt_kept {
	char		 receipt[16];
	char		 reason[64];	/* "" if none */
	int64_t		 at;
};
int		 store_receipt_keep(struct store *, const char *key,
		    const char *receipt, const char *reason, int64_t at,
		    int64_t drop_before);
int		 store_receipt_take(struct store *, const char *key,
		    struct store_receipt_kept *);
/*
 * Outbox row outbox_id failed for good (or was not delivered): if it was
 * one of its report's first alerts to a contact (report.created), mark
 * that report due for escalation at at: 1; 0 if the row is another kind
 * (an escalation alert, an update, a reply), its report is not open
 * (acknowledged, closed), or there is none (0).
 */
int		 store_outbox_escalate_at(struct store *, int64_t outbox_id,
		    int64_t at);
/* Up to max ids of open reports due for escalation at now, most overdue
 * first: n, or -1. */
int		 store_outbox_escalations(struct store *, int64_t now,
		    int64_t *ids, int max);
/* Open report report_id is due for escalation again at at (it could not
 * be read now): 0, or -1. */
int		 store_outbox_escalate_later(struct store *, int64_t report_id,
		    int64_t at);
/* Report report_id went up one level; due again at next_at (0: never). */
int		 store_outbox_escalated(struct store *, int64_t report_id,
		    int64_t next_at);

#endif
