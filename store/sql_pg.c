/*
 * sql_pg.c: PostgreSQL's own text of the statements whose common text
 * (store.c's table, written SQLite's way) does not do there, and the few
 * statements only PostgreSQL runs. Each says the same as SQLite's, row for
 * row; the schema they run on is schema_pg.c's.
 *
 * Every statement of the table was read for PostgreSQL; those not here run
 * as written. These are written with ?N too, which the engine (db_pg.c)
 * rewrites to $N and counts. What made one need its own text:
 * - a parameter whose type PostgreSQL cannot infer where it first reads it
 *   (?3 IS NULL OR area = ?3; ?1 + ?2; a CASE of parameters; it reads an
 *   UPDATE's WHERE before its SET): cast where it may be read first
 *   (an optional filter needs none here: the common text writes
 *   CAST(?3 AS TEXT) IS NULL, which both engines read);
 * - a bare column in ON CONFLICT DO UPDATE, which could be excluded's;
 * - SQLite's words: BEGIN IMMEDIATE, INDEXED BY, instr, scalar min, LIMIT -1
 *   for no limit, last_insert_rowid (RETURNING id here);
 * - a boolean or numeric result where SQLite gives an integer (pin IS NOT
 *   NULL; sum() of bigints): cast to bigint, so a listing shows a number;
 * - COLLATE NOCASE columns: lower() on both sides, as the unique indexes
 *   are written (schema_pg.c);
 * - a text bound to compare with a bytea column: its UTF-8 bytes;
 * - meta's two columns (a number, or a blob).
 * Parameters that take a sealed value or a keyed hash are bytea: the
 * engine binds to them whatever it is given, text or blob, as its bytes.
 */
#include <stddef.h>

#include "sql_pg.h"

