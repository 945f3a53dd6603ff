/*
 * store.c: the store, whatever its engine (db.h): opens the database
 * (store_sqlite.c, store_pg.c make it ready and migrate it), prepares every
 * statement of the program from one table at open, so that a typo fails at
 * start-up, and holds the batch and the daemon's rows.
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

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "../core/core.h"
#include "store.h"
#include "store_int.h"


/* A console user's row, as struct user_row has it (store_users.c). */
#define STORE_USER_COLS	"id, name, role, communes, areas, pw_hash,"	\
	" CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END, locked_until,"	\
	" created_at, last_signin_at FROM users"

static const char *const store_sql[ST__MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT msg",
	[ST_RELEASE] = "RELEASE msg",
	[ST_ROLLBACK_TO] = "ROLLBACK TO msg",
	[ST_MSG_FIND] =
	    "SELECT r.ref, m.reply FROM messages m"
	    " LEFT JOIN reports r ON r.id = m.report_id"
	    " WHERE m.provider = ?1 AND m.provider_id = ?2",
	[ST_MSG_ADD] =
	    "INSERT INTO messages (provider, provider_id, sender, recipient,"
	    " body, category, report_id, reply, received_at, review_at,"
	    " commune) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_REPORT_ADD] =
	    "INSERT INTO reports (id, ref, category, area, reporter,"
	    " created_at, updated_at, escalate_at, reporter_hash, commune)"
	    " VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?5, ?6, ?8, ?9)",
	[ST_REPORT_COMMUNE_OF] =
	    "SELECT commune FROM reports WHERE reporter_hash = ?1"
	    " AND commune <> '*' AND (status IN ('open', 'acknowledged')"
	    " OR created_at >= ?2) ORDER BY created_at DESC, id DESC LIMIT 1",
	[ST_REPORT_SET_COMMUNE] =
	    "UPDATE reports SET commune = ?2 WHERE id = ?1",
	[ST_REPORT_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM reports",
	[ST_REF_TAKEN] = "SELECT 1 FROM legacy_refs WHERE ref = ?1",
	[ST_REF_OF] = "SELECT ref FROM reports WHERE id = ?1",
	[ST_REF_LEGACY] = "SELECT report_id FROM legacy_refs WHERE ref = ?1",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	/* A number kept in meta (PostgreSQL keeps those in a column of
	 * their own). */
	[ST_META_GET_INT] = "SELECT value FROM meta WHERE key = ?1",
	/* Of category ?3 only, unless it is NULL (SPEC §4: coalescing). */
	[ST_REPORT_OPEN_BY_REPORTER] =
	    "SELECT id, ref, category FROM reports WHERE reporter_hash = ?1"
	    " AND status IN ('open', 'acknowledged') AND created_at >= ?2"
	    " AND (?3 IS NULL OR category = ?3)"
	    " ORDER BY created_at DESC, id DESC LIMIT 1",
	/* The one closed or cancelled last, at ?2 or later (SPEC §4:
	 * a victim who writes again gets a report naming it). */
	[ST_REPORT_CLOSED_BY_REPORTER] =
	    "SELECT id, ref, category, area, commune FROM reports"
	    " WHERE reporter_hash = ?1 AND status IN ('closed', 'cancelled')"
	    " AND closed_at >= ?2 ORDER BY closed_at DESC, id DESC LIMIT 1",
	[ST_REPORT_LINK] = "UPDATE reports SET previous = ?2 WHERE id = ?1",
	/* A follow-up that names an area gives one to a report without. */
	[ST_REPORT_SET_AREA] =
	    "UPDATE reports SET area = ?2 WHERE id = ?1 AND area IS NULL",
	/* Who took or closed a report: the senders of its NHAN and XONG
	 * (sealed, so matched to contacts in C). */
	[ST_REPORT_HANDLERS] =
	    "SELECT sender FROM messages WHERE report_id = ?1"
	    " AND category IN ('ack', 'done') ORDER BY id",
	[ST_CONTACT_FULL_BY_PHONE] =
	    "SELECT id, name, phone, role, areas, channel, url, commune"
	    " FROM contacts WHERE phone = ?1",
	[ST_REPORT_TOUCH] = "UPDATE reports SET updated_at = ?2 WHERE id = ?1",
	/* An update that names no PIN keeps the contact's: an import of a
	 * list without the pin column must not open TK to its phone. */
	[ST_CONTACT_ADD] =
	    "INSERT INTO contacts (name, phone, role, areas, channel, url, pin,"
	    " created_at, commune) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " coalesce(?9, ''))"
	    " ON CONFLICT (phone) DO UPDATE SET name = ?1, role = ?3,"
	    " areas = ?4, channel = ?5, url = ?6, pin = coalesce(?7, pin),"
	    " commune = coalesce(?9, '')",
	[ST_CONTACT_REMOVE] = "DELETE FROM contacts WHERE phone = ?1",
	/* What still waits for a contact being removed is never sent: it
	 * carries reporters' numbers and words to whom may not have them. */
	[ST_CONTACT_UNSENT] =
	    "UPDATE outbox SET status = 'failed', body = '', dest = '',"
	    " last_error = 'contact removed before it was sent'"
	    " WHERE status = 'pending' AND contact_id ="
	    " (SELECT id FROM contacts WHERE phone = ?1)",
	[ST_CONTACT_BY_PHONE] =
	    "SELECT id, role, pin, pin_locked_until, commune FROM contacts"
	    " WHERE phone = ?1",
	[ST_CONTACTS_FOR] =
	    "SELECT id, name, phone, role, areas, channel, url, commune"
	    " FROM contacts WHERE role IN (?1, ?2, ?3, ?4) AND (areas = '*'"
	    " OR (?5 IS NOT NULL"
	    " AND instr(';' || areas || ';', ';' || ?5 || ';') > 0)"
	    " OR (?7 IS NOT NULL"
	    " AND instr(';' || areas || ';', ';' || ?7 || ';') > 0))"
	    " AND commune IN (?6, '*')"
	    " ORDER BY CASE role WHEN ?1 THEN 1 WHEN ?2 THEN 2 WHEN ?3 THEN 3"
	    " ELSE 4 END, id",
	/* Of commune ?1 (and the city's, who act for it): NULL every one. */
	[ST_CONTACTS_LIST] =
	    "SELECT name, phone, role, areas, commune, channel, url,"
	    " pin IS NOT NULL AS has_pin FROM contacts"
	    " WHERE ?1 IS NULL OR commune IN (?1, '*') ORDER BY role, name",
	[ST_CONTACTS_ALERTED] =
	    "SELECT c.id, c.name, c.phone, c.role, c.areas, c.channel, c.url"
	    " FROM contacts c WHERE c.id IN (SELECT contact_id FROM outbox"
	    " WHERE report_id = ?1 AND event IN ('report.created',"
	    " 'report.escalated')) ORDER BY c.id",
	[ST_OUTBOX_ADD] =
	    "INSERT INTO outbox (report_id, contact_id, channel, event, dest,"
	    " body, lane, next_at, created_at, dkey)"
	    /* Due at once, whatever the clock of the program that wrote it
	     * (tincayctl's wall clock, the daemon's scheduling seconds). */
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9) RETURNING id",
	[ST_OUTBOX_LIST] =
	    "SELECT o.id, r.ref, o.channel, o.event, o.status, o.attempts,"
	    " c.name AS contact, o.next_at, o.created_at, o.sent_at,"
	    " o.last_error, o.receipt, o.receipt_at FROM outbox o"
	    " LEFT JOIN reports r ON r.id = o.report_id"
	    " LEFT JOIN contacts c ON c.id = o.contact_id"
	    /* The rows about commune ?2's reports: NULL every row. */
	    " WHERE (?1 IS NULL OR o.status = ?1)"
	    " AND (?2 IS NULL OR r.commune = ?2) ORDER BY o.id",
	/* Due rows of lane ?3 to destination ?5, committed (id < ?4, the
	 * first row of our open batch), oldest first: a walk of the partial
	 * index of pending rows, (lane, dkey, next_at, id). */
	[ST_OUTBOX_DUE] =
	    "SELECT o.id, o.channel, o.dest, o.body, o.idem_key, o.attempts,"
	    " o.created_at, o.report_id, o.event, o.dkey, r.ref, c.role,"
	    " o.failing_since FROM outbox o"
	    /* What a failure's log line names: the REF, the contact's role. */
	    " LEFT JOIN reports r ON r.id = o.report_id"
	    " LEFT JOIN contacts c ON c.id = o.contact_id"
	    " WHERE o.status = 'pending' AND o.lane = ?3 AND o.dkey = ?5"
	    " AND o.next_at <= ?1 AND o.id < ?4"
	    /* One report's events reach a contact in order: a row waits
	     * while an earlier one to the same contact is still pending. */
	    " AND NOT EXISTS (SELECT 1 FROM outbox p"
	    "  WHERE p.report_id = o.report_id AND p.contact_id = o.contact_id"
	    "  AND p.status = 'pending' AND p.id < o.id)"
	    " ORDER BY o.next_at, o.id LIMIT ?2",
	/* The destinations with pending rows in lane ?1, one at a time. */
	[ST_OUTBOX_DEST_FIRST] =
	    "SELECT dkey FROM outbox WHERE status = 'pending' AND lane = ?1"
	    " ORDER BY dkey LIMIT 1",
	[ST_OUTBOX_DEST_NEXT] =
	    "SELECT dkey FROM outbox WHERE status = 'pending' AND lane = ?1"
	    " AND dkey > ?2 ORDER BY dkey LIMIT 1",
	/* Of status ?1 and commune ?2 (NULL: any). */
	[ST_REPORTS_LIST] =
	    "SELECT r.ref, r.category, r.area, r.commune, r.status,"
	    " r.created_at,"
	    " (SELECT count(*) FROM messages m WHERE m.report_id = r.id"
	    " AND m.category NOT IN ('ack', 'done')) AS messages, r.outcome,"
	    " r.victim_sex, r.victim_age, r.cancel_requested,"
	    " p.ref AS previous FROM reports r"
	    " LEFT JOIN reports p ON p.id = r.previous"
	    " WHERE (CAST(?1 AS TEXT) IS NULL OR r.status = ?1)"
	    " AND (CAST(?2 AS TEXT) IS NULL OR r.commune = ?2) ORDER BY r.id",
	[ST_REPORT_SHOW] =
	    "SELECT r.id, r.ref, r.category, r.area, r.commune, r.status,"
	    " r.created_at,"
	    " (SELECT count(*) FROM messages m WHERE m.report_id = r.id"
	    " AND m.category NOT IN ('ack', 'done')) AS messages, r.reporter,"
	    " r.updated_at, r.escalate_at, r.acked_by, r.closed_at,"
	    " r.cancel_requested, r.victim_sex, r.victim_age, r.outcome,"
	    " p.ref AS previous FROM reports r"
	    " LEFT JOIN reports p ON p.id = r.previous WHERE r.id = ?1"
	    " AND (CAST(?2 AS TEXT) IS NULL OR r.commune = ?2)",
	[ST_REPORT_GET] =
	    "SELECT r.id, r.ref, r.category, r.area, r.status, r.reporter,"
	    " r.escalation_level, m.body, m.received_at, r.closed_at,"
	    " r.cancel_requested, p.ref, r.commune FROM reports r"
	    " LEFT JOIN messages m ON m.id = (SELECT min(id) FROM messages"
	    " WHERE report_id = r.id)"
	    " LEFT JOIN reports p ON p.id = r.previous"
	    " WHERE r.id = ?1",
	[ST_REPORT_STATUS] =
	    "UPDATE reports SET status = ?2, acked_by = coalesce(?3, acked_by),"
	    " escalate_at = NULL, updated_at = ?4,"
	    " closed_at = CASE WHEN ?2 IN ('closed', 'cancelled') THEN ?4"
	    " ELSE closed_at END WHERE id = ?1",
	[ST_REPORTS_ESCALATE_DUE] =
	    "SELECT id FROM reports WHERE escalate_at IS NOT NULL"
	    " AND escalate_at <= ?1 AND status = 'open'"
	    " ORDER BY escalate_at LIMIT 16",
	[ST_REPORT_ESCALATED] =
	    "UPDATE reports SET escalation_level = escalation_level + 1,"
	    " escalate_at = ?2 WHERE id = ?1",
	[ST_REPORT_ESCALATE_LATER] =
	    "UPDATE reports SET escalate_at = ?2 WHERE id = ?1"
	    " AND status = 'open'",
	/*
	 * Only a report's first alerts to its contacts bring its escalation
	 * forward: an escalation alert that fails for good waits for the
	 * next level like the others, or one contact whose address is wrong
	 * would escalate the report again at every failure, at once.
	 */
	[ST_REPORT_ESCALATE_NOW] =
	    "UPDATE reports SET escalate_at = ?2 WHERE id ="
	    " (SELECT report_id FROM outbox WHERE id = ?1"
	    "  AND event = 'report.created' AND contact_id IS NOT NULL)"
	    " AND status = 'open'",
	/* Only a row still pending: a purge may have failed it while its
	 * transfer ran, and must not see it come back. */
	/* ?8 is 'pending', bound: a plan kept for every run (PostgreSQL's
	 * generic one) can then only find the row by its id, never by
	 * walking the pending rows' index (100 us a row in a backlog). */
	[ST_OUTBOX_RESULT] =
	    "UPDATE outbox SET status = ?2, attempts = attempts + 1,"
	    " next_at = ?3, sent_at = ?4, last_error = ?5,"
	    " provider_msg = coalesce(?6, provider_msg), tried_at = ?7,"
	    " failing_since = coalesce(failing_since,"
	    "  CASE WHEN ?2 = 'pending' THEN ?7 END)"
	    " WHERE id = ?1 AND status = ?8",
	[ST_OUTBOX_BY_MSG] =
	    "SELECT o.id, o.report_id, o.contact_id, o.receipt, r.ref, c.role"
	    " FROM outbox o LEFT JOIN reports r ON r.id = o.report_id"
	    " LEFT JOIN contacts c ON c.id = o.contact_id"
	    " WHERE o.provider_msg = ?1 ORDER BY o.id DESC LIMIT 1",
	[ST_OUTBOX_RECEIPT] =
	    "UPDATE outbox SET receipt = ?2, receipt_at = ?3,"
	    " last_error = coalesce(?4, last_error) WHERE id = ?1",
	/* A receipt ahead of its send's result, kept by the provider's id
	 * (store_receipt_keep); those kept before ?1 go. */
	[ST_RECEIPT_KEEP] =
	    "INSERT INTO receipts_early (msg, receipt, reason, at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (msg) DO UPDATE SET"
	    " receipt = excluded.receipt, reason = excluded.reason,"
	    " at = excluded.at",
	[ST_RECEIPT_EXPIRE] = "DELETE FROM receipts_early WHERE at < ?1",
	[ST_RECEIPT_TAKE] =
	    "DELETE FROM receipts_early WHERE msg = ?1"
	    " RETURNING receipt, reason, at",
	/* A signup from a city's level ("*": its commune untold) keeps the
	 * commune an earlier one gave. */
	[ST_SUB_ADD] =
	    "INSERT INTO subscriptions (phone, campaign, area, source,"
	    " subscribed_at, phone_hash, commune)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, ''))"
	    " ON CONFLICT (phone_hash, campaign) DO UPDATE SET"
	    " opted_out_at = NULL, area = coalesce(?3, area),"
	    " subscribed_at = CASE WHEN opted_out_at IS NULL"
	    " THEN subscribed_at ELSE ?5 END,"
	    " source = CASE WHEN opted_out_at IS NULL THEN source ELSE ?4 END,"
	    " commune = CASE WHEN coalesce(?7, '') IN ('', '*')"
	    " AND commune <> '' THEN commune ELSE coalesce(?7, '') END",
	/* The number (?3) sealed again under today's key: its retention
	 * starts (store_dkey.c). */
	[ST_SUB_OPTOUT] =
	    "UPDATE subscriptions SET opted_out_at = ?2, phone = ?3"
	    " WHERE phone_hash = ?1 AND opted_out_at IS NULL",
	[ST_SUB_LIVE] =
	    "SELECT 1 FROM subscriptions"
	    " WHERE phone_hash = ?1 AND opted_out_at IS NULL LIMIT 1",
	/* A row not yet sealed (written before sealing, or by hand): its
	 * number in clear, no hash; sealing at the next start gives one. */
	[ST_SUB_LIVE_CLEAR] =
	    "SELECT 1 FROM subscriptions WHERE phone_hash IS NULL"
	    " AND phone = ?1 AND opted_out_at IS NULL LIMIT 1",
	[ST_BROADCAST_QUEUED] =
	    "SELECT count(*) FROM outbox WHERE event = 'broadcast'"
	    " AND body = ?1",
	/* Of commune ?3 only, unless it is NULL (broadcast --commune). */
	[ST_SUB_COUNT] =
	    "SELECT count(*) FROM subscriptions"
	    " WHERE campaign = ?1 AND opted_out_at IS NULL AND id > ?2"
	    " AND (?3 IS NULL OR commune = ?3)",
	/* How far a broadcast of text ?2 to campaign ?1 got. */
	[ST_BROADCAST_RUN] =
	    "SELECT last_sub, done FROM broadcast_runs"
	    " WHERE campaign = ?1 AND body = ?2",
	[ST_BROADCAST_MARK] =
	    "INSERT INTO broadcast_runs (campaign, body, last_sub, done)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (campaign, body) DO UPDATE"
	    " SET last_sub = excluded.last_sub, done = excluded.done",
	[ST_SUB_PAGE] =
	    "SELECT id, phone FROM subscriptions"
	    " WHERE campaign = ?1 AND opted_out_at IS NULL AND id > ?2"
	    " AND (?4 IS NULL OR commune = ?4) ORDER BY id LIMIT ?3",
	[ST_MESSAGES_LIST] =
	    "SELECT m.provider, m.provider_id, m.category, r.ref, m.commune,"
	    " m.received_at, m.body AS text FROM messages m"
	    " LEFT JOIN reports r ON r.id = m.report_id"
	    " WHERE CAST(?1 AS TEXT) IS NULL OR m.commune = ?1 ORDER BY m.id",
	/*
	 * The same from the per-day counts: ?1, ?2 are day numbers; a key
	 * is a commune's "CODE.T3" (its unknown hamlet "CODE."), or "T3"
	 * without communes (store_counts.c splits it). ?3 one key, ?4 the
	 * keys that begin so ("CODE.": one commune's); unknown last.
	 */
	[ST_STATS_DAYS] =
	    "SELECT area, category, status, sum(n) FROM report_days"
	    " WHERE day >= ?1 AND day < ?2 AND (?3 IS NULL OR area = ?3)"
	    " AND (?4 IS NULL OR substr(area, 1, length(?4)) = ?4)"
	    " GROUP BY area, category, status HAVING sum(n) > 0"
	    " ORDER BY area = '' OR area LIKE '%.', area, category, status",
	[ST_META_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET value = ?2",
	[ST_DAYS_CLEAR] = "DELETE FROM report_days",
	[ST_DAYS_FILL] =
	    "INSERT INTO report_days (day, area, category, status, n)"
	    " SELECT (created_at + ?1) / 86400,"
	    STORE_DAYS_KEY("") ", category, status, count(*) FROM reports"
	    " GROUP BY 1, 2, 3, 4",
	[ST_REPORT_CLOSE] =
	    "UPDATE reports SET status = ?2, acked_by = coalesce(?3, acked_by),"
	    " escalate_at = NULL, updated_at = ?4, closed_at = ?4,"
	    " victim_sex = ?5, victim_age = ?6, outcome = ?7 WHERE id = ?1",
	/* A close corrected (SPEC §6a): its codes and whether it was a
	 * false alarm; when it closed stays. */
	[ST_REPORT_AMEND] =
	    "UPDATE reports SET status = ?2, updated_at = ?3, victim_sex = ?4,"
	    " victim_age = ?5, outcome = ?6 WHERE id = ?1"
	    " AND status IN ('closed', 'cancelled')",
	[ST_REPORT_CANCEL_REQUEST] =
	    "UPDATE reports SET cancel_requested = 1, updated_at = ?2"
	    " WHERE id = ?1",
	[ST_CONTACT_WAS_ALERTED] =
	    "SELECT 1 FROM outbox WHERE report_id = ?1 AND contact_id = ?2"
	    " AND event IN ('report.created', 'report.escalated') LIMIT 1",
	/* ?3 an area, ?4 a commune (NULL: any). */
	[ST_STATS_COUNT] =
	    "SELECT area, category, status, count(*), commune FROM reports"
	    " WHERE created_at >= ?1 AND created_at < ?2"
	    " AND (CAST(?3 AS TEXT) IS NULL OR area = ?3)"
	    " AND (CAST(?4 AS TEXT) IS NULL OR commune = ?4)"
	    " GROUP BY commune, area, category, status"
	    " ORDER BY area IS NULL, commune, area, category, status",
	/* Closed or cancelled before ?1, after id ?2, with something left
	 * to purge; ?3 at most. */
	[ST_PURGE_DUE] =
	    "SELECT r.id FROM reports r"
	    " WHERE r.status IN ('closed', 'cancelled') AND r.closed_at < ?1"
	    " AND r.id > ?2 AND (r.reporter IS NOT NULL"
	    " OR EXISTS (SELECT 1 FROM messages m WHERE m.report_id = r.id"
	    "  AND (m.body IS NOT NULL OR m.sender IS NOT NULL))"
	    " OR EXISTS (SELECT 1 FROM outbox o WHERE o.report_id = r.id"
	    "  AND o.status <> 'pending' AND (o.dest <> '' OR o.body <> '')))"
	    " ORDER BY r.id LIMIT ?3",
	/*
	 * The provider's id goes too: at the provider it leads back to the
	 * number (a Twilio SID, a USSD session's tag of it).
	 */
	[ST_PURGE_MESSAGES] =
	    "UPDATE messages SET body = NULL, sender = NULL,"
	    " provider_id = 'purged:' || id"
	    " WHERE report_id = ?1 AND (body IS NOT NULL OR sender IS NOT NULL)",
	/*
	 * A row still pending (a destination down, retried for up to 24 h)
	 * is emptied too, and failed: sent later it would carry what the
	 * purge erased.
	 */
#define STORE_PURGE_OUTBOX_SET \
	    "UPDATE outbox SET body = '', dest = '',"			\
	    " last_error = CASE status WHEN 'pending'"			\
	    "  THEN 'purged before it was sent' ELSE last_error END,"	\
	    " status = CASE status WHEN 'pending' THEN 'failed' ELSE status END"
	[ST_PURGE_OUTBOX] = STORE_PURGE_OUTBOX_SET
	    " WHERE report_id = ?1 AND (body <> '' OR dest <> '')",
	[ST_PURGE_REPORT] = "UPDATE reports SET reporter = NULL WHERE id = ?1",
	/* Texts that belong to no report: unknown, help, signups, TK. */
	[ST_PURGE_LOOSE_MESSAGES] =
	    "UPDATE messages SET body = NULL, sender = NULL,"
	    " provider_id = 'purged:' || id"
	    " WHERE report_id IS NULL AND received_at < ?1"
	    " AND (body IS NOT NULL OR sender IS NOT NULL)"
	    /* An unknown text waits in the review list until seen. */
	    " AND NOT (category = 'unknown' AND reviewed_at IS NULL)",
	[ST_PURGE_LOOSE_OUTBOX] = STORE_PURGE_OUTBOX_SET
	    " WHERE report_id IS NULL AND created_at < ?1"
	    /* A campaign still going out is no resident's words. */
	    " AND (status <> 'pending' OR event <> 'broadcast')"
	    " AND (body <> '' OR dest <> '')",
	/* Opted-out numbers (SPEC §8); the row and its counts stay. */
	/* The review list (SPEC §4, §7): unknown texts nobody has seen. */
	/* With a city's report nobody placed yet (SPEC §11: it goes to
	 * review): its text waits here until its commune is told. */
	[ST_INBOX_LIST] =
	    "SELECT id, body AS text, received_at, commune FROM messages"
	    " WHERE reviewed_at IS NULL AND (category = 'unknown'"
	    " OR (commune = '*' AND report_id IN (SELECT id FROM reports"
	    " WHERE commune = '*')))"
	    " AND (CAST(?1 AS TEXT) IS NULL OR commune = ?1) ORDER BY id",
	[ST_INBOX_GET] =
	    "SELECT sender, body, received_at, commune FROM messages"
	    " WHERE id = ?1 AND category = 'unknown' AND reviewed_at IS NULL",
	[ST_INBOX_REVIEW] =
	    "UPDATE messages SET reviewed_at = ?2, review_at = NULL,"
	    " report_id = coalesce(?3, report_id) WHERE id = ?1"
	    " AND category = 'unknown' AND reviewed_at IS NULL",
	/*
	 * At start: times a previous run stored in a clock that has since
	 * been set back (a box that booted with a wrong clock) would stall
	 * escalations and retries; nothing waits longer than it could.
	 */
	[ST_CLAMP_ESCALATE] =
	    "UPDATE reports SET escalate_at = ?1 + CASE WHEN"
	    " escalation_level < ?4 THEN ?2 ELSE ?5 END WHERE category = ?3"
	    " AND escalate_at > ?1 + CASE WHEN escalation_level < ?4"
	    " THEN ?2 ELSE ?5 END",
	/*
	 * A start re-bases what an earlier run stamped in its own clock:
	 * how long a row has failed (tried_at - failing_since) is kept, and
	 * it waits no longer than it had left at its last attempt (next_at
	 * - tried_at), whatever the wall clock did meanwhile; time the
	 * daemon was down is no failure. Rows from before these stamps (and
	 * any other still ahead) wait at most ?2.
	 */
	[ST_REBASE_TRIED] =
	    "UPDATE outbox SET failing_since = failing_since + (?1 - tried_at),"
	    " next_at = next_at + min(?1 - tried_at, 0), tried_at = ?1"
	    " WHERE status = 'pending' AND tried_at IS NOT NULL"
	    " AND tried_at <> ?1",
	[ST_CLAMP_RETRY] =
	    "UPDATE outbox SET next_at = ?1 + ?2 WHERE status = 'pending'"
	    " AND next_at > ?1 + ?2",
	[ST_CLAMP_CREATED] =
	    "UPDATE outbox SET created_at = ?1 WHERE status = 'pending'"
	    " AND created_at > ?1",
	[ST_PURGE_SUBS] =
	    "UPDATE subscriptions SET phone = 'purged:' || id, phone_hash = NULL"
	    " WHERE opted_out_at IS NOT NULL AND opted_out_at < ?1"
	    " AND phone NOT LIKE 'purged:%'",
	[ST_STATS_SIGNUPS] =
	    "SELECT area, count(*), commune FROM subscriptions"
	    " WHERE subscribed_at >= ?1 AND subscribed_at < ?2"
	    " AND (CAST(?3 AS TEXT) IS NULL OR area = ?3)"
	    " AND (CAST(?4 AS TEXT) IS NULL OR commune = ?4)"
	    " GROUP BY commune, area ORDER BY area IS NULL, commune, area",
	/* Every message filed under report ?1, oldest first (the index on
	 * report_id holds them in id order). */
	[ST_REPORT_TEXTS] =
	    "SELECT received_at, category, body FROM messages"
	    " WHERE report_id = ?1 ORDER BY id",
	/* A backup's snapshot: a read transaction (never a write lock, so
	 * the daemon writes on), begun by its first read. */
	[ST_BACKUP_BEGIN] = "BEGIN DEFERRED",
	[ST_BACKUP_READ] = "SELECT count(*) FROM meta",
	/* Wrong PINs (store_pin.c): contact ?1's failures, at ?2. */
	[ST_PIN_FAIL_PRUNE] =
	    "DELETE FROM pin_failures WHERE contact_id = ?1 AND at <= ?2",
	[ST_PIN_FAIL_ADD] =
	    "INSERT INTO pin_failures (contact_id, at) VALUES (?1, ?2)",
	[ST_PIN_FAIL_COUNT] =
	    "SELECT count(*) FROM pin_failures WHERE contact_id = ?1",
	[ST_PIN_LOCK] =
	    "UPDATE contacts SET pin_locked_until = ?2 WHERE id = ?1",
	[ST_PIN_FAIL_CLEAR] = "DELETE FROM pin_failures WHERE contact_id = ?1",
	/* The console's users (store_users.c); a name taken adds nothing. */
	[ST_USER_ADD] =
	    "INSERT INTO users (name, role, communes, areas, pw_hash,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (name) DO NOTHING",
	[ST_USER_GET] = "SELECT " STORE_USER_COLS " WHERE name = ?1",
	[ST_USERS_LIST] = "SELECT " STORE_USER_COLS " ORDER BY name",
	[ST_USER_REMOVE] = "DELETE FROM users WHERE name = ?1",
	/* A new password lifts the lock wrong ones set. */
	[ST_USER_PASSWD] =
	    "UPDATE users SET pw_hash = ?2, locked_until = 0 WHERE name = ?1",
	[ST_USER_TOTP_SET] = "UPDATE users SET totp_secret = ?2"
	    " WHERE name = ?1",
	[ST_USER_TOTP_GET] = "SELECT totp_secret FROM users WHERE name = ?1",
	[ST_USER_FAIL_PRUNE] =
	    "DELETE FROM user_failures WHERE user_id = ?1 AND at <= ?2",
	[ST_USER_FAIL_ADD] =
	    "INSERT INTO user_failures (user_id, at) VALUES (?1, ?2)",
	[ST_USER_FAIL_COUNT] =
	    "SELECT count(*) FROM user_failures WHERE user_id = ?1",
	[ST_USER_LOCK] = "UPDATE users SET locked_until = ?2 WHERE id = ?1",
	[ST_USER_FAIL_CLEAR] = "DELETE FROM user_failures WHERE user_id = ?1",
	[ST_USER_SIGNIN] = "UPDATE users SET last_signin_at = ?2 WHERE id = ?1",
	/* The audit (store_audit.c): rows are added, never changed. */
	[ST_AUDIT_ADD] =
	    "INSERT INTO audit (at, user_name, action, target, addr, detail)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_AUDIT_LIST] =
	    "SELECT id, at, user_name, action, target, addr, detail FROM audit"
	    " WHERE at >= ?1 AND at < ?2"
	    " AND (CAST(?3 AS TEXT) IS NULL OR user_name = ?3)"
	    " ORDER BY at DESC, id DESC LIMIT ?4",
	/*
	 * Reports created in [?1, ?2), each with what its case came to
	 * (§6a) and its seconds to the first NHAN or XONG and to XONG: one
	 * read of the period's reports for the counts and the medians. Then
	 * those of commune ?3 only, read the same way (there is no index by
	 * commune: migration 21).
	 */
	[ST_STATS_CASES] =
	    "SELECT commune, victim_sex, victim_age, outcome,"
	    " acked_at - created_at, closed_at - created_at FROM reports"
	    " WHERE created_at >= ?1 AND created_at < ?2",
	[ST_STATS_CASES_OF] =
	    "SELECT commune, victim_sex, victim_age, outcome,"
	    " acked_at - created_at, closed_at - created_at FROM reports"
	    " WHERE commune = ?3 AND created_at >= ?1 AND created_at < ?2",
	[ST_META_DEL] = "DELETE FROM meta WHERE key = ?1",
	/* The data keys (store_dkey.c), one per UTC day ?1. */
	[ST_DKEY_GET] = "SELECT wrapped FROM data_keys WHERE day = ?1",
	[ST_DKEY_ADD] =
	    "INSERT INTO data_keys (day, wrapped) VALUES (?1, ?2)"
	    " ON CONFLICT (day) DO NOTHING",
	[ST_DKEY_BEFORE] = "SELECT count(*) FROM data_keys WHERE day < ?1",
	[ST_DKEY_DESTROY] = "DELETE FROM data_keys WHERE day < ?1",
	[ST_META_BLOB_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO NOTHING",
	/* /metrics: pending rows by lane, from the partial index outbox_due
	 * alone (its rows are the pending ones, lane its first column). */
	[ST_METRICS_DEPTH] =
	    "SELECT lane, count(*) FROM outbox INDEXED BY outbox_due"
	    " WHERE status = 'pending' GROUP BY lane",
	/* The oldest pending alert (a row to a contact), of the pending rows
	 * only: as long a read as the queue. */
	[ST_METRICS_OLDEST] =
	    "SELECT min(created_at) FROM outbox INDEXED BY outbox_due"
	    " WHERE status = 'pending' AND contact_id IS NOT NULL",
	/* Open (unacknowledged) reports by category, from the per-day
	 * counts: a few rows per day, however many reports. */
	[ST_METRICS_OPEN] =
	    "SELECT category, sum(n) FROM report_days WHERE status = 'open'"
	    " GROUP BY category ORDER BY category",
	/* Open reports past the last escalation step, alerted again every
	 * repeat_s: those have an escalate_at, so the partial index holds
	 * them among the reports that escalate, never among all. */
	[ST_METRICS_REPEATING] =
	    "SELECT count(*) FROM reports INDEXED BY reports_escalate"
	    " WHERE escalate_at IS NOT NULL AND status = 'open'"
	    " AND escalation_level >= ?1",
	/* The review list's texts nobody was told of (store_review.c): the
	 * earliest due, then up to ?1 of them, oldest first. */
	[ST_REVIEW_FIRST] =
	    "SELECT min(review_at) FROM messages WHERE review_at IS NOT NULL",
	[ST_REVIEW_ITEMS] =
	    "SELECT id, sender, body, commune FROM messages"
	    " WHERE review_at IS NOT NULL ORDER BY id LIMIT ?1",
	[ST_REVIEW_TOLD] = "UPDATE messages SET review_at = ?2 WHERE id = ?1",
	/* A city's report placed in its commune: its texts that waited for
	 * review because nobody knew the commune wait no more. */
	[ST_REVIEW_PLACED] =
	    "UPDATE messages SET review_at = NULL WHERE report_id = ?1"
	    " AND review_at IS NOT NULL AND category <> 'unknown'",
	[ST_CLAMP_REVIEW] =
	    "UPDATE messages SET review_at = ?1 WHERE review_at > ?1",
	[ST_CONTACTS_ROLE_ANY] =
	    "SELECT 1 FROM contacts WHERE role = ?1 LIMIT 1",
	/* A contact of commune ?2 or of the city's, by its index. */
	[ST_CONTACTS_ROLE_IN] =
	    "SELECT 1 FROM contacts WHERE role = ?1 AND commune IN (?2, '*')"
	    " LIMIT 1",
	[ST_CONTACTS_ROLES] =
	    "SELECT role, count(*) FROM contacts GROUP BY role ORDER BY role",
	/* The console's (store_console.c): a user's reports only, newest
	 * first, a page of ?7 after ?8. */
	[ST_CONSOLE_CASES] =
	    "SELECT r.ref, r.category, r.area, r.commune, r.status,"
	    " r.created_at, r.updated_at, r.cancel_requested FROM reports r"
	    " WHERE" STORE_SCOPE_ASKED " AND" STORE_SCOPE("r.")
	    " AND (CAST(?3 AS TEXT) IS NULL OR r.status = ?3)"
	    " AND (CAST(?4 AS TEXT) IS NULL OR r.category = ?4)"
	    " AND (CAST(?5 AS TEXT) IS NULL OR r.area = ?5)"
	    " AND (CAST(?6 AS TEXT) IS NULL OR r.commune = ?6)"
	    " ORDER BY r.created_at DESC, r.id DESC LIMIT ?7 OFFSET ?8",
	[ST_CONSOLE_CASE] =
	    "SELECT r.id FROM reports r WHERE r.id = ?3 AND" STORE_SCOPE("r."),
	/* What was sent to contacts about report ?1, and how it went. */
	[ST_CONSOLE_ALERTS] =
	    "SELECT o.event, o.channel, o.status, o.attempts, o.created_at,"
	    " o.sent_at, o.receipt, c.name, c.role FROM outbox o"
	    " LEFT JOIN contacts c ON c.id = o.contact_id"
	    " WHERE o.report_id = ?1 AND o.contact_id IS NOT NULL ORDER BY o.id",
	/* The texts of the review list of a user's communes (?2 > 0: that
	 * one only), oldest first, ?3 at most. */
	[ST_CONSOLE_REVIEW] =
	    "SELECT m.id, m.sender, m.body, m.received_at, m.commune"
	    " FROM messages m WHERE m.reviewed_at IS NULL"
	    " AND m.category = 'unknown' AND" STORE_SCOPE_COMMUNE("m.")
	    " AND (CAST(?2 AS BIGINT) = 0 OR m.id = CAST(?2 AS BIGINT))"
	    " ORDER BY m.id LIMIT ?3",
};

const char *
store_sql_text(enum stmt i)
{
	return i < ST__MAX ? store_sql[i] : NULL;
}

/* Statement i as the engine of db writes it. */
const char *
store_sql_on(const struct db *db, enum stmt i)
{
	const char	*pg;

	if (db_engine(db) == DB_PG && (pg = store_sql_pg(i)) != NULL)
		return pg;
	return store_sql[i];
}

const char *
store_sql_of(const struct store *st, enum stmt i)
{
	return store_sql_on(st->db, i);
}

int
store_exec(struct store *st, const char *sql, char *err, size_t errlen)
{
	if (db_exec(st->db, sql) == -1) {
		snprintf(err, errlen, "database: %s", db_errmsg(st->db));
		return -1;
	}
	return 0;
}

int
store_version(struct store *st)
{
	return db_engine(st->db) == DB_PG ? store_pg_version(st) :
	    store_sqlite_version(st);
}

int
store_meta_get(struct store *st, const char *key, void *buf, size_t len)
{
	struct db_stmt	*s = st->stmt[ST_META_GET];
	int		 found;

	db_bind_text(s, 1, key, -1);
	if ((found = store_row(st, s, __func__)) == 1) {
		if (db_column_type(s, 0) == DB_BLOB &&
		    (size_t)db_column_bytes(s, 0) == len)
			memcpy(buf, db_column_blob(s, 0), len);
		else
			found = -1;
	}
	store_done(s);
	return found;
}

/* A number of the meta table into *v; -1 if there is none. */
static int
store_meta_int(struct store *st, const char *key, int64_t *v)
{
	struct db_stmt	*s = st->stmt[ST_META_GET_INT];
	int		 rc = -1;

	db_bind_text(s, 1, key, -1);
	if (db_step(s) == DB_ROW &&
	    db_column_type(s, 0) == DB_INT) {
		*v = db_column_int64(s, 0);
		rc = 0;
	}
	store_done(s);
	return rc;
}

int
store_meta_put_int(struct store *st, const char *key, int64_t v)
{
	struct db_stmt	*s = st->stmt[ST_META_SET];

	db_bind_text(s, 1, key, -1);
	db_bind_int64(s, 2, v);
	return store_run(st, ST_META_SET);
}

int
store_sched_publish(struct store *st, int64_t offset_ms)
{
	if (store_begin(st) == -1)
		return -1;
	return store_meta_put_int(st, "sched_offset_ms", offset_ms);
}

int
store_sched_follow(struct store *st)
{
	int64_t	 off;

	if (!st->daemon_runs ||
	    store_meta_int(st, "sched_offset_ms", &off) == -1)
		return 0;
	util_sched_adopt(off);
	return 1;
}

static int
store_meta_load(struct store *st, char *err, size_t errlen)
{
	unsigned char	 key[REF_KEY_LEN], salt[16];
	int64_t		 legacy;

	if (store_meta_get(st, "ref_key", key, sizeof(key)) != 1 ||
	    store_meta_get(st, "idem_salt", salt, sizeof(salt)) != 1 ||
	    store_meta_int(st, "ref_legacy", &legacy) == -1) {
		snprintf(err, errlen, "database: meta table incomplete");
		return -1;
	}
	st->ref_legacy = legacy != 0;
	st->refkey = ref_key_new(key);
	if ((st->idem = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(st->idem, EVP_aes_128_ecb(), NULL, salt,
	    NULL) != 1) {
		EVP_CIPHER_CTX_free(st->idem);
		st->idem = NULL;
	} else
		EVP_CIPHER_CTX_set_padding(st->idem, 0);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(salt, sizeof(salt));
	if (st->refkey == NULL || st->idem == NULL) {
		snprintf(err, errlen, "database: cannot set up the REF key");
		return -1;
	}
	return 0;
}

/* The day number of t: days start at the commune's midnights. */
int64_t
store_day(const struct store *st, int64_t t)
{
	int64_t	 x = t + st->day_off;

	return x >= 0 ? x / 86400 : -((-x + 86399) / 86400);
}

/*
 * 1 if t starts a day, as both bounds of a period must for the counts to
 * answer it: then they hold exactly the reports of [from, to), whatever
 * the zone did in between (a summer-time midnight is not a day start, and
 * such a period is counted from the reports).
 */
int
store_day_aligned(const struct store *st, int64_t t)
{
	return st->tz != NULL && (t + st->day_off) % 86400 == 0;
}

/* The offset that makes the zone's midnight of t's date a day start. */
static int64_t
store_day_offset(const char *tz, int64_t t)
{
	int64_t	 m;
	int	 y, mo, d;

	if (tz_date(tz, t, &y, &mo, &d) == -1 ||
	    (m = tz_midnight(tz, y, mo, d)) == -1)
		return 0;
	return ((86400 - m % 86400) % 86400 + 86400) % 86400;
}

/*
 * Count days from the zone's midnights; if the counts were made with
 * another offset (or never: a database from before migration 4), count
 * them again when recount is set (the daemon, which owns the database),
 * or else (tincayctl) leave them and read the reports themselves.
 */
int
store_set_timezone(struct store *st, const char *tz, int recount)
{
	int64_t		 off = store_day_offset(tz, util_now()), was, counted;
	char		 utc[TZ_OFFSET_MAX];

	if (st->tz != NULL && strcmp(st->tz, tz) == 0 && st->day_off == off)
		return 0;
	free(st->tz);
	st->tz = NULL;
	if (store_meta_int(st, "day_offset", &was) == -1 ||
	    store_meta_int(st, "days_counted", &counted) == -1)
		was = -1;
	if (was != off && !recount)
		return 0;
	if (was != off) {
		(void)tz_utc_offset(tz, util_now(), utc);
		log_info("database: counting reports by day (%s, %s)", tz,
		    utc);
		if (store_begin(st) == -1)
			return -1;
		if (store_meta_put_int(st, "day_offset", off) == -1 ||
		    store_meta_put_int(st, "days_counted", 1) == -1 ||
		    store_run(st, ST_DAYS_CLEAR) == -1)
			goto fail;
		db_bind_int64(st->stmt[ST_DAYS_FILL], 1, off);
		if (store_run(st, ST_DAYS_FILL) == -1 ||
		    store_commit(st) == -1)
			goto fail;
	}
	st->tz = xstrdup(tz);
	st->day_off = off;
	return 0;
fail:
	/* Stats read the reports themselves until it works. */
	store_rollback(st);
	return -1;
}

uint64_t
store_leader(struct store *st)
{
	return db_engine(st->db) == DB_PG ? store_pg_leader(st) : 1;
}

uint64_t
store_leader_epoch(const struct store *st)
{
	return db_engine(st->db) == DB_PG ? st->leader_gen : 1;
}

int
store_wake_fd(struct store *st)
{
	return store_leader_epoch(st) != 0 ? db_wake_fd(st->db) : -1;
}

int
store_wake_take(struct store *st)
{
	int	 n = db_wake_take(st->db);

	return n < 0 ? -1 : n > 0;
}

int
store_is_file(const char *database)
{
	return !db_is_pg(database);
}

char *
store_name_safe(const char *database)
{
	return db_name_safe(database);
}

static struct store *
store_open_with(const char *path, const char *key_file, int exclusive,
    char *err, size_t errlen)
{
	struct store	*st;
	int		 i;

	st = xcalloc(1, sizeof(*st));
	st->lockfd = -1;
	/* A process that stopped before it emptied the WAL after a purge
	 * may have left it so: the first purge empties it in any case. */
	st->wal_unscrubbed = 1;
	/* Likewise a process that stopped before it rewrote data_keys
	 * after destroying keys (PostgreSQL): the first purge does. */
	st->dkeys_unscrubbed = 1;
	if ((db_is_pg(path) ? store_pg_open(st, path, exclusive, err, errlen) :
	    store_sqlite_open(st, path, exclusive, err, errlen)) == -1)
		goto fail;
	for (i = 0; i < ST__MAX; i++) {
		if (db_prepare(st->db, store_sql_of(st, i), &st->stmt[i]) !=
		    0) {
			snprintf(err, errlen, "database: statement %d: %s", i,
			    db_errmsg(st->db));
			goto fail;
		}
	}
	if (store_meta_load(st, err, errlen) == -1 ||
	    store_seal_open(st, path, key_file, err, errlen) == -1)
		goto fail;
	/* SQLite has its WAL open by now. */
	store_wal_note(st);
	return st;
fail:
	store_close(st);
	return NULL;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_open_with(path, NULL, 0, err, errlen);
}

struct store *
store_open_daemon(const char *path, char *err, size_t errlen)
{
	return store_open_with(path, NULL, 1, err, errlen);
}

struct store *
store_open_keyed(const char *path, const char *key_file, int daemon,
    char *err, size_t errlen)
{
	return store_open_with(path, key_file, daemon, err, errlen);
}

void
store_close(struct store *st)
{
	int	 i;

	if (st == NULL)
		return;
	for (i = 0; i < ST__MAX; i++)
		db_finalize(st->stmt[i]);
	db_finalize(st->pg_leader);
	db_finalize(st->pg_number);
	store_dkey_close(st);
	db_close(st->db);
	ref_key_free(st->refkey);
	EVP_CIPHER_CTX_free(st->idem);
	store_seal_close(st);
	free(st->tz);
	if (st->lockfd != -1)
		close(st->lockfd);
	free(st);
}

struct db_stmt *
store_stmt(struct store *st, enum stmt which)
{
	return st->stmt[which];
}

void
store_done(struct db_stmt *s)
{
	db_reset(s);
}

const char *
store_errmsg(struct store *st)
{
	return db_errmsg(st->db);
}

int
store_run(struct store *st, enum stmt which)
{
	struct db_stmt	*s = st->stmt[which];
	int		 rc;

	rc = db_step(s);
	store_done(s);
	if (rc != DB_DONE && rc != DB_ROW) {
		log_warnx("%s: statement %d: %s", __func__, which,
		    db_errmsg(st->db));
		return -1;
	}
	return 0;
}

/*
 * Step s for its one row: 1 there is one (read it, then store_done), 0 there
 * is none, -1 an error, logged for who.
 */
int
store_row(struct store *st, struct db_stmt *s, const char *who)
{
	int	 rc = db_step(s);

	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	log_warnx("%s: %s", who, db_errmsg(st->db));
	return -1;
}

int
store_rows(struct store *st, struct db_stmt *s, const char *who,
    store_row_fn row, void *arg)
{
	int	 n = 0, rc;

	while ((rc = db_step(s)) == DB_ROW) {
		n++;
		if (row(s, arg) == -1) {
			n = -1;
			break;
		}
	}
	if (rc != DB_ROW && rc != DB_DONE) {
		log_warnx("%s: %s", who, db_errmsg(st->db));
		n = -1;
	}
	store_done(s);
	return n;
}

/* Run a bound statement that writes: how many rows it changed, or -1. */
int64_t
store_changes(struct store *st, enum stmt which)
{
	int64_t	 n;

	if (store_run(st, which) == -1)
		return -1;
	/* PostgreSQL's answer is waited for here (db_changes()). */
	if ((n = db_changes(st->db)) < 0)
		log_warnx("%s: statement %d: %s", __func__, which,
		    db_errmsg(st->db));
	return n;
}

/*
 * The batch. Every write joins the one open transaction; opening it tells
 * the on_begin hook (the daemon's loop schedules the COMMIT after the
 * pass), and the end of it, committed or not, is told to each listener.
 */
void
store_on_begin(struct store *st, store_begin_fn fn, void *arg)
{
	st->on_begin = fn;
	st->on_begin_arg = arg;
}

void
store_on_commit(struct store *st, store_commit_fn fn, void *arg)
{
	if (st->nlisteners == STORE_LISTENERS)
		fatalx("%s: too many listeners", __func__);
	st->listeners[st->nlisteners].fn = fn;
	st->listeners[st->nlisteners].arg = arg;
	st->nlisteners++;
}

void
store_off_commit(struct store *st, store_commit_fn fn, void *arg)
{
	size_t	 i;

	for (i = 0; i < st->nlisteners; i++)
		if (st->listeners[i].fn == fn && st->listeners[i].arg == arg) {
			st->listeners[i] = st->listeners[--st->nlisteners];
			return;
		}
}

static void
store_batch_end(struct store *st, int ok)
{
	struct store_batch	 b = st->batch;
	size_t			 i;

	st->in_tx = 0;
	st->outbox_first = 0;
	st->pg_locked[0] = '\0';
	memset(&st->batch, 0, sizeof(st->batch));
	if (ok)
		st->stats.commits++;
	else
		st->stats.commit_failures++;
	for (i = 0; i < st->nlisteners; i++)
		st->listeners[i].fn(st->listeners[i].arg, ok, &b);
}

/* A commit failed (rc, a db.h kind; why, the engine's words): health says
 * so until one that would succeed (store_health.c). */
static void
store_failed(struct store *st, enum db_err rc)
{
	st->commit_failed = 1;
	snprintf(st->commit_why, sizeof(st->commit_why), "%s",
	    db_errmsg(st->db));
	st->commit_full = rc == DB_EFULL;
}

int
store_begin(struct store *st)
{
	/*
	 * SQLite may have rolled the batch back by itself (an I/O error, a
	 * full disk): its writes are gone, so end it as failed (its replies
	 * get 503) before opening the next.
	 */
	if (st->in_tx && !db_in_tx(st->db)) {
		log_warnx("%s: the open batch was rolled back by the database",
		    __func__);
		store_failed(st, db_errcode(st->db));
		store_batch_end(st, 0);
	}
	if (st->in_tx)
		return 0;
	/* Today's data key committed before anything is sealed under it
	 * (a database that cannot be written to has none, and says so when
	 * a value is sealed). */
	if (!db_in_tx(st->db))
		(void)store_dkey_ready(st);
	if (store_run(st, ST_BEGIN) == -1)
		return -1;
	st->in_tx = 1;
	if (st->on_begin != NULL)
		st->on_begin(st->on_begin_arg);
	return 0;
}

int
store_commit(struct store *st)
{
	char	 why[128];

	if (!st->in_tx)
		return 0;
	/* Nothing is acknowledged that would live only in a deleted file. */
	if (store_file_same(st, why, sizeof(why)) == -1) {
		log_warnx("%s: %s; nothing is committed", __func__, why);
		store_rollback(st);
		store_failed(st, DB_EOTHER);
		/* A WAL deleted under us: a new one now, if we can. */
		(void)store_wal_mend(st);
		return -1;
	}
	/* The leader hears of new rows with the commit (LISTEN there). */
	if (st->batch.outbox_added > 0 && db_engine(st->db) == DB_PG &&
	    st->leader_gen == 0)
		(void)db_exec(st->db, "NOTIFY tincay_outbox");
	if (store_run(st, ST_COMMIT) == -1) {
		store_failed(st, db_errcode(st->db));
		store_rollback(st);
		return -1;
	}
	st->commit_failed = 0;
	store_batch_end(st, 1);
	return 0;
}

void
store_rollback(struct store *st)
{
	int	 was = st->in_tx;

	if (db_in_tx(st->db))
		(void)store_run(st, ST_ROLLBACK);
	if (was)
		store_batch_end(st, 0);
}

/*
 * Each message has its own savepoint inside the batch, so that one that
 * fails rolls back alone: store_savepoint() after store_begin(), then
 * store_release() to keep what it wrote, or store_rollback_to() to undo it
 * (which ends the savepoint too).
 */
int
store_savepoint(struct store *st)
{
	st->pg_locked[0] = '\0';
	return store_run(st, ST_SAVEPOINT);
}

int
store_release(struct store *st)
{
	if (store_run(st, ST_RELEASE) == 0)
		return 0;
	/* One of its writes failed, heard only now (PostgreSQL answers a
	 * write with the next statement that waits): undo it alone. */
	store_rollback_to(st);
	return -1;
}

void
store_rollback_to(struct store *st)
{
	/* A lock taken in the savepoint goes with it. */
	st->pg_locked[0] = '\0';
	(void)store_run(st, ST_ROLLBACK_TO);
	(void)store_run(st, ST_RELEASE);
}

int
store_clamp_times(struct store *st, int64_t now,
    const struct store_clamp *esc, size_t nesc, int64_t retry_s,
    int64_t review_s)
{
	struct db_stmt	*s;
	int64_t		 n, total = 0;
	size_t		 i;

	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < nesc; i++) {
		s = st->stmt[ST_CLAMP_ESCALATE];
		db_bind_int64(s, 1, now);
		db_bind_int64(s, 2, esc[i].after_s);
		store_bind_text(s, 3, esc[i].category);
		db_bind_int64(s, 4, ESCALATE_LEVELS);
		db_bind_int64(s, 5, esc[i].repeat_s);
		if ((n = store_changes(st, ST_CLAMP_ESCALATE)) == -1)
			goto fail;
		total += n;
	}
	db_bind_int64(st->stmt[ST_REBASE_TRIED], 1, now);
	if ((n = store_changes(st, ST_REBASE_TRIED)) == -1)
		goto fail;
	total += n;
	s = st->stmt[ST_CLAMP_RETRY];
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, retry_s);
	if ((n = store_changes(st, ST_CLAMP_RETRY)) == -1)
		goto fail;
	total += n;
	db_bind_int64(st->stmt[ST_CLAMP_CREATED], 1, now);
	if ((n = store_changes(st, ST_CLAMP_CREATED)) == -1)
		goto fail;
	total += n;
	db_bind_int64(st->stmt[ST_CLAMP_REVIEW], 1, now + review_s);
	if ((n = store_changes(st, ST_CLAMP_REVIEW)) == -1)
		goto fail;
	total += n;
	return store_commit(st) == -1 ? -1 : (int)total;
fail:
	store_rollback(st);
	return -1;
}

