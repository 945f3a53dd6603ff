/*
 * seal.c: the database's key and what it does (SPEC §8, encrypted at rest):
 * values sealed as AES-256-GCM blobs under a fresh nonce each, keyed
 * hashes to find a number again without storing it, and the key file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core.h"
#include "seal.h"

/*
 * Subkeys are HKDF-Expand (RFC 5869) of the key, which is already uniform
 * random (so the extract step is left out), one label each: a single block
 * is HMAC-SHA256(key, label || 0x01).
 */
#define SEAL_LABEL_ENC		"tincay seal 1 enc"
#define SEAL_LABEL_HASH		"tincay seal 1 hash"
#define SEAL_LABEL_CHECK	"tincay seal 1 check"
#define SEAL_LABEL_WRAP		"tincay seal 2 wrap"
#define SEAL_MD_LEN		32

struct seal {
	EVP_CIPHER_CTX	*enc, *dec;	/* version 1 blobs: AES-256-GCM */
	EVP_CIPHER_CTX	*wrap, *unwrap;	/* data keys, under their subkey */
	EVP_MAC_CTX	*mac;		/* HMAC-SHA256 under the hash subkey */
	unsigned char	 check[SEAL_CHECK_LEN];
	/*
	 * Nonces: 96 random bits drawn once per seal (per program run),
	 * the low 64 counted up per value, never reused under the key: a
	 * run never seals 2^64 values, and two runs' ranges overlap only if
	 * their random high 32 bits match and their low 64 land within a
	 * run's count of each other. A fresh random nonce per value cost
	 * 0.56 of the 0.87 us a seal took (RAND_bytes' locks and fork
	 * check); counted, a seal takes 0.2 us. One count for every data
	 * key and for wrapping them: unique under each.
	 */
	unsigned char	 nonce[SEAL_NONCE_LEN];
	uint64_t	 count;
};

/* A data key: AES-256-GCM each way, keyed once. */
struct seal_dkey {
	uint32_t	 id;
	EVP_CIPHER_CTX	*enc, *dec;
};

/* HMAC-SHA256 of (in, len) with m, which is then ready for the next. */
static int
seal_mac(EVP_MAC_CTX *m, const void *in, size_t len,
    unsigned char out[SEAL_MD_LEN])
{
	size_t	 n = 0;

	/* NULL: keep the key set before. */
	if (EVP_MAC_init(m, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(m, in, len) != 1 ||
	    EVP_MAC_final(m, out, &n, SEAL_MD_LEN) != 1 || n != SEAL_MD_LEN)
		return -1;
	return 0;
}

/* HKDF-Expand of the key (m) for label: one block into out. */
static int
seal_derive(EVP_MAC_CTX *m, const char *label,
    unsigned char out[SEAL_MD_LEN])
{
	unsigned char	 info[64];
	size_t		 n = strlen(label);

	memcpy(info, label, n);
	info[n] = 0x01;
	return seal_mac(m, info, n + 1, out);
}

/* One AES-256-GCM context keyed with key, to encrypt or decrypt. */
static EVP_CIPHER_CTX *
seal_ctx(const unsigned char *key, int enc)
{
	EVP_CIPHER_CTX	*c;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if ((enc ? EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key,
	    NULL) : EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key,
	    NULL)) != 1) {
		EVP_CIPHER_CTX_free(c);
		return NULL;
	}
	return c;
}

struct seal *
seal_new(const unsigned char key[SEAL_KEY_LEN])
{
	struct seal	*sl;
	EVP_MAC_CTX	*master = NULL;
	unsigned char	 enc[SEAL_MD_LEN], hash[SEAL_MD_LEN],
			 check[SEAL_MD_LEN], wrap[SEAL_MD_LEN];
	int		 ok = 0;

	sl = xcalloc(1, sizeof(*sl));
	if ((master = util_hmac_sha256_new(key, SEAL_KEY_LEN)) == NULL ||
	    seal_derive(master, SEAL_LABEL_ENC, enc) == -1 ||
	    seal_derive(master, SEAL_LABEL_HASH, hash) == -1 ||
	    seal_derive(master, SEAL_LABEL_CHECK, check) == -1 ||
	    seal_derive(master, SEAL_LABEL_WRAP, wrap) == -1)
		goto done;
	memcpy(sl->check, check, SEAL_CHECK_LEN);
	if (util_random(sl->nonce, sizeof(sl->nonce)) == -1)
		goto done;
	if ((sl->mac = util_hmac_sha256_new(hash, sizeof(hash))) == NULL ||
	    (sl->enc = seal_ctx(enc, 1)) == NULL ||
	    (sl->dec = seal_ctx(enc, 0)) == NULL ||
	    (sl->wrap = seal_ctx(wrap, 1)) == NULL ||
	    (sl->unwrap = seal_ctx(wrap, 0)) == NULL)
		goto done;
	ok = 1;
done:
	EVP_MAC_CTX_free(master);
	OPENSSL_cleanse(enc, sizeof(enc));
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(check, sizeof(check));
	OPENSSL_cleanse(wrap, sizeof(wrap));
	if (!ok) {
		seal_free(sl);
		return NULL;
	}
	return sl;
}

