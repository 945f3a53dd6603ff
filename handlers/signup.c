/*
 * signup.c: the yearly campaign (SPEC §4, §6, §7). DANGKY/DK/THAMGIA/JOIN
 * [CODE] subscribes the sender to the running (or named) campaign, HUYDK/
 * TUCHOI/STOP stops every campaign message to the sender (never alerts),
 * and signup_broadcast() queues one outbox SMS per live subscriber (of
 * one commune of a city, or of all). A subscription carries the commune
 * of its message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "handlers.h"

#define SIGNUP_CODE_MAX		16	/* config_check_code's limit */

const struct campaign *
signup_campaign(const struct config *conf, const char *code, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SIGNUP_CODE_MAX)
		return NULL;
	for (i = 0; i < conf->ncampaigns; i++)
		if (strlen(conf->campaigns[i].code) == len &&
		    strncasecmp(conf->campaigns[i].code, code, len) == 0)
			return &conf->campaigns[i];
	return NULL;
}

/* Today's date in the commune, YYYY-MM-DD. */
int
signup_date(const char *tz, int64_t now, char out[11])
{
	int	 y, m, d;

	if (tz_date(tz, now, &y, &m, &d) == -1)
		return -1;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return 0;
}

const struct campaign *
signup_active(const struct config *conf, int64_t now)
{
	char	 today[11];
	size_t	 i;

	if (conf->ncampaigns == 0 || signup_date(conf->timezone, now,
	    today) == -1)
		return NULL;
	/* YYYY-MM-DD compares as a string; start..end both inclusive. */
	for (i = 0; i < conf->ncampaigns; i++)
		if (strcmp(conf->campaigns[i].start, today) <= 0 &&
		    strcmp(today, conf->campaigns[i].end) <= 0)
			return &conf->campaigns[i];
	return NULL;
}

/* Whether campaign c ended before today (a code may name one that is not
 * yet running: joining early is joining). */
static int
signup_ended(const struct config *conf, const struct campaign *c, int64_t now)
{
	char	 today[11];

	return signup_date(conf->timezone, now, today) == 0 &&
	    strcmp(c->end, today) < 0;
}

/*
 * Words a resident writes after the keyword that name nothing: "Dang ky
 * tham gia", "dang ky nhan tin", "DK de nhan tin chuong trinh" are
 * signups to the running campaign, not a wrong code (folded forms).
 */
static const char *const signup_filler[] = { "tham", "gia", "nhan", "tin",
    "chuong", "trinh", "de", "cho", "toi", "em", "minh", "voi", "xin", "ok" };

/* s past the filler words at its start. */
static const char *
signup_skip_filler(const char *s)
{
	char		 word[16];
	const char	*next;
	size_t		 i;

	while ((next = text_words(s, 1, word, sizeof(word))) != NULL) {
		for (i = 0; i < sizeof(signup_filler) /
		    sizeof(signup_filler[0]); i++)
			if (strcmp(word, signup_filler[i]) == 0)
				break;
		if (i == sizeof(signup_filler) / sizeof(signup_filler[0]))
			break;
		s = next;
	}
	return s;
}

/*
 * DK [CODE] [AREA]: after any filler words, the first word names the
 * campaign, and an area may follow it ("DK THD thon 2"); a word that is
 * an area instead ("DK thon 3") is kept as the subscriber's area and the
 * running campaign is meant. Any other word is a wrong code.
 */
