/*
 * test_passwd.c: the console's credentials (SPEC §12). Passwords as
 * scrypt.c's hashes under their own cost (stronger than a PIN's), what a
 * password and a name may be; TOTP against RFC 6238's and RFC 4226's
 * vectors, its steps either side, base32 both ways (RFC 4648's vectors),
 * fresh secrets, the otpauth URI.
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

/* RFC 6238's SHA-1 secret, "12345678901234567890", in base32. */
#define RFC_SECRET	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
test_passwd_hash(void **state)
{
	char		 h[PASSWD_HASH_MAX], again[PASSWD_HASH_MAX];
	char		 hsalt[33], hex[65];
	unsigned char	 salt[16], key[32];
	unsigned int	 b;
	size_t		 i;

	(void)state;
	assert_int_equal(passwd_hash("correct horse", 13, h), 0);
	/* N = 2^15, r = 8, p = 1: a PIN's is 2^13. */
	assert_true(strncmp(h, "scrypt$32768$8$1$", 17) == 0);
	assert_null(strstr(h, "horse"));
	assert_int_equal(strlen(h + 17), 32 + 1 + 64);
	/* The key is scrypt of the password under the salt, as OpenSSL
	 * computes it. */
	memcpy(hsalt, h + 17, 32);
	hsalt[32] = '\0';
	for (i = 0; i < sizeof(salt); i++) {
		assert_int_equal(sscanf(hsalt + 2 * i, "%2x", &b), 1);
		salt[i] = (unsigned char)b;
	}
	assert_int_equal(EVP_PBE_scrypt("correct horse", 13, salt,
	    sizeof(salt), 32768, 8, 1, 64u << 20, key, sizeof(key)), 1);
	util_hex(key, sizeof(key), hex);
	assert_string_equal(h + 17 + 33, hex);
	assert_int_equal(passwd_verify("correct horse", 13, h), 1);
	assert_int_equal(passwd_verify("correct horsf", 13, h), 0);
	assert_int_equal(passwd_verify("correct hors", 12, h), 0);
	assert_int_equal(passwd_verify("", 0, h), 0);
	assert_int_equal(passwd_verify("correct horse", 13, "correct horse"),
	    0);
	assert_int_equal(passwd_verify("correct horse", 13, NULL), 0);
	/* A fresh salt each time. */
	assert_int_equal(passwd_hash("correct horse", 13, again), 0);
	assert_string_not_equal(h, again);
	assert_int_equal(passwd_verify("correct horse", 13, again), 1);
	/* One format: a PIN's hash verifies as a password and back (each
	 * under its own limit), a greedy one as neither. */
	assert_int_equal(pin_hash("12345678", 8, h), 0);
	assert_int_equal(passwd_verify("12345678", 8, h), 1);
	assert_int_equal(passwd_hash("12345678", 8, h), 0);
	assert_int_equal(pin_verify("12345678", 8, h), 1);
	memcpy(again, "scrypt$131072$8$1$", 18);
	snprintf(again + 18, sizeof(again) - 18, "%s", h + 17);
	assert_int_equal(passwd_verify("12345678", 8, again), 0);
}

static void
test_passwd_rules(void **state)
{
	static const char *const bad_names[] = { "", ".x", "-x", "@x",
	    "a b", "a/b", "ana\xcc\x81", "tincayctl", "a;b", "x\n",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	};
	static const char *const good_names[] = { "lan", "Lan.Nguyen",
	    "lan@hoi-phu-nu", "0a_b", "x" };
	size_t	 i;

	(void)state;
	assert_null(passwd_check("12345678", 8));
	assert_null(passwd_check("mật khẩu", strlen("mật khẩu")));
	assert_non_null(passwd_check("", 0));
	assert_non_null(passwd_check("1234567", 7));
	/* Eight bytes but seven characters. */
	assert_non_null(passwd_check("mật kh", strlen("mật kh")));
	assert_non_null(passwd_check("1234\t5678", 9));
	assert_non_null(passwd_check("12345678\xff", 9));
	assert_non_null(passwd_check("1234\0" "5678", 9));
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		assert_non_null(passwd_name_check(bad_names[i]));
	for (i = 0; i < sizeof(good_names) / sizeof(good_names[0]); i++)
		assert_null(passwd_name_check(good_names[i]));
	assert_true(passwd_role_ok("admin"));
	assert_true(passwd_role_ok("caseworker"));
	assert_true(passwd_role_ok("viewer"));
	assert_false(passwd_role_ok("Admin"));
	assert_false(passwd_role_ok("police"));
	assert_false(passwd_role_ok(""));
}

/* RFC 6238, appendix B, SHA-1: its 8-digit codes, whose last 6 digits
 * are the 6-digit code (both are the same 31 bits modulo 10^d). */
static void
test_totp_rfc6238(void **state)
{
	static const struct {
		int64_t		 t;
		int		 code8;
	} v[] = {
		{ 59, 94287082 },
		{ 1111111109, 7081804 },
		{ 1111111111, 14050471 },
		{ 1234567890, 89005924 },
		{ 2000000000, 69279037 },
		{ 20000000000LL, 65353130 },
	};
	char	 code[8];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(RFC_SECRET, v[i].t),
		    v[i].code8 % 1000000);
		snprintf(code, sizeof(code), "%06d", v[i].code8 % 1000000);
		assert_int_equal(totp_verify(RFC_SECRET, code, v[i].t), 1);
	}
	/* Lower case and spaces, as apps show it, are the same secret. */
	assert_int_equal(totp_code("gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
	    59), 287082);
}