void
seal_free(struct seal *sl)
{
	if (sl == NULL)
		return;
	/* The contexts wipe their key schedules when freed. */
	EVP_CIPHER_CTX_free(sl->enc);
	EVP_CIPHER_CTX_free(sl->dec);
	EVP_CIPHER_CTX_free(sl->wrap);
	EVP_CIPHER_CTX_free(sl->unwrap);
	EVP_MAC_CTX_free(sl->mac);
	OPENSSL_cleanse(sl, sizeof(*sl));
	free(sl);
}

/* The next nonce: the run's random 96 bits plus the count in the low 64. */
static void
seal_next_nonce(struct seal *sl, unsigned char *nonce)
{
	uint64_t	 low = 0, n = sl->count++;
	size_t		 i, off = SEAL_NONCE_LEN - 8;

	memcpy(nonce, sl->nonce, SEAL_NONCE_LEN);
	for (i = 0; i < 8; i++)
		low = low << 8 | nonce[off + i];
	low += n;
	for (i = 8; i-- > 0; low >>= 8)
		nonce[off + i] = (unsigned char)(low & 0xff);
}

static void
seal_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/*
 * AES-256-GCM of (in, len) with c under nonce, aad authenticated, into
 * out (len bytes) and tag. 0, or -1.
 */
static int
seal_gcm_enc(EVP_CIPHER_CTX *c, const unsigned char *nonce,
    const unsigned char *aad, size_t aadlen, const void *in, size_t len,
    unsigned char *out, unsigned char *tag)
{
	int	 n = 0, fin = 0;

	if (len > INT_MAX - 64)
		return -1;
	if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_EncryptUpdate(c, out, &n, in, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(c, out + n, &fin) != 1 ||
	    (size_t)(n + fin) != len ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    tag) != 1)
		return -1;
	return 0;
}

/* Its inverse: 0, or -1 (out wiped) unless the tag verifies. */
static int
seal_gcm_dec(EVP_CIPHER_CTX *c, const unsigned char *nonce,
    const unsigned char *aad, size_t aadlen, const unsigned char *in,
    size_t len, const unsigned char *tag, unsigned char *out)
{
	unsigned char	 t[SEAL_TAG_LEN];
	int		 n = 0, fin = 0;

	if (len > INT_MAX - 64)
		return -1;
	/* The tag may sit in the buffer written: copied first. */
	memcpy(t, tag, sizeof(t));
	if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_DecryptUpdate(c, out, &n, in, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    t) != 1 ||
	    EVP_DecryptFinal_ex(c, out + n, &fin) != 1 ||
	    (size_t)(n + fin) != len) {
		/* Nothing of a forgery is handed out. */
		OPENSSL_cleanse(out, len);
		return -1;
	}
	return 0;
}

/* A data key of raw (wiped by the caller). */
static struct seal_dkey *
seal_dkey_new(uint32_t id, const unsigned char raw[SEAL_KEY_LEN])
{
	struct seal_dkey *dk = xcalloc(1, sizeof(*dk));

	dk->id = id;
	if ((dk->enc = seal_ctx(raw, 1)) == NULL ||
	    (dk->dec = seal_ctx(raw, 0)) == NULL) {
		seal_dkey_free(dk);
		return NULL;
	}
	return dk;
}

struct seal_dkey *
seal_dkey_make(struct seal *sl, uint32_t id,
    unsigned char wrapped[SEAL_WRAPPED_LEN])
{
	unsigned char	 raw[SEAL_KEY_LEN], aad[SEAL_ID_LEN];
	struct seal_dkey *dk = NULL;

	seal_put32(aad, id);
	seal_next_nonce(sl, wrapped);
	if (util_random(raw, sizeof(raw)) == 0 && seal_gcm_enc(sl->wrap,
	    wrapped, aad, sizeof(aad), raw, sizeof(raw),
	    wrapped + SEAL_NONCE_LEN, wrapped + SEAL_NONCE_LEN +
	    SEAL_KEY_LEN) == 0)
		dk = seal_dkey_new(id, raw);
	OPENSSL_cleanse(raw, sizeof(raw));
	return dk;
}

