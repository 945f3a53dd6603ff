/*
 * review.c: a reviewer answers the review list by SMS (SPEC §4).
 *   DUYET ID [AREA]  text ID is filed as a gbv report, as a plea would be:
 *                    its alerts, and the plea's reply to its sender;
 *   BO ID            text ID is dismissed: seen, nothing to do.
 * Only a contact of a review.to role may, and in a city only on the texts
 * of its own commune (a city-level one: on any, need.c); anyone else's
 * DUYET or BO, and one without a number after it, is answered exactly as
 * a text without keyword, as a stranger's NHAN is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

/* 1 if the sender is a contact of a review.to role. */
static int
review_reviewer(const struct intake *it)
{
	size_t	 i;

	if (it->contact.id == 0)
		return 0;
	for (i = 0; i < it->conf->review.to.n; i++)
		if (strcmp(it->conf->review.to.v[i], it->contact.role) == 0)
			return 1;
	return 0;
}

/* The text's id: the first word after the keyword, all digits; past it
 * into *after. 0 if there is none. */
static int64_t
review_id(const char *args, const char **after)
{
	char		 word[24];
	const char	*next;
	char		*end;
	long long	 id;

	if ((next = text_words(args, 1, word, sizeof(word))) == NULL ||
	    word[strspn(word, "0123456789")] != '\0')
		return 0;
	id = strtoll(word, &end, 10);
	*after = next;
	return id > 0 ? id : 0;
}

/* What a plea's sender is answered (conf's words: the text's commune's),
 * sent now through sms_out. */
static int
review_reply_sender(struct intake *it, const struct config *conf,
    const char *to, int64_t report, const char *ref)
{
	struct outbox_row	 row;
	char			 reply[REPLY_MAX];

	template_render(conf, TMPL_RECEIVED, ref, reply, sizeof(reply));
	memset(&row, 0, sizeof(row));
	row.report_id = report;
	row.channel = "sms";
	row.event = "reply";
	row.dest = to;
	row.body = reply;
	return store_outbox_add(it->st, &row, util_sched_now()) == -1 ? -1 :
	    0;
}

static void
review_not_waiting(struct intake *it, int64_t id)
{
	snprintf(it->reply, sizeof(it->reply), "Tin #%lld khong con cho "
	    "duyet.", (long long)id);
}

/*
 * Text id of the review list into m, if the reviewer may see it: 1. Else
 * 0 and what the handler returns in *rc: 0 it does not wait (the reply
 * says so), HANDLER_UNMATCHED it is another commune's (need.c: answered
 * as a stranger's DUYET), -1 on error.
 */
static int
review_text(struct intake *it, int64_t id, struct inbox_row *m, int *rc)
{
	int	 found;

	*rc = 0;
	if ((found = store_inbox_get(it->st, id, m)) != 1) {
		if (found == 0)
			review_not_waiting(it, id);
		*rc = found;
		return 0;
	}
	if (!need_text(it, m->commune)) {
		store_inbox_row_clear(m);
		*rc = HANDLER_UNMATCHED;
		return 0;
	}
	return 1;
}

/* DUYET ID [AREA] */
static int
review_approve(struct intake *it)
{
	const struct config	*conf = it->conf;
	struct inbox_row	 m;
	const char		*after, *rest;
	char			 ref[REF_MAX], *folded;
	int64_t			 id, report;
	int			 rc, area;

	if (!review_reviewer(it) || (id = review_id(it->m.args, &after)) == 0)
		return HANDLER_UNMATCHED;
	if (!review_text(it, id, &m, &rc))
		return rc;
	/* A city's text is filed in its own commune, with its hamlets. */
	if (it->city != NULL)
		conf = config_scoped(it->city, m.commune);
	/* The reviewer's area, else the first the text names. */
	if ((area = area_find(conf, after, &rest)) == -1) {
		folded = text_keyfold(m.text ? m.text : "",
		    m.text ? strlen(m.text) : 0);
		area = area_anywhere(conf, folded);
		free(folded);
	}
	report = alert_file_report(it->st, conf, CAT_GBV, area, m.sender,
	    m.text != NULL ? m.text : "", it->now, ref);
	if (report == -1 || store_inbox_review(it->st, id, report,
	    it->now) != 1 || review_reply_sender(it, conf, m.sender, report,
	    ref) == -1) {
		store_inbox_row_clear(&m);
		return -1;
	}
	store_inbox_row_clear(&m);
	snprintf(it->reply, sizeof(it->reply), "Tin #%lld: da lap bao cao "
	    "%s, thon %s. Da bao nguoi phu trach.", (long long)id, ref,
	    area >= 0 ? conf->areas[area].code : "?");
	return 0;
}

/* BO ID */
static int
review_dismiss(struct intake *it)
{
	struct inbox_row	 m;
	const char		*after;
	int64_t			 id;
	int			 rc;

	if (!review_reviewer(it) || (id = review_id(it->m.args, &after)) == 0)
		return HANDLER_UNMATCHED;
	if (!review_text(it, id, &m, &rc))
		return rc;
	store_inbox_row_clear(&m);
	if ((rc = store_inbox_review(it->st, id, 0, it->now)) == -1)
		return -1;
	if (rc == 0)
		review_not_waiting(it, id);
	else
		snprintf(it->reply, sizeof(it->reply), "Tin #%lld: da bo qua.",
		    (long long)id);
	return 0;
}

const struct family review_approve_family = {
	.cat = CAT_APPROVE, .name = "approve", .keywords = { "DUYET" },
	.who = WHO_CONTACT, .fn = review_approve,
};
const struct family review_dismiss_family = {
	.cat = CAT_DISMISS, .name = "dismiss", .keywords = { "BO" },
	.who = WHO_CONTACT, .fn = review_dismiss,
};
