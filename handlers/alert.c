/*
 * alert.c: the alert family and the alerts themselves. A gbv or shelter
 * keyword files a report and writes one outbox row per matching contact; a
 * text from a reporter with a young open report is a follow-up for those
 * already alerted; anything else is kept as unknown and answered with help.
 * alert_notify() composes every later event (escalated, acknowledged, ...).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "handlers.h"

#define ALERT_SMS_SEGMENTS	2

/* Short category codes used in SMS alerts. */
static const struct {
	const char	*category, *code;
} alert_codes[] = {
	{ "gbv", "BL" },
	{ "shelter", "TC" },
	{ "unknown", "TIN" },
};

/*
 * How each event reads by SMS: a prefix, whether the head names category,
 * area and reporter, whether the resident's words follow.
 */
static const struct {
	const char	*event;
	const char	*prefix;
	int		 head;
	int		 words;
	int		 howto;		/* ". Tra loi NHAN REF" */
} alert_sms_events[] = {
	{ "report.created", "", 1, 1, 1 },
	{ "report.escalated", "CHUA AI NHAN! ", 1, 1, 1 },
	{ "report.updated", "them ", 0, 1, 1 },
	{ "report.acknowledged", "da co nguoi nhan", 0, 0, 0 },
	{ "report.closed", "da xong", 0, 0, 0 },
	{ "report.cancelled", "da huy: bao nham", 0, 0, 0 },
	/* The phone that reported asked to cancel: it may not be the
	 * reporter holding it. Nothing closes. */
	{ "report.cancel_requested", "SDT bao tin xin huy. Co the khong "
	    "phai nguoi bao, hay kiem tra an toan. Tin van mo", 0, 0, 0 },
};

struct alert_ctx {
	struct store			*st;
	const struct config		*conf;
	const struct alert_report	*r;
	const char			*event;
	int64_t				 except;	/* contact id */
	int64_t				 now;
	int				 count;
	char				*sms_body;	/* made at the */
	char				*hook_body;	/* first use */
};

static const char *
alert_code(const char *category)
{
	size_t	 i;

	for (i = 0; i < sizeof(alert_codes) / sizeof(alert_codes[0]); i++)
		if (strcmp(alert_codes[i].category, category) == 0)
			return alert_codes[i].code;
	return "TIN";
}

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

/* How many characters (not bytes) s holds. */
static size_t
alert_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/*
 * head, body, tail in ALERT_SMS_SEGMENTS: body (pure GSM-7) whole if it
 * fits, else cut between characters and marked "... (+84)", the number
 * of characters left out (SPEC §5), so a responder knows to read the rest
 * (webhook, tincayctl reports show). Returns malloc'd.
 */
static char *
alert_sms_fit(const char *head, const char *body, const char *tail)
{
	struct text_seg	 seg;
	char		*msg, *two;
	size_t		 blen;

	msg = xasprintf("%s%s%s", head, body, tail);
	text_segments(msg, strlen(msg), &seg);
	if (seg.segments <= ALERT_SMS_SEGMENTS)
		return msg;
	free(msg);
	/* No more than would fit without head, tail or mark. */
	two = text_gsm7(body, strlen(body), ALERT_SMS_SEGMENTS);
	blen = strlen(two);
	free(two);
	for (;;) {
		while (blen > 0 && body[blen - 1] == ' ')
			blen--;
		msg = xasprintf("%s%.*s... (+%zu)%s", head, (int)blen, body,
		    alert_chars(body + blen), tail);
		text_segments(msg, strlen(msg), &seg);
		if (seg.segments <= ALERT_SMS_SEGMENTS || blen == 0)
			return msg;
		free(msg);
		do
			blen--;
		while (blen > 0 && ((unsigned char)body[blen] & 0xc0) == 0x80);
	}
}

/*
 * BL A7K2 T3 0912345678: <text>. Tra loi NHAN A7K2 — pure GSM-7, cut to
 * two segments by shortening the resident's words, never the reference or
 * the how-to. The words are screened first (SPEC §8): no control or
 * invisible character reaches the phone. Returns malloc'd.
 */
char *
alert_sms_text(const struct config *conf, const struct alert_report *r,
    const char *event)
{
	char		 local[PHONE_MAX + 2], *head, *tail, *body, *shown, *msg;
	size_t		 i;

	for (i = 0; i < sizeof(alert_sms_events) /
	    sizeof(alert_sms_events[0]); i++)
		if (strcmp(alert_sms_events[i].event, event) == 0)
			break;
	if (i == sizeof(alert_sms_events) / sizeof(alert_sms_events[0]))
		i = 0;
	alert_local_number(conf, r->reporter ? r->reporter : "", local,
	    sizeof(local));
	if (alert_sms_events[i].head)
		head = xasprintf("%s%s %s %s %s%s",
		    alert_sms_events[i].prefix, alert_code(r->category),
		    r->ref, r->area ? r->area : "?", local,
		    alert_sms_events[i].words ? ": " : "");
	else
		head = xasprintf("%s %s%s%s", r->ref,
		    alert_sms_events[i].prefix,
		    alert_sms_events[i].words ? local : "",
		    alert_sms_events[i].words ? ": " : "");
	tail = alert_sms_events[i].howto ?
	    xasprintf(". Tra loi NHAN %s", r->ref) : xstrdup("");
	if (alert_sms_events[i].words) {
		shown = text_screen(r->text, r->textlen);
		body = text_gsm7(shown, strlen(shown), SIZE_MAX);
		free(shown);
	} else
		body = xstrdup("");
	msg = alert_sms_fit(head, body, tail);
	free(head);
	free(tail);
	free(body);
	return msg;
}

