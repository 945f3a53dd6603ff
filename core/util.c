/*
 * util.c: the xmalloc family (out of memory is fatal), safe string
 * helpers, clocks, randomness and HMAC through OpenSSL's libcrypto.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "core.h"

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n ? n : 1)) == NULL)
		fatal("%s", __func__);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if ((p = calloc(nmemb ? nmemb : 1, size ? size : 1)) == NULL)
		fatal("%s", __func__);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void	*p;

	if ((p = realloc(old, n ? n : 1)) == NULL)
		fatal("%s", __func__);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("%s: bad format", __func__);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

const char *
util_plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

size_t
util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	 len = strlen(src);

	if (size > 0) {
		size_t	 n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

char *
util_json_string(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 o = 0, cap = strlen(s) * 6 + 3;
	char	*out = xmalloc(cap);
	const unsigned char *p;

	out[o++] = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p < 0x20) {
			out[o++] = '\\';
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else
			out[o++] = (char)*p;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

int64_t
util_now(void)
{
	return (int64_t)time(NULL);
}

/* Clock clk in microseconds. */
static int64_t
util_clock_us(clockid_t clk)
{
	struct timespec	 ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
util_mono_ms(void)
{
	return util_clock_us(CLOCK_MONOTONIC) / 1000;
}

int64_t
util_mono_us(void)
{
	return util_clock_us(CLOCK_MONOTONIC);
}

/*
 * Wall-clock seconds that never jump while the process runs: the wall clock
 * at the first call plus monotonic time since. Used for timers kept in the
 * database (retries, escalations), so that setting the clock neither floods
 * nor stalls them.
 */
int64_t
util_sched_now(void)
{
	return util_sched_now_ms() / 1000;
}

/* The scheduling clock's origin: its value at mono0 (both ms). */
static int64_t	 util_sched_base, util_sched_mono0;

/* The same clock in milliseconds, for due times that must round up. */
int64_t
util_sched_now_ms(void)
{
	if (util_sched_mono0 == 0) {
		util_sched_base = util_now() * 1000;
		util_sched_mono0 = util_mono_ms();
	}
	return util_sched_base + util_mono_ms() - util_sched_mono0;
}

int64_t
util_sched_offset_ms(void)
{
	return util_sched_now_ms() - util_now_ms();
}

void
util_sched_adopt(int64_t offset_ms)
{
	util_sched_mono0 = util_mono_ms();
	util_sched_base = util_now_ms() + offset_ms;
}

/* The wall clock in milliseconds (an HTTP date is compared with it). */
int64_t
util_now_ms(void)
{
	return util_clock_us(CLOCK_REALTIME) / 1000;
}

int
util_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

/* Constant time in the length of the expected value b. */
int
util_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return 0;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

/*
 * HMAC-SHA256 with a keyed context kept per key (a few keys: the providers'
 * secrets and webhook_secret): OpenSSL 3's one-shot HMAC() fetches the
 * algorithm and builds a context on every call, which cost more than the
 * rest of an alert. Each call duplicates the keyed template.
 */
#define UTIL_MAC_KEYS	4

EVP_MAC_CTX *
util_hmac_new(const char *digest, const void *key, size_t len)
{
	static EVP_MAC	*mac;		/* fetched once, for the process */
	OSSL_PARAM	 params[2];
	EVP_MAC_CTX	*ctx;

	if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string("digest",
	    (char *)(uintptr_t)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

EVP_MAC_CTX *
util_hmac_sha256_new(const void *key, size_t len)
{
	return util_hmac_new("SHA256", key, len);
}

static EVP_MAC_CTX *
util_hmac_template(const char *key)
{
	static struct {
		char		*key;
		EVP_MAC_CTX	*ctx;
	}			 cache[UTIL_MAC_KEYS];
	static size_t		 next;
	size_t			 i;

	for (i = 0; i < UTIL_MAC_KEYS; i++)
		if (cache[i].key != NULL && strcmp(cache[i].key, key) == 0)
			return cache[i].ctx;
	i = next++ % UTIL_MAC_KEYS;
	if (cache[i].key != NULL)
		OPENSSL_clear_free(cache[i].key, strlen(cache[i].key) + 1);
	EVP_MAC_CTX_free(cache[i].ctx);
	cache[i].key = NULL;
	if ((cache[i].ctx = util_hmac_sha256_new(key, strlen(key))) == NULL)
		return NULL;
	cache[i].key = xstrdup(key);
	return cache[i].ctx;
}

int
util_hmac_sha256_hex(const char *key, const void *msg, size_t len,
    char out[65])
{
	return util_hmac_sha256_stamped_hex(key, NULL, msg, len, out);
}

/* stamp NULL: no stamp and no ".". */
int
util_hmac_sha256_stamped_hex(const char *key, const char *stamp,
    const void *msg, size_t len, char out[65])
{
	EVP_MAC_CTX	*tmpl, *ctx;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	size_t		 mdlen = 0;
	int		 ok;

	if ((tmpl = util_hmac_template(key)) == NULL ||
	    (ctx = EVP_MAC_CTX_dup(tmpl)) == NULL)
		return -1;
	ok = (stamp == NULL || (EVP_MAC_update(ctx, (const unsigned char *)
	    stamp, strlen(stamp)) == 1 && EVP_MAC_update(ctx,
	    (const unsigned char *)".", 1) == 1)) &&
	    EVP_MAC_update(ctx, msg, len) == 1 &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) == 1 && mdlen == 32;
	EVP_MAC_CTX_free(ctx);
	if (!ok)
		return -1;
	util_hex(md, mdlen, out);
	return 0;
}

int
util_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
util_hex(const unsigned char *buf, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * len] = '\0';
}

/*
 * The origin of an http(s) URL as a connection pool sees it, into out:
 * "scheme://host:port", scheme and host lower-cased, user info dropped,
 * the default port written out ("https://H/x" and "https://h:443/y" are
 * one origin). 0, or -1 if url is not http(s) or out is too small.
 */
const char *
util_url_check(const char *url, int allow_http)
{
	const char	*h, *end, *p;
	long		 port;

	if (strncasecmp(url, "https://", 8) == 0)
		h = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0) {
		if (!allow_http)
			return "must be https:// (http:// needs allow_http)";
		h = url + 7;
	} else
		return "must start with https:// or http://";
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return "holds a blank or a control character";
	end = h + strcspn(h, "/?#");
	if ((p = memchr(h, '@', (size_t)(end - h))) != NULL)
		h = p + 1;
	if (*h == '[') {
		if ((p = memchr(h, ']', (size_t)(end - h))) == NULL || p == h + 1)
			return "has a broken [IPv6] host";
		p++;
	} else {
		for (p = h; p < end && *p != ':'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_' && (unsigned char)*p < 0x80)
				return "has a character a host name cannot hold";
		if (p == h)
			return "has no host";
	}
	if (p == end)
		return NULL;
	if (*p != ':' || p + 1 == end)
		return "has a broken port";
	for (port = 0, p++; p < end; p++) {
		if (!isdigit((unsigned char)*p) || port > 65535)
			return "has a broken port";
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535 ? NULL : "has a broken port";
}

int
util_url_origin(const char *url, char *out, size_t outlen)
{
	const char	*h, *end, *at, *colon;
	const char	*scheme, *port;
	size_t		 n, i, o;
	int		 w;

	if (strncasecmp(url, "https://", 8) == 0) {
		scheme = "https";
		h = url + 8;
		port = "443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		scheme = "http";
		h = url + 7;
		port = "80";
	} else
		return -1;
	end = h + strcspn(h, "/?#");
	if ((at = memchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	/* A bracketed IPv6 host keeps its colons. */
	colon = NULL;
	for (i = 0; h + i < end; i++)
		if (h[i] == ']')
			colon = NULL;
		else if (h[i] == ':')
			colon = h + i;
	n = (size_t)((colon ? colon : end) - h);
	if (n == 0)
		return -1;
	if (colon != NULL && colon + 1 < end)
		port = NULL;
	w = snprintf(out, outlen, "%s://", scheme);
	if (w < 0 || (size_t)w + n + 1 >= outlen)
		return -1;
	o = (size_t)w;
	for (i = 0; i < n; i++)
		out[o++] = (char)tolower((unsigned char)h[i]);
	if (port != NULL)
		w = snprintf(out + o, outlen - o, ":%s", port);
	else
		w = snprintf(out + o, outlen - o, ":%.*s",
		    (int)(end - colon - 1), colon + 1);
	if (w < 0 || (size_t)w >= outlen - o)
		return -1;
	return 0;
}

/*
 * cJSON allocates through these, so that a parse that failed for want of
 * memory can be told from a malformed text (answered 503, not 400).
 */
static void	*(*util_cjson_real)(size_t) = malloc;
static uint64_t	 util_cjson_failures;

static void *
util_cjson_malloc(size_t n)
{
	void	*p = util_cjson_real(n);

	if (p == NULL)
		util_cjson_failures++;
	return p;
}

void
util_cjson_hooks(void *(*alloc)(size_t))
{
	cJSON_Hooks	 h = { util_cjson_malloc, free };

	util_cjson_real = alloc != NULL ? alloc : malloc;
	cJSON_InitHooks(&h);
}

uint64_t
util_cjson_alloc_failures(void)
{
	return util_cjson_failures;
}

static int
util_json_keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A key that an object in the tree at j holds twice, or NULL. cJSON keeps
 * both and its lookups find the first, so a text that says
 * {"id":"abc","id":"new"} would mean one thing to us and maybe another to
 * whoever wrote it. Each object's keys are sorted (n log n, whatever a
 * large body holds); nesting is bounded by cJSON's limit.
 */
const char *
util_json_dup_key(const cJSON *j)
{
	const cJSON	*c;
	const char	*dup = NULL, **keys;
	size_t		 n = 0, i;

	if (j == NULL)
		return NULL;
	for (c = j->child; c != NULL; c = c->next) {
		if ((dup = util_json_dup_key(c)) != NULL)
			return dup;
		n++;
	}
	if (!cJSON_IsObject(j) || n < 2)
		return NULL;
	keys = xcalloc(n, sizeof(*keys));
	for (i = 0, c = j->child; c != NULL; c = c->next)
		keys[i++] = c->string != NULL ? c->string : "";
	qsort(keys, n, sizeof(*keys), util_json_keycmp);
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			dup = keys[i];
	free(keys);
	return dup;
}

/* The directory of path, resolved when it exists; the caller frees it. */
char *
util_dir(const char *path)
{
	char	*dir = xstrdup(path), *slash, *real;

	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else
		slash[slash == dir] = '\0';
	if ((real = realpath(dir, NULL)) == NULL)
		return dir;
	free(dir);
	return real;
}
