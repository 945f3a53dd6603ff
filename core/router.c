/*
 * router.c: from a decoded inbound message to a handler. Folds the text,
 * matches the keyword (one to four words, spaces ignored, longest first)
 * and the area, picks the handler from the table, and keeps the message,
 * its outcome and the handler's writes in one savepoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "store.h"
#include "../handlers/handlers.h"

#define ROUTER_KW_WORDS		4
#define ROUTER_AREA_WORDS	3

/* Which handler serves which category. */
static const struct {
	enum category	 cat;
	handler_fn	 fn;
} router_handlers[] = {
	{ CAT_GBV,	alert_report },
	{ CAT_SHELTER,	alert_report },
	{ CAT_HELP,	help_reply },
	{ CAT_UNKNOWN,	alert_unknown },
	{ CAT_FOLLOWUP,	alert_followup },
	{ CAT_ACK,	ack_handle },
	{ CAT_DONE,	ack_handle },
	{ CAT_CANCEL,	ack_handle },
	{ CAT_SIGNUP,	signup_join },
	{ CAT_OPTOUT,	signup_optout },
	{ CAT_STATS,	stats_handle },
};

/* Categories that take a report reference after the keyword. */
static const enum category router_ref_cats[] = { CAT_CANCEL, CAT_ACK,
    CAT_DONE };

/*
 * Copy the first n words of s (space separated) into out without the
 * spaces; return a pointer after them in s, or NULL if s has fewer words.
 */
const char *
router_join(const char *s, int n, char *out, size_t outlen)
{
	size_t	 o = 0;

	while (n-- > 0) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return NULL;
		for (; *s != '\0' && *s != ' '; s++)
			if (o + 1 < outlen)
				out[o++] = *s;
	}
	out[o] = '\0';
	while (*s == ' ')
		s++;
	return s;
}

/* The category whose folded keyword is word, or -1. */
static int
router_kw_find(const struct config *conf, const char *word)
{
	size_t	 c, i;

	for (c = 0; c < CAT__MAX; c++)
		for (i = 0; i < conf->keyfolds[c].n; i++)
			if (conf->keyfolds[c].v[i][0] != '\0' &&
			    strcmp(conf->keyfolds[c].v[i], word) == 0)
				return (int)c;
	return -1;
}

/* A keyword made only of punctuation ("?") matches the whole raw text. */
static int
router_kw_raw(const struct config *conf, const char *raw, size_t rawlen)
{
	size_t	 c, i, b = 0, e = rawlen;

	while (b < e && (raw[b] == ' ' || raw[b] == '\t' || raw[b] == '\n'))
		b++;
	while (e > b && (raw[e - 1] == ' ' || raw[e - 1] == '\t' ||
	    raw[e - 1] == '\n' || raw[e - 1] == '\r'))
		e--;
	for (c = 0; c < CAT__MAX; c++)
		for (i = 0; i < conf->keyfolds[c].n; i++)
			if (conf->keyfolds[c].v[i][0] == '\0' &&
			    strlen(conf->keywords[c].v[i]) == e - b &&
			    memcmp(conf->keywords[c].v[i], raw + b, e - b) == 0)
				return (int)c;
	return -1;
}

/* The area whose folded code, name or alias is word, or -1. */
static int
router_area_find(const struct config *conf, const char *word)
{
	size_t	 a, i;

	for (a = 0; a < conf->nareas; a++)
		for (i = 0; i < conf->areas[a].match.n; i++)
			if (strcmp(conf->areas[a].match.v[i], word) == 0)
				return (int)a;
	return -1;
}

static int
router_needs_ref(enum category cat)
{
	size_t	 i;

	for (i = 0; i < sizeof(router_ref_cats) / sizeof(router_ref_cats[0]);
	    i++)
		if (router_ref_cats[i] == cat)
			return 1;
	return 0;
}

void
router_match(const struct config *conf, const char *raw, size_t rawlen,
    const char *folded, struct route_match *m)
{
	char		 word[128];
	const char	*after;
	int		 n, c, a;

	m->cat = CAT_UNKNOWN;
	m->args = folded;
	m->area = -1;
	m->rest = folded;
	if ((c = router_kw_raw(conf, raw, rawlen)) != -1) {
		m->cat = (enum category)c;
		m->args = m->rest = folded + strlen(folded);
		return;
	}
	for (n = ROUTER_KW_WORDS; n >= 1; n--) {
		if ((after = router_join(folded, n, word, sizeof(word))) ==
		    NULL)
			continue;
		if ((c = router_kw_find(conf, word)) == -1)
			continue;
		/* "OK", "HUY" without a reference are ordinary words. */
		if (router_needs_ref((enum category)c)) {
			char	 ref[16];
			size_t	 i;

			if (router_join(after, 1, ref, sizeof(ref)) == NULL)
				continue;
			for (i = 0; ref[i] != '\0'; i++)
				if (ref[i] >= 'a' && ref[i] <= 'z')
					ref[i] -= 'a' - 'A';
			if (!ref_valid(ref, strlen(ref)))
				continue;
		}
		m->cat = (enum category)c;
		m->args = m->rest = after;
		break;
	}
	if (m->cat == CAT_UNKNOWN)
		return;
	if ((a = router_area(conf, m->args, &after)) != -1) {
		m->area = a;
		m->rest = after;
	}
}