/* The webhook body of SPEC §5. Returns malloc'd. */
char *
alert_webhook_body(const struct alert_report *r, const char *event)
{
	cJSON		*o;
	char		*s, *text, when[32];
	time_t		 t = (time_t)r->at;
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* JSON is UTF-8: whatever bytes a provider passed on, send valid. */
	text = text_utf8(r->text ? r->text : "", r->text ? r->textlen : 0);
	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_AddStringToObject(o, "event", event);
	cJSON_AddStringToObject(o, "ref", r->ref);
	cJSON_AddStringToObject(o, "category", r->category);
	if (r->area)
		cJSON_AddStringToObject(o, "area", r->area);
	else
		cJSON_AddNullToObject(o, "area");
	cJSON_AddStringToObject(o, "reporter", r->reporter ? r->reporter :
	    "");
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
	int			 webhook, rc;

	if (c->id == a->except)
		return 0;
	webhook = strcmp(c->channel, "webhook") == 0;
	if (webhook && (c->url == NULL || c->url[0] == '\0')) {
		log_warnx("%s: contact %lld has no URL", __func__,
		    (long long)c->id);
		return 0;
	}
	/* The same for every contact of the notice: made once each. */
	if (webhook && a->hook_body == NULL)
		a->hook_body = alert_webhook_body(a->r, a->event);
	else if (!webhook && a->sms_body == NULL)
		a->sms_body = alert_sms_text(a->conf, a->r, a->event);
	body = webhook ? a->hook_body : a->sms_body;
	memset(&row, 0, sizeof(row));
	row.report_id = a->r->id;
	row.contact_id = c->id;
	row.channel = webhook ? "webhook" : "sms";
	row.event = a->event;
	row.dest = webhook ? c->url : c->phone;
	row.body = body;
	rc = store_outbox_add(a->st, &row, a->now) == -1 ? -1 : 0;
	if (rc == 0)
		a->count++;
	return rc;
}

int
alert_notify(struct store *st, const struct config *conf,
    const struct alert_report *r, const char *event,
    const struct strlist *roles, int64_t except, int64_t now)
{
	struct alert_ctx	 a;
	size_t			 i;
	int			 rc = 0;

	memset(&a, 0, sizeof(a));
	a.st = st;
	a.conf = conf;
	a.r = r;
	a.event = event;
	a.except = except;
	a.now = now;
	if (roles == NULL)
		rc = store_contacts_alerted(st, r->id, alert_contact, &a);
	for (i = 0; roles != NULL && i < roles->n && rc != -1; i++)
		rc = store_contacts_for(st, roles->v[i], r->area,
		    alert_contact, &a);
	free(a.sms_body);
	free(a.hook_body);
	return rc == -1 ? -1 : a.count;
}

/* The resident's words as kept: without a PIN (stored_text), or as sent. */
static void
alert_words(const struct intake *it, struct alert_report *r)
{
	if (it->stored_text != NULL) {
		r->text = it->stored_text;
		r->textlen = strlen(it->stored_text);
	} else {
		r->text = it->in->text;
		r->textlen = it->in->textlen;
	}
}

static void
alert_view(const struct intake *it, struct alert_report *r,
    const char *category, const char *area)
{
	memset(r, 0, sizeof(*r));
	r->id = it->report_id;
	r->ref = it->ref;
	r->category = category;
	r->area = area;
	r->reporter = it->in->from;
	alert_words(it, r);
	r->at = it->now;
}

static int	 alert_followup(struct intake *);

/* File a report of it->m.cat and alert its roles (or the fallback). */
static int
alert_file(struct intake *it)
{
	const struct config	*conf = it->conf;
	const struct escalation	*esc = &conf->escalation[it->m.cat];
	struct alert_report	 r;
	const char		*category, *area;
	int64_t			 escalate_at = 0;
	int			 n;

	category = family_of(it->m.cat)->name;
	area = it->m.area >= 0 ? conf->areas[it->m.area].code : NULL;
	if (esc->after_s > 0 && esc->to.n > 0)
		escalate_at = util_sched_now() + esc->after_s;
	it->report_id = store_report_add(it->st, category, area,
	    it->in->from, it->now, escalate_at, it->ref);
	if (it->report_id == -1)
		return -1;
	it->new_report = 1;
	alert_view(it, &r, category, area);
	if ((n = alert_notify(it->st, conf, &r, "report.created",
	    &conf->routing[it->m.cat], 0, util_sched_now())) == -1)
		return -1;
	if (n == 0 && esc->to.n > 0) {
		/* Nobody in the category's roles: go straight up. */
		log_warnx("%s: report %s: no %s contact for its roles; "
		    "alerting escalation roles", __func__, it->ref, category);
		if ((n = alert_notify(it->st, conf, &r, "report.created",
		    &esc->to, 0, util_sched_now())) == -1)
			return -1;
	}
	if (n == 0)
		log_warnx("%s: report %s: NOBODY ALERTED: no contact matches "
		    "category %s (area %s)", __func__, it->ref, category,
		    area ? area : "unknown");
	else {
		char	 masked[PHONE_MAX];

		log_info("report %s: %s, area %s, from %s: %d alerts queued",
		    it->ref, category, area ? area : "unknown",
		    phone_mask(it->in->from, masked), n);
	}
	return 0;
}

