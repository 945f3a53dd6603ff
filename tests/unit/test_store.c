/*
 * test_store.c: the database: file mode, pragmas, migrations, REFs (the
 * keyed permutation, and databases with random REFs from before), contact
 * matching by role and area, outbox lanes, due rows and idempotency keys,
 * the batch's listeners, one daemon per database, tincayctl's listings
 * and contacts, a message's savepoint; PINs hashed by migration 7 and
 * wrong PINs counted.
 *
 * Each test has a database of its own on the engine of
 * $TINCAY_TEST_ENGINE (engine.h): on pg a fresh one per test, made by the
 * setup's first use and dropped by the teardown, so that no test sees
 * another's rows, sequences or meta. Those about SQLite itself (its
 * pragmas, WAL, old files, locks, commit hook, backup API) skip on pg.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "../../core/core.h"
#include "../../store/store_int.h"	/* white box: raw SQL */
#include "../../store/sql_pg.h"		/* PostgreSQL's own statements */
#include "sealed.h"
#include "engine.h"
#include "../../handlers/handlers.h"

static char	 dbdir[] = "/tmp/tincay-test-store-XXXXXX";
static char	 dbpath[sizeof(dbdir) + 16];

static int
group_setup(void **state)
{
	if (mkdtemp(dbdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dbdir);
	return 0;
}

/* A database file and its -wal and -shm. */
static void
unlink_db(const char *path)
{
	char	 p[sizeof(dbdir) + 32];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s.key", path);
	unlink(p);
}

static int
group_teardown(void **state)
{
	unlink_db(dbpath);
	rmdir(dbdir);
	return 0;
}

/* The test's engine_db, filled by tdb(). */
static int
db_setup(void **state)
{
	*state = xcalloc(1, sizeof(struct engine_db));
	return 0;
}

static int
db_teardown(void **state)
{
	engine_drop(*state);
	free(*state);
	return 0;
}

#define T(f)	cmocka_unit_test_setup_teardown(f, db_setup, db_teardown)

/* The test's database: on sqlite the file at path (NULL: memory, a new
 * one at each open), on pg a new one, the same at each open. Once a test. */
static struct engine_db *
tdb(void **state, const char *path)
{
	engine_db(*state, path);
	return *state;
}

/* The store on e, as tincayctl (or, daemon, tincayd) opens it. */
static struct store *
topen(struct engine_db *e, int daemon)
{
	struct store	*st;
	char		 err[256];

	if ((st = engine_open(e, daemon, err, sizeof(err))) == NULL)
		fail_msg("store_open(%s): %s", e->database, err);
	return st;
}

static struct db *
db_of(struct store *st)
{
	return st->db;
}

/* SQLite's own handle of st, for the tests that are about SQLite. */
static sqlite3 *
sqlite_of(struct store *st)
{
	sqlite3	*h;

	h = db_sqlite_handle(st->db);
	assert_non_null(h);
	return h;
}

static int64_t
scalar(struct store *st, const char *sql)
{
	struct db_stmt	*s;
	int64_t		 v = -1;

	sealed_sql(st);		/* sealed columns read through unseal() */
	if (db_prepare(db_of(st), sql, &s) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db_of(st)));
	if (db_step(s) == DB_ROW)
		v = db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

static void
exec_sql(struct store *st, const char *sql)
{
	if (db_exec(db_of(st), sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db_of(st)));
}

/* How many SMS rows store_outbox_due offers at time 1000. */
static int
scalar_due(struct store *st)
{
	struct outbox_due	 rows[64];
	int			 n, i;

	n = store_outbox_due(st, 1000, OUTBOX_LANE_SMS, "", rows, 64, 0, NULL,
	    NULL);
	for (i = 0; i < n; i++)
		store_outbox_due_clear(&rows[i]);
	return n;
}

/* SQLite's file: 0600 whatever the umask, synchronous FULL, the WAL. */
static void
test_open_mode_pragmas(void **state)
{
	struct store	*st;
	struct stat	 sb;
	sqlite3_stmt	*s;
	char		 err[256];
	mode_t		 old;

	ENGINE_SQLITE_ONLY("SQLite's file mode and pragmas");
	unlink_db(dbpath);
	old = umask(0);
	st = store_open(dbpath, err, sizeof(err));
	umask(old);
	assert_non_null(st);
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(scalar(st, "PRAGMA synchronous"), 2);	/* FULL */
	sqlite3_prepare_v2(sqlite_of(st), "PRAGMA journal_mode", -1, &s, NULL);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	store_close(st);
	unlink_db(dbpath);
}

/* A new database is at this program's schema version, writable;
 * reopening migrates nothing; one from a newer program is refused,
 * clearly. */
static void
test_open_migrations(void **state)
{
	struct engine_db *e = tdb(state, dbpath);
	struct store	*st;
	char		 err[256];
	int		 v;

	unlink_db(dbpath);
	st = topen(e, 0);
	v = store_version(st);
	assert_true(v >= 1);
	assert_int_equal(store_writable(st), 1);
	store_close(st);

	st = topen(e, 0);
	assert_int_equal(store_version(st), v);
	/* The version where each engine keeps it. */
	if (engine_is_pg())
		exec_sql(st, "UPDATE meta SET num = 999"
		    " WHERE key = 'schema_version'");
	else
		assert_int_equal(sqlite3_exec(sqlite_of(st), "PRAGMA"
		    " user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	store_close(st);
	assert_null(engine_open(e, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));
	unlink_db(dbpath);
}

/* A database that cannot be opened names itself in the error. */
static void
test_open_errors(void **state)
{
	struct engine_db e;
	char		 err[256], uri[512];

	store_close(NULL);
	if (!engine_is_pg()) {
		assert_null(store_open("/nonexistent-dir/x/t.db", err,
		    sizeof(err)));
		assert_non_null(strstr(err, "/nonexistent-dir/x/t.db"));
		return;
	}
	/* A server's database nobody made (the key is never reached). */
	assert_int_equal(engine_uri(uri, sizeof(uri), engine_base(),
	    "tincay_ut_nonexistent"), 0);
	memset(&e, 0, sizeof(e));
	snprintf(e.database, sizeof(e.database), "%s", uri);
	snprintf(e.key, sizeof(e.key), "/nonexistent-dir/key");
	assert_null(engine_open(&e, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "tincay_ut_nonexistent"));
}

static void
test_ref(void **state)
{
	static const unsigned char key[REF_KEY_LEN] = "0123456789abcdef";
	static const unsigned char key2[REF_KEY_LEN] = "0123456789abcdeF";
	struct ref_key	*k = ref_key_new(key), *k2 = ref_key_new(key2);
	const int64_t	 n4 = 923521, n5 = 28629151, n6 = 887503681;
	static const int64_t edges[] = { 0, 1, 923520, 923521, 923522,
	    923521 + 28629150, 923521 + 28629151, 923521 + 28629151 + 887503680 };
	char		 ref[REF_MAX], ref2[REF_MAX];
	unsigned char	*seen;
	int		 letters[256] = { 0 };
	int64_t		 i, x, same = 0;
	size_t		 j;
	int		 distinct = 0;

	assert_non_null(k);
	assert_non_null(k2);
	/* Every 4-character REF is used exactly once: a permutation. */
	seen = calloc((size_t)n4, 1);
	assert_non_null(seen);
	for (i = 0; i < n4; i++) {
		assert_int_equal(ref_encode(k, i, ref), 0);
		assert_int_equal(strlen(ref), 4);
		assert_true(ref_valid(ref, 4));
		x = 0;
		for (j = 0; j < 4; j++) {
			x = x * 31 + (int64_t)(strchr(
			    "ABCDEFGHJKMNPQRSTUVWXYZ23456789", ref[j]) -
			    "ABCDEFGHJKMNPQRSTUVWXYZ23456789");
			letters[(unsigned char)ref[j]]++;
		}
		assert_int_equal(seen[x], 0);
		seen[x] = 1;
		if (i < 20000) {
			assert_int_equal(ref_decode(k, ref, 4), i);
			assert_int_equal(ref_encode(k2, i, ref2), 0);
			same += strcmp(ref, ref2) == 0;
		}
	}
	free(seen);
	/* Another key, other REFs (a few agree by chance, 1 in 31^4). */
	assert_true(same < 5);
	for (j = 0; j < 256; j++)
		if (letters[j])
			distinct++;
	assert_int_equal(distinct, 31);
	assert_int_equal(letters['0'] + letters['O'] + letters['1'] +
	    letters['I'] + letters['L'], 0);
	/* Neighbours are not neighbours: REF n + 1 is not REF n + 1. */
	assert_int_equal(ref_encode(k, 41, ref), 0);
	assert_int_equal(ref_encode(k, 42, ref2), 0);
	assert_true(strncmp(ref, ref2, 3) != 0 || ref[3] == ref2[3]);
	/* The tiers grow 4 → 5 → 6 characters, and round-trip. */
	for (j = 0; j < sizeof(edges) / sizeof(edges[0]); j++) {
		assert_int_equal(ref_encode(k, edges[j], ref), 0);
		assert_int_equal(strlen(ref), edges[j] < n4 ? 4 :
		    edges[j] < n4 + n5 ? 5 : 6);
		assert_int_equal(ref_decode(k, ref, strlen(ref)), edges[j]);
	}
	assert_int_equal(ref_encode(k, n4 + n5 + n6, ref), -1);
	assert_int_equal(ref_decode(k, "A0K2", 4), -1);
	assert_false(ref_valid("A7K", 3));
	assert_false(ref_valid("A7K2222", 7));
	assert_false(ref_valid("A0K2", 4));
	assert_false(ref_valid("a7k2", 4));
	assert_false(ref_valid("A7\0K", 4));
	ref_key_free(k);
	ref_key_free(k2);
	ref_key_free(NULL);
}

/* Reports get the REFs of their ids, in a new database. */
static void
test_report_refs(void **state)
{
	struct store	*st;
	char		 ref[REF_MAX];
	int64_t		 id, i;

	st = topen(tdb(state, NULL), 0);
	assert_int_equal(store_begin(st), 0);
	for (i = 1; i <= 3000; i++) {
		id = store_report_add(st, "gbv", NULL, NULL, "+84912345678", 100, 0,
		    ref);
		assert_int_equal(id, i);
		assert_true(ref_valid(ref, strlen(ref)));
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(scalar(st, "SELECT count(DISTINCT ref) FROM reports"),
	    3000);
	/* A REF leads back to its report without any index on ref. */
	assert_int_equal(scalar(st, engine_is_pg() ?
	    "SELECT count(*) FROM pg_indexes WHERE tablename = 'reports'"
	    " AND indexdef LIKE '%(ref%'" :
	    "SELECT count(*) FROM sqlite_schema"
	    " WHERE type = 'index' AND sql LIKE '%(ref%'"), 0);
	{
		struct db_stmt	*s;

		assert_int_equal(db_prepare(db_of(st), "SELECT id, ref"
		    " FROM reports WHERE id IN (1, 1234, 3000)", &s), 0);
		while (db_step(s) == DB_ROW)
			assert_int_equal(store_report_find(st,
			    db_column_text(s, 1)), db_column_int64(s, 0));
		db_finalize(s);
	}
	store_close(st);
}

/*
 * A database from before migration 3 holds random REFs: a new report
 * whose permuted REF is taken skips to the next id instead of failing.
 */
static void
test_report_refs_legacy(void **state)
{
	struct store	*st;
	struct ref_key	*k, *k2;
	struct db_stmt	*s;
	unsigned char	 key[REF_KEY_LEN];
	struct engine_db *e;
	char		 ref[REF_MAX], taken[REF_MAX], want[REF_MAX];
	char		 path[sizeof(dbdir) + 16], sql[256];

	snprintf(path, sizeof(path), "%s/legacy.db", dbdir);
	e = tdb(state, path);
	st = topen(e, 0);
	assert_int_equal(db_prepare(db_of(st), "SELECT value FROM meta"
	    " WHERE key = 'ref_key'", &s), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_bytes(s, 0), REF_KEY_LEN);
	memcpy(key, db_column_blob(s, 0), sizeof(key));
	k = ref_key_new(key);
	db_finalize(s);
	assert_non_null(k);
	/* Old report 1 drew, at random, the REF that id 2 maps to. */
	assert_int_equal(ref_encode(k, 1, taken), 0);
	assert_int_equal(ref_encode(k, 2, want), 0);
	ref_key_free(k);
	snprintf(sql, sizeof(sql), "INSERT INTO reports (id, ref, category,"
	    " created_at, updated_at) VALUES (1, '%s', 'gbv', 1, 1);"
	    "INSERT INTO legacy_refs VALUES ('%s', 1);"
	    "UPDATE meta SET %s = 1 WHERE key = 'ref_legacy'", taken, taken,
	    engine_is_pg() ? "num" : "value");
	exec_sql(st, sql);
	/* PostgreSQL: rows come with their ids only by tincayctl migrate,
	 * which then moves the identities past them, as here. */
	if (engine_is_pg())
		exec_sql(st, store_sql_pg_extra(PGX_IDENTITY_SYNC));
	store_close(st);
	st = topen(e, 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_report_add(st, "gbv", NULL, NULL, NULL, 1, 0, ref),
	    3);
	assert_string_equal(ref, want);
	assert_int_equal(store_commit(st), 0);
	/* Both kinds are found by their REF; an unknown one is not. */
	assert_int_equal(store_report_find(st, taken), 1);
	assert_int_equal(store_report_find(st, want), 3);
	assert_int_equal(ref_encode(k2 = ref_key_new(key), 3, ref), 0);
	ref_key_free(k2);
	assert_int_equal(store_report_find(st, ref), 0);
	assert_int_equal(store_report_find(st, "A0K2"), 0);
	store_close(st);
	unlink_db(path);
}

static int
collect(const struct contact *c, void *arg)
{
	char	*out = arg;

	strcat(out, c->name);
	strcat(out, ",");
	return 0;
}

/* A message from sender of category under report rid. */
static void
message_of(struct store *st, const char *id, const char *sender,
    const char *category, int64_t rid)
{
	struct message_row	 m;

	memset(&m, 0, sizeof(m));
	m.provider = "generic";
	m.ext_id = id;
	m.sender = sender;
	m.body = "x";
	m.bodylen = 1;
	m.category = category;
	m.report_id = rid;
	m.received_at = 100;
	assert_int_equal(store_message_add(st, &m), 0);
}

/*
 * What a number's next text looks up (SPEC §4): its newest young open
 * report of a category or of any; the one it closed last within the
 * reopen window; who took or closed that one; an area given once.
 */
static void
test_report_followup_and_reopen(void **state)
{
	struct store		*st;
	struct report_prev	 p;
	struct report_row	 r;
	char			 got[256], ref[REF_MAX], tc[REF_MAX];
	const char		*me = "+84912345678";
	static const char *const c[][4] = {
		{ "A", "+84900000001", "police", "*" },
		{ "B", "+84900000002", "leader", "*" },
		{ "C", "+84900000003", "health", "*" },
	};
	int64_t			 shelter, gbv, next;
	size_t			 i;

	st = topen(tdb(state, NULL), 0);
	for (i = 0; i < 3; i++) {
		struct contact_new k = { .name = c[i][0], .phone = c[i][1],
		    .role = c[i][2], .areas = c[i][3], .channel = "sms" };

		assert_int_equal(store_contact_add(st, &k, 1), 0);
	}
	shelter = store_report_add(st, "shelter", NULL, NULL, me, 100, 0, tc);
	gbv = store_report_add(st, "gbv", NULL, NULL, me, 110, 0, ref);
	assert_int_equal(store_report_recent_of(st, me, 50, "shelter", got),
	    shelter);
	assert_string_equal(got, tc);
	assert_int_equal(store_report_recent_of(st, me, 50, NULL, got), gbv);
	assert_int_equal(store_report_recent_of(st, me, 105, "shelter", got),
	    0);
	assert_int_equal(store_report_recent_of(st, "+84912345679", 0, NULL,
	    got), 0);
	/* An area is given once. */
	assert_int_equal(store_report_set_area(st, shelter, "T2"), 1);
	assert_int_equal(store_report_set_area(st, shelter, "T3"), 0);
	assert_int_equal(store_report_get(st, shelter, NULL, &r), 1);
	assert_string_equal(r.area, "T2");
	assert_string_equal(r.previous, "");
	assert_int_equal(r.cancel_requested, 0);
	store_report_row_clear(&r);
	/* Nothing closed yet; then the gbv one, taken by A, closed by B. */
	assert_int_equal(store_report_closed_recent(st, me, 0, &p), 0);
	message_of(st, "n1", "+84900000001", "ack", gbv);
	message_of(st, "x1", "+84900000002", "done", gbv);
	message_of(st, "x2", "+84900000002", "done", gbv);
	message_of(st, "f1", me, "followup", gbv);
	message_of(st, "u1", "+84900000003", "unknown", gbv);
	assert_int_equal(store_report_status(st, gbv, "closed", NULL, 200), 0);
	assert_int_equal(store_report_closed_recent(st, me, 150, &p), 1);
	assert_int_equal(p.id, gbv);
	assert_string_equal(p.ref, ref);
	assert_string_equal(p.category, "gbv");
	assert_string_equal(p.area, "");
	assert_int_equal(store_report_closed_recent(st, me, 201, &p), 0);
	assert_int_equal(store_report_closed_recent(st, "+84912345679", 0,
	    &p), 0);
	got[0] = '\0';
	assert_int_equal(store_contacts_handled(st, gbv, collect, got), 2);
	assert_string_equal(got, "A,B,");
	got[0] = '\0';
	assert_int_equal(store_contacts_handled(st, shelter, collect, got), 0);
	/* A new report names it. */
	next = store_report_add(st, "gbv", NULL, NULL, me, 300, 0, got);
	assert_int_equal(store_report_link(st, next, gbv), 0);
	assert_int_equal(store_report_get(st, next, NULL, &r), 1);
	assert_string_equal(r.previous, ref);
	store_report_row_clear(&r);
	assert_int_equal(store_report_cancel_request(st, next, 301), 0);
	assert_int_equal(store_report_get(st, next, NULL, &r), 1);
	assert_int_equal(r.cancel_requested, 1);
	store_report_row_clear(&r);
	store_close(st);
}

static void
test_contacts_and_outbox(void **state)
{
	struct store		*st;
	struct outbox_row	 row;
	char			 got[256], ref[REF_MAX];
	static const char *const c[][4] = {
		{ "A", "+84900000001", "police", "*" },
		{ "B", "+84900000002", "police", "T1;T3" },
		{ "C", "+84900000003", "police", "T13" },
		{ "D", "+84900000004", "health", "T3" },
	};
	int64_t			 rid;
	size_t			 i;

	st = topen(tdb(state, NULL), 0);
	for (i = 0; i < 4; i++) {
		struct contact_new k = { .name = c[i][0], .phone = c[i][1],
		    .role = c[i][2], .areas = c[i][3], .channel = "sms" };

		assert_int_equal(store_contact_add(st, &k, 1), 0);
	}
	got[0] = '\0';
	assert_int_equal(store_contacts_for(st, "police", "T3", NULL, collect, got),
	    2);
	assert_string_equal(got, "A,B,");	/* T13 is not T3 */
	got[0] = '\0';
	assert_int_equal(store_contacts_for(st, "police", NULL, NULL, collect, got),
	    1);
	assert_string_equal(got, "A,");
	got[0] = '\0';
	assert_int_equal(store_contacts_for(st, "volunteer", "T3", NULL, collect,
	    got), 0);

	rid = store_report_add(st, "gbv", "T3", NULL, "+84912345678", 100, 0, ref);
	assert_true(rid > 0);
	memset(&row, 0, sizeof(row));
	row.report_id = rid;
	row.contact_id = 1;
	row.channel = "sms";
	row.event = "report.created";
	row.dest = "+84900000001";
	row.body = "x";
	assert_true(store_outbox_add(st, &row, 100) > 0);
	row.contact_id = 2;
	assert_true(store_outbox_add(st, &row, 100) > 0);
	/* New rows store no key: it is derived from the row, stable. */
	assert_int_equal(scalar(st, "SELECT count(*) FROM outbox"
	    " WHERE idem_key IS NULL AND lane = 1"), 2);
	{
		struct outbox_due	 a[4], b[4];
		int64_t			 first;
		int			 j;

		assert_int_equal(store_outbox_due(st, 1000, OUTBOX_LANE_SMS, "",
		    a, 4, 0, NULL, NULL), 2);
		assert_int_equal(store_outbox_due(st, 1000, OUTBOX_LANE_SMS, "",
		    b, 4, 0, NULL, NULL), 2);
		assert_int_equal(strlen(a[0].idem_key), 32);
		assert_string_not_equal(a[0].idem_key, a[1].idem_key);
		assert_string_equal(a[0].idem_key, b[0].idem_key);
		assert_string_equal(a[1].idem_key, b[1].idem_key);
		first = a[0].id;
		for (j = 0; j < 2; j++) {
			store_outbox_due_clear(&a[j]);
			store_outbox_due_clear(&b[j]);
		}
		/* Other lanes hold nothing. A new row is due at once, even to
		 * a scheduler whose clock is behind the writer's (tincayctl's
		 * wall clock ahead of the daemon's scheduling seconds). */
		assert_int_equal(store_outbox_due(st, 1000,
		    OUTBOX_LANE_WEBHOOK, "", b, 2, 0, NULL, NULL), 0);
		assert_int_equal(store_outbox_due(st, 99, OUTBOX_LANE_SMS, "",
		    b, 2, 0, NULL, NULL), 2);
		for (j = 0; j < 2; j++)
			store_outbox_due_clear(&b[j]);
		/* A retry is not due before its time. */
		assert_int_equal(store_outbox_result(st, first, "pending",
		    1000, 2000, 0, NULL, NULL), 0);
		assert_int_equal(store_commit(st), 0);
		assert_int_equal(store_outbox_due(st, 1999, OUTBOX_LANE_SMS, "",
		    b, 4, 0, NULL, NULL), 1);
		store_outbox_due_clear(&b[0]);
		assert_int_equal(store_outbox_due(st, 2000, OUTBOX_LANE_SMS, "",
		    b, 4, 0, NULL, NULL), 2);
		for (j = 0; j < 2; j++)
			store_outbox_due_clear(&b[j]);
		/* Back as it was for what follows. */
		assert_int_equal(store_outbox_result(st, first, "pending", 0, 0,
		    0, NULL, NULL), 0);
		assert_int_equal(store_commit(st), 0);
	}
	got[0] = '\0';
	assert_int_equal(store_contacts_alerted(st, rid, collect, got), 2);
	assert_string_equal(got, "A,B,");
	/* Due rows: one report's events reach a contact in order. */
	row.contact_id = 1;
	row.event = "report.acknowledged";
	assert_true(store_outbox_add(st, &row, 100) > 0);
	assert_int_equal(scalar_due(st), 2);	/* rows 1, 2; 3 waits */
	exec_sql(st, "UPDATE outbox SET status = 'sent' WHERE id = 1");
	assert_int_equal(scalar_due(st), 2);	/* rows 2, 3 */
	assert_int_equal(store_report_recent(st, "+84912345678", 50, ref),
	    rid);
	assert_int_equal(store_report_recent(st, "+84912345678", 101, ref),
	    0);
	store_close(st);
}

/* A database of schema 2, as the first release left it, with data. */
static const char v2_fixture[] =
	"CREATE TABLE reports (id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE,"
	" category TEXT NOT NULL, area TEXT, status TEXT NOT NULL DEFAULT"
	" 'open', reporter TEXT, created_at INTEGER NOT NULL, updated_at"
	" INTEGER NOT NULL, escalate_at INTEGER, escalation_level INTEGER NOT"
	" NULL DEFAULT 0, acked_by TEXT, closed_at INTEGER);"
	"CREATE TABLE messages (id INTEGER PRIMARY KEY, provider TEXT NOT NULL,"
	" provider_id TEXT NOT NULL, sender TEXT, recipient TEXT, body TEXT,"
	" category TEXT NOT NULL, report_id INTEGER REFERENCES reports (id),"
	" reply TEXT, received_at INTEGER NOT NULL,"
	" UNIQUE (provider, provider_id));"
	"CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" phone TEXT NOT NULL UNIQUE, role TEXT NOT NULL, areas TEXT NOT NULL"
	" DEFAULT '*', channel TEXT NOT NULL DEFAULT 'sms', url TEXT, pin TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE outbox (id INTEGER PRIMARY KEY, report_id INTEGER"
	" REFERENCES reports (id), contact_id INTEGER, channel TEXT NOT NULL,"
	" event TEXT NOT NULL, dest TEXT NOT NULL, body TEXT NOT NULL, idem_key"
	" TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'pending',"
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL, sent_at INTEGER, last_error TEXT);"
	"CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, phone TEXT NOT"
	" NULL, campaign TEXT NOT NULL COLLATE NOCASE, area TEXT, source TEXT"
	" NOT NULL, subscribed_at INTEGER NOT NULL, opted_out_at INTEGER,"
	" UNIQUE (phone, campaign));"
	"INSERT INTO reports (id, ref, category, area, reporter, created_at,"
	" updated_at) VALUES (1, 'QX7K', 'gbv', 'T3', '+84912345678', 10, 10),"
	" (2, 'B2NN', 'shelter', NULL, '+84912345679', 20, 20);"
	"INSERT INTO messages (provider, provider_id, sender, body, category,"
	" report_id, received_at) VALUES ('generic', 'm1', '+84912345678',"
	" 'BL T3', 'gbv', 1, 10);"
	"INSERT INTO outbox (report_id, contact_id, channel, event, dest, body,"
	" idem_key, next_at, created_at) VALUES (1, 1, 'sms',"
	" 'report.created', '+84900000001', 'x',"
	" '0123456789abcdef0123456789abcdef', 10, 10),"
	" (NULL, NULL, 'sms', 'broadcast', '+84900000002', 'y',"
	" 'fedcba9876543210fedcba9876543210', 10, 10);"
	"PRAGMA user_version = 2;";

/* Migration 3 keeps every row, old REFs and old idempotency keys. */
static void
test_migrate_v2(void **state)
{
	struct store		*st;
	struct outbox_due	 due[4];
	sqlite3			*db;
	char			 err[256], path[sizeof(dbdir) + 16];
	char			 ref[REF_MAX];

	ENGINE_SQLITE_ONLY("an old version's SQLite file");
	snprintf(path, sizeof(path), "%s/v2.db", dbdir);
	/* SQLite's: an old version's file, built from the fixture. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v2_fixture, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	st = store_open(path, err, sizeof(err));
	if (st == NULL)
		fail_msg("%s", err);
	assert_true(store_version(st) >= 3);
	assert_int_equal(scalar(st, "SELECT count(*) FROM reports"), 2);
	assert_int_equal(scalar(st, "SELECT count(*) FROM legacy_refs"), 2);
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages"
	    " WHERE report_id = 1"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM pragma_foreign_key_check"),
	    0);
	assert_int_equal(scalar(st, "PRAGMA foreign_keys"), 1);
	assert_int_equal(store_report_find(st, "QX7K"), 1);
	assert_int_equal(store_report_find(st, "B2NN"), 2);
	/* Old rows keep their key, in their lanes. */
	assert_int_equal(store_outbox_due(st, 100, OUTBOX_LANE_SMS, "", due, 4,
	     0, NULL, NULL), 1);
	assert_string_equal(due[0].idem_key, "0123456789abcdef0123456789abcdef");
	store_outbox_due_clear(&due[0]);
	assert_int_equal(store_outbox_due(st, 100, OUTBOX_LANE_BROADCAST, "", due,
	    4, 0, NULL, NULL), 1);
	assert_string_equal(due[0].idem_key, "fedcba9876543210fedcba9876543210");
	store_outbox_due_clear(&due[0]);
	/* New reports go on from id 3 and never take an old REF. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_report_add(st, "gbv", NULL, NULL, NULL, 30, 0, ref), 3);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_report_find(st, ref), 3);
	store_close(st);
	unlink_db(path);
}

/* Migration 7: the PINs an older version kept in clear become salted slow
 * hashes at open; a contact without one keeps none. */
static void
test_migrate_clear_pins(void **state)
{
	struct store		*st;
	struct contact_row	 k;
	sqlite3			*db;
	char			 err[256], path[sizeof(dbdir) + 16];

	ENGINE_SQLITE_ONLY("an old version's SQLite file");
	snprintf(path, sizeof(path), "%s/v2pin.db", dbdir);
	/* SQLite's: an old version's file, built from the fixture. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v2_fixture, NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO contacts (name, phone,"
	    " role, pin, created_at) VALUES ('A', '+84900000001', 'official',"
	    " '4321', 1), ('B', '+84900000002', 'leader', NULL, 1),"
	    " ('C', '+84900000003', 'official', '87654321', 1)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	st = store_open(path, err, sizeof(err));
	if (st == NULL)
		fail_msg("%s", err);
	assert_true(store_version(st) >= 7);
	assert_int_equal(scalar(st, "SELECT count(*) FROM contacts"), 3);
	assert_int_equal(scalar(st, "SELECT count(*) FROM contacts WHERE"
	    " pin LIKE 'scrypt$%'"), 2);
	assert_int_equal(scalar(st, "SELECT count(*) FROM contacts WHERE"
	    " pin IS NULL"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM contacts WHERE"
	    " pin IN ('4321', '87654321')"), 0);
	assert_int_equal(store_contact_get(st, "+84900000001", &k), 1);
	assert_int_equal(pin_verify("4321", 4, k.pin_hash), 1);
	assert_int_equal(k.pin_locked_until, 0);
	assert_int_equal(store_contact_get(st, "+84900000003", &k), 1);
	assert_int_equal(pin_verify("87654321", 8, k.pin_hash), 1);
	assert_int_equal(pin_verify("4321", 4, k.pin_hash), 0);
	store_close(st);
	unlink_db(path);
}

/* Whether the file at path holds the bytes of s (0 if it is absent). */
static int
file_holds(const char *path, const char *s)
{
	FILE	*f;
	char	*buf;
	long	 n;
	size_t	 len = strlen(s), i;
	int	 found = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (i = 0; i + len <= (size_t)n && !found; i++)
		found = memcmp(buf + i, s, len) == 0;
	free(buf);
	return found;
}

/*
 * Migration 7 seals the clear values of before in place (SPEC §8): they
 * read back the same through the store, numbers are found by their keyed
 * hash, and no byte of them is left in the database, WAL or SHM.
 */
static void
test_migrate_seals(void **state)
{
	static const char *const clear[] = { "+84912345678", "+84912345679",
	    "BL T3", "+84900000001", "+84900000002", "+84987650001" };
	static const char *const sfx[] = { "", "-wal", "-shm" };
	struct store		*st;
	struct outbox_due	 due[4];
	struct report_row	 r;
	struct sub_live		 live[4];
	sqlite3			*db;
	char			 err[256], path[sizeof(dbdir) + 16],
				 p[sizeof(dbdir) + 32], ref[REF_MAX];
	size_t			 i, k;

	ENGINE_SQLITE_ONLY("an old version's SQLite file, its WAL and SHM");
	snprintf(path, sizeof(path), "%s/v2s.db", dbdir);
	/* SQLite's: an old version's file, built from the fixture. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v2_fixture, NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO subscriptions (phone,"
	    " campaign, source, subscribed_at) VALUES ('+84987650001', 'THD',"
	    " 'sms', 5)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = store_open(path, err, sizeof(err));
	if (st == NULL)
		fail_msg("%s", err);
	/* Nothing clear is left in a sealed column. */
	assert_int_equal(scalar(st, "SELECT count(*) FROM reports WHERE"
	    " typeof(reporter) <> 'blob' OR reporter_hash IS NULL"), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages WHERE"
	    " typeof(sender) <> 'blob' OR typeof(body) <> 'blob'"), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM outbox WHERE"
	    " typeof(dest) <> 'blob' OR typeof(body) <> 'blob'"), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM subscriptions WHERE"
	    " typeof(phone) <> 'blob' OR phone_hash IS NULL"), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM meta"
	    " WHERE key = 'seal_clear'"), 0);
	/* The same values through the store, and found by number. */
	assert_int_equal(store_report_get(st, 1, NULL, &r), 1);
	assert_string_equal(r.reporter, "+84912345678");
	assert_string_equal(r.text, "BL T3");
	store_report_row_clear(&r);
	assert_int_equal(store_report_recent(st, "+84912345679", 0, ref), 2);
	assert_string_equal(ref, "B2NN");
	assert_int_equal(store_outbox_due(st, 100, OUTBOX_LANE_SMS, "", due, 4,
	     0, NULL, NULL), 1);
	assert_string_equal(due[0].dest, "+84900000001");
	assert_string_equal(due[0].body, "x");
	store_outbox_due_clear(&due[0]);
	assert_int_equal(store_sub_page(st, "THD", NULL, 0, live, 4), 1);
	assert_string_equal(live[0].phone, "+84987650001");
	assert_int_equal(store_sub_optout(st, "+84987650001", 9), 0);
	assert_int_equal(store_sub_count(st, "THD", NULL, 0), 0);
	/* Not a byte of them on disk, the database still open. */
	for (k = 0; k < sizeof(sfx) / sizeof(sfx[0]); k++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[k]);
		for (i = 0; i < sizeof(clear) / sizeof(clear[0]); i++)
			if (file_holds(p, clear[i]))
				fail_msg("%s holds %s", p, clear[i]);
	}
	store_close(st);
	unlink_db(path);
}

