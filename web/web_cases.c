/*
 * web_cases.c: the cases (SPEC §12): the list after sign-in (newest
 * first, 50 a page, narrowed by status, category, hamlet, commune), a
 * case's page (its texts, the number masked, its alerts and how they
 * went, who took and closed it) and what a caseworker does with it:
 * NHAN, XONG with §6a's codes, the amend of a closed one, the number
 * shown. Only cases of her communes and hamlets, as the store's queries
 * give them; the actions are ack.c's, as by SMS or tincayctl.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

#define WEB_AGE_MAX	120

static const struct {
	const char	*key, *vi;
} web_text_kinds[] = {
	{ "gbv",	"Tin báo" },
	{ "shelter",	"Tin báo" },
	{ "unknown",	"Tin báo" },
	{ "followup",	"Tin tiếp theo" },
	{ "ack",	"NHAN (người nhận ca)" },
	{ "done",	"XONG (người đóng ca)" },
	{ "cancel",	"HUY từ số của người báo (có thể không phải "
			"người báo)" },
};

/* What people read for an alert's event, its delivery and receipt. */
static const struct {
	const char	*key, *vi;
} web_alert_words[] = {
	{ "report.created",		"Báo ca mới" },
	{ "report.updated",		"Tin tiếp theo" },
	{ "report.escalated",		"Báo lên cấp trên" },
	{ "report.acknowledged",	"Đã có người nhận" },
	{ "report.cancel_requested",	"Số người báo xin hủy" },
	{ "report.cancelled",		"Báo nhầm" },
	{ "report.closed",		"Đã đóng" },
	{ "pending",			"đang chờ gửi" },
	{ "sent",			"đã gửi" },
	{ "failed",			"không gửi được" },
	{ "delivered",			"đã tới máy" },
	{ "undelivered",		"không tới máy" },
};

static const char *const web_statuses[] = {
	"open", "acknowledged", "closed", "cancelled",
};
static const char *const web_categories[] = { "gbv", "shelter" };

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const char *
web_alert_word(const char *key)
{
	size_t	 i;

	for (i = 0; key != NULL && i < nitems(web_alert_words); i++)
		if (strcmp(web_alert_words[i].key, key) == 0)
			return web_alert_words[i].vi;
	return key;
}

/* The name of hamlet code of commune (its config's), or the code. */
static const char *
web_area_name(const struct web_ctx *ctx, const char *commune,
    const char *code)
{
	const struct config	*cf = config_scoped(ctx->conf, commune);
	size_t			 i;

	if (code == NULL)
		return "Chưa rõ thôn";
	for (i = 0; i < cf->nareas; i++)
		if (strcmp(cf->areas[i].code, code) == 0)
			return cf->areas[i].name;
	return code;
}

/* A select of name among values (and "" first: any). */
static void
web_select(struct web_ctx *ctx, const char *label, const char *name,
    const char *const *values, const char *const *shown, size_t n,
    const char *now)
{
	size_t	 i;

	web_printf(ctx, "<label class=\"opt\">");
	web_text(ctx, label);
	web_printf(ctx, " <select name=\"%s\"><option value=\"\">Tất cả"
	    "</option>", name);
	for (i = 0; i < n; i++) {
		web_printf(ctx, "<option value=\"");
		web_text(ctx, values[i]);
		web_printf(ctx, "\"%s>", now != NULL && strcmp(now,
		    values[i]) == 0 ? " selected" : "");
		web_text(ctx, shown[i]);
		web_printf(ctx, "</option>");
	}
	web_printf(ctx, "</select></label>\n");
}

struct web_list {
	struct web_ctx	*ctx;
	int		 n;
};

