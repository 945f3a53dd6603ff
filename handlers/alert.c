/*
 * alert.c: the alert family and the alerts themselves (SPEC §4, §5). A gbv
 * or shelter keyword (or a plea) files a report, or joins the number's
 * young open report of its category, and writes one outbox row per contact
 * to alert; a text without keyword from a number with a young open report
 * is a follow-up for those already alerted, from one whose report closed
 * not long before a new report naming it, else it is kept as unknown. The
 * reply depends on the text alone, never on what the number has filed.
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
	int				 fresh;		/* only contacts not
							   alerted about r */
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
	char		 where[COMMUNE_MAX + 32];
	size_t		 i;

	for (i = 0; i < sizeof(alert_sms_events) /
	    sizeof(alert_sms_events[0]); i++)
		if (strcmp(alert_sms_events[i].event, event) == 0)
			break;
	if (i == sizeof(alert_sms_events) / sizeof(alert_sms_events[0]))
		i = 0;
	alert_local_number(conf, r->reporter ? r->reporter : "", local,
	    sizeof(local));
	/* A city's: its commune too (hamlets of one name are in many). */
	if (r->commune != NULL && r->commune[0] != '\0')
		snprintf(where, sizeof(where), "%s.%s", r->commune,
		    r->area ? r->area : "?");
	else
		snprintf(where, sizeof(where), "%s", r->area ? r->area : "?");
	if (alert_sms_events[i].head)
		head = xasprintf("%s%s %s %s %s%s%s%s%s",
		    alert_sms_events[i].prefix, alert_code(r->category),
		    r->ref, where, local,
		    r->previous ? " (lan truoc " : "",
		    r->previous ? r->previous : "", r->previous ? ")" : "",
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
	/* A city's report names its commune ("*": not told yet). */
	if (r->commune != NULL && r->commune[0] != '\0')
		cJSON_AddStringToObject(o, "commune", r->commune);
	cJSON_AddStringToObject(o, "reporter", r->reporter ? r->reporter :
	    "");
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddStringToObject(o, "received_at", when);
	/* Only a report filed after an earlier one closed has it (§4). */
	if (r->previous)
		cJSON_AddStringToObject(o, "previous", r->previous);
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
	if (a->fresh && (rc = store_contact_was_alerted(a->st, a->r->id,
	    c->id)) != 0)
		return rc == -1 ? -1 : 0;
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

static void
alert_ctx_init(struct alert_ctx *a, struct store *st,
    const struct config *conf, const struct alert_report *r,
    const char *event, int64_t now)
{
	memset(a, 0, sizeof(*a));
	a->st = st;
	a->conf = conf;
	a->r = r;
	a->event = event;
	a->now = now;
}

/* The walk's result (how many rows, or -1); the bodies freed. */
static int
alert_ctx_done(struct alert_ctx *a, int rc)
{
	free(a->sms_body);
	free(a->hook_body);
	return rc == -1 ? -1 : a->count;
}

/* Every contact of roles covering the report's area, through a. */
static int
alert_roles(struct alert_ctx *a, const struct strlist *roles)
{
	return store_contacts_for_roles(a->st, roles, a->r->area,
	    a->conf->scope, alert_contact, a);
}

int
alert_notify(struct store *st, const struct config *conf,
    const struct alert_report *r, const char *event,
    const struct strlist *roles, int64_t except, int64_t now)
{
	struct alert_ctx	 a;
	int			 rc;

	alert_ctx_init(&a, st, conf, r, event, now);
	a.except = except;
	if (roles == NULL)
		rc = store_contacts_alerted(st, r->id, alert_contact, &a);
	else
		rc = alert_roles(&a, roles);
	return alert_ctx_done(&a, rc);
}

/*
 * report.created to whom it is new: the contacts of roles (NULL: none)
 * covering r's area, and those who took or closed report handled_by (0:
 * none), that were not alerted about r yet. How many, or -1.
 */
static int
alert_newcomers(struct intake *it, const struct alert_report *r,
    const struct strlist *roles, int64_t handled_by)
{
	struct alert_ctx	 a;
	int			 rc = 0;

	alert_ctx_init(&a, it->st, it->conf, r, "report.created",
	    util_sched_now());
	a.fresh = 1;
	if (roles != NULL)
		rc = alert_roles(&a, roles);
	if (rc != -1 && handled_by > 0)
		rc = store_contacts_handled(it->st, handled_by, alert_contact,
		    &a);
	return alert_ctx_done(&a, rc);
}

void
alert_reply_neutral(struct intake *it)
{
	template_render(it->conf, TMPL_HELP, "", it->reply,
	    sizeof(it->reply));
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
	r->commune = it->conf->scope;
}

/*
 * The number's report closed or cancelled last, less than reopen_window_s
 * ago (SPEC §4): 1 (p filled), 0 none, -1 on error.
 */
static int
alert_previous(struct intake *it, struct report_prev *p)
{
	memset(p, 0, sizeof(*p));
	if (it->conf->reopen_window_s <= 0 || it->in->from[0] == '\0')
		return 0;
	return store_report_closed_recent(it->st, it->in->from,
	    it->now - it->conf->reopen_window_s, p);
}

/*
 * File a report of it->m.cat and alert its roles (or the fallback). After
 * an earlier report prev (NULL: none), the new one names it, takes its
 * area if the text names none, and alerts who took or closed it as well.
 */
static int
alert_file_after(struct intake *it, const struct report_prev *prev)
{
	const struct config	*conf = it->conf;
	const struct escalation	*esc = &conf->escalation[it->m.cat];
	struct alert_report	 r;
	const char		*category, *area;
	int64_t			 escalate_at = 0;
	int			 n, more;

	category = family_of(it->m.cat)->name;
	area = it->m.area >= 0 ? conf->areas[it->m.area].code : NULL;
	if (area == NULL && prev != NULL && prev->area[0] != '\0')
		area = prev->area;
	if (esc->after_s > 0 && esc->to.n > 0)
		escalate_at = util_sched_now() + esc->after_s;
	it->report_id = store_report_add(it->st, category, area, conf->scope,
	    it->in->from, it->now, escalate_at, it->ref);
	if (it->report_id == -1 || (prev != NULL &&
	    store_report_link(it->st, it->report_id, prev->id) == -1))
		return -1;
	it->new_report = 1;
	alert_view(it, &r, category, area);
	r.previous = prev != NULL ? prev->ref : NULL;
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
	if (prev != NULL) {
		if ((more = alert_newcomers(it, &r, NULL, prev->id)) == -1)
			return -1;
		n += more;
	}
	if (n == 0)
		log_warnx("%s: report %s: NOBODY ALERTED: no contact matches "
		    "category %s (area %s)", __func__, it->ref, category,
		    area ? area : "unknown");
	else {
		char	 masked[PHONE_MAX];

		log_info("report %s: %s, area %s, from %s%s%s: %d %s queued",
		    it->ref, category, area ? area : "unknown",
		    phone_mask(it->in->from, masked),
		    prev != NULL ? ", after " : "",
		    prev != NULL ? prev->ref : "", n, util_plural(n, "alert",
		    "alerts"));
	}
	return 0;
}

/* A new report, naming the number's report closed not long before. */
static int
alert_file(struct intake *it)
{
	struct report_prev	 prev;
	int			 rc;

	if ((rc = alert_previous(it, &prev)) == -1)
		return -1;
	return alert_file_after(it, rc == 1 ? &prev : NULL);
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
 * The number's newest open report of category (NULL: any) young enough
 * for this text to belong to it (SPEC §4): its id into it (and the REF),
 * 1; 0 if none; -1 on error.
 */
static int
alert_young_report(struct intake *it, const char *category)
{
	char			 ref[REF_MAX];
	int64_t			 id;

	id = store_report_recent_of(it->st, it->in->from,
	    it->now - it->conf->followup_window_s, category, ref);
	if (id <= 0)
		return id == -1 ? -1 : 0;
	it->report_id = id;
	util_strlcpy(it->ref, ref, sizeof(it->ref));
	return 1;
}

static int	 alert_followup_of(struct intake *);

/*
 * A gbv or shelter keyword, a plea, a USSD report: the same emergency
 * texted again joins the newest young open report of its category,
 * whatever else the number has; else a new report. Either way the reply
 * is a report's, with its REF: the phone cannot tell the two apart.
 */
static int
alert_report(struct intake *it)
{
	int	 rc;

	if ((rc = alert_young_report(it, family_of(it->m.cat)->name)) == -1)
		return -1;
	if (rc == 1) {
		it->stored = CAT_FOLLOWUP;
		rc = alert_followup_of(it);
	} else
		rc = alert_file(it);
	if (rc == -1)
		return -1;
	if (rc == 0)
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
	r->previous = row->previous[0] ? row->previous : NULL;
	r->commune = row->commune;
}

/*
 * A follow-up that names an area gives the report its area when it had
 * none (SPEC §4): the contacts of its roles there hear of it now, with
 * its first words and these (r: the follow-up's view, area NULL).
 */
static int
alert_followup_area(struct intake *it, const struct report_row *row,
    struct alert_report *r)
{
	const char	*area = it->conf->areas[it->m.area].code;
	char		*joined = NULL;
	int		 cat, rc;

	if ((rc = store_report_set_area(it->st, row->id, area)) != 1)
		return rc;
	if ((cat = config_category_lookup(row->category)) < 0)
		return 0;
	r->area = area;
	if (row->text != NULL && row->text[0] != '\0') {
		joined = xasprintf("%s / %.*s", row->text, (int)r->textlen,
		    r->text);
		r->text = joined;
		r->textlen = strlen(joined);
	}
	rc = alert_newcomers(it, r, &it->conf->routing[cat], 0);
	free(joined);
	return rc == -1 ? -1 : 0;
}

/*
 * A city's text that joins a report of a commune other than the one it
 * was taken for (another commune's number, or name, texted by the same
 * resident): the report's commune is the one that hears of it; the area
 * the text names is looked up among that commune's hamlets.
 */
static void
alert_rescope(struct intake *it, const struct report_row *row)
{
	const struct config	*conf;

	if (it->city == NULL || strcmp(row->commune, "*") == 0 ||
	    strcmp(row->commune, it->conf->scope) == 0)
		return;
	conf = config_scoped(it->city, row->commune);
	if (conf == it->conf)
		return;
	it->conf = conf;
	if (it->m.area >= 0)
		it->m.area = area_anywhere(conf, it->m.args);
}

/*
 * Whether this text tells the commune of a city's report that nobody
 * placed ("*", SPEC §11): the router found the text's commune (named in
 * it, or the number it was sent to) and it comes from a resident.
 */
static int
alert_placing(const struct intake *it, const struct report_row *row)
{
	return it->city != NULL && it->conf != it->city &&
	    it->contact.id == 0 && strcmp(row->commune, "*") == 0;
}

/*
 * The commune's escalation from now on: a report no step has reached yet
 * is due when it would have been had it been the commune's from the
 * start (at once if that is past); a later step's roles are the
 * commune's anyway (escalate.c reads the report's commune). 0, or -1.
 */
static int
alert_place_escalation(struct intake *it, const struct report_row *row,
    int cat)
{
	const struct escalation	*esc = &it->conf->escalation[cat];
	int64_t			 age;

	if (esc->after_s <= 0 || esc->to.n == 0 ||
	    row->escalation_level > 0 || strcmp(row->status, "open") != 0)
		return 0;
	age = it->now > row->received_at ? it->now - row->received_at : 0;
	return store_outbox_escalate_later(it->st, row->id,
	    util_sched_now() - age + esc->after_s);
}

/*
 * Place the report in the commune this text told (it->conf): the report
 * is the commune's (its counts follow: report_days' trigger), gets the
 * hamlet the text names if it had none, and the commune's routing roles
 * (else its escalation roles) hear of it as new, with its first words
 * and these (r: the follow-up's view); its escalation is the commune's.
 * The reply, one discreet line with the REF, says it was heard. 0, -1.
 */
static int
alert_place(struct intake *it, const struct report_row *row,
    struct alert_report *r)
{
	const struct config	*conf = it->conf;
	char			*joined = NULL, masked[PHONE_MAX];
	int			 cat, n;

	if (store_report_set_commune(it->st, row->id, conf->scope) == -1 ||
	    store_review_placed(it->st, row->id) == -1)
		return -1;
	r->commune = conf->scope;
	if (row->area[0] == '\0' && it->m.area >= 0) {
		r->area = conf->areas[it->m.area].code;
		if (store_report_set_area(it->st, row->id, r->area) == -1)
			return -1;
	}
	template_render(conf, TMPL_PLACED, it->ref, it->reply,
	    sizeof(it->reply));
	if ((cat = config_category_lookup(row->category)) < 0)
		return 0;
	if (row->text != NULL && row->text[0] != '\0') {
		joined = xasprintf("%s / %.*s", row->text, (int)r->textlen,
		    r->text);
		r->text = joined;
		r->textlen = strlen(joined);
	}
	n = alert_newcomers(it, r, &conf->routing[cat], 0);
	if (n == 0 && conf->escalation[cat].to.n > 0)
		n = alert_newcomers(it, r, &conf->escalation[cat].to, 0);
	free(joined);
	if (n == -1 || alert_place_escalation(it, row, cat) == -1)
		return -1;
	log_info("report %s: from %s, placed in commune %s: %d %s queued",
	    it->ref, phone_mask(it->in->from, masked), conf->scope, n,
	    util_plural(n, "alert", "alerts"));
	return 0;
}

/* This text belongs to the open report it->report_id: kept with it, sent
 * on to the contacts already alerted; an area it names may be the
 * report's, a commune it tells the report's too (alert_place). 0, 1 if it
 * placed the report (the reply is said), -1; else the reply is the
 * caller's. */
static int
alert_followup_of(struct intake *it)
{
	struct report_row	 row;
	struct alert_report	 r;
	int			 rc;

	if (store_report_get(it->st, it->report_id, NULL, &row) != 1)
		return -1;
	alert_rescope(it, &row);
	alert_from_row(&row, &r);
	alert_words(it, &r);
	r.at = it->now;
	rc = store_report_touch(it->st, it->report_id, it->now) == -1 ||
	    alert_notify(it->st, it->conf, &r, "report.updated", NULL, 0,
	    util_sched_now()) == -1 ? -1 : 0;
	if (rc == 0 && alert_placing(it, &row))
		rc = alert_place(it, &row, &r) == -1 ? -1 : 1;
	else if (rc == 0 && row.area[0] == '\0' && it->m.area >= 0)
		rc = alert_followup_area(it, &row, &r);
	store_report_row_clear(&row);
	return rc;
}

/* A text the caller found to belong to report it->report_id. */
static int
alert_followup(struct intake *it)
{
	int	 rc;

	if ((rc = alert_followup_of(it)) == -1)
		return -1;
	if (rc == 0)
		alert_reply_neutral(it);
	return 0;
}

/*
 * A text without keyword that is no plea (SPEC §4): a follow-up of the
 * number's young open report; else, after a report closed or cancelled
 * less than reopen_window_s ago, a new report of its category naming it;
 * else kept for review (alerting routing.unknown if any). The reply is the
 * same whichever it was (§5): only a report's first reply to a keyword or
 * a plea carries its REF, and nobody holding the phone learns from it
 * whether a report exists.
 */
static int
alert_unknown(struct intake *it)
{
	struct report_prev	 prev;
	int			 rc, cat;

	alert_reply_neutral(it);
	if ((rc = alert_young_report(it, NULL)) != 0) {
		it->stored = CAT_FOLLOWUP;
		return rc == -1 || alert_followup_of(it) == -1 ? -1 : 0;
	}
	if ((rc = alert_previous(it, &prev)) == -1)
		return -1;
	if (rc == 1 && (cat = config_category_lookup(prev.category)) >= 0) {
		it->m.cat = it->stored = (enum category)cat;
		return alert_file_after(it, &prev);
	}
	it->m.cat = it->stored = CAT_UNKNOWN;
	if (it->conf->routing[CAT_UNKNOWN].n > 0 &&
	    alert_file_after(it, NULL) == -1)
		return -1;
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
