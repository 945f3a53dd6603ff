/*
 * review.c: nothing a resident sends waits unseen (SPEC §4). Once the
 * first text of the review list nobody was told of is due (review.every_s
 * after it came), every such text goes to the contacts of the review.to
 * roles, several to a message: by SMS `XEM 3 tin: #17 ..678 "em bi..." ;
 * #18 ...`, each message at most two segments; by webhook one event
 * inbox.review with its items. Each text is marked told in the batch that
 * holds the outbox rows, so it is told once, across restarts and kill -9.
 * A city's texts go to the reviewers of their own commune (SPEC §11).
 * No event loop here: the daemon's housekeeping tick calls review_due().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core.h"
#include "../store/store.h"

#define REVIEW_SMS_SEGMENTS	2
#define REVIEW_SMS_CHARS	40	/* of each text, by SMS */
#define REVIEW_HOOK_CHARS	160	/* of each text, by webhook */
#define REVIEW_HOWTO		". Tra loi DUYET so [thon] hoac BO so"

struct review_ctx {
	struct store		*st;
	int64_t			 now;
	char			**sms;		/* the SMS bodies */
	size_t			 nsms;
	char			*hook;		/* the webhook body */
	int			 rows;		/* outbox rows written */
	int			 failed;
	const char		*only;		/* only contacts of this
						   commune (NULL: any) */
};

/*
 * The beginning of text as a reviewer may see it: controls and invisible
 * characters screened, GSM-7 if gsm, every phone number masked, spaces
 * collapsed, double quotes made single (the SMS quotes each text), cut
 * to max characters with "..." if longer. Returns malloc'd.
 */
