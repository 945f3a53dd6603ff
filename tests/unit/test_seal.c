/*
 * test_seal.c: seal.c, the key of encryption at rest (SPEC §8): sealed
 * values open again only whole, unaltered and under their data key; data
 * keys wrapped by the key, opened only by it, for their own id; blobs of
 * version 1 (under the key itself) still open; nonces are fresh; keyed
 * hashes; the key file made 0600 and refused when others may read it; and
 * the store's use of it: a database refuses a missing or foreign key, on
 * the engine of $TINCAY_TEST_ENGINE (engine.h).
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

#include "../../core/core.h"
#include "../../core/seal.h"
#include "../../store/store.h"
#include "dkeys.h"
#include "engine.h"

static char	 dir[] = "/tmp/tincay-seal-XXXXXX";

static int
group_setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	static const char *const names[] = { "k", "k2", "t.db", "t.db-wal",
	    "t.db-shm", "t.db.key", "u.db", "u.db-wal", "u.db-shm",
	    "u.db.key", "v.key" };
	char	 p[sizeof(dir) + 16];
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	return rmdir(dir);
}

static void
path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* Whether (hay, n) holds the len bytes of needle anywhere. */
static int
contains(const unsigned char *hay, size_t n, const char *needle, size_t len)
{
	size_t	 i;

	for (i = 0; i + len <= n; i++)
		if (memcmp(hay + i, needle, len) == 0)
			return 1;
	return 0;
}

static struct seal *
seal_of(unsigned char byte)
{
	unsigned char	 key[SEAL_KEY_LEN];
	struct seal	*sl;

	memset(key, byte, sizeof(key));
	sl = seal_new(key);
	assert_non_null(sl);
	return sl;
}

/* A new data key of sl for day id. */
static struct seal_dkey *
dkey_of(struct seal *sl, uint32_t id)
{
	unsigned char	  wrapped[SEAL_WRAPPED_LEN];
	struct seal_dkey *dk;

	dk = seal_dkey_make(sl, id, wrapped);
	assert_non_null(dk);
	assert_int_equal(seal_dkey_id(dk), id);
	return dk;
}

static void
test_round_trip(void **state)
{
	static const char *const values[] = { "+84912345678",
	    "BL thon 3 chồng đánh vợ", "x", "" };
	struct seal	 *sl = seal_of(1);
	struct seal_dkey *dk = dkey_of(sl, 0x01020304);
	unsigned char	  blob[4096 + SEAL_OVERHEAD];
	char		  out[4096 + 1], big[4096];
	size_t		  i, len;
	uint32_t	  id = 0;
	int		  n;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		len = strlen(values[i]);
		n = seal_seal(sl, dk, values[i], len, blob);
		assert_int_equal(n, (int)len + SEAL_OVERHEAD);
		assert_int_equal(blob[0], SEAL_VERSION);
		/* Its data key's id, big-endian, after the version. */
		assert_int_equal(blob[1], 1);
		assert_int_equal(blob[4], 4);
		assert_int_equal(seal_blob_key(blob, (size_t)n, &id),
		    SEAL_VERSION);
		assert_int_equal(id, 0x01020304);
		/* The value is nowhere in its blob (a value of a byte or
		 * three turns up in 33 random bytes by chance: 12 % for
		 * "x", so only longer ones are checked). */
		if (len >= 4)
			assert_false(contains(blob, (size_t)n, values[i],
			    len));
		assert_int_equal(seal_unseal(sl, dk, blob, (size_t)n, out),
		    (int)len);
		assert_string_equal(out, values[i]);
		/* Not without its data key. */
		assert_int_equal(seal_unseal(sl, NULL, blob, (size_t)n, out),
		    -1);
	}
	memset(big, 'a', sizeof(big));
	n = seal_seal(sl, dk, big, sizeof(big), blob);
	assert_int_equal(seal_unseal(sl, dk, blob, (size_t)n, out),
	    (int)sizeof(big));
	assert_memory_equal(out, big, sizeof(big));
	assert_int_equal(seal_seal(sl, NULL, "x", 1, blob), -1);
	seal_dkey_free(dk);
	seal_dkey_free(NULL);
	seal_free(sl);
	seal_free(NULL);
}

