/*
 * router.c: from a decoded inbound message to a keyword family. The index
 * (router_new) holds every family's keywords as configured, folded, in
 * sorted order; a text is folded, its keyword matched (one to four words,
 * spaces ignored, longest first) and its area, the family's who_may is
 * checked and its handler run, and the message, its outcome and the
 * handler's writes are kept in one savepoint of the store's batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "../store/store.h"
#include "../handlers/handlers.h"

#define ROUTER_KW_WORDS		4

/* One configured keyword, folded without spaces. */
struct router_kw {
	char			*fold;	/* "" for punctuation only ("?") */
	const char		*raw;	/* as configured (borrowed) */
	const struct family	*family;
};

struct router {
	const struct config	*conf;	/* borrowed; outlives the router */
	struct router_kw	*kw;	/* sorted by fold, "" ones first */
	size_t			 nkw;
	size_t			 npunct;	/* how many "" ones */
	struct plea		*plea;	/* pleas without keyword (plea.c) */
};

/*
 * Who may use a family (SPEC §6, §6a). Anyone else's text is taken exactly
 * as one without keyword (router_unmatched): a stranger's NHAN or XONG
 * changes nothing, TK reveals nothing, and what only looked like a
 * keyword and a REF is still heard: "Huy đánh tôi" is a plea, "ok dang
 * chay" a reporter's follow-up. The handlers of NHAN, XONG and HUY do the
 * same with a REF that names no report, or one that is not the sender's.
 */
static const struct {
	int		 contact;	/* the sender must be a contact */
	int		 official;	/* of an officials role */
} router_who[] = {	/* index: enum family_who */
	[WHO_ANYONE] =		{ 0, 0 },
	[WHO_CONTACT] =		{ 1, 0 },
	[WHO_OFFICIAL] =	{ 1, 1 },
};

static int
router_kw_cmp(const void *a, const void *b)
{
	const struct router_kw	*x = a, *y = b;

	return strcmp(x->fold, y->fold);
}

struct router *
router_new(const struct config *conf)
{
	struct router		*rt = xcalloc(1, sizeof(*rt));
	const struct family *const *fam;
	const struct strlist	*kw;
	size_t			 nfam, f, i, n = 0;

	fam = family_all(&nfam);
	for (f = 0; f < nfam; f++)
		n += conf->keywords[fam[f]->cat].n;
	rt->conf = conf;
	rt->kw = xcalloc(n ? n : 1, sizeof(*rt->kw));
	for (f = 0; f < nfam; f++) {
		kw = &conf->keywords[fam[f]->cat];
		for (i = 0; i < kw->n; i++) {
			rt->kw[rt->nkw].fold = text_keyfold_compact(kw->v[i]);
			rt->kw[rt->nkw].raw = kw->v[i];
			rt->kw[rt->nkw].family = fam[f];
			if (rt->kw[rt->nkw].fold[0] == '\0')
				rt->npunct++;
			rt->nkw++;
		}
	}
	/* config.c made sure no fold belongs to two families. */
	qsort(rt->kw, rt->nkw, sizeof(*rt->kw), router_kw_cmp);
	rt->plea = plea_new(&conf->distress, &conf->not_distress);
	return rt;
}

void
router_free(struct router *rt)
{
	size_t	 i;

	if (rt == NULL)
		return;
	for (i = 0; i < rt->nkw; i++)
		free(rt->kw[i].fold);
	free(rt->kw);
	plea_free(rt->plea);
	free(rt);
}

/* The family whose folded keyword is word, or NULL. */
static const struct family *
router_kw_find(const struct router *rt, const char *word)
{
	struct router_kw	 key, *k;

	key.fold = (char *)(uintptr_t)word;
	k = bsearch(&key, rt->kw + rt->npunct, rt->nkw - rt->npunct,
	    sizeof(*rt->kw), router_kw_cmp);
	return k != NULL ? k->family : NULL;
}