static int
web_cases_row(const struct store_console_case *c, void *arg)
{
	struct web_list	*l = arg;
	struct web_ctx	*ctx = l->ctx;
	char		 age[48];

	if (++l->n > WEB_PAGE_ROWS)	/* the next page's first */
		return 1;
	casework_duration(ctx->req->now - c->created_at, 1, age, sizeof(age));
	web_printf(ctx, "<tr><td><a href=\"/cases/");
	web_text(ctx, c->ref);
	web_printf(ctx, "\">");
	web_text(ctx, c->ref);
	web_printf(ctx, "</a>%s</td><td>", c->cancel_requested ?
	    " <span class=\"warn\">HUY?</span>" : "");
	web_text(ctx, web_category_name(c->category));
	web_printf(ctx, "</td><td>");
	if (ctx->conf->ncommunes > 0 && *c->commune != '\0') {
		web_text(ctx, c->commune);
		web_printf(ctx, " · ");
	}
	web_text(ctx, web_area_name(ctx, c->commune, c->area));
	web_printf(ctx, "</td><td>");
	web_text(ctx, web_status_name(c->status));
	web_printf(ctx, "</td><td>");
	web_text(ctx, age);
	web_printf(ctx, "</td></tr>\n");
	return 0;
}

/* ?page=N: 1.., else 1. */
static int64_t
web_page_number(const struct web_ctx *ctx)
{
	const char	*p = web_param(ctx, "page");
	long long	 n;

	if (p == NULL || strspn(p, "0123456789") != strlen(p) ||
	    strlen(p) > 6 || (n = atoll(p)) < 1)
		return 1;
	return n;
}

/* The query string of the list's filters and page, escaped for HTML. */
static void
web_cases_link(struct web_ctx *ctx, const struct store_case_filter *f,
    int64_t page)
{
	static const char *const keys[] = {
		"status", "category", "area", "commune",
	};
	const char	*v[4] = { f->status, f->category, f->area, f->commune };
	struct form_buf	 b;
	size_t		 i;
	char		 n[24];

	memset(&b, 0, sizeof(b));
	for (i = 0; i < nitems(keys); i++)
		if (v[i] != NULL)
			form_add(&b, keys[i], v[i]);
	snprintf(n, sizeof(n), "%lld", (long long)page);
	form_add(&b, "page", n);
	web_printf(ctx, "<a href=\"/cases?");
	web_text(ctx, b.buf);
	web_printf(ctx, "\">");
	free(b.buf);
}

