/*
 * test_web.c: the console as a function of a request (web/, SPEC §12),
 * over a store of its own: routes and methods, sign-in and its throttles,
 * sessions ending idle and absolute and a new id at sign-in, CSRF and
 * Origin refusals that change nothing, the security headers on every
 * response, roles, and hostile texts escaped and cleaned on a case page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/core.h"
#include "../../handlers/handlers.h"
#include "../../web/web.h"
#include "fixture.h"

#define PW	"mat-khau-dung-1"
#define T0	1800000000

static const char conf_json[] =
    "{ \"database\": \":memory:\", \"timezone\": \"Asia/Ho_Chi_Minh\","
    "  \"console\": { \"listen\": \"127.0.0.1:8081\" },"
    "  \"areas\": [ { \"code\": \"T1\", \"name\": \"Thon 1\" },"
    "    { \"code\": \"T2\", \"name\": \"Thon 2\" } ] }";

struct t {
	struct fixture	*fx;
	struct web	*w;
	char		 ref1[REF_MAX], ref2[REF_MAX];	/* T1, T2 */
};

/* One request; the batch committed as the loop would. */
static void
serve(struct t *t, const char *method, const char *path, const char *body,
    const char *cookie, const char *origin, const char *site, int64_t now,
    const char *addr, struct web_resp *r)
{
	struct web_req	 q;
	const char	*qm;
	char		 p[256];

	memset(&q, 0, sizeof(q));
	q.method = method;
	util_strlcpy(p, path, sizeof(p));
	if ((qm = strchr(path, '?')) != NULL) {
		p[qm - path] = '\0';
		q.query = qm + 1;
	}
	q.path = p;
	q.body = body;
	q.bodylen = body != NULL ? strlen(body) : 0;
	q.cookie = cookie;
	q.origin = origin;
	q.fetch_site = site;
	q.host = "127.0.0.1:8081";
	q.addr = addr != NULL ? addr : "127.0.0.1";
	q.now = now;
	web_serve(t->w, &q, r);
	if (store_in_tx(t->fx->tc.store))
		assert_int_equal(store_commit(t->fx->tc.store), 0);
}

static void
get(struct t *t, const char *path, const char *cookie, int64_t now,
    struct web_resp *r)
{
	serve(t, "GET", path, NULL, cookie, NULL, NULL, now, NULL, r);
}

/* "__Host-tincay=ID" of a Set-Cookie, into out. */
static void
cookie_of(const struct web_resp *r, char *out, size_t len)
{
	const char	*v = web_resp_header(r, "Set-Cookie");

	assert_non_null(v);
	util_strlcpy(out, v, len);
	out[strcspn(out, ";")] = '\0';
}

/* The csrf token of a page's first form into out. */
static void
csrf_of(const struct web_resp *r, char *out, size_t len)
{
	const char	*p;

	assert_non_null(r->body);
	p = strstr(r->body, "name=\"csrf\" value=\"");
	assert_non_null(p);
	p += strlen("name=\"csrf\" value=\"");
	util_strlcpy(out, p, len);
	out[strcspn(out, "\"")] = '\0';
}

/* Sign name in at now from addr (NULL: loopback): the response's code;
 * the signed-in cookie into cookie. */
static int
signin(struct t *t, const char *name, const char *pw, int64_t now,
    const char *addr, char *cookie, size_t len)
{
	struct web_resp	 r;
	char		 pre[128], csrf[80], body[256];
	int		 code;

	serve(t, "GET", "/signin", NULL, NULL, NULL, NULL, now, addr, &r);
	assert_int_equal(r.code, 200);
	cookie_of(&r, pre, sizeof(pre));
	csrf_of(&r, csrf, sizeof(csrf));
	web_resp_clear(&r);
	snprintf(body, sizeof(body), "csrf=%s&name=%s&password=%s", csrf,
	    name, pw);
	serve(t, "POST", "/signin", body, pre, NULL, NULL, now, addr, &r);
	code = r.code;
	if (code == 303) {
		cookie_of(&r, cookie, len);
		/* A new id: the one before sign-in is worth nothing. */
		assert_string_not_equal(cookie, pre);
	}
	web_resp_clear(&r);
	return code;
}