int64_t
alert_file_report(struct store *st, const struct config *conf,
    enum category cat, int area, const char *reporter, const char *text,
    int64_t now, char ref[REF_MAX])
{
	struct intake	 it;
	struct inbound	 in;

	intake_operator(&it, &in, conf, st, "tincayctl", reporter, now);
	in.text = text;
	in.textlen = strlen(text);
	it.m.cat = cat;
	it.m.area = area;
	if (alert_file(&it) == -1)
		return -1;
	util_strlcpy(ref, it.ref, REF_MAX);
	return it.report_id;
}

/*
 * The sender's open report of this category, if one is young enough to
 * be the same emergency texted again (SPEC §4): its id into it (and the
 * REF), 1; 0 if none; -1 on error.
 */
static int
alert_same_emergency(struct intake *it)
{
	char			 ref[REF_MAX], category[16];
	int64_t			 id;

	/* The newest open report of the number, as a follow-up would find
	 * it: the same emergency only if of this category. */
	id = store_report_recent_of(it->st, it->in->from,
	    it->now - it->conf->followup_window_s, ref, category);
	if (id <= 0)
		return id == -1 ? -1 : 0;
	if (strcmp(category, family_of(it->m.cat)->name) != 0)
		return 0;
	it->report_id = id;
	util_strlcpy(it->ref, ref, sizeof(it->ref));
	return 1;
}

static int
alert_report(struct intake *it)
{
	int	 rc;

	/* One emergency texted three times is one report, not three. */
	if ((rc = alert_same_emergency(it)) == -1)
		return -1;
	if (rc == 1) {
		it->m.cat = it->stored = CAT_FOLLOWUP;
		return alert_followup(it);
	}
	if (alert_file(it) == -1)
		return -1;
	template_render(it->conf, TMPL_RECEIVED, it->ref, it->reply,
	    sizeof(it->reply));
	return 0;
}

void
alert_from_row(const struct report_row *row, struct alert_report *r)
{
	memset(r, 0, sizeof(*r));
	r->id = row->id;
	r->ref = row->ref;
	r->category = row->category;
	r->area = row->area[0] ? row->area : NULL;
	r->reporter = row->reporter;
	r->text = row->text ? row->text : "";
	r->textlen = strlen(r->text);
	r->at = row->received_at;
}

/* The router found the open report (id, ref) this text belongs to. */
static int
alert_followup(struct intake *it)
{
	struct report_row	 row;
	struct alert_report	 r;
	int			 rc;

	if (store_report_get(it->st, it->report_id, NULL, &row) != 1)
		return -1;
	alert_from_row(&row, &r);
	alert_words(it, &r);
	r.at = it->now;
	rc = store_report_touch(it->st, it->report_id, it->now) == -1 ||
	    alert_notify(it->st, it->conf, &r, "report.updated", NULL, 0,
	    util_sched_now()) == -1 ? -1 : 0;
	store_report_row_clear(&row);
	if (rc == -1)
		return -1;
	template_render(it->conf, TMPL_RECEIVED, it->ref, it->reply,
	    sizeof(it->reply));
	return 0;
}

/* No keyword, no open report: keep it; alert routing.unknown if any. */
static int
alert_unknown(struct intake *it)
{
	it->stored = CAT_UNKNOWN;
	if (it->conf->routing[CAT_UNKNOWN].n > 0 && alert_file(it) == -1)
		return -1;
	template_render(it->conf, TMPL_HELP, "", it->reply,
	    sizeof(it->reply));
	return 0;
}

const struct family alert_gbv_family = {
	.cat = CAT_GBV, .name = "gbv",
	.keywords = { "BAOLUC", "BL", "SOS", "CUU", "CUUTOI" },
	.who = WHO_ANYONE, .fn = alert_report,
};
const struct family alert_shelter_family = {
	.cat = CAT_SHELTER, .name = "shelter",
	.keywords = { "TINCAY", "TC", "DIACHITINCAY", "TAMLANH", "NHATAMLANH" },
	.who = WHO_ANYONE, .fn = alert_report,
};
/* No keywords: the router decides these two for a text without one. */
const struct family alert_followup_family = {
	.cat = CAT_FOLLOWUP, .name = "followup", .who = WHO_ANYONE,
	.fn = alert_followup,
};
const struct family alert_unknown_family = {
	.cat = CAT_UNKNOWN, .name = "unknown", .who = WHO_ANYONE,
	.fn = alert_unknown,
};