int
router_area(const struct config *conf, const char *words,
    const char **after)
{
	char		 word[128];
	const char	*p;
	int		 n, a;

	for (n = ROUTER_AREA_WORDS; n >= 1; n--) {
		if ((p = router_join(words, n, word, sizeof(word))) == NULL)
			continue;
		if ((a = router_area_find(conf, word)) != -1) {
			*after = p;
			return a;
		}
	}
	*after = words;
	return -1;
}

void
router_template(const struct config *conf, enum tmpl t, const char *ref,
    char *out, size_t outlen)
{
	const char	*s = conf->templates[t], *p;
	size_t		 o = 0, n;

	while (*s != '\0' && o + 1 < outlen) {
		if ((p = strstr(s, "%REF%")) == NULL)
			p = s + strlen(s);
		n = (size_t)(p - s);
		if (n > outlen - 1 - o)
			n = outlen - 1 - o;
		memcpy(out + o, s, n);
		o += n;
		s += n;
		if (strncmp(s, "%REF%", 5) == 0) {
			n = strlen(ref);
			if (n > outlen - 1 - o)
				n = outlen - 1 - o;
			memcpy(out + o, ref, n);
			o += n;
			s += 5;
		}
	}
	out[o] = '\0';
}

static handler_fn
router_handler(enum category cat)
{
	size_t	 i;

	for (i = 0; i < sizeof(router_handlers) / sizeof(router_handlers[0]);
	    i++)
		if (router_handlers[i].cat == cat)
			return router_handlers[i].fn;
	/* Families not built yet answer with help; the text is kept. */
	return help_reply;
}

int
router_unmatched(struct intake *it)
{
	char	 ref[REF_MAX];
	int64_t	 id;

	it->m.cat = CAT_UNKNOWN;
	it->m.area = -1;
	id = store_report_recent(it->st, it->in->from,
	    it->now - it->conf->followup_window_s, ref);
	if (id == -1)
		return -1;
	if (id > 0) {
		it->m.cat = CAT_FOLLOWUP;
		it->report_id = id;
		util_strlcpy(it->ref, ref, sizeof(it->ref));
	}
	it->stored = it->m.cat;
	return router_handler(it->m.cat)(it);
}

/* 1 found (out filled), 0 not found, -1 error. */
static int
router_find(struct store *st, const struct inbound *in, struct outcome *out)
{
	int	 found;

	if ((found = store_message_find(st, in->provider, in->ext_id,
	    out)) == 1)
		out->duplicate = 1;
	return found;
}

static int
router_store_message(struct intake *it)
{
	const struct inbound	*in = it->in;
	struct message_row	 m;

	memset(&m, 0, sizeof(m));
	m.provider = in->provider;
	m.ext_id = in->ext_id;
	m.sender = in->from;
	m.recipient = in->to;
	m.body = in->text;
	m.bodylen = in->textlen;
	m.category = config_category_name(it->stored);
	m.report_id = it->report_id;
	m.reply = it->reply[0] ? it->reply : NULL;
	m.received_at = it->now;
	return store_message_add(it->st, &m);
}

/*
 * A provider that cannot answer in the HTTP reply (in->reply_via_outbox):
 * the reply to the resident becomes an outbox row, in the same savepoint.
 */
static int
router_reply_outbox(struct intake *it)
{
	struct outbox_row	 row;

	if (!it->in->reply_via_outbox || it->reply[0] == '\0')
		return 0;
	memset(&row, 0, sizeof(row));
	row.report_id = it->report_id;
	row.channel = "sms";
	row.event = "reply";
	row.dest = it->in->from;
	row.body = it->reply;
	return store_outbox_add(it->st, &row, it->now) == -1 ? -1 : 0;
}

static int
router_file(struct store *st, const struct config *conf,
    const struct inbound *in, struct outcome *out)
{
	struct intake	 it;
	char		*folded;
	int		 rc;

	memset(&it, 0, sizeof(it));
	it.conf = conf;
	it.st = st;
	it.in = in;
	it.now = util_now();
	folded = text_keyfold(in->text, in->textlen);
	if (in->routed) {
		it.m.cat = in->cat;
		it.m.area = in->area;
		it.m.args = it.m.rest = folded + strlen(folded);
	} else
		router_match(conf, in->text, in->textlen, folded, &it.m);
	if (it.m.cat == CAT_UNKNOWN)
		rc = router_unmatched(&it);
	else {
		it.stored = it.m.cat;
		rc = router_handler(it.m.cat)(&it);
	}
	free(folded);
	if (rc == -1 || router_store_message(&it) == -1 ||
	    router_reply_outbox(&it) == -1)
		return -1;
	util_strlcpy(out->ref, it.ref, sizeof(out->ref));
	util_strlcpy(out->reply, it.reply, sizeof(out->reply));
	out->new_report = it.new_report;
	return 0;
}

int
router_receive(struct store *st, const struct config *conf,
    const struct inbound *in, struct outcome *out)
{
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (store_begin(st) == -1 || store_savepoint(st) == -1)
		return -1;
	if ((rc = router_find(st, in, out)) == 0)
		rc = router_file(st, conf, in, out);
	if (rc == -1) {
		store_rollback_to(st);
		return -1;
	}
	return store_release(st);
}