/* Wrong PINs over a sliding hour; the max-th locks and starts again; a
 * right one forgets them; removing the contact removes them. */
static void
test_pin_failures(void **state)
{
	struct store		*st;
	struct contact_row	 k;
	struct contact_new	 c = { .name = "A", .phone = "+84900000001",
	    .role = "official", .areas = "*", .channel = "sms", .pin = "4321" };
	int			 i;

	st = topen(tdb(state, NULL), 0);
	assert_int_equal(store_contact_add(st, &c, 1), 0);
	assert_int_equal(store_contact_get(st, "+84900000001", &k), 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(store_pin_failed(st, k.id, 1000 + i, 3600, 5,
		    3600), 0);
	assert_int_equal(store_pin_ok(st, k.id), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM pin_failures"), 0);
	/* Four, then more an hour after each: never five in an hour, until
	 * the four after 5600 have a fifth. */
	for (i = 0; i < 4; i++)
		assert_int_equal(store_pin_failed(st, k.id, 2000 + i, 3600, 5,
		    3600), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(store_pin_failed(st, k.id, 5600 + i, 3600, 5,
		    3600), 0);
	assert_int_equal(store_pin_failed(st, k.id, 5604, 3600, 5, 3600), 1);
	assert_int_equal(store_contact_get(st, "+84900000001", &k), 1);
	assert_int_equal(k.pin_locked_until, 5604 + 3600);
	assert_int_equal(scalar(st, "SELECT count(*) FROM pin_failures"), 0);
	/* Setting the PIN again keeps the lock; removing the contact
	 * removes its failures. */
	assert_int_equal(store_pin_failed(st, k.id, 9000, 3600, 5, 3600), 0);
	assert_int_equal(store_contact_add(st, &c, 2), 0);
	assert_int_equal(store_contact_get(st, "+84900000001", &k), 1);
	assert_int_equal(k.pin_locked_until, 5604 + 3600);
	assert_int_equal(store_contact_remove(st, "+84900000001"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM pin_failures"), 0);
	store_close(st);
}

/* An SMS reply to a resident, as the outbox holds one. */
static void
reply_row(struct outbox_row *row)
{
	memset(row, 0, sizeof(*row));
	row->channel = "sms";
	row->event = "reply";
	row->dest = "+84912345678";
	row->body = "x";
}

/* A row of the open batch is not due: its commit may still fail. */
static void
test_uncommitted_not_due(void **state)
{
	struct store		*st;
	struct outbox_row	 row;

	st = topen(tdb(state, NULL), 0);
	reply_row(&row);
	assert_int_equal(store_begin(st), 0);
	assert_true(store_outbox_add(st, &row, 100) > 0);
	assert_int_equal(scalar_due(st), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(scalar_due(st), 1);
	/* A rolled-back row never becomes due. */
	assert_int_equal(store_begin(st), 0);
	assert_true(store_outbox_add(st, &row, 100) > 0);
	store_rollback(st);
	assert_int_equal(scalar_due(st), 1);
	/* Broadcasts wait in their own lane. */
	row.event = "broadcast";
	assert_true(store_outbox_add(st, &row, 100) > 0);	/* autocommit */
	assert_int_equal(scalar_due(st), 1);
	{
		struct outbox_due	 r[2];

		assert_int_equal(store_outbox_due(st, 1000,
		    OUTBOX_LANE_BROADCAST, "", r, 2, 0, NULL, NULL), 1);
		store_outbox_due_clear(&r[0]);
	}
	store_close(st);
}

/* Pending rows are walked per destination: a webhook's origin, "" for SMS. */
static void
test_dests(void **state)
{
	struct store		*st;
	struct outbox_row	 row;
	struct outbox_due	 due[8];
	char			 d[OUTBOX_DKEY_MAX];
	static const char *const urls[] = { "http://B.example:8080/x",
	    "https://a.example/y", "http://b.example:8080/z" };
	size_t			 i;

	st = topen(tdb(state, NULL), 0);
	memset(&row, 0, sizeof(row));
	row.channel = "webhook";
	row.event = "report.created";
	row.body = "{}";
	for (i = 0; i < 3; i++) {
		row.dest = urls[i];
		assert_true(store_outbox_add(st, &row, 100) > 0);
	}
	reply_row(&row);
	assert_true(store_outbox_add(st, &row, 100) > 0);
	/* Webhook lane: two origins, in order; the SMS lane: "". */
	assert_int_equal(store_outbox_dest(st, OUTBOX_LANE_WEBHOOK, NULL, d), 1);
	assert_string_equal(d, "http://b.example:8080");
	assert_int_equal(store_outbox_dest(st, OUTBOX_LANE_WEBHOOK, d, d), 1);
	assert_string_equal(d, "https://a.example:443");
	assert_int_equal(store_outbox_dest(st, OUTBOX_LANE_WEBHOOK, d, d), 0);
	assert_int_equal(store_outbox_dest(st, OUTBOX_LANE_SMS, NULL, d), 1);
	assert_string_equal(d, "");
	/* One destination's due rows only, oldest first. */
	assert_int_equal(store_outbox_due(st, 1000, OUTBOX_LANE_WEBHOOK,
	    "http://b.example:8080", due, 8, 0, NULL, NULL), 2);
	assert_string_equal(due[0].dest, urls[0]);
	assert_string_equal(due[1].dest, urls[2]);
	assert_string_equal(due[0].dkey, "http://b.example:8080");
	store_outbox_due_clear(&due[0]);
	store_outbox_due_clear(&due[1]);
	store_close(st);
}

struct heard {
	int	 begins, commits, failures, outbox;
};

static void
heard_begin(void *arg)
{
	((struct heard *)arg)->begins++;
}

static void
heard_commit(void *arg, int ok, const struct store_batch *b)
{
	struct heard	*h = arg;

	if (ok)
		h->commits++;
	else
		h->failures++;
	h->outbox += b->outbox_added;
}

/* Writes join one transaction; its end is told once, with what it held. */
static void
test_listeners(void **state)
{
	struct store		*st;
	struct outbox_row	 row;
	struct store_stats	 ss;
	struct heard		 h;

	memset(&h, 0, sizeof(h));
	st = topen(tdb(state, NULL), 0);
	store_on_begin(st, heard_begin, &h);
	store_on_commit(st, heard_commit, &h);
	reply_row(&row);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), 0);	/* joins */
	assert_true(store_outbox_add(st, &row, 100) > 0);
	assert_true(store_outbox_add(st, &row, 100) > 0);
	assert_int_equal(h.begins, 1);
	assert_int_equal(h.commits, 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(h.commits, 1);
	assert_int_equal(h.outbox, 2);
	assert_int_equal(store_commit(st), 0);	/* nothing open: no news */
	assert_int_equal(h.commits, 1);
	assert_int_equal(store_begin(st), 0);
	store_rollback(st);
	assert_int_equal(h.failures, 1);
	assert_int_equal(h.begins, 2);
	store_stats(st, &ss);
	assert_int_equal(ss.commits, 1);
	assert_int_equal(ss.commit_failures, 1);
	/* A batch SQLite rolled back by itself (I/O error, full disk) is
	 * told as failed when the next write comes, not joined. */
	assert_int_equal(store_begin(st), 0);
	assert_true(store_outbox_add(st, &row, 100) > 0);
	exec_sql(st, "ROLLBACK");
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(h.failures, 2);
	assert_int_equal(db_in_tx(db_of(st)), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(h.commits, 2);
	store_off_commit(st, heard_commit, &h);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(h.commits, 2);
	store_close(st);
}

/*
 * One daemon per SQLite file: a second is refused, clearly, before it
 * migrates anything; tincayctl's opens are not. On a server's database
 * several daemons run, and one leads (delivers, runs the jobs that run
 * once): the first to ask, until its session ends; then the next.
 */
static void
test_lock(void **state)
{
	struct engine_db *e;
	struct store	*a, *b, *c;
	char		 err[256], path[sizeof(dbdir) + 16];

	snprintf(path, sizeof(path), "%s/lock.db", dbdir);
	e = tdb(state, path);
	a = topen(e, 1);
	if (engine_is_pg()) {
		b = topen(e, 1);
		c = topen(e, 0);
		assert_true(store_leader(a) != 0);
		assert_int_equal(store_leader(b), 0);
		assert_int_equal(store_leader_epoch(b), 0);
		assert_int_equal(store_leader(a), store_leader_epoch(a));
		store_close(c);
		store_close(a);
		/* The lock goes with the leader's session. */
		c = topen(e, 1);
		assert_true(store_leader(c) != 0);
		store_close(c);
		store_close(b);
		return;
	}
	assert_int_equal(store_leader(a), 1);
	err[0] = '\0';
	assert_null(engine_open(e, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "another tincayd"));
	c = topen(e, 0);
	store_close(c);
	store_close(a);
	/* The lock goes with the daemon's store. */
	b = topen(e, 1);
	store_close(b);
	unlink_db(path);
}

struct grouped {
	char	 text[1024];
};

static int
grouped_row(const struct stats_row *r, void *arg)
{
	struct grouped	*g = arg;
	size_t		 n = strlen(g->text);

	snprintf(g->text + n, sizeof(g->text) - n, "%s/%s/%s=%lld ",
	    r->area ? r->area : "-", r->category, r->status, (long long)r->n);
	return 0;
}

/*
 * Counts by local day agree with counting the reports: filed, moved to
 * another status, in the commune's days (UTC+7), and again after the time
 * zone changes.
 */
static void
test_days(void **state)
{
	struct store	*st;
	struct grouped	 days, scan;
	char		 ref[REF_MAX];
	/* 2026-11-30 17:00 UTC is 2026-12-01 00:00 in Vietnam. */
	const int64_t	 dec1 = 1764522000, nov1 = dec1 - 30 * 86400;
	static const struct {
		int64_t		 at;
		const char	*area, *cat;
	} r[] = {
		{ 1764522000 - 1, "T1", "gbv" },	/* 30/11 23:59:59 */
		{ 1764522000, "T1", "gbv" },		/* 01/12 00:00:00 */
		{ 1764522000 + 3600, NULL, "shelter" },
		{ 1764522000 + 86399, "T3", "gbv" },
		{ 1764522000 + 86400, "T3", "gbv" },	/* 02/12 */
	};
	size_t		 i;

	st = topen(tdb(state, NULL), 0);
	assert_int_equal(store_set_timezone(st, "Asia/Ho_Chi_Minh", 1), 0);
	assert_int_equal(store_day(st, dec1 + 86399), store_day(st, dec1));
	assert_int_equal(store_day(st, dec1 - 1), store_day(st, dec1) - 1);
	assert_true(store_day_aligned(st, dec1));
	assert_false(store_day_aligned(st, dec1 + 1));
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		assert_true(store_report_add(st, r[i].cat, r[i].area, NULL, NULL,
		    r[i].at, 0, ref) > 0);
	exec_sql(st, "UPDATE reports SET status = 'closed' WHERE id IN (2, 4)");
	assert_int_equal(store_commit(st), 0);
	for (i = 0; i < 3; i++) {
		/* December's first day, the whole of December, November. */
		int64_t	 from = i == 2 ? nov1 : dec1;
		int64_t	 to = i == 0 ? dec1 + 86400 : i == 1 ? dec1 + 31 *
		    86400 : dec1;

		memset(&days, 0, sizeof(days));
		memset(&scan, 0, sizeof(scan));
		assert_true(stats_rows(st, from, to, NULL, NULL,
		    grouped_row, &days) > 0);
		/* one second off a midnight: the reports are scanned */
		assert_true(stats_rows(st, from - 1, to - 1, NULL, NULL,
		    grouped_row, &scan) >= 0);
		if (i == 0) {
			assert_string_equal(days.text, "T1/gbv/closed=1 "
			    "T3/gbv/closed=1 -/shelter/open=1 ");
			memset(&scan, 0, sizeof(scan));
			assert_true(stats_rows(st, from - 1, to, NULL, NULL,
			    grouped_row, &scan) > 0);
			/* the last second of November joins by scan only */
			assert_string_equal(scan.text, "T1/gbv/closed=1 "
			    "T1/gbv/open=1 T3/gbv/closed=1 -/shelter/open=1 ");
		}
		if (i == 2)
			assert_string_equal(days.text, "T1/gbv/open=1 ");
	}
	/* By area, from the counts. */
	memset(&days, 0, sizeof(days));
	assert_int_equal(stats_rows(st, dec1, dec1 + 31 * 86400, NULL,
	    "T3", grouped_row, &days), 2);
	assert_string_equal(days.text, "T3/gbv/closed=1 T3/gbv/open=1 ");
	/* Any program's writes keep the counts: no function of ours (on
	 * PostgreSQL, the triggers' functions are the server's PL/pgSQL). */
	assert_int_equal(scalar(st, engine_is_pg() ?
	    "SELECT count(*) FROM pg_trigger t"
	    " JOIN pg_proc p ON p.oid = t.tgfoid"
	    " JOIN pg_language l ON l.oid = p.prolang"
	    " WHERE NOT t.tgisinternal AND l.lanname <> 'plpgsql'" :
	    "SELECT count(*) FROM sqlite_schema"
	    " WHERE sql LIKE '%tincay%'"), 0);
	/* Another zone, from tincayctl: the counts are left to the
	 * daemon, and periods are counted from the reports meanwhile. */
	assert_int_equal(store_set_timezone(st, "UTC", 0), 0);
	assert_false(store_day_aligned(st, dec1 - 17 * 3600));
	memset(&days, 0, sizeof(days));
	assert_int_equal(stats_rows(st, dec1 - 17 * 3600, dec1 + 7 * 3600,
	    NULL, NULL, grouped_row, &days), 3);
	assert_string_equal(days.text, "T1/gbv/closed=1 T1/gbv/open=1 "
	    "-/shelter/open=1 ");
	/* Another zone, from the daemon: counted again, in its days. */
	assert_int_equal(store_set_timezone(st, "UTC", 1), 0);
	assert_int_equal(scalar(st, "SELECT count(DISTINCT day) FROM"
	    " report_days WHERE n > 0"), 2);	/* 30/11 and 01/12 UTC */
	memset(&days, 0, sizeof(days));
	assert_int_equal(stats_rows(st, dec1 - 17 * 3600, dec1 + 7 * 3600,
	    NULL, NULL, grouped_row, &days), 3);
	assert_string_equal(days.text, "T1/gbv/closed=1 T1/gbv/open=1 "
	    "-/shelter/open=1 ");
	store_close(st);
}

static int
grouped_commune_row(const struct stats_row *r, void *arg)
{
	struct grouped	*g = arg;
	size_t		 n = strlen(g->text);

	snprintf(g->text + n, sizeof(g->text) - n, "%s:%s/%s/%s=%lld ",
	    r->commune, r->area ? r->area : "-", r->category,
	    r->status ? r->status : "-", (long long)r->n);
	return 0;
}

/* The groups of [from, to) of commune and area, as one string: from the
 * per-day counts (days) and from the reports (a second off each end). */
static const char *
grouped_of(struct store *st, int64_t from, int64_t to, const char *commune,
    const char *area, int days)
{
	static struct grouped	 g;

	memset(&g, 0, sizeof(g));
	if (days)
		assert_true(stats_rows(st, from, to, commune, area,
		    grouped_commune_row, &g) >= 0);
	else
		assert_true(stats_rows(st, from - 1, to - 1, commune, area,
		    grouped_commune_row, &g) >= 0);
	return g.text;
}

/*
 * A city's counts (SPEC §11): hamlets of one code in three communes are
 * three; a commune's counts hold its reports only, from the per-day
 * counts ("CODE.T3") and from the reports alike; every commune's rows
 * name theirs, the reports nobody placed ("*") and those of before the
 * city ("") too. Signups by commune.
 */
static void
test_days_communes(void **state)
{
	struct store	*st;
	struct grouped	 g;
	char		 ref[REF_MAX];
	const int64_t	 dec1 = 1764522000, jan1 = dec1 + 31 * 86400;
	static const struct {
		const char	*cat, *area, *commune;
	} r[] = {
		{ "gbv", "T3", "TINHCHAU" },
		{ "gbv", "T3", "TINHCHAU" },		/* closed below */
		{ "shelter", NULL, "TINHCHAU" },
		{ "gbv", "T3", "TINHAN" },
		{ "gbv", "T1", "NGHIAHA" },
		{ "gbv", "T3", "*" },
		{ "gbv", "T3", "" },
	};
	size_t		 i;
	int		 days;

	st = topen(tdb(state, NULL), 0);
	assert_int_equal(store_set_timezone(st, "Asia/Ho_Chi_Minh", 1), 0);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		assert_true(store_report_add(st, r[i].cat, r[i].area,
		    r[i].commune, NULL, dec1 + 100 * (int64_t)(i + 1), 0,
		    ref) > 0);
	exec_sql(st, "UPDATE reports SET status = 'closed' WHERE id = 2");
	exec_sql(st, "INSERT INTO subscriptions (phone, campaign, area,"
	    " source, subscribed_at, commune) VALUES"
	    " ('+84911000010', 'THD', 'T1', 'sms', 1764522100, 'TINHCHAU'),"
	    " ('+84911000011', 'THD', 'T1', 'sms', 1764522200, 'TINHAN'),"
	    " ('+84911000012', 'THD', NULL, 'sms', 1764522300, 'TINHAN')");
	assert_int_equal(store_commit(st), 0);
	/* One key a commune's hamlet: TINHCHAU's T3 is not TINHAN's (on
	 * PostgreSQL a key's count is the sum of its rows). */
	assert_int_equal(scalar(st, "SELECT count(*) FROM (SELECT status"
	    " FROM report_days WHERE area = 'TINHCHAU.T3' GROUP BY status"
	    " HAVING sum(n) > 0) k"), 2);
	assert_int_equal(scalar(st, "SELECT count(*) FROM (SELECT status"
	    " FROM report_days WHERE area = 'TINHCHAU.' GROUP BY status"
	    " HAVING sum(n) > 0) k"), 1);
	/* Every commune: each row names its own; the per-day keys in their
	 * order, unknown hamlets last; the reports by commune, area. */
	assert_string_equal(grouped_of(st, dec1, jan1, NULL, NULL, 1),
	    "*:T3/gbv/open=1 NGHIAHA:T1/gbv/open=1 :T3/gbv/open=1 "
	    "TINHAN:T3/gbv/open=1 TINHCHAU:T3/gbv/closed=1 "
	    "TINHCHAU:T3/gbv/open=1 TINHCHAU:-/shelter/open=1 ");
	assert_string_equal(grouped_of(st, dec1, jan1, NULL, NULL, 0),
	    ":T3/gbv/open=1 *:T3/gbv/open=1 NGHIAHA:T1/gbv/open=1 "
	    "TINHAN:T3/gbv/open=1 TINHCHAU:T3/gbv/closed=1 "
	    "TINHCHAU:T3/gbv/open=1 TINHCHAU:-/shelter/open=1 ");
	assert_string_equal(grouped_of(st, dec1, jan1, "", NULL, 1),
	    grouped_of(st, dec1, jan1, NULL, NULL, 1));
	for (days = 0; days <= 1; days++) {
		/* One commune, its unknown hamlet last, either way. */
		assert_string_equal(grouped_of(st, dec1, jan1, "TINHCHAU",
		    NULL, days), "TINHCHAU:T3/gbv/closed=1 "
		    "TINHCHAU:T3/gbv/open=1 TINHCHAU:-/shelter/open=1 ");
		assert_string_equal(grouped_of(st, dec1, jan1, "TINHCHAU",
		    "T3", days), "TINHCHAU:T3/gbv/closed=1 "
		    "TINHCHAU:T3/gbv/open=1 ");
		assert_string_equal(grouped_of(st, dec1, jan1, "TINHAN", "T3",
		    days), "TINHAN:T3/gbv/open=1 ");
		assert_string_equal(grouped_of(st, dec1, jan1, "TINHAN", "T1",
		    days), "");
		assert_string_equal(grouped_of(st, dec1, jan1, "*", NULL,
		    days), "*:T3/gbv/open=1 ");
		/* A code that is the start of another's is not it. */
		assert_string_equal(grouped_of(st, dec1, jan1, "TINH", NULL,
		    days), "");
		assert_string_equal(grouped_of(st, dec1, jan1, "NOSUCH",
		    NULL, days), "");
	}
	/* Signups: every commune's, or one's. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(stats_signups(st, dec1, jan1, NULL, NULL,
	    grouped_commune_row, &g), 3);
	assert_string_equal(g.text, "TINHAN:T1/signup/-=1 "
	    "TINHCHAU:T1/signup/-=1 TINHAN:-/signup/-=1 ");
	assert_int_equal(stats_signups(st, dec1, jan1, "TINHAN", NULL, NULL,
	    NULL), 2);
	assert_int_equal(stats_signups(st, dec1, jan1, "TINHAN", "T1", NULL,
	    NULL), 1);
	assert_int_equal(stats_signups(st, dec1, jan1, "NGHIAHA", NULL, NULL,
	    NULL), 0);
	store_close(st);
}

/* A listed row, flattened: "name=value" per field, N: number, -: NULL. */
static int
flatten(const struct store_field *f, size_t n, void *arg)
{
	char	*out = arg;
	size_t	 i, o = strlen(out);

	for (i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, 512 - o, "%s=%s%s%s",
		    f[i].name, f[i].type == STORE_FIELD_NUMBER ? "N" : "",
		    f[i].type == STORE_FIELD_NULL ? "-" : f[i].text,
		    i + 1 < n ? "," : ";");
	return 0;
}

/* tincayctl's rows: a listing by name and type, a contact removed once,
 * an id that lists nothing. */
static void
test_admin_rows(void **state)
{
	struct store		*st;
	struct store_list_args	 a;
	struct contact_new	 k = { .name = "A", .phone = "+84900000001",
	    .role = "police", .areas = "*", .channel = "sms", .pin = "1234" };
	char			 got[512];

	st = topen(tdb(state, NULL), 0);
	assert_int_equal(store_contact_add(st, &k, 1), 0);
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_CONTACTS, NULL, flatten,
	    got), 1);
	assert_string_equal(got, "name=A,phone=+84900000001,role=police,"
	    "areas=*,commune=,channel=sms,url=-,has_pin=N1;");
	memset(&a, 0, sizeof(a));
	a.id = 7;
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_REPORT, &a, flatten, got),
	    0);
	assert_string_equal(got, "");
	assert_int_equal(store_contact_remove(st, "+84900000001"), 1);
	assert_int_equal(store_contact_remove(st, "+84900000001"), 0);
	assert_int_equal(store_list(st, STORE_LIST_CONTACTS, NULL, flatten,
	    got), 0);
	store_close(st);
}

/* As flatten, into a buffer of 2048. */
static int
flatten_wide(const struct store_field *f, size_t n, void *arg)
{
	char	*out = arg;
	size_t	 i, o = strlen(out);

	for (i = 0; i < n && o < 2048; i++)
		o += (size_t)snprintf(out + o, 2048 - o, "%s=%s%s%s",
		    f[i].name, f[i].type == STORE_FIELD_NUMBER ? "N" : "",
		    f[i].type == STORE_FIELD_NULL ? "-" : f[i].text,
		    i + 1 < n ? "," : ";");
	return 0;
}

/* The value of field name in a flattened listing's rows, one per row,
 * joined by spaces. */
static const char *
flat_values(const char *flat, const char *name, char *out, size_t outlen)
{
	char		 key[64];
	const char	*p = flat;
	size_t		 o = 0, n;

	snprintf(key, sizeof(key), "%s=", name);
	out[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if (p != flat && p[-1] != ',' && p[-1] != ';') {
			p++;
			continue;
		}
		p += strlen(key);
		n = strcspn(p, ",;");
		o += (size_t)snprintf(out + o, outlen - o, "%s%.*s", o ? " " : "",
		    (int)n, p);
	}
	return out;
}

/*
 * A city's listings (SPEC §11): --commune CODE is a WHERE of the store's
 * query: reports, messages, the review list, the outbox rows about the
 * commune's reports, its contacts with the city's; report rows carry
 * their commune.
 */
static void
test_admin_rows_communes(void **state)
{
	struct store		*st;
	struct store_list_args	 a;
	struct message_row	 m;
	struct outbox_row	 o;
	char			 ref[REF_MAX], got[2048], v[512];
	int64_t			 id[3];
	size_t			 i;
	static const char *const communes[] = { "TINHCHAU", "TINHAN", "*" };
	static const char *const people[][2] = {
		{ "C1", "TINHCHAU" }, { "C2", "TINHAN" }, { "C3", "*" },
		{ "C4", "" },
	};

	st = topen(tdb(state, NULL), 0);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 3; i++) {
		id[i] = store_report_add(st, "gbv", "T3", communes[i], NULL,
		    1764522000 + (int64_t)i, 0, ref);
		assert_true(id[i] > 0);
		memset(&m, 0, sizeof(m));
		m.provider = "generic";
		m.ext_id = communes[i];
		m.body = "xin chao";
		m.bodylen = 8;
		m.category = "unknown";
		m.received_at = 1764522000;
		m.commune = communes[i];
		assert_int_equal(store_message_add(st, &m), 0);
		memset(&o, 0, sizeof(o));
		o.report_id = id[i];
		o.channel = "sms";
		o.event = "report.created";
		o.dest = "+84900000009";
		o.body = "x";
		assert_true(store_outbox_add(st, &o, 1764522000) > 0);
	}
	for (i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
		struct contact_new k = { .name = people[i][0],
		    .phone = NULL, .role = "police", .areas = "*",
		    .channel = "sms", .commune = people[i][1] };
		char phone[16];

		snprintf(phone, sizeof(phone), "+8490000001%zu", i);
		k.phone = phone;
		assert_int_equal(store_contact_add(st, &k, 1), 0);
	}
	assert_int_equal(store_commit(st), 0);
	memset(&a, 0, sizeof(a));
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_REPORTS, &a, flatten_wide, got),
	    3);
	assert_string_equal(flat_values(got, "commune", v, sizeof(v)),
	    "TINHCHAU TINHAN *");
	a.commune = "TINHAN";
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_REPORTS, &a, flatten_wide, got),
	    1);
	assert_string_equal(flat_values(got, "commune", v, sizeof(v)),
	    "TINHAN");
	a.status = "closed";
	assert_int_equal(store_list(st, STORE_LIST_REPORTS, &a, flatten_wide, got),
	    0);
	a.status = NULL;
	a.commune = "*";
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_MESSAGES, &a, flatten_wide, got),
	    1);
	assert_string_equal(flat_values(got, "provider_id", v, sizeof(v)),
	    "*");
	a.commune = "TINHCHAU";
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_INBOX, &a, flatten_wide, got),
	    1);
	assert_string_equal(flat_values(got, "commune", v, sizeof(v)),
	    "TINHCHAU");
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_OUTBOX, &a, flatten_wide, got),
	    1);
	assert_string_equal(flat_values(got, "id", v, sizeof(v)), "N1");
	/* A commune's contacts and the city's; "*" the city's only. */
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_CONTACTS, &a, flatten_wide,
	    got), 2);
	assert_string_equal(flat_values(got, "name", v, sizeof(v)), "C1 C3");
	a.commune = "*";
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_CONTACTS, &a, flatten_wide,
	    got), 1);
	a.commune = "";			/* every one */
	assert_int_equal(store_list(st, STORE_LIST_CONTACTS, &a, flatten_wide,
	    got), 4);
	/* One report: only if it is the commune's. */
	a.id = id[0];
	a.commune = "TINHAN";
	assert_int_equal(store_list(st, STORE_LIST_REPORT, &a, flatten_wide, got),
	    0);
	a.commune = "TINHCHAU";
	got[0] = '\0';
	assert_int_equal(store_list(st, STORE_LIST_REPORT, &a, flatten_wide, got),
	    1);
	assert_string_equal(flat_values(got, "commune", v, sizeof(v)),
	    "TINHCHAU");
	store_close(st);
}