void
store_stats(const struct store *st, struct store_stats *out)
{
	*out = st->stats;
}

int
store_in_tx(const struct store *st)
{
	return st->in_tx;
}

void
store_bind_text(struct db_stmt *s, int i, const char *v)
{
	if (v == NULL)
		db_bind_null(s, i);
	else
		db_bind_text_copy(s, i, v, -1);
}

void
store_bind_id(struct db_stmt *s, int i, int64_t id)
{
	if (id == 0)
		db_bind_null(s, i);
	else
		db_bind_int64(s, i, id);
}

const char *
store_col_text(struct db_stmt *s, int i)
{
	return db_column_text(s, i);
}

void
store_col_copy(struct db_stmt *s, int i, char *out, size_t outlen)
{
	const char	*v = store_col_text(s, i);

	util_strlcpy(out, v != NULL ? v : "", outlen);
}

/*
 * A message already stored under (provider, ext_id): its report's REF and
 * the reply it got, into out ("" for none). 1 found, 0 not, -1 error.
 */
int
store_message_find(struct store *st, const char *provider,
    const char *ext_id, struct outcome *out)
{
	struct db_stmt	*s = st->stmt[ST_MSG_FIND];
	int		 found;

	store_bind_text(s, 1, provider);
	store_bind_text(s, 2, ext_id);
	if ((found = store_row(st, s, __func__)) == 1) {
		store_col_copy(s, 0, out->ref, sizeof(out->ref));
		store_col_copy(s, 1, out->reply, sizeof(out->reply));
	}
	store_done(s);
	return found;
}

