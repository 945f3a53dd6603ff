/*
 * seal.h: values sealed under the database's key (seal.c): texts and
 * numbers of residents are stored as AES-256-GCM blobs, and found again
 * by keyed hashes; the key lives in a file of its own beside the database.
 */
#ifndef TINCAY_SEAL_H
#define TINCAY_SEAL_H

#include <stddef.h>

#define SEAL_KEY_LEN	32	/* the key file: exactly this, random */
#define SEAL_HASH_LEN	16	/* a keyed hash, as stored for lookups */
#define SEAL_CHECK_LEN	16	/* tells the database's key from another */
#define SEAL_VERSION	1
#define SEAL_NONCE_LEN	12
#define SEAL_TAG_LEN	16
/* A blob is version (1) || nonce (12) || ciphertext (as long as the
 * value) || tag (16). */
#ifndef TINCAY_SEAL_CLEAR
#define SEAL_OVERHEAD	(1 + SEAL_NONCE_LEN + SEAL_TAG_LEN)
#else
/*
 * make bench's yardstick only (build/clear): the same program with
 * sealing and keyed hashing replaced by copies, so that the bench can
 * say what encryption at rest costs. Never installed; tincayd says so
 * at start.
 */
#define SEAL_OVERHEAD	0
#endif

struct seal;

/*
 * The sealer of key (copied; subkeys are derived from it and the copy
 * wiped): one cipher context each way and one keyed MAC, reused for
 * every value. NULL if OpenSSL fails. seal_free wipes and accepts NULL.
 */
struct seal	*seal_new(const unsigned char key[SEAL_KEY_LEN]);
void		 seal_free(struct seal *);
/* Seal (in, len) into out, which holds len + SEAL_OVERHEAD bytes, under a
 * fresh random nonce: the blob's size, or -1. */
int		 seal_seal(struct seal *, const void *in, size_t len,
		    unsigned char *out);
/* Open blob (in, len) into out, which holds len - SEAL_OVERHEAD + 1
 * bytes: the value's length (out is NUL-terminated too), or -1 if the
 * blob is not one of ours, was altered, or was sealed under another
 * key. */
int		 seal_unseal(struct seal *, const unsigned char *in,
		    size_t len, char *out);
/* The keyed hash of (in, len): HMAC-SHA256 under the hash subkey, cut
 * to SEAL_HASH_LEN bytes. Equal values, equal hashes; nothing else. */
void		 seal_hash(struct seal *, const void *in, size_t len,
		    unsigned char out[SEAL_HASH_LEN]);
/* What the database keeps to recognise its key (a keyed hash of a fixed
 * label, under its own subkey): SEAL_CHECK_LEN bytes, borrowed. */
const unsigned char *seal_check(const struct seal *);

/*
 * The key file. seal_key_read: 0 read; 1 there is no such file; -1 it
 * cannot be used (err says why: others may read it, wrong size, ...).
 * seal_key_create: a new random key written to path with mode 0600 and
 * synced before it appears (linked into place, so a reader never sees it
 * half written); if another program created it first, that one is read.
 * 0, or -1 (err).
 */
int		 seal_key_read(const char *path,
		    unsigned char key[SEAL_KEY_LEN], char *err, size_t errlen);
int		 seal_key_create(const char *path,
		    unsigned char key[SEAL_KEY_LEN], char *err, size_t errlen);

#endif