/* A report's texts, flattened: "at:category:text;" (- once purged). */
static int
flatten_text(const struct store_text *t, void *arg)
{
	char	*out = arg;
	size_t	 o = strlen(out);

	snprintf(out + o, 512 - o, "%lld:%s:%s;", (long long)t->at,
	    t->category, t->text != NULL ? t->text : "-");
	return 0;
}

/* The texts of a report: its messages only, oldest first, a purged one
 * as NULL; none for a report without messages. */
static void
test_report_texts(void **state)
{
	struct store		*st;
	struct message_row	 m;
	char			 ref[REF_MAX], got[512];
	int64_t			 r1, r2;
	size_t			 i;
	static const struct {
		const char	*id, *body, *category;
		int		 report;	/* 1: r1, 2: r2, 0: none */
	} msgs[] = {
		{ "a", "BL thon 3", "gbv", 1 },
		{ "b", "BL thon 5", "gbv", 2 },
		{ "c", "xin chao", "unknown", 0 },
		{ "d", "van o nha", "followup", 1 },
		{ "e", "XONG", "done", 1 },
	};

	st = topen(tdb(state, NULL), 0);
	assert_int_equal(store_begin(st), 0);
	r1 = store_report_add(st, "gbv", "T3", NULL, "+84912345678", 10, 0, ref);
	r2 = store_report_add(st, "gbv", "T5", NULL, "+84912345679", 11, 0, ref);
	assert_true(r1 > 0 && r2 > 0);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.provider = "generic";
		m.ext_id = msgs[i].id;
		m.sender = "+84912345678";
		m.body = msgs[i].body;
		m.bodylen = strlen(msgs[i].body);
		m.category = msgs[i].category;
		m.report_id = msgs[i].report == 1 ? r1 : msgs[i].report == 2 ?
		    r2 : 0;
		m.received_at = 20 + (int64_t)i;
		assert_int_equal(store_message_add(st, &m), 0);
	}
	assert_int_equal(store_commit(st), 0);
	got[0] = '\0';
	assert_int_equal(store_report_texts(st, r1, flatten_text, got), 3);
	assert_string_equal(got, "20:gbv:BL thon 3;23:followup:van o nha;"
	    "24:done:XONG;");
	exec_sql(st, "UPDATE messages SET body = NULL WHERE provider_id = 'd'");
	got[0] = '\0';
	assert_int_equal(store_report_texts(st, r1, flatten_text, got), 3);
	assert_string_equal(got, "20:gbv:BL thon 3;23:followup:-;24:done:XONG;");
	got[0] = '\0';
	assert_int_equal(store_report_texts(st, 99, flatten_text, got), 0);
	assert_string_equal(got, "");
	store_close(st);
}

