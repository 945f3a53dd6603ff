/*
 * africastalking.c: the Africa's Talking provider (SPEC §3, §6). Inbound
 * SMS (answered through the outbox), the USSD endpoint that drives the
 * menu of handlers/ussd.c, its delivery reports (the callback URL set in
 * its dashboard: /sms/africastalking/delivery?token=T), and the request
 * of its SMS send API and what its answer says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "../provider.h"
#include "../../handlers/handlers.h"

#define AT_DEFAULT_BASE	"https://api.africastalking.com"
#define AT_SANDBOX_BASE	"https://api.sandbox.africastalking.com"
#define AT_SEND_PATH	"/version1/messaging"
/* A USSD message id: the sessionId, ':', 16 hex digits of the number's
 * keyed hash. */
#define AT_NUMBER_TAG	16
#define AT_SESSION_MAX	(EXTID_MAX - 2 - AT_NUMBER_TAG)

/* The ?token= of the request, compared in constant time; NULL if good. */
const char *
africastalking_token_check(const struct config *conf, const char *query)
{
	const struct form_field	*t;
	struct form		*q;
	const char		*why = "bad token";
	const char		*want = conf->africastalking.token;
	char			 err[64];

	if (query == NULL ||
	    (q = form_parse(query, strlen(query), err, sizeof(err))) == NULL)
		return "missing token";
	if ((t = form_get(q, "token")) == NULL)
		why = "missing token";
	else if (want != NULL && want[0] != '\0' &&
	    util_ct_equal(t->val, t->vallen, want, strlen(want)))
		why = NULL;
	form_free(q);
	return why;
}

/*
 * A phone number field: an unencoded '+' arrives as a space (the SDK's own
 * tests send them so); a leading space is taken for that '+'.
 */
static int
africastalking_phone(const struct config *conf, const struct form_field *f,
    char out[PHONE_MAX])
{
	char	*s;
	int	 rc;

	if (f->vallen > 0 && f->val[0] == ' ') {
		s = xstrdup(f->val);
		s[0] = '+';
		rc = phone_e164(s, f->vallen, conf->country_code, out);
		free(s);
		return rc;
	}
	return phone_e164(f->val, f->vallen, conf->country_code, out);
}

/* Fields from, to, text, id (date, linkId, networkCode optional). */
const char *
africastalking_sms_decode(const struct config *conf, const struct form *f,
    struct inbound *in)
{
	static const struct {
		const char	*name, *missing;
	} need[] = {
		{ "from", "missing field: from" },
		{ "to", "missing field: to" },
		{ "text", "missing field: text" },
		{ "id", "missing field: id" },
	};
	const struct form_field	*v[4];
	size_t			 i;

	memset(in, 0, sizeof(*in));
	in->provider = "africastalking";
	in->reply_via_outbox = 1;
	/* Answered through its own send API when it can send (SPEC §5). */
	if (conf->africastalking.username[0] != '\0' &&
	    conf->africastalking.api_key[0] != '\0')
		in->reply_via = "africastalking";
	for (i = 0; i < 4; i++)
		if ((v[i] = form_get(f, need[i].name)) == NULL)
			return need[i].missing;
	if (africastalking_phone(conf, v[0], in->from) == -1)
		return "from is not a phone number";
	if (v[1]->vallen >= sizeof(in->to))
		return "to is too long";
	util_strlcpy(in->to, v[1]->val, sizeof(in->to));
	in->text = v[2]->val;
	in->textlen = v[2]->vallen;
	if (v[3]->vallen == 0 || v[3]->vallen >= sizeof(in->ext_id))
		return "id must be 1..127 characters";
	util_strlcpy(in->ext_id, v[3]->val, sizeof(in->ext_id));
	return NULL;
}

/* Both endpoints: the ?token= of the request-target. */
static const char *
africastalking_endpoint_verify(struct provider_call *c)
{
	return africastalking_token_check(c->conf, c->query);
}

