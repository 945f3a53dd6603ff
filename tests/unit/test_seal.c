/*
 * test_seal.c: seal.c, the key of encryption at rest (SPEC §8): sealed
 * values open again only whole, unaltered and under their key; nonces are
 * fresh; keyed hashes; the key file made 0600 and refused when others may
 * read it; and the store's use of it: a database refuses a missing or
 * foreign key.
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

static void
test_round_trip(void **state)
{
	static const char *const values[] = { "+84912345678",
	    "BL thon 3 chồng đánh vợ", "x", "" };
	struct seal	*sl = seal_of(1);
	unsigned char	 blob[4096 + SEAL_OVERHEAD];
	char		 out[4096 + 1], big[4096];
	size_t		 i, len;
	int		 n;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		len = strlen(values[i]);
		n = seal_seal(sl, values[i], len, blob);
		assert_int_equal(n, (int)len + SEAL_OVERHEAD);
		assert_int_equal(blob[0], SEAL_VERSION);
		/* The value is nowhere in its blob (a value of a byte or
		 * three turns up in 29 random bytes by chance: 11 % for
		 * "x", so only longer ones are checked). */
		if (len >= 4)
			assert_false(contains(blob, (size_t)n, values[i],
			    len));
		assert_int_equal(seal_unseal(sl, blob, (size_t)n, out),
		    (int)len);
		assert_string_equal(out, values[i]);
	}
	memset(big, 'a', sizeof(big));
	n = seal_seal(sl, big, sizeof(big), blob);
	assert_int_equal(seal_unseal(sl, blob, (size_t)n, out),
	    (int)sizeof(big));
	assert_memory_equal(out, big, sizeof(big));
	seal_free(sl);
	seal_free(NULL);
}

/* Any change to any byte (version, nonce, ciphertext, tag), or a cut,
 * and it does not open. */
static void
test_tamper(void **state)
{
	struct seal	*sl = seal_of(2);
	unsigned char	 blob[64 + SEAL_OVERHEAD];
	char		 out[64 + 1];
	int		 n, i;

	n = seal_seal(sl, "+84912345678", 12, blob);
	for (i = 0; i < n; i++) {
		blob[i] ^= 0x01;
		assert_int_equal(seal_unseal(sl, blob, (size_t)n, out), -1);
		blob[i] ^= 0x01;
	}
	assert_int_equal(seal_unseal(sl, blob, (size_t)n - 1, out), -1);
	assert_int_equal(seal_unseal(sl, blob, SEAL_OVERHEAD - 1, out), -1);
	assert_int_equal(seal_unseal(sl, blob, 0, out), -1);
	assert_int_equal(seal_unseal(sl, blob, (size_t)n, out), 12);
	assert_string_equal(out, "+84912345678");
	seal_free(sl);
}

/* The same value twice never gives the same blob: a fresh nonce each. */
static void
test_nonces(void **state)
{
	enum { N = 2000 };
	struct seal	*sl = seal_of(3);
	unsigned char	(*nonces)[SEAL_NONCE_LEN], blob[16 + SEAL_OVERHEAD];
	unsigned char	 first[16 + SEAL_OVERHEAD];
	int		 i, j, n;

	nonces = calloc(N, SEAL_NONCE_LEN);
	assert_non_null(nonces);
	n = seal_seal(sl, "+84912345678", 12, first);
	for (i = 0; i < N; i++) {
		assert_int_equal(seal_seal(sl, "+84912345678", 12, blob), n);
		assert_memory_not_equal(blob + 1 + SEAL_NONCE_LEN,
		    first + 1 + SEAL_NONCE_LEN, 12);
		memcpy(nonces[i], blob + 1, SEAL_NONCE_LEN);
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			if (memcmp(nonces[i], nonces[j], SEAL_NONCE_LEN) == 0)
				fail_msg("nonce %d repeats %d", j, i);
	free(nonces);
	seal_free(sl);
}

static void
test_wrong_key(void **state)
{
	struct seal	*a = seal_of(4), *b = seal_of(5);
	unsigned char	 blob[16 + SEAL_OVERHEAD];
	char		 out[16 + 1];
	int		 n;

	n = seal_seal(a, "BL T3", 5, blob);
	assert_int_equal(seal_unseal(b, blob, (size_t)n, out), -1);
	assert_int_equal(seal_unseal(a, blob, (size_t)n, out), 5);
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
