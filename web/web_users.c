/*
 * web_users.c: the admins' pages (SPEC §12): the users (listed, added
 * with a password of at least 8 characters, removed) and the audit log.
 * The same checks as tincayctl users add (passwd.c, scope.c), each change
 * with its audit row in the batch; never a hash nor a secret on a page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "web_int.h"

#define WEB_AUDIT_ROWS	500	/* rows the log shows, newest first */

static int
web_users_row(const struct user_row *u, void *arg)
{
	struct web_ctx	*ctx = arg;
	char		 action[USER_NAME_MAX + 24];

	web_printf(ctx, "<tr><td>");
	web_text(ctx, u->name);
	web_printf(ctx, "</td><td>");
	web_text(ctx, u->role);
	web_printf(ctx, "</td><td>");
	web_text(ctx, u->communes);
	web_printf(ctx, "</td><td>");
	web_text(ctx, u->areas);
	web_printf(ctx, "</td><td>%s</td><td>", u->totp ? "có" : "không");
	web_time(ctx, u->last_signin_at);
	web_printf(ctx, "</td><td>");
	if (strcmp(u->name, ctx->user.name) != 0) {
		snprintf(action, sizeof(action), "/users/%s/remove", u->name);
		web_form(ctx, action);
		web_form_end(ctx, "Xóa");
	}
	web_printf(ctx, "</td></tr>\n");
	return 0;
}

static void
web_users_page(struct web_ctx *ctx, int code, const char *msg)
{
	web_page_begin(ctx, "Người dùng");
	if (msg != NULL) {
		web_printf(ctx, "<p class=\"error\">");
		web_text(ctx, msg);
		web_printf(ctx, "</p>\n");
	}
	web_printf(ctx, "<div class=\"scroll\"><table>\n<tr><th>Tên</th>"
	    "<th>Vai trò</th><th>Xã</th><th>Thôn</th><th>TOTP</th>"
	    "<th>Đăng nhập gần nhất</th><th></th></tr>\n");
	if (store_user_list(ctx->st, web_users_row, ctx) == -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return;
	}
	web_printf(ctx, "</table></div>\n<h2>Thêm người dùng</h2>\n");
	web_form(ctx, "/users");
	web_printf(ctx, "<label>Tên đăng nhập <input type=\"text\" "
	    "name=\"name\" autocapitalize=\"none\" required></label>\n"
	    "<label>Vai trò <select name=\"role\"><option value=\"caseworker\">"
	    "Cán bộ xử lý ca (caseworker)</option><option value=\"viewer\">"
	    "Chỉ xem số liệu (viewer)</option><option value=\"admin\">Quản "
	    "trị (admin)</option></select></label>\n<label>Mật khẩu (ít "
	    "nhất %d ký tự) <input type=\"password\" name=\"password\" "
	    "autocomplete=\"new-password\" required></label>\n<label>Xã "
	    "(* hoặc mã, cách nhau bởi ;) <input type=\"text\" "
	    "name=\"communes\" value=\"*\"></label>\n<label>Thôn (* hoặc mã "
	    "như T1;T3%s) <input type=\"text\" name=\"areas\" value=\"*\">"
	    "</label>\n", PASSWD_MIN, ctx->conf->ncommunes > 0 ?
	    ", trong thành phố MÃXÃ.T3" : "");
	web_form_end(ctx, "Thêm");
	web_printf(ctx, "<p class=\"muted\">Bật mã xác thực hai bước: "
	    "tincayctl users totp TÊN.</p>\n");
	web_page_end(ctx, code);
}

void
web_users(struct web_ctx *ctx)
{
	web_users_page(ctx, 200, NULL);
}

/* A refused field: the page again, saying which and why. */
static void
web_users_refuse(struct web_ctx *ctx, const char *field, const char *why)
{
	char	 msg[256];

	snprintf(msg, sizeof(msg), "Giá trị không hợp lệ: %s (%s). Không có "
	    "gì thay đổi.", field, why);
	web_users_page(ctx, 400, msg);
}

void
web_users_add(struct web_ctx *ctx)
{
	const char	*name = web_field(ctx, "name");
	const char	*role = web_field(ctx, "role");
	const char	*pw = web_field(ctx, "password");
	const char	*communes = web_field(ctx, "communes");
	const char	*areas = web_field(ctx, "areas");
	const char	*why;
	struct user_row	 u;
	int		 rc;

	memset(&u, 0, sizeof(u));
	if (name == NULL || (why = passwd_name_check(name)) != NULL) {
		web_users_refuse(ctx, "name", name == NULL ? "missing" : why);
		return;
	}
	if (role == NULL || !passwd_role_ok(role)) {
		web_users_refuse(ctx, "role", "admin, caseworker or viewer");
		return;
	}
	if (pw == NULL || (why = passwd_check(pw, strlen(pw))) != NULL) {
		web_users_refuse(ctx, "password", pw == NULL ? "missing" : why);
		return;
	}
	if (communes != NULL && *communes == '\0')
		communes = NULL;
	if (areas != NULL && *areas == '\0')
		areas = NULL;
	if ((why = scope_communes(ctx->conf, communes, u.communes,
	    sizeof(u.communes))) != NULL) {
		web_users_refuse(ctx, "communes", why + 2);
		return;
	}
	if ((why = scope_areas(ctx->conf, u.communes, areas, u.areas,
	    sizeof(u.areas))) != NULL) {
		web_users_refuse(ctx, "areas", why + 2);
		return;
	}
	util_strlcpy(u.name, name, sizeof(u.name));
	util_strlcpy(u.role, role, sizeof(u.role));
	u.created_at = ctx->req->now;
	if (passwd_hash(pw, strlen(pw), u.pw_hash) == -1) {
		web_fail(ctx, 503, "Không tạo được mật khẩu; thử lại sau.");
		return;
	}
	rc = store_user_add(ctx->st, &u);
	OPENSSL_cleanse(u.pw_hash, sizeof(u.pw_hash));
	ctx->resp->wrote = 1;
	if (rc == 1) {
		web_users_page(ctx, 409, "Tên này đã có người dùng.");
		return;
	}
	if (rc == -1) {
		web_fail(ctx, 503, "Không ghi được vào cơ sở dữ liệu; thử lại "
		    "sau.");
		return;
	}
	web_audit(ctx, "user_add", u.name, u.role);
	web_redirect(ctx, "/users");
}

