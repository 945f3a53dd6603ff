/*
 * pin.c: officials' PINs as salted slow hashes (SPEC §8), never in clear.
 * A hash carries its parameters, "scrypt$N$r$p$salt$hash" (hex), so that
 * they can change; verification recomputes it and compares in constant time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core.h"

/*
 * scrypt with N = 2^13, r = 8, p = 1: 8 MiB and about 15 ms on the 2-core
 * box tincay runs on, so a TK (which holds the event loop) stays well under
 * 50 ms (make bench holds it there), while each guess at a stolen database
 * costs as much.
 */
#define PIN_N		8192
#define PIN_R		8
#define PIN_P		1
#define PIN_SALT_LEN	16
#define PIN_KEY_LEN	32
#define PIN_PREFIX	"scrypt$"
/* What a stored hash may ask for: a bad row must not cost the loop more. */
#define PIN_N_MAX	(1u << 16)
#define PIN_R_MAX	16
#define PIN_P_MAX	4
#define PIN_MEM_MAX	(72u << 20)

/* The scrypt of (pin, len) under salt with N, r, p into key. 0 or -1. */
static int
pin_scrypt(const char *pin, size_t len, const unsigned char *salt,
    uint64_t n, uint64_t r, uint64_t p, unsigned char key[PIN_KEY_LEN])
{
	return EVP_PBE_scrypt(pin, len, salt, PIN_SALT_LEN, n, r, p,
	    PIN_MEM_MAX, key, PIN_KEY_LEN) == 1 ? 0 : -1;
}

int
pin_hash(const char *pin, size_t len, char out[PIN_HASH_MAX])
{
	unsigned char	 salt[PIN_SALT_LEN], key[PIN_KEY_LEN];
	char		 hsalt[2 * PIN_SALT_LEN + 1], hkey[2 * PIN_KEY_LEN + 1];
	int		 n;

	out[0] = '\0';
	if (util_random(salt, sizeof(salt)) == -1 ||
	    pin_scrypt(pin, len, salt, PIN_N, PIN_R, PIN_P, key) == -1)
		return -1;
	util_hex(salt, sizeof(salt), hsalt);
	util_hex(key, sizeof(key), hkey);
	OPENSSL_cleanse(key, sizeof(key));
	n = snprintf(out, PIN_HASH_MAX, "%s%u$%u$%u$%s$%s", PIN_PREFIX,
	    PIN_N, PIN_R, PIN_P, hsalt, hkey);
	OPENSSL_cleanse(hkey, sizeof(hkey));
	return n > 0 && n < PIN_HASH_MAX ? 0 : -1;
}

int
pin_is_hash(const char *stored)
{
	return stored != NULL &&
	    strncmp(stored, PIN_PREFIX, strlen(PIN_PREFIX)) == 0;
}

/* A decimal number in [1, max] at *s, up to '$'; *s past the '$'. */
static int
pin_param(const char **s, uint64_t max, uint64_t *v)
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
pin_unhex(const char *s, size_t len, char end, unsigned char *out)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < len; i += 2) {
		hi = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
		    s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;
		lo = hi == -1 ? -1 : s[i + 1] >= '0' && s[i + 1] <= '9' ?
		    s[i + 1] - '0' : s[i + 1] >= 'a' && s[i + 1] <= 'f' ?
		    s[i + 1] - 'a' + 10 : -1;
		if (hi == -1 || lo == -1)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return s[len] == end ? 0 : -1;
}

int
pin_verify(const char *pin, size_t len, const char *stored)
{
	unsigned char	 salt[PIN_SALT_LEN], want[PIN_KEY_LEN];
	unsigned char	 got[PIN_KEY_LEN];
	const char	*s = stored;
	uint64_t	 n, r, p;
	int		 ok;

	if (!pin_is_hash(stored))
		return 0;	/* a clear PIN never matches */
	s += strlen(PIN_PREFIX);
	if (pin_param(&s, PIN_N_MAX, &n) == -1 || (n & (n - 1)) != 0 ||
	    n < 2 || pin_param(&s, PIN_R_MAX, &r) == -1 ||
	    pin_param(&s, PIN_P_MAX, &p) == -1 ||
	    128 * n * r * p > PIN_MEM_MAX / 2 ||
	    strlen(s) != 2 * PIN_SALT_LEN + 1 + 2 * PIN_KEY_LEN ||
	    pin_unhex(s, 2 * PIN_SALT_LEN, '$', salt) == -1 ||
	    pin_unhex(s + 2 * PIN_SALT_LEN + 1, 2 * PIN_KEY_LEN, '\0',
	    want) == -1)
		return 0;
	if (pin_scrypt(pin, len, salt, n, r, p, got) == -1)
		return 0;
	ok = CRYPTO_memcmp(got, want, sizeof(got)) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}