/* What a backup's progress saw; the first step lets another connection
 * write, which the copy must neither hold nor restart for. */
struct backup_seen {
	struct store	*other;
	int		 calls;
	int64_t		 last, total;
};

/* A server's backup: rows copied of all, never going back. */
static void
backup_pg_progress(int64_t done, int64_t total, void *arg)
{
	struct backup_seen	*b = arg;

	assert_true(done > b->last && done <= total);
	b->last = done;
	b->total = total;
	b->calls++;
}

static void
backup_progress(int64_t done, int64_t total, void *arg)
{
	struct backup_seen	*b = arg;
	char			 ref[REF_MAX];

	assert_true(done > b->last && done <= total);
	b->last = done;
	b->total = total;
	if (b->calls++ == 0) {
		assert_int_equal(store_begin(b->other), 0);
		assert_true(store_report_add(b->other, "gbv", NULL, NULL, NULL, 99, 0,
		    ref) > 0);
		assert_int_equal(store_commit(b->other), 0);
	}
}

/* The online backup: the snapshot when it began, while another writer
 * commits; 0600; never over an existing file; not inside a transaction. */
static void
test_backup(void **state)
{
	struct store		*st, *other, *copy;
	struct backup_seen	 b;
	struct stat		 sb;
	char			 err[256], ref[REF_MAX];
	char			 path[sizeof(dbdir) + 16];
	int			 i;
	mode_t			 old;

	snprintf(path, sizeof(path), "%s/b.db", dbdir);
	unlink_db(path);
	/* A server's database: its rows into a new SQLite file, with
	 * progress in rows; never over a file. */
	if (engine_is_pg()) {
		st = topen(tdb(state, NULL), 0);
		assert_int_equal(store_begin(st), 0);
		for (i = 0; i < 20; i++)
			assert_true(store_report_add(st, "gbv", "T1", NULL,
			    "+84912345678", 10 + i, 0, ref) > 0);
		assert_int_equal(store_commit(st), 0);
		memset(&b, 0, sizeof(b));
		old = umask(0);
		if (store_backup(st, path, 0, backup_pg_progress, &b, err,
		    sizeof(err)) != 0)
			fail_msg("%s", err);
		umask(old);
		assert_true(b.calls > 0);
		assert_true(b.total >= 20);
		assert_int_equal(b.last, b.total);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		assert_int_equal(store_backup(st, path, 0, NULL, NULL, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "exists"));
		assert_int_equal(stat(path, &sb), 0);
		unlink_db(path);
		store_close(st);
		return;
	}
	unlink_db(dbpath);
	st = store_open(dbpath, err, sizeof(err));
	other = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_non_null(other);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 200; i++)
		assert_true(store_report_add(st, "gbv", "T1", NULL, "+84912345678",
		    10 + i, 0, ref) > 0);
	assert_int_equal(store_commit(st), 0);
	memset(&b, 0, sizeof(b));
	b.other = other;
	old = umask(0);
	assert_int_equal(store_backup(st, path, 1, backup_progress, &b, err,
	    sizeof(err)), 0);
	umask(old);
	/* One call a page: it never started over. */
	assert_true(b.calls > 2);
	assert_int_equal(b.calls, b.total);
	assert_int_equal(b.last, b.total);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(scalar(st, "SELECT count(*) FROM reports"), 201);
	/* The copy's texts open with the database's key (SPEC §8): the
	 * operator keeps the key file with the backup. */
	{
		char	 from[sizeof(dbdir) + 32], to[sizeof(dbdir) + 32];
		char	 key[64];
		FILE	*f;
		size_t	 n;

		snprintf(from, sizeof(from), "%s.key", dbpath);
		snprintf(to, sizeof(to), "%s.key", path);
		assert_non_null(f = fopen(from, "rb"));
		n = fread(key, 1, sizeof(key), f);
		fclose(f);
		old = umask(077);
		assert_non_null(f = fopen(to, "wb"));
		umask(old);
		assert_int_equal(fwrite(key, 1, n, f), n);
		fclose(f);
	}
	copy = store_open(path, err, sizeof(err));
	if (copy == NULL)
		fail_msg("%s", err);
	assert_int_equal(scalar(copy, "SELECT count(*) FROM reports"), 200);
	assert_int_equal(scalar(copy, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check <> 'ok'"), 0);
	store_close(copy);
	/* Never over a file; never inside a transaction. */
	assert_int_equal(store_backup(st, path, 0, NULL, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	unlink_db(path);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_backup(st, path, 0, NULL, NULL, err,
	    sizeof(err)), -1);
	store_rollback(st);
	assert_int_equal(access(path, F_OK), -1);
	/* In one step: no progress. */
	memset(&b, 0, sizeof(b));
	assert_int_equal(store_backup(st, path, 0, backup_progress, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.calls, 0);
	unlink_db(path);
	store_close(other);
	store_close(st);
	unlink_db(dbpath);
}

/* A message undone by its savepoint is gone; one released is found with
 * its reply, a duplicate (provider, ext_id) refused. */
static void
test_message_savepoint(void **state)
{
	struct store		*st;
	struct message_row	 m;
	struct outcome		 out;

	st = topen(tdb(state, NULL), 0);
	memset(&m, 0, sizeof(m));
	m.provider = "generic";
	m.ext_id = "x1";
	m.sender = "+84900000001";
	m.body = "hello there";
	m.bodylen = 5;
	m.category = "unknown";
	m.reply = "R";
	m.received_at = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_savepoint(st), 0);
	assert_int_equal(store_message_add(st, &m), 0);
	store_rollback_to(st);
	memset(&out, 0, sizeof(out));
	assert_int_equal(store_message_find(st, "generic", "x1", &out), 0);
	assert_int_equal(store_savepoint(st), 0);
	assert_int_equal(store_message_add(st, &m), 0);
	assert_int_equal(store_release(st), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_message_find(st, "generic", "x1", &out), 1);
	assert_string_equal(out.ref, "");
	assert_string_equal(out.reply, "R");
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages"
	    " WHERE unseal(body) = 'hello'"), 1);
	/* Refused: at once on SQLite, at the commit on PostgreSQL (a write
	 * is not waited for there). */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_message_add(st, &m), engine_is_pg() ? 0 : -1);
	if (engine_is_pg())
		assert_int_equal(store_commit(st), -1);
	store_rollback(st);
	store_close(st);
}

