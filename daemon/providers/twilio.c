/*
 * twilio.c: the Twilio provider (SPEC §3). Verifies X-Twilio-Signature as
 * Twilio's official library computes it (HMAC over the public URL and the
 * decoded POST parameters sorted by key, base64), decodes the form into a
 * message and answers TwiML once the message is committed; sends an SMS
 * through its Messages API, asking for its StatusCallback at
 * /sms/twilio/status, signed the same way, which records the receipt.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include <cjson/cJSON.h>

#include "../provider.h"

#define TWILIO_URL_VARIANTS	6
#define TWILIO_STATUS_PATH	"/sms/twilio/status"

/* Sort fields by key, then value, bytewise. */
static int
twilio_cmp(const void *a, const void *b)
{
	const struct form_field	*x = *(const struct form_field *const *)a;
	const struct form_field	*y = *(const struct form_field *const *)b;
	size_t			 n;
	int			 c;

	n = x->keylen < y->keylen ? x->keylen : y->keylen;
	if ((c = memcmp(x->key, y->key, n)) != 0)
		return c;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	n = x->vallen < y->vallen ? x->vallen : y->vallen;
	if ((c = memcmp(x->val, y->val, n)) != 0)
		return c;
	if (x->vallen != y->vallen)
		return x->vallen < y->vallen ? -1 : 1;
	return 0;
}

static void
twilio_append(struct form_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

/*
 * The string Twilio signs: url, then key + value for every parameter in
 * key order; a repeated key's values de-duplicated and sorted. Returns
 * malloc'd, its length in *len.
 */
char *
twilio_string_to_sign(const char *url, const struct form *params,
    size_t *len)
{
	struct form_buf			 b = { NULL, 0, 0 };
	const struct form_field		**sorted;
	size_t				 i, n = params ? params->n : 0;

	twilio_append(&b, url, strlen(url));
	sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = &params->v[i];
	qsort(sorted, n, sizeof(*sorted), twilio_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && twilio_cmp(&sorted[i - 1], &sorted[i]) == 0)
			continue;
		twilio_append(&b, sorted[i]->key, sorted[i]->keylen);
		twilio_append(&b, sorted[i]->val, sorted[i]->vallen);
	}
	free(sorted);
	*len = b.len;
	return b.buf;
}

/* The token's HMAC context for alg (util_hmac_new), or NULL. */
static EVP_MAC_CTX *
twilio_keyed(const char *token, enum twilio_alg alg)
{
	return util_hmac_new(alg == TWILIO_SHA256 ? "SHA256" : "SHA1", token,
	    strlen(token));
}

/*
 * base64(HMAC(url + tail)) under keyed (a copy of it is used) into out,
 * tail being the parameters' part of the string to sign
 * (twilio_string_to_sign with url ""); 0 or -1.
 */
static int
twilio_mac(const EVP_MAC_CTX *keyed, const char *url, const char *tail,
    size_t taillen, char *out, size_t outlen)
{
	EVP_MAC_CTX	*ctx;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	size_t		 mdlen = 0;
	int		 ok;

	if (keyed == NULL || (ctx = EVP_MAC_CTX_dup(keyed)) == NULL)
		return -1;
	ok = EVP_MAC_update(ctx, (const unsigned char *)url,
	    strlen(url)) == 1 && EVP_MAC_update(ctx,
	    (const unsigned char *)tail, taillen) == 1 &&
	    EVP_MAC_final(ctx, md, &mdlen, sizeof(md)) == 1 &&
	    outlen >= 4 * ((mdlen + 2) / 3) + 1;
	EVP_MAC_CTX_free(ctx);
	if (!ok)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	return 0;
}

/* base64(HMAC(token, string to sign)) into out; 0 or -1. */
int
twilio_signature(const char *token, const char *url,
    const struct form *params, enum twilio_alg alg, char *out, size_t outlen)
{
	EVP_MAC_CTX	*keyed = twilio_keyed(token, alg);
	char		*tail;
	size_t		 len;
	int		 rc;

	tail = twilio_string_to_sign("", params, &len);
	rc = twilio_mac(keyed, url, tail, len, out, outlen);
	EVP_MAC_CTX_free(keyed);
	free(tail);
	return rc;
}

