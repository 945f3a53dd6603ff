/*
 * phone.c: phone numbers to E.164 ("+84912345678") from the ways people and
 * providers write them, Vietnam's 2018 move of 11-digit mobiles to 10
 * digits, and masking: of a number for logs, of every number in a text
 * shown on the console.
 */
#include <string.h>

#include "core.h"

#define PHONE_NSN_MIN		8	/* digits after the country code */
#define PHONE_DIGITS_MAX	15	/* E.164, country code included */
#define PHONE_CC_MAX		3

/* Characters people put between digits. */
static const char	phone_seps[] = " \t.-()";

/*
 * Vietnam, 2018: "01xx" + 7 digits became "0yy" + 7 digits. After "+84"
 * the old prefix is the 3 digits "1xx", the new one 2 digits.
 */
static const struct {
	const char	*old;
	const char	*new;
} phone_vn2018[] = {
	{ "120", "70" }, { "121", "79" }, { "122", "77" }, { "123", "83" },
	{ "124", "84" }, { "125", "85" }, { "126", "76" }, { "127", "81" },
	{ "128", "78" }, { "129", "82" }, { "162", "32" }, { "163", "33" },
	{ "164", "34" }, { "165", "35" }, { "166", "36" }, { "167", "37" },
	{ "168", "38" }, { "169", "39" }, { "186", "56" }, { "188", "58" },
	{ "199", "59" },
};

static int	phone_cc_ok(const char *);
static void	phone_vn_renumber(char *);

/* A country code is 1 to 3 digits, not starting with 0. */
static int
phone_cc_ok(const char *cc)
{
	size_t	 i, n;

	if (cc == NULL || (n = strlen(cc)) == 0 || n > PHONE_CC_MAX ||
	    cc[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (cc[i] < '0' || cc[i] > '9')
			return 0;
	return 1;
}

/* digits: "84" and an old 10-digit national number become 9 digits. */
static void
phone_vn_renumber(char *digits)
{
	size_t	 k;

	if (strncmp(digits, "84", 2) != 0 || strlen(digits + 2) != 10)
		return;
	for (k = 0; k < sizeof(phone_vn2018) / sizeof(phone_vn2018[0]); k++)
		if (strncmp(digits + 2, phone_vn2018[k].old, 3) == 0) {
			memcpy(digits + 2, phone_vn2018[k].new, 2);
			memmove(digits + 4, digits + 5, strlen(digits + 5) + 1);
			return;
		}
}

int
phone_e164(const char *buf, size_t len, const char *cc, char out[PHONE_MAX])
{
	char		 digits[PHONE_DIGITS_MAX + 3], intl[PHONE_MAX];
	const char	*d;
	size_t		 i, n = 0, cclen;
	int		 plus = 0;
	char		 c;

	out[0] = '\0';
	for (i = 0; i < len; i++) {
		c = buf[i];
		if (c >= '0' && c <= '9') {
			if (n == sizeof(digits) - 1)
				return -1;
			digits[n++] = c;
		} else if (c == '+' && n == 0 && !plus)
			plus = 1;
		else if (c == '\0' || memchr(phone_seps, c,
		    sizeof(phone_seps) - 1) == NULL)
			return -1;
	}
	digits[n] = '\0';

	/* "+84…", "0084…", "0912…" (national) or "84…" as providers send. */
	d = digits;
	if (!plus && d[0] == '0' && d[1] == '0')
		d += 2;
	else if (!plus && d[0] == '0') {
		if (!phone_cc_ok(cc) ||
		    strlen(cc) + strlen(d + 1) >= sizeof(intl))
			return -1;
		(void)util_strlcpy(intl, cc, sizeof(intl));
		(void)util_strlcpy(intl + strlen(cc), d + 1,
		    sizeof(intl) - strlen(cc));
		d = intl;
	}
	n = strlen(d);
	if (n == 0 || d[0] == '0' || n > PHONE_DIGITS_MAX)
		return -1;
	cclen = phone_cc_ok(cc) && strncmp(d, cc, strlen(cc)) == 0 ?
	    strlen(cc) : 1;
	if (n < cclen + PHONE_NSN_MIN)
		return -1;

	out[0] = '+';
	(void)util_strlcpy(out + 1, d, PHONE_MAX - 1);
	phone_vn_renumber(out + 1);
	return 0;
}

const char *
phone_mask(const char *e164, char out[PHONE_MAX])
{
	size_t	 i, n, ndigits = 0, seen = 0;

	out[0] = '\0';
	if (e164 == NULL)
		return out;
	n = strnlen(e164, PHONE_MAX - 1);
	for (i = 0; i < n; i++)
		if (e164[i] >= '0' && e164[i] <= '9')
			ndigits++;
	for (i = 0; i < n; i++) {
		if (e164[i] >= '0' && e164[i] <= '9')
			out[i] = ++seen + 3 > ndigits ? e164[i] : '*';
		else
			out[i] = i == 0 && e164[i] == '+' ? '+' : '*';
	}
	out[n] = '\0';
	return out;
}

/* Characters that may stand between the digits of a number in a text:
 * "091 234 5678", "(091) 234-5678", "091/234/5678", "0912,345,678". */
static int
phone_text_sep(char c)
{
	return c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' ||
	    c == '/' || c == ',' || c == '_';
}

/* How many separators may stand together between two digits ("(091) 234"). */
#define PHONE_TEXT_SEPS	2

static int
phone_text_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
phone_text_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A run of digits starts at a digit or at a "+" before one and takes up to
 * PHONE_TEXT_SEPS separators between digits, except while digits glued to
 * a word are fewer than 8 and do not start like a local number, 0 and two
 * more ("T3 0912345678": the area code's digit is not part of the number;
 * "SDT0912 345 678" is one). A REF holds no 0. Masking again changes
 * nothing: what is left of a run is never more than its last 3 digits.
 */
char *
phone_mask_text(const char *buf, size_t len)
{
	char	*out = xmalloc(len + 1);
	size_t	 i = 0, j, k, end, ndigits, keep, seen;
	int	 glued;

	memcpy(out, buf, len);
	out[len] = '\0';
	while (i < len) {
		if (!phone_text_digit(buf[i]) && !(buf[i] == '+' &&
		    i + 1 < len && phone_text_digit(buf[i + 1]))) {
			i++;
			continue;
		}
		glued = buf[i] != '+' && i > 0 &&
		    phone_text_letter(buf[i - 1]);
		ndigits = 0;
		for (j = end = buf[i] == '+' ? i + 1 : i; j < len; ) {
			if (phone_text_digit(buf[j])) {
				ndigits++;
				end = ++j;
				continue;
			}
			if (glued && ndigits < 8 && (buf[i] != '0' ||
			    ndigits < 3))
				break;
			for (k = j; k < len && k - j < PHONE_TEXT_SEPS &&
			    phone_text_sep(buf[k]); k++)
				;
			if (k == j || k == len || !phone_text_digit(buf[k]))
				break;
			j = k;
		}
		if (ndigits >= 8) {
			keep = ndigits - 3;
			for (j = i, seen = 0; j < end; j++)
				if (phone_text_digit(buf[j]) && seen++ < keep)
					out[j] = '*';
		}
		i = end;
	}
	return out;
}
