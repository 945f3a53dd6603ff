/*
 * store_sqlite.c: what the store does on SQLite alone: the file, created
 * 0600, claimed by one daemon (flock), opened in WAL with synchronous=FULL,
 * migrated by PRAGMA user_version; the WAL kept small.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../core/core.h"
#include "store.h"
#include "store_int.h"

#define STORE_BUSY_MS	2000
#define STORE_WAL_RETRY_MS	50	/* another's checkpoint: try again */
/*
 * SQLite truncates the WAL to this after a checkpoint has reset it; without
 * a limit a WAL a long reader made grow stays that size for good.
 */
#define STORE_WAL_LIMIT	"4194304"	/* bytes: 4 MiB */
#define STORE_BACKUP_BUSY_TRIES	100	/* 50 ms sleeps while a step is busy */

/* Migrations: entry i brings user_version from i to i + 1. */
static const char *const store_migrations[] = {
	"CREATE TABLE reports ("
	" id INTEGER PRIMARY KEY,"
	" ref TEXT NOT NULL UNIQUE,"
	" category TEXT NOT NULL,"
	" area TEXT,"
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status IN"
	"  ('open', 'acknowledged', 'closed', 'cancelled')),"
	" reporter TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" escalate_at INTEGER,"
	" escalation_level INTEGER NOT NULL DEFAULT 0,"
	" acked_by TEXT,"
	" closed_at INTEGER);"
	"CREATE INDEX reports_reporter ON reports (reporter, created_at);"
	"CREATE INDEX reports_escalate ON reports (escalate_at)"
	" WHERE escalate_at IS NOT NULL;"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY,"
	" provider TEXT NOT NULL,"
	" provider_id TEXT NOT NULL,"
	" sender TEXT,"
	" recipient TEXT,"
	" body TEXT,"
	" category TEXT NOT NULL,"
	" report_id INTEGER REFERENCES reports (id),"
	" reply TEXT,"
	" received_at INTEGER NOT NULL,"
	" UNIQUE (provider, provider_id));"
	"CREATE INDEX messages_report ON messages (report_id);"
	"CREATE TABLE contacts ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" phone TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL,"
	" areas TEXT NOT NULL DEFAULT '*',"
	" channel TEXT NOT NULL DEFAULT 'sms'"
	"  CHECK (channel IN ('sms', 'webhook')),"
	" url TEXT,"
	" pin TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX contacts_role ON contacts (role);"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" report_id INTEGER REFERENCES reports (id),"
	" contact_id INTEGER,"
	" channel TEXT NOT NULL,"
	" event TEXT NOT NULL,"
	" dest TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" idem_key TEXT NOT NULL UNIQUE,"
	" status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
	"  ('pending', 'sent', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" sent_at INTEGER,"
	" last_error TEXT);"
	"CREATE INDEX outbox_due ON outbox (status, next_at);"
	"CREATE INDEX outbox_report ON outbox (report_id);",
	/*
	 * 1 → 2: campaign subscriptions. One row per number and campaign
	 * (the config's code); an opt-out (HUYDK, TUCHOI, STOP) stamps every
	 * row of the number, a later signup clears its campaign's stamp.
	 * Broadcasts walk the partial index of live rows in id order.
	 */
	"CREATE TABLE subscriptions ("
	" id INTEGER PRIMARY KEY,"
	" phone TEXT NOT NULL,"
	" campaign TEXT NOT NULL COLLATE NOCASE,"
	" area TEXT,"
	" source TEXT NOT NULL CHECK (source IN ('sms', 'ussd')),"
	" subscribed_at INTEGER NOT NULL,"
	" opted_out_at INTEGER,"
	" UNIQUE (phone, campaign));"
	"CREATE INDEX subscriptions_live ON subscriptions (campaign, id)"
	" WHERE opted_out_at IS NULL;",
	/*
	 * 2 → 3: cost that does not grow with the data (issue 7).
	 * - meta: the REF key (REFs are a keyed permutation of the report id
	 *   from now on, found by deciphering them: no index) and the salt
	 *   of idempotency keys, which are derived from the row id instead
	 *   of a random column with a unique index.
	 * - reports rebuilt without the unique index on ref, whose random
	 *   inserts cost a page per report; the random REFs of reports filed
	 *   before move to legacy_refs, where lookups and new REFs check
	 *   them. reports_created (created_at, id, ...) only ever appends
	 *   and covers what stats read.
	 * - outbox: a lane per kind of destination (0 webhook, 1 SMS, 2
	 *   broadcast) and a partial index of pending rows only, so sent
	 *   rows leave it and the due walk stays as small as the queue.
	 * - reports_created covers what stats read.
	 */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)"
	" WITHOUT ROWID;"
	"INSERT INTO meta (key, value) VALUES ('ref_key', randomblob(16)),"
	" ('idem_salt', randomblob(16)),"
	" ('ref_legacy', (SELECT count(*) > 0 FROM reports));"
	"CREATE TABLE legacy_refs (ref TEXT PRIMARY KEY,"
	" report_id INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO legacy_refs (ref, report_id) SELECT ref, id FROM reports;"
	"CREATE TABLE reports_v3 ("
	" id INTEGER PRIMARY KEY,"
	" ref TEXT NOT NULL,"
	" category TEXT NOT NULL,"
	" area TEXT,"
	/* Comparisons, not IN (...): an IN list in a CHECK builds a
	 * temporary b-tree on every insert. */
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open'"
	"  OR status = 'acknowledged' OR status = 'closed'"
	"  OR status = 'cancelled'),"
	" reporter TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" escalate_at INTEGER,"
	" escalation_level INTEGER NOT NULL DEFAULT 0,"
	" acked_by TEXT,"
	" closed_at INTEGER);"
	"INSERT INTO reports_v3 (id, ref, category, area, status, reporter,"
	" created_at, updated_at, escalate_at, escalation_level, acked_by,"
	" closed_at) SELECT id, ref, category, area, status, reporter,"
	" created_at, updated_at, escalate_at, escalation_level, acked_by,"
	" closed_at FROM reports;"
	"DROP TABLE reports;"
	"ALTER TABLE reports_v3 RENAME TO reports;"
	"CREATE INDEX reports_reporter ON reports (reporter, created_at);"
	"CREATE INDEX reports_escalate ON reports (escalate_at)"
	" WHERE escalate_at IS NOT NULL;"
	"CREATE TABLE outbox_v3 ("
	" id INTEGER PRIMARY KEY,"
	" report_id INTEGER REFERENCES reports (id),"
	" contact_id INTEGER,"
	" channel TEXT NOT NULL,"
	" event TEXT NOT NULL,"
	" dest TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" lane INTEGER NOT NULL DEFAULT 0,"
	" idem_key TEXT,"
	" status TEXT NOT NULL DEFAULT 'pending' CHECK (status = 'pending'"
	"  OR status = 'sent' OR status = 'failed'),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" sent_at INTEGER,"
	" last_error TEXT);"
	"INSERT INTO outbox_v3 (id, report_id, contact_id, channel, event,"
	" dest, body, lane, idem_key, status, attempts, next_at, created_at,"
	" sent_at, last_error) SELECT id, report_id, contact_id, channel,"
	" event, dest, body, CASE WHEN event = 'broadcast' THEN 2"
	" WHEN channel = 'sms' THEN 1 ELSE 0 END, idem_key, status,"
	" attempts, next_at, created_at, sent_at, last_error FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v3 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox (lane, next_at, id)"
	" WHERE status = 'pending';"
	"CREATE INDEX outbox_report ON outbox (report_id, contact_id)"
	" WHERE report_id IS NOT NULL;"
	"CREATE INDEX reports_created ON reports"
	" (created_at, id, area, category, status);",
	/*
	 * 3 → 4: per-day counts, so that a month's stats (and a TK by SMS,
	 * which holds the event loop) read a few hundred rows however many
	 * reports there are. A day is (created_at + day_offset) / 86400:
	 * day_offset is the commune's offset from UTC, so days start at its
	 * midnights (store_set_timezone() sets it and counts again when it
	 * changes). Triggers keep the counts in plain SQL, so any program
	 * that writes reports keeps them right.
	 */
	"INSERT INTO meta (key, value) VALUES ('day_offset', 0);"
	"CREATE TABLE report_days ("
	" day INTEGER NOT NULL,"
	" area TEXT NOT NULL,"
	" category TEXT NOT NULL,"
	" status TEXT NOT NULL,"
	" n INTEGER NOT NULL,"
	" PRIMARY KEY (day, area, category, status)) WITHOUT ROWID;"
	"CREATE TRIGGER report_days_add AFTER INSERT ON reports BEGIN"
	" INSERT INTO report_days (day, area, category, status, n)"
	" VALUES ((NEW.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400, coalesce(NEW.area, ''),"
	" NEW.category, NEW.status, 1)"
	" ON CONFLICT (day, area, category, status) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER report_days_move AFTER UPDATE OF status, area,"
	" category, created_at ON reports"
	" WHEN OLD.status IS NOT NEW.status OR OLD.area IS NOT NEW.area"
	" OR OLD.category IS NOT NEW.category"
	" OR OLD.created_at IS NOT NEW.created_at BEGIN"
	" UPDATE report_days SET n = n - 1"
	" WHERE day = (OLD.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400"
	" AND area = coalesce(OLD.area, '') AND category = OLD.category"
	" AND status = OLD.status;"
	" INSERT INTO report_days (day, area, category, status, n)"
	" VALUES ((NEW.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400, coalesce(NEW.area, ''),"
	" NEW.category, NEW.status, 1)"
	" ON CONFLICT (day, area, category, status) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER report_days_del AFTER DELETE ON reports BEGIN"
	" UPDATE report_days SET n = n - 1"
	" WHERE day = (OLD.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400"
	" AND area = coalesce(OLD.area, '') AND category = OLD.category"
	" AND status = OLD.status;"
	" END;"
	"CREATE INDEX subscriptions_at ON subscriptions (subscribed_at, area);",
	/*
	 * 4 → 5: the destination a row connects to (dkey: a webhook's
	 * origin, "" for SMS, which all go to the one provider), so that the
	 * outbox walks each destination's due rows on its own and a slow
	 * one's backlog never stands in front of another's alerts. Rows
	 * pending from before share "".
	 */
	"ALTER TABLE outbox ADD COLUMN dkey TEXT NOT NULL DEFAULT '';"
	"DROP INDEX outbox_due;"
	"CREATE INDEX outbox_due ON outbox (lane, dkey, next_at, id)"
	" WHERE status = 'pending';",
	/*
	 * 5 → 6: what a case came to (SPEC §6a: the victim's sex and age,
	 * the outcome codes) and whether the reporter's phone asked to
	 * cancel it (§8: a request, which closes nothing).
	 */
	"ALTER TABLE reports ADD COLUMN cancel_requested INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE reports ADD COLUMN victim_sex TEXT;"
	"ALTER TABLE reports ADD COLUMN victim_age INTEGER;"
	"ALTER TABLE reports ADD COLUMN outcome TEXT;",
	/*
	 * 6 → 7: the review list. An unknown text waits (reviewed_at NULL)
	 * until an operator files a report from it or dismisses it.
	 */
	"ALTER TABLE messages ADD COLUMN reviewed_at INTEGER;"
	"CREATE INDEX messages_inbox ON messages (id)"
	" WHERE category = 'unknown' AND reviewed_at IS NULL;",
	/*
	 * 7 → 8: PINs as salted slow hashes (SPEC §8): store_pin_migrate()
	 * hashes the ones kept in clear, in this migration's transaction.
	 * Wrong PINs of the last hour, one row each, and how long TK is
	 * locked for a contact after five of them.
	 */
	"CREATE TABLE pin_failures ("
	" contact_id INTEGER NOT NULL REFERENCES contacts (id)"
	"  ON DELETE CASCADE,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX pin_failures_contact ON pin_failures (contact_id, at);"
	"ALTER TABLE contacts ADD COLUMN pin_locked_until INTEGER NOT NULL"
	" DEFAULT 0;",
	/*
	 * 8 → 9: when a report was first acknowledged (its first NHAN, or
	 * a XONG without one), for the median time to acknowledge (SPEC
	 * §7). A trigger stamps the report's updated_at when it first
	 * leaves 'open', so every writer of statuses keeps it; reports
	 * acknowledged before this migration have none.
	 */
	"ALTER TABLE reports ADD COLUMN acked_at INTEGER;"
	"CREATE TRIGGER reports_acked AFTER UPDATE OF status ON reports"
	" WHEN OLD.status = 'open' AND NEW.status <> 'open'"
	" AND NEW.acked_at IS NULL BEGIN"
	" UPDATE reports SET acked_at = NEW.updated_at WHERE id = NEW.id;"
	" END;",
	/*
	 * 9 → 10: encrypted at rest (SPEC §8, store_seal.c). Texts and
	 * numbers of residents become sealed blobs (the columns keep their
	 * names; SQLite keeps a blob as it is), and numbers are looked up
	 * by a keyed hash: reports.reporter_hash for follow-ups,
	 * subscriptions.phone_hash for signups and opt-outs (the table is
	 * rebuilt: its UNIQUE (phone, campaign) meant nothing on blobs
	 * sealed under fresh nonces). A number forgotten (purged) takes its
	 * hash with it. seal_clear tells the first program that opens the
	 * database with the key to seal the clear values from before.
	 */
	"ALTER TABLE reports ADD COLUMN reporter_hash BLOB;"
	"DROP INDEX reports_reporter;"
	"CREATE INDEX reports_reporter_hash ON reports"
	" (reporter_hash, created_at) WHERE reporter_hash IS NOT NULL;"
	"CREATE TRIGGER reports_reporter_gone AFTER UPDATE OF reporter"
	" ON reports WHEN NEW.reporter IS NULL"
	" AND NEW.reporter_hash IS NOT NULL BEGIN"
	" UPDATE reports SET reporter_hash = NULL WHERE id = NEW.id;"
	" END;"
	"CREATE TABLE subscriptions_v7 ("
	" id INTEGER PRIMARY KEY,"
	" phone BLOB NOT NULL,"
	" phone_hash BLOB,"
	" campaign TEXT NOT NULL COLLATE NOCASE,"
	" area TEXT,"
	" source TEXT NOT NULL CHECK (source IN ('sms', 'ussd')),"
	" subscribed_at INTEGER NOT NULL,"
	" opted_out_at INTEGER,"
	" UNIQUE (phone_hash, campaign));"
	"INSERT INTO subscriptions_v7 (id, phone, campaign, area, source,"
	" subscribed_at, opted_out_at) SELECT id, phone, campaign, area,"
	" source, subscribed_at, opted_out_at FROM subscriptions;"
	"DROP TABLE subscriptions;"
	"ALTER TABLE subscriptions_v7 RENAME TO subscriptions;"
	"CREATE INDEX subscriptions_live ON subscriptions (campaign, id)"
	" WHERE opted_out_at IS NULL;"
	"CREATE INDEX subscriptions_at ON subscriptions (subscribed_at, area);"
	"INSERT INTO meta (key, value) VALUES ('seal_clear', 1);",
	/*
	 * 10 → 11: delivery receipts (SPEC §5, receipt.c). An SMS sent
	 * through a provider keeps the provider's id for it
	 * ("provider:id"), found again when the provider reports what
	 * became of it: receipt 'delivered' or 'undelivered', and when.
	 */
	"ALTER TABLE outbox ADD COLUMN provider_msg TEXT;"
	"ALTER TABLE outbox ADD COLUMN receipt TEXT;"
	"ALTER TABLE outbox ADD COLUMN receipt_at INTEGER;"
	"CREATE INDEX outbox_provider_msg ON outbox (provider_msg)"
	" WHERE provider_msg IS NOT NULL;",
	/*
	 * 11 → 12: escalation never gives up in silence (SPEC §5). A report
	 * an earlier version left open after its last step, with no time to
	 * escalate again, is due now: its last step's roles hear of it again.
	 */
	"UPDATE reports SET escalate_at = 0 WHERE status = 'open'"
	" AND escalate_at IS NULL AND escalation_level >= 3;",
	/*
	 * 12 → 13: when a row's last attempt ended (tried_at) and when it
	 * first failed (failing_since), in the scheduling seconds of the run
	 * that wrote them; a start re-bases both onto its own clock
	 * (store_clamp_times), so that the 24 h give-up counts time spent
	 * failing, not a wall clock set while the daemon was down (SPEC §9).
	 */
	"ALTER TABLE outbox ADD COLUMN tried_at INTEGER;"
	"ALTER TABLE outbox ADD COLUMN failing_since INTEGER;",
	/*
	 * 13 → 14: a report filed for a number whose report was closed or
	 * cancelled not long before names that one (SPEC §4: previous).
	 */
	"ALTER TABLE reports ADD COLUMN previous INTEGER"
	" REFERENCES reports (id);",
	/*
	 * 14 → 15: nothing waits unseen (SPEC §4). review_at: by when (in
	 * scheduling seconds) the review.to roles must hear of a text of the
	 * review list; NULL once they have (set in the transaction that
	 * queues the message telling them) or once it is reviewed. Texts
	 * already waiting are due now: nobody was told of them.
	 */
	"ALTER TABLE messages ADD COLUMN review_at INTEGER;"
	"CREATE INDEX messages_review ON messages (review_at, id)"
	" WHERE review_at IS NOT NULL;"
	"UPDATE messages SET review_at = 0 WHERE category = 'unknown'"
	" AND reviewed_at IS NULL;",
	/*
	 * 15 → 16: receipts that came before their send's result (a
	 * provider may report on an SMS before its answer to the request
	 * that sent it reaches us), kept by the provider's id ("provider:id",
	 * as outbox.provider_msg) until the outbox records that id, a day at
	 * most (receipt.c).
	 */
	"CREATE TABLE receipts_early (msg TEXT PRIMARY KEY,"
	" receipt TEXT NOT NULL, reason TEXT, at INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE INDEX receipts_early_at ON receipts_early (at);",
	/*
	 * 16 → 17: how far a broadcast got (tincayctl broadcast): the last
	 * subscription queued for a campaign's text, written in the
	 * transaction of each batch of its rows, and whether the run ended;
	 * a run cut short (killed, a lost terminal) is resumed from there.
	 */
	"CREATE TABLE broadcast_runs (campaign TEXT NOT NULL COLLATE NOCASE,"
	" body TEXT NOT NULL, last_sub INTEGER NOT NULL,"
	" done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (campaign, body))"
	" WITHOUT ROWID;",
	/*
	 * 17 → 18: crypto-shredding (store_dkey.c). Values are sealed under
	 * data keys, one per UTC day, each wrapped by the database's key;
	 * a purge destroys the keys of the days before its cutoff. Values
	 * sealed under the key itself before (version 1) still open; the
	 * next purge seals those it keeps under a data key (seal_v1 until
	 * it has).
	 */
	"CREATE TABLE data_keys (day INTEGER PRIMARY KEY,"
	" wrapped BLOB NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('seal_v1', 1);",
	/*
	 * 18 → 19: many communes (SPEC §11). Contacts, reports, messages
	 * and subscriptions carry their commune's code ("" in a config
	 * without communes; "*" a city-level contact, or a report whose
	 * commune nobody told yet). report_days counts a commune's area as
	 * "CODE.T3": hamlets of the same name in two communes are two.
	 */
	"ALTER TABLE contacts ADD COLUMN commune TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE reports ADD COLUMN commune TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE messages ADD COLUMN commune TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE subscriptions ADD COLUMN commune TEXT NOT NULL"
	" DEFAULT '';"
	"CREATE INDEX reports_commune ON reports (commune, created_at);"
	/* A commune's contacts of a role, and the city's (*): in place of
	 * the role's index, which a planner would take instead. */
	"DROP INDEX IF EXISTS contacts_role;"
	"CREATE INDEX contacts_commune ON contacts (role, commune);"
	"DROP TRIGGER report_days_add;"
	"DROP TRIGGER report_days_move;"
	"DROP TRIGGER report_days_del;"
	"CREATE TRIGGER report_days_add AFTER INSERT ON reports BEGIN"
	" INSERT INTO report_days (day, area, category, status, n)"
	" VALUES ((NEW.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400,"
	STORE_DAYS_KEY("NEW.") ","
	" NEW.category, NEW.status, 1)"
	" ON CONFLICT (day, area, category, status) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER report_days_move AFTER UPDATE OF status, area,"
	" category, created_at, commune ON reports"
	" WHEN OLD.status IS NOT NEW.status OR OLD.area IS NOT NEW.area"
	" OR OLD.category IS NOT NEW.category"
	" OR OLD.created_at IS NOT NEW.created_at"
	" OR OLD.commune IS NOT NEW.commune BEGIN"
	" UPDATE report_days SET n = n - 1"
	" WHERE day = (OLD.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400"
	" AND area =" STORE_DAYS_KEY("OLD.")
	" AND category = OLD.category"
	" AND status = OLD.status;"
	" INSERT INTO report_days (day, area, category, status, n)"
	" VALUES ((NEW.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400,"
	STORE_DAYS_KEY("NEW.") ","
	" NEW.category, NEW.status, 1)"
	" ON CONFLICT (day, area, category, status) DO UPDATE SET n = n + 1;"
	" END;"
	"CREATE TRIGGER report_days_del AFTER DELETE ON reports BEGIN"
	" UPDATE report_days SET n = n - 1"
	" WHERE day = (OLD.created_at + (SELECT value FROM meta"
	" WHERE key = 'day_offset')) / 86400"
	" AND area =" STORE_DAYS_KEY("OLD.")
	" AND category = OLD.category"
	" AND status = OLD.status;"
	" END;",
	/*
	 * 19 → 20: the console (SPEC §12). Its users: a name to sign in
	 * with, a role, the communes and areas they cover ("*" all, else
	 * codes between ';'), the password's hash (passwd.c), the TOTP
	 * secret sealed (NULL: no TOTP; store_users.c says under which
	 * key), a lock set by wrong passwords, one row each of those in
	 * user_failures (as pin_failures). AUTOINCREMENT: a removed user's
	 * id is never another's. The audit: who did what, when and from
	 * where, codes only, never a text or a number; no purge touches it.
	 */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL"
	"  CHECK (role IN ('admin', 'caseworker', 'viewer')),"
	" communes TEXT NOT NULL DEFAULT '*',"
	" areas TEXT NOT NULL DEFAULT '*',"
	" pw_hash TEXT NOT NULL,"
	" totp_secret BLOB,"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" last_signin_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE user_failures ("
	" user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX user_failures_user ON user_failures (user_id, at);"
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" user_name TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" target TEXT NOT NULL DEFAULT '',"
	" addr TEXT NOT NULL DEFAULT '',"
	" detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX audit_at ON audit (at);"
	"CREATE INDEX audit_user ON audit (user_name, at);",
	/*
	 * 20 → 21: no index of reports by commune. A city's reports come in
	 * for a hundred communes at once, and each one's entry landed on a
	 * page of its own commune: a page more to write per report (2.7 kB
	 * of WAL a message in make bench's city), for the one query that
	 * took it, a commune's counts, which reads the period's reports by
	 * their creation time as the city's do.
	 */
	"DROP INDEX IF EXISTS reports_commune;",
};