/*
 * Split url into scheme "://" host [":" port] rest. Returns 0, or -1 if it
 * has no "://".
 */
struct twilio_url {
	const char	*scheme, *host, *port, *rest;
	size_t		 schemelen, hostlen, portlen;
};

static int
twilio_url_split(const char *url, struct twilio_url *u)
{
	const char	*p, *auth_end, *colon = NULL;

	memset(u, 0, sizeof(*u));
	if ((p = strstr(url, "://")) == NULL)
		return -1;
	u->scheme = url;
	u->schemelen = (size_t)(p - url);
	u->host = p + 3;
	auth_end = u->host + strcspn(u->host, "/?#");
	for (p = u->host; p < auth_end; p++)
		if (*p == ']')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	if (colon != NULL && colon + 1 < auth_end &&
	    strspn(colon + 1, "0123456789") == (size_t)(auth_end - colon - 1)) {
		u->hostlen = (size_t)(colon - u->host);
		u->port = colon + 1;
		u->portlen = (size_t)(auth_end - colon - 1);
	} else
		u->hostlen = (size_t)(auth_end - u->host);
	u->rest = auth_end;
	return 0;
}

static const char *
twilio_default_port(const struct twilio_url *u)
{
	if (u->schemelen == 5 && strncasecmp(u->scheme, "https", 5) == 0)
		return "443";
	if (u->schemelen == 4 && strncasecmp(u->scheme, "http", 4) == 0)
		return "80";
	return NULL;
}

/*
 * The URLs the library tries for one received URL: as received, with the
 * port removed, with the default port added; and each again with scheme
 * and host lower-cased (WHATWG). Fills v[] with malloc'd strings.
 */
static size_t
twilio_url_variants(const char *url, char *v[TWILIO_URL_VARIANTS])
{
	struct twilio_url	 u;
	const char		*dport;
	char			*lower;
	size_t			 n = 0, i;
	int			 pass;

	v[n++] = xstrdup(url);
	if (twilio_url_split(url, &u) == -1)
		return n;
	dport = twilio_default_port(&u);
	for (pass = 0; pass < 2; pass++) {
		char	*sch = xstrndup(u.scheme, u.schemelen);
		char	*host = xstrndup(u.host, u.hostlen);

		if (pass == 1) {
			for (i = 0; sch[i]; i++)
				sch[i] = (char)tolower((unsigned char)sch[i]);
			for (i = 0; host[i]; i++)
				host[i] = (char)tolower((unsigned char)host[i]);
			/* WHATWG drops the default port. */
			if (u.port != NULL && dport != NULL &&
			    u.portlen == strlen(dport) &&
			    strncmp(u.port, dport, u.portlen) == 0)
				lower = xasprintf("%s://%s%s", sch, host,
				    u.rest);
			else
				lower = xasprintf("%s://%s%s%.*s%s", sch,
				    host, u.port ? ":" : "", (int)u.portlen,
				    u.port ? u.port : "", u.rest);
			v[n++] = lower;
		}
		if (u.port != NULL)
			v[n++] = xasprintf("%s://%s%s", sch, host, u.rest);
		else if (dport != NULL)
			v[n++] = xasprintf("%s://%s:%s%s", sch, host, dport,
			    u.rest);
		free(sch);
		free(host);
	}
	return n;
}