int
store_message_add(struct store *st, const struct message_row *m)
{
	struct db_stmt	*s = st->stmt[ST_MSG_ADD];

	store_bind_text(s, 1, m->provider);
	store_bind_text(s, 2, m->ext_id);
	store_bind_text(s, 4, m->recipient);
	if (store_bind_sealed_str(st, s, 3, m->sender) == -1 ||
	    store_bind_sealed(st, s, 5, m->body, m->bodylen) == -1) {
		store_done(s);
		return -1;
	}
	store_bind_text(s, 6, m->category);
	store_bind_id(s, 7, m->report_id);
	store_bind_text(s, 8, m->reply);
	db_bind_int64(s, 9, m->received_at);
	store_bind_id(s, 10, m->review_at);
	store_bind_text(s, 11, m->commune != NULL ? m->commune : "");
	return store_run(st, ST_MSG_ADD);
}

/* The id the next report takes, or -1. */
static int64_t
store_report_next_id(struct store *st)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_NEXT_ID];
	int64_t		 id = -1;

	if (db_engine(st->db) == DB_PG)
		return store_pg_next_id(st);
	if (db_step(s) == DB_ROW)
		id = db_column_int64(s, 0);
	store_done(s);
	return id;
}

/*
 * The next report's id and REF: the REF is the keyed permutation of the
 * id, so it is unique by construction. Only a database that still holds
 * random REFs from before (ref_legacy) checks that one is not taken.
 */