#define STORE_NMIGRATIONS \
	(int)(sizeof(store_migrations) / sizeof(store_migrations[0]))

/* What a migration does in C, after its SQL, in its transaction. */
static const struct {
	int	 version;		/* the one it brings the schema to */
	int	 (*fn)(struct db *, char *err, size_t errlen);
} store_migration_steps[] = {
	{ 8, store_pin_migrate },
};

static void
store_sqlite_log(void *arg, int code, const char *msg)
{
	/* SQLite's own messages never carry bound values. */
	if (code == SQLITE_NOTICE || (code & 0xff) == SQLITE_SCHEMA)
		return;
	log_warnx("sqlite: (%d) %s", code, msg);
}

/*
 * The file at path (if there is one) readable by its owner only: a copy
 * or a restore made under umask 022 leaves a database 0644, and SQLite
 * then makes its WAL and SHM the same. Said in the log when changed; a
 * file of another owner is left as it is, and said so.
 */
static void
store_tighten(const char *path)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & 077) == 0)
		return;
	if (chmod(path, sb.st_mode & 0600) == -1)
		log_warnx("database %s: mode %04o lets others read it, and "
		    "it cannot be changed: %s", path,
		    (unsigned)(sb.st_mode & 07777), strerror(errno));
	else
		log_warnx("database %s: mode %04o let others read it; now "
		    "%04o", path, (unsigned)(sb.st_mode & 07777),
		    (unsigned)(sb.st_mode & 0600));
}