static int
signup_join(struct intake *it)
{
	const struct config	*conf = it->conf;
	const struct campaign	*c;
	const char		*s, *after;
	struct subscription	 sub;
	size_t			 n;
	int			 a;
	char			 masked[PHONE_MAX], word[32];

	it->stored = CAT_SIGNUP;
	s = signup_skip_filler(it->m.args);
	n = strcspn(s, " ");
	if ((c = signup_campaign(conf, s, n)) != NULL)
		s = text_words(s, 1, word, sizeof(word));
	a = area_find(conf, s != NULL ? s : "", &after);
	if (c == NULL && n > 0 && a < 0) {
		template_render(conf, TMPL_SIGNUP_UNKNOWN, "", it->reply,
		    sizeof(it->reply));
		return 0;
	}
	if (c != NULL && signup_ended(conf, c, it->now))
		c = NULL;	/* over: as if none were named or open */
	else if (c == NULL)
		c = signup_active(conf, it->now);
	if (c == NULL) {
		template_render(conf, TMPL_SIGNUP_NONE, "", it->reply,
		    sizeof(it->reply));
		return 0;
	}
	memset(&sub, 0, sizeof(sub));
	sub.phone = it->in->from;
	sub.campaign = c->code;
	sub.area = a >= 0 ? conf->areas[a].code : NULL;
	sub.source = it->in->source != NULL ? it->in->source : "sms";
	sub.at = it->now;
	sub.commune = conf->scope;	/* a city's: the message's commune */
	if (store_sub_add(it->st, &sub) == -1)
		return -1;
	log_debug("signup: %s joined campaign %s", phone_mask(it->in->from,
	    masked), c->code);
	template_render(conf, TMPL_SIGNUP, "", it->reply, sizeof(it->reply));
	return 0;
}

/* HUYDK/TUCHOI/STOP: every campaign of the number; alerts are untouched. */
static int
signup_optout(struct intake *it)
{
	char	 masked[PHONE_MAX];

	it->stored = CAT_OPTOUT;
	if (store_sub_optout(it->st, it->in->from, it->now) == -1)
		return -1;
	log_debug("signup: %s opted out", phone_mask(it->in->from, masked));
	template_render(it->conf, TMPL_OPTOUT, "", it->reply,
	    sizeof(it->reply));
	return 0;
}

/* The broadcast text: GSM-7, not blank, within the segment limit. */
char *
signup_broadcast_text(const char *text, char *err, size_t errlen)
{
	struct text_seg	 seg;
	char		*body;

	body = text_gsm7(text, strlen(text), SIZE_MAX);
	if (body[strspn(body, " \t\r\n")] == '\0') {
		snprintf(err, errlen, "the text is empty");
		free(body);
		return NULL;
	}
	text_segments(body, strlen(body), &seg);
	if (seg.segments > SIGNUP_BROADCAST_SEGMENTS) {
		snprintf(err, errlen, "the text is %zu SMS segments (%zu GSM-7 "
		    "characters once folded); at most %d segments (%d "
		    "characters) are allowed", seg.segments, seg.units,
		    SIGNUP_BROADCAST_SEGMENTS, SIGNUP_BROADCAST_SEGMENTS * 153);
		free(body);
		return NULL;
	}
	return body;
}

/*
 * One batch, in its own transaction: the page of live subscribers after
 * *last is read inside it, so an opt-out is either before (skipped) or
 * after (sent) but never half-way; how far the run got is written with
 * its rows (a run cut short resumes there). Returns rows queued (0:
 * done, and the run is marked ended), or -1.
 */
static int64_t
signup_batch(struct store *st, const char *code, const char *commune,
    const char *body, size_t batch, int64_t *last)
{
	char			 key[SIGNUP_RUN_KEY_MAX];
	struct sub_live		*page;
	struct outbox_row	 row;
	int64_t			 now = util_sched_now();
	int			 n, i;

	if (store_begin(st) == -1)
		return -1;
	page = xcalloc(batch, sizeof(*page));
	if ((n = store_sub_page(st, code, commune, *last, page, batch)) == -1)
		goto fail;
	memset(&row, 0, sizeof(row));
	row.channel = "sms";
	row.event = "broadcast";
	row.body = body;
	for (i = 0; i < n; i++) {
		row.dest = page[i].phone;
		if (store_outbox_add(st, &row, now) == -1)
			goto fail;
	}
	signup_run_key(code, commune, key);
	if (store_broadcast_mark(st, key, body, n > 0 ? page[n - 1].id :
	    *last, n == 0) == -1)
		goto fail;
	if (store_commit(st) == -1) {
		free(page);
		return -1;
	}
	if (n > 0)
		*last = page[n - 1].id;
	free(page);
	return (int64_t)n;
fail:
	free(page);
	store_rollback(st);
	return -1;
}