/* A commit hook that refuses the next *n commits (a full disk, say). */
static int
refuse_commit(void *arg)
{
	int	*n = arg;

	return *n > 0 ? (*n)--, 1 : 0;
}

/*
 * PostgreSQL's: a commit refused while the table refuse has a row (a
 * deferred trigger, checked at COMMIT, as SQLite's commit hook).
 */
static const char refuse_pg[] =
	"CREATE TABLE refuse (n int);"
	"CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
	"BEGIN"
	" IF EXISTS (SELECT 1 FROM refuse) THEN"
	"  RAISE EXCEPTION 'constraint failed' USING ERRCODE = 'check_violation';"
	" END IF;"
	" RETURN NULL;"
	"END $$;"
	"CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON messages"
	" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
	" EXECUTE FUNCTION refuse_commit()";

/* One message row in a batch of its own; the commit's result. */
static int
one_message(struct store *st, const char *id)
{
	struct message_row	 m;

	memset(&m, 0, sizeof(m));
	m.provider = "generic";
	m.ext_id = id;
	m.sender = "+84900000001";
	m.body = "hello";
	m.bodylen = 5;
	m.category = "unknown";
	m.received_at = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_message_add(st, &m), 0);
	return store_commit(st);
}

/*
 * /healthz's store_health (SPEC §9): a failed commit makes it unhealthy
 * until a commit succeeds again; what it held is gone, and told so.
 */