static const char *
africastalking_sms_endpoint_decode(struct provider_call *c)
{
	return africastalking_sms_decode(c->conf, c->form, &c->in);
}

/* POST /sms/africastalking: 200, empty; the reply goes out later. */
static char *
africastalking_sms_reply(struct provider_call *c, const char **ctype)
{
	*ctype = NULL;
	return NULL;
}

/*
 * The text kept for a USSD action, as an operator reads it: the category's
 * first keyword and the area's code ("BAOLUC T3"). The route itself goes
 * with the message (inbound.routed), never parsed from this. malloc'd.
 */
char *
africastalking_ussd_text(const struct config *conf,
    const struct ussd_screen *s)
{
	const struct strlist	*kw;
	const char		*k;

	/* A city's commune picked: its hamlets, its words. */
	if (s->commune != NULL)
		conf = s->commune->cf;
	kw = &conf->keywords[s->cat];
	k = kw->n > 0 ? kw->v[0] : "";
	if (s->action == USSD_REPORT && s->area >= 0 &&
	    (size_t)s->area < conf->nareas)
		return xasprintf("%s %s", k, conf->areas[s->area].code);
	return xstrdup(k);
}

/*
 * A session is bound to its number (SPEC §6): the message id is the
 * sessionId and a tag of the session and the caller's number, so the same
 * sessionId from another number files its own report and never gets the
 * first caller's REF. The tag is an HMAC-SHA256 under the endpoint's token
 * of both, cut to 64 bits: the id never holds the number, and one
 * number's sessions do not share a tag that would tie them together (a
 * purge replaces the id: store_purge). 0, or -1.
 */
static int
africastalking_session_id(const struct config *conf,
    const struct form_field *sid, const char *e164, char out[EXTID_MAX])
{
	char	 msg[EXTID_MAX + PHONE_MAX + 16], mac[65];

	snprintf(msg, sizeof(msg), "ussd-session:%.*s:%s",
	    (int)sid->vallen, sid->val, e164);
	if (util_hmac_sha256_hex(conf->africastalking.token, msg,
	    strlen(msg), mac) == -1)
		return -1;
	snprintf(out, EXTID_MAX, "%.*s:%.*s", (int)sid->vallen, sid->val,
	    AT_NUMBER_TAG, mac);
	return 0;
}

/*
 * Fields sessionId (with the number, the message id: one report per
 * session), phoneNumber and text; serviceCode optional. Fills in (text
 * left for the menu, in *text) or returns why not.
 */
static const char *
africastalking_ussd_decode(const struct config *conf, const struct form *f,
    struct inbound *in, const struct form_field **text)
{
	static const struct {
		const char	*name, *missing;
	} need[] = {
		{ "sessionId", "missing field: sessionId" },
		{ "phoneNumber", "missing field: phoneNumber" },
		{ "text", "missing field: text" },
	};
	const struct form_field	*v[3], *code;
	size_t			 i;

	memset(in, 0, sizeof(*in));
	in->provider = "africastalking-ussd";
	for (i = 0; i < 3; i++)
		if ((v[i] = form_get(f, need[i].name)) == NULL)
			return need[i].missing;
	if (v[0]->vallen == 0 || v[0]->vallen > AT_SESSION_MAX)
		return "sessionId must be 1..110 characters";
	if (africastalking_phone(conf, v[1], in->from) == -1)
		return "phoneNumber is not a phone number";
	if (africastalking_session_id(conf, v[0], in->from, in->ext_id) == -1)
		return provider_internal;	/* out of memory: retry */
	if ((code = form_get(f, "serviceCode")) != NULL &&
	    code->vallen < sizeof(in->to))
		util_strlcpy(in->to, code->val, sizeof(in->to));
	*text = v[2];
	return NULL;
}