static int64_t
store_report_next(struct store *st, char ref_out[REF_MAX])
{
	int64_t		 id = store_report_next_id(st);
	struct db_stmt	*s;
	int		 taken;

	/* SQLite's one writer: the next free id; a server's sequence: the
	 * next it gives, never one another daemon may take too. */
	for (; id > 0; id = db_engine(st->db) == DB_PG ?
	    store_report_next_id(st) : id + 1) {
		if (ref_encode(st->refkey, id - 1, ref_out) == -1)
			return -1;
		if (!st->ref_legacy)
			return id;
		s = st->stmt[ST_REF_TAKEN];
		db_bind_text(s, 1, ref_out, -1);
		taken = db_step(s) == DB_ROW;
		store_done(s);
		if (!taken)
			return id;
	}
	return -1;
}

int64_t
store_report_add(struct store *st, const char *category, const char *area,
    const char *commune, const char *reporter, int64_t now,
    int64_t escalate_at, char ref_out[REF_MAX])
{
	struct db_stmt	*s = st->stmt[ST_REPORT_ADD];
	int64_t		 id;

	if ((id = store_report_next(st, ref_out)) == -1) {
		log_warnx("%s: no REF: %s", __func__, db_errmsg(st->db));
		return -1;
	}
	db_bind_text_copy(s, 1, ref_out, -1);
	db_bind_text(s, 2, category, -1);
	store_bind_text(s, 3, area);
	if (store_bind_sealed_str(st, s, 4, reporter) == -1) {
		store_done(s);
		return -1;
	}
	store_bind_hash(st, s, 8, reporter);
	db_bind_int64(s, 5, now);
	store_bind_id(s, 6, escalate_at);
	db_bind_int64(s, 7, id);
	store_bind_text(s, 9, commune != NULL ? commune : "");
	if (store_run(st, ST_REPORT_ADD) == -1)
		return -1;
	return id;
}