static const char *const store_pg_sql[ST__MAX] = {
	/* Read committed; several nodes are kept apart by locks and unique
	 * keys, not by one writer at a time. */
	[ST_BEGIN] = "BEGIN",
	/* A few at once (store_pg_next_id()): a round trip for many. */
	[ST_REPORT_NEXT_ID] =
	    "SELECT nextval('reports_id_seq') FROM generate_series(1, ?1)",
	[ST_REPORT_OPEN_BY_REPORTER] =
	    "SELECT id, ref, category FROM reports WHERE reporter_hash = ?1"
	    " AND status IN ('open', 'acknowledged') AND created_at >= ?2"
	    " AND (?3::text IS NULL OR category = ?3)"
	    " ORDER BY created_at DESC, id DESC LIMIT 1",
	/* In ON CONFLICT, a bare column could be the row's or excluded's. */
	[ST_CONTACT_ADD] =
	    "INSERT INTO contacts (name, phone, role, areas, channel, url, pin,"
	    " created_at, commune) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " coalesce(?9, ''))"
	    " ON CONFLICT (phone) DO UPDATE SET name = ?1, role = ?3,"
	    " areas = ?4, channel = ?5, url = ?6,"
	    " pin = coalesce(?7, contacts.pin), commune = coalesce(?9, '')",
	[ST_CONTACTS_FOR] =
	    "SELECT id, name, phone, role, areas, channel, url, commune"
	    " FROM contacts WHERE role IN (?1, ?2, ?3, ?4) AND (areas = '*' OR"
	    " (?5::text IS NOT NULL AND"
	    " strpos(';' || areas || ';', ';' || ?5 || ';') > 0) OR"
	    " (?7::text IS NOT NULL AND"
	    " strpos(';' || areas || ';', ';' || ?7 || ';') > 0))"
	    " AND commune IN (?6, '*')"
	    " ORDER BY CASE role WHEN ?1 THEN 1 WHEN ?2 THEN 2 WHEN ?3 THEN 3"
	    " ELSE 4 END, id",
	[ST_CONTACTS_LIST] =
	    "SELECT name, phone, role, areas, commune, channel, url,"
	    " (pin IS NOT NULL)::int::bigint AS has_pin FROM contacts"
	    " WHERE ?1::text IS NULL OR commune IN (?1, '*')"
	    " ORDER BY role, name",
	/* The row's id, which SQLite gives as the last rowid. */
	[ST_OUTBOX_ADD] =
	    "INSERT INTO outbox (report_id, contact_id, channel, event, dest,"
	    " body, lane, next_at, created_at, dkey)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9) RETURNING id",
	[ST_OUTBOX_LIST] =
	    "SELECT o.id, r.ref, o.channel, o.event, o.status, o.attempts,"
	    " c.name AS contact, o.next_at, o.created_at, o.sent_at,"
	    " o.last_error, o.receipt, o.receipt_at FROM outbox o"
	    " LEFT JOIN reports r ON r.id = o.report_id"
	    " LEFT JOIN contacts c ON c.id = o.contact_id"
	    " WHERE (?1::text IS NULL OR o.status = ?1)"
	    " AND (?2::text IS NULL OR r.commune = ?2) ORDER BY o.id",
	/* ?2 is -1 for no limit (a filter picks the rows): NULL here. */
	/* Planned for the queue as it is at each run (db_pg.c): a plan
	 * kept from an empty outbox walks every older row per due row. */
	[ST_OUTBOX_DUE] =
	    "/* planned at each run */"
	    " SELECT o.id, o.channel, o.dest, o.body, o.idem_key, o.attempts,"
	    " o.created_at, o.report_id, o.event, o.dkey, r.ref, c.role,"
	    " o.failing_since FROM outbox o"
	    " LEFT JOIN reports r ON r.id = o.report_id"
	    " LEFT JOIN contacts c ON c.id = o.contact_id"
	    " WHERE o.status = 'pending' AND o.lane = ?3 AND o.dkey = ?5"
	    " AND o.next_at <= ?1 AND o.id < ?4"
	    " AND NOT EXISTS (SELECT 1 FROM outbox p"
	    "  WHERE p.report_id = o.report_id AND p.contact_id = o.contact_id"
	    "  AND p.status = 'pending' AND p.id < o.id)"
	    " ORDER BY o.next_at, o.id"
	    " LIMIT ?2",
	[ST_OUTBOX_RESULT] =
	    "UPDATE outbox SET status = ?2, attempts = attempts + 1,"
	    " next_at = ?3, sent_at = ?4, last_error = ?5,"
	    " provider_msg = coalesce(?6, provider_msg), tried_at = ?7,"
	    " failing_since = coalesce(failing_since,"
	    "  CASE WHEN ?2 = 'pending' THEN ?7::bigint END)"
	    " WHERE id = ?1 AND status = ?8",
	[ST_SUB_ADD] =
	    "INSERT INTO subscriptions (phone, campaign, area, source,"
	    " subscribed_at, phone_hash, commune)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7::text, ''))"
	    " ON CONFLICT (phone_hash, lower(campaign)) DO UPDATE SET"
	    " opted_out_at = NULL, area = coalesce(?3, subscriptions.area),"
	    " subscribed_at = CASE WHEN subscriptions.opted_out_at IS NULL"
	    " THEN subscriptions.subscribed_at ELSE ?5 END,"
	    " source = CASE WHEN subscriptions.opted_out_at IS NULL"
	    " THEN subscriptions.source ELSE ?4 END,"
	    " commune = CASE WHEN coalesce(?7::text, '') IN ('', '*')"
	    " AND subscriptions.commune <> '' THEN subscriptions.commune"
	    " ELSE coalesce(?7::text, '') END",
	/* A number stored in clear is its UTF-8 bytes here. */
	[ST_SUB_LIVE_CLEAR] =
	    "SELECT 1 FROM subscriptions WHERE phone_hash IS NULL"
	    " AND phone = convert_to(?1::text, 'UTF8')"
	    " AND opted_out_at IS NULL LIMIT 1",
	/* A broadcast's body is kept in clear (a composed text). */
	[ST_BROADCAST_QUEUED] =
	    "SELECT count(*) FROM outbox WHERE event = 'broadcast'"
	    " AND body = convert_to(?1::text, 'UTF8')",
	[ST_SUB_COUNT] =
	    "SELECT count(*) FROM subscriptions"
	    " WHERE lower(campaign) = lower(?1::text COLLATE \"C\")"
	    " AND opted_out_at IS NULL AND id > ?2"
	    " AND (?3::text IS NULL OR commune = ?3)",
	[ST_BROADCAST_RUN] =
	    "SELECT last_sub, done FROM broadcast_runs"
	    " WHERE lower(campaign) = lower(?1::text COLLATE \"C\")"
	    " AND body = ?2",
	[ST_BROADCAST_MARK] =
	    "INSERT INTO broadcast_runs (campaign, body, last_sub, done)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (lower(campaign), body)"
	    " DO UPDATE SET last_sub = excluded.last_sub, done = excluded.done",
	[ST_SUB_PAGE] =
	    "SELECT id, phone FROM subscriptions"
	    " WHERE lower(campaign) = lower(?1::text COLLATE \"C\")"
	    " AND opted_out_at IS NULL AND id > ?2"
	    " AND (?4::text IS NULL OR commune = ?4) ORDER BY id LIMIT ?3",
	[ST_STATS_DAYS] =
	    "SELECT area, category, status, sum(n)::bigint FROM report_days"
	    " WHERE day >= ?1 AND day < ?2 AND (?3::text IS NULL OR area = ?3)"
	    " AND (?4::text IS NULL OR substr(area, 1, length(?4)) = ?4)"
	    " GROUP BY area, category, status HAVING sum(n) > 0"
	    " ORDER BY area = '' OR area LIKE '%.', area, category, status",
	/* A number goes to num; a blob stored under the key goes. */
	[ST_META_GET_INT] = "SELECT num FROM meta WHERE key = ?1",
	[ST_META_SET] =
	    "INSERT INTO meta (key, num) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET num = excluded.num, value = NULL",
	[ST_CLAMP_ESCALATE] =
	    "UPDATE reports SET escalate_at = ?1::bigint + CASE WHEN"
	    " escalation_level < ?4 THEN ?2::bigint ELSE ?5::bigint END"
	    " WHERE category = ?3 AND escalate_at > ?1::bigint + CASE WHEN"
	    " escalation_level < ?4 THEN ?2::bigint ELSE ?5::bigint END",
	/* ?1 - tried_at is never NULL here: least() keeps min()'s sense. */
	[ST_REBASE_TRIED] =
	    "UPDATE outbox SET failing_since = failing_since + (?1 - tried_at),"
	    " next_at = next_at + least(?1 - tried_at, 0), tried_at = ?1"
	    " WHERE status = 'pending' AND tried_at IS NOT NULL"
	    " AND tried_at <> ?1",
	[ST_CLAMP_RETRY] =
	    "UPDATE outbox SET next_at = ?1::bigint + ?2::bigint"
	    " WHERE status = 'pending' AND next_at > ?1::bigint + ?2::bigint",
	/* The marker is UTF-8 bytes in the bytea column: never a sealed
	 * value, whose first byte is its version (1 or 2). */
	[ST_PURGE_SUBS] =
	    "UPDATE subscriptions SET phone = convert_to('purged:' || id,"
	    " 'UTF8'), phone_hash = NULL"
	    " WHERE opted_out_at IS NOT NULL AND opted_out_at < ?1"
	    " AND phone NOT LIKE 'purged:%'",
	/* One snapshot for every read until its end. */
	[ST_BACKUP_BEGIN] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
	[ST_METRICS_DEPTH] =
	    "SELECT lane, count(*) FROM outbox"
	    " WHERE status = 'pending' GROUP BY lane",
	[ST_METRICS_OLDEST] =
	    "SELECT min(created_at) FROM outbox"
	    " WHERE status = 'pending' AND contact_id IS NOT NULL",
	[ST_METRICS_OPEN] =
	    "SELECT category, sum(n)::bigint FROM report_days"
	    " WHERE status = 'open' GROUP BY category ORDER BY category",
	[ST_METRICS_REPEATING] =
	    "SELECT count(*) FROM reports"
	    " WHERE escalate_at IS NOT NULL AND status = 'open'"
	    " AND escalation_level >= ?1",
};