static char *
review_begin(const char *text, size_t max, int gsm)
{
	char	*shown, *folded, *masked, *out;
	size_t	 i, o, chars = 0;
	int	 space = 1;

	shown = text_screen(text, strlen(text));
	folded = gsm ? text_gsm7(shown, strlen(shown), SIZE_MAX) :
	    xstrdup(shown);
	masked = phone_mask_text(folded, strlen(folded));
	out = xmalloc(strlen(masked) + 4);
	for (i = o = 0; masked[i] != '\0'; i++) {
		if (masked[i] == ' ' && space)
			continue;
		if ((masked[i] & 0xc0) != 0x80 && chars++ == max) {
			while (o > 0 && out[o - 1] == ' ')
				o--;
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		space = masked[i] == ' ';
		out[o++] = masked[i] == '"' ? '\'' : masked[i];
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	free(shown);
	free(folded);
	free(masked);
	return out;
}

/* "..678": the sender's last 3 digits. */
static void
review_last3(const char *sender, char out[8])
{
	size_t	 n = strlen(sender);

	snprintf(out, 8, "..%s", n >= 3 ? sender + n - 3 : "");
}

/* "XEM k tin: " and items[0..k) and the how-to, malloc'd. */
static char *
review_sms_join(char **items, size_t k)
{
	size_t	 i, len, o;
	char	*s;

	len = 32 + sizeof(REVIEW_HOWTO);
	for (i = 0; i < k; i++)
		len += strlen(items[i]) + 3;
	s = xmalloc(len);
	o = (size_t)snprintf(s, len, "XEM %zu tin: ", k);
	for (i = 0; i < k; i++)
		o += (size_t)snprintf(s + o, len - o, "%s%s", i > 0 ? " ; " :
		    "", items[i]);
	snprintf(s + o, len - o, "%s", REVIEW_HOWTO);
	return s;
}

/* The SMS bodies: as many items to each as two segments hold. */
static void
review_sms(struct review_ctx *r, const struct review_item *v, int n)
{
	struct text_seg	 seg;
	char		**items, *begin, last3[8], *msg, *more;
	size_t		 i, k;

	items = xcalloc((size_t)n, sizeof(*items));
	for (i = 0; i < (size_t)n; i++) {
		begin = review_begin(v[i].text, REVIEW_SMS_CHARS, 1);
		review_last3(v[i].sender, last3);
		items[i] = xasprintf("#%lld %s \"%s\"", (long long)v[i].id,
		    last3, begin);
		free(begin);
	}
	r->sms = xcalloc((size_t)n, sizeof(*r->sms));
	for (i = 0; i < (size_t)n; i += k) {
		msg = review_sms_join(items + i, 1);
		for (k = 1; i + k < (size_t)n; k++) {
			more = review_sms_join(items + i, k + 1);
			text_segments(more, strlen(more), &seg);
			if (seg.segments > REVIEW_SMS_SEGMENTS) {
				free(more);
				break;
			}
			free(msg);
			msg = more;
		}
		r->sms[r->nsms++] = msg;
	}
	for (i = 0; i < (size_t)n; i++)
		free(items[i]);
	free(items);
}

/* The webhook body: {"event":"inbox.review","items":[{"id","from",
 * "text"}]}. */
static void
review_hook(struct review_ctx *r, const struct review_item *v, int n)
{
	cJSON	*o, *items, *it;
	char	*begin, last3[8];
	int	 i;

	if ((o = cJSON_CreateObject()) == NULL ||
	    (items = cJSON_CreateArray()) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_AddStringToObject(o, "event", "inbox.review");
	cJSON_AddItemToObject(o, "items", items);
	for (i = 0; i < n; i++) {
		if ((it = cJSON_CreateObject()) == NULL)
			fatalx("%s: out of memory", __func__);
		begin = review_begin(v[i].text, REVIEW_HOOK_CHARS, 0);
		review_last3(v[i].sender, last3);
		cJSON_AddNumberToObject(it, "id", (double)v[i].id);
		cJSON_AddStringToObject(it, "from", last3);
		cJSON_AddStringToObject(it, "text", begin);
		cJSON_AddItemToArray(items, it);
		free(begin);
	}
	if ((r->hook = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_Delete(o);
}

/* One contact of a review.to role: its outbox rows. */
static int
review_contact(const struct contact *c, void *arg)
{
	struct review_ctx	*r = arg;
	struct outbox_row	 row;
	size_t			 i;
	int			 webhook;

	/* A commune's texts: its own reviewers first (store_contacts_for
	 * gives the city-level ones with them). */
	if (r->only != NULL && strcmp(c->commune != NULL ? c->commune : "",
	    r->only) != 0)
		return 0;
	webhook = strcmp(c->channel, "webhook") == 0;
	if (webhook && (c->url == NULL || c->url[0] == '\0'))
		return 0;
	memset(&row, 0, sizeof(row));
	row.contact_id = c->id;
	row.channel = webhook ? "webhook" : "sms";
	row.event = "inbox.review";
	row.dest = webhook ? c->url : c->phone;
	for (i = 0; i < (webhook ? 1 : r->nsms); i++) {
		row.body = webhook ? r->hook : r->sms[i];
		if (store_outbox_add(r->st, &row, r->now) == -1)
			return -1;
		r->rows++;
	}
	return 0;
}

/*
 * Whose texts a text is, for review (SPEC §11): a commune's code, or ""
 * the city's own level (its "*", a text from before its communes, one of
 * a commune no longer in the config) and the whole of a config without
 * communes.
 */
static const char *
review_group(const struct config *conf, const char *commune)
{
	const struct commune	*cm = config_commune(conf, commune);

	return cm != NULL ? cm->code : "";
}

/* The contacts of conf's review.to roles in commune (NULL: "" and "*"
 * both), only those of only (NULL: all it gives), through r. */
static int
review_tell(struct review_ctx *r, const struct config *conf,
    const char *commune, const char *only)
{
	size_t	 i;
	int	 rc = 0;

	r->only = only;
	for (i = 0; i < conf->review.to.n && rc != -1; i++)
		rc = store_contacts_for(r->st, conf->review.to.v[i], NULL,
		    commune, review_contact, r);
	return rc;
}

/*
 * The texts v[0..n) of one group: to its commune's review.to contacts,
 * never to another commune's; a commune none of whose contacts holds
 * those roles is told of through the city's own (city-level) ones, so
 * that nothing waits unseen. Each marked told, or due again after
 * every_s if nobody could be told. 0, or -1.
 */
static int
review_group_due(struct store *st, const struct config *conf,
    const char *group, const struct review_item *v, int n, int64_t now)
{
	const struct config	*cf = config_scoped(conf, group);
	struct review_ctx	 r;
	int64_t			 again;
	size_t			 i;
	int			 k, rc;

	memset(&r, 0, sizeof(r));
	r.st = st;
	r.now = now;
	review_sms(&r, v, n);
	review_hook(&r, v, n);
	if (group[0] == '\0')
		rc = review_tell(&r, cf, "", NULL);
	else if ((rc = review_tell(&r, cf, group, group)) != -1 &&
	    r.rows == 0)
		rc = review_tell(&r, conf, "", NULL);
	/* Nobody to tell: said loudly, and tried again after every_s. */
	again = r.rows == 0 ? now + cf->review.every_s : 0;
	for (k = 0; k < n && rc != -1; k++)
		rc = store_review_told(st, v[k].id, again);
	if (rc != -1 && r.rows == 0)
		log_warnx("review: %d texts%s%s wait for review and no "
		    "contact of the review.to roles can be told; NOBODY TOLD",
		    n, group[0] ? " of commune " : "", group);
	else if (rc != -1)
		log_info("review: %d texts%s%s of the review list sent for "
		    "review (%d messages)", n, group[0] ? " of commune " : "",
		    group, r.rows);
	for (i = 0; i < r.nsms; i++)
		free(r.sms[i]);
	free(r.sms);
	free(r.hook);
	return rc == -1 ? -1 : 0;
}

int
review_due(struct store *st, const struct config *conf, int64_t now)
{
	struct review_item	 v[REVIEW_BATCH], g[REVIEW_BATCH];
	const char		*group;
	int64_t			 first;
	int			 n, i, j, k, rc = 0;
	unsigned char		 done[REVIEW_BATCH];

	if ((rc = store_review_first(st, &first)) <= 0 || first > now)
		return rc == -1 ? -1 : 0;
	/* All of it or none: a savepoint of its own in the batch. */
	if (store_begin(st) == -1 || store_savepoint(st) == -1)
		return -1;
	if ((n = store_review_items(st, v, REVIEW_BATCH)) <= 0) {
		if (n == -1)
			store_rollback_to(st);
		return n == -1 || store_release(st) == -1 ? -1 : 0;
	}
	/* One digest per commune, in the order their first texts came. */
	memset(done, 0, sizeof(done));
	for (i = 0; i < n && rc != -1; i++) {
		if (done[i])
			continue;
		group = review_group(conf, v[i].commune);
		for (j = i, k = 0; j < n; j++)
			if (!done[j] && strcmp(review_group(conf,
			    v[j].commune), group) == 0) {
				g[k++] = v[j];	/* borrows its text */
				done[j] = 1;
			}
		rc = review_group_due(st, conf, group, g, k, now);
	}
	store_review_items_clear(v, n);
	if (rc == -1) {
		store_rollback_to(st);
		return -1;
	}
	return store_release(st) == -1 ? -1 : n;
}