int
store_report_commune_of(struct store *st, const char *reporter,
    int64_t since, char out[COMMUNE_MAX])
{
	struct db_stmt	*s = st->stmt[ST_REPORT_COMMUNE_OF];
	int		 found;

	out[0] = '\0';
	store_bind_hash(st, s, 1, reporter);
	db_bind_int64(s, 2, since);
	if ((found = store_row(st, s, __func__)) == 1)
		util_strlcpy(out, store_col_text(s, 0), COMMUNE_MAX);
	store_done(s);
	return found;
}

int
store_report_set_commune(struct store *st, int64_t id, const char *commune)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_SET_COMMUNE];

	if (store_begin(st) == -1)
		return -1;
	db_bind_int64(s, 1, id);
	store_bind_text(s, 2, commune);
	return store_run(st, ST_REPORT_SET_COMMUNE);
}

int64_t
store_report_recent(struct store *st, const char *reporter, int64_t since,
    char ref_out[REF_MAX])
{
	return store_report_recent_of(st, reporter, since, NULL, ref_out);
}

int64_t
store_report_recent_of(struct store *st, const char *reporter,
    int64_t since, const char *category, char ref_out[REF_MAX])
{
	struct db_stmt	*s = st->stmt[ST_REPORT_OPEN_BY_REPORTER];
	int64_t		 id;

	/* Several daemons: one at a time decides for a number. */
	if (db_engine(st->db) == DB_PG &&
	    store_pg_number_lock(st, reporter) == -1)
		return -1;
	store_bind_hash(st, s, 1, reporter);
	db_bind_int64(s, 2, since);
	store_bind_text(s, 3, category);
	if ((id = store_row(st, s, __func__)) == 1) {
		id = db_column_int64(s, 0);
		util_strlcpy(ref_out, store_col_text(s, 1), REF_MAX);
	}
	store_done(s);
	return id;
}