static void
user(struct t *t, const char *name, const char *role, const char *areas)
{
	struct user_row	 u;

	memset(&u, 0, sizeof(u));
	util_strlcpy(u.name, name, sizeof(u.name));
	util_strlcpy(u.role, role, sizeof(u.role));
	util_strlcpy(u.communes, "*", sizeof(u.communes));
	util_strlcpy(u.areas, areas, sizeof(u.areas));
	assert_int_equal(passwd_hash(PW, strlen(PW), u.pw_hash), 0);
	u.created_at = T0;
	assert_int_equal(store_user_add(t->fx->tc.store, &u), 0);
	assert_int_equal(store_commit(t->fx->tc.store), 0);
}

static int
setup(void **state)
{
	struct t	*t = calloc(1, sizeof(*t));
	struct outcome	 o;

	t->fx = calloc(1, sizeof(*t->fx));
	t->fx->tc.conf = fixture_conf(conf_json);
	fixture_store(t->fx);
	fixture_receive(t->fx, "generic", NULL, "+84912345678",
	    "BL thon 1 <script>alert(1)</script> \"><img onerror=x> "
	    "\xe2\x80\xae goi 0987654321", &o);
	util_strlcpy(t->ref1, o.ref, sizeof(t->ref1));
	fixture_receive(t->fx, "generic", NULL, "+84912345679",
	    "BL thon 2 giup", &o);
	util_strlcpy(t->ref2, o.ref, sizeof(t->ref2));
	user(t, "quantri", "admin", "*");
	user(t, "canbo1", "caseworker", "T1");
	user(t, "xem", "viewer", "*");
	t->w = web_new(t->fx->tc.conf, t->fx->tc.store);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t	*t = *state;

	web_free(t->w);
	fixture_teardown((void **)&t->fx);
	free(t);
	return 0;
}

static void
headers_present(const struct web_resp *r)
{
	static const char *const names[] = {
		"Content-Security-Policy", "Cache-Control", "Referrer-Policy",
		"X-Content-Type-Options", "X-Frame-Options",
	};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(web_resp_header(r, names[i]));
	assert_string_equal(web_resp_header(r, "Content-Security-Policy"),
	    "default-src 'none'; style-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'");
	assert_string_equal(web_resp_header(r, "Cache-Control"), "no-store");
	if (r->body != NULL)
		assert_null(strstr(r->body, "<script"));
}

static const char *
status_of(struct t *t, const char *ref)
{
	static struct report_row row;

	store_report_row_clear(&row);
	assert_int_equal(store_report_get(t->fx->tc.store, 0, ref, &row), 1);
	return row.status;
}

