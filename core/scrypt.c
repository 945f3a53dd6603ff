/*
 * scrypt.c: secrets kept as salted slow hashes, "scrypt$N$r$p$salt$hash"
 * (hex), one format for officials' PINs (pin.c) and the console's
 * passwords (passwd.c): each hash carries its parameters, so that they
 * can change; verification recomputes it under them and compares in
 * constant time, refusing a stored hash that asks for more than its
 * caller allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core.h"

#define SCRYPT_SALT_LEN	16
#define SCRYPT_KEY_LEN	32
#define SCRYPT_PREFIX	"scrypt$"

/* The scrypt of (pw, len) under salt with n, r, p into key. 0 or -1. */
static int
scrypt_derive(const char *pw, size_t len, const unsigned char *salt,
    uint64_t n, uint64_t r, uint64_t p, uint64_t mem_max,
    unsigned char key[SCRYPT_KEY_LEN])
{
	/* OpenSSL's own bound, with room over what (n, r, p) needs. */
	return EVP_PBE_scrypt(pw, len, salt, SCRYPT_SALT_LEN, n, r, p,
	    2 * mem_max, key, SCRYPT_KEY_LEN) == 1 ? 0 : -1;
}

int
scrypt_hash(const char *pw, size_t len, const struct scrypt_cost *c,
    char *out, size_t outlen)
{
	unsigned char	 salt[SCRYPT_SALT_LEN], key[SCRYPT_KEY_LEN];
	char		 hsalt[2 * SCRYPT_SALT_LEN + 1];
	char		 hkey[2 * SCRYPT_KEY_LEN + 1];
	int		 n;

	out[0] = '\0';
	if (util_random(salt, sizeof(salt)) == -1 ||
	    scrypt_derive(pw, len, salt, c->n, c->r, c->p, c->mem_max,
	    key) == -1)
		return -1;
	util_hex(salt, sizeof(salt), hsalt);
	util_hex(key, sizeof(key), hkey);
	OPENSSL_cleanse(key, sizeof(key));
	n = snprintf(out, outlen, "%s%llu$%llu$%llu$%s$%s", SCRYPT_PREFIX,
	    (unsigned long long)c->n, (unsigned long long)c->r,
	    (unsigned long long)c->p, hsalt, hkey);
	OPENSSL_cleanse(hkey, sizeof(hkey));
	if (n <= 0 || (size_t)n >= outlen) {
		OPENSSL_cleanse(out, outlen);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
scrypt_is_hash(const char *stored)
{
	return stored != NULL &&
	    strncmp(stored, SCRYPT_PREFIX, strlen(SCRYPT_PREFIX)) == 0;
}

/* A decimal number in [1, max] at *s, up to '$'; *s past the '$'. */
static int
scrypt_param(const char **s, uint64_t max, uint64_t *v)
{
	const char	*p = *s;
	uint64_t	 x = 0;

	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((x = x * 10 + (uint64_t)(*p - '0')) > max)
			return -1;
	if (*p != '$')
		return -1;
	*s = p + 1;
	*v = x;
	return 0;
}

/* len lower-case hex digits at s, then end: bytes into out. */
static int
scrypt_unhex(const char *s, size_t len, char end, unsigned char *out)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < len; i += 2) {
		/* Lower case only: one hash, one spelling. */
		hi = s[i] >= 'A' && s[i] <= 'F' ? -1 : util_hex_digit(s[i]);
		lo = hi == -1 || (s[i + 1] >= 'A' && s[i + 1] <= 'F') ? -1 :
		    util_hex_digit(s[i + 1]);
		if (hi == -1 || lo == -1)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return s[len] == end ? 0 : -1;
}

int
scrypt_verify(const char *pw, size_t len, const char *stored,
    const struct scrypt_cost *limit)
{
	unsigned char	 salt[SCRYPT_SALT_LEN], want[SCRYPT_KEY_LEN];
	unsigned char	 got[SCRYPT_KEY_LEN];
	const char	*s = stored;
	uint64_t	 n, r, p;
	int		 ok;

	if (!scrypt_is_hash(stored))
		return 0;	/* a clear value never matches */
	s += strlen(SCRYPT_PREFIX);
	if (scrypt_param(&s, limit->n, &n) == -1 || (n & (n - 1)) != 0 ||
	    n < 2 || scrypt_param(&s, limit->r, &r) == -1 ||
	    scrypt_param(&s, limit->p, &p) == -1 ||
	    128 * n * r * p > limit->mem_max ||
	    strlen(s) != 2 * SCRYPT_SALT_LEN + 1 + 2 * SCRYPT_KEY_LEN ||
	    scrypt_unhex(s, 2 * SCRYPT_SALT_LEN, '$', salt) == -1 ||
	    scrypt_unhex(s + 2 * SCRYPT_SALT_LEN + 1, 2 * SCRYPT_KEY_LEN,
	    '\0', want) == -1)
		return 0;
	if (scrypt_derive(pw, len, salt, n, r, p, limit->mem_max, got) == -1)
		return -1;
	ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}
