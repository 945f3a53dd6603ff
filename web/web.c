/*
 * web.c: the console's door (SPEC §12). Every request walks the same
 * steps: its route (one table), the Origin of a POST, the session and
 * its user as the store has her now, sign-in required, the CSRF token of
 * a POST, her role; then the route's page. Every response leaves with
 * the same security headers.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web_int.h"

#define WEB_GET		0x1
#define WEB_POST	0x2

struct web_route {
	int		 method;
	const char	*path;		/* a '*' segment goes into ctx->arg */
	int		 roles;		/* 0: open, signed out too */
	void		(*fn)(struct web_ctx *);
};

static const struct web_route web_routes[] = {
	{ WEB_GET,	"/style.css",		0,		web_style_css },
	{ WEB_GET,	"/",			WEB_ALL,	web_root },
	{ WEB_GET,	"/signin",		0,		web_signin_form },
	{ WEB_POST,	"/signin",		0,		web_signin },
	{ WEB_POST,	"/signout",		WEB_ALL,	web_signout },
	{ WEB_GET,	"/cases",		WEB_WORKERS,	web_cases },
	{ WEB_GET,	"/cases/*",		WEB_WORKERS,	web_case },
	{ WEB_POST,	"/cases/*/ack",		WEB_WORKERS,	web_case_ack },
	{ WEB_POST,	"/cases/*/close",	WEB_WORKERS,	web_case_close },
	{ WEB_POST,	"/cases/*/amend",	WEB_WORKERS,	web_case_amend },
	{ WEB_POST,	"/cases/*/number",	WEB_WORKERS,	web_case_number },
	{ WEB_GET,	"/review",		WEB_WORKERS,	web_review },
	{ WEB_POST,	"/review/*/file",	WEB_WORKERS,	web_review_file },
	{ WEB_POST,	"/review/*/belongs",	WEB_WORKERS,
	    web_review_belongs },
	{ WEB_POST,	"/review/*/dismiss",	WEB_WORKERS,
	    web_review_dismiss },
	{ WEB_GET,	"/month",		WEB_ALL,	web_month },
	{ WEB_GET,	"/month.csv",		WEB_ALL,	web_month_csv },
	{ WEB_GET,	"/users",		WEB_ADMIN,	web_users },
	{ WEB_POST,	"/users",		WEB_ADMIN,	web_users_add },
	{ WEB_POST,	"/users/*/remove",	WEB_ADMIN,	web_users_remove },
	{ WEB_GET,	"/audit",		WEB_ADMIN,	web_audit_page },
};

