/*
 * test_store.c: the database: file mode, pragmas, migrations, REFs,
 * contact matching by role and area, outbox idempotency keys.
 */
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

#include "../../daemon/tincay.h"

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

static int
group_teardown(void **state)
{
	char	 p[sizeof(dbpath) + 8];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(dbdir);
	return 0;
}

static sqlite3 *
db_of(struct store *st)
{
	return sqlite3_db_handle(store_stmt(st, ST_BEGIN));
}

static int64_t
scalar(struct store *st, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 v = -1;

	assert_int_equal(sqlite3_prepare_v2(db_of(st), sql, -1, &s, NULL),
	    SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* How many rows ST_OUTBOX_DUE offers at time 1000. */
static int
scalar_due(struct store *st)
{
	sqlite3_stmt	*s = store_stmt(st, ST_OUTBOX_DUE);
	int		 n = 0;

	sqlite3_bind_int64(s, 1, 1000);
	sqlite3_bind_int(s, 2, 64);
	while (sqlite3_step(s) == SQLITE_ROW)
		n++;
	store_done(s);
	return n;
}

static void
test_open_mode_pragmas_migrations(void **state)
{
	struct store	*st;
	struct stat	 sb;
	char		 err[256];
	mode_t		 old;
	int		 v;

	old = umask(0);
	st = store_open(dbpath, err, sizeof(err));
	umask(old);
	assert_non_null(st);
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	v = store_version(st);
	assert_true(v >= 1);
	assert_int_equal(scalar(st, "PRAGMA synchronous"), 2);	/* FULL */
	{
		sqlite3_stmt	*s;

		sqlite3_prepare_v2(db_of(st), "PRAGMA journal_mode", -1, &s,
		    NULL);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal(sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
	}
	assert_int_equal(store_writable(st), 1);
	store_close(st);

	/* Reopening migrates nothing and keeps the version. */
	st = store_open(dbpath, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_version(st), v);
	/* A database from a newer program is refused, clearly. */
	assert_int_equal(sqlite3_exec(db_of(st), "PRAGMA user_version = 999",
	    NULL, NULL, NULL), SQLITE_OK);
	store_close(st);
	st = store_open(dbpath, err, sizeof(err));
	assert_null(st);
	assert_non_null(strstr(err, "newer"));
}

static void
test_open_errors(void **state)
{
	char	 err[256];

	assert_null(store_open("/nonexistent-dir/x/t.db", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent-dir/x/t.db"));
	store_close(NULL);
}

static void
test_ref(void **state)
{
	char	 ref[REF_MAX];
	int	 seen[256] = { 0 };
	int	 i, j, distinct = 0;

	for (i = 0; i < 2000; i++) {
		store_ref_make(ref, 4);
		assert_int_equal(strlen(ref), 4);
		assert_true(store_ref_valid(ref, 4));
		for (j = 0; j < 4; j++)
			seen[(unsigned char)ref[j]]++;
	}
	for (i = 0; i < 256; i++)
		if (seen[i])
			distinct++;
	/* All 31 letters appear; none of the confusable ones. */
	assert_int_equal(distinct, 31);
	assert_int_equal(seen['0'] + seen['O'] + seen['1'] + seen['I'] +
	    seen['L'], 0);
	store_ref_make(ref, 6);
	assert_true(store_ref_valid(ref, 6));
	assert_false(store_ref_valid("A7K", 3));
	assert_false(store_ref_valid("A7K2222", 7));
	assert_false(store_ref_valid("A0K2", 4));
	assert_false(store_ref_valid("a7k2", 4));
}

static int
collect(const struct contact *c, void *arg)
{
	char	*out = arg;

	strcat(out, c->name);
	strcat(out, ",");
	return 0;
}

static void
test_contacts_and_outbox(void **state)
{
	struct store		*st;
	struct outbox_row	 row;
	sqlite3_stmt		*s;
	char			 err[256], got[256], ref[REF_MAX];
	static const char *const c[][4] = {
		{ "A", "+84900000001", "police", "*" },
		{ "B", "+84900000002", "police", "T1;T3" },
		{ "C", "+84900000003", "police", "T13" },
		{ "D", "+84900000004", "health", "T3" },
	};
	int64_t			 rid;
	size_t			 i;

	st = store_open(":memory:", err, sizeof(err));
	assert_non_null(st);
	for (i = 0; i < 4; i++) {
		s = store_stmt(st, ST_CONTACT_ADD);
		store_bind_text(s, 1, c[i][0]);
		store_bind_text(s, 2, c[i][1]);
		store_bind_text(s, 3, c[i][2]);
		store_bind_text(s, 4, c[i][3]);
		store_bind_text(s, 5, "sms");
		sqlite3_bind_int64(s, 8, 1);
		assert_int_equal(store_run(st, ST_CONTACT_ADD), 0);
	}
	got[0] = '\0';
	assert_int_equal(store_contacts_for(st, "police", "T3", collect, got),
	    2);
	assert_string_equal(got, "A,B,");	/* T13 is not T3 */
	got[0] = '\0';
	assert_int_equal(store_contacts_for(st, "police", NULL, collect, got),
	    1);
	assert_string_equal(got, "A,");
	got[0] = '\0';
	assert_int_equal(store_contacts_for(st, "volunteer", "T3", collect,
	    got), 0);

	rid = store_report_add(st, "gbv", "T3", "+84912345678", 100, 0, ref);
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
	assert_int_equal(scalar(st, "SELECT count(DISTINCT idem_key) FROM "
	    "outbox WHERE length(idem_key) = 32"), 2);
	got[0] = '\0';
	assert_int_equal(store_contacts_alerted(st, rid, collect, got), 2);
	assert_string_equal(got, "A,B,");
	/* Due rows: one report's events reach a contact in order. */
	row.contact_id = 1;
	row.event = "report.acknowledged";
	assert_true(store_outbox_add(st, &row, 100) > 0);
	assert_int_equal(scalar_due(st), 2);	/* rows 1, 2; 3 waits */
	assert_int_equal(sqlite3_exec(db_of(st), "UPDATE outbox SET status ="
	    " 'sent' WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(scalar_due(st), 2);	/* rows 2, 3 */
	assert_int_equal(store_report_recent(st, "+84912345678", 50, ref),
	    rid);
	assert_int_equal(store_report_recent(st, "+84912345678", 101, ref),
	    0);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_mode_pragmas_migrations),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_ref),
		cmocka_unit_test(test_contacts_and_outbox),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