struct seal_dkey *
seal_dkey_open(struct seal *sl, uint32_t id, const unsigned char *wrapped,
    size_t len)
{
	unsigned char	 raw[SEAL_KEY_LEN], aad[SEAL_ID_LEN];
	struct seal_dkey *dk = NULL;

	if (wrapped == NULL || len != SEAL_WRAPPED_LEN)
		return NULL;
	seal_put32(aad, id);
	if (seal_gcm_dec(sl->unwrap, wrapped, aad, sizeof(aad),
	    wrapped + SEAL_NONCE_LEN, SEAL_KEY_LEN, wrapped +
	    SEAL_NONCE_LEN + SEAL_KEY_LEN, raw) == 0)
		dk = seal_dkey_new(id, raw);
	OPENSSL_cleanse(raw, sizeof(raw));
	return dk;
}

void
seal_dkey_free(struct seal_dkey *dk)
{
	if (dk == NULL)
		return;
	EVP_CIPHER_CTX_free(dk->enc);
	EVP_CIPHER_CTX_free(dk->dec);
	OPENSSL_cleanse(dk, sizeof(*dk));
	free(dk);
}

uint32_t
seal_dkey_id(const struct seal_dkey *dk)
{
	return dk->id;
}

const unsigned char *
seal_check(const struct seal *sl)
{
	return sl->check;
}

#ifndef TINCAY_SEAL_CLEAR
static uint32_t
seal_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
seal_seal(struct seal *sl, struct seal_dkey *dk, const void *in, size_t len,
    unsigned char *out)
{
	unsigned char	*nonce = out + SEAL_HEAD_LEN,
			*ct = nonce + SEAL_NONCE_LEN;

	if (dk == NULL || len > INT_MAX - SEAL_OVERHEAD)
		return -1;
	/* The head (version, key) is authenticated too. */
	out[0] = SEAL_VERSION;
	seal_put32(out + 1, dk->id);
	seal_next_nonce(sl, nonce);
	if (seal_gcm_enc(dk->enc, nonce, out, SEAL_HEAD_LEN, in, len, ct,
	    ct + len) == -1)
		return -1;
	return (int)len + SEAL_OVERHEAD;
}

int
seal_seal_master(struct seal *sl, const void *in, size_t len,
    unsigned char *out)
{
	unsigned char	*nonce = out + 1, *ct = nonce + SEAL_NONCE_LEN;

	if (len > INT_MAX - SEAL_OVERHEAD)
		return -1;
	out[0] = SEAL_VERSION_MASTER;
	seal_next_nonce(sl, nonce);
	if (seal_gcm_enc(sl->enc, nonce, out, 1, in, len, ct, ct + len) == -1)
		return -1;
	return (int)len + 1 + SEAL_NONCE_LEN + SEAL_TAG_LEN;
}

int
seal_blob_key(const unsigned char *in, size_t len, uint32_t *id)
{
	if (in == NULL)
		return -1;
	if (len >= SEAL_OVERHEAD && in[0] == SEAL_VERSION) {
		*id = seal_get32(in + 1);
		return SEAL_VERSION;
	}
	if (len >= 1 + SEAL_NONCE_LEN + SEAL_TAG_LEN &&
	    in[0] == SEAL_VERSION_MASTER)
		return SEAL_VERSION_MASTER;
	return -1;
}

int
seal_unseal(struct seal *sl, struct seal_dkey *dk, const unsigned char *in,
    size_t len, char *out)
{
	static const unsigned char v1 = SEAL_VERSION_MASTER;
	const unsigned char *nonce;
	EVP_CIPHER_CTX	*c;
	size_t		 head, clen;
	uint32_t	 id;

	switch (seal_blob_key(in, len, &id)) {
	case SEAL_VERSION:
		if (dk == NULL || dk->id != id)
			return -1;
		c = dk->dec;
		head = SEAL_HEAD_LEN;
		break;
	case SEAL_VERSION_MASTER:
		c = sl->dec;
		head = 1;
		break;
	default:
		return -1;
	}
	if (len > INT_MAX)
		return -1;
	nonce = in + head;
	clen = len - head - SEAL_NONCE_LEN - SEAL_TAG_LEN;
	if (seal_gcm_dec(c, nonce, head == 1 ? &v1 : in, head,
	    nonce + SEAL_NONCE_LEN, clen, nonce + SEAL_NONCE_LEN + clen,
	    (unsigned char *)out) == -1) {
		out[0] = '\0';
		return -1;
	}
	out[clen] = '\0';
	return (int)clen;
}

void
seal_hash(struct seal *sl, const void *in, size_t len,
    unsigned char out[SEAL_HASH_LEN])
{
	unsigned char	 md[SEAL_MD_LEN];

	if (seal_mac(sl->mac, in, len, md) == -1)
		fatalx("%s: HMAC failed", __func__);
	memcpy(out, md, SEAL_HASH_LEN);
}