/*
 * POST /ussd/africastalking?token=T: the next screen. A screen that files
 * nothing is answered at once. An answer that files something goes
 * through the router as provider "africastalking-ussd" with the session id
 * bound to the number as message id, and a route already decided
 * (category, area, source "ussd"): a re-sent last step finds it and gets
 * the same END screen, and nothing is filed twice. The screen is the
 * call's state.
 */
static const char *
africastalking_ussd_endpoint_decode(struct provider_call *c)
{
	const struct config	*conf = c->conf;
	const struct commune	*cm;
	const struct form_field	*text = NULL;
	const char		*why;
	struct ussd_screen	*s;

	if ((why = africastalking_ussd_decode(conf, c->form, &c->in,
	    &text)) != NULL)
		return why;
	/* A city: a commune's own number has its menu; any other code
	 * serves them all (ussd_step lists them). */
	if ((cm = commune_of_number(conf, c->in.to)) != NULL)
		conf = cm->cf;
	c->state = s = xcalloc(1, sizeof(*s));
	ussd_step(conf, text->val, text->vallen, s);
	if (!s->end || s->action == USSD_NONE) {
		c->answer_now = 1;
		return NULL;
	}
	if (s->commune != NULL)
		cm = s->commune;
	c->text = africastalking_ussd_text(conf, s);
	c->in.text = c->text;
	c->in.textlen = strlen(c->text);
	c->in.source = "ussd";
	c->in.routed = 1;
	c->in.cat = s->cat;
	c->in.area = s->action == USSD_REPORT ? s->area : -1;
	c->in.commune = cm != NULL ? cm->code : NULL;
	return NULL;
}

/* "CON …" or "END …"; once filed, the END screen says the outcome. */
static char *
africastalking_ussd_reply(struct provider_call *c, const char **ctype)
{
	struct ussd_screen	*s = c->state;

	if (!c->answer_now)
		ussd_result(c->out.reply, s);
	*ctype = "text/plain; charset=utf-8";
	return xasprintf("%s %s", s->end ? "END" : "CON", s->text);
}

/* Each comma-separated recipient must be "+" and digits (the SDK's rule). */
static int
africastalking_to_ok(const char *to)
{
	const char	*p = to;
	size_t		 n;

	for (;;) {
		if (*p != '+')
			return 0;
		n = strspn(p + 1, "0123456789");
		if (n < 6 || n > 15)
			return 0;
		p += 1 + n;
		if (*p == '\0')
			return 1;
		if (*p++ != ',')
			return 0;
	}
}

int
africastalking_send(const struct config *conf,
    const struct provider_sms *sms, struct provider_send *r, char *err,
    size_t errlen)
{
	const char	*base = conf->africastalking.api_base;
	const char	*user = conf->africastalking.username;
	const char	*from = conf->africastalking.from;
	const char	*to = sms->to, *text = sms->text;
	struct form_buf	 b = { NULL, 0, 0 };
	size_t		 n;

	memset(r, 0, sizeof(*r));
	if (to == NULL || !africastalking_to_ok(to)) {
		snprintf(err, errlen, "to must be +<country code><number>");
		return -1;
	}
	if (base == NULL || base[0] == '\0')
		base = AT_DEFAULT_BASE;
	/* The SDK's sandbox: its username, on the default base. */
	if (user != NULL && strcasecmp(user, "sandbox") == 0 &&
	    strcmp(base, AT_DEFAULT_BASE) == 0)
		base = AT_SANDBOX_BASE;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	r->url = xasprintf("%.*s%s", (int)n, base, AT_SEND_PATH);
	provider_send_header(r, xasprintf("apikey: %s",
	    conf->africastalking.api_key ? conf->africastalking.api_key : ""));
	provider_send_header(r, xstrdup("Accept: application/json"));
	provider_send_header(r, xstrdup("Content-Type: "
	    "application/x-www-form-urlencoded;charset=utf-8"));
	form_add(&b, "username", user ? user : "");
	form_add(&b, "to", to);
	form_add(&b, "message", text ? text : "");
	if (from != NULL && from[0] != '\0')
		form_add(&b, "from", from);
	form_add(&b, "bulkSMSMode", "1");
	r->body = b.buf;
	r->bodylen = b.len;
	return 0;
}

