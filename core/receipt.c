/*
 * receipt.c: delivery receipts (SPEC §5). A provider reports what became
 * of an SMS it sent for us (Twilio's StatusCallback, Africa's Talking's
 * delivery reports), by its own id for it, which the outbox kept on the
 * row when the provider took the SMS. The receipt is recorded on the row;
 * an alert to a responder that did not arrive makes its report due for
 * escalation now, once: a provider that repeats the report escalates
 * nothing more. A receipt for an SMS we do not know (not ours, purged, or
 * ahead of the send's own result) is answered and left alone.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "store.h"

/* The words of a status (index: enum receipt_status). */
static const char *const receipt_words[RECEIPT__MAX] = {
	[RECEIPT_PENDING] = "pending",
	[RECEIPT_DELIVERED] = "delivered",
	[RECEIPT_UNDELIVERED] = "undelivered",
};

const char *
receipt_word(enum receipt_status status)
{
	return receipt_words[status];
}

int
receipt_key(struct receipt *r, const char *provider, const char *id,
    size_t idlen)
{
	int	 n;

	if (idlen == 0 || idlen > RECEIPT_ID_MAX ||
	    memchr(id, '\0', idlen) != NULL)
		return -1;
	n = snprintf(r->key, sizeof(r->key), "%s:%.*s", provider, (int)idlen,
	    id);
	if (n < 0 || (size_t)n >= sizeof(r->key)) {
		r->key[0] = '\0';
		return -1;
	}
	return 0;
}

int
receipt_file(struct store *st, const struct receipt *r)
{
	struct store_receipt_row	 row;
	const char			*word;
	int				 rc;

	if (r->status == RECEIPT_PENDING || r->key[0] == '\0')
		return 0;
	word = receipt_words[r->status];
	rc = store_outbox_receipt(st, r->key, word, r->status ==
	    RECEIPT_UNDELIVERED && r->reason[0] != '\0' ? r->reason : NULL,
	    util_now(), &row);
	if (rc == 0)
		log_info("receipt: %s for an SMS we have no row of; left "
		    "alone", word);
	if (rc != 1)
		return rc;
	if (r->status != RECEIPT_UNDELIVERED ||
	    strcmp(row.was, receipt_words[RECEIPT_UNDELIVERED]) == 0)
		return 1;
	if (row.contact_id == 0 || row.report_id == 0) {
		log_info("receipt: #%lld not delivered (%s)",
		    (long long)row.id, r->reason[0] ? r->reason : "no reason");
		return 1;
	}
	if ((rc = store_outbox_escalate_at(st, row.id,
	    util_sched_now())) == -1)
		return -1;
	log_notice("receipt: #%lld, report %s, alert to %s not delivered "
	    "(%s)%s", (long long)row.id, row.ref, row.role,
	    r->reason[0] ? r->reason : "no reason given", rc == 1 ?
	    ": escalating" : "");
	return 1;
}