/*
 * A data key is wrapped by the key for its id: it opens again under the
 * same key and id only, unaltered; each one made is another. Its format
 * (seal.h) is checked by opening it with OpenSSL alone (dkeys.h), and a
 * blob sealed under it with the raw key that gives.
 */
static void
test_dkey_wrap(void **state)
{
	unsigned char	  key[SEAL_KEY_LEN], w1[SEAL_WRAPPED_LEN],
			  w2[SEAL_WRAPPED_LEN], raw[SEAL_KEY_LEN],
			  blob[64 + SEAL_OVERHEAD];
	struct seal	 *sl = seal_of(9), *other = seal_of(10);
	struct seal_dkey *a, *b, *again;
	char		  out[64 + 1];
	size_t		  i;
	int		  n;

	memset(key, 9, sizeof(key));
	assert_non_null(a = seal_dkey_make(sl, 19999, w1));
	assert_non_null(b = seal_dkey_make(sl, 19999, w2));
	assert_memory_not_equal(w1, w2, SEAL_WRAPPED_LEN);
	n = seal_seal(sl, a, "+84912345678", 12, blob);
	assert_int_equal(seal_unseal(sl, b, blob, (size_t)n, out), -1);

	assert_non_null(again = seal_dkey_open(sl, 19999, w1, sizeof(w1)));
	assert_int_equal(seal_unseal(sl, again, blob, (size_t)n, out), 12);
	assert_string_equal(out, "+84912345678");
	seal_dkey_free(again);
	/* Another id, another key, a byte changed, a cut: nothing. */
	assert_null(seal_dkey_open(sl, 20000, w1, sizeof(w1)));
	assert_null(seal_dkey_open(other, 19999, w1, sizeof(w1)));
	assert_null(seal_dkey_open(sl, 19999, w1, sizeof(w1) - 1));
	assert_null(seal_dkey_open(sl, 19999, NULL, sizeof(w1)));
	for (i = 0; i < sizeof(w1); i++) {
		w1[i] ^= 0x80;
		assert_null(seal_dkey_open(sl, 19999, w1, sizeof(w1)));
		w1[i] ^= 0x80;
	}
	/* The format: the raw key is in nobody's hands but through it. */
	assert_int_equal(dkeys_unwrap(key, 19999, w1, raw), 0);
	assert_false(contains(w1, sizeof(w1), (const char *)raw, 8));
	assert_int_equal(dkeys_open_v2(raw, blob, (size_t)n, out), 12);
	assert_string_equal(out, "+84912345678");
	assert_int_equal(dkeys_unwrap(key, 19998, w1, raw), -1);
	seal_dkey_free(a);
	seal_dkey_free(b);
	seal_free(sl);
	seal_free(other);
}

/* Blobs of version 1, sealed under a subkey of the key itself before
 * migration 18, still open, without a data key; altered, they do not. */
static void
test_v1_opens(void **state)
{
	static const unsigned char nonce[SEAL_NONCE_LEN] = { 1, 2, 3, 4, 5,
	    6, 7, 8, 9, 10, 11, 12 };
	unsigned char	 key[SEAL_KEY_LEN], blob[64 + SEAL_OVERHEAD];
	struct seal	*sl = seal_of(11), *other = seal_of(12);
	char		 out[64 + 1];
	uint32_t	 id = 7;
	int		 n, i;

	memset(key, 11, sizeof(key));
	n = dkeys_seal_v1(key, nonce, "BL T3 chong danh", 16, blob);
	assert_int_equal(n, 16 + 29);
	assert_int_equal(seal_blob_key(blob, (size_t)n, &id),
	    SEAL_VERSION_MASTER);
	assert_int_equal(id, 7);
	assert_int_equal(seal_unseal(sl, NULL, blob, (size_t)n, out), 16);
	assert_string_equal(out, "BL T3 chong danh");
	assert_int_equal(seal_unseal(other, NULL, blob, (size_t)n, out), -1);
	for (i = 0; i < n; i++) {
		blob[i] ^= 0x01;
		assert_int_equal(seal_unseal(sl, NULL, blob, (size_t)n, out),
		    -1);
		blob[i] ^= 0x01;
	}
	assert_int_equal(seal_blob_key(blob, 28, &id), -1);
	seal_free(sl);
	seal_free(other);
}

