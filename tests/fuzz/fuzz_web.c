/*
 * fuzz_web.c: libFuzzer target for web_serve (web/), the console as a
 * function of a request, over a store in memory made once: two reports
 * (T1, T2), a text for review, an admin, a caseworker of T1 and a viewer
 * (their hashes at a token cost: the fuzzer is not here to time scrypt).
 *
 * Input: a first byte choosing a session for the request (none, or one
 * signed in as the admin, the caseworker or the viewer, made afresh for
 * each input), then lines: method, path, query, Cookie, Origin,
 * Sec-Fetch-Site, Host, Content-Type; the rest is the body. A line not
 * there is a header not sent (NULL). In the lines and the body "@1" and
 * "@2" stand for the REFs, "@S" for the session's cookie and "@C" for its
 * CSRF token, so that the fuzzer reaches the pages behind sign-in and the
 * actions behind the token. What the request wrote is rolled back.
 *
 * Whatever arrives: a status of 200..599 with a body of its length and no
 * NUL, every security header, no header value that could split the
 * response, a redirect only to a path of ours, valid UTF-8 in a page and
 * no <script.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"
#include "../../web/web_int.h"
#include "fuzz.h"

#define FUZZ_NOW	1800000000
#define FUZZ_FIELDS	8

static const char fuzz_conf_json[] =
    "{ \"database\": \":memory:\", \"timezone\": \"Asia/Ho_Chi_Minh\","
    "  \"console\": { \"listen\": \"127.0.0.1:8081\" },"
    "  \"areas\": [ { \"code\": \"T1\", \"name\": \"Thon 1\" },"
    "    { \"code\": \"T2\", \"name\": \"Thon 2\" } ] }";

/* A cheap cost for the test users' hashes (and the unknown name's). */
static const struct scrypt_cost fuzz_cost = { 16, 1, 1, 1u << 20 };

static const struct {
	const char	*name, *role, *areas;
} fuzz_users[] = {
	{ "quantri",	"admin",	"*" },
	{ "canbo1",	"caseworker",	"T1" },
	{ "xem",	"viewer",	"*" },
};

struct fuzz_state {
	struct config	*conf;
	struct store	*st;
	struct router	*router;
	struct web	*w;
	char		 refs[2][REF_MAX];
};

static void
fuzz_file(struct fuzz_state *s, int n, const char *from, const char *text,
    char *ref)
{
	struct inbound	 in;
	struct outcome	 o;

	memset(&in, 0, sizeof(in));
	in.provider = "generic";
	snprintf(in.ext_id, sizeof(in.ext_id), "f%d", n);
	util_strlcpy(in.from, from, sizeof(in.from));
	in.text = text;
	in.textlen = strlen(text);
	if (router_receive(s->router, s->st, &in, &o) == -1 ||
	    store_commit(s->st) == -1)
		abort();
	if (ref != NULL)
		util_strlcpy(ref, o.ref, REF_MAX);
}

