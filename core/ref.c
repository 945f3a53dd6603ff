/*
 * ref.c: report references (REFs). A keyed permutation maps a report's
 * number onto the REF alphabet, so REFs are unique by construction and not
 * guessable from one another: 4 characters for the first 923,521 reports,
 * then 5, then 6. The permutation is a Feistel network with AES-128 as its
 * round function, walked in cycles until it lands inside the tier.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core.h"

#define REF_ROUNDS	6

static const char ref_alphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
#define REF_BASE	31

/* Tier t holds REFs of 4 + t characters: size 31^(4+t), bits of the
 * Feistel domain (even, 2^bits >= size). */
static const struct {
	int64_t		 size;
	int		 bits;
} ref_tiers[] = {
	{ 923521LL, 20 },		/* 31^4 */
	{ 28629151LL, 26 },		/* 31^5 */
	{ 887503681LL, 30 },		/* 31^6 */
};
#define REF_NTIERS	(int)(sizeof(ref_tiers) / sizeof(ref_tiers[0]))

struct ref_key {
	EVP_CIPHER_CTX	*aes;
};

struct ref_key *
ref_key_new(const unsigned char key[REF_KEY_LEN])
{
	struct ref_key	*k;

	k = xcalloc(1, sizeof(*k));
	if ((k->aes = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(k->aes, EVP_aes_128_ecb(), NULL, key,
	    NULL) != 1) {
		ref_key_free(k);
		return NULL;
	}
	EVP_CIPHER_CTX_set_padding(k->aes, 0);
	return k;
}

void
ref_key_free(struct ref_key *k)
{
	if (k == NULL)
		return;
	EVP_CIPHER_CTX_free(k->aes);
	free(k);
}

/* The round function: AES of (tier, round, half), cut to mask. */
static uint32_t
ref_round(const struct ref_key *k, int tier, int round, uint32_t half,
    uint32_t mask)
{
	unsigned char	 in[16], out[16];
	int		 n = 0;

	memset(in, 0, sizeof(in));
	in[0] = (unsigned char)tier;
	in[1] = (unsigned char)round;
	in[2] = (unsigned char)half;
	in[3] = (unsigned char)(half >> 8);
	in[4] = (unsigned char)(half >> 16);
	in[5] = (unsigned char)(half >> 24);
	if (EVP_EncryptUpdate(k->aes, out, &n, in, sizeof(in)) != 1 ||
	    n != sizeof(in))
		fatalx("%s: AES failed", __func__);
	return ((uint32_t)out[0] | (uint32_t)out[1] << 8 |
	    (uint32_t)out[2] << 16 | (uint32_t)out[3] << 24) & mask;
}

/* One pass of the balanced Feistel network over bits; forward or back. */
static uint32_t
ref_feistel(const struct ref_key *k, int tier, uint32_t x, int forward)
{
	int		 half = ref_tiers[tier].bits / 2, i;
	uint32_t	 mask = ((uint32_t)1 << half) - 1;
	uint32_t	 l = x >> half, r = x & mask, t;

	for (i = 0; i < REF_ROUNDS; i++) {
		if (forward) {
			t = l ^ ref_round(k, tier, i, r, mask);
			l = r;
			r = t;
		} else {
			t = r ^ ref_round(k, tier, REF_ROUNDS - 1 - i, l,
			    mask);
			r = l;
			l = t;
		}
	}
	return l << half | r;
}

/* The permutation of [0, size) of a tier, by cycle walking. */
static int64_t
ref_permute(const struct ref_key *k, int tier, int64_t x, int forward)
{
	do
		x = ref_feistel(k, tier, (uint32_t)x, forward);
	while (x >= ref_tiers[tier].size);
	return x;
}

int
ref_encode(const struct ref_key *k, int64_t n, char out[REF_MAX])
{
	int64_t	 x;
	int	 tier, len, i;

	for (tier = 0; tier < REF_NTIERS && n >= ref_tiers[tier].size; tier++)
		n -= ref_tiers[tier].size;
	if (n < 0 || tier == REF_NTIERS)
		return -1;
	x = ref_permute(k, tier, n, 1);
	len = 4 + tier;
	for (i = len - 1; i >= 0; i--) {
		out[i] = ref_alphabet[x % REF_BASE];
		x /= REF_BASE;
	}
	out[len] = '\0';
	return 0;
}

int64_t
ref_decode(const struct ref_key *k, const char *s, size_t len)
{
	const char	*p;
	int64_t		 x = 0, n = 0;
	int		 tier, t;
	size_t		 i;

	if (!ref_valid(s, len))
		return -1;
	tier = (int)len - 4;
	for (i = 0; i < len; i++) {
		p = strchr(ref_alphabet, s[i]);
		x = x * REF_BASE + (p - ref_alphabet);
	}
	x = ref_permute(k, tier, x, 0);
	for (t = 0; t < tier; t++)
		n += ref_tiers[t].size;
	return n + x;
}

int
ref_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len < 4 || len > 6)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(ref_alphabet, s[i]) == NULL)
			return 0;
	return 1;
}