static void
test_health_commit_failed(void **state)
{
	struct store	*st;
	struct heard	 h;
	char		 why[128];
	int		 refuse = 1;

	memset(&h, 0, sizeof(h));
	st = topen(tdb(state, NULL), 0);
	store_on_commit(st, heard_commit, &h);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);
	assert_int_equal(one_message(st, "h1"), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);
	if (engine_is_pg())
		exec_sql(st, refuse_pg), exec_sql(st, "INSERT INTO refuse"
		    " VALUES (1)");
	else
		sqlite3_commit_hook(sqlite_of(st), refuse_commit, &refuse);
	assert_int_equal(one_message(st, "h2"), -1);
	assert_int_equal(h.failures, 1);
	assert_int_equal(store_health(st, why, sizeof(why)), -1);
	assert_string_equal(why, "the last commit failed: constraint failed");
	assert_int_equal(store_health(st, why, sizeof(why)), -1);
	assert_int_equal(store_failing(st), 1);
	if (engine_is_pg())
		exec_sql(st, "DELETE FROM refuse");
	assert_int_equal(one_message(st, "h3"), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);
	assert_int_equal(store_failing(st), 0);
	assert_int_equal(h.commits, 2);
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages"), 2);
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages"
	    " WHERE provider_id = 'h2'"), 0);
	if (!engine_is_pg())
		sqlite3_commit_hook(sqlite_of(st), NULL, NULL);
	store_close(st);
}