/* On every response (SPEC §12); the style sheet is ours, no script. */
static const struct {
	const char	*name, *value;
} web_security[] = {
	{ "Content-Security-Policy", "default-src 'none'; style-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'" },
	{ "Cache-Control", "no-store" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
};

static const struct {
	const char	*word;
	int		 role;
} web_roles[] = {
	{ "admin",	WEB_ADMIN },
	{ "caseworker",	WEB_CASEWORKER },
	{ "viewer",	WEB_VIEWER },
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

struct web *
web_new(const struct config *conf, struct store *st)
{
	struct web	*w;

	unsigned char	 pw[16];

	w = xcalloc(1, sizeof(*w));
	w->conf = conf;
	w->st = st;
	/* What a name nobody has is checked against, as long as a wrong
	 * password takes. */
	if (util_random(pw, sizeof(pw)) == -1 ||
	    passwd_hash((const char *)pw, sizeof(pw), w->dummy) == -1)
		fatalx("%s: no hash to check unknown names against",
		    __func__);
	return w;
}

void
web_configure(struct web *w, const struct config *conf)
{
	w->conf = conf;
}

void
web_free(struct web *w)
{
	free(w);
}

size_t
web_sessions(const struct web *w)
{
	size_t	 i, n = 0;

	for (i = 0; i < WEB_SESSIONS; i++)
		if (w->sessions[i].id[0] != '\0')
			n++;
	return n;
}

int
web_role(const char *word)
{
	size_t	 i;

	for (i = 0; i < nitems(web_roles); i++)
		if (strcmp(web_roles[i].word, word) == 0)
			return web_roles[i].role;
	return 0;
}

void
web_header_add(struct web_resp *r, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*v;
	int	 n;

	if (r->nhdr == WEB_HEADERS_MAX) {
		log_warnx("%s: no room for %s", __func__, name);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("%s: vsnprintf", __func__);
	v = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(v, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r->hdr[r->nhdr].name = name;
	r->hdr[r->nhdr++].value = v;
}

const char *
web_resp_header(const struct web_resp *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nhdr; i++)
		if (strcasecmp(r->hdr[i].name, name) == 0)
			return r->hdr[i].value;
	return NULL;
}

void
web_resp_clear(struct web_resp *r)
{
	size_t	 i;

	for (i = 0; i < r->nhdr; i++)
		free(r->hdr[i].value);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

void
web_redirect(struct web_ctx *ctx, const char *location)
{
	struct web_resp	*r = ctx->resp;

	free(r->body);
	r->code = 303;
	r->ctype = "text/plain; charset=utf-8";
	web_header_add(r, "Location", "%s", location);
	r->body = xstrdup("see other\n");
	r->len = strlen(r->body);
}

void
web_fail(struct web_ctx *ctx, int code, const char *msg)
{
	if (ctx->fp != NULL) {
		fclose(ctx->fp);
		free(ctx->page);
		ctx->fp = NULL;
		ctx->page = NULL;
	}
	web_page_begin(ctx, "Lỗi");
	web_printf(ctx, "<p class=\"error\">");
	web_text(ctx, msg);
	web_printf(ctx, "</p>\n");
	web_page_end(ctx, code);
}

void
web_audit(struct web_ctx *ctx, const char *action, const char *target,
    const char *detail)
{
	if (store_audit_add(ctx->st, ctx->req->now, ctx->user.name, action,
	    target, ctx->req->addr, detail) == -1)
		log_warnx("%s: %s %s: %s", __func__, action,
		    target != NULL ? target : "", store_errmsg(ctx->st));
	ctx->resp->wrote = 1;
}

const char *
web_field(const struct web_ctx *ctx, const char *key)
{
	const struct form_field	*f;

	if (ctx->form == NULL || (f = form_get(ctx->form, key)) == NULL)
		return NULL;
	return f->val;
}

const char *
web_param(const struct web_ctx *ctx, const char *key)
{
	const struct form_field	*f;

	if (ctx->query == NULL || (f = form_get(ctx->query, key)) == NULL ||
	    f->val[0] == '\0')
		return NULL;
	return f->val;
}

/*
 * Whether path matches pattern, a '*' matching one segment of letters,
 * digits, '.', '_', '-' and '@' (REFs, ids, user names), copied into
 * arg.
 */
static int
web_match(const char *pattern, const char *path, char *arg, size_t arglen)
{
	size_t	 n;

	while (*pattern != '\0') {
		if (*pattern == '*') {
			for (n = 0; isalnum((unsigned char)path[n]) ||
			    (path[n] != '\0' && strchr("._-@", path[n]) !=
			    NULL); n++)
				;
			if (n == 0 || n >= arglen)
				return 0;
			memcpy(arg, path, n);
			arg[n] = '\0';
			path += n;
			pattern++;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

/* The route of (method, path): the one, or NULL with *allowed the
 * methods the path takes (0: no such path). */
static const struct web_route *
web_route_find(int method, const char *path, char *arg, size_t arglen,
    int *allowed)
{
	size_t	 i;

	*allowed = 0;
	for (i = 0; i < nitems(web_routes); i++) {
		if (!web_match(web_routes[i].path, path, arg, arglen))
			continue;
		if (web_routes[i].method == method)
			return &web_routes[i];
		*allowed |= web_routes[i].method;
	}
	return NULL;
}

const char *
web_route_class(const char *path)
{
	char	 arg[sizeof(((struct web_ctx *)0)->arg)];
	size_t	 i;

	for (i = 0; path != NULL && i < nitems(web_routes); i++)
		if (web_match(web_routes[i].path, path, arg, sizeof(arg)))
			return web_routes[i].path;
	return "other";
}

/*
 * A POST from elsewhere (SPEC §12): an Origin other than ours, or a
 * browser's word that it comes from another site (Sec-Fetch-Site). Under
 * Referrer-Policy: no-referrer chromium sends "Origin: null" with our own
 * forms: null passes only with Sec-Fetch-Site: same-origin, which a page
 * elsewhere (a sandboxed frame, a data: URL, also "null") never gets.
 * None sent (an old browser, a tool) is checked by the CSRF token alone.
 */
static int
web_origin_ok(const struct web_ctx *ctx)
{
	const char	*o = ctx->req->origin, *site = ctx->req->fetch_site;
	const char	*scheme;
	size_t		 n;

	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return 0;
	if (o == NULL)
		return 1;
	if (strcmp(o, "null") == 0)
		return site != NULL && strcmp(site, "same-origin") == 0;
	if (ctx->req->host == NULL || *ctx->req->host == '\0')
		return 0;
	scheme = ctx->conf->console.https ? "https://" : "http://";
	n = strlen(scheme);
	return strncmp(o, scheme, n) == 0 && strcmp(o + n,
	    ctx->req->host) == 0;
}

/* The session's user as the store holds her now (removed: signed out;
 * another role: the new one). 1 signed in, 0 not, -1 store error. */
static int
web_user(struct web_ctx *ctx)
{
	int	 rc;

	if (ctx->sess == NULL || ctx->sess->user[0] == '\0')
		return 0;
	if ((rc = store_user_get(ctx->st, ctx->sess->user, &ctx->user)) != 1) {
		if (rc == 0) {
			web_session_end(ctx->sess);
			ctx->sess = NULL;
		}
		memset(&ctx->user, 0, sizeof(ctx->user));
		return rc;
	}
	if ((ctx->role = web_role(ctx->user.role)) == 0) {
		web_session_end(ctx->sess);
		ctx->sess = NULL;
		return 0;
	}
	/* A config without communes: every report is its one commune's. */
	ctx->scope.communes = ctx->conf->ncommunes == 0 ? "*" :
	    ctx->user.communes;
	ctx->scope.areas = ctx->user.areas;
	return 1;
}

static int
web_method(const char *m)
{
	if (m == NULL)
		return 0;
	if (strcmp(m, "GET") == 0)
		return WEB_GET;
	if (strcmp(m, "POST") == 0)
		return WEB_POST;
	return 0;
}

/* The steps before the route's page; 0 to go on, -1 answered. */
static int
web_admit(struct web_ctx *ctx, const struct web_route *r, int allowed)
{
	const struct web_req	*req = ctx->req;
	char			 err[128];
	int			 method = web_method(req->method), in;

	if (method == WEB_POST && !web_origin_ok(ctx)) {
		web_fail(ctx, 403, "Yêu cầu từ trang khác bị từ chối.");
		return -1;
	}
	ctx->sess = web_session_find(ctx->w, req->cookie, req->now);
	if ((in = web_user(ctx)) == -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return -1;
	}
	if (r == NULL && allowed == 0 && in) {
		web_fail(ctx, 404, "Không có trang này.");
		return -1;
	}
	if ((r == NULL && allowed == 0) || (r != NULL && r->roles != 0 &&
	    !in)) {
		web_redirect(ctx, "/signin");
		return -1;
	}
	if (r == NULL) {
		web_header_add(ctx->resp, "Allow", "%s", allowed == WEB_GET ?
		    "GET" : allowed == WEB_POST ? "POST" : "GET, POST");
		web_fail(ctx, 405, "Phương thức không được phép.");
		return -1;
	}
	if (method == WEB_POST) {
		if (req->body != NULL && req->bodylen > 0 &&
		    (ctx->form = form_parse(req->body, req->bodylen, err,
		    sizeof(err))) == NULL) {
			web_fail(ctx, 400, "Biểu mẫu không đọc được.");
			return -1;
		}
		if (ctx->sess == NULL || !web_session_csrf_ok(ctx->sess,
		    web_field(ctx, "csrf"))) {
			web_fail(ctx, 403, "Phiên làm việc không hợp lệ hoặc "
			    "đã hết hạn; hãy tải lại trang.");
			return -1;
		}
	}
	if (r->roles != 0 && (r->roles & ctx->role) == 0) {
		web_fail(ctx, 403, "Tài khoản của bạn không được xem trang "
		    "này.");
		return -1;
	}
	if (req->query != NULL && *req->query != '\0' &&
	    (ctx->query = form_parse(req->query, strlen(req->query), err,
	    sizeof(err))) == NULL) {
		web_fail(ctx, 400, "Địa chỉ không đọc được.");
		return -1;
	}
	return 0;
}

void
web_serve(struct web *w, const struct web_req *req, struct web_resp *resp)
{
	const struct web_route	*r;
	struct web_ctx		 ctx;
	size_t			 i;
	int			 allowed;

	memset(resp, 0, sizeof(*resp));
	memset(&ctx, 0, sizeof(ctx));
	ctx.w = w;
	ctx.conf = w->conf;
	ctx.st = w->st;
	ctx.req = req;
	ctx.resp = resp;
	r = web_route_find(web_method(req->method), req->path != NULL ?
	    req->path : "", ctx.arg, sizeof(ctx.arg), &allowed);
	if (web_admit(&ctx, r, allowed) == 0) {
		if (ctx.sess != NULL)
			ctx.sess->last = req->now;
		r->fn(&ctx);
	}
	if (ctx.fp != NULL)		/* a page left open: an error */
		web_fail(&ctx, 500, "Lỗi bên trong.");
	form_free(ctx.form);
	form_free(ctx.query);
	for (i = 0; i < nitems(web_security); i++)
		web_header_add(resp, web_security[i].name, "%s",
		    web_security[i].value);
}
