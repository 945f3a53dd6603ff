/*
 * web_review.c: the review list (SPEC §4, §12): the texts without keyword
 * of her communes nobody has filed yet, each with what tincayctl inbox
 * does to it: file it as a report (gbv or shelter, a hamlet of its
 * commune), file it under the report it belongs to, or dismiss it. Only
 * texts of her communes (the store's query), acted on by inbox.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

#define WEB_REVIEW_MAX	200	/* texts a page shows, oldest first */

struct web_review_walk {
	struct web_ctx	*ctx;
	int		 n;
};

static void
web_review_item(struct web_ctx *ctx, const struct inbox_row *m)
{
	const struct config	*cf = config_scoped(ctx->conf, m->commune);
	char			 masked[PHONE_MAX], action[64];
	size_t			 i;

	web_printf(ctx, "<fieldset><legend>Tin #%lld · ", (long long)m->id);
	web_time(ctx, m->received_at);
	if (ctx->conf->ncommunes > 0) {
		web_printf(ctx, " · ");
		web_text(ctx, *m->commune == '*' || *m->commune == '\0' ?
		    "chưa rõ xã" : m->commune);
	}
	web_printf(ctx, " · từ ");
	web_text(ctx, m->sender[0] != '\0' ? phone_mask(m->sender, masked) :
	    "?");
	web_printf(ctx, "</legend>\n<p class=\"text\">");
	web_resident(ctx, m->text, 0);
	web_printf(ctx, "</p>\n");
	snprintf(action, sizeof(action), "/review/%lld/file",
	    (long long)m->id);
	web_form(ctx, action);
	web_printf(ctx, "<label class=\"opt\">Loại <select name=\"category\">"
	    "<option value=\"gbv\">%s</option><option value=\"shelter\">%s"
	    "</option></select></label><label class=\"opt\">Thôn <select "
	    "name=\"area\"><option value=\"\">Chưa rõ</option>",
	    web_category_name("gbv"), web_category_name("shelter"));
	for (i = 0; i < cf->nareas; i++) {
		web_printf(ctx, "<option value=\"");
		web_text(ctx, cf->areas[i].code);
		web_printf(ctx, "\">");
		web_text(ctx, cf->areas[i].name);
		web_printf(ctx, "</option>");
	}
	web_printf(ctx, "</select></label>\n");
	web_form_end(ctx, "Lập ca (báo cho người phụ trách)");
	snprintf(action, sizeof(action), "/review/%lld/belongs",
	    (long long)m->id);
	web_form(ctx, action);
	web_printf(ctx, "<label class=\"opt\">Thuộc ca (mã) <input "
	    "type=\"text\" name=\"ref\" size=\"7\" autocapitalize="
	    "\"characters\"></label>\n");
	web_form_end(ctx, "Gộp vào ca");
	snprintf(action, sizeof(action), "/review/%lld/dismiss",
	    (long long)m->id);
	web_form(ctx, action);
	web_form_end(ctx, "Bỏ qua (không cần làm gì)");
	web_printf(ctx, "</fieldset>\n");
}

static int
web_review_row(const struct inbox_row *m, void *arg)
{
	struct web_review_walk	*rw = arg;

	rw->n++;
	web_review_item(rw->ctx, m);
	return 0;
}

void
web_review(struct web_ctx *ctx)
{
	struct web_review_walk	 rw = { ctx, 0 };

	web_page_begin(ctx, "Tin chờ duyệt");
	web_printf(ctx, "<p class=\"muted\">Tin không có từ khóa, chưa ai "
	    "xem. Mỗi tin cần được lập ca, gộp vào ca đã có, hoặc bỏ qua."
	    "</p>\n");
	if (store_console_review(ctx->st, &ctx->scope, 0, WEB_REVIEW_MAX,
	    web_review_row, &rw) == -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return;
	}
	if (rw.n == 0)
		web_printf(ctx, "<p>Không có tin nào chờ duyệt.</p>\n");
	web_page_end(ctx, 200);
}

static int
web_review_one(const struct inbox_row *m, void *arg)
{
	util_strlcpy(arg, m->commune, COMMUNE_MAX);
	return 0;
}

/* The text of ctx->arg if it waits in her communes: its id (its
 * commune into commune); else 0 answered. */