/* A keyword made only of punctuation ("?") matches the whole raw text. */
static const struct family *
router_kw_raw(const struct router *rt, const char *raw, size_t rawlen)
{
	size_t	 i, b = 0, e = rawlen;

	while (b < e && (raw[b] == ' ' || raw[b] == '\t' || raw[b] == '\n'))
		b++;
	while (e > b && (raw[e - 1] == ' ' || raw[e - 1] == '\t' ||
	    raw[e - 1] == '\n' || raw[e - 1] == '\r'))
		e--;
	for (i = 0; i < rt->npunct; i++)
		if (strlen(rt->kw[i].raw) == e - b &&
		    memcmp(rt->kw[i].raw, raw + b, e - b) == 0)
			return rt->kw[i].family;
	return NULL;
}

/* Whether the word after the keyword looks like a REF. */
static int
router_has_ref(const char *after)
{
	char	 ref[16];
	size_t	 i;

	if (text_words(after, 1, ref, sizeof(ref)) == NULL)
		return 0;
	for (i = 0; ref[i] != '\0'; i++)
		if (ref[i] >= 'a' && ref[i] <= 'z')
			ref[i] -= 'a' - 'A';
	return ref_valid(ref, strlen(ref));
}

/*
 * The area of a keyword's words (SPEC §4): the first words after it that
 * name one; else, for a report, the first area named anywhere in them
 * ("BL chong danh em o thon 3"), its words after it left as they are.
 */
static void
router_area(const struct config *conf, struct route_match *m)
{
	const char	*after;
	int		 a;

	if ((a = area_find(conf, m->args, &after)) != -1) {
		m->area = a;
		m->rest = after;
	} else if ((m->cat == CAT_GBV || m->cat == CAT_SHELTER) &&
	    (a = area_anywhere(conf, m->args)) != -1)
		m->area = a;
}

void
router_match(const struct router *rt, const char *raw, size_t rawlen,
    const char *folded, struct route_match *m)
{
	const struct family	*f;
	char			 word[128];
	const char		*after;
	int			 n;

	m->cat = CAT_UNKNOWN;
	m->args = folded;
	m->area = -1;
	m->rest = folded;
	if ((f = router_kw_raw(rt, raw, rawlen)) != NULL) {
		m->cat = f->cat;
		m->args = m->rest = folded + strlen(folded);
		return;
	}
	for (n = ROUTER_KW_WORDS; n >= 1; n--) {
		if ((after = text_words(folded, n, word, sizeof(word))) ==
		    NULL)
			continue;
		if ((f = router_kw_find(rt, word)) == NULL)
			continue;
		/* "OK", "HUY" without a reference are ordinary words. */
		if (f->needs_ref && !router_has_ref(after))
			continue;
		m->cat = f->cat;
		m->args = m->rest = after;
		break;
	}
	/* A city's hamlets are its communes': router_commune() finds them
	 * once it knows the commune, and only among that commune's. */
	if (m->cat == CAT_UNKNOWN || rt->conf->ncommunes > 0)
		return;
	router_area(rt->conf, m);
}

/*
 * A keyword that only asks for something (HELP, DK, STOP) followed by a
 * plea ("help chồng đánh em") is taken as a text without keyword: the
 * plea wins over the help text or the signup.
 */
static const enum category router_yields[] = {
	CAT_HELP, CAT_SIGNUP, CAT_OPTOUT,
};

static void
router_plea_first(const struct router *rt, const struct inbound *in,
    struct route_match *m)
{
	size_t	 i;

	if (m->args[0] == '\0')
		return;
	for (i = 0; i < sizeof(router_yields) / sizeof(router_yields[0]); i++)
		if (m->cat == router_yields[i] &&
		    plea_match(rt->plea, in->text, in->textlen)) {
			m->cat = CAT_UNKNOWN;
			m->area = -1;
			return;
		}
}

/*
 * Answer it exactly as a text with no keyword, with the first area it
 * names: a plea (plea.c: told in the resident's own words) as a BL
 * report (SPEC §4);
 * anything else is the unknown family's, which finds what the number
 * has (a young open report: a follow-up; one closed not long ago: a new
 * report naming it) without the reply ever showing it (alert.c).
 */