void
web_cases(struct web_ctx *ctx)
{
	struct store_case_filter f;
	struct web_list		 l = { ctx, 0 };
	const char		*codes[64], *names[64];
	int64_t			 page = web_page_number(ctx);
	size_t			 i, na;
	char			 detail[32];

	memset(&f, 0, sizeof(f));
	f.status = web_param(ctx, "status");
	f.category = web_param(ctx, "category");
	f.area = web_param(ctx, "area");
	f.commune = web_param(ctx, "commune");
	f.limit = WEB_PAGE_ROWS + 1;
	f.offset = (page - 1) * WEB_PAGE_ROWS;
	web_page_begin(ctx, "Các ca");
	web_printf(ctx, "<form method=\"get\" action=\"/cases\">\n");
	web_select(ctx, "Tình trạng", "status", web_statuses,
	    (const char *const[]){ web_status_name("open"),
	    web_status_name("acknowledged"), web_status_name("closed"),
	    web_status_name("cancelled") }, nitems(web_statuses), f.status);
	web_select(ctx, "Loại", "category", web_categories,
	    (const char *const[]){ web_category_name("gbv"),
	    web_category_name("shelter") }, nitems(web_categories),
	    f.category);
	if (ctx->conf->ncommunes > 0) {
		na = ctx->conf->ncommunes < nitems(codes) ?
		    ctx->conf->ncommunes : nitems(codes);
		for (i = 0; i < na; i++) {
			codes[i] = ctx->conf->communes[i].code;
			names[i] = ctx->conf->communes[i].name;
		}
		web_select(ctx, "Xã", "commune", codes, names, na, f.commune);
		web_printf(ctx, "<label class=\"opt\">Thôn (mã) <input "
		    "type=\"text\" name=\"area\" size=\"6\" value=\"");
		web_text(ctx, f.area);
		web_printf(ctx, "\"></label>\n");
	} else {
		na = ctx->conf->nareas < nitems(codes) ? ctx->conf->nareas :
		    nitems(codes);
		for (i = 0; i < na; i++) {
			codes[i] = ctx->conf->areas[i].code;
			names[i] = ctx->conf->areas[i].name;
		}
		web_select(ctx, "Thôn", "area", codes, names, na, f.area);
	}
	web_printf(ctx, "<button type=\"submit\">Lọc</button></form>\n"
	    "<div class=\"scroll\"><table>\n<tr><th>Mã</th><th>Loại</th>"
	    "<th>Nơi</th><th>Tình trạng</th><th>Đã qua</th></tr>\n");
	if (store_console_cases(ctx->st, &ctx->scope, &f, web_cases_row,
	    &l) == -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return;
	}
	web_printf(ctx, "</table></div>\n");
	if (l.n == 0)
		web_printf(ctx, "<p>Không có ca nào.</p>\n");
	web_printf(ctx, "<nav class=\"pages\">");
	if (page > 1) {
		web_cases_link(ctx, &f, page - 1);
		web_printf(ctx, "← Trang trước</a>");
	}
	if (l.n > WEB_PAGE_ROWS) {
		web_cases_link(ctx, &f, page + 1);
		web_printf(ctx, "Trang sau →</a>");
	}
	web_printf(ctx, "</nav>\n");
	web_page_end(ctx, 200);
	snprintf(detail, sizeof(detail), "page=%lld", (long long)page);
	web_audit(ctx, "case_list", NULL, detail);
}

/* The case of ctx->arg if it is hers: its row (1), else 0 answered (404
 * for none and not hers alike), -1 answered (503). */
static int
web_case_get(struct web_ctx *ctx, struct report_row *row)
{
	char	 ref[REF_MAX];
	size_t	 k;
	int64_t	 id;
	int	 rc;

	for (k = 0; ctx->arg[k] != '\0' && k + 1 < sizeof(ref); k++)
		ref[k] = (char)toupper((unsigned char)ctx->arg[k]);
	ref[k] = '\0';
	if (ctx->arg[k] != '\0' || (id = store_console_case(ctx->st,
	    &ctx->scope, ref)) == 0) {
		web_fail(ctx, 404, "Không có ca này.");
		return 0;
	}
	if (id == -1 || (rc = store_report_get(ctx->st, id, NULL, row)) ==
	    -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return -1;
	}
	if (rc == 0) {
		web_fail(ctx, 404, "Không có ca này.");
		return 0;
	}
	return 1;
}

/* What reports show adds to the row: who took it, the §6a codes. */
struct web_case_more {
	char		 acked_by[96];
	char		 sex[4];
	char		 outcome[40];
	int		 age;		/* -1: not said */
	int64_t		 created_at;
};

static int
web_case_more_row(const struct store_field *f, size_t n, void *arg)
{
	struct web_case_more	*m = arg;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (f[i].type == STORE_FIELD_NULL)
			continue;
		if (strcmp(f[i].name, "acked_by") == 0)
			util_strlcpy(m->acked_by, f[i].text,
			    sizeof(m->acked_by));
		else if (strcmp(f[i].name, "victim_sex") == 0)
			util_strlcpy(m->sex, f[i].text, sizeof(m->sex));
		else if (strcmp(f[i].name, "outcome") == 0)
			util_strlcpy(m->outcome, f[i].text,
			    sizeof(m->outcome));
		else if (strcmp(f[i].name, "victim_age") == 0)
			m->age = (int)f[i].number;
		else if (strcmp(f[i].name, "created_at") == 0)
			m->created_at = (int64_t)f[i].number;
	}
	return 1;
}

