/*
 * form.c: application/x-www-form-urlencoded, both ways. A tolerant decoder
 * of (buf, len) into key/value pairs ('+' is a space, keys decoded too, a
 * field without '=' has the value "", empty fields are skipped; NUL and
 * broken escapes are refused), and the WHATWG encoder providers expect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"

#define FORM_MAX_FIELDS	1024

/*
 * Decode (s, n) into a new NUL-terminated string; its length in *outlen.
 * Returns NULL and why in err on a broken escape or a NUL.
 */
static char *
form_unescape(const char *s, size_t n, size_t *outlen, char *err,
    size_t errlen)
{
	char	*out;
	size_t	 i, o = 0;
	int	 hi, lo;

	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '\0') {
			snprintf(err, errlen, "NUL byte at offset %zu", i);
			goto bad;
		}
		if (s[i] == '+') {
			out[o++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (n - i < 3 ||
		    (hi = util_hex_digit((unsigned char)s[i + 1])) == -1 ||
		    (lo = util_hex_digit((unsigned char)s[i + 2])) == -1) {
			snprintf(err, errlen, "broken %%-escape");
			goto bad;
		}
		if (hi == 0 && lo == 0) {
			snprintf(err, errlen, "%%00 is not allowed");
			goto bad;
		}
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
bad:
	free(out);
	return NULL;
}

struct form *
form_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct form		*f;
	struct form_field	*fld;
	const char		*p, *end, *amp, *eq;
	size_t			 flen, klen, cap = 0;

	f = xcalloc(1, sizeof(*f));
	p = buf;
	end = buf == NULL ? buf : buf + len;
	while (p != NULL && p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		flen = amp ? (size_t)(amp - p) : (size_t)(end - p);
		if (flen > 0) {
			if (f->n == FORM_MAX_FIELDS) {
				snprintf(err, errlen, "more than %d fields",
				    FORM_MAX_FIELDS);
				form_free(f);
				return NULL;
			}
			if (f->n == cap) {
				cap = cap ? cap * 2 : 16;
				f->v = xrealloc(f->v, cap * sizeof(*f->v));
			}
			fld = &f->v[f->n];
			eq = memchr(p, '=', flen);
			klen = eq ? (size_t)(eq - p) : flen;
			fld->key = form_unescape(p, klen, &fld->keylen, err,
			    errlen);
			fld->val = NULL;
			if (fld->key != NULL)
				fld->val = eq ? form_unescape(eq + 1,
				    flen - klen - 1, &fld->vallen, err,
				    errlen) : xstrdup("");
			if (fld->key == NULL || fld->val == NULL) {
				free(fld->key);
				form_free(f);
				return NULL;
			}
			if (eq == NULL)
				fld->vallen = 0;
			f->n++;
		}
		p = amp ? amp + 1 : end;
	}
	return f;
}

void
form_free(struct form *f)
{
	size_t	 i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->v[i].key);
		free(f->v[i].val);
	}
	free(f->v);
	free(f);
}

const struct form_field *
form_get(const struct form *f, const char *key)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].key, key) == 0)
			return &f->v[i];
	return NULL;
}

/* ASCII letters, digits and *-._ stay; space is '+'; the rest %XX. */
static int
form_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' ||
	    c == '_';
}

/* Room for n more bytes and the NUL. */
static void
form_room(struct form_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
}

static void
form_putc(struct form_buf *b, char c)
{
	form_room(b, 1);
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

void
form_encode(struct form_buf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i;
	unsigned char		 c;

	form_room(b, 3 * n);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (form_plain(c))
			b->buf[b->len++] = (char)c;
		else if (c == ' ')
			b->buf[b->len++] = '+';
		else {
			b->buf[b->len++] = '%';
			b->buf[b->len++] = hex[c >> 4];
			b->buf[b->len++] = hex[c & 15];
		}
	}
	b->buf[b->len] = '\0';
}

void
form_add(struct form_buf *b, const char *key, const char *val)
{
	if (b->len > 0)
		form_putc(b, '&');
	form_encode(b, key, strlen(key));
	form_putc(b, '=');
	form_encode(b, val, strlen(val));
}

int
form_ctype_is(const char *ct, const char *want)
{
	size_t	 n = strlen(want);

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Content-Type is application/x-www-form-urlencoded (any parameters). */
int
form_urlencoded(const char *ct)
{
	return form_ctype_is(ct, "application/x-www-form-urlencoded");
}
