/*
 * test_shred.c: crypto-shredding (store_dkey.c), on the engine of
 * $TINCAY_TEST_ENGINE. Values are sealed under the data key of their day;
 * a report's go under the key of the day it closes, an opted-out number
 * under that of its opt-out; a purge destroys the keys of the days before
 * its cutoff, after sealing again under today's what it keeps (an open
 * report, a live subscription, values of version 1); a blob copied before
 * the purge no longer opens, even with the key. Then the files: the
 * database's (SQLite: file, WAL, SHM; PostgreSQL: the cluster's data
 * directory, $TINCAY_TEST_PG_DIR/data, pg_wal included, after CHECKPOINT,
 * pg_switch_wal(), CHECKPOINT) are searched for the canaries in clear,
 * their sealed blobs, and the destroyed key, wrapped and raw; what is
 * found where is printed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../store/store_int.h"
#include "engine.h"
#include "dkeys.h"

#define DAY	86400

/* A test's database, its key (known to the test), and its files. */
struct shred {
	struct engine_db e;
	char		 dir[64];
	char		 db[128], keyfile[128];
	unsigned char	 key[SEAL_KEY_LEN];
	struct store	*st;
};

static int
shred_setup(void **state)
{
	struct shred	*t = xcalloc(1, sizeof(*t));
	char		 err[256];
	int		 fd;

	snprintf(t->dir, sizeof(t->dir), "/tmp/tincay-shred-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/t.db", t->dir);
	snprintf(t->keyfile, sizeof(t->keyfile), "%s/t.key", t->dir);
	memset(t->key, 0x5a, sizeof(t->key));
	t->key[0] = (unsigned char)getpid();
	if ((fd = open(t->keyfile, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, t->key, sizeof(t->key)) != (ssize_t)sizeof(t->key))
		return -1;
	close(fd);
	*state = t;
	if ((t->st = store_open_keyed(engine_db(&t->e, t->db), t->keyfile, 0,
	    err, sizeof(err))) == NULL)
		fail_msg("store_open(%s): %s", t->e.database, err);
	return 0;
}

static int
shred_teardown(void **state)
{
	static const char *const names[] = { "t.db", "t.db-wal", "t.db-shm",
	    "t.key" };
	struct shred	*t = *state;
	char		 p[256];
	size_t		 i;

	store_close(t->st);
	engine_drop(&t->e);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", t->dir, names[i]);
		unlink(p);
	}
	rmdir(t->dir);
	free(t);
	return 0;
}

/* The bytes of column 0 of sql's first row (bound with id) into out, at
 * most max: how many (0: NULL or no row). */
static size_t
raw(struct store *st, const char *sql, int64_t id, unsigned char *out,
    size_t max)
{
	struct db_stmt	*s;
	size_t		 n = 0;

	if (db_prepare(st->db, sql, &s) != 0)
		fail_msg("%s: %s", sql, db_errmsg(st->db));
	db_bind_int64(s, 1, id);
	if (db_step(s) == DB_ROW && db_column_type(s, 0) == DB_BLOB) {
		n = (size_t)db_column_bytes(s, 0);
		assert_true(n <= max);
		memcpy(out, db_column_blob(s, 0), n);
	}
	db_finalize(s);
	return n;
}

/* Run sql bound with (a, b, len bytes of blob at ?3 if any). */
static void
run(struct store *st, const char *sql, int64_t a, const void *blob,
    size_t len)
{
	struct db_stmt	*s;

	if (db_prepare(st->db, sql, &s) != 0)
		fail_msg("%s: %s", sql, db_errmsg(st->db));
	db_bind_int64(s, 1, a);
	if (blob != NULL)
		db_bind_blob(s, 2, blob, len);
	if (db_step(s) == DB_ERR)
		fail_msg("%s: %s", sql, db_errmsg(st->db));
	db_finalize(s);
}

