/*
 * web_month.c: the month's report (SPEC §12), for every role: the page
 * tincayctl stats --format html prints (report_html.c), its style linked
 * rather than inline, and its CSV. A period from the query (default: this
 * month so far, in the commune's time zone); a caseworker's counts are of
 * her communes (one at a time, ?commune=), a city's user of every commune
 * gets the city's report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_int.h"

struct web_month {
	struct web_ctx		*ctx;
	struct report_figures	 f;
	const char		*commune;	/* ?commune=, or NULL */
	const char		*mine[64];	/* her communes (a city's) */
	size_t			 nmine;
};

/*
 * What report the user may have (need to know): without communes, the
 * one; in a city, with communes "*", the city's or ?commune's; else one
 * of hers, ?commune's or her first. 0, or -1 answered.
 */
static int
web_month_scope(struct web_month *m)
{
	struct web_ctx		*ctx = m->ctx;
	const struct config	*conf = ctx->conf;
	const char		*want = web_param(ctx, "commune");
	const struct commune	*cm;
	size_t			 i;

	m->f.conf = conf;
	if (conf->ncommunes == 0)
		return 0;
	for (i = 0; i < conf->ncommunes && m->nmine < 64; i++)
		if (scope_in(ctx->user.communes, conf->communes[i].code))
			m->mine[m->nmine++] = conf->communes[i].code;
	if (want != NULL) {
		if ((cm = config_commune(conf, want)) == NULL ||
		    !scope_in(ctx->user.communes, cm->code)) {
			web_fail(ctx, 404, "Không có xã này trong phạm vi của "
			    "bạn.");
			return -1;
		}
		m->commune = cm->code;
	} else if (strcmp(ctx->user.communes, "*") != 0) {
		if (m->nmine == 0) {
			web_fail(ctx, 403, "Tài khoản của bạn không gắn với xã "
			    "nào.");
			return -1;
		}
		m->commune = m->mine[0];
	}
	m->f.city = m->commune == NULL ? conf : NULL;
	m->f.commune = m->commune;
	m->f.conf = config_scoped(conf, m->commune);
	return 0;
}

/*
 * The longest period a page covers, in calendar months. The report walks
 * every month of it (a query and a column each) on the loop's thread:
 * ?to=9999-12-31 kept the daemon from everything else for minutes
 * (fuzz_web).
 */
#define WEB_MONTH_MAX_MONTHS	120

/* The period: ?from= and ?to= (YYYY-MM-DD, to inclusive), else this month
 * so far; into f and [t0, t1). 0, or -1 answered (400 naming it). */
static int
web_month_period(struct web_month *m, int64_t *t0, int64_t *t1)
{
	struct web_ctx	*ctx = m->ctx;
	const char	*tz = ctx->conf->timezone;
	const char	*from = web_param(ctx, "from"), *to = web_param(ctx, "to");
	int		 fy, fm, fd, ty, tm, td;

	if (tz_date(tz, ctx->req->now, &ty, &tm, &td) == -1) {
		web_fail(ctx, 500, "Không biết ngày hôm nay.");
		return -1;
	}
	fy = ty;
	fm = tm;
	fd = 1;
	if (from != NULL && report_date(from, &fy, &fm, &fd) == -1) {
		web_fail(ctx, 400, "Giá trị không hợp lệ: from (YYYY-MM-DD).");
		return -1;
	}
	if (to != NULL && report_date(to, &ty, &tm, &td) == -1) {
		web_fail(ctx, 400, "Giá trị không hợp lệ: to (YYYY-MM-DD).");
		return -1;
	}
	snprintf(m->f.from, sizeof(m->f.from), "%04d-%02d-%02d", fy, fm, fd);
	snprintf(m->f.to, sizeof(m->f.to), "%04d-%02d-%02d", ty, tm, td);
	if (strcmp(m->f.from, m->f.to) > 0) {
		web_fail(ctx, 400, "Giá trị không hợp lệ: from (sau to).");
		return -1;
	}
	if ((ty * 12 + tm) - (fy * 12 + fm) >= WEB_MONTH_MAX_MONTHS) {
		web_fail(ctx, 400, "Giá trị không hợp lệ: from, to (dài hơn 10 "
		    "năm).");
		return -1;
	}
	if ((*t0 = tz_midnight(tz, fy, fm, fd)) == -1 ||
	    (*t1 = tz_midnight(tz, ty, tm, td + 1)) == -1) {
		web_fail(ctx, 400, "Giá trị không hợp lệ: from, to.");
		return -1;
	}
	return 0;
}