static void
test_routes_and_headers(void **state)
{
	struct t	*t = *state;
	struct web_resp	 r;
	char		 admin[128], viewer[128], cw[128], path[64];
	size_t		 i;
	static const struct {
		const char	*method, *path;
		int		 code;
		const char	*location;
	} out[] = {
		{ "GET", "/style.css", 200, NULL },
		{ "GET", "/", 303, "/signin" },
		{ "GET", "/cases", 303, "/signin" },
		{ "GET", "/nothing/here", 303, "/signin" },
		{ "GET", "/month", 303, "/signin" },
		{ "GET", "/signin", 200, NULL },
		{ "POST", "/signout", 303, "/signin" },
	};

	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		serve(t, out[i].method, out[i].path, NULL, NULL, NULL, NULL,
		    T0, NULL, &r);
		assert_int_equal(r.code, out[i].code);
		if (out[i].location != NULL)
			assert_string_equal(web_resp_header(&r, "Location"),
			    out[i].location);
		headers_present(&r);
		web_resp_clear(&r);
	}
	assert_int_equal(signin(t, "quantri", PW, T0, NULL, admin,
	    sizeof(admin)), 303);
	assert_int_equal(signin(t, "xem", PW, T0, NULL, viewer,
	    sizeof(viewer)), 303);
	assert_int_equal(signin(t, "canbo1", PW, T0, NULL, cw, sizeof(cw)),
	    303);
	get(t, "/", admin, T0, &r);
	assert_string_equal(web_resp_header(&r, "Location"), "/cases");
	web_resp_clear(&r);
	get(t, "/", viewer, T0, &r);
	assert_string_equal(web_resp_header(&r, "Location"), "/month");
	web_resp_clear(&r);
	get(t, "/nothing/here", admin, T0, &r);
	assert_int_equal(r.code, 404);
	headers_present(&r);
	web_resp_clear(&r);
	serve(t, "DELETE", "/cases", NULL, admin, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 405);
	assert_string_equal(web_resp_header(&r, "Allow"), "GET");
	headers_present(&r);
	web_resp_clear(&r);
	/* Roles: a viewer counts only; a caseworker is no admin. */
	snprintf(path, sizeof(path), "/cases/%s", t->ref1);
	get(t, "/cases", viewer, T0, &r);
	assert_int_equal(r.code, 403);
	headers_present(&r);
	web_resp_clear(&r);
	get(t, path, viewer, T0, &r);
	assert_int_equal(r.code, 403);
	web_resp_clear(&r);
	get(t, "/review", viewer, T0, &r);
	assert_int_equal(r.code, 403);
	web_resp_clear(&r);
	get(t, "/month", viewer, T0, &r);
	assert_int_equal(r.code, 200);
	headers_present(&r);
	web_resp_clear(&r);
	/* The report walks every month of its period on the loop: ten
	 * years at most (fuzz_web: to=9999-12-31 held it for minutes). */
	get(t, "/month?from=2017-01-01&to=2026-12-31", viewer, T0, &r);
	assert_int_equal(r.code, 200);
	web_resp_clear(&r);
	get(t, "/month?from=2017-01-01&to=2027-01-01", viewer, T0, &r);
	assert_int_equal(r.code, 400);
	headers_present(&r);
	web_resp_clear(&r);
	get(t, "/month.csv?to=9999-12-31", viewer, T0, &r);
	assert_int_equal(r.code, 400);
	web_resp_clear(&r);
	get(t, "/users", cw, T0, &r);
	assert_int_equal(r.code, 403);
	web_resp_clear(&r);
	get(t, "/audit", cw, T0, &r);
	assert_int_equal(r.code, 403);
	web_resp_clear(&r);
	get(t, "/users", admin, T0, &r);
	assert_int_equal(r.code, 200);
	headers_present(&r);
	assert_null(strstr(r.body, "scrypt$"));
	web_resp_clear(&r);
	get(t, "/month.csv", admin, T0, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.ctype, "text/csv; charset=utf-8");
	assert_non_null(web_resp_header(&r, "Content-Disposition"));
	headers_present(&r);
	web_resp_clear(&r);
}

static void
test_need_to_know(void **state)
{
	struct t	*t = *state;
	struct web_resp	 r;
	char		 cw[128], path[64], csrf[80], body[128];

	assert_int_equal(signin(t, "canbo1", PW, T0, NULL, cw, sizeof(cw)),
	    303);
	get(t, "/cases", cw, T0, &r);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, t->ref1));
	assert_null(strstr(r.body, t->ref2));
	csrf_of(&r, csrf, sizeof(csrf));
	web_resp_clear(&r);
	/* Another hamlet's case is no case of hers: as a REF nobody has. */
	snprintf(path, sizeof(path), "/cases/%s", t->ref2);
	get(t, path, cw, T0, &r);
	assert_int_equal(r.code, 404);
	web_resp_clear(&r);
	get(t, "/cases/ZZZZ", cw, T0, &r);
	assert_int_equal(r.code, 404);
	web_resp_clear(&r);
	snprintf(path, sizeof(path), "/cases/%s/ack", t->ref2);
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	serve(t, "POST", path, body, cw, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 404);
	web_resp_clear(&r);
	assert_string_equal(status_of(t, t->ref2), "open");
	/* Her own: acknowledged, then closed with §6a's codes. */
	snprintf(path, sizeof(path), "/cases/%s/ack", t->ref1);
	serve(t, "POST", path, body, cw, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 303);
	assert_true(r.wrote);
	web_resp_clear(&r);
	assert_string_equal(status_of(t, t->ref1), "acknowledged");
	snprintf(path, sizeof(path), "/cases/%s/close", t->ref1);
	snprintf(body, sizeof(body), "csrf=%s&sex=f&age=130", csrf);
	serve(t, "POST", path, body, cw, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 400);
	assert_non_null(strstr(r.body, "age"));
	web_resp_clear(&r);
	assert_string_equal(status_of(t, t->ref1), "acknowledged");
	snprintf(body, sizeof(body), "csrf=%s&sex=f&age=30&outcome=CA&"
	    "outcome=YT", csrf);
	serve(t, "POST", path, body, cw, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 303);
	web_resp_clear(&r);
	assert_string_equal(status_of(t, t->ref1), "closed");
}

