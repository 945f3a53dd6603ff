/*
 * web_session.c: the console's sessions (SPEC §12), in memory: an id of
 * 32 random bytes in the cookie __Host-tincay, a CSRF token of its own,
 * the user's name once she signed in. A session ends more than idle_s
 * after its last request or absolute_s after its sign-in (one made for
 * the sign-in form, WEB_ANON_S after it was made), to the second; a
 * sign-in makes a new one, so an
 * id known before it is worth nothing after. A restart signs everyone
 * out. The table is bounded: a full one drops the oldest session nobody
 * signed into, never a signed-in one.
 */
#include <stdio.h>
#include <string.h>

#include "web_int.h"

/* An id or token: WEB_ID_BYTES random bytes, hex. 0, or -1. */
static int
web_session_id(char out[WEB_ID_HEX + 1])
{
	unsigned char	 b[WEB_ID_BYTES];

	if (util_random(b, sizeof(b)) == -1)
		return -1;
	util_hex(b, sizeof(b), out);
	return 0;
}

/* Whether s is over at now. */
static int
web_session_over(const struct web *w, const struct web_session *s,
    int64_t now)
{
	const struct config	*conf = w->conf;

	if (s->user[0] == '\0')
		return now - s->created > WEB_ANON_S ||
		    now - s->last > conf->console.idle_s;
	return now - s->last > conf->console.idle_s ||
	    now - s->created > conf->console.absolute_s || now < s->created;
}

void
web_session_end(struct web_session *s)
{
	if (s != NULL)
		memset(s, 0, sizeof(*s));
}

/* The value of our cookie in a Cookie header ("a=b; __Host-tincay=ID"):
 * its length, and *v; 0 if none. */
static size_t
web_session_value(const char *cookie, const char **v)
{
	const char	*p = cookie;
	size_t		 n = strlen(WEB_COOKIE);

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t;");
		if (strncmp(p, WEB_COOKIE, n) == 0 && p[n] == '=') {
			*v = p + n + 1;
			return strcspn(*v, "; \t");
		}
		p = strchr(p, ';');
	}
	return 0;
}

struct web_session *
web_session_find(struct web *w, const char *cookie, int64_t now)
{
	struct web_session	*s, *found = NULL;
	const char		*v = NULL;
	size_t			 i, n;

	if (cookie == NULL || (n = web_session_value(cookie, &v)) !=
	    WEB_ID_HEX)
		return NULL;
	/* Every slot is compared, in constant time each. */
	for (i = 0; i < WEB_SESSIONS; i++) {
		s = &w->sessions[i];
		if (s->id[0] != '\0' && util_ct_equal(v, n, s->id, WEB_ID_HEX))
			found = s;
	}
	if (found != NULL && web_session_over(w, found, now)) {
		web_session_end(found);
		found = NULL;
	}
	return found;
}

struct web_session *
web_session_new(struct web *w, const char *user, int64_t now)
{
	struct web_session	*s, *free_slot = NULL, *oldest = NULL;
	size_t			 i;

	for (i = 0; i < WEB_SESSIONS; i++) {
		s = &w->sessions[i];
		if (s->id[0] != '\0' && web_session_over(w, s, now))
			web_session_end(s);
		if (s->id[0] == '\0') {
			if (free_slot == NULL)
				free_slot = s;
		} else if (s->user[0] == '\0' && (oldest == NULL ||
		    s->last < oldest->last))
			oldest = s;
	}
	if ((s = free_slot != NULL ? free_slot : oldest) == NULL) {
		log_warnx("%s: %d sessions signed in; no room for another",
		    __func__, WEB_SESSIONS);
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	if (web_session_id(s->id) == -1 || web_session_id(s->csrf) == -1) {
		web_session_end(s);
		return NULL;
	}
	util_strlcpy(s->user, user, sizeof(s->user));
	s->created = s->last = now;
	return s;
}

/*
 * __Host- asks for Secure, Path=/ and no Domain; browsers take a Secure
 * cookie from http://127.0.0.1 and http://localhost (loopback counts as
 * secure), so it is Secure always and the console works on loopback
 * without TLS as well as behind a TLS proxy.
 */
void
web_session_cookie(struct web_ctx *ctx, const struct web_session *s,
    int gone)
{
	if (gone)
		web_header_add(ctx->resp, "Set-Cookie", "%s=; Path=/; Max-Age=0; "
		    "HttpOnly; SameSite=Strict; Secure", WEB_COOKIE);
	else
		web_header_add(ctx->resp, "Set-Cookie", "%s=%s; Path=/; "
		    "HttpOnly; SameSite=Strict; Secure", WEB_COOKIE, s->id);
}

int
web_session_csrf_ok(const struct web_session *s, const char *token)
{
	if (s == NULL || token == NULL)
		return 0;
	return util_ct_equal(token, strlen(token), s->csrf, WEB_ID_HEX);
}
