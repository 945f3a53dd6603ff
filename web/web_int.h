/*
 * web_int.h: what the console's files (web/web*.c) share and nothing
 * else sees (its unit tests aside): the console, a session, a request
 * being answered, and the helpers every page uses.
 */
#ifndef TINCAY_WEB_INT_H
#define TINCAY_WEB_INT_H

#include <stdio.h>

#include "../handlers/handlers.h"
#include "web.h"

/* The cookie; __Host-: Path=/, no Domain, Secure (SPEC §12). */
#define WEB_COOKIE		"__Host-tincay"
#define WEB_ID_BYTES		32	/* a session id, a CSRF token */
#define WEB_ID_HEX		(2 * WEB_ID_BYTES)
#define WEB_SESSIONS		1024	/* held at once, at most */
/* A session not signed in yet (the sign-in form's) lasts so long. */
#define WEB_ANON_S		1800
#define WEB_PAGE_ROWS		50	/* cases a page */
/* Sign-in: 5 wrong for one user in 15 min lock it 15 min; 20 wrong from
 * one address in 15 min refuse it 15 min. */
#define WEB_USER_FAILS		5
#define WEB_ADDR_FAILS		20
#define WEB_FAIL_WINDOW_S	900
#define WEB_LOCK_S		900
#define WEB_THROTTLE_ADDRS	1024	/* addresses remembered, at most */

/* Roles, as route masks. */
enum {
	WEB_ADMIN = 1 << 0,
	WEB_CASEWORKER = 1 << 1,
	WEB_VIEWER = 1 << 2,
	WEB_ALL = WEB_ADMIN | WEB_CASEWORKER | WEB_VIEWER,
	WEB_WORKERS = WEB_ADMIN | WEB_CASEWORKER
};

struct web_session {
	char		 id[WEB_ID_HEX + 1];	/* "": a free slot */
	char		 csrf[WEB_ID_HEX + 1];
	char		 user[USER_NAME_MAX];	/* "": not signed in */
	int64_t		 created;		/* its sign-in (or making) */
	int64_t		 last;			/* its last request */
};

/* An address's failed sign-ins. */
struct web_throttle {
	char		 addr[64];		/* "": a free slot */
	int64_t		 since;			/* the window's first */
	int		 n;
};

struct web {
	const struct config	*conf;
	struct store		*st;
	struct web_session	 sessions[WEB_SESSIONS];
	struct web_throttle	 throttle[WEB_THROTTLE_ADDRS];
	char			 dummy[PASSWD_HASH_MAX];	/* of nothing */
};

/* A request being answered. */
struct web_ctx {
	struct web		*w;
	const struct config	*conf;
	struct store		*st;
	const struct web_req	*req;
	struct web_resp		*resp;
	struct web_session	*sess;		/* NULL: none */
	struct user_row		 user;		/* signed in: hers */
	int			 role;		/* her WEB_* bit; 0: nobody */
	struct store_scope	 scope;		/* what she may know */
	struct form		*form;		/* a POST's fields, or NULL */
	struct form		*query;		/* the query's, or NULL */
	char			 arg[96];	/* the route's '*', decoded */
	FILE			*fp;		/* the page being written */
	char			*page;		/* fp's buffer */
	size_t			 pagelen;
};

/* web.c */
void		 web_header_add(struct web_resp *, const char *name,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 web_redirect(struct web_ctx *, const char *location);
/* A page saying msg (escaped), with status code. */
void		 web_fail(struct web_ctx *, int code, const char *msg);
/* An audit row of the request's user (SPEC §12), into the batch. */
void		 web_audit(struct web_ctx *, const char *action,
		    const char *target, const char *detail);
/* A field of the POST's form or the query: its value, or NULL. */
const char	*web_field(const struct web_ctx *, const char *key);
const char	*web_param(const struct web_ctx *, const char *key);
/* WEB_* of a role word, 0 if none. */
int		 web_role(const char *);

/* web_session.c */
struct web_session *web_session_find(struct web *, const char *cookie,
		    int64_t now);
/* A new session (user "" before sign-in), or NULL if none can be made. */
struct web_session *web_session_new(struct web *, const char *user,
		    int64_t now);
void		 web_session_end(struct web_session *);
/* Its Set-Cookie into resp; gone: one that ends it. */
void		 web_session_cookie(struct web_ctx *, const struct web_session *,
		    int gone);
/* 1 if token is s's CSRF token. */
int		 web_session_csrf_ok(const struct web_session *,
		    const char *token);

/* web_throttle.c: 1 and the seconds to wait if addr is refused now. */
int		 web_throttle_refused(struct web *, const char *addr,
		    int64_t now, int64_t *retry);
void		 web_throttle_fail(struct web *, const char *addr, int64_t now);

/* web_page.c: pages, written to ctx->fp. */
extern const char web_style[];
void		 web_page_begin(struct web_ctx *, const char *title);
/* Ends the page: the response's body, status code. */
void		 web_page_end(struct web_ctx *, int code);
/* Escaped text; a resident's text shown as SPEC §8 says (cleaned of
 * control and bidi characters, then its numbers masked unless shown). */
void		 web_text(struct web_ctx *, const char *s);
void		 web_resident(struct web_ctx *, const char *s, int unmasked);
void		 web_printf(struct web_ctx *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* <form method=post action=...> with its hidden csrf; and its end. */
void		 web_form(struct web_ctx *, const char *action);
void		 web_form_end(struct web_ctx *, const char *button);
/* A local time "YYYY-MM-DD HH:MM" of t, or "-" for 0. */
void		 web_time(struct web_ctx *, int64_t t);
/* The Vietnamese names of categories and statuses. */
const char	*web_category_name(const char *);
const char	*web_status_name(const char *);

/* The routes' handlers. */
void		 web_root(struct web_ctx *);
void		 web_style_css(struct web_ctx *);
void		 web_signin_form(struct web_ctx *);
void		 web_signin(struct web_ctx *);
void		 web_signout(struct web_ctx *);
void		 web_cases(struct web_ctx *);
void		 web_case(struct web_ctx *);
void		 web_case_ack(struct web_ctx *);
void		 web_case_close(struct web_ctx *);
void		 web_case_amend(struct web_ctx *);
void		 web_case_number(struct web_ctx *);
void		 web_review(struct web_ctx *);
void		 web_review_file(struct web_ctx *);
void		 web_review_belongs(struct web_ctx *);
void		 web_review_dismiss(struct web_ctx *);
void		 web_month(struct web_ctx *);
void		 web_month_csv(struct web_ctx *);
void		 web_users(struct web_ctx *);
void		 web_users_add(struct web_ctx *);
void		 web_users_remove(struct web_ctx *);
void		 web_audit_page(struct web_ctx *);

#endif
