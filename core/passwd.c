/*
 * passwd.c: the console's passwords (SPEC §12) in scrypt.c's format,
 * under a cost well above a PIN's (a console sign-in is rare, and a
 * password is guessed offline from a stolen database); what a password
 * and a user's name may be; the console's roles.
 */
#include <string.h>

#include "core.h"

/*
 * N = 2^15, r = 8, p = 1: 32 MiB and about 4 times a PIN's work. Stored
 * hashes may ask for up to 64 MiB (N = 2^16), so that the cost can grow.
 */
static const struct scrypt_cost passwd_cost = { 1u << 15, 8, 1, 64u << 20 };
static const struct scrypt_cost passwd_limit = { 1u << 16, 16, 4,
    64u << 20 };

static const char *const passwd_roles[] = { "admin", "caseworker",
    "viewer" };

int
passwd_hash(const char *pw, size_t len, char out[PASSWD_HASH_MAX])
{
	return scrypt_hash(pw, len, &passwd_cost, out, PASSWD_HASH_MAX);
}

int
passwd_verify(const char *pw, size_t len, const char *stored)
{
	return scrypt_verify(pw, len, stored, &passwd_limit);
}

const char *
passwd_check(const char *pw, size_t len)
{
	size_t	 i, chars = 0;

	if (len == 0)
		return "the password is empty";
	if (len > PASSWD_MAX)
		return "the password is longer than 1024 bytes";
	if (!text_utf8_valid(pw, len))
		return "the password is not UTF-8";
	for (i = 0; i < len; i++) {
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f)
			return "the password holds a control character";
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars < PASSWD_MIN)
		return "the password is shorter than 8 characters";
	return NULL;
}

const char *
passwd_name_check(const char *name)
{
	const char	*p;

	if (*name == '\0')
		return "the name is empty";
	if (strlen(name) > 63)
		return "the name is longer than 63 characters";
	if (strchr("._-@", *name) != NULL)
		return "the name must begin with a letter or a digit";
	/* The audit's name for what tincayctl did (SPEC §12). */
	if (strcmp(name, "tincayctl") == 0)
		return "the name tincayctl is the audit's, for tincayctl";
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-@", *p) != NULL))
			return "the name may hold only letters a-z, digits "
			    "and . _ - @";
	return NULL;
}

int
passwd_role_ok(const char *role)
{
	size_t	 i;

	for (i = 0; i < sizeof(passwd_roles) / sizeof(passwd_roles[0]); i++)
		if (strcmp(role, passwd_roles[i]) == 0)
			return 1;
	return 0;
}
