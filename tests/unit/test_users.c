/*
 * test_users.c: the console's users and audit in the store (SPEC §12),
 * on the engine of $TINCAY_TEST_ENGINE: rows added, read, listed by name,
 * changed and removed; a name taken twice; nothing left of a batch rolled
 * back; the TOTP secret sealed under the database's key itself, so that a
 * purge that destroys the day's data keys leaves it readable; wrong
 * passwords locking sign-in as wrong PINs lock TK; the audit's rows by
 * period, user and limit, newest first, its actions a closed list; and
 * every row of it still there after a purge.
 */
#include <sys/stat.h>

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

#define DAY	86400
#define SECRET	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

struct t {
	struct engine_db e;
	char		 dir[64], db[128];
	struct store	*st;
};

static int
users_setup(void **state)
{
	struct t	*t = xcalloc(1, sizeof(*t));
	char		 err[256];

	snprintf(t->dir, sizeof(t->dir), "/tmp/tincay-users-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/t.db", t->dir);
	*state = t;
	engine_db(&t->e, t->db);
	if ((t->st = engine_open(&t->e, 0, err, sizeof(err))) == NULL)
		fail_msg("store_open(%s): %s", t->e.database, err);
	return 0;
}

static int
users_teardown(void **state)
{
	static const char *const names[] = { "t.db", "t.db-wal", "t.db-shm",
	    "t.db.key" };
	struct t	*t = *state;
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

/* Whether (b, n) holds the bytes of s. */
static int
holds(const unsigned char *b, size_t n, const char *s)
{
	size_t	 i, len = strlen(s);

	for (i = 0; i + len <= n; i++)
		if (memcmp(b + i, s, len) == 0)
			return 1;
	return 0;
}

/* A user row with its password hashed. */
static void
user(struct user_row *u, const char *name, const char *role,
    const char *communes, const char *areas, const char *pw)
{
	memset(u, 0, sizeof(*u));
	util_strlcpy(u->name, name, sizeof(u->name));
	util_strlcpy(u->role, role, sizeof(u->role));
	util_strlcpy(u->communes, communes, sizeof(u->communes));
	util_strlcpy(u->areas, areas, sizeof(u->areas));
	assert_int_equal(passwd_hash(pw, strlen(pw), u->pw_hash), 0);
	u->created_at = 1700000000;
}

struct names {
	char	 v[8][USER_NAME_MAX];
	int	 n;
};

static int
names_add(const struct user_row *u, void *arg)
{
	struct names	*l = arg;

	assert_true(l->n < 8);
	util_strlcpy(l->v[l->n++], u->name, USER_NAME_MAX);
	return 0;
}

static void
test_users_rows(void **state)
{
	struct t	*t = *state;
	struct store	*st = t->st;
	struct user_row	 u, got;
	struct names	 l;
	char		 h[PASSWD_HASH_MAX];

	user(&u, "lan", "caseworker", "TINHCHAU;TINHAN", "TC.T1;TC.T3",
	    "mat khau 1");
	assert_int_equal(store_user_add(st, &u), 0);
	user(&u, "binh", "admin", "", "", "mat khau 2");
	assert_int_equal(store_user_add(st, &u), 0);
	user(&u, "an", "viewer", "*", "*", "mat khau 3");
	assert_int_equal(store_user_add(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
	/* A name taken: 1, nothing written. */
	user(&u, "lan", "admin", "*", "*", "khac khac");
	assert_int_equal(store_user_add(st, &u), 1);
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_true(got.id > 0);
	assert_string_equal(got.role, "caseworker");
	assert_string_equal(got.communes, "TINHCHAU;TINHAN");
	assert_string_equal(got.areas, "TC.T1;TC.T3");
	assert_int_equal(got.totp, 0);
	assert_int_equal(got.locked_until, 0);
	assert_int_equal(got.created_at, 1700000000);
	assert_int_equal(got.last_signin_at, 0);
	assert_int_equal(passwd_verify("mat khau 1", 10, got.pw_hash), 1);
	assert_int_equal(passwd_verify("khac khac", 9, got.pw_hash), 0);
	/* Empty lists are "*". */
	assert_int_equal(store_user_get(st, "binh", &got), 1);
	assert_string_equal(got.communes, "*");
	assert_string_equal(got.areas, "*");
	assert_int_equal(store_user_get(st, "LAN", &got), 0);
	assert_int_equal(store_user_get(st, "nobody", &got), 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_user_list(st, names_add, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "an");
	assert_string_equal(l.v[1], "binh");
	assert_string_equal(l.v[2], "lan");

	assert_int_equal(passwd_hash("moi moi moi", 11, h), 0);
	assert_int_equal(store_user_passwd(st, "lan", h), 1);
	assert_int_equal(store_user_passwd(st, "nobody", h), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_int_equal(passwd_verify("moi moi moi", 11, got.pw_hash), 1);
	assert_int_equal(passwd_verify("mat khau 1", 10, got.pw_hash), 0);

	assert_int_equal(store_user_remove(st, "binh"), 1);
	assert_int_equal(store_user_remove(st, "binh"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "binh", &got), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_user_list(st, names_add, &l), 0);
	assert_int_equal(l.n, 2);
}

/* What a rolled-back batch added is not there; a removed user's id is
 * not given again. */
static void
test_users_rollback(void **state)
{
	struct t	*t = *state;
	struct store	*st = t->st;
	struct user_row	 u, got;
	int64_t		 first;

	user(&u, "lan", "admin", "*", "*", "mat khau 1");
	assert_int_equal(store_user_add(st, &u), 0);
	assert_int_equal(store_audit_add(st, 1, "tincayctl", "user_add",
	    "lan", NULL, NULL), 0);
	store_rollback(st);
	assert_int_equal(store_user_get(st, "lan", &got), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM audit WHERE id > ?1",
	    0), 0);

	assert_int_equal(store_user_add(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	first = got.id;
	assert_int_equal(store_user_remove(st, "lan"), 1);
	assert_int_equal(store_user_add(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_true(got.id > first);
}

/* Sealed under the key itself: a version 1 blob, nothing in clear. */
static void
test_users_totp(void **state)
{
	struct t	*t = *state;
	struct store	*st = t->st;
	struct user_row	 u, got;
	struct db_stmt	*s;
	char		 secret[TOTP_SECRET_LEN + 1], small[8];
	const unsigned char *b;
	size_t		 n;

	user(&u, "lan", "caseworker", "*", "*", "mat khau 1");
	assert_int_equal(store_user_add(st, &u), 0);
	assert_int_equal(store_user_totp_get(st, "lan", secret,
	    sizeof(secret)), 0);
	assert_int_equal(store_user_totp_set(st, "lan", SECRET), 1);
	assert_int_equal(store_user_totp_set(st, "nobody", SECRET), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_int_equal(got.totp, 1);
	assert_int_equal(store_user_totp_get(st, "lan", secret,
	    sizeof(secret)), 1);
	assert_string_equal(secret, SECRET);
	assert_int_equal(store_user_totp_get(st, "lan", small,
	    sizeof(small)), -1);
	assert_int_equal(store_user_totp_get(st, "nobody", secret,
	    sizeof(secret)), 0);

	assert_int_equal(db_prepare(st->db, "SELECT totp_secret FROM users"
	    " WHERE name = 'lan'", &s), 0);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_type(s, 0), DB_BLOB);
	b = db_column_blob(s, 0);
	n = (size_t)db_column_bytes(s, 0);
	assert_int_equal(b[0], SEAL_VERSION_MASTER);
	assert_int_equal(n, 1 + SEAL_NONCE_LEN + strlen(SECRET) +
	    SEAL_TAG_LEN);
	assert_false(holds(b, n, SECRET));
	db_finalize(s);

	assert_int_equal(store_user_totp_set(st, "lan", NULL), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_int_equal(got.totp, 0);
	assert_int_equal(store_user_totp_get(st, "lan", secret,
	    sizeof(secret)), 0);
}

/* 5 wrong in 15 min lock 15 min; older ones fall out; a sign-in forgets
 * them; a removed user's go with it. */
static void
test_users_lock(void **state)
{
	struct t	*t = *state;
	struct store	*st = t->st;
	struct user_row	 u, got;
	const int64_t	 now = 1700000000;
	int		 i;

	user(&u, "lan", "caseworker", "*", "*", "mat khau 1");
	assert_int_equal(store_user_add(st, &u), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &u), 1);
	/* Four, then one past the window: never five within it. */
	for (i = 0; i < 4; i++)
		assert_int_equal(store_user_failed(st, u.id, now + i, 900, 5,
		    900), 0);
	assert_int_equal(store_user_failed(st, u.id, now + 901, 900, 5, 900),
	    0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_int_equal(got.locked_until, 0);
	/* Four more within the window of the last: locked at the fifth. */
	for (i = 0; i < 3; i++)
		assert_int_equal(store_user_failed(st, u.id, now + 902 + i, 900,
		    5, 900), 0);
	assert_int_equal(store_user_failed(st, u.id, now + 910, 900, 5, 900),
	    1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_int_equal(got.locked_until, now + 910 + 900);
	/* The count starts again. */
	assert_int_equal(count(st, "SELECT count(*) FROM user_failures"
	    " WHERE user_id = ?1", u.id), 0);
	assert_int_equal(store_user_failed(st, u.id, now + 911, 900, 5, 900),
	    0);
	assert_int_equal(store_user_ok(st, u.id, now + 2000), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM user_failures"
	    " WHERE user_id = ?1", u.id), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_int_equal(got.last_signin_at, now + 2000);
	/* A new password lifts the lock. */
	assert_int_equal(store_user_passwd(st, "lan", got.pw_hash), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_user_get(st, "lan", &got), 1);
	assert_int_equal(got.locked_until, 0);
	assert_int_equal(store_user_failed(st, u.id, now + 3000, 900, 5, 900),
	    0);
	assert_int_equal(store_user_remove(st, "lan"), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM user_failures"
	    " WHERE user_id = ?1", u.id), 0);
}

struct rows {
	struct audit_row v[16];
	int		 n;
};

static int
rows_add(const struct audit_row *r, void *arg)
{
	struct rows	*l = arg;

	assert_true(l->n < 16);
	l->v[l->n++] = *r;
	return 0;
}

static void
test_audit_rows(void **state)
{
	struct t	*t = *state;
	struct store	*st = t->st;
	struct rows	 l;
	char		 big[400];

	assert_int_equal(store_audit_add(st, 100, "lan", "signin", NULL,
	    "192.0.2.1", NULL), 0);
	assert_int_equal(store_audit_add(st, 200, "lan", "case_view",
	    "TC-7K3M", "192.0.2.1", NULL), 0);
	assert_int_equal(store_audit_add(st, 200, "binh", "close", "TC-7K3M",
	    "192.0.2.2", "f 34 CA YT"), 0);
	assert_int_equal(store_audit_add(st, 300, "tincayctl", "user_add",
	    "an", NULL, "viewer"), 0);
	/* Not an action: refused, nothing written. */
	assert_int_equal(store_audit_add(st, 300, "lan", "read a text", NULL,
	    NULL, NULL), -1);
	assert_int_equal(store_audit_add(st, 300, "lan", NULL, NULL, NULL,
	    NULL), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(store_audit_add(st, 400, big, "signout", big, big,
	    big), 0);
	assert_int_equal(store_commit(st), 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_audit_list(st, 0, 1000, NULL, 0, rows_add, &l),
	    0);
	assert_int_equal(l.n, 5);
	/* Newest first; the same second, the later row first. */
	assert_int_equal(l.v[0].at, 400);
	assert_int_equal(strlen(l.v[0].user), USER_NAME_MAX - 1);
	assert_int_equal(strlen(l.v[0].target), 63);
	assert_int_equal(strlen(l.v[0].addr), 63);
	assert_int_equal(strlen(l.v[0].detail), 255);
	assert_string_equal(l.v[1].action, "user_add");
	assert_string_equal(l.v[1].user, "tincayctl");
	assert_string_equal(l.v[1].addr, "");
	assert_string_equal(l.v[1].detail, "viewer");
	assert_string_equal(l.v[2].action, "close");
	assert_string_equal(l.v[2].detail, "f 34 CA YT");
	assert_string_equal(l.v[3].action, "case_view");
	assert_string_equal(l.v[3].target, "TC-7K3M");
	assert_string_equal(l.v[4].action, "signin");
	assert_string_equal(l.v[4].target, "");
	assert_true(l.v[3].id > l.v[4].id);

	/* [from, to), a user, a limit. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_audit_list(st, 200, 300, NULL, 0, rows_add, &l),
	    0);
	assert_int_equal(l.n, 2);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_audit_list(st, 0, 1000, "lan", 0, rows_add, &l),
	    0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].action, "case_view");
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_audit_list(st, 0, 1000, NULL, 2, rows_add, &l),
	    0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].at, 300);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_audit_list(st, 0, 1000, "nobody", 0, rows_add,
	    &l), 0);
	assert_int_equal(l.n, 0);
}

/*
 * A purge of everything (days 0) that destroys an old day's data key:
 * every audit row is still there, and a TOTP secret set that day still
 * opens (a data key of its day would have gone with the purge).
 */
static void
test_audit_survives_purge(void **state)
{
	struct t	*t = *state;
	struct store	*st = t->st;
	struct report_close c = { .status = "closed", .age = -1 };
	struct store_purged p;
	struct user_row	 u;
	struct rows	 l;
	char		 ref[REF_MAX], secret[TOTP_SECRET_LEN + 1];
	int64_t		 now = util_now(), a = now - 10 * DAY, id;

	store_seal_clock(st, a);
	assert_int_equal(store_begin(st), 0);
	id = store_report_add(st, "violence", NULL, NULL, "+84912000001", a, 0,
	    ref);
	assert_true(id > 0);
	assert_int_equal(store_report_close(st, id, &c, a + 60), 0);
	user(&u, "lan", "caseworker", "*", "*", "mat khau 1");
	assert_int_equal(store_user_add(st, &u), 0);
	assert_int_equal(store_user_totp_set(st, "lan", SECRET), 1);
	assert_int_equal(store_audit_add(st, a, "tincayctl", "user_add", "lan",
	    NULL, "caseworker"), 0);
	assert_int_equal(store_audit_add(st, a + 60, "lan", "close", ref,
	    "192.0.2.1", "NHAM"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM data_keys"
	    " WHERE day = ?1", a / DAY), 1);

	store_seal_clock(st, 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_purge(st, store_purge_cutoff(now, 0), 10, NULL,
	    NULL, &p), 0);
	assert_int_equal(p.reports, 1);
	assert_true(p.keys >= 1);
	assert_int_equal(count(st, "SELECT count(*) FROM data_keys"
	    " WHERE day = ?1", a / DAY), 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_audit_list(st, 0, now + 1, NULL, 0, rows_add,
	    &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].action, "close");
	assert_string_equal(l.v[0].target, ref);
	assert_string_equal(l.v[0].detail, "NHAM");
	assert_string_equal(l.v[1].action, "user_add");
	assert_int_equal(store_user_totp_get(st, "lan", secret,
	    sizeof(secret)), 1);
	assert_string_equal(secret, SECRET);
	assert_int_equal(store_user_get(st, "lan", &u), 1);
	assert_int_equal(passwd_verify("mat khau 1", 10, u.pw_hash), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users_rows, users_setup,
		    users_teardown),
		cmocka_unit_test_setup_teardown(test_users_rollback,
		    users_setup, users_teardown),
		cmocka_unit_test_setup_teardown(test_users_totp, users_setup,
		    users_teardown),
		cmocka_unit_test_setup_teardown(test_users_lock, users_setup,
		    users_teardown),
		cmocka_unit_test_setup_teardown(test_audit_rows, users_setup,
		    users_teardown),
		cmocka_unit_test_setup_teardown(test_audit_survives_purge,
		    users_setup, users_teardown),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
