/*
 * pin.c: officials' PINs as salted slow hashes (SPEC §8), never in clear,
 * in scrypt.c's format "scrypt$N$r$p$salt$hash" under the PIN's cost.
 */
#include <stdint.h>

#include "core.h"

/*
 * scrypt with N = 2^13, r = 8, p = 1: 8 MiB and about 15 ms on the 2-core
 * box tincay runs on, so a TK (which holds the event loop) stays well under
 * 50 ms (make bench holds it there), while each guess at a stolen database
 * costs as much.
 */
static const struct scrypt_cost pin_cost = { 8192, 8, 1, 36u << 20 };
/* What a stored hash may ask for: a bad row must not cost the loop more. */
static const struct scrypt_cost pin_limit = { 1u << 16, 16, 4, 36u << 20 };

int
pin_hash(const char *pin, size_t len, char out[PIN_HASH_MAX])
{
	return scrypt_hash(pin, len, &pin_cost, out, PIN_HASH_MAX);
}

int
pin_is_hash(const char *stored)
{
	return scrypt_is_hash(stored);
}

int
pin_verify(const char *pin, size_t len, const char *stored)
{
	/* A KDF that could not run (-1) is no match either. */
	return scrypt_verify(pin, len, stored, &pin_limit) == 1;
}
