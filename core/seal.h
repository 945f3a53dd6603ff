/*
 * seal.h: values sealed under the database's key (seal.c): texts and
 * numbers of residents are stored as AES-256-GCM blobs, and found again
 * by keyed hashes; the key lives in a file of its own beside the database.
 */
#ifndef TINCAY_SEAL_H
#define TINCAY_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN	32	/* the key file: exactly this, random */
#define SEAL_HASH_LEN	16	/* a keyed hash, as stored for lookups */
#define SEAL_CHECK_LEN	16	/* tells the database's key from another */
#define SEAL_NONCE_LEN	12
#define SEAL_TAG_LEN	16
/*
 * A blob is version 2 || data key id (4, big-endian) || nonce (12) ||
 * ciphertext (as long as the value) || tag (16): sealed under one of the
 * database's data keys, each wrapped by the key (the database's "master"
 * key) and destroyed by a purge, so that what it sealed cannot be opened
 * again by anyone (crypto-shredding, store_dkey.c). Version 1 blobs,
 * version || nonce || ciphertext || tag under a subkey of the key itself,
 * were written before migration 18: they still open.
 */
#define SEAL_VERSION		2
#define SEAL_VERSION_MASTER	1
#define SEAL_ID_LEN		4
#define SEAL_HEAD_LEN		(1 + SEAL_ID_LEN)
/* A data key as the database keeps it: nonce || key || tag. */
#define SEAL_WRAPPED_LEN	(SEAL_NONCE_LEN + SEAL_KEY_LEN + SEAL_TAG_LEN)
#ifndef TINCAY_SEAL_CLEAR
#define SEAL_OVERHEAD	(SEAL_HEAD_LEN + SEAL_NONCE_LEN + SEAL_TAG_LEN)
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
/*
 * A data key: made (32 random bytes, wrapped under a subkey of the key
 * for the database, id authenticated with it), or opened from its wrapped
 * form (NULL: not wrapped by this key for this id, or altered). The raw
 * key never leaves seal.c. seal_dkey_free wipes and accepts NULL.
 */
struct seal_dkey;
struct seal_dkey *seal_dkey_make(struct seal *, uint32_t id,
		    unsigned char wrapped[SEAL_WRAPPED_LEN]);
struct seal_dkey *seal_dkey_open(struct seal *, uint32_t id,
		    const unsigned char *wrapped, size_t len);
void		 seal_dkey_free(struct seal_dkey *);
uint32_t	 seal_dkey_id(const struct seal_dkey *);
/* Seal (in, len) under dk into out, which holds len + SEAL_OVERHEAD
 * bytes, under a fresh nonce: the blob's size, or -1. */
int		 seal_seal(struct seal *, struct seal_dkey *dk, const void *in,
		    size_t len, unsigned char *out);
/*
 * The same under the key itself (a version 1 blob), for what must outlive
 * every purge and is no resident's (a console user's TOTP secret): no data
 * key is destroyed under it. The blob's size, or -1.
 */
int		 seal_seal_master(struct seal *, const void *in, size_t len,
		    unsigned char *out);
/*
 * Which key opens blob (in, len): SEAL_VERSION and its data key's id in
 * *id; SEAL_VERSION_MASTER (the key itself); -1 not a sealed blob.
 */
int		 seal_blob_key(const unsigned char *in, size_t len,
		    uint32_t *id);
/* Open blob (in, len) into out, which holds len + 1 bytes: the value's
 * length (out is NUL-terminated too), or -1 if the blob is not one of
 * ours, was altered, or was sealed under another key. A version 2 blob
 * needs its data key dk (seal_blob_key), a version 1 one none. */
int		 seal_unseal(struct seal *, struct seal_dkey *dk,
		    const unsigned char *in, size_t len, char *out);
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