/*
 * A batch whose statement failed outside a savepoint: store_commit says
 * 0 only if what the batch held is there. (PostgreSQL aborts the whole
 * transaction at the error and answers its COMMIT with a ROLLBACK;
 * SQLite keeps the batch's other writes.)
 */
static void
test_commit_tells_truth(void **state)
{
	struct store		*st;
	struct message_row	 m;
	struct outcome		 out;
	struct heard		 h;
	int			 rc;

	memset(&h, 0, sizeof(h));
	st = topen(tdb(state, NULL), 0);
	store_on_commit(st, heard_commit, &h);
	assert_int_equal(one_message(st, "t1"), 0);
	memset(&m, 0, sizeof(m));
	m.provider = "generic";
	m.ext_id = "t2";
	m.sender = "+84900000001";
	m.body = "hello";
	m.bodylen = 5;
	m.category = "unknown";
	m.received_at = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_message_add(st, &m), 0);
	/* A duplicate: the unique key refuses it, at once on SQLite; on
	 * PostgreSQL a write is not waited for, and its commit fails. */
	m.ext_id = "t1";
	assert_int_equal(store_message_add(st, &m), engine_is_pg() ? 0 : -1);
	rc = store_commit(st);
	if (engine_is_pg())
		assert_int_equal(rc, -1);
	memset(&out, 0, sizeof(out));
	assert_int_equal(store_message_find(st, "generic", "t2", &out),
	    rc == 0 ? 1 : 0);
	assert_int_equal(h.commits, rc == 0 ? 2 : 1);
	assert_int_equal(h.failures, rc == 0 ? 0 : 1);
	/* And the next batch goes through. */
	assert_int_equal(one_message(st, "t3"), 0);
	assert_int_equal(store_message_find(st, "generic", "t3", &out), 1);
	store_close(st);
}