const char *
twilio_verify(const char *token, const char *sig, const char *url,
    const struct form *params, enum twilio_alg alg)
{
	char		*v[TWILIO_URL_VARIANTS], want[EVP_MAX_MD_SIZE * 2];
	char		*tail;
	size_t		 n, i, siglen, taillen;
	int		 ok = 0, failed = 0;
	EVP_MAC_CTX	*keyed;

	if (sig == NULL || sig[0] == '\0')
		return "missing signature";
	siglen = strlen(sig);
	/* The parameters' part sorted, and the token keyed, once for
	 * every URL variant. */
	tail = twilio_string_to_sign("", params, &taillen);
	keyed = twilio_keyed(token, alg);
	n = twilio_url_variants(url, v);
	for (i = 0; i < n; i++) {
		if (!ok && !failed) {
			if (twilio_mac(keyed, v[i], tail, taillen, want,
			    sizeof(want)) == -1)
				failed = 1;	/* out of memory: retry */
			else if (util_ct_equal(sig, siglen, want,
			    strlen(want)))
				ok = 1;
		}
		free(v[i]);
	}
	free(tail);
	EVP_MAC_CTX_free(keyed);
	return ok ? NULL : failed ? provider_internal : "bad signature";
}

/* The form fields of an inbound SMS into in; NULL or why not. */
const char *
twilio_decode(const struct config *conf, const struct form *f,
    struct inbound *in)
{
	const struct form_field	*sid, *from, *to, *body;

	memset(in, 0, sizeof(*in));
	in->provider = "twilio";
	if ((sid = form_get(f, "MessageSid")) == NULL)
		return "missing field: MessageSid";
	if ((from = form_get(f, "From")) == NULL)
		return "missing field: From";
	if ((to = form_get(f, "To")) == NULL)
		return "missing field: To";
	if ((body = form_get(f, "Body")) == NULL)
		return "missing field: Body";
	if (sid->vallen == 0 || sid->vallen >= sizeof(in->ext_id))
		return "MessageSid must be 1..127 characters";
	util_strlcpy(in->ext_id, sid->val, sizeof(in->ext_id));
	if (phone_e164(from->val, from->vallen, conf->country_code,
	    in->from) == -1)
		return "From is not a phone number";
	if (to->vallen >= sizeof(in->to))
		return "To is too long";
	util_strlcpy(in->to, to->val, sizeof(in->to));
	in->text = body->val;
	in->textlen = body->vallen;
	return NULL;
}

/* <Response/> or <Response><Message>…</Message></Response>; malloc'd. */
char *
twilio_twiml(const char *reply)
{
	struct form_buf	 b = { NULL, 0, 0 };
	const char	*p;

	if (reply == NULL || reply[0] == '\0')
		return xstrdup("<Response/>");
	twilio_append(&b, "<Response><Message>", 19);
	for (p = reply; *p != '\0'; p++)
		switch (*p) {
		case '&':
			twilio_append(&b, "&amp;", 5);
			break;
		case '<':
			twilio_append(&b, "&lt;", 4);
			break;
		case '>':
			twilio_append(&b, "&gt;", 4);
			break;
		case '"':
			twilio_append(&b, "&quot;", 6);
			break;
		case '\'':
			twilio_append(&b, "&apos;", 6);
			break;
		default:
			twilio_append(&b, p, 1);
		}
	twilio_append(&b, "</Message></Response>", 21);
	return b.buf;
}

/* public_url (config.c dropped any trailing '/') + path: the URL Twilio
 * signs (path: the request-target as received), and calls back. */
static char *
twilio_public(const struct config *conf, const char *path)
{
	return xasprintf("%s%s", conf->public_url, path);
}

static const char *
twilio_endpoint_verify(struct provider_call *c)
{
	const char	*why;
	char		*url;

	url = twilio_public(c->conf, c->uri ? c->uri : "");
	why = twilio_verify(c->conf->twilio.auth_token,
	    c->header(c, "X-Twilio-Signature"), url, c->form, TWILIO_SHA1);
	free(url);
	return why;
}

static const char *
twilio_endpoint_decode(struct provider_call *c)
{
	return twilio_decode(c->conf, c->form, &c->in);
}

static char *
twilio_reply(struct provider_call *c, const char **ctype)
{
	*ctype = "text/xml; charset=utf-8";
	return twilio_twiml(c->out.reply);
}