const char *
store_sql_pg(enum stmt i)
{
	return (unsigned)i < ST__MAX ? store_pg_sql[i] : NULL;
}

static const char *const store_pg_extra[PGX__MAX] = {
	/* Held to the end of the transaction that creates or migrates the
	 * schema; the key is "tincay" in ASCII. */
	[PGX_SCHEMA_LOCK] = "SELECT pg_advisory_xact_lock(127996172394873)",
	/* Asked first: the version's statement would fail (and abort the
	 * transaction) on an empty database. */
	[PGX_SCHEMA_PRESENT] =
	    "SELECT (to_regclass('meta') IS NOT NULL)::int::bigint",
	[PGX_SCHEMA_VERSION] =
	    "SELECT num FROM meta WHERE key = 'schema_version'",
	[PGX_SCHEMA_VERSION_SET] =
	    "UPDATE meta SET num = ?1 WHERE key = 'schema_version'",
	/* SQLite reads a number and a blob with one statement, its one
	 * column typed by the row: here a number has its own column. */
	[PGX_META_GET_INT] = "SELECT num FROM meta WHERE key = ?1",
	/*
	 * Held to the end of the transaction: decisions SQLite's one writer
	 * made alone (a young open report for this number? file a new one)
	 * are made by one node at a time per number. The key is the first 8
	 * bytes of the number's keyed hash (bytea, as reporter_hash).
	 */
	[PGX_NUMBER_LOCK] =
	    "SELECT pg_advisory_xact_lock(('x' || encode(substring(?1::bytea"
	    " FROM 1 FOR 8), 'hex'))::bit(64)::bigint)",
	/*
	 * A recount (store_set_timezone: day_offset, ST_DAYS_CLEAR,
	 * ST_DAYS_FILL, in one transaction) first waits for every
	 * transaction that wrote reports and holds back new ones until it
	 * commits: none counts a report twice or not at all, and each
	 * later one reads the new day_offset.
	 */
	[PGX_DAYS_LOCK] = "LOCK TABLE reports IN SHARE MODE",
	/*
	 * Each key's deltas summed into one row, only where a key has more
	 * than one. Rows inserted meanwhile are not seen and stay; two nodes
	 * compacting at once each sum only the rows they deleted.
	 */
	[PGX_DAYS_COMPACT] =
	    "WITH dup AS (SELECT day, area, category, status FROM report_days"
	    "  GROUP BY day, area, category, status HAVING count(*) > 1),"
	    " gone AS (DELETE FROM report_days d USING dup"
	    "  WHERE d.day = dup.day AND d.area = dup.area"
	    "  AND d.category = dup.category AND d.status = dup.status"
	    "  RETURNING d.day, d.area, d.category, d.status, d.n)"
	    " INSERT INTO report_days (day, area, category, status, n)"
	    " SELECT day, area, category, status, sum(n) FROM gone"
	    " GROUP BY day, area, category, status",
	/* Several statements, no parameters (db_exec): each identity moves
	 * past the ids of rows copied in (tincayctl migrate). */
	[PGX_IDENTITY_SYNC] =
	    "SELECT setval('reports_id_seq',"
	    " coalesce((SELECT max(id) FROM reports), 0) + 1, false);"
	    "SELECT setval(pg_get_serial_sequence('messages', 'id'),"
	    " coalesce((SELECT max(id) FROM messages), 0) + 1, false);"
	    "SELECT setval(pg_get_serial_sequence('contacts', 'id'),"
	    " coalesce((SELECT max(id) FROM contacts), 0) + 1, false);"
	    "SELECT setval(pg_get_serial_sequence('outbox', 'id'),"
	    " coalesce((SELECT max(id) FROM outbox), 0) + 1, false);"
	    "SELECT setval(pg_get_serial_sequence('subscriptions', 'id'),"
	    " coalesce((SELECT max(id) FROM subscriptions), 0) + 1, false);"
	    "SELECT setval(pg_get_serial_sequence('users', 'id'),"
	    " coalesce((SELECT max(id) FROM users), 0) + 1, false);"
	    "SELECT setval(pg_get_serial_sequence('audit', 'id'),"
	    " coalesce((SELECT max(id) FROM audit), 0) + 1, false);",
};

const char *
store_sql_pg_extra(enum pg_extra i)
{
	return (unsigned)i < PGX__MAX ? store_pg_extra[i] : NULL;
}