const struct campaign *
signup_broadcast_campaign(const struct config *conf, const char *code,
    const char *commune)
{
	const struct campaign	*c;
	size_t			 i;

	if (commune != NULL) {
		if (config_commune(conf, commune) == NULL)
			return NULL;
		conf = config_scoped(conf, commune);
	}
	if ((c = signup_campaign(conf, code, strlen(code))) != NULL ||
	    commune != NULL)
		return c;
	/* A campaign of one commune only: its subscribers, wherever. */
	for (i = 0; i < conf->ncommunes && c == NULL; i++)
		c = signup_campaign(conf->communes[i].cf, code, strlen(code));
	return c;
}

void
signup_run_key(const char *code, const char *commune,
    char key[SIGNUP_RUN_KEY_MAX])
{
	/* '/' is in no code (config.c: letters and digits): a run to one
	 * commune never meets the run to all, nor another commune's. */
	if (commune != NULL)
		snprintf(key, SIGNUP_RUN_KEY_MAX, "%s/%s", code, commune);
	else
		snprintf(key, SIGNUP_RUN_KEY_MAX, "%s", code);
}

int64_t
signup_broadcast(struct store *st, const struct config *conf,
    const char *code, const char *commune, const char *text, int64_t after,
    size_t batch, signup_progress_fn progress, void *arg, char *err,
    size_t errlen)
{
	const struct campaign	*c;
	const struct commune	*cm = NULL;
	char			*body;
	int64_t			 total, done = 0, n, last = after;

	if (commune != NULL && (cm = config_commune(conf, commune)) == NULL) {
		snprintf(err, errlen, "no commune '%s' in the config",
		    commune);
		return -1;
	}
	if ((c = signup_broadcast_campaign(conf, code, commune)) == NULL) {
		snprintf(err, errlen, "no campaign '%s' in the config%s%s",
		    code, cm != NULL ? " of commune " : "",
		    cm != NULL ? cm->code : "");
		return -1;
	}
	/* Subscriptions carry the commune's code as the config spells it. */
	commune = cm != NULL ? cm->code : NULL;
	if ((body = signup_broadcast_text(text, err, errlen)) == NULL)
		return -1;
	if (batch == 0)
		batch = 1;
	if ((total = store_sub_count(st, c->code, commune, after)) == -1) {
		snprintf(err, errlen, "database: %s", store_errmsg(st));
		free(body);
		return -1;
	}
	while ((n = signup_batch(st, c->code, commune, body, batch,
	    &last)) > 0) {
		done += n;
		if (done > total)	/* signups while we run */
			total = done;
		if (progress != NULL)
			progress((size_t)done, (size_t)total, arg);
	}
	free(body);
	if (n == -1) {
		snprintf(err, errlen, "database: %s (%lld of %lld queued "
		    "before the error)", store_errmsg(st), (long long)done,
		    (long long)total);
		return -1;
	}
	return done;
}

const struct family signup_join_family = {
	.cat = CAT_SIGNUP, .name = "signup",
	.keywords = { "DANGKY", "DK", "THAMGIA", "JOIN" },
	.who = WHO_ANYONE, .fn = signup_join,
};
const struct family signup_optout_family = {
	.cat = CAT_OPTOUT, .name = "optout",
	.keywords = { "HUYDK", "HUYDANGKY", "TUCHOI", "STOP" },
	.who = WHO_ANYONE, .fn = signup_optout,
};