#else	/* TINCAY_SEAL_CLEAR: make bench's yardstick, see seal.h */
int
seal_seal(struct seal *sl, struct seal_dkey *dk, const void *in, size_t len,
    unsigned char *out)
{
	if (len > INT_MAX)
		return -1;
	memcpy(out, in, len);
	return (int)len;
}

int
seal_seal_master(struct seal *sl, const void *in, size_t len,
    unsigned char *out)
{
	return seal_seal(sl, NULL, in, len, out);
}

/* Every blob is a copy: no data key to look up. */
int
seal_blob_key(const unsigned char *in, size_t len, uint32_t *id)
{
	return in != NULL ? SEAL_VERSION_MASTER : -1;
}

int
seal_unseal(struct seal *sl, struct seal_dkey *dk, const unsigned char *in,
    size_t len, char *out)
{
	if (len > INT_MAX)
		return -1;
	memcpy(out, in, len);
	out[len] = '\0';
	return (int)len;
}

/* The value itself, as an index without encryption would hold it. */
void
seal_hash(struct seal *sl, const void *in, size_t len,
    unsigned char out[SEAL_HASH_LEN])
{
	memset(out, 0, SEAL_HASH_LEN);
	memcpy(out, in, len < SEAL_HASH_LEN ? len : SEAL_HASH_LEN);
}
#endif

/*
 * Whether mode keeps a key file to its owner. In the unit's credentials
 * directory, which systemd keeps to the service alone, a credential may
 * carry group bits (an ACL's mask gives the service user read access);
 * only others' bits count there.
 */
static int
seal_key_private(const char *path, mode_t mode)
{
	const char	*creds = getenv("CREDENTIALS_DIRECTORY");
	size_t		 n;

	if (creds != NULL && (n = strlen(creds)) > 0 &&
	    strncmp(path, creds, n) == 0 && path[n] == '/')
		return (mode & 007) == 0;
	return (mode & 077) == 0;
}

int
seal_key_read(const char *path, unsigned char key[SEAL_KEY_LEN], char *err,
    size_t errlen)
{
	struct stat	 sb;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "key file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "key file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file", path);
		goto fail;
	}
	if (!seal_key_private(path, sb.st_mode)) {
		snprintf(err, errlen, "key file %s: mode %04o lets others "
		    "at the key; it must be 0600 (chmod 600 %s)", path,
		    (unsigned)(sb.st_mode & 07777), path);
		goto fail;
	}
	if (sb.st_size != SEAL_KEY_LEN) {
		snprintf(err, errlen, "key file %s: %lld bytes, a key is %d",
		    path, (long long)sb.st_size, SEAL_KEY_LEN);
		goto fail;
	}
	while (got < SEAL_KEY_LEN) {
		if ((n = read(fd, key + got, SEAL_KEY_LEN - got)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			snprintf(err, errlen, "key file %s: %s", path,
			    n == 0 ? "short read" : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
fail:
	OPENSSL_cleanse(key, SEAL_KEY_LEN);
	close(fd);
	return -1;
}

/* Make what was linked into path's directory survive a power cut. */
static int
seal_sync_dir(const char *path)
{
	char	*copy = xstrdup(path);
	int	 fd, rc = -1;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

int
seal_key_create(const char *path, unsigned char key[SEAL_KEY_LEN],
    char *err, size_t errlen)
{
	char	*tmp;
	size_t	 done = 0;
	ssize_t	 n;
	int	 fd, rc = -1;

	/* mkstemp: O_CREAT | O_EXCL, mode 0600 whatever the umask. */
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "key file %s: %s", path,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || util_random(key, SEAL_KEY_LEN) == -1)
		goto out;
	while (done < SEAL_KEY_LEN) {
		if ((n = write(fd, key + done, SEAL_KEY_LEN - done)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto out;
	/* It appears whole, or not at all; first one in wins. */
	if (link(tmp, path) == -1) {
		if (errno != EEXIST)
			goto out;
		close(fd);
		fd = -1;
		unlink(tmp);
		free(tmp);
		OPENSSL_cleanse(key, SEAL_KEY_LEN);
		if ((rc = seal_key_read(path, key, err, errlen)) == 1) {
			snprintf(err, errlen, "key file %s: vanished", path);
			rc = -1;
		}
		return rc;
	}
	if (seal_sync_dir(path) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		snprintf(err, errlen, "key file %s: %s", path,
		    strerror(errno));
		OPENSSL_cleanse(key, SEAL_KEY_LEN);
	}
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
}