struct web_case_walk {
	struct web_ctx	*ctx;
	int		 unmasked;
	int		 escalations;
};

static int
web_case_text(const struct store_text *t, void *arg)
{
	struct web_case_walk	*cw = arg;
	struct web_ctx		*ctx = cw->ctx;
	const char		*kind = t->category;
	size_t			 i;

	for (i = 0; i < nitems(web_text_kinds); i++)
		if (strcmp(web_text_kinds[i].key, t->category) == 0)
			kind = web_text_kinds[i].vi;
	web_printf(ctx, "<tr><td>");
	web_time(ctx, t->at);
	web_printf(ctx, "</td><td>");
	web_text(ctx, kind);
	web_printf(ctx, "</td><td class=\"text\">");
	if (t->text == NULL)
		web_printf(ctx, "<span class=\"muted\">(đã xóa theo thời hạn "
		    "lưu)</span>");
	else
		web_resident(ctx, t->text, cw->unmasked);
	web_printf(ctx, "</td></tr>\n");
	return 0;
}

static void
web_case_alert(const struct store_console_alert *a, void *arg)
{
	struct web_case_walk	*cw = arg;
	struct web_ctx		*ctx = cw->ctx;

	if (strcmp(a->event, "report.escalated") == 0)
		cw->escalations++;
	web_printf(ctx, "<tr><td>");
	web_text(ctx, a->name != NULL ? a->name : "(đã xóa)");
	web_printf(ctx, " <span class=\"muted\">");
	web_text(ctx, a->role);
	web_printf(ctx, "</span></td><td>");
	web_text(ctx, web_alert_word(a->event));
	web_printf(ctx, "</td><td>");
	web_text(ctx, a->channel);
	web_printf(ctx, "</td><td>");
	web_text(ctx, web_alert_word(a->status));
	if (a->receipt != NULL) {
		web_printf(ctx, ", ");
		web_text(ctx, web_alert_word(a->receipt));
	}
	web_printf(ctx, " (%lld lần)</td></tr>\n", (long long)a->attempts);
}

/* The §6a fields of a close or an amend. */
static void
web_case_codes_form(struct web_ctx *ctx, const char *ref, const char *verb,
    const char *button)
{
	static const char *const outcomes[][2] = {
		{ "CA", "Công an" }, { "YT", "Y tế" },
		{ "TL", "Chỗ tạm lánh" }, { "PL", "Trợ giúp pháp lý" },
		{ "HG", "Hòa giải" }, { "KHAC", "Khác" },
	};
	char	 action[64];
	size_t	 i;

	snprintf(action, sizeof(action), "/cases/%s/%s", ref, verb);
	web_form(ctx, action);
	web_printf(ctx, "<fieldset><legend>Người bị hại</legend>"
	    "<label class=\"opt\"><input type=\"radio\" name=\"sex\" "
	    "value=\"f\"> Nữ</label><label class=\"opt\"><input type=\"radio\" "
	    "name=\"sex\" value=\"m\"> Nam</label><label class=\"opt\"><input "
	    "type=\"radio\" name=\"sex\" value=\"\" checked> Không rõ</label>"
	    "<label>Tuổi <input type=\"number\" name=\"age\" min=\"0\" "
	    "max=\"%d\"></label></fieldset>\n<fieldset><legend>Đã chuyển đến"
	    "</legend>", WEB_AGE_MAX);
	for (i = 0; i < nitems(outcomes); i++)
		web_printf(ctx, "<label class=\"opt\"><input type=\"checkbox\" "
		    "name=\"outcome\" value=\"%s\"> %s</label>", outcomes[i][0],
		    outcomes[i][1]);
	web_printf(ctx, "<label><input type=\"checkbox\" name=\"false_alarm\" "
	    "value=\"1\"> Báo nhầm (NHAM)</label></fieldset>\n");
	web_form_end(ctx, button);
}