static int
router_unmatched(const struct router *rt, struct intake *it)
{
	it->m.cat = CAT_UNKNOWN;
	it->m.area = area_anywhere(it->conf, it->folded);
	if (plea_match(rt->plea, it->in->text, it->in->textlen))
		it->m.cat = CAT_GBV;
	it->stored = it->m.cat;
	return family_of(it->m.cat)->fn(it);
}

/*
 * Run the family of it->m.cat if the sender may use it; else what its
 * who_may says. The sender's contact row is looked up only for families
 * that need it.
 */
static int
router_dispatch(const struct router *rt, struct intake *it)
{
	const struct family	*f = family_of(it->m.cat);
	const struct config	*placed = it->conf;
	size_t			 w;
	int			 ok = 1, rc;

	if (f == NULL || f->fn == NULL)
		return help_reply(it);
	if ((w = (size_t)f->who) >= sizeof(router_who) / sizeof(router_who[0]))
		return -1;
	if (router_who[w].contact) {
		if ((ok = store_contact_get(it->st, it->in->from,
		    &it->contact)) == -1)
			return -1;
		/* A contact acts in its own commune (a city-level one in the
		 * city's), whatever number it texted. */
		if (ok && it->city != NULL)
			it->conf = config_scoped(it->city,
			    it->contact.commune);
		if (ok && router_who[w].official)
			ok = family_official(it->conf, it->contact.role);
	}
	if (!ok) {
		memset(&it->contact, 0, sizeof(it->contact));
		return router_unmatched(rt, it);
	}
	it->stored = it->m.cat;
	/* Refused as from a stranger: in the commune a stranger's text
	 * would be in, not the contact's. */
	if ((rc = f->fn(it)) == HANDLER_UNMATCHED) {
		it->conf = placed;
		return router_unmatched(rt, it);
	}
	return rc;
}

/*
 * A city's message (SPEC §11): the commune it is for, in this order: the
 * number it was sent to, a commune its text names (before the hamlet:
 * "BL Tinh Chau thon 3"), the commune of the sender's open or recent
 * report; else the city's top level, whose roles and review get it.
 * Its areas are then the commune's. A USSD session's is the one its menu
 * chose. 0, or -1.
 */
static int
router_commune(struct intake *it)
{
	const struct config	*city = it->city;
	const struct commune	*cm;
	const char		*after;
	char			 code[COMMUNE_MAX];
	int64_t			 window;
	int			 found;

	/* A decided route (USSD) is the menu's: its area is an index into
	 * the areas it showed, so nothing else may move it. */
	if (it->in->routed) {
		cm = it->in->commune != NULL ? config_commune(city,
		    it->in->commune) : commune_of_number(city, it->in->to);
		it->conf = cm != NULL ? cm->cf : city;
		return 0;
	}
	if ((cm = commune_of_number(city, it->in->to)) == NULL &&
	    (cm = commune_find(city, it->m.args, &after)) != NULL) {
		it->m.args = it->m.rest = after;
		it->named = cm;
	}
	if (cm == NULL)
		cm = commune_anywhere(city, it->folded);
	if (cm == NULL && it->in->from[0] != '\0') {
		window = city->followup_window_s > city->reopen_window_s ?
		    city->followup_window_s : city->reopen_window_s;
		if ((found = store_report_commune_of(it->st, it->in->from,
		    it->now - window, code)) == -1)
			return -1;
		if (found)
			cm = config_commune(city, code);
	}
	it->conf = cm != NULL ? cm->cf : city;
	if (it->m.cat != CAT_UNKNOWN) {
		it->m.area = -1;
		it->m.rest = it->m.args;
		router_area(it->conf, &it->m);
	}
	return 0;
}

