/*
 * fuzz_ref.c: libFuzzer target for ref.c. The first 16 bytes of the input
 * are the key, the rest a REF as a resident would type it: it deciphers
 * exactly when it is 4 to 6 characters of the REF alphabet, and back to
 * itself; a number read from the input goes there and back too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char fixed[REF_KEY_LEN] = "tincay-fuzz-key!";
	unsigned char	 key[REF_KEY_LEN];
	struct ref_key	*k;
	const char	*s;
	char		 ref[REF_MAX];
	int64_t		 n;
	size_t		 len, i;
	uint64_t	 x = 0;

	if (size >= REF_KEY_LEN) {
		memcpy(key, data, REF_KEY_LEN);
		s = (const char *)data + REF_KEY_LEN;
		len = size - REF_KEY_LEN;
	} else {
		memcpy(key, fixed, REF_KEY_LEN);
		s = (const char *)data;
		len = size;
	}
	FUZZ_CHECK((k = ref_key_new(key)) != NULL);
	n = ref_decode(k, s, len);
	FUZZ_CHECK((n >= 0) == (ref_valid(s, len) != 0));
	if (n >= 0) {
		FUZZ_CHECK(ref_encode(k, n, ref) == 0);
		FUZZ_CHECK(strlen(ref) == len && memcmp(ref, s, len) == 0);
	}
	/* Any number of the three tiers, from the input's bytes. */
	for (i = 0; i < len && i < 8; i++)
		x = x << 8 | (unsigned char)s[i];
	n = (int64_t)(x % (923521ULL + 28629151ULL + 887503681ULL));
	FUZZ_CHECK(ref_encode(k, n, ref) == 0);
	FUZZ_CHECK(ref_decode(k, ref, strlen(ref)) == n);
	ref_key_free(k);
	return 0;
}