static void
web_case_page(struct web_ctx *ctx, const struct report_row *row,
    int unmasked)
{
	struct store_list_args	 args;
	struct web_case_more	 more;
	struct web_case_walk	 cw = { ctx, unmasked, 0 };
	char			 masked[PHONE_MAX], action[64], title[32];

	memset(&more, 0, sizeof(more));
	more.age = -1;
	memset(&args, 0, sizeof(args));
	args.id = row->id;
	if (store_list(ctx->st, STORE_LIST_REPORT, &args, web_case_more_row,
	    &more) == -1)
		goto db;
	snprintf(title, sizeof(title), "Ca %s", row->ref);
	web_page_begin(ctx, title);
	if (row->cancel_requested)
		web_printf(ctx, "<p class=\"warn\">Số điện thoại của người báo "
		    "đã nhắn HUY. Có thể không phải người báo nhắn: hãy kiểm "
		    "tra một cách an toàn. Ca vẫn mở.</p>\n");
	web_printf(ctx, "<table>\n<tr><th>Loại</th><td>");
	web_text(ctx, web_category_name(row->category));
	web_printf(ctx, "</td></tr>\n<tr><th>Tình trạng</th><td>");
	web_text(ctx, web_status_name(row->status));
	web_printf(ctx, "</td></tr>\n<tr><th>Nơi</th><td>");
	if (ctx->conf->ncommunes > 0 && *row->commune != '\0') {
		web_text(ctx, row->commune);
		web_printf(ctx, " · ");
	}
	web_text(ctx, web_area_name(ctx, row->commune, row->area[0] != '\0' ?
	    row->area : NULL));
	web_printf(ctx, "</td></tr>\n<tr><th>Nhận lúc</th><td>");
	web_time(ctx, more.created_at);
	web_printf(ctx, "</td></tr>\n<tr><th>Số người báo</th><td>");
	if (unmasked)
		web_text(ctx, row->reporter);
	else {
		web_text(ctx, row->reporter[0] != '\0' ?
		    phone_mask(row->reporter, masked) : "(đã xóa)");
		if (row->reporter[0] != '\0') {
			snprintf(action, sizeof(action), "/cases/%s/number",
			    row->ref);
			web_printf(ctx, " ");
			web_form(ctx, action);
			web_form_end(ctx, "Hiện số đầy đủ");
		}
	}
	web_printf(ctx, "</td></tr>\n");
	if (row->previous[0] != '\0') {
		web_printf(ctx, "<tr><th>Ca trước của số này</th><td>");
		web_text(ctx, row->previous);
		web_printf(ctx, "</td></tr>\n");
	}
	if (more.acked_by[0] != '\0') {
		web_printf(ctx, "<tr><th>Người nhận / đóng</th><td>");
		web_text(ctx, more.acked_by);
		web_printf(ctx, "</td></tr>\n");
	}
	if (row->closed_at > 0) {
		web_printf(ctx, "<tr><th>Đóng lúc</th><td>");
		web_time(ctx, row->closed_at);
		web_printf(ctx, "</td></tr>\n<tr><th>Kết quả</th><td>");
		web_text(ctx, more.sex[0] == 'f' ? "nữ" : more.sex[0] == 'm' ?
		    "nam" : "giới tính không rõ");
		if (more.age >= 0)
			web_printf(ctx, ", %d tuổi", more.age);
		if (more.outcome[0] != '\0') {
			web_printf(ctx, ", ");
			web_text(ctx, more.outcome);
		}
		web_printf(ctx, "</td></tr>\n");
	}
	web_printf(ctx, "<tr><th>Mức báo lên</th><td>%d</td></tr>\n"
	    "</table>\n<h2>Tin nhắn</h2>\n<div class=\"scroll\"><table>\n"
	    "<tr><th>Lúc</th><th>Loại</th><th>Nội dung</th></tr>\n",
	    row->escalation_level);
	if (store_report_texts(ctx->st, row->id, web_case_text, &cw) == -1)
		goto db;
	web_printf(ctx, "</table></div>\n<h2>Báo tin cho người phụ trách</h2>\n"
	    "<div class=\"scroll\"><table>\n<tr><th>Người</th><th>Sự việc</th>"
	    "<th>Kênh</th><th>Gửi</th></tr>\n");
	if (store_console_alerts(ctx->st, row->id, web_case_alert, &cw) == -1)
		goto db;
	web_printf(ctx, "</table></div>\n");
	if (strcmp(row->status, "open") == 0) {
		web_printf(ctx, "<h2>Nhận ca (NHAN)</h2>\n");
		snprintf(action, sizeof(action), "/cases/%s/ack", row->ref);
		web_form(ctx, action);
		web_form_end(ctx, "Tôi nhận ca này");
	}
	if (strcmp(row->status, "open") == 0 ||
	    strcmp(row->status, "acknowledged") == 0) {
		web_printf(ctx, "<h2>Đóng ca (XONG)</h2>\n");
		web_case_codes_form(ctx, row->ref, "close", "Đóng ca");
	} else {
		web_printf(ctx, "<h2>Sửa kết quả</h2>\n");
		web_case_codes_form(ctx, row->ref, "amend", "Sửa kết quả");
	}
	web_page_end(ctx, 200);
	return;
db:
	web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại sau.");
}