int
store_report_closed_recent(struct store *st, const char *reporter,
    int64_t since, struct report_prev *p)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_CLOSED_BY_REPORTER];
	int		 found;

	memset(p, 0, sizeof(*p));
	if (db_engine(st->db) == DB_PG &&
	    store_pg_number_lock(st, reporter) == -1)
		return -1;
	store_bind_hash(st, s, 1, reporter);
	db_bind_int64(s, 2, since);
	if ((found = store_row(st, s, __func__)) == 1) {
		p->id = db_column_int64(s, 0);
		util_strlcpy(p->ref, store_col_text(s, 1), sizeof(p->ref));
		util_strlcpy(p->category, store_col_text(s, 2),
		    sizeof(p->category));
		store_col_copy(s, 3, p->area, sizeof(p->area));
		store_col_copy(s, 4, p->commune, sizeof(p->commune));
	}
	store_done(s);
	return found;
}

int
store_report_link(struct store *st, int64_t id, int64_t previous)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_LINK];

	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, previous);
	return store_run(st, ST_REPORT_LINK);
}

int
store_report_set_area(struct store *st, int64_t id, const char *area)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_SET_AREA];

	db_bind_int64(s, 1, id);
	store_bind_text(s, 2, area);
	return (int)store_changes(st, ST_REPORT_SET_AREA);
}

