/*
 * alert.c: the alert family. A gbv or shelter keyword files a report and
 * writes one outbox alert per matching contact; a text from a reporter with
 * a young open report is a follow-up forwarded to those already alerted;
 * anything else is kept as unknown and answered with help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "handlers.h"

#define ALERT_SMS_SEGMENTS	2

/* Short category codes used in SMS alerts and stats. */
static const char *const alert_codes[CAT__MAX] = {
	[CAT_UNKNOWN] = "TIN",
	[CAT_GBV] = "BL",
	[CAT_SHELTER] = "TC",
};

struct alert_ctx {
	struct intake	*it;
	const char	*event;
	const char	*area;		/* code or NULL */
	const char	*category;
	int		 count;
	int		 failed;
};

/* "+84912345678" → "0912345678" for the commune's own country code. */
static void
alert_local_number(const struct config *conf, const char *e164, char *out,
    size_t outlen)
{
	size_t	 cc = strlen(conf->country_code);

	if (e164[0] == '+' && strncmp(e164 + 1, conf->country_code, cc) == 0)
		snprintf(out, outlen, "0%s", e164 + 1 + cc);
	else
		util_strlcpy(out, e164, outlen);
}

/* BL A7K2 T3 0912345678: <text>. Tra loi NHAN A7K2 (two segments). */
static char *
alert_sms_text(struct alert_ctx *a)
{
	struct intake	*it = a->it;
	struct text_seg	 seg;
	char		 local[PHONE_MAX + 2], *head, *tail, *body, *msg;
	const char	*code = alert_codes[it->m.cat == CAT_FOLLOWUP ?
	    CAT_UNKNOWN : it->m.cat];
	size_t		 blen;

	if (code == NULL)
		code = "TIN";
	alert_local_number(it->conf, it->in->from, local, sizeof(local));
	if (strcmp(a->event, "report.updated") == 0)
		head = xasprintf("%s them %s: ", it->ref, local);
	else
		head = xasprintf("%s %s %s %s: ", code, it->ref,
		    a->area ? a->area : "?", local);
	tail = xasprintf(". Tra loi NHAN %s", it->ref);
	body = text_gsm7(it->in->text, it->in->textlen, ALERT_SMS_SEGMENTS);
	/* Shorten the resident's words, never the reference or the how-to. */
	for (blen = strlen(body);; ) {
		msg = xasprintf("%s%.*s%s", head, (int)blen, body, tail);
		text_segments(msg, strlen(msg), &seg);
		if (seg.segments <= ALERT_SMS_SEGMENTS || blen == 0)
			break;
		free(msg);
		do
			blen--;
		while (blen > 0 && ((unsigned char)body[blen] & 0xc0) == 0x80);
	}
	free(head);
	free(tail);
	free(body);
	return msg;
}

static char *
alert_webhook_body(struct alert_ctx *a)
{
	struct intake	*it = a->it;
	cJSON		*o;
	char		*s, *text, when[32];
	time_t		 t = (time_t)it->now;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	text = xstrndup(it->in->text, it->in->textlen);
	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_AddStringToObject(o, "event", a->event);
	cJSON_AddStringToObject(o, "ref", it->ref);
	cJSON_AddStringToObject(o, "category", a->category);
	if (a->area)
		cJSON_AddStringToObject(o, "area", a->area);
	else
		cJSON_AddNullToObject(o, "area");
	cJSON_AddStringToObject(o, "reporter", it->in->from);
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddStringToObject(o, "received_at", when);
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_Delete(o);
	free(text);
	return s;
}

/* One contact: one outbox row. */
static int
alert_contact(const struct contact *c, void *arg)
{
	struct alert_ctx	*a = arg;
	struct outbox_row	 row;
	char			*body;
	int			 webhook;

	webhook = strcmp(c->channel, "webhook") == 0;
	if (webhook && (c->url == NULL || c->url[0] == '\0')) {
		log_warnx("%s: contact %lld has no URL", __func__,
		    (long long)c->id);
		return 0;
	}
	body = webhook ? alert_webhook_body(a) : alert_sms_text(a);
	memset(&row, 0, sizeof(row));
	row.report_id = a->it->report_id;
	row.contact_id = c->id;
	row.channel = webhook ? "webhook" : "sms";
	row.event = a->event;
	row.dest = webhook ? c->url : c->phone;
	row.body = body;
	if (store_outbox_add(a->it->st, &row, a->it->now) == -1)
		a->failed = 1;
	else
		a->count++;
	free(body);
	return a->failed ? -1 : 0;
}

static int
alert_roles(struct alert_ctx *a, const struct strlist *roles)
{
	size_t	 i;

	for (i = 0; i < roles->n; i++)
		if (store_contacts_for(a->it->st, roles->v[i], a->area,
		    alert_contact, a) == -1)
			return -1;
	return 0;
}

/* File a report of it->m.cat and alert its roles (or the fallback). */
static int
alert_file(struct intake *it)
{
	const struct config	*conf = it->conf;
	const struct escalation	*esc = &conf->escalation[it->m.cat];
	struct alert_ctx	 a;
	int64_t			 escalate_at = 0;

	memset(&a, 0, sizeof(a));
	a.it = it;
	a.event = "report.created";
	a.category = config_category_name(it->m.cat);
	a.area = it->m.area >= 0 ? conf->areas[it->m.area].code : NULL;
	if (esc->after_s > 0 && esc->to.n > 0)
		escalate_at = it->now + esc->after_s;
	it->report_id = store_report_add(it->st, a.category, a.area,
	    it->in->from, it->now, escalate_at, it->ref);
	if (it->report_id == -1)
		return -1;
	it->tc->n_reports++;
	if (alert_roles(&a, &conf->routing[it->m.cat]) == -1)
		return -1;
	if (a.count == 0 && esc->to.n > 0) {
		/* Nobody in the category's roles: go straight up. */
		log_warnx("%s: report %s: no %s contact for its roles; "
		    "alerting escalation roles", __func__, it->ref, a.category);
		if (alert_roles(&a, &esc->to) == -1)
			return -1;
	}
	if (a.count == 0)
		log_warnx("%s: report %s: NOBODY ALERTED: no contact matches "
		    "category %s (area %s)", __func__, it->ref, a.category,
		    a.area ? a.area : "unknown");
	return 0;
}

int
alert_report(struct intake *it)
{
	if (alert_file(it) == -1)
		return -1;
	router_template(it->conf, TMPL_RECEIVED, it->ref, it->reply,
	    sizeof(it->reply));
	return 0;
}

/* The router found the open report (id, ref) this text belongs to. */
int
alert_followup(struct intake *it)
{
	struct alert_ctx	 a;

	memset(&a, 0, sizeof(a));
	a.it = it;
	a.event = "report.updated";
	a.category = "followup";
	if (store_report_touch(it->st, it->report_id, it->now) == -1 ||
	    store_contacts_alerted(it->st, it->report_id, alert_contact,
	    &a) == -1)
		return -1;
	router_template(it->conf, TMPL_FOLLOWUP, it->ref, it->reply,
	    sizeof(it->reply));
	return 0;
}

/* No keyword, no open report: keep it; alert routing.unknown if any. */
int
alert_unknown(struct intake *it)
{
	it->stored = CAT_UNKNOWN;
	if (it->conf->routing[CAT_UNKNOWN].n > 0 && alert_file(it) == -1)
		return -1;
	router_template(it->conf, TMPL_HELP, "", it->reply,
	    sizeof(it->reply));
	return 0;
}