void
web_users_remove(struct web_ctx *ctx)
{
	int	 rc;

	if (strcmp(ctx->arg, ctx->user.name) == 0) {
		web_users_page(ctx, 409, "Không thể tự xóa tài khoản đang dùng.");
		return;
	}
	if (store_begin(ctx->st) == -1 ||
	    (rc = store_user_remove(ctx->st, ctx->arg)) == -1) {
		ctx->resp->wrote = 1;
		web_fail(ctx, 503, "Không ghi được vào cơ sở dữ liệu; thử lại "
		    "sau.");
		return;
	}
	ctx->resp->wrote = 1;
	if (rc == 0) {
		web_fail(ctx, 404, "Không có người dùng này.");
		return;
	}
	web_audit(ctx, "user_remove", ctx->arg, NULL);
	web_redirect(ctx, "/users");
}

static int
web_audit_row(const struct audit_row *a, void *arg)
{
	struct web_ctx	*ctx = arg;

	web_printf(ctx, "<tr><td>");
	web_time(ctx, a->at);
	web_printf(ctx, "</td><td>");
	web_text(ctx, a->user);
	web_printf(ctx, "</td><td>");
	web_text(ctx, a->action);
	web_printf(ctx, "</td><td>");
	web_text(ctx, a->target);
	web_printf(ctx, "</td><td>");
	web_text(ctx, a->addr);
	web_printf(ctx, "</td><td>");
	web_text(ctx, a->detail);
	web_printf(ctx, "</td></tr>\n");
	return 0;
}

/* ?from= ?to= (YYYY-MM-DD, to inclusive) as [t0, t1): default the last
 * 30 days. 0, or the field that is wrong. */
static const char *
web_audit_period(struct web_ctx *ctx, int64_t *t0, int64_t *t1)
{
	const char	*tz = ctx->conf->timezone;
	const char	*from = web_param(ctx, "from"), *to = web_param(ctx, "to");
	int		 y, m, d;

	*t0 = ctx->req->now - 30 * 86400;
	*t1 = ctx->req->now + 1;
	if (from != NULL && (report_date(from, &y, &m, &d) == -1 ||
	    (*t0 = tz_midnight(tz, y, m, d)) == -1))
		return "from";
	if (to != NULL && (report_date(to, &y, &m, &d) == -1 ||
	    (*t1 = tz_midnight(tz, y, m, d + 1)) == -1))
		return "to";
	return NULL;
}

void
web_audit_page(struct web_ctx *ctx)
{
	const char	*user = web_param(ctx, "user"), *bad;
	char		 msg[96];
	int64_t		 t0, t1;

	if ((bad = web_audit_period(ctx, &t0, &t1)) != NULL) {
		snprintf(msg, sizeof(msg), "Giá trị không hợp lệ: %s "
		    "(YYYY-MM-DD).", bad);
		web_fail(ctx, 400, msg);
		return;
	}
	web_page_begin(ctx, "Nhật ký");
	web_printf(ctx, "<form method=\"get\" action=\"/audit\">"
	    "<label class=\"opt\">Từ ngày <input type=\"date\" name=\"from\">"
	    "</label><label class=\"opt\">đến ngày <input type=\"date\" "
	    "name=\"to\"></label><label class=\"opt\">Người dùng <input "
	    "type=\"text\" name=\"user\" value=\"");
	web_text(ctx, user);
	web_printf(ctx, "\"></label><button type=\"submit\">Xem</button>"
	    "</form>\n<div class=\"scroll\"><table>\n<tr><th>Lúc</th>"
	    "<th>Người</th><th>Việc</th><th>Đối tượng</th><th>Từ</th>"
	    "<th>Chi tiết</th></tr>\n");
	if (store_audit_list(ctx->st, t0, t1, user, WEB_AUDIT_ROWS,
	    web_audit_row, ctx) == -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return;
	}
	web_printf(ctx, "</table></div>\n<p class=\"muted\">Mới nhất trước, "
	    "nhiều nhất %d dòng.</p>\n", WEB_AUDIT_ROWS);
	web_page_end(ctx, 200);
}