int
store_report_status(struct store *st, int64_t id, const char *status,
    const char *by, int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_STATUS];

	db_bind_int64(s, 1, id);
	store_bind_text(s, 2, status);
	store_bind_text(s, 3, by);
	db_bind_int64(s, 4, now);
	if (store_run(st, ST_REPORT_STATUS) == -1)
		return -1;
	/* Its retention starts: its values go under today's key. */
	if (status != NULL && (strcmp(status, "closed") == 0 ||
	    strcmp(status, "cancelled") == 0))
		return store_dkey_reseal_report(st, id);
	return 0;
}

/* A close's codes (§6a) from parameter at on: sex, age (NULL when
 * unknown), outcome; a close and an amend write them alike. */
static void
store_bind_codes(struct db_stmt *s, int at, const struct report_close *c)
{
	store_bind_text(s, at, c->sex);
	if (c->age >= 0)
		db_bind_int64(s, at + 1, c->age);
	store_bind_text(s, at + 2, c->outcome);
}

int
store_report_close(struct store *st, int64_t id,
    const struct report_close *c, int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_CLOSE];

	db_bind_int64(s, 1, id);
	store_bind_text(s, 2, c->status);
	store_bind_text(s, 3, c->by);
	db_bind_int64(s, 4, now);
	store_bind_codes(s, 5, c);
	if (store_run(st, ST_REPORT_CLOSE) == -1)
		return -1;
	/* Its retention starts: its values go under today's key. */
	return store_dkey_reseal_report(st, id);
}

int
store_report_amend(struct store *st, int64_t id,
    const struct report_close *c, int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_AMEND];

	db_bind_int64(s, 1, id);
	store_bind_text(s, 2, c->status);
	db_bind_int64(s, 3, now);
	store_bind_codes(s, 4, c);
	return store_run(st, ST_REPORT_AMEND);
}

int
store_report_cancel_request(struct store *st, int64_t id, int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_CANCEL_REQUEST];

	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now);
	return store_run(st, ST_REPORT_CANCEL_REQUEST);
}

int
store_contact_was_alerted(struct store *st, int64_t report_id,
    int64_t contact_id)
{
	struct db_stmt	*s = st->stmt[ST_CONTACT_WAS_ALERTED];
	int		 rc;

	db_bind_int64(s, 1, report_id);
	db_bind_int64(s, 2, contact_id);
	rc = store_row(st, s, __func__);
	store_done(s);
	return rc;
}

int
store_report_touch(struct store *st, int64_t id, int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_TOUCH];

	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now);
	return store_run(st, ST_REPORT_TOUCH);
}

/* A contact's row to the caller's fn. */
struct store_contact_walk {
	store_contact_fn	 fn;
	void			*arg;
};

static int
store_contact_row(struct db_stmt *s, void *arg)
{
	struct store_contact_walk	*w = arg;
	struct contact			 c;

	c.id = db_column_int64(s, 0);
	c.name = store_col_text(s, 1);
	c.phone = store_col_text(s, 2);
	c.role = store_col_text(s, 3);
	c.areas = store_col_text(s, 4);
	c.channel = store_col_text(s, 5);
	c.url = store_col_text(s, 6);
	c.commune = db_column_count(s) > 7 ? store_col_text(s, 7) : NULL;
	return w->fn(&c, w->arg) == -1 ? -1 : 0;
}

static int
store_contacts_each(struct store *st, struct db_stmt *s, store_contact_fn fn,
    void *arg)
{
	struct store_contact_walk	 w = { fn, arg };

	return store_rows(st, s, __func__, store_contact_row, &w);
}

int
store_contacts_for(struct store *st, const char *role, const char *area,
    const char *commune, store_contact_fn fn, void *arg)
{
	struct strlist	 one;

	one.v = (char **)(uintptr_t)&role;
	one.n = 1;
	return store_contacts_for_roles(st, &one, area, commune, fn, arg);
}

int
store_contacts_for_roles(struct store *st, const struct strlist *roles,
    const char *area, const char *commune, store_contact_fn fn, void *arg)
{
	struct db_stmt	*s = st->stmt[ST_CONTACTS_FOR];
	char		 named[COMMUNE_MAX + 32];
	size_t		 i, k;
	int		 rc = 0;

	/* A city-level contact covers a commune's hamlet as CODE.T3. */
	named[0] = '\0';
	if (area != NULL && commune != NULL && commune[0] != '\0' &&
	    strcmp(commune, "*") != 0)
		snprintf(named, sizeof(named), "%s.%s", commune, area);
	/* A statement for up to four roles: a round trip for a routing. */
	for (i = 0; i < roles->n && rc != -1; i += k) {
		for (k = 0; k < 4; k++)
			store_bind_text(s, (int)k + 1, i + k < roles->n ?
			    roles->v[i + k] : NULL);
		store_bind_text(s, 5, area);
		store_bind_text(s, 6, commune != NULL ? commune : "");
		store_bind_text(s, 7, named[0] != '\0' ? named : NULL);
		rc = store_contacts_each(st, s, fn, arg);
	}
	return rc;
}

int
store_contacts_alerted(struct store *st, int64_t report_id,
    store_contact_fn fn, void *arg)
{
	struct db_stmt	*s = st->stmt[ST_CONTACTS_ALERTED];

	db_bind_int64(s, 1, report_id);
	return store_contacts_each(st, s, fn, arg);
}

/* The numbers that sent a report's NHAN and XONG, each once. */
struct store_handlers {
	struct store	*st;
	char		 phone[STORE_HANDLERS_MAX][PHONE_MAX];
	size_t		 n;
};

static int
store_handler_row(struct db_stmt *s, void *arg)
{
	struct store_handlers	*h = arg;
	const char		*phone;
	size_t			 i;

	if (store_col_unsealed(h->st, s, 0, &phone) == -1)
		return -1;
	if (phone == NULL || h->n == STORE_HANDLERS_MAX)
		return 0;	/* purged; or more than ever hand a case on */
	for (i = 0; i < h->n; i++)
		if (strcmp(h->phone[i], phone) == 0)
			return 0;
	util_strlcpy(h->phone[h->n++], phone, PHONE_MAX);
	return 0;
}

int
store_contacts_handled(struct store *st, int64_t report_id,
    store_contact_fn fn, void *arg)
{
	struct store_handlers	 h;
	struct db_stmt		*s = st->stmt[ST_REPORT_HANDLERS];
	size_t			 i;
	int			 n, total = 0;

	memset(&h, 0, sizeof(h));
	h.st = st;
	db_bind_int64(s, 1, report_id);
	if (store_rows(st, s, __func__, store_handler_row, &h) == -1)
		return -1;
	/* The senders first, then their rows: one statement at a time. */
	for (i = 0; i < h.n; i++) {
		s = st->stmt[ST_CONTACT_FULL_BY_PHONE];
		db_bind_text(s, 1, h.phone[i], -1);
		if ((n = store_contacts_each(st, s, fn, arg)) == -1)
			return -1;
		total += n;
	}
	return total;
}

/* The lane a row waits in: webhooks, SMS, then broadcasts. */
static int
store_outbox_lane(const struct outbox_row *o)
{
	if (strcmp(o->event, "broadcast") == 0)
		return OUTBOX_LANE_BROADCAST;
	return strcmp(o->channel, "sms") == 0 ? OUTBOX_LANE_SMS :
	    OUTBOX_LANE_WEBHOOK;
}

