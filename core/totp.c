/*
 * totp.c: the console's second factor (SPEC §12), time-based one-time
 * codes as RFC 6238 has them and authenticator apps make them: HMAC-SHA1
 * of the 30-second step, 6 digits, a step either way allowed for clocks
 * apart; the secret 160 random bits, kept and shown in base32 (RFC 4648).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core.h"

#define TOTP_STEP	30
#define TOTP_DIGITS	6
#define TOTP_MOD	1000000
#define TOTP_KEY_MAX	64	/* bytes of a secret we take */

static const char totp_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
totp_base32_encode(const unsigned char *in, size_t len, char *out,
    size_t outlen)
{
	size_t		 i, o = 0;
	unsigned	 acc = 0, bits = 0;

	if (outlen == 0 || (len * 8 + 4) / 5 >= outlen)
		return -1;
	for (i = 0; i < len; i++) {
		acc = (acc << 8 | in[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			out[o++] = totp_alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = totp_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

int
totp_base32_decode(const char *s, unsigned char *out, size_t outlen)
{
	const char	*p;
	size_t		 o = 0;
	unsigned	 acc = 0, bits = 0;
	int		 v, pad = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s == '=') {
			pad = 1;
			continue;
		}
		if (pad)
			return -1;	/* '=' only at the end */
		if ((p = strchr(totp_alphabet, *s >= 'a' && *s <= 'z' ?
		    *s - 'a' + 'A' : *s)) == NULL || *p == '\0')
			return -1;
		v = (int)(p - totp_alphabet);
		acc = (acc << 5 | (unsigned)v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			if (o == outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return (int)o;
}

int
totp_secret_new(char *out, size_t outlen)
{
	unsigned char	 key[TOTP_SECRET_LEN * 5 / 8];
	int		 n;

	if (outlen < TOTP_SECRET_LEN + 1 ||
	    util_random(key, sizeof(key)) == -1)
		return -1;
	n = totp_base32_encode(key, sizeof(key), out, outlen);
	OPENSSL_cleanse(key, sizeof(key));
	return n == TOTP_SECRET_LEN ? 0 : -1;
}

/* The code of step counter under (key, len) (RFC 4226's HOTP), or -1. */
static int
totp_hotp(const unsigned char *key, size_t len, uint64_t counter)
{
	struct evp_mac_ctx_st	*m;
	unsigned char		 msg[8], md[20];
	size_t			 n = 0, off;
	uint32_t		 bin;
	int			 i, ok;

	for (i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (unsigned char)(counter & 0xff);
	if ((m = util_hmac_new("SHA1", key, len)) == NULL)
		return -1;
	ok = EVP_MAC_update(m, msg, sizeof(msg)) == 1 &&
	    EVP_MAC_final(m, md, &n, sizeof(md)) == 1 && n == sizeof(md);
	EVP_MAC_CTX_free(m);
	if (!ok)
		return -1;
	/* Dynamic truncation: 31 bits at the offset the last nibble says. */
	off = md[19] & 0x0f;
	bin = (uint32_t)(md[off] & 0x7f) << 24 | (uint32_t)md[off + 1] << 16 |
	    (uint32_t)md[off + 2] << 8 | md[off + 3];
	OPENSSL_cleanse(md, sizeof(md));
	return (int)(bin % TOTP_MOD);
}

int
totp_code(const char *secret, int64_t t)
{
	unsigned char	 key[TOTP_KEY_MAX];
	int		 n, code;

	if (t < 0 || (n = totp_base32_decode(secret, key, sizeof(key))) <= 0)
		return -1;
	code = totp_hotp(key, (size_t)n, (uint64_t)t / TOTP_STEP);
	OPENSSL_cleanse(key, sizeof(key));
	return code;
}

int
totp_verify(const char *secret, const char *code, int64_t now)
{
	unsigned char	 key[TOTP_KEY_MAX];
	char		 want[16];
	uint64_t	 step;
	int		 n, i, c, ok = 0, bad = 0;

	if (now < TOTP_STEP ||
	    (n = totp_base32_decode(secret, key, sizeof(key))) <= 0)
		return -1;
	if (strlen(code) != TOTP_DIGITS ||
	    strspn(code, "0123456789") != TOTP_DIGITS) {
		OPENSSL_cleanse(key, sizeof(key));
		return 0;
	}
	step = (uint64_t)now / TOTP_STEP;
	/* Each of the three compared, whichever matches. */
	for (i = -1; i <= 1; i++) {
		if ((c = totp_hotp(key, (size_t)n, step + (uint64_t)i)) == -1)
			bad = 1;
		snprintf(want, sizeof(want), "%06d", c < 0 ? 0 : c % TOTP_MOD);
		ok |= c >= 0 && CRYPTO_memcmp(want, code, TOTP_DIGITS) == 0;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(want, sizeof(want));
	return bad ? -1 : ok;
}

/* s percent-encoded (all but letters, digits and "-._~") into out. */
static int
totp_escape(const char *s, char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = 0;
	unsigned char		 ch;

	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)ch;
		} else {
			if (o + 3 >= outlen)
				return -1;
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

int
totp_uri(const char *name, const char *secret, char *out, size_t outlen)
{
	char	 esc[3 * 64 + 1];
	int	 n;

	if (totp_escape(name, esc, sizeof(esc)) == -1)
		return -1;
	n = snprintf(out, outlen, "otpauth://totp/tincay:%s?secret=%s"
	    "&issuer=tincay&algorithm=SHA1&digits=%d&period=%d", esc, secret,
	    TOTP_DIGITS, TOTP_STEP);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}