static int64_t
web_review_id(struct web_ctx *ctx, char commune[COMMUNE_MAX])
{
	char		*end;
	long long	 id;
	int		 n;

	errno = 0;
	id = strtoll(ctx->arg, &end, 10);
	if (*end != '\0' || errno != 0 || id <= 0 ||
	    (n = store_console_review(ctx->st, &ctx->scope, id, 1,
	    web_review_one, commune)) == 0) {
		web_fail(ctx, 404, "Không có tin này trong danh sách chờ "
		    "duyệt.");
		return 0;
	}
	if (n == -1) {
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return 0;
	}
	return id;
}

/* After inbox.c: to the list, or why not. */
static void
web_review_after(struct web_ctx *ctx, int rc, const char *action,
    const char *detail)
{
	ctx->resp->wrote = 1;
	switch (rc) {
	case INBOX_FILED:
		web_audit(ctx, action, ctx->arg, detail);
		web_redirect(ctx, "/review");
		return;
	case INBOX_NOT_WAITING:
		web_fail(ctx, 404, "Tin này không còn chờ duyệt.");
		return;
	case INBOX_NO_AREA:
		web_fail(ctx, 400, "Giá trị không hợp lệ: area. Không có gì "
		    "thay đổi.");
		return;
	case INBOX_NO_REPORT:
		web_fail(ctx, 404, "Không có ca này.");
		return;
	default:
		web_fail(ctx, 503, "Không ghi được vào cơ sở dữ liệu; không "
		    "có gì thay đổi. Thử lại sau.");
	}
}

void
web_review_file(struct web_ctx *ctx)
{
	const char		*cat = web_field(ctx, "category");
	const char		*area = web_field(ctx, "area");
	struct inbox_filed	 f;
	char			 commune[COMMUNE_MAX], detail[32];
	int64_t			 id;
	int			 c, rc;

	if ((id = web_review_id(ctx, commune)) == 0)
		return;
	if (cat == NULL || ((c = config_category_lookup(cat)) != CAT_GBV &&
	    c != CAT_SHELTER)) {
		web_fail(ctx, 400, "Giá trị không hợp lệ: category. Không có "
		    "gì thay đổi.");
		return;
	}
	rc = inbox_file(ctx->st, ctx->conf, id, (enum category)c,
	    area != NULL && *area != '\0' ? area : NULL, NULL, ctx->req->now,
	    &f);
	snprintf(detail, sizeof(detail), "%s %s", cat, f.ref);
	web_review_after(ctx, rc, "review_file", detail);
}

void
web_review_belongs(struct web_ctx *ctx)
{
	const char	*arg = web_field(ctx, "ref");
	char		 commune[COMMUNE_MAX], ref[REF_MAX];
	int64_t		 id, found;
	size_t		 k;
	int		 n, rc;

	if ((id = web_review_id(ctx, commune)) == 0)
		return;
	for (k = 0; arg != NULL && arg[k] != '\0' && k + 1 < sizeof(ref); k++)
		ref[k] = (char)toupper((unsigned char)arg[k]);
	ref[k] = '\0';
	if (arg == NULL || arg[k] != '\0' || !ref_valid(ref, k)) {
		web_fail(ctx, 400, "Giá trị không hợp lệ: ref. Không có gì "
		    "thay đổi.");
		return;
	}
	/* Only under a case of hers: another's is none, as on its page. */
	if ((found = store_console_case(ctx->st, &ctx->scope, ref)) <= 0) {
		web_review_after(ctx, found == 0 ? INBOX_NO_REPORT : -1, NULL,
		    NULL);
		return;
	}
	rc = inbox_attach(ctx->st, ctx->conf, id, ref, ctx->req->now, &n);
	web_review_after(ctx, rc, "review_belongs", ref);
}

void
web_review_dismiss(struct web_ctx *ctx)
{
	char	 commune[COMMUNE_MAX];
	int64_t	 id;
	int	 rc;

	if ((id = web_review_id(ctx, commune)) == 0)
		return;
	if (store_begin(ctx->st) == -1)
		rc = -1;
	else if ((rc = store_inbox_review(ctx->st, id, 0,
	    ctx->req->now)) == 1)
		rc = INBOX_FILED;
	else if (rc == 0)
		rc = INBOX_NOT_WAITING;
	web_review_after(ctx, rc, "review_dismiss", NULL);
}