void
web_case(struct web_ctx *ctx)
{
	struct report_row	 row;

	if (web_case_get(ctx, &row) != 1)
		return;
	web_case_page(ctx, &row, 0);
	if (ctx->resp->code == 200)
		web_audit(ctx, "case_view", row.ref, NULL);
	store_report_row_clear(&row);
}

void
web_case_number(struct web_ctx *ctx)
{
	struct report_row	 row;

	if (web_case_get(ctx, &row) != 1)
		return;
	web_case_page(ctx, &row, 1);
	if (ctx->resp->code == 200)
		web_audit(ctx, "number_shown", row.ref, NULL);
	store_report_row_clear(&row);
}

/* "console:NAME": acked_by of what she does. */
static void
web_case_by(const struct web_ctx *ctx, char *out, size_t outlen)
{
	snprintf(out, outlen, "console:%s", ctx->user.name);
}

/* After an action on the case: its page, or why not. */
static void
web_case_after(struct web_ctx *ctx, const struct report_row *row, int rc,
    const char *action, const char *detail)
{
	char	 where[32];

	switch (rc) {
	case ACK_OPERATOR_TAKEN:
	case ACK_OPERATOR_CLOSED:
	case ACK_OPERATOR_CANCELLED:
	case ACK_OPERATOR_AMENDED:
		web_audit(ctx, action, row->ref, detail);
		snprintf(where, sizeof(where), "/cases/%s", row->ref);
		web_redirect(ctx, where);
		return;
	case ACK_OPERATOR_NO_REPORT:
		web_fail(ctx, 404, "Không có ca này.");
		return;
	case ACK_OPERATOR_NOT_OPEN:
		web_fail(ctx, 409, "Ca này không còn mở (đã có người nhận "
		    "hoặc đã đóng); không có gì thay đổi.");
		return;
	case ACK_OPERATOR_NOT_CLOSED:
		web_fail(ctx, 409, "Ca này chưa đóng; không có gì để sửa.");
		return;
	default:
		web_fail(ctx, 503, "Không ghi được vào cơ sở dữ liệu; không "
		    "có gì thay đổi. Thử lại sau.");
	}
}

void
web_case_ack(struct web_ctx *ctx)
{
	struct report_row	 row;
	char			 by[USER_NAME_MAX + 16], reply[REPLY_MAX];
	int			 rc;

	if (web_case_get(ctx, &row) != 1)
		return;
	web_case_by(ctx, by, sizeof(by));
	rc = ack_by_user(ctx->st, config_scoped(ctx->conf, row.commune),
	    ACK_OP_TAKE, row.ref, "", by, ctx->req->now, reply, sizeof(reply));
	ctx->resp->wrote = 1;
	web_case_after(ctx, &row, rc, "ack", NULL);
	store_report_row_clear(&row);
}