/* Create the file 0600 before SQLite opens it, whatever the umask; one
 * that others may read (and its WAL and SHM) becomes 0600. */
static int
store_create_file(const char *path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char	 p[PATH_MAX];
	size_t	 i;
	int	 fd;

	if (strcmp(path, ":memory:") == 0)
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "database %s: %s", path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if (snprintf(p, sizeof(p), "%s%s", path, suffix[i]) <
		    (int)sizeof(p))
			store_tighten(p);
	return 0;
}

int
store_sqlite_version(struct store *st)
{
	struct db_stmt	*s;
	int		 v = -1;

	if (db_prepare(st->db, "PRAGMA user_version", &s) != 0)
		return -1;
	if (db_step(s) == DB_ROW)
		v = (int)db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

static int
store_migrate(struct store *st, char *err, size_t errlen)
{
	char	 sql[64];
	size_t	 i;
	int	 v;

	if ((v = store_sqlite_version(st)) < 0) {
		snprintf(err, errlen, "database: cannot read user_version");
		return -1;
	}
	if (v > STORE_NMIGRATIONS) {
		snprintf(err, errlen, "database: schema version %d is newer "
		    "than this program (%d)", v, STORE_NMIGRATIONS);
		return -1;
	}
	for (; v < STORE_NMIGRATIONS; v++) {
		if (store_exec(st, "BEGIN IMMEDIATE", err, errlen) == -1)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(st, store_migrations[v], err, errlen) == -1 ||
		    store_exec(st, sql, err, errlen) == -1)
			goto fail;
		for (i = 0; i < sizeof(store_migration_steps) /
		    sizeof(store_migration_steps[0]); i++)
			if (store_migration_steps[i].version == v + 1 &&
			    store_migration_steps[i].fn(st->db, err,
			    errlen) == -1)
				goto fail;
		if (store_exec(st, "COMMIT", err, errlen) == -1)
			return -1;
	}
	return 0;
fail:
	(void)db_exec(st->db, "ROLLBACK");
	return -1;
}