/* RFC 4226, appendix D: HOTP of counters 0..9 are the codes of steps. */
static void
test_totp_rfc4226(void **state)
{
	static const int hotp[] = { 755224, 287082, 359152, 969429, 338314,
	    254676, 287922, 162583, 399871, 520489 };
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(hotp) / sizeof(hotp[0]); i++) {
		assert_int_equal(totp_code(RFC_SECRET, (int64_t)i * 30),
		    hotp[i]);
		assert_int_equal(totp_code(RFC_SECRET, (int64_t)i * 30 + 29),
		    hotp[i]);
	}
}

/* A step either side, not two; 6 digits exactly. */
static void
test_totp_window(void **state)
{
	const int64_t	 now = 1700000015;	/* mid-step */
	char		 code[16];
	int		 d;

	(void)state;
	for (d = -3; d <= 3; d++) {
		snprintf(code, sizeof(code), "%06d", totp_code(RFC_SECRET,
		    now + 30 * d));
		if (d >= -1 && d <= 1)
			assert_int_equal(totp_verify(RFC_SECRET, code, now), 1);
		else if (totp_code(RFC_SECRET, now + 30 * d) !=
		    totp_code(RFC_SECRET, now) &&
		    totp_code(RFC_SECRET, now + 30 * d) !=
		    totp_code(RFC_SECRET, now - 30) &&
		    totp_code(RFC_SECRET, now + 30 * d) !=
		    totp_code(RFC_SECRET, now + 30))
			assert_int_equal(totp_verify(RFC_SECRET, code, now), 0);
	}
	snprintf(code, sizeof(code), "%06d", totp_code(RFC_SECRET, now));
	assert_int_equal(totp_verify(RFC_SECRET, code, now), 1);
	code[5] = code[5] == '9' ? '0' : (char)(code[5] + 1);
	assert_int_equal(totp_verify(RFC_SECRET, code, now), 0);
	snprintf(code, sizeof(code), "%06d", totp_code(RFC_SECRET, now));
	code[6] = '0';
	code[7] = '\0';
	assert_int_equal(totp_verify(RFC_SECRET, code, now), 0);
	code[5] = '\0';
	assert_int_equal(totp_verify(RFC_SECRET, code, now), 0);
	assert_int_equal(totp_verify(RFC_SECRET, "", now), 0);
	assert_int_equal(totp_verify(RFC_SECRET, "12345a", now), 0);
	assert_int_equal(totp_verify(RFC_SECRET, " 12345", now), 0);
	/* A secret that is not base32. */
	assert_int_equal(totp_verify("GEZD1", "123456", now), -1);
	assert_int_equal(totp_code("GEZD1", now), -1);
	assert_int_equal(totp_code("", now), -1);
	assert_int_equal(totp_code(RFC_SECRET, -1), -1);
}

/* RFC 4648, section 10 (padding left off, as secrets are written). */
static void
test_base32(void **state)
{
	static const struct {
		const char	*in, *out;
	} v[] = {
		{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" },
		{ "foo", "MZXW6" }, { "foob", "MZXW6YQ" },
		{ "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
		{ "12345678901234567890", RFC_SECRET },
	};
	char		 out[64];
	unsigned char	 back[64];
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = totp_base32_encode((const unsigned char *)v[i].in,
		    strlen(v[i].in), out, sizeof(out));
		assert_int_equal(n, (int)strlen(v[i].out));
		assert_string_equal(out, v[i].out);
		n = totp_base32_decode(v[i].out, back, sizeof(back));
		assert_int_equal(n, (int)strlen(v[i].in));
		assert_memory_equal(back, v[i].in, (size_t)n);
	}
	assert_int_equal(totp_base32_decode("MZXW6YQ=", back, sizeof(back)),
	    4);
	assert_int_equal(totp_base32_decode("MZXW6===", back, sizeof(back)),
	    3);
	assert_int_equal(totp_base32_decode("MZ=XW6", back, sizeof(back)),
	    -1);
	assert_int_equal(totp_base32_decode("MZXW1", back, sizeof(back)), -1);
	assert_int_equal(totp_base32_decode("MZXW6YTBOI", back, 5), -1);
	assert_int_equal(totp_base32_encode((const unsigned char *)"foo", 3,
	    out, 5), -1);
	assert_int_equal(totp_base32_encode((const unsigned char *)"foo", 3,
	    out, 6), 5);
}

static void
test_totp_secret(void **state)
{
	char		 a[TOTP_SECRET_LEN + 1], b[TOTP_SECRET_LEN + 1];
	char		 uri[TOTP_URI_MAX];
	unsigned char	 key[32];

	(void)state;
	assert_int_equal(totp_secret_new(a, sizeof(a)), 0);
	assert_int_equal(totp_secret_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), TOTP_SECRET_LEN);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
	    TOTP_SECRET_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(totp_base32_decode(a, key, sizeof(key)), 20);
	assert_int_equal(totp_secret_new(a, TOTP_SECRET_LEN), -1);
	assert_int_equal(totp_uri("lan@hpn", RFC_SECRET, uri, sizeof(uri)), 0);
	assert_string_equal(uri, "otpauth://totp/tincay:lan%40hpn?secret="
	    RFC_SECRET "&issuer=tincay&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(totp_uri("lan", RFC_SECRET, uri, 40), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwd_hash),
		cmocka_unit_test(test_passwd_rules),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_totp_rfc4226),
		cmocka_unit_test(test_totp_window),
		cmocka_unit_test(test_base32),
		cmocka_unit_test(test_totp_secret),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