static int64_t
count(struct store *st, const char *sql, int64_t a)
{
	struct db_stmt	*s;
	int64_t		 n = -1;

	if (db_prepare(st->db, sql, &s) != 0)
		fail_msg("%s: %s", sql, db_errmsg(st->db));
	db_bind_int64(s, 1, a);
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/* The data key day a blob says it is sealed under. */
static uint32_t
day_of(const unsigned char *blob)
{
	assert_int_equal(blob[0], SEAL_VERSION);
	return (uint32_t)blob[1] << 24 | (uint32_t)blob[2] << 16 |
	    (uint32_t)blob[3] << 8 | blob[4];
}

/* Report with reporter and one text, made at t on t's clock: its id. */
static int64_t
report_at(struct store *st, int64_t t, const char *reporter,
    const char *text)
{
	static int	 seq;
	struct message_row m;
	char		 ref[REF_MAX], ext[16];
	int64_t		 id;

	store_seal_clock(st, t);
	assert_int_equal(store_begin(st), 0);
	id = store_report_add(st, "violence", NULL, NULL, reporter, t, 0, ref);
	assert_true(id > 0);
	memset(&m, 0, sizeof(m));
	m.provider = "test";
	/* The provider's id is kept in clear: not the canary. */
	snprintf(ext, sizeof(ext), "ext-%d", ++seq);
	m.ext_id = ext;
	m.sender = reporter;
	m.recipient = "+84900000000";
	m.body = text;
	m.bodylen = strlen(text);
	m.category = "violence";
	m.report_id = id;
	m.received_at = t;
	assert_int_equal(store_message_add(st, &m), 0);
	assert_int_equal(store_commit(st), 0);
	return id;
}

/* store_report_texts' callback: the last text into arg (256 bytes). */
static int
text_of(const struct store_text *x, void *arg)
{
	snprintf(arg, 256, "%s", x->text != NULL ? x->text : "-");
	return 0;
}

/* A report's values go under the key of the day it closes; an opted-out
 * number under its opt-out's; new values under today's. */
static void
test_shred_close_reseals(void **state)
{
	struct shred	*t = *state;
	struct store	*st = t->st;
	struct report_close c = { .status = "closed", .age = -1 };
	struct subscription sub = { .phone = "+84911000001",
	    .campaign = "tin", .source = "sms" };
	unsigned char	 b[256];
	int64_t		 now = util_now(), a = now - 5 * DAY, id;
	uint32_t	 today = (uint32_t)(now / DAY);

	id = report_at(st, a, "+84912000001", "chong danh vo thon 3");
	assert_true(raw(st, "SELECT body FROM messages WHERE report_id = ?1",
	    id, b, sizeof(b)) > 0);
	assert_int_equal(day_of(b), a / DAY);
	sub.at = a;
	assert_int_equal(store_sub_add(st, &sub), 0);
	assert_true(raw(st, "SELECT phone FROM subscriptions WHERE id = ?1",
	    1, b, sizeof(b)) > 0);
	assert_int_equal(day_of(b), a / DAY);

	store_seal_clock(st, 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_report_close(st, id, &c, now), 0);
	assert_int_equal(store_sub_optout(st, sub.phone, now), 0);
	assert_int_equal(store_commit(st), 0);
	assert_true(raw(st, "SELECT body FROM messages WHERE report_id = ?1",
	    id, b, sizeof(b)) > 0);
	assert_int_equal(day_of(b), today);
	assert_true(raw(st, "SELECT sender FROM messages WHERE report_id = ?1",
	    id, b, sizeof(b)) > 0);
	assert_int_equal(day_of(b), today);
	assert_true(raw(st, "SELECT reporter FROM reports WHERE id = ?1",
	    id, b, sizeof(b)) > 0);
	assert_int_equal(day_of(b), today);
	assert_true(raw(st, "SELECT phone FROM subscriptions WHERE id = ?1",
	    1, b, sizeof(b)) > 0);
	assert_int_equal(day_of(b), today);
	/* Both days' keys are there until a purge. */
	assert_int_equal(count(st, "SELECT count(*) FROM data_keys"
	    " WHERE day <= ?1", today), 2);
}

/* A batch rolled back leaves today's key, made before it began: what the
 * next one seals under it opens. */
static void
test_shred_key_outlives_rollback(void **state)
{
	struct shred	*t = *state;
	struct store	*st = t->st;
	char		 ref[REF_MAX], out[256];
	int64_t		 id;

	assert_int_equal(count(st, "SELECT count(*) FROM data_keys"
	    " WHERE day >= ?1", 0), 0);
	assert_int_equal(store_begin(st), 0);
	assert_true(store_report_add(st, "violence", NULL, NULL, "+84912000002",
	    util_now(), 0, ref) > 0);
	store_rollback(st);
	assert_int_equal(count(st, "SELECT count(*) FROM data_keys"
	    " WHERE day = ?1", util_now() / DAY), 1);
	id = report_at(st, util_now(), "+84912000003", "lan nay");
	store_seal_clock(st, 0);
	assert_int_equal(store_report_texts(st, id, text_of, out), 1);
	assert_string_equal(out, "lan nay");
}

/* Whether (hay, n) holds (needle, len). */
static int
holds(const unsigned char *hay, size_t n, const unsigned char *needle,
    size_t len)
{
	const unsigned char *p = hay, *end = hay + n;

	if (len == 0)
		return 0;
	while ((size_t)(end - p) >= len &&
	    (p = memchr(p, needle[0], (size_t)(end - p) - len + 1)) != NULL) {
		if (memcmp(p, needle, len) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* What the files are searched for, and where each was found. */
#define NEEDLES	8
static struct {
	const char	*what;
	unsigned char	 b[256];
	size_t		 len;
	char		 where[512];
	int		 found;
} needle[NEEDLES];
static size_t	 nneedles;
static const char *scan_root;

static void
needle_add(const char *what, const void *b, size_t len)
{
	assert_true(nneedles < NEEDLES && len <= sizeof(needle[0].b));
	needle[nneedles].what = what;
	memcpy(needle[nneedles].b, b, len);
	needle[nneedles].len = len;
	nneedles++;
}

static void
scan_file(const char *path, const struct stat *sb)
{
	unsigned char	*p;
	size_t		 i, got = 0;
	ssize_t		 n;
	int		 fd;

	if (!S_ISREG(sb->st_mode) || sb->st_size == 0 ||
	    (fd = open(path, O_RDONLY)) == -1)
		return;
	p = xmalloc((size_t)sb->st_size);
	while (got < (size_t)sb->st_size && (n = read(fd, p + got,
	    (size_t)sb->st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	for (i = 0; i < nneedles; i++)
		if (holds(p, got, needle[i].b, needle[i].len)) {
			needle[i].found++;
			if (strlen(needle[i].where) < 400)
				snprintf(needle[i].where +
				    strlen(needle[i].where),
				    sizeof(needle[i].where) -
				    strlen(needle[i].where), " %s",
				    path + strlen(scan_root));
		}
	free(p);
}

/* Every file under dir (depth bounded). */
static void
scan_dir(const char *dir, int depth)
{
	struct dirent	*de;
	struct stat	 sb;
	char		 p[1024];
	DIR		*d;

	if (depth > 8 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == -1)
			continue;
		if (S_ISDIR(sb.st_mode))
			scan_dir(p, depth + 1);
		else
			scan_file(p, &sb);
	}
	closedir(d);
}

/* Search the files under root (a directory) or root, -wal, -shm. */
static void
scan(const char *root, int dir)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct stat	 sb;
	char		 p[256];
	size_t		 i;

	for (i = 0; i < nneedles; i++) {
		needle[i].found = 0;
		needle[i].where[0] = '\0';
	}
	scan_root = root;
	if (dir) {
		scan_dir(root, 0);
		return;
	}
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", root, suffix[i]);
		if (stat(p, &sb) == 0)
			scan_file(p, &sb);
	}
}

static void
scan_say(const char *when)
{
	size_t	 i;

	for (i = 0; i < nneedles; i++)
		print_message("%s: %s: %s%s\n", when, needle[i].what,
		    needle[i].found ? "found in" : "nowhere",
		    needle[i].where);
}

static int
found(const char *what, const char *under)
{
	size_t	 i;

	for (i = 0; i < nneedles; i++)
		if (strcmp(needle[i].what, what) == 0)
			return under == NULL ? needle[i].found > 0 :
			    strstr(needle[i].where, under) != NULL;
	fail_msg("no needle %s", what);
	return 0;
}

/* PostgreSQL: its pages written, the WAL segment switched and the old
 * ones past a second checkpoint (recycled or removed). */
static void
pg_flush(void)
{
	static const char *const sql[] = { "SELECT pg_reload_conf()",
	    "CHECKPOINT", "SELECT pg_switch_wal()", "CHECKPOINT" };
	char		 uri[512];
	PGconn		*c;
	PGresult	*r;
	size_t		 i;
	int		 ok;

	assert_int_equal(engine_uri(uri, sizeof(uri),
	    getenv("TINCAY_TEST_PG"), "postgres"), 0);
	c = PQconnectdb(uri);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		r = PQexec(c, sql[i]);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK;
		PQclear(r);
		if (!ok) {
			print_error("%s: %s", sql[i], PQerrorMessage(c));
			PQfinish(c);
			fail();
		}
	}
	PQfinish(c);
}

/*
 * The point of it: report A (closed 9 days ago, its values under the key
 * of its day) is purged and its key destroyed; open report B and a live
 * subscription of that day are sealed again under today's key and still
 * open; a blob of A copied before the purge opens no more through the
 * database, even with its key; and the files hold neither the canaries
 * in clear (ever) nor, after the purge, the destroyed key, raw anywhere
 * or wrapped in the tables' files. Where the wrapped key and the old blobs
 * still are on PostgreSQL (WAL, dead tuples) is printed.
 */
static void
test_shred_purge(void **state)
{
	struct shred	*t = *state;
	struct store	*st = t->st;
	struct report_close c = { .status = "closed", .age = -1 };
	struct subscription sub = { .phone = "+84911000009",
	    .campaign = "tin", .source = "sms" };
	struct store_purged p;
	unsigned char	 blob[256], wrapped[SEAL_WRAPPED_LEN],
			 rawkey[SEAL_KEY_LEN], other[256];
	char		 text[64], number[32], out[256], root[600];
	const char	*pgdir = getenv("TINCAY_TEST_PG_DIR");
	int64_t		 now = util_now(), a = now - 10 * DAY, ra, rb;
	uint32_t	 da = (uint32_t)(a / DAY);
	size_t		 n, w;
	int		 len;

	/* Canaries of this run only. */
	snprintf(text, sizeof(text), "canary chong danh vo %ld",
	    (long)getpid());
	snprintf(number, sizeof(number), "+8491%07ld", (long)getpid() %
	    10000000);
	ra = report_at(st, a, number, text);
	rb = report_at(st, a, "+84912000008", "van con mo");
	sub.at = a;
	store_seal_clock(st, a);
	assert_int_equal(store_sub_add(st, &sub), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_report_close(st, ra, &c, a + 60), 0);
	assert_int_equal(store_commit(st), 0);

	n = raw(st, "SELECT body FROM messages WHERE report_id = ?1", ra, blob,
	    sizeof(blob));
	assert_int_equal(day_of(blob), da);
	w = raw(st, "SELECT wrapped FROM data_keys WHERE day = ?1", da,
	    wrapped, sizeof(wrapped));
	assert_int_equal(w, SEAL_WRAPPED_LEN);
	assert_int_equal(dkeys_unwrap(t->key, da, wrapped, rawkey), 0);
	assert_int_equal(dkeys_open_v2(rawkey, blob, n, out),
	    (int)strlen(text));
	needle_add("text in clear", text, strlen(text));
	needle_add("number in clear", number, strlen(number));
	needle_add("text sealed", blob, n);
	needle_add("key wrapped", wrapped, w);
	needle_add("key raw", rawkey, sizeof(rawkey));

	/* Before: the search finds what it looks for. */
	if (engine_is_pg()) {
		pg_flush();
		snprintf(root, sizeof(root), "%s/data", pgdir != NULL ? pgdir :
		    "");
	} else
		snprintf(root, sizeof(root), "%s", t->db);
	if (!engine_is_pg() || pgdir != NULL) {
		scan(root, engine_is_pg());
		scan_say("before the purge");
		assert_false(found("text in clear", NULL));
		assert_false(found("number in clear", NULL));
		assert_false(found("key raw", NULL));
		assert_true(found("text sealed", NULL));
		assert_true(found("key wrapped", NULL));
	}

	/* The purge, today: A's texts and key go. */
	store_seal_clock(st, 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_purge(st, store_purge_cutoff(now, 1), 10,
	    NULL, NULL, &p), 0);
	assert_int_equal(p.reports, 1);
	assert_true(p.keys >= 1);
	/* B's reporter, sender and text, the subscription's number. */
	assert_int_equal(p.carried, 4);
	assert_int_equal(count(st, "SELECT count(*) FROM data_keys"
	    " WHERE day = ?1", da), 0);
	assert_int_equal(store_unseal_blob(st, blob, n, out), -1);
	/* What it kept opens, under today's key. */
	assert_true(raw(st, "SELECT body FROM messages WHERE report_id = ?1",
	    rb, other, sizeof(other)) > 0);
	assert_int_equal(day_of(other), now / DAY);
	len = store_unseal_blob(st, other, raw(st, "SELECT body FROM messages"
	    " WHERE report_id = ?1", rb, other, sizeof(other)), out);
	assert_int_equal(len, 10);
	assert_string_equal(out, "van con mo");
	assert_int_equal(store_sub_live(st, sub.phone), 1);
	assert_true((n = raw(st, "SELECT phone FROM subscriptions"
	    " WHERE id = ?1", 1, other, sizeof(other))) > 0);
	assert_int_equal(store_unseal_blob(st, other, n, out), 12);
	assert_string_equal(out, sub.phone);

	/* After: nothing of A opens, and its key is gone from the files. */
	if (engine_is_pg() && pgdir == NULL) {
		print_message("TINCAY_TEST_PG_DIR unset: the server's files "
		    "are not searched\n");
		return;
	}
	if (!engine_is_pg()) {
		scan(root, 0);
		scan_say("after the purge");
		assert_false(found("text in clear", NULL));
		assert_false(found("number in clear", NULL));
		assert_false(found("key raw", NULL));
		assert_false(found("key wrapped", NULL));
		assert_false(found("text sealed", NULL));
		return;
	}
	/*
	 * PostgreSQL as the server is set: the tables' files no longer hold
	 * the key (data_keys rewritten); a WAL segment recycled (renamed for
	 * reuse, wal_recycle on, the default) keeps what it held until it is
	 * written over, the key's insert and the page images of data_keys
	 * among it.
	 */
	pg_flush();
	scan(root, 1);
	scan_say("after the purge, CHECKPOINT, pg_switch_wal(), CHECKPOINT");
	assert_false(found("text in clear", NULL));
	assert_false(found("number in clear", NULL));
	assert_false(found("key raw", NULL));
	assert_false(found("key wrapped", "/base/"));
	assert_false(found("key wrapped", "/global/"));
	/* As the deployment guide sets it: old segments removed at the
	 * checkpoint, new ones zeroed (wal_init_zero): the key is nowhere. */
	engine_admin("ALTER SYSTEM SET wal_recycle = off");
	pg_flush();
	scan(root, 1);
	scan_say("with wal_recycle = off, after CHECKPOINT, pg_switch_wal(), "
	    "CHECKPOINT");
	engine_admin("ALTER SYSTEM RESET wal_recycle");
	pg_flush();
	assert_false(found("text in clear", NULL));
	assert_false(found("number in clear", NULL));
	assert_false(found("key raw", NULL));
	assert_false(found("key wrapped", NULL));
}

/* Values sealed under the key itself (version 1, before migration 18)
 * open, and the first purge seals those it keeps under today's data key;
 * a key of today is never destroyed, not even by a purge of everything. */
static void
test_shred_v1_and_today(void **state)
{
	static const unsigned char nonce[SEAL_NONCE_LEN] = { 9, 9, 9 };
	struct shred	*t = *state;
	struct store	*st = t->st;
	struct store_purged p;
	unsigned char	 v1[128], b[256];
	char		 out[256];
	int64_t		 now = util_now(), id;
	size_t		 n;

	id = report_at(st, now, "+84912000004", "moi");
	n = (size_t)dkeys_seal_v1(t->key, nonce, "tu truoc", 8, v1);
	run(st, "UPDATE messages SET body = ?2 WHERE report_id = ?1", id, v1,
	    n);
	store_seal_clock(st, 0);
	assert_int_equal(store_report_texts(st, id, text_of, out), 1);
	assert_string_equal(out, "tu truoc");
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_purge(st, store_purge_cutoff(now, 0), 10,
	    NULL, NULL, &p), 0);
	assert_int_equal(p.keys, 0);
	assert_int_equal(p.carried, 1);
	n = raw(st, "SELECT body FROM messages WHERE report_id = ?1", id, b,
	    sizeof(b));
	assert_int_equal(day_of(b), now / DAY);
	assert_int_equal(store_unseal_blob(st, b, n, out), 8);
	assert_string_equal(out, "tu truoc");
	assert_int_equal(count(st, "SELECT count(*) FROM data_keys"
	    " WHERE day = ?1", now / DAY), 1);
	/* Done once: the next purge has nothing to carry. */
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_purge(st, store_purge_cutoff(now, 0), 10,
	    NULL, NULL, &p), 0);
	assert_int_equal(p.carried, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shred_close_reseals,
		    shred_setup, shred_teardown),
		cmocka_unit_test_setup_teardown(
		    test_shred_key_outlives_rollback, shred_setup,
		    shred_teardown),
		cmocka_unit_test_setup_teardown(test_shred_purge, shred_setup,
		    shred_teardown),
		cmocka_unit_test_setup_teardown(test_shred_v1_and_today,
		    shred_setup, shred_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