static void
test_csrf_and_origin(void **state)
{
	struct t	*t = *state;
	struct web_resp	 r;
	char		 a[128], b[128], csrf_a[80], csrf_b[80], path[64];
	char		 body[160];
	size_t		 i;
	static const struct {
		const char	*origin, *site;
	} refused[] = {
		{ "http://evil.example", NULL },
		{ "http://127.0.0.1:8080", NULL },
		{ "https://127.0.0.1:8081", NULL },
		{ "null", NULL },
		{ "null", "cross-site" },
		{ NULL, "cross-site" },
		{ "http://127.0.0.1:8081", "same-site" },
	};

	assert_int_equal(signin(t, "quantri", PW, T0, NULL, a, sizeof(a)),
	    303);
	assert_int_equal(signin(t, "canbo1", PW, T0, NULL, b, sizeof(b)),
	    303);
	get(t, "/cases", a, T0, &r);
	csrf_of(&r, csrf_a, sizeof(csrf_a));
	web_resp_clear(&r);
	get(t, "/cases", b, T0, &r);
	csrf_of(&r, csrf_b, sizeof(csrf_b));
	web_resp_clear(&r);
	assert_string_not_equal(csrf_a, csrf_b);
	snprintf(path, sizeof(path), "/cases/%s/ack", t->ref1);
	/* No token, a wrong one, another session's. */
	serve(t, "POST", path, NULL, a, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 403);
	headers_present(&r);
	web_resp_clear(&r);
	serve(t, "POST", path, "csrf=abc", a, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 403);
	web_resp_clear(&r);
	snprintf(body, sizeof(body), "csrf=%s", csrf_b);
	serve(t, "POST", path, body, a, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 403);
	web_resp_clear(&r);
	/* The right token from elsewhere. */
	snprintf(body, sizeof(body), "csrf=%s", csrf_a);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		serve(t, "POST", path, body, a, refused[i].origin,
		    refused[i].site, T0, NULL, &r);
		assert_int_equal(r.code, 403);
		headers_present(&r);
		web_resp_clear(&r);
	}
	assert_string_equal(status_of(t, t->ref1), "open");
	/* chromium's own form under no-referrer: Origin null, same-origin. */
	serve(t, "POST", path, body, a, "null", "same-origin", T0, NULL, &r);
	assert_int_equal(r.code, 303);
	web_resp_clear(&r);
	assert_string_equal(status_of(t, t->ref1), "acknowledged");
	snprintf(path, sizeof(path), "/cases/%s/ack", t->ref2);
	serve(t, "POST", path, body, a, "http://127.0.0.1:8081",
	    "same-origin", T0, NULL, &r);
	assert_int_equal(r.code, 303);
	web_resp_clear(&r);
	/* Sign-in's token is its pre-sign-in session's. */
	serve(t, "POST", "/signin", "name=quantri&password=" PW, NULL, NULL,
	    NULL, T0, NULL, &r);
	assert_int_equal(r.code, 403);
	web_resp_clear(&r);
}