/* Delivery report statuses; Sent, Submitted, Buffered: on its way. */
static const struct provider_status africastalking_statuses[] = {
	{ "Success", RECEIPT_DELIVERED },
	{ "Failed", RECEIPT_UNDELIVERED },
	{ "Rejected", RECEIPT_UNDELIVERED },
	{ "Expired", RECEIPT_UNDELIVERED },
	{ NULL, RECEIPT_PENDING }
};

/* A delivery report: id, status, failureReason when it failed. */
static const struct provider_receipt_form africastalking_delivery = {
	"id", "status", "failureReason",
	"missing field: id", "missing field: status",
	africastalking_statuses
};

static const char *
africastalking_delivery_decode(struct provider_call *c)
{
	return provider_receipt(c, &provider_africastalking,
	    &africastalking_delivery);
}

/*
 * The send API's answer: SMSMessageData.Recipients, one per number, each
 * with its statusCode (100 Processed, 101 Sent, 102 Queued; 500
 * InternalServerError and 501 GatewayError are worth a retry; any other,
 * such as 403 InvalidPhoneNumber or 405 InsufficientBalance, is a refusal)
 * and messageId. Only a one-number answer is judged: a broadcast's list
 * is the provider's business.
 */
void
africastalking_sent(const char *body, size_t len, struct provider_sent *s)
{
	cJSON		*root, *list, *one, *code, *id, *st;
	int		 n;

	memset(s, 0, sizeof(*s));
	if ((root = cJSON_ParseWithLength(body, len)) == NULL)
		return;
	/* A key twice: nothing in the answer can be trusted to be its. */
	if (util_json_dup_key(root) != NULL)
		goto done;
	list = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    root, "SMSMessageData"), "Recipients");
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) != 1)
		goto done;
	one = cJSON_GetArrayItem(list, 0);
	code = cJSON_GetObjectItemCaseSensitive(one, "statusCode");
	id = cJSON_GetObjectItemCaseSensitive(one, "messageId");
	st = cJSON_GetObjectItemCaseSensitive(one, "status");
	n = cJSON_IsNumber(code) ? code->valueint : 0;
	if (n != 0 && (n < 100 || n > 102)) {
		s->took = n == 500 || n == 501 ? PROVIDER_REFUSED_NOW :
		    PROVIDER_REFUSED;
		snprintf(s->why, sizeof(s->why), "%d %s", n,
		    cJSON_IsString(st) ? st->valuestring : "");
		goto done;
	}
	if (cJSON_IsString(id) && id->valuestring[0] != '\0' &&
	    strcmp(id->valuestring, "None") != 0 &&
	    strlen(id->valuestring) <= RECEIPT_ID_MAX)
		util_strlcpy(s->id, id->valuestring, sizeof(s->id));
done:
	cJSON_Delete(root);
}

const struct provider provider_africastalking = {
	.name = "africastalking",
	.endpoints = {
		{ "/sms/africastalking", PROVIDER_FORM, PROVIDER_RAW,
		    africastalking_endpoint_verify,
		    africastalking_sms_endpoint_decode,
		    africastalking_sms_reply },
		{ "/ussd/africastalking", PROVIDER_FORM, PROVIDER_RAW,
		    africastalking_endpoint_verify,
		    africastalking_ussd_endpoint_decode,
		    africastalking_ussd_reply },
		{ "/sms/africastalking/delivery", PROVIDER_FORM, PROVIDER_RAW,
		    africastalking_endpoint_verify,
		    africastalking_delivery_decode,
		    africastalking_sms_reply },
	},
	.build_send = africastalking_send,
	.sent = africastalking_sent,
};