static struct fuzz_state *
fuzz_init(void)
{
	static struct fuzz_state	*s;
	struct user_row			 u;
	char				 err[256];
	size_t				 i;

	if (s != NULL)
		return s;
	s = calloc(1, sizeof(*s));
	if ((s->conf = config_parse(fuzz_conf_json, strlen(fuzz_conf_json),
	    err, sizeof(err))) == NULL ||
	    (s->st = store_open_keyed(":memory:", NULL, 0, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_web: %s\n", err);
		abort();
	}
	s->router = router_new(s->conf);
	fuzz_file(s, 1, "+84912345678", "BL thon 1 <script>x</script> goi "
	    "0987654321 \xe2\x80\xae", s->refs[0]);
	fuzz_file(s, 2, "+84912345679", "BL thon 2 giup", s->refs[1]);
	fuzz_file(s, 3, "+84912345670", "toi can giup do", NULL);
	for (i = 0; i < sizeof(fuzz_users) / sizeof(fuzz_users[0]); i++) {
		memset(&u, 0, sizeof(u));
		util_strlcpy(u.name, fuzz_users[i].name, sizeof(u.name));
		util_strlcpy(u.role, fuzz_users[i].role, sizeof(u.role));
		util_strlcpy(u.communes, "*", sizeof(u.communes));
		util_strlcpy(u.areas, fuzz_users[i].areas, sizeof(u.areas));
		if (scrypt_hash("mat-khau-dung-1", 15, &fuzz_cost, u.pw_hash,
		    sizeof(u.pw_hash)) == -1)
			abort();
		u.created_at = FUZZ_NOW - 86400;
		if (store_user_add(s->st, &u) == -1 ||
		    store_commit(s->st) == -1)
			abort();
	}
	/* web_new()'s console, but for the hash an unknown name is checked
	 * against: at passwd.c's cost it would take each input of the
	 * replay (a process each) a tenth of a second. */
	s->w = xcalloc(1, sizeof(*s->w));
	s->w->conf = s->conf;
	s->w->st = s->st;
	if (scrypt_hash("nobody", 6, &fuzz_cost, s->w->dummy,
	    sizeof(s->w->dummy)) == -1)
		abort();
	return s;
}

/* src (n bytes) with its stand-ins replaced, NUL-terminated; *outlen its
 * length. */
static char *
fuzz_expand(const struct fuzz_state *s, const struct web_session *sess,
    const char *src, size_t n, size_t *outlen)
{
	char		 cookie[sizeof(WEB_COOKIE) + WEB_ID_HEX + 2];
	const char	*with;
	char		*out;
	size_t		 i, k = 0, cap = n + 1, wl;

	snprintf(cookie, sizeof(cookie), "%s=%s", WEB_COOKIE,
	    sess != NULL ? sess->id : "");
	out = xmalloc(cap);
	for (i = 0; i < n; i++) {
		with = NULL;
		if (src[i] == '@' && i + 1 < n) {
			switch (src[i + 1]) {
			case '1':
				with = s->refs[0];
				break;
			case '2':
				with = s->refs[1];
				break;
			case 'S':
				with = cookie;
				break;
			case 'C':
				with = sess != NULL ? sess->csrf : "";
				break;
			}
		}
		if (with != NULL) {
			wl = strlen(with);
			cap += wl;
			out = xrealloc(out, cap);
			memcpy(out + k, with, wl);
			k += wl;
			i++;
			continue;
		}
		out[k++] = src[i];
	}
	out[k] = '\0';
	*outlen = k;
	return out;
}

/* What every answer must be. */
static void
fuzz_judge(const struct web_resp *r)
{
	static const char *const must[] = {
		"Content-Security-Policy", "Cache-Control", "Referrer-Policy",
		"X-Content-Type-Options", "X-Frame-Options",
	};
	const char	*loc;
	size_t		 i;

	FUZZ_CHECK(r->code >= 200 && r->code <= 599);
	FUZZ_CHECK(r->nhdr <= WEB_HEADERS_MAX);
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		FUZZ_CHECK(web_resp_header(r, must[i]) != NULL);
	for (i = 0; i < r->nhdr; i++)
		FUZZ_CHECK(strpbrk(r->hdr[i].value, "\r\n") == NULL);
	if ((loc = web_resp_header(r, "Location")) != NULL)
		FUZZ_CHECK(loc[0] == '/' && loc[1] != '/' && loc[1] != '\\');
	FUZZ_CHECK(r->body != NULL || r->len == 0);
	if (r->body == NULL)
		return;
	FUZZ_CHECK(memchr(r->body, '\0', r->len) == NULL);
	FUZZ_CHECK(strlen(r->body) == r->len);
	FUZZ_CHECK(text_utf8_valid(r->body, r->len));
	FUZZ_CHECK(strstr(r->body, "<script") == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state	*s = fuzz_init();
	struct web_session	*sess = NULL;
	struct web_req		 q;
	struct web_resp		 r;
	const char		*p = (const char *)data, *end, *nl;
	char			*f[FUZZ_FIELDS], *body = NULL;
	size_t			 i, n, len;
	int			 who;

	if (size == 0)
		return 0;
	who = data[0] % 4;
	p++;
	end = (const char *)data + size;
	if (who > 0 && (sess = web_session_new(s->w,
	    fuzz_users[who - 1].name, FUZZ_NOW - 60)) == NULL)
		abort();
	for (i = 0; i < FUZZ_FIELDS; i++) {
		f[i] = NULL;
		if (p > end || (p == end && i > 0))
			continue;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		f[i] = fuzz_expand(s, sess, p, n, &len);
		p += n + 1;
	}
	memset(&q, 0, sizeof(q));
	if (p <= end) {
		body = fuzz_expand(s, sess, p, (size_t)(end - p), &len);
		q.body = body;
		q.bodylen = len;
	}
	q.method = f[0] != NULL ? f[0] : "GET";
	q.path = f[1];
	q.query = f[2];
	q.cookie = f[3];
	q.origin = f[4];
	q.fetch_site = f[5];
	q.host = f[6];
	q.ctype = f[7];
	q.addr = "127.0.0.1";
	q.now = FUZZ_NOW;
	web_serve(s->w, &q, &r);
	fuzz_judge(&r);
	web_resp_clear(&r);
	/* The next input finds the store, the sessions and the throttles as
	 * this one did. */
	if (store_in_tx(s->st))
		store_rollback(s->st);
	memset(s->w->sessions, 0, sizeof(s->w->sessions));
	memset(s->w->throttle, 0, sizeof(s->w->throttle));
	for (i = 0; i < FUZZ_FIELDS; i++)
		free(f[i]);
	free(body);
	return 0;
}
