/*
 * provider.c: the table of providers and the one skeleton their inbound
 * endpoints run (content type, verify, parse, decode, file, answer). Knows
 * no provider but by its table line: each one's descriptor is in
 * providers/<name>.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider.h"


const char provider_internal[] = "cannot check it now, retry later";

/* The providers: one line each. */
const struct provider *const providers[] = {
	&provider_generic,
	&provider_twilio,
	&provider_africastalking,
	NULL
};

/* Content types an endpoint takes (index: enum provider_body). */
static const struct {
	int		(*ok)(const char *ctype);
	const char	*refused;
} provider_bodies[] = {
	[PROVIDER_JSON] = { provider_json_type,
	    "content type must be application/json" },
	[PROVIDER_FORM] = { form_urlencoded,
	    "content type must be application/x-www-form-urlencoded" },
};

const struct provider *
provider_find(const char *name)
{
	size_t	 i;

	for (i = 0; providers[i] != NULL; i++)
		if (strcmp(providers[i]->name, name) == 0)
			return providers[i];
	return NULL;
}

int
provider_enabled(const struct config *conf, const struct provider *p)
{
	return config_provider_enabled(conf, p->name) == 1;
}

const struct provider_endpoint *
provider_route(const struct config *conf, const char *path)
{
	const struct provider_endpoint	*ep;
	size_t				 i, j;

	for (i = 0; providers[i] != NULL; i++)
		for (j = 0; j < PROVIDER_ENDPOINTS; j++) {
			ep = &providers[i]->endpoints[j];
			if (ep->path != NULL && strcmp(ep->path, path) == 0)
				return provider_enabled(conf, providers[i]) ?
				    ep : NULL;
		}
	return NULL;
}

int
provider_json_type(const char *ct)
{
	return form_ctype_is(ct, "application/json");
}

static void
provider_refuse(struct provider_answer *a, int code, const char *why)
{
	/* Not the request's fault: the provider must retry, not drop it. */
	if (why == provider_internal)
		code = 503;
	a->code = code;
	util_strlcpy(a->line, why, sizeof(a->line));
}

void
provider_serve(const struct provider_endpoint *ep, struct provider_call *c,
    const struct router *rt, struct store *st, struct provider_answer *a)
{
	const char	*why;
	char		 err[128];

	memset(a, 0, sizeof(*a));
	if (!provider_bodies[ep->body].ok(c->ctype)) {
		provider_refuse(a, 415, provider_bodies[ep->body].refused);
		return;
	}
	if (ep->signed_on == PROVIDER_RAW && (why = ep->verify(c)) != NULL) {
		provider_refuse(a, 403, why);
		return;
	}
	if (ep->body == PROVIDER_FORM && (c->form = form_parse(c->body,
	    c->len, err, sizeof(err))) == NULL) {
		provider_refuse(a, 400, err);
		return;
	}
	if (ep->signed_on == PROVIDER_PARSED &&
	    (why = ep->verify(c)) != NULL) {
		provider_refuse(a, 403, why);
		return;
	}
	if ((why = ep->decode(c)) != NULL) {
		provider_refuse(a, 400, why);
		return;
	}
	if (c->is_receipt) {
		if (receipt_file(st, &c->receipt) == -1) {
			provider_refuse(a, 503, PROVIDER_RETRY_LATER);
			return;
		}
		a->filed = 1;
	} else if (!c->answer_now) {
		if (router_receive(rt, st, &c->in, &c->out) == -1) {
			provider_refuse(a, 503, PROVIDER_RETRY_LATER);
			return;
		}
		a->filed = 1;
	}
	a->code = 200;
	a->body = ep->reply(c, &a->ctype);
	a->len = a->body != NULL ? strlen(a->body) : 0;
}

/* Keep what a log line may show of a provider's words: " _.-" and
 * alphanumerics, cut to fit. */
static void
provider_words(char *out, size_t outlen, const char *v, size_t n)
{
	size_t	 i, j = 0;
	char	 ch;

	for (i = 0; i < n && j + 1 < outlen; i++) {
		ch = v[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr(" _.-", ch) != NULL)
			out[j++] = ch;
	}
	out[j] = '\0';
}

const char *
provider_receipt(struct provider_call *c, const struct provider *p,
    const struct provider_receipt_form *f)
{
	const struct provider_status	*t;
	const struct form_field		*id, *word, *why;
	struct receipt			*r = &c->receipt;

	memset(r, 0, sizeof(*r));
	if ((id = form_get(c->form, f->id)) == NULL)
		return f->no_id;
	if ((word = form_get(c->form, f->status)) == NULL)
		return f->no_status;
	if (receipt_key(r, p->name, id->val, id->vallen) == -1)
		return "the message id must be 1..127 characters";
	r->status = RECEIPT_PENDING;
	for (t = f->table; t->word != NULL; t++)
		if (strlen(t->word) == word->vallen &&
		    strncasecmp(t->word, word->val, word->vallen) == 0) {
			r->status = t->status;
			break;
		}
	if ((why = form_get(c->form, f->reason)) != NULL)
		provider_words(r->reason, sizeof(r->reason), why->val,
		    why->vallen);
	c->is_receipt = 1;
	return NULL;
}

void
provider_call_clear(struct provider_call *c)
{
	form_free(c->form);
	free(c->text);
	free(c->state);
	c->form = NULL;
	c->text = NULL;
	c->state = NULL;
}

void
provider_answer_clear(struct provider_answer *a)
{
	free(a->body);
	a->body = NULL;
}