/*
 * SQLite's files under the store (SPEC §9): a database file deleted or
 * replaced under the store makes it unhealthy and refuses every commit
 * (nothing is acknowledged that lives only in a file nobody will open
 * again); so does a WAL deleted, until mended.
 */
static void
test_health(void **state)
{
	struct store	*st;
	char		 err[256], why[128], other[sizeof(dbpath) + 8];
	FILE		*f;

	ENGINE_SQLITE_ONLY("SQLite's database file and WAL");
	unlink_db(dbpath);
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);
	assert_int_equal(one_message(st, "h1"), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);

	/*
	 * The WAL deleted under us: a commit would live only in the unlinked
	 * file. Unhealthy, no commit goes through; mended (what the old WAL
	 * held checkpointed, a new one made: by the next tick, or by the
	 * commit it refused), commits are durable again.
	 */
	snprintf(other, sizeof(other), "%s-wal", dbpath);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), -1);
	assert_string_equal(why, "WAL file is gone");
	assert_int_equal(store_wal_mend(st), 1);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(store_wal_mend(st), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(one_message(st, "h3b"), -1);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(store_failing(st), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);
	assert_int_equal(one_message(st, "h3c"), 0);
	store_close(st);
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages"), 2);

	/* The file deleted under us: unhealthy, and no commit goes through. */
	assert_int_equal(unlink(dbpath), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), -1);
	assert_string_equal(why, "database file is gone");
	assert_int_equal(one_message(st, "h4"), -1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages"), 2);
	assert_int_equal(store_health(st, why, sizeof(why)), -1);

	/* Another file put in its place: replaced, just as bad. */
	snprintf(other, sizeof(other), "%s.new", dbpath);
	assert_non_null(f = fopen(other, "w"));
	fclose(f);
	assert_int_equal(rename(other, dbpath), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), -1);
	assert_string_equal(why, "database file was replaced");
	assert_int_equal(one_message(st, "h5"), -1);
	store_close(st);
	unlink_db(dbpath);

	/* In memory there is no file to lose. */
	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(one_message(st, "m1"), 0);
	assert_int_equal(store_health(st, why, sizeof(why)), 0);
	store_close(st);
}

/*
 * journal_size_limit is set, and store_wal_tidy() empties a WAL that a
 * reader made grow, once the reader is gone, without waiting for it.
 */
static void
test_wal_tidy(void **state)
{
	struct store	*st;
	sqlite3		*rd;
	sqlite3_stmt	*s;
	struct stat	 sb;
	char		 err[256], wal[sizeof(dbpath) + 8], id[32];
	int		 i;

	ENGINE_SQLITE_ONLY("SQLite's WAL and journal_size_limit");
	unlink_db(dbpath);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(scalar(st, "PRAGMA journal_size_limit"), 4194304);
	store_busy_timeout(st, 5000);
	/* A reader holds a snapshot while 2000 messages are written
	 * (SQLite's: a second connection on the file, its WAL). */
	assert_int_equal(sqlite3_open(dbpath, &rd), SQLITE_OK);
	assert_int_equal(sqlite3_exec(rd, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(rd, "SELECT count(*) FROM "
	    "messages", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	sqlite3_finalize(s);
	for (i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "w%d", i);
		assert_int_equal(one_message(st, id), 0);
	}
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 4194304);
	/* Held up: nothing truncated, and no wait either. */
	assert_int_equal(store_wal_tidy(st), 0);
	assert_int_equal(store_wal_tidy(st), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 4194304);
	/* Released: the next idle tidy empties it. */
	sqlite3_exec(rd, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(rd);
	assert_int_equal(store_wal_tidy(st), 0);
	assert_int_equal(store_wal_tidy(st), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size <= 4194304);
	/* Never inside a batch. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_wal_tidy(st), 0);
	store_rollback(st);
	assert_int_equal(scalar(st, "SELECT count(*) FROM messages"), 2000);
	store_close(st);
	unlink_db(dbpath);
}

/* The purge's parts the integration test cannot time: the cutoff of 0
 * days takes this very second; opted-out numbers go, live ones and every
 * row (for the counts) stay; a purge inside an open transaction is
 * refused rather than committing someone else's writes. */
static void
test_purge_subscriptions(void **state)
{
	struct store		*st;
	struct subscription	 sub;
	struct store_purged	 p;

	assert_int_equal(store_purge_cutoff(1000000, 0), 1000001);
	assert_int_equal(store_purge_cutoff(1000000, 2), 1000000 - 2 * 86400);
	st = topen(tdb(state, NULL), 0);
	memset(&sub, 0, sizeof(sub));
	sub.campaign = "THD";
	sub.source = "sms";
	sub.at = 100;
	sub.phone = "+84900000001";
	assert_int_equal(store_sub_add(st, &sub), 0);
	sub.phone = "+84900000002";
	assert_int_equal(store_sub_add(st, &sub), 0);
	assert_int_equal(store_sub_optout(st, "+84900000001", 200), 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_purge(st, 300, 10, NULL, NULL, &p), -1);
	store_rollback(st);
	assert_int_equal(store_purge(st, 150, 10, NULL, NULL, &p), 0);
	assert_int_equal(p.subscriptions, 0);	/* opted out after 150 */
	assert_int_equal(store_purge(st, 300, 10, NULL, NULL, &p), 0);
	assert_int_equal(p.subscriptions, 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM subscriptions "
	    "WHERE unseal(phone) = '+84900000001' OR phone_hash IS NOT NULL "
	    "AND opted_out_at IS NOT NULL"), 0);
	assert_int_equal(scalar(st, "SELECT count(*) FROM subscriptions "
	    "WHERE unseal(phone) = '+84900000002'"), 1);
	assert_int_equal(scalar(st, "SELECT count(*) FROM subscriptions"), 2);
	/* Again: nothing more. */
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_purge(st, 300, 10, NULL, NULL, &p), 0);
	assert_int_equal(p.subscriptions, 0);
	store_close(st);
}

/*
 * Whether another process would see a read lock of this process on the
 * file at path, where SQLite holds one for as long as a WAL connection is
 * open (its SHARED range).
 */
static int
locked_for_others(const char *path)
{
	struct flock	 fl;
	pid_t		 pid;
	int		 fd, status;

	if ((pid = fork()) == 0) {
		if ((fd = open(path, O_RDWR)) == -1)
			_exit(2);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = 0x40000002;	/* SQLite's SHARED_FIRST */
		fl.l_len = 510;
		if (fcntl(fd, F_GETLK, &fl) == -1)
			_exit(2);
		_exit(fl.l_type == F_UNLCK ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 2);
	return WEXITSTATUS(status) == 1;
}

/*
 * tincayctl takes the daemon's scheduling offset without touching the
 * database file once SQLite has it open: a close() of any descriptor of
 * it drops every POSIX lock the process holds there, SQLite's too, and a
 * daemon stopping then folds away the WAL tincayctl is writing to. The
 * daemon runs in a child, as it would in its own process.
 */
static void
test_sched_follow_keeps_locks(void **state)
{
	char		 dir[] = "/tmp/tincay-lock-XXXXXX", path[64], err[256];
	struct store	*d, *c;
	int		 go[2], ready[2], status;
	pid_t		 pid;
	char		 b;

	ENGINE_SQLITE_ONLY("SQLite's POSIX locks on its file");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	/* No daemon: nothing to take, and SQLite's lock stays. */
	c = store_open(path, err, sizeof(err));
	assert_non_null(c);
	assert_true(store_version(c) > 0);
	assert_true(locked_for_others(path));
	assert_int_equal(store_sched_follow(c), 0);
	assert_true(locked_for_others(path));
	store_close(c);
	/* A daemon that runs 5 s behind the wall clock. */
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	if ((pid = fork()) == 0) {
		if ((d = store_open_daemon(path, err, sizeof(err))) == NULL ||
		    store_sched_publish(d, -5000) == -1 ||
		    store_commit(d) == -1)
			_exit(1);
		(void)write(ready[1], "r", 1);
		(void)read(go[0], &b, 1);
		store_close(d);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(read(ready[0], &b, 1), 1);
	c = store_open(path, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(store_sched_follow(c), 1);
	assert_true(util_sched_offset_ms() < -4000);
	util_sched_adopt(0);
	store_close(c);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	assert_int_equal(system(err), 0);
}

/*
 * PostgreSQL's: tincayctl takes the scheduling offset of the daemon that
 * leads on the database (it holds the leader's session lock), and of no
 * other.
 * (SQLite's: test_sched_follow_keeps_locks, the daemon in a process of
 * its own.)
 */
static void
test_sched_follow(void **state)
{
	struct engine_db *e;
	struct store	*d, *c;

	if (!engine_is_pg()) {
		print_message("[  SKIP    ] on sqlite: "
		    "test_sched_follow_keeps_locks\n");
		skip();
	}
	e = tdb(state, NULL);
	c = topen(e, 0);
	assert_int_equal(store_sched_follow(c), 0);
	store_close(c);
	/* A daemon that runs 5 s behind the wall clock, the leader. */
	d = topen(e, 1);
	assert_true(store_leader(d) != 0);
	assert_int_equal(store_sched_publish(d, -5000), 0);
	assert_int_equal(store_commit(d), 0);
	c = topen(e, 0);
	assert_int_equal(store_sched_follow(c), 1);
	assert_true(util_sched_offset_ms() < -4000);
	util_sched_adopt(0);
	store_close(c);
	/* Gone: its offset is not taken any more. */
	store_close(d);
	c = topen(e, 0);
	assert_int_equal(store_sched_follow(c), 0);
	store_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_mode_pragmas),
		T(test_open_migrations),
		T(test_open_errors),
		T(test_ref),
		T(test_report_refs),
		T(test_report_refs_legacy),
		T(test_migrate_v2),
		T(test_migrate_clear_pins),
		T(test_pin_failures),
		T(test_uncommitted_not_due),
		T(test_listeners),
		T(test_lock),
		T(test_days),
		T(test_days_communes),
		T(test_dests),
		T(test_contacts_and_outbox),
		T(test_report_followup_and_reopen),
		T(test_admin_rows),
		T(test_admin_rows_communes),
		T(test_report_texts),
		T(test_backup),
		T(test_message_savepoint),
		T(test_purge_subscriptions),
		T(test_migrate_seals),
		T(test_health_commit_failed),
		T(test_commit_tells_truth),
		T(test_health),
		T(test_wal_tidy),
		T(test_sched_follow_keeps_locks),
		T(test_sched_follow),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