/* The report of the request: 0 (m->f filled), or -1 answered. */
static int
web_month_fill(struct web_month *m)
{
	struct web_ctx	*ctx = m->ctx;
	int64_t		 t0, t1;
	char		 detail[48];

	if (web_month_scope(m) == -1 || web_month_period(m, &t0, &t1) == -1)
		return -1;
	if (report_fill(ctx->st, &m->f, t0, t1) == -1) {
		report_clear(&m->f);
		web_fail(ctx, 503, "Không đọc được cơ sở dữ liệu; thử lại "
		    "sau.");
		return -1;
	}
	snprintf(detail, sizeof(detail), "%s..%s", m->f.from, m->f.to);
	web_audit(ctx, "month_view", m->commune, detail);
	return 0;
}

/* The period's link (the CSV, a commune's) with its query, escaped. */
static void
web_month_link(FILE *fp, const struct web_month *m, const char *path,
    const char *commune)
{
	struct form_buf	 b;

	memset(&b, 0, sizeof(b));
	form_add(&b, "from", m->f.from);
	form_add(&b, "to", m->f.to);
	if (commune != NULL)
		form_add(&b, "commune", commune);
	fprintf(fp, "<a href=\"%s?", path);
	html_text(fp, b.buf);
	fputs("\">", fp);
	free(b.buf);
}

/* Before the report: the way back, the period, the CSV; not printed. */
static void
web_month_nav(FILE *fp, void *arg)
{
	const struct web_month	*m = arg;
	size_t			 i;

	fputs("<nav class=\"console-nav\">\n<p><a href=\"/\">← tincay</a> · ",
	    fp);
	web_month_link(fp, m, "/month.csv", m->commune);
	fputs("Tải CSV</a>", fp);
	for (i = 0; m->nmine > 1 && i < m->nmine; i++) {
		fputs(" · ", fp);
		web_month_link(fp, m, "/month", m->mine[i]);
		html_text(fp, m->mine[i]);
		fputs("</a>", fp);
	}
	/* A viewer's only page: her way out is here too. */
	fputs("</p>\n<form method=\"post\" action=\"/signout\"><input "
	    "type=\"hidden\" name=\"csrf\" value=\"", fp);
	html_text(fp, m->ctx->sess != NULL ? m->ctx->sess->csrf : "");
	fputs("\"><button type=\"submit\">Đăng xuất</button></form>\n"
	    "<form method=\"get\" action=\"/month\">", fp);
	if (m->commune != NULL) {
		fputs("<input type=\"hidden\" name=\"commune\" value=\"", fp);
		html_text(fp, m->commune);
		fputs("\">", fp);
	}
	fputs("<label>Từ ngày <input type=\"date\" name=\"from\" value=\"", fp);
	html_text(fp, m->f.from);
	fputs("\"></label> <label>đến ngày <input type=\"date\" name=\"to\" "
	    "value=\"", fp);
	html_text(fp, m->f.to);
	fputs("\"></label> <button type=\"submit\">Xem</button></form>\n"
	    "</nav>\n", fp);
}

void
web_month(struct web_ctx *ctx)
{
	struct web_month	 m;
	struct report_page	 page = { "/style.css", web_month_nav, &m };
	struct web_resp		*r = ctx->resp;
	FILE			*fp;
	char			*buf = NULL;
	size_t			 len = 0;

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	if (web_month_fill(&m) == -1)
		return;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		fatal("%s: open_memstream", __func__);
	report_html(fp, &m.f, &page);
	if (fclose(fp) == EOF)
		fatal("%s: fclose", __func__);
	report_clear(&m.f);
	r->code = 200;
	r->ctype = "text/html; charset=utf-8";
	r->body = buf;
	r->len = len;
}

void
web_month_csv(struct web_ctx *ctx)
{
	struct web_month	 m;
	struct web_resp		*r = ctx->resp;
	FILE			*fp;
	char			*buf = NULL;
	size_t			 len = 0;

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	if (web_month_fill(&m) == -1)
		return;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		fatal("%s: open_memstream", __func__);
	report_csv(fp, &m.f, REPORT_TABLE_ROWS);
	if (fclose(fp) == EOF)
		fatal("%s: fclose", __func__);
	web_header_add(r, "Content-Disposition", "attachment; "
	    "filename=\"tincay-%s-%s%s%s.csv\"", m.f.from, m.f.to,
	    m.commune != NULL && *m.commune != '*' ? "-" : "",
	    m.commune != NULL && *m.commune != '*' ? m.commune : "");
	report_clear(&m.f);
	r->code = 200;
	r->ctype = "text/csv; charset=utf-8";
	r->body = buf;
	r->len = len;
}