static void
test_sessions_end(void **state)
{
	struct t	*t = *state;
	struct web_resp	 r;
	char		 c[128], csrf[80], body[128];
	int64_t		 now;

	assert_int_equal(signin(t, "quantri", PW, T0, NULL, c, sizeof(c)),
	    303);
	/* Idle: 900 s (the default) still works, 901 s does not. */
	get(t, "/cases", c, T0 + 900, &r);
	assert_int_equal(r.code, 200);
	web_resp_clear(&r);
	get(t, "/cases", c, T0 + 900 + 901, &r);
	assert_int_equal(r.code, 303);
	assert_string_equal(web_resp_header(&r, "Location"), "/signin");
	web_resp_clear(&r);
	get(t, "/cases", c, T0 + 900 + 902, &r);
	assert_int_equal(r.code, 303);
	web_resp_clear(&r);
	/* Absolute: 8 h, busy or not. */
	assert_int_equal(signin(t, "quantri", PW, T0, NULL, c, sizeof(c)),
	    303);
	for (now = T0 + 800; now <= T0 + 28800; now += 800) {
		get(t, "/month", c, now, &r);
		assert_int_equal(r.code, 200);
		web_resp_clear(&r);
	}
	get(t, "/month", c, T0 + 28801, &r);
	assert_int_equal(r.code, 303);
	web_resp_clear(&r);
	/* Sign-out ends it on our side: the cookie is worth nothing. */
	assert_int_equal(signin(t, "quantri", PW, T0, NULL, c, sizeof(c)),
	    303);
	get(t, "/cases", c, T0, &r);
	csrf_of(&r, csrf, sizeof(csrf));
	web_resp_clear(&r);
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	serve(t, "POST", "/signout", body, c, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 303);
	web_resp_clear(&r);
	get(t, "/cases", c, T0 + 1, &r);
	assert_int_equal(r.code, 303);
	web_resp_clear(&r);
}

static void
test_signin_throttled(void **state)
{
	struct t	*t = *state;
	struct web_resp	 r;
	char		 c[128], name[32];
	int		 i;

	/* Wrong name and wrong password: one answer. */
	assert_int_equal(signin(t, "khongco", PW, T0, NULL, c, sizeof(c)),
	    401);
	for (i = 0; i < 4; i++)
		assert_int_equal(signin(t, "canbo1", "sai-mat-khau", T0 + i,
		    "10.0.0.1", c, sizeof(c)), 401);
	/* The fifth locks her, 15 min, right password or not. */
	assert_int_equal(signin(t, "canbo1", "sai-mat-khau", T0 + 5,
	    "10.0.0.2", c, sizeof(c)), 429);
	assert_int_equal(signin(t, "canbo1", PW, T0 + 6, "10.0.0.3", c,
	    sizeof(c)), 429);
	assert_int_equal(signin(t, "canbo1", PW, T0 + 5 + 901, "10.0.0.3", c,
	    sizeof(c)), 303);
	/* Twenty from one address: it is refused, whoever it names. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "khongco%d", i);
		signin(t, name, PW, T0 + 2000, "10.0.0.9", c, sizeof(c));
	}
	assert_int_equal(signin(t, "quantri", PW, T0 + 2001, "10.0.0.9", c,
	    sizeof(c)), 429);
	assert_int_equal(signin(t, "quantri", PW, T0 + 2001, "10.0.0.8", c,
	    sizeof(c)), 303);
	(void)r;
}

static void
test_hostile_text_escaped(void **state)
{
	struct t	*t = *state;
	struct web_resp	 r;
	char		 c[128], path[64], csrf[80], body[128];

	assert_int_equal(signin(t, "quantri", PW, T0, NULL, c, sizeof(c)),
	    303);
	snprintf(path, sizeof(path), "/cases/%s", t->ref1);
	get(t, path, c, T0, &r);
	assert_int_equal(r.code, 200);
	assert_null(strstr(r.body, "<script"));
	assert_null(strstr(r.body, "<img"));
	assert_non_null(strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(r.body, "&quot;&gt;&lt;img onerror=x&gt;"));
	/* No bidi override; numbers masked, the reporter's and the text's. */
	assert_null(strstr(r.body, "\xe2\x80\xae"));
	assert_null(strstr(r.body, "0987654321"));
	assert_null(strstr(r.body, "12345678"));
	assert_non_null(strstr(r.body, "+********678"));
	csrf_of(&r, csrf, sizeof(csrf));
	web_resp_clear(&r);
	/* Shown when asked, with an audit row. */
	snprintf(path, sizeof(path), "/cases/%s/number", t->ref1);
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	serve(t, "POST", path, body, c, NULL, NULL, T0, NULL, &r);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "+84912345678"));
	assert_null(strstr(r.body, "<script"));
	web_resp_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_routes_and_headers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_need_to_know, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_csrf_and_origin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sessions_end, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_signin_throttled, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_text_escaped,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
