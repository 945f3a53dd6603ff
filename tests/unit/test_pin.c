/*
 * test_pin.c: PINs as salted slow hashes (SPEC §8): the format and its
 * parameters, a fresh salt each time, verification of this and of other
 * parameters, what never matches (clear PINs, broken or greedy hashes),
 * and the KDF parameters in force (their cost is timed by make bench).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "../../core/core.h"

/* "scrypt$8192$8$1$" then 32 and 64 hex digits. */
static void
test_format(void **state)
{
	char		 h[PIN_HASH_MAX], again[PIN_HASH_MAX];
	const char	*p;
	size_t		 i;

	(void)state;
	assert_int_equal(pin_hash("4321", 4, h), 0);
	assert_true(strncmp(h, "scrypt$8192$8$1$", 16) == 0);
	p = h + 16;
	assert_int_equal(strlen(p), 32 + 1 + 64);
	for (i = 0; i < strlen(p); i++)
		if (i == 32)
			assert_int_equal(p[i], '$');
		else
			assert_non_null(strchr("0123456789abcdef", p[i]));
	assert_null(strstr(h, "4321"));
	assert_true(pin_is_hash(h));
	assert_false(pin_is_hash("4321"));
	assert_false(pin_is_hash(NULL));
	/* A fresh salt: the same PIN never hashes the same. */
	assert_int_equal(pin_hash("4321", 4, again), 0);
	assert_string_not_equal(h, again);
	assert_int_equal(pin_verify("4321", 4, again), 1);
}

static void
test_verify(void **state)
{
	char	 h[PIN_HASH_MAX];

	(void)state;
	assert_int_equal(pin_hash("12345678", 8, h), 0);
	assert_int_equal(pin_verify("12345678", 8, h), 1);
	assert_int_equal(pin_verify("12345679", 8, h), 0);
	assert_int_equal(pin_verify("1234567", 7, h), 0);
	assert_int_equal(pin_verify("123456789", 9, h), 0);
	assert_int_equal(pin_verify("", 0, h), 0);
	/* Only len bytes count. */
	assert_int_equal(pin_verify("123456789", 8, h), 1);
	/* A PIN kept in clear never matches, not even itself. */
	assert_int_equal(pin_verify("4321", 4, "4321"), 0);
	assert_int_equal(pin_verify("", 0, ""), 0);
	assert_int_equal(pin_verify("4321", 4, NULL), 0);
}

/* The parameters come from the stored hash, so they can change. */
static void
test_other_parameters(void **state)
{
	char		 h[PIN_HASH_MAX], bad[2 * PIN_HASH_MAX], hex[65];
	unsigned char	 salt[16], key[32];
	static const char *const broken[] = {
		"scrypt$1000$8$1$",		/* N not a power of 2 */
		"scrypt$1$8$1$",		/* N below 2 */
		"scrypt$0$8$1$",
		"scrypt$01024$8$1$",		/* leading zero */
		"scrypt$1048576$8$1$",		/* more than we allow */
		"scrypt$1024$64$1$",
		"scrypt$1024$8$9$",
		"scrypt$65536$16$4$",		/* 512 MiB */
		"scrypt$1024$8$",		/* no p */
		"scrypt$$8$1$",
		"bcrypt$1024$8$1$",
	};
	const char	*tail;
	size_t		 i;

	(void)state;
	/* Made elsewhere with N = 1024, r = 4, p = 2: it verifies. */
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (unsigned char)i;
	assert_int_equal(EVP_PBE_scrypt("4321", 4, salt, sizeof(salt), 1024,
	    4, 2, 0, key, sizeof(key)), 1);
	util_hex(key, sizeof(key), hex);
	snprintf(h, sizeof(h), "scrypt$1024$4$2$"
	    "000102030405060708090a0b0c0d0e0f$%s", hex);
	assert_int_equal(pin_verify("4321", 4, h), 1);
	assert_int_equal(pin_verify("4322", 4, h), 0);

	assert_int_equal(pin_hash("4321", 4, h), 0);
	tail = h + 16;
	/* The same salt and key under other parameters: no match. */
	snprintf(bad, sizeof(bad), "scrypt$16384$8$1$%s", tail);
	assert_int_equal(pin_verify("4321", 4, bad), 0);
	snprintf(bad, sizeof(bad), "scrypt$8192$8$1$%s", tail);
	assert_int_equal(pin_verify("4321", 4, bad), 1);
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		snprintf(bad, sizeof(bad), "%s%s", broken[i], tail);
		assert_int_equal(pin_verify("4321", 4, bad), 0);
	}
	/* Upper-case hex, a short or long key, a missing '$'. */
	snprintf(bad, sizeof(bad), "%s", h);
	bad[20] = bad[20] >= 'a' ? (char)(bad[20] - 32) : bad[20];
	if (strcmp(bad, h) != 0)
		assert_int_equal(pin_verify("4321", 4, bad), 0);
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(h) - 1, h);
	assert_int_equal(pin_verify("4321", 4, bad), 0);
	snprintf(bad, sizeof(bad), "%s0", h);
	assert_int_equal(pin_verify("4321", 4, bad), 0);
	snprintf(bad, sizeof(bad), "%s", h);
	bad[16 + 32] = 'x';
	assert_int_equal(pin_verify("4321", 4, bad), 0);
}

/*
 * The parameters in force are those of SPEC §8's slow hash: the stored
 * key is scrypt with N = 8192, r = 8, p = 1 (8 MiB) of the PIN under the
 * stored salt, recomputed here with OpenSSL. What one check costs is
 * timed by make bench (build/bench/pin), not here.
 */
static void
test_params_in_force(void **state)
{
	char		 h[PIN_HASH_MAX], hex[65], hsalt[33];
	unsigned char	 salt[16], key[32];
	unsigned int	 b;
	size_t		 i;

	(void)state;
	assert_int_equal(pin_hash("4321", 4, h), 0);
	assert_true(strncmp(h, "scrypt$8192$8$1$", 16) == 0);
	memcpy(hsalt, h + 16, 32);
	hsalt[32] = '\0';
	for (i = 0; i < sizeof(salt); i++) {
		assert_int_equal(sscanf(hsalt + 2 * i, "%2x", &b), 1);
		salt[i] = (unsigned char)b;
	}
	assert_int_equal(EVP_PBE_scrypt("4321", 4, salt, sizeof(salt), 8192,
	    8, 1, 0, key, sizeof(key)), 1);
	util_hex(key, sizeof(key), hex);
	assert_string_equal(h + 16 + 33, hex);
	/* The same under weaker parameters is another key. */
	assert_int_equal(EVP_PBE_scrypt("4321", 4, salt, sizeof(salt), 1024,
	    8, 1, 0, key, sizeof(key)), 1);
	util_hex(key, sizeof(key), hex);
	assert_string_not_equal(h + 16 + 33, hex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_other_parameters),
		cmocka_unit_test(test_params_in_force),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
