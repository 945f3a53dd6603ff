/*
 * web_page.c: the console's pages: one layout (a bar of the pages her
 * role may see, sign-out), one style sheet at /style.css (no inline style,
 * no script: the Content-Security-Policy allows neither), phone-width
 * first. Every value is escaped; a resident's text is first made fit for
 * a screen and its numbers masked (SPEC §8), as tincayctl shows it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

/*
 * The console's rules, each under body.console: /style.css is the
 * report's style (report_html.c, for the month's page) and then these,
 * which win on the console's own pages.
 */
const char web_style[] =
    "*{box-sizing:border-box}"
    ".console{font:16px/1.45 'Noto Sans','DejaVu Sans',Arial,sans-serif;"
    "color:#111;margin:0;padding:0;max-width:none;background:#faf9fc}"
    ".console header{background:#5b3c88;color:#fff;padding:8px 12px;"
    "display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center}"
    ".console header a{color:#fff}"
    ".console header .who{margin-left:auto;font-size:14px}"
    ".console header form{display:inline;margin:0}"
    ".console main{max-width:960px;margin:0 auto;padding:12px}"
    ".console h1{font-size:22px;margin:8px 0}"
    ".console h2{font-size:18px;margin:18px 0 6px;border:0}"
    ".console table{border-collapse:collapse;width:100%;background:#fff}"
    ".console th,.console td{border:1px solid #ccc;padding:6px 8px;"
    "text-align:left;vertical-align:top}"
    ".console th{background:#eee}"
    ".console .scroll{overflow-x:auto}"
    ".console fieldset{border:1px solid #ccc;margin:8px 0;padding:8px;"
    "background:#fff}"
    ".console label{display:block;margin:6px 0}"
    ".console label.opt{display:inline-block;margin:4px 12px 4px 0}"
    ".console input[type=text],.console input[type=password],"
    ".console input[type=number],.console input[type=date],"
    ".console select{font-size:16px;padding:6px;max-width:100%}"
    ".console button{font-size:16px;padding:8px 14px;margin:4px 0}"
    ".console .error{color:#a00;font-weight:bold}"
    ".console .warn{background:#fff3cd;border:1px solid #e0c36b;"
    "padding:8px}"
    ".console .text{white-space:pre-wrap;word-break:break-word}"
    ".console .muted{color:#555;font-size:14px}"
    ".console nav.pages a{margin-right:12px}"
    ".console-nav{border-bottom:1px solid #ccc;margin-bottom:8px}"
    ".console-nav input,.console-nav button{font-size:15px;padding:4px}"
    "@media (max-width:600px){.console th,.console td{padding:4px}"
    ".console header{font-size:15px}}"
    "@media print{.console header,.console form,.console-nav{display:none}}";