/* Whether it is a resident's text of a city whose commune nobody told. */
static int
router_unplaced(const struct intake *it)
{
	return it->city != NULL && it->conf == it->city &&
	    it->contact.id == 0;
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
	m.body = it->stored_text != NULL ? it->stored_text : in->text;
	m.bodylen = it->stored_text != NULL ? strlen(it->stored_text) :
	    in->textlen;
	m.category = family_of(it->stored)->name;
	m.report_id = it->report_id;
	m.reply = it->reply[0] ? it->reply : NULL;
	m.received_at = it->now;
	m.commune = it->conf->scope;
	/* Nothing waits unseen (SPEC §4): review.to hears of it by then;
	 * nor does a city's text whose commune nobody told (SPEC §11). */
	if (it->stored == CAT_UNKNOWN || router_unplaced(it))
		m.review_at = util_sched_now() + it->conf->review.every_s;
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
	row.via = it->in->reply_via;
	/* Outbox times are scheduling seconds, never the wall clock. */
	return store_outbox_add(it->st, &row, util_sched_now()) == -1 ? -1 :
	    0;
}

/*
 * A text that is not valid UTF-8 (a provider's stray byte) as UTF-8, each
 * bad sequence U+FFFD: stored so, it never breaks what reads it back
 * (tincayctl's JSON, the review list). NULL if it is valid. malloc'd.
 */
static char *
router_repaired(const struct inbound *in)
{
	return text_utf8_valid(in->text, in->textlen) ? NULL :
	    text_utf8(in->text, in->textlen);
}

static int
router_file(const struct router *rt, struct store *st,
    const struct inbound *in, struct outcome *out)
{
	struct intake	 it;
	struct inbound	 fixed;
	char		*folded, *repaired;
	int		 rc;

	if ((repaired = router_repaired(in)) != NULL) {
		fixed = *in;
		fixed.text = repaired;
		fixed.textlen = strlen(repaired);
		in = &fixed;
	}
	memset(&it, 0, sizeof(it));
	it.conf = rt->conf;
	it.st = st;
	it.in = in;
	it.now = util_now();
	folded = text_keyfold(in->text, in->textlen);
	it.folded = folded;
	if (in->routed) {
		it.m.cat = in->cat;
		it.m.area = in->area;
		it.m.args = it.m.rest = folded + strlen(folded);
	} else {
		router_match(rt, in->text, in->textlen, folded, &it.m);
		router_plea_first(rt, in, &it.m);
	}
	if (rt->conf->ncommunes > 0) {
		it.city = rt->conf;
		if (router_commune(&it) == -1) {
			free(folded);
			free(repaired);
			return -1;
		}
	}
	if (it.m.cat == CAT_UNKNOWN)
		rc = router_unmatched(rt, &it);
	else
		rc = router_dispatch(rt, &it);
	if (rc != -1)
		rc = stats_keep_no_pin(&it);
	/* A city's report whose commune nobody told: ask, in one line. */
	if (rc != -1 && router_unplaced(&it) && it.new_report)
		template_render(it.conf, TMPL_RECEIVED_WHERE, it.ref,
		    it.reply, sizeof(it.reply));
	free(folded);
	if (rc == -1 || router_store_message(&it) == -1 ||
	    router_reply_outbox(&it) == -1) {
		free(it.stored_text);
		free(repaired);
		return -1;
	}
	free(it.stored_text);
	free(repaired);
	util_strlcpy(out->ref, it.ref, sizeof(out->ref));
	util_strlcpy(out->reply, it.reply, sizeof(out->reply));
	out->new_report = it.new_report;
	return 0;
}

int
router_receive(const struct router *rt, struct store *st,
    const struct inbound *in, struct outcome *out)
{
	int		 rc;

	memset(out, 0, sizeof(*out));
	if (store_begin(st) == -1 || store_savepoint(st) == -1)
		return -1;
	if ((rc = router_find(st, in, out)) == 0)
		rc = router_file(rt, st, in, out);
	if (rc == -1) {
		store_rollback_to(st);
		return -1;
	}
	return store_release(st);
}
