/*
 * ack.c: the responders' and reporter's follow-through on a report:
 * NHAN/OK REF (a contact takes it: escalation stops, the others are told),
 * XONG REF (a contact closes it) and HUY REF (the reporter cancels a false
 * alarm). A stranger, or a REF that does not exist, changes nothing and
 * gets the help reply.
 */
#include <ctype.h>
#include <string.h>

#include "handlers.h"

/* What each keyword does: who may, from which states, to which state. */
static const struct {
	enum category	 cat;
	int		 by_reporter;	/* else: by a contact */
	const char	*from[3];	/* states it applies to */
	const char	*to;
	const char	*event;
	enum tmpl	 reply;
} ack_rules[] = {
	{ CAT_ACK, 0, { "open" }, "acknowledged", "report.acknowledged",
	    TMPL_ACK },
	{ CAT_DONE, 0, { "open", "acknowledged" }, "closed", "report.closed",
	    TMPL_CLOSED },
	{ CAT_CANCEL, 1, { "open", "acknowledged" }, "cancelled",
	    "report.cancelled", TMPL_CANCELLED },
};

static int
ack_handle(struct intake *it)
{
	struct report_row	 row;
	struct alert_report	 r;
	char			 ref[REF_MAX];
	size_t			 i, k, n;
	int64_t			 contact = 0;
	int			 found, allowed, rc = 0;

	for (i = 0; i < sizeof(ack_rules) / sizeof(ack_rules[0]); i++)
		if (ack_rules[i].cat == it->m.cat)
			break;
	/* The router only sends a word that looks like a REF. */
	n = strcspn(it->m.args, " ");
	if (i == sizeof(ack_rules) / sizeof(ack_rules[0]) || n >= REF_MAX)
		return help_reply(it);
	for (k = 0; k < n; k++)
		ref[k] = (char)toupper((unsigned char)it->m.args[k]);
	ref[n] = '\0';
	if ((found = store_report_get(it->st, 0, ref, &row)) == -1)
		return -1;
	if (found == 0)
		return help_reply(it);
	/* A contact's NHAN and XONG come with the sender's row (their
	 * families are WHO_CONTACT); HUY must come from the reporter. */
	if (ack_rules[i].by_reporter)
		allowed = strcmp(row.reporter, it->in->from) == 0;
	else {
		contact = it->contact.id;
		allowed = contact != 0;
	}
	if (!allowed) {
		store_report_row_clear(&row);
		return help_reply(it);
	}
	it->report_id = row.id;
	util_strlcpy(it->ref, row.ref, sizeof(it->ref));
	for (k = 0; k < 3 && ack_rules[i].from[k] != NULL; k++)
		if (strcmp(row.status, ack_rules[i].from[k]) == 0)
			break;
	if (k == 3 || ack_rules[i].from[k] == NULL) {
		/* Already taken, closed or cancelled: say so, change nothing. */
		template_render(it->conf, TMPL_ACK_TAKEN, it->ref, it->reply,
		    sizeof(it->reply));
		store_report_row_clear(&row);
		return 0;
	}
	alert_from_row(&row, &r);
	if (store_report_status(it->st, it->report_id, ack_rules[i].to,
	    contact ? it->in->from : NULL, it->now) == -1 ||
	    alert_notify(it->st, it->conf, &r, ack_rules[i].event, NULL,
	    contact, util_sched_now()) == -1)
		rc = -1;
	store_report_row_clear(&row);
	template_render(it->conf, ack_rules[i].reply, it->ref, it->reply,
	    sizeof(it->reply));
	return rc;
}

const struct family ack_ack_family = {
	.cat = CAT_ACK, .name = "ack", .keywords = { "NHAN", "OK" },
	.needs_ref = 1, .who = WHO_CONTACT, .fn = ack_handle,
};
const struct family ack_done_family = {
	.cat = CAT_DONE, .name = "done", .keywords = { "XONG" },
	.needs_ref = 1, .who = WHO_CONTACT, .fn = ack_handle,
};
const struct family ack_cancel_family = {
	.cat = CAT_CANCEL, .name = "cancel", .keywords = { "HUY" },
	.needs_ref = 1, .who = WHO_ANYONE, .fn = ack_handle,
};