/*
 * The close's fields as XONG's words (SPEC §6a): sex f|m|"", age 0..120
 * or "", outcome codes (repeated), false_alarm 1. Into codes, or the
 * field that is wrong into *bad: -1.
 */
static int
web_case_codes(struct web_ctx *ctx, char *codes, size_t len,
    const char **bad)
{
	static const char *const known[] = {
		"CA", "YT", "TL", "PL", "HG", "KHAC",
	};
	const char	*sex = web_field(ctx, "sex");
	const char	*age = web_field(ctx, "age");
	const char	*nham = web_field(ctx, "false_alarm");
	size_t		 i, k, o = 0;

	codes[0] = '\0';
	if (sex != NULL && *sex != '\0') {
		if (strcmp(sex, "f") != 0 && strcmp(sex, "m") != 0) {
			*bad = "sex";
			return -1;
		}
		o += (size_t)snprintf(codes + o, len - o, "%s",
		    *sex == 'f' ? "NU" : "NAM");
	}
	if (age != NULL && *age != '\0') {
		if (strlen(age) > 3 || strspn(age, "0123456789") !=
		    strlen(age) || atoi(age) > WEB_AGE_MAX) {
			*bad = "age";
			return -1;
		}
		o += (size_t)snprintf(codes + o, len - o, "%s%d", o ? " " : "",
		    atoi(age));
	}
	for (i = 0; ctx->form != NULL && i < ctx->form->n; i++) {
		if (strcmp(ctx->form->v[i].key, "outcome") != 0)
			continue;
		for (k = 0; k < nitems(known); k++)
			if (strcmp(ctx->form->v[i].val, known[k]) == 0)
				break;
		if (k == nitems(known)) {
			*bad = "outcome";
			return -1;
		}
		if (o + 6 < len)
			o += (size_t)snprintf(codes + o, len - o, "%s%s",
			    o ? " " : "", known[k]);
	}
	if (nham != NULL && *nham != '\0') {
		if (strcmp(nham, "1") != 0) {
			*bad = "false_alarm";
			return -1;
		}
		snprintf(codes + o, len - o, "%sNHAM", o ? " " : "");
	}
	return 0;
}

static void
web_case_codes_do(struct web_ctx *ctx, enum ack_op op, const char *action)
{
	struct report_row	 row;
	char			 by[USER_NAME_MAX + 16], reply[REPLY_MAX];
	char			 codes[96], msg[96];
	const char		*bad = NULL;
	int			 rc;

	if (web_case_get(ctx, &row) != 1)
		return;
	if (web_case_codes(ctx, codes, sizeof(codes), &bad) == -1) {
		snprintf(msg, sizeof(msg), "Giá trị không hợp lệ: %s. Không "
		    "có gì thay đổi.", bad);
		web_fail(ctx, 400, msg);
		store_report_row_clear(&row);
		return;
	}
	web_case_by(ctx, by, sizeof(by));
	rc = ack_by_user(ctx->st, config_scoped(ctx->conf, row.commune), op,
	    row.ref, codes, by, ctx->req->now, reply, sizeof(reply));
	ctx->resp->wrote = 1;
	/* The codes are §6a's words, never a text: the audit may keep them. */
	web_case_after(ctx, &row, rc, action, codes);
	store_report_row_clear(&row);
}

void
web_case_close(struct web_ctx *ctx)
{
	web_case_codes_do(ctx, ACK_OP_CLOSE, "close");
}

void
web_case_amend(struct web_ctx *ctx)
{
	web_case_codes_do(ctx, ACK_OP_AMEND, "amend");
}