/* The names people read of the categories and statuses. */
static const struct {
	const char	*key, *vi;
} web_categories[] = {
	{ "gbv",	"Bạo lực giới (BL)" },
	{ "shelter",	"Cần chỗ tạm lánh (TC)" },
	{ "unknown",	"Tin chưa rõ nội dung" },
}, web_statuses[] = {
	{ "open",		"Chưa có người nhận" },
	{ "acknowledged",	"Đang xử lý" },
	{ "closed",		"Đã xử lý xong" },
	{ "cancelled",		"Báo nhầm" },
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

const char *
web_category_name(const char *key)
{
	size_t	 i;

	for (i = 0; i < nitems(web_categories); i++)
		if (strcmp(web_categories[i].key, key) == 0)
			return web_categories[i].vi;
	return key;
}

const char *
web_status_name(const char *key)
{
	size_t	 i;

	for (i = 0; i < nitems(web_statuses); i++)
		if (strcmp(web_statuses[i].key, key) == 0)
			return web_statuses[i].vi;
	return key;
}

/* The pages of the bar, and who sees each. */
static const struct {
	const char	*href, *name;
	int		 roles;
} web_nav[] = {
	{ "/cases",	"Các ca",		WEB_WORKERS },
	{ "/review",	"Tin chờ duyệt",	WEB_WORKERS },
	{ "/month",	"Báo cáo tháng",	WEB_ALL },
	{ "/users",	"Người dùng",		WEB_ADMIN },
	{ "/audit",	"Nhật ký",		WEB_ADMIN },
};

void
web_printf(struct web_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfprintf(ctx->fp, fmt, ap);
	va_end(ap);
}

void
web_text(struct web_ctx *ctx, const char *s)
{
	char	*valid;

	if (s == NULL)
		return;
	/* A value of the request's (a filter, a name) may be anything: the
	 * page is UTF-8 (fuzz_web). */
	if (text_utf8_valid(s, strlen(s))) {
		html_text(ctx->fp, s);
		return;
	}
	valid = text_utf8(s, strlen(s));
	html_text(ctx->fp, valid);
	free(valid);
}

void
web_resident(struct web_ctx *ctx, const char *s, int unmasked)
{
	char	*shown, *masked;

	if (s == NULL)
		return;
	shown = text_screen(s, strlen(s));
	if (unmasked)
		html_text(ctx->fp, shown);
	else {
		masked = phone_mask_text(shown, strlen(shown));
		html_text(ctx->fp, masked);
		free(masked);
	}
	free(shown);
}

void
web_time(struct web_ctx *ctx, int64_t t)
{
	char	 stamp[TZ_STAMP_MAX];

	if (t <= 0 || tz_stamp(ctx->conf->timezone, t, stamp) == -1)
		web_printf(ctx, "-");
	else
		web_text(ctx, stamp);
}

void
web_form(struct web_ctx *ctx, const char *action)
{
	web_printf(ctx, "<form method=\"post\" action=\"");
	web_text(ctx, action);
	web_printf(ctx, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	web_text(ctx, ctx->sess != NULL ? ctx->sess->csrf : "");
	web_printf(ctx, "\">\n");
}

void
web_form_end(struct web_ctx *ctx, const char *button)
{
	web_printf(ctx, "<button type=\"submit\">");
	web_text(ctx, button);
	web_printf(ctx, "</button></form>\n");
}

void
web_page_begin(struct web_ctx *ctx, const char *title)
{
	size_t	 i;

	if ((ctx->fp = open_memstream(&ctx->page, &ctx->pagelen)) == NULL)
		fatal("%s: open_memstream", __func__);
	web_printf(ctx, "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	web_text(ctx, title);
	web_printf(ctx, " · tincay</title>\n<link rel=\"stylesheet\" "
	    "href=\"/style.css\">\n</head>\n<body class=\"console\">\n<header>"
	    "<strong>tincay</strong>\n");
	for (i = 0; ctx->role != 0 && i < nitems(web_nav); i++)
		if (web_nav[i].roles & ctx->role)
			web_printf(ctx, "<a href=\"%s\">%s</a>\n",
			    web_nav[i].href, web_nav[i].name);
	if (ctx->role != 0) {
		web_printf(ctx, "<span class=\"who\">");
		web_text(ctx, ctx->user.name);
		web_printf(ctx, " ");
		web_form(ctx, "/signout");
		web_form_end(ctx, "Đăng xuất");
		web_printf(ctx, "</span>\n");
	}
	web_printf(ctx, "</header>\n<main>\n<h1>");
	web_text(ctx, title);
	web_printf(ctx, "</h1>\n");
}

void
web_page_end(struct web_ctx *ctx, int code)
{
	struct web_resp	*r = ctx->resp;

	web_printf(ctx, "</main>\n</body>\n</html>\n");
	if (fclose(ctx->fp) == EOF)
		fatal("%s: fclose", __func__);
	ctx->fp = NULL;
	free(r->body);
	r->body = ctx->page;
	r->len = ctx->pagelen;
	ctx->page = NULL;
	r->code = code;
	r->ctype = "text/html; charset=utf-8";
}

void
web_style_css(struct web_ctx *ctx)
{
	struct web_resp	*r = ctx->resp;

	r->code = 200;
	r->ctype = "text/css; charset=utf-8";
	r->body = xasprintf("%s\n%s\n", report_html_style, web_style);
	r->len = strlen(r->body);
}