/*
 * Bodies tincay composed itself, holding nothing a resident wrote: a
 * reply (a template and the REF, kept in clear in messages.reply too), a
 * campaign broadcast, an operator's test SMS. Every other body (alerts:
 * the reporter's words and number) is sealed.
 */
static int
store_outbox_composed(const char *event)
{
	static const char *const composed[] = { "reply", "broadcast", "test" };
	size_t	 i;

	for (i = 0; i < sizeof(composed) / sizeof(composed[0]); i++)
		if (event != NULL && strcmp(event, composed[i]) == 0)
			return 1;
	return 0;
}

int64_t
store_outbox_add(struct store *st, const struct outbox_row *o, int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_OUTBOX_ADD];
	char		 dkey[OUTBOX_DKEY_MAX];
	int64_t		 id;

	store_bind_id(s, 1, o->report_id);
	store_bind_id(s, 2, o->contact_id);
	store_bind_text(s, 3, o->channel);
	store_bind_text(s, 4, o->event);
	/*
	 * Every body a resident's words can be in is sealed (an alert carries
	 * the reporter's number and words). A destination is sealed unless
	 * it is a contact's: the
	 * contacts table holds those in clear (responders, not residents,
	 * SPEC §8), and sealing them cost a seal and 29 bytes per alert.
	 * dkey keeps a webhook's origin.
	 */
	if (o->contact_id != 0)
		store_bind_text(s, 5, o->dest);
	else if (store_bind_sealed_str(st, s, 5, o->dest) == -1) {
		store_done(s);
		return -1;
	}
	if (store_outbox_composed(o->event))
		store_bind_text(s, 6, o->body);
	else if (store_bind_sealed_str(st, s, 6, o->body) == -1) {
		store_done(s);
		return -1;
	}
	db_bind_int64(s, 7, store_outbox_lane(o));
	db_bind_int64(s, 8, now);
	if (strcmp(o->channel, "webhook") != 0 || o->dest == NULL ||
	    util_url_origin(o->dest, dkey, sizeof(dkey)) == -1)
		util_strlcpy(dkey, o->via != NULL && strcmp(o->channel,
		    "sms") == 0 ? o->via : "", sizeof(dkey));
	db_bind_text(s, 9, dkey, -1);
	if (store_row(st, s, __func__) != 1) {
		store_done(s);
		return -1;
	}
	id = db_column_int64(s, 0);
	store_done(s);
	st->batch.outbox_added++;
	/* Rows of the open batch get ids above every committed one (we hold
	 * the write lock): the first marks where uncommitted rows begin. */
	if (st->in_tx && st->outbox_first == 0)
		st->outbox_first = id;
	return id;
}

/*
 * A row's idempotency key, the same for every retry: the one stored by
 * an older version, else the row id enciphered under the database's salt
 * (AES, one block), in hex.
 */
static void
store_outbox_idem(struct store *st, int64_t id, const char *stored,
    char out[OUTBOX_IDEM_LEN + 1])
{
	unsigned char	 in[16], md[16];
	int		 n = 0, i;

	if (stored != NULL && stored[0] != '\0') {
		util_strlcpy(out, stored, OUTBOX_IDEM_LEN + 1);
		return;
	}
	memset(in, 0, sizeof(in));
	for (i = 0; i < 8; i++)
		in[i] = (unsigned char)((uint64_t)id >> (8 * i));
	if (EVP_EncryptUpdate(st->idem, md, &n, in, sizeof(in)) != 1 ||
	    n != sizeof(md))
		fatalx("%s: AES failed", __func__);
	util_hex(md, OUTBOX_IDEM_LEN / 2, out);
}

int
store_outbox_dest(struct store *st, int lane, const char *after,
    char out[OUTBOX_DKEY_MAX])
{
	struct db_stmt	*s;
	int		 found;

	s = st->stmt[after == NULL ? ST_OUTBOX_DEST_FIRST :
	    ST_OUTBOX_DEST_NEXT];
	db_bind_int64(s, 1, lane);
	if (after != NULL)
		db_bind_text_copy(s, 2, after, -1);
	if ((found = store_row(st, s, __func__)) == 1)
		util_strlcpy(out, store_col_text(s, 0), OUTBOX_DKEY_MAX);
	store_done(s);
	return found;
}

int
store_outbox_due(struct store *st, int64_t now, int lane, const char *dkey,
    struct outbox_due *rows, int max, int skip, store_due_fn filter,
    void *arg)
{
	struct db_stmt	*s = st->stmt[ST_OUTBOX_DUE];
	struct outbox_due *r;
	const char	*dest, *body;
	int64_t		 id;
	int		 n = 0, rc = DB_DONE, take = 1, sealerr = 0;

	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, (int64_t)max + (filter != NULL ? skip : 0));
	db_bind_int64(s, 3, lane);
	db_bind_int64(s, 4, st->outbox_first > 0 ? st->outbox_first :
	    INT64_MAX);
	db_bind_text(s, 5, dkey, -1);
	while (n < max && (rc = db_step(s)) == DB_ROW) {
		id = db_column_int64(s, 0);
		if (filter != NULL && (take = filter(id, arg)) <= 0) {
			if (take < 0)
				break;
			continue;
		}
		if (store_col_unsealed(st, s, 2, &dest) == -1 ||
		    store_col_unsealed(st, s, 3, &body) == -1) {
			rc = DB_ERR;	/* logged */
			sealerr = 1;
			break;
		}
		r = &rows[n++];
		r->id = id;
		r->channel = xstrdup(store_col_text(s, 1));
		r->dest = xstrdup(dest != NULL ? dest : "");
		r->body = xstrdup(body != NULL ? body : "");
		store_outbox_idem(st, r->id, store_col_text(s, 4),
		    r->idem_key);
		r->attempts = (int)db_column_int64(s, 5);
		r->created_at = db_column_int64(s, 6);
		r->report_id = db_column_int64(s, 7);
		r->event = xstrdup(store_col_text(s, 8));
		util_strlcpy(r->dkey, store_col_text(s, 9), sizeof(r->dkey));
		store_col_copy(s, 10, r->ref, sizeof(r->ref));
		store_col_copy(s, 11, r->role, sizeof(r->role));
		r->failing_since = db_column_int64(s, 12);
		r->lane = lane;
	}
	if (rc != DB_ROW && rc != DB_DONE) {
		if (!sealerr)
			log_warnx("%s: %s", __func__, db_errmsg(st->db));
		store_done(s);
		while (n > 0)
			store_outbox_due_clear(&rows[--n]);
		return -1;
	}
	store_done(s);
	return n;
}

void
store_outbox_due_clear(struct outbox_due *r)
{
	free(r->channel);
	free(r->dest);
	free(r->body);
	free(r->event);
	r->channel = r->dest = r->body = r->event = NULL;
}

int
store_contact_get(struct store *st, const char *phone, struct contact_row *c)
{
	struct db_stmt	*s = st->stmt[ST_CONTACT_BY_PHONE];
	int		 found;

	memset(c, 0, sizeof(*c));
	store_bind_text(s, 1, phone);
	if ((found = store_row(st, s, __func__)) == 1) {
		c->id = db_column_int64(s, 0);
		util_strlcpy(c->role, store_col_text(s, 1), sizeof(c->role));
		store_col_copy(s, 2, c->pin_hash, sizeof(c->pin_hash));
		c->pin_locked_until = db_column_int64(s, 3);
		store_col_copy(s, 4, c->commune, sizeof(c->commune));
	}
	store_done(s);
	return found;
}

/*
 * The report whose REF is ref: decipher it to the id and check the row
 * holds it; a REF from before migration 3 is in legacy_refs.
 */
int64_t
store_report_find(struct store *st, const char *ref)
{
	struct db_stmt	*s;
	int64_t		 n, id;

	if ((n = ref_decode(st->refkey, ref, strlen(ref))) < 0)
		return 0;
	s = st->stmt[ST_REF_OF];
	db_bind_int64(s, 1, n + 1);
	if ((id = store_row(st, s, __func__)) == 1)
		id = strcmp(store_col_text(s, 0), ref) == 0 ? n + 1 : 0;
	store_done(s);
	if (id != 0 || !st->ref_legacy)
		return id;
	s = st->stmt[ST_REF_LEGACY];
	db_bind_text(s, 1, ref, -1);
	if ((id = store_row(st, s, __func__)) == 1)
		id = db_column_int64(s, 0);
	store_done(s);
	return id;
}

int
store_report_get(struct store *st, int64_t id, const char *ref,
    struct report_row *r)
{
	struct db_stmt	*s = st->stmt[ST_REPORT_GET];
	const char	*reporter, *text;
	int		 found;

	memset(r, 0, sizeof(*r));
	if (ref != NULL && (id = store_report_find(st, ref)) <= 0)
		return (int)id;
	db_bind_int64(s, 1, id);
	if ((found = store_row(st, s, __func__)) == 1 &&
	    (store_col_unsealed(st, s, 5, &reporter) == -1 ||
	    store_col_unsealed(st, s, 7, &text) == -1))
		found = -1;
	if (found == 1) {
		r->id = db_column_int64(s, 0);
		util_strlcpy(r->ref, store_col_text(s, 1), sizeof(r->ref));
		util_strlcpy(r->category, store_col_text(s, 2),
		    sizeof(r->category));
		store_col_copy(s, 3, r->area, sizeof(r->area));
		util_strlcpy(r->status, store_col_text(s, 4),
		    sizeof(r->status));
		util_strlcpy(r->reporter, reporter ? reporter : "",
		    sizeof(r->reporter));
		r->escalation_level = (int)db_column_int64(s, 6);
		r->text = text ? xstrdup(text) : NULL;
		r->received_at = db_column_int64(s, 8);
		r->closed_at = db_column_int64(s, 9);
		r->cancel_requested = (int)db_column_int64(s, 10);
		store_col_copy(s, 11, r->previous, sizeof(r->previous));
		store_col_copy(s, 12, r->commune, sizeof(r->commune));
	}
	store_done(s);
	return found;
}

void
store_report_row_clear(struct report_row *r)
{
	free(r->text);
	r->text = NULL;
}