/* Any change to any byte (version, nonce, ciphertext, tag), or a cut,
 * and it does not open. */
static void
test_tamper(void **state)
{
	struct seal	 *sl = seal_of(2);
	struct seal_dkey *dk = dkey_of(sl, 20000);
	unsigned char	  blob[64 + SEAL_OVERHEAD];
	char		  out[64 + 1];
	int		  n, i;

	n = seal_seal(sl, dk, "+84912345678", 12, blob);
	for (i = 0; i < n; i++) {
		blob[i] ^= 0x01;
		assert_int_equal(seal_unseal(sl, dk, blob, (size_t)n, out),
		    -1);
		blob[i] ^= 0x01;
	}
	assert_int_equal(seal_unseal(sl, dk, blob, (size_t)n - 1, out), -1);
	assert_int_equal(seal_unseal(sl, dk, blob, SEAL_OVERHEAD - 1, out),
	    -1);
	assert_int_equal(seal_unseal(sl, dk, blob, 0, out), -1);
	assert_int_equal(seal_unseal(sl, dk, blob, (size_t)n, out), 12);
	assert_string_equal(out, "+84912345678");
	seal_dkey_free(dk);
	seal_free(sl);
}

/* The same value twice never gives the same blob: a fresh nonce each. */
static void
test_nonces(void **state)
{
	enum { N = 2000 };
	struct seal	 *sl = seal_of(3);
	struct seal_dkey *dk = dkey_of(sl, 1);
	unsigned char	(*nonces)[SEAL_NONCE_LEN], blob[16 + SEAL_OVERHEAD];
	unsigned char	  first[16 + SEAL_OVERHEAD];
	int		  i, j, n;

	nonces = calloc(N, SEAL_NONCE_LEN);
	assert_non_null(nonces);
	n = seal_seal(sl, dk, "+84912345678", 12, first);
	for (i = 0; i < N; i++) {
		assert_int_equal(seal_seal(sl, dk, "+84912345678", 12, blob),
		    n);
		assert_memory_not_equal(blob + SEAL_HEAD_LEN + SEAL_NONCE_LEN,
		    first + SEAL_HEAD_LEN + SEAL_NONCE_LEN, 12);
		memcpy(nonces[i], blob + SEAL_HEAD_LEN, SEAL_NONCE_LEN);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			if (memcmp(nonces[i], nonces[j], SEAL_NONCE_LEN) == 0)
				fail_msg("nonce %d repeats %d", j, i);
	free(nonces);
	seal_dkey_free(dk);
	seal_free(sl);
}

static void
test_wrong_key(void **state)
{
	struct seal	 *a = seal_of(4), *b = seal_of(5);
	struct seal_dkey *da = dkey_of(a, 3), *db = dkey_of(b, 3);
	unsigned char	  blob[16 + SEAL_OVERHEAD];
	char		  out[16 + 1];
	int		  n;

	n = seal_seal(a, da, "BL T3", 5, blob);
	assert_int_equal(seal_unseal(b, db, blob, (size_t)n, out), -1);
	assert_int_equal(seal_unseal(a, db, blob, (size_t)n, out), -1);
	assert_int_equal(seal_unseal(a, da, blob, (size_t)n, out), 5);
	seal_dkey_free(da);
	seal_dkey_free(db);
	assert_memory_not_equal(seal_check(a), seal_check(b),
	    SEAL_CHECK_LEN);
	seal_free(a);
	seal_free(b);
}

/* Equal numbers, equal hashes, under one key only; and they are
 * HMAC-SHA256 under the HKDF subkey, so other tools can compute them. */
static void
test_hash(void **state)
{
	/* HMAC-SHA256(HMAC-SHA256(32 x 0x06, "tincay seal 1 hash" 0x01),
	 * "+84912345678"), first 16 bytes. */
	static const unsigned char want[SEAL_HASH_LEN] = {
		0x71, 0xdd, 0x2b, 0x75, 0x4f, 0xe8, 0xea, 0x6e,
		0x88, 0xf6, 0x9c, 0x19, 0xce, 0x85, 0x05, 0xa3,
	};
	struct seal	*a = seal_of(6), *b = seal_of(7);
	unsigned char	 h1[SEAL_HASH_LEN], h2[SEAL_HASH_LEN];

	seal_hash(a, "+84912345678", 12, h1);
	seal_hash(a, "+84912345678", 12, h2);
	assert_memory_equal(h1, h2, SEAL_HASH_LEN);
	assert_memory_equal(h1, want, SEAL_HASH_LEN);
	seal_hash(a, "+84912345679", 12, h2);
	assert_memory_not_equal(h1, h2, SEAL_HASH_LEN);
	seal_hash(b, "+84912345678", 12, h2);
	assert_memory_not_equal(h1, h2, SEAL_HASH_LEN);
	seal_free(a);
	seal_free(b);
}

/* Made 0600 whatever the umask, read back the same; a second maker reads
 * the first one's key. */
static void
test_key_file_created_0600(void **state)
{
	unsigned char	 k1[SEAL_KEY_LEN], k2[SEAL_KEY_LEN];
	char		 p[sizeof(dir) + 16], err[256];
	struct stat	 sb;
	mode_t		 old;

	path_of(p, sizeof(p), "k");
	assert_int_equal(seal_key_read(p, k1, err, sizeof(err)), 1);
	old = umask(0);
	assert_int_equal(seal_key_create(p, k1, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_size, SEAL_KEY_LEN);
	assert_int_equal(seal_key_read(p, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, SEAL_KEY_LEN);
	memset(k2, 0, sizeof(k2));
	assert_int_equal(seal_key_create(p, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, SEAL_KEY_LEN);
}

/* Others may read it, or it is not a key: refused, saying why. */
static void
test_key_file_refused(void **state)
{
	unsigned char	 k[SEAL_KEY_LEN];
	char		 p[sizeof(dir) + 16], err[256];
	FILE		*f;

	path_of(p, sizeof(p), "k2");
	assert_int_equal(seal_key_create(p, k, err, sizeof(err)), 0);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(seal_key_read(p, k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "0644"));
	assert_non_null(strstr(err, "0600"));
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(seal_key_read(p, k, err, sizeof(err)), -1);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(seal_key_read(p, k, err, sizeof(err)), 0);
	assert_non_null(f = fopen(p, "a"));
	fputc('x', f);
	fclose(f);
	assert_int_equal(seal_key_read(p, k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "33 bytes"));
	assert_int_equal(seal_key_read(dir, k, err, sizeof(err)), -1);
}

/* A server's database by URI, with a password it does not need (trust):
 * no message may show it. */
static void
uri_with_password(struct engine_db *e)
{
	char	*user = strstr(e->database, "://"), *at = NULL;
	char	 uri[sizeof(e->database)];

	if (user == NULL || (at = strchr(user += 3, '@')) == NULL ||
	    memchr(user, ':', (size_t)(at - user)) != NULL)
		fail_msg("%s: not user@host", e->database);
	snprintf(uri, sizeof(uri), "%.*s:sekrit%s", (int)(at -
	    e->database), e->database, at);
	snprintf(e->database, sizeof(e->database), "%s", uri);
}

/*
 * PostgreSQL's: a server's database takes its key from key_file alone
 * (none beside it); the key is made 0600 at first open; another
 * database's key is refused, so is a missing one (and none is made), and
 * one others may read; tincayd -t (store_peek_key) says the same. No
 * message shows the URI's password.
 */
static void
test_store_key_pg(void)
{
	struct engine_db a, b;
	struct store	*st;
	struct store_peek *p;
	struct stat	 sb;
	char		 err[512], missing[sizeof(dir) + 16];
	mode_t		 old;

	engine_db(&a, NULL);
	engine_db(&b, NULL);
	uri_with_password(&a);
	assert_null(store_open_keyed(a.database, NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "key_file"));
	old = umask(0);
	st = engine_open(&a, 0, err, sizeof(err));
	umask(old);
	if (st == NULL)
		fail_msg("%s", err);
	store_close(st);
	assert_int_equal(stat(a.key, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	st = engine_open(&a, 1, err, sizeof(err));
	assert_non_null(st);
	store_close(st);

	/* Another database's key is not this one's. */
	st = engine_open(&b, 0, err, sizeof(err));
	assert_non_null(st);
	store_close(st);
	assert_null(store_open_keyed(a.database, b.key, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "not the key"));
	assert_null(strstr(err, "sekrit"));

	/* Without its key: refused, and no new key made. */
	path_of(missing, sizeof(missing), "v.key");
	assert_null(store_open_keyed(a.database, missing, 0, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "missing"));
	assert_null(strstr(err, "sekrit"));
	assert_int_equal(stat(missing, &sb), -1);

	/* tincayd -t: its key, another's, none. */
	assert_non_null(p = store_peek_open(a.database, err, sizeof(err)));
	assert_int_equal(store_peek_key(p, a.database, a.key, err,
	    sizeof(err)), 1);
	assert_int_equal(store_peek_key(p, a.database, b.key, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "not the key"));
	assert_null(strstr(err, "sekrit"));
	assert_int_equal(store_peek_key(p, a.database, missing, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "missing"));
	assert_null(strstr(err, "sekrit"));
	store_peek_close(p);

	assert_int_equal(chmod(a.key, 0644), 0);
	assert_null(engine_open(&a, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "0644"));
	engine_drop(&a);
	engine_drop(&b);
}

/* The store: a database makes its key beside it at first open, reopens
 * with it, and refuses to open without it or with another database's;
 * a key file others may read is refused too. */
static void
test_store_key(void **state)
{
	struct store	*st;
	char		 db[sizeof(dir) + 16], key[sizeof(dir) + 16],
			 other[sizeof(dir) + 16], err[256];
	struct stat	 sb;
	mode_t		 old;

	if (engine_is_pg()) {
		test_store_key_pg();
		return;
	}
	path_of(db, sizeof(db), "t.db");
	path_of(key, sizeof(key), "t.db.key");
	path_of(other, sizeof(other), "u.db");
	old = umask(0);
	st = store_open_keyed(db, NULL, 0, err, sizeof(err));
	umask(old);
	if (st == NULL)
		fail_msg("%s", err);
	store_close(st);
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	st = store_open_keyed(db, key, 1, err, sizeof(err));
	assert_non_null(st);
	store_close(st);

	/* Another database's key is not this one's. */
	st = store_open_keyed(other, NULL, 0, err, sizeof(err));
	assert_non_null(st);
	store_close(st);
	path_of(other, sizeof(other), "u.db.key");
	assert_null(store_open_keyed(db, other, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "not the key"));

	/* Without its key (copied alone): refused, and no new key made. */
	path_of(other, sizeof(other), "v.key");
	assert_null(store_open_keyed(db, other, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "missing"));
	assert_int_equal(stat(other, &sb), -1);

	assert_int_equal(chmod(key, 0644), 0);
	assert_null(store_open_keyed(db, NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "0644"));
	assert_int_equal(chmod(key, 0600), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_dkey_wrap),
		cmocka_unit_test(test_v1_opens),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_nonces),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_key_file_created_0600),
		cmocka_unit_test(test_key_file_refused),
		cmocka_unit_test(test_store_key),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
