/*
 * dkeys.h: the sealed formats of seal.h done again with OpenSSL alone, for
 * the tests: a version 1 blob as programs before migration 18 wrote it (under
 * a subkey of the key itself), and a data key unwrapped from the bytes
 * data_keys keeps. What seal.c does is checked against these, and a test
 * that searches files for a data key knows its raw bytes.
 */
#ifndef TINCAY_TEST_DKEYS_H
#define TINCAY_TEST_DKEYS_H

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* HKDF-Expand of key for label, one block (seal.c's subkeys). */
static inline void
dkeys_subkey(const unsigned char key[SEAL_KEY_LEN], const char *label,
    unsigned char out[32])
{
	unsigned char	 info[64];
	unsigned int	 n = 32;
	size_t		 len = strlen(label);

	memcpy(info, label, len);
	info[len] = 0x01;
	HMAC(EVP_sha256(), key, SEAL_KEY_LEN, info, len + 1, out, &n);
}

/* A version 1 blob of (v, len) under key with nonce: its size. */
static inline int
dkeys_seal_v1(const unsigned char key[SEAL_KEY_LEN],
    const unsigned char nonce[SEAL_NONCE_LEN], const char *v, size_t len,
    unsigned char *out)
{
	unsigned char	 enc[32];
	EVP_CIPHER_CTX	*c = EVP_CIPHER_CTX_new();
	int		 n = 0;

	dkeys_subkey(key, "tincay seal 1 enc", enc);
	out[0] = 1;
	memcpy(out + 1, nonce, SEAL_NONCE_LEN);
	EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, enc, out + 1);
	EVP_EncryptUpdate(c, NULL, &n, out, 1);
	EVP_EncryptUpdate(c, out + 1 + SEAL_NONCE_LEN, &n,
	    (const unsigned char *)v, (int)len);
	EVP_EncryptFinal_ex(c, out + 1 + SEAL_NONCE_LEN + len, &n);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    out + 1 + SEAL_NONCE_LEN + len);
	EVP_CIPHER_CTX_free(c);
	return (int)(1 + SEAL_NONCE_LEN + len + SEAL_TAG_LEN);
}

/* AES-256-GCM open of (ct, len) and tag under k, nonce, aad: 0 or -1. */
static inline int
dkeys_gcm_open(const unsigned char k[32], const unsigned char *nonce,
    const unsigned char *aad, int aadlen, const unsigned char *ct, int len,
    const unsigned char *tag, unsigned char *out)
{
	EVP_CIPHER_CTX	*c = EVP_CIPHER_CTX_new();
	unsigned char	 t[SEAL_TAG_LEN];
	int		 n = 0, ok;

	memcpy(t, tag, sizeof(t));
	ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, nonce) == 1 &&
	    EVP_DecryptUpdate(c, NULL, &n, aad, aadlen) == 1 &&
	    EVP_DecryptUpdate(c, out, &n, ct, len) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    t) == 1 && EVP_DecryptFinal_ex(c, out + n, &n) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* The raw data key of day id from its wrapped form (nonce || key || tag,
 * under the subkey "tincay seal 2 wrap", the id big-endian as additional
 * data): 0, or -1. */
static inline int
dkeys_unwrap(const unsigned char key[SEAL_KEY_LEN], uint32_t id,
    const unsigned char wrapped[SEAL_WRAPPED_LEN],
    unsigned char raw[SEAL_KEY_LEN])
{
	unsigned char	 wrap[32], aad[4] = { (unsigned char)(id >> 24),
	    (unsigned char)(id >> 16), (unsigned char)(id >> 8),
	    (unsigned char)id };

	dkeys_subkey(key, "tincay seal 2 wrap", wrap);
	return dkeys_gcm_open(wrap, wrapped, aad, 4,
	    wrapped + SEAL_NONCE_LEN, SEAL_KEY_LEN,
	    wrapped + SEAL_NONCE_LEN + SEAL_KEY_LEN, raw);
}

/* A version 2 blob opened with the raw key of its data key (the head,
 * version and id, as additional data): its value's length, or -1. */
static inline int
dkeys_open_v2(const unsigned char raw[SEAL_KEY_LEN],
    const unsigned char *blob, size_t len, char *out)
{
	size_t	 clen = len - SEAL_OVERHEAD;

	if (len < SEAL_OVERHEAD || blob[0] != 2 ||
	    dkeys_gcm_open(raw, blob + SEAL_HEAD_LEN, blob, SEAL_HEAD_LEN,
	    blob + SEAL_HEAD_LEN + SEAL_NONCE_LEN, (int)clen,
	    blob + SEAL_HEAD_LEN + SEAL_NONCE_LEN + clen,
	    (unsigned char *)out) == -1)
		return -1;
	out[clen] = '\0';
	return (int)clen;
}

#endif