/*
 * Whether a daemon runs on the database at path: it holds its lock
 * (store_lock) as long as it runs. Only before SQLite opens the file: a
 * close() of any descriptor of it would drop every POSIX lock this
 * process holds on it, SQLite's own read lock included.
 */
static int
store_daemon_runs(const char *path)
{
	int	 fd, running;

	if (strcmp(path, ":memory:") == 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	running = flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
	close(fd);
	return running;
}

/*
 * Claim the database for this process alone (an flock(2) on the file,
 * which SQLite's own fcntl locks never touch), before anything migrates
 * it: a second daemon on the same database stops at start instead of
 * sending every alert twice, or rebuilding tables under the first.
 */
static int
store_lock(struct store *st, const char *path, char *err, size_t errlen)
{
	if (strcmp(path, ":memory:") == 0)
		return 0;
	if ((st->lockfd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "database %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errlen, "database %s: %s", path,
		    errno == EWOULDBLOCK ? "another tincayd is running on it" :
		    strerror(errno));
		close(st->lockfd);
		st->lockfd = -1;
		return -1;
	}
	return 0;
}

/*
 * Move every page into the database file and empty the WAL, so that no
 * older copy of a page (one that held a purged text) is left in it. A
 * reader (the daemon between passes, tincayctl) can hold it up: waits up
 * to the busy timeout, tries times in all. Another connection's
 * checkpoint (the daemon's store_wal_tidy()) holds the checkpoint lock,
 * which SQLite does not wait for: BUSY comes at once, so the next try
 * waits STORE_WAL_RETRY_MS; tries busy timeouts bound the whole. 1
 * done, 0 still held up, -1 an error.
 */
int
store_wal_truncate(struct store *st, int tries)
{
	int64_t	 until;
	int	 rc, log = -1, done = -1;

	if (db_sqlite_handle(st->db) == NULL)
		return 1;	/* no WAL of ours */
	if (st->in_tx)
		return 0;
	until = util_mono_ms() + (int64_t)tries * st->busy_ms;
	for (;;) {
		rc = sqlite3_wal_checkpoint_v2(db_sqlite_handle(st->db), NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
		if (rc == SQLITE_OK)
			return 1;
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
			log_warnx("%s: %s", __func__, db_errmsg(st->db));
			return -1;
		}
		if (--tries <= 0 && util_mono_ms() >= until)
			return 0;
		usleep(STORE_WAL_RETRY_MS * 1000);
	}
}

void
store_busy_timeout(struct store *st, int ms)
{
	if (db_sqlite_handle(st->db) != NULL)
		sqlite3_busy_timeout(db_sqlite_handle(st->db), ms);
	st->busy_ms = ms;
}

/*
 * Keep the WAL small (issue 9): a passive checkpoint, which never waits;
 * then, if nothing was committed since the last call and every frame is
 * in the database, a truncating one that does not wait for readers either
 * (the busy handler is off for it). Under load journal_size_limit cuts the
 * WAL back at the first commit after a checkpoint reset it. Never inside a
 * batch. 0, or -1 on an error (logged).
 */
int
store_wal_tidy(struct store *st)
{
	int	 rc, log = -1, done = -1, idle;

	if (st->in_tx || !st->file_known || db_sqlite_handle(st->db) == NULL)
		return 0;
	idle = st->stats.commits == st->tidied_at;
	st->tidied_at = st->stats.commits;
	rc = sqlite3_wal_checkpoint_v2(db_sqlite_handle(st->db), NULL,
	    SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc == SQLITE_OK && idle && log > 0 && done == log) {
		sqlite3_busy_timeout(db_sqlite_handle(st->db), 0);
		rc = sqlite3_wal_checkpoint_v2(db_sqlite_handle(st->db), NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
		sqlite3_busy_timeout(db_sqlite_handle(st->db), st->busy_ms);
	}
	if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		return -1;
	}
	return 0;
}

/*
 * Open the SQLite database at path into st->db, ready and migrated;
 * exclusive: the daemon's, claimed for it alone. 0, or -1 and err.
 */
int
store_sqlite_open(struct store *st, const char *path, int exclusive,
    char *err, size_t errlen)
{
	static int	 logged;
	sqlite3		*h;

	if (!logged) {
		sqlite3_config(SQLITE_CONFIG_LOG, store_sqlite_log, NULL);
		/*
		 * Nothing reads SQLite's memory statistics; kept, they take
		 * a global mutex on every allocation it makes.
		 */
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		logged = 1;
	}
	if (store_create_file(path, err, errlen) == -1)
		return -1;
	if (exclusive && store_lock(st, path, err, errlen) == -1)
		return -1;
	if (!exclusive)
		st->daemon_runs = store_daemon_runs(path);
	if ((st->db = db_sqlite_open(path, DB_OPEN_CREATE, err, errlen)) ==
	    NULL)
		return -1;
	h = db_sqlite_handle(st->db);
	sqlite3_busy_timeout(h, STORE_BUSY_MS);
	st->busy_ms = STORE_BUSY_MS;
	store_file_note(st);
	(void)sqlite3_db_config(h, SQLITE_DBCONFIG_LOOKASIDE, NULL, 256, 1000);
	if (store_exec(st, "PRAGMA journal_mode = WAL", err, errlen) == -1 ||
	    store_exec(st, "PRAGMA synchronous = FULL", err, errlen) == -1 ||
	    store_exec(st, "PRAGMA journal_size_limit = " STORE_WAL_LIMIT, err,
	    errlen) == -1 ||
	    /*
	     * Each message's savepoint journals the pages it touches; on
	     * disk that journal spills to a temp file past 64 KiB and is
	     * then never truncated within the batch. In memory it is
	     * emptied at every RELEASE.
	     */
	    store_exec(st, "PRAGMA temp_store = MEMORY", err, errlen) == -1 ||
	    /*
	     * What a row held is zeroed when SQLite frees it: a text moved by
	     * an UPDATE (an outbox row marked sent) leaves no stale copy in
	     * the page for a purge to miss (SPEC §8).
	     */
	    store_exec(st, "PRAGMA secure_delete = ON", err, errlen) == -1 ||
	    /* Off while migrations rebuild tables that others reference. */
	    store_exec(st, "PRAGMA foreign_keys = OFF", err, errlen) == -1 ||
	    store_migrate(st, err, errlen) == -1 ||
	    store_exec(st, "PRAGMA foreign_keys = ON", err, errlen) == -1)
		return -1;
	return 0;
}

/* Copy st's snapshot into the open, empty dst, step pages at a time. */
static int
store_backup_copy(struct store *st, sqlite3 *dst, int step,
    store_backup_fn progress, void *arg, char *err, size_t errlen)
{
	sqlite3_backup	*b;
	int		 rc, busy = 0, steps = 0, total;

	if ((b = sqlite3_backup_init(dst, "main",
	    db_sqlite_handle(st->db), "main")) == NULL) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	do {
		rc = sqlite3_backup_step(b, step);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			sqlite3_sleep(50);
			continue;
		}
		steps++;
		total = sqlite3_backup_pagecount(b);
		if (progress != NULL && (rc == SQLITE_OK || (rc == SQLITE_DONE &&
		    steps > 1)))
			progress(total - sqlite3_backup_remaining(b), total,
			    arg);
	} while (rc == SQLITE_OK || ((rc == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED) && ++busy < STORE_BACKUP_BUSY_TRIES));
	if (sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE)
		rc = sqlite3_errcode(dst);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_backup(struct store *st, const char *path, int step,
    store_backup_fn progress, void *arg, char *err, size_t errlen)
{
	sqlite3	*dst = NULL;
	int	 fd, rc = -1;

	if (store_in_tx(st)) {
		snprintf(err, errlen, "backup: a transaction is open");
		return -1;
	}
	/* Ours alone, 0600, and never someone's file overwritten. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == EEXIST ?
		    "exists; not overwritten" : strerror(errno));
		return -1;
	}
	close(fd);
	/* A server's: its rows into the new file, made an SQLite one. */
	if (db_sqlite_handle(st->db) == NULL)
		return store_copy_backup(st, path, progress, arg, err, errlen);
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, dst != NULL ?
		    sqlite3_errmsg(dst) : "cannot open");
		goto done;
	}
	if (store_run(st, ST_BACKUP_BEGIN) == -1) {
		snprintf(err, errlen, "backup: %s", db_errmsg(st->db));
		goto done;
	}
	if (store_run(st, ST_BACKUP_READ) == 0)
		rc = store_backup_copy(st, dst, step > 0 ? step : -1,
		    progress, arg, err, errlen);
	else
		snprintf(err, errlen, "backup: %s", db_errmsg(st->db));
	(void)store_run(st, ST_ROLLBACK);	/* the snapshot ends */
done:
	if (sqlite3_close(dst) != SQLITE_OK && rc == 0) {
		snprintf(err, errlen, "%s: cannot close", path);
		rc = -1;
	}
	if (rc == -1)
		unlink(path);
	return rc;
}