/* MessageStatus words (Twilio's Message resource); others: on its way. */
static const struct provider_status twilio_statuses[] = {
	{ "delivered", RECEIPT_DELIVERED },
	{ "read", RECEIPT_DELIVERED },
	{ "undelivered", RECEIPT_UNDELIVERED },
	{ "failed", RECEIPT_UNDELIVERED },
	{ "canceled", RECEIPT_UNDELIVERED },
	{ NULL, RECEIPT_PENDING }
};

/* StatusCallback: MessageSid, MessageStatus, ErrorCode if it failed. */
static const struct provider_receipt_form twilio_status = {
	"MessageSid", "MessageStatus", "ErrorCode",
	"missing field: MessageSid", "missing field: MessageStatus",
	twilio_statuses
};

static const char *
twilio_status_decode(struct provider_call *c)
{
	return provider_receipt(c, &provider_twilio, &twilio_status);
}

/* A status callback wants a 2xx; its body is not read. */
static char *
twilio_status_reply(struct provider_call *c, const char **ctype)
{
	*ctype = "text/plain; charset=utf-8";
	return NULL;
}

/* The Messages API's 201: the Message resource, its id in "sid". */
void
twilio_sent(const char *body, size_t len, struct provider_sent *s)
{
	cJSON		*root, *sid;

	memset(s, 0, sizeof(*s));
	if ((root = cJSON_ParseWithLength(body, len)) == NULL)
		return;
	sid = cJSON_GetObjectItemCaseSensitive(root, "sid");
	/* A key twice: which sid is it? None kept. */
	if (util_json_dup_key(root) == NULL && cJSON_IsString(sid) && sid->valuestring[0] != '\0' &&
	    strlen(sid->valuestring) <= RECEIPT_ID_MAX)
		util_strlcpy(s->id, sid->valuestring, sizeof(s->id));
	cJSON_Delete(root);
}

/*
 * Twilio's Messages API: basic auth, form To/From/Body, and where to
 * report the SMS's status: public_url, when it is one Twilio can reach
 * (https, or http where allow_http says this is a test bed); the example
 * config's http://127.0.0.1 must not cost a send (tincayd -t warns).
 */
int
twilio_send(const struct config *conf, const struct provider_sms *sms,
    struct provider_send *r, char *err, size_t errlen)
{
	struct form_buf	 b = { NULL, 0, 0 };
	char		*callback;

	memset(r, 0, sizeof(*r));
	form_add(&b, "To", sms->to);
	form_add(&b, "From", conf->twilio.from);
	form_add(&b, "Body", sms->text);
	if (strncmp(conf->public_url, "https://", 8) == 0 ||
	    (conf->allow_http && strncmp(conf->public_url, "http://", 7) ==
	    0)) {
		callback = twilio_public(conf, TWILIO_STATUS_PATH);
		form_add(&b, "StatusCallback", callback);
		free(callback);
	}
	r->url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json",
	    conf->twilio.api_base, conf->twilio.account_sid);
	r->body = b.buf;
	r->bodylen = b.len;
	r->userpwd = xasprintf("%s:%s", conf->twilio.account_sid,
	    conf->twilio.auth_token);
	provider_send_header(r, xstrdup("Content-Type: "
	    "application/x-www-form-urlencoded"));
	provider_send_header(r, xasprintf("Idempotency-Key: %s", sms->key));
	return 0;
}

const struct provider provider_twilio = {
	.name = "twilio",
	.endpoints = {
		{ "/sms/twilio", PROVIDER_FORM, PROVIDER_PARSED,
		    twilio_endpoint_verify, twilio_endpoint_decode,
		    twilio_reply },
		{ TWILIO_STATUS_PATH, PROVIDER_FORM, PROVIDER_PARSED,
		    twilio_endpoint_verify, twilio_status_decode,
		    twilio_status_reply },
	},
	.build_send = twilio_send,
	.sent = twilio_sent,
};
