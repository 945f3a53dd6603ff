/*
 * web_signin.c: signing in and out (SPEC §12). The form's POST carries
 * the token of the session GET /signin made; a wrong name, password or
 * code gets one answer that never says which; a user with 5 wrong in 15
 * minutes is locked 15 minutes and an address with 20 wrong refused as
 * long, right password or not (429, Retry-After). Signed in, she gets a
 * new session (its id never seen before) and the old one ends.
 */
#include <stdio.h>
#include <string.h>

#include "web_int.h"

/* Where her role begins: viewers see counts only. */
static const char *
web_home(const struct web_ctx *ctx)
{
	return ctx->role == WEB_VIEWER ? "/month" : "/cases";
}

void
web_root(struct web_ctx *ctx)
{
	web_redirect(ctx, web_home(ctx));
}

static void
web_signin_page(struct web_ctx *ctx, int code, const char *msg)
{
	web_page_begin(ctx, "Đăng nhập");
	if (msg != NULL) {
		web_printf(ctx, "<p class=\"error\">");
		web_text(ctx, msg);
		web_printf(ctx, "</p>\n");
	}
	web_form(ctx, "/signin");
	web_printf(ctx, "<label>Tên đăng nhập<br><input type=\"text\" "
	    "name=\"name\" autocomplete=\"username\" autocapitalize=\"none\" "
	    "required></label>\n<label>Mật khẩu<br><input type=\"password\" "
	    "name=\"password\" autocomplete=\"current-password\" required>"
	    "</label>\n<label>Mã xác thực (6 số, nếu tài khoản có bật)<br>"
	    "<input type=\"text\" name=\"code\" inputmode=\"numeric\" "
	    "autocomplete=\"one-time-code\" maxlength=\"6\"></label>\n");
	web_form_end(ctx, "Đăng nhập");
	web_page_end(ctx, code);
}

/* GET /signin: the form, and the session (not signed in) its token
 * belongs to. */
void
web_signin_form(struct web_ctx *ctx)
{
	if (ctx->role != 0) {
		web_redirect(ctx, web_home(ctx));
		return;
	}
	if (ctx->sess == NULL) {
		if ((ctx->sess = web_session_new(ctx->w, "", ctx->req->now)) ==
		    NULL) {
			web_fail(ctx, 503, "Máy chủ đang bận; thử lại sau.");
			return;
		}
		web_session_cookie(ctx, ctx->sess, 0);
	}
	web_signin_page(ctx, 200, NULL);
}

static void
web_signin_later(struct web_ctx *ctx, int64_t retry)
{
	web_header_add(ctx->resp, "Retry-After", "%lld", (long long)retry);
	web_signin_page(ctx, 429, "Có quá nhiều lần đăng nhập sai. Hãy "
	    "thử lại sau.");
}

/* A wrong name, password or code: the same page for each. */
static void
web_signin_wrong(struct web_ctx *ctx, const char *who, const char *why)
{
	web_throttle_fail(ctx->w, ctx->req->addr, ctx->req->now);
	if (store_audit_add(ctx->st, ctx->req->now, who, "signin_failed",
	    NULL, ctx->req->addr, why) == -1)
		log_warnx("%s: audit: %s", __func__, store_errmsg(ctx->st));
	ctx->resp->wrote = 1;
	web_signin_page(ctx, 401, "Tên đăng nhập, mật khẩu hoặc mã xác thực "
	    "không đúng.");
}

/* The user's TOTP code, if she must give one: 1 right (or none asked),
 * 0 wrong, -1 error. Under console.require_totp a user without a secret
 * has no right code: her right password is answered as a wrong one, so
 * that the page confirms no guess. */
static int
web_signin_code(struct web_ctx *ctx, const struct user_row *u)
{
	const char	*code = web_field(ctx, "code");
	char		 secret[128];
	int		 rc;

	if (!u->totp)
		return ctx->conf->console.require_totp ? 0 : 1;
	if (code == NULL || *code == '\0')
		return 0;
	if ((rc = store_user_totp_get(ctx->st, u->name, secret,
	    sizeof(secret))) != 1)
		return rc == 0 ? 0 : -1;
	rc = totp_verify(secret, code, ctx->req->now);
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

void
web_signin(struct web_ctx *ctx)
{
	const char		*name = web_field(ctx, "name");
	const char		*pw = web_field(ctx, "password");
	struct web_session	*s;
	struct user_row		 u;
	int64_t			 retry, now = ctx->req->now;
	int			 found, ok, code;

	if (web_throttle_refused(ctx->w, ctx->req->addr, now, &retry)) {
		web_signin_later(ctx, retry);
		return;
	}
	if (name == NULL || pw == NULL || *name == '\0' ||
	    strlen(name) >= USER_NAME_MAX) {
		web_signin_wrong(ctx, "", "form");
		return;
	}
	if ((found = store_user_get(ctx->st, name, &u)) == -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return;
	}
	if (found == 0) {
		/* As long as a wrong password takes: nobody learns who
		 * has an account from the time it takes. */
		(void)passwd_verify(pw, strlen(pw), ctx->w->dummy);
		web_signin_wrong(ctx, "", "unknown_user");
		return;
	}
	if (u.locked_until > now) {
		if (store_audit_add(ctx->st, now, u.name, "signin_failed",
		    NULL, ctx->req->addr, "locked") == -1)
			log_warnx("%s: audit: %s", __func__,
			    store_errmsg(ctx->st));
		ctx->resp->wrote = 1;
		web_signin_later(ctx, u.locked_until - now);
		return;
	}
	ok = passwd_verify(pw, strlen(pw), u.pw_hash);
	code = ok == 1 ? web_signin_code(ctx, &u) : 0;
	if (ok == -1 || code == -1) {
		web_fail(ctx, 503, "Không kiểm tra được mật khẩu; thử lại "
		    "sau.");
		return;
	}
	if (ok != 1 || code != 1) {
		if ((found = store_user_failed(ctx->st, u.id, now,
		    WEB_FAIL_WINDOW_S, WEB_USER_FAILS, WEB_LOCK_S)) == 1) {
			web_throttle_fail(ctx->w, ctx->req->addr, now);
			if (store_audit_add(ctx->st, now, u.name,
			    "signin_failed", NULL, ctx->req->addr,
			    "locked_now") == -1)
				log_warnx("%s: audit: %s", __func__,
				    store_errmsg(ctx->st));
			ctx->resp->wrote = 1;
			web_signin_later(ctx, WEB_LOCK_S);
			return;
		}
		web_signin_wrong(ctx, u.name, ok != 1 ? "password" : "code");
		return;
	}
	web_session_end(ctx->sess);
	ctx->sess = NULL;
	if ((s = web_session_new(ctx->w, u.name, now)) == NULL) {
		web_fail(ctx, 503, "Máy chủ đang bận; thử lại sau.");
		return;
	}
	ctx->sess = s;
	ctx->user = u;
	ctx->role = web_role(u.role);
	if (store_user_ok(ctx->st, u.id, now) == -1)
		log_warnx("%s: %s", __func__, store_errmsg(ctx->st));
	web_audit(ctx, "signin", NULL, NULL);
	web_session_cookie(ctx, s, 0);
	web_redirect(ctx, web_home(ctx));
}

void
web_signout(struct web_ctx *ctx)
{
	web_audit(ctx, "signout", NULL, NULL);
	web_session_end(ctx->sess);
	ctx->sess = NULL;
	web_session_cookie(ctx, NULL, 1);
	web_redirect(ctx, "/signin");
}
