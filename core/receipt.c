/*
 * receipt.c: delivery receipts (SPEC §5). A provider reports what became
 * of an SMS it sent for us (Twilio's StatusCallback, Africa's Talking's
 * delivery reports), by its own id for it, which the outbox kept on the
 * row when the provider took the SMS. The receipt is recorded on the row;
 * an alert to a responder that did not arrive makes its report due for
 * escalation now, once: a provider that repeats the report escalates
 * nothing more. A receipt for an SMS we do not know yet is kept a day: a
 * provider may report on an SMS before its answer to the send reaches us,
 * and the outbox hands the receipt on once it records the SMS's id
 * (receipt_sent); one for an SMS that is not ours (or purged) is
 * answered, and goes with the day.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "../store/store.h"

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

#define RECEIPT_KEEP_S	(24 * 3600)	/* one ahead of its send, at most */

/* Record r, told at at, on its row: 1, 0 no row by its key, -1. */
static int
receipt_record(struct store *st, const struct receipt *r, int64_t at)
{
	struct store_receipt_row	 row;
	int				 rc;

	rc = store_outbox_receipt(st, r->key, receipt_words[r->status],
	    r->status == RECEIPT_UNDELIVERED && r->reason[0] != '\0' ?
	    r->reason : NULL, at, &row);
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

int
receipt_file(struct store *st, const struct receipt *r)
{
	const char	*word;
	int64_t		 now = util_now();
	int		 rc;

	if (r->status == RECEIPT_PENDING || r->key[0] == '\0')
		return 0;
	if ((rc = receipt_record(st, r, now)) != 0)
		return rc;
	word = receipt_words[r->status];
	if (store_receipt_keep(st, r->key, word, r->reason[0] != '\0' ?
	    r->reason : NULL, now, now - RECEIPT_KEEP_S) == -1)
		return -1;
	log_info("receipt: %s for an SMS not known yet (its send's answer "
	    "may still be on its way); kept a day", word);
	return 1;
}

int
receipt_sent(struct store *st, const char *key)
{
	struct store_receipt_kept	 k;
	struct receipt			 r;
	int				 rc, i;

	if ((rc = store_receipt_take(st, key, &k)) != 1)
		return rc;
	memset(&r, 0, sizeof(r));
	util_strlcpy(r.key, key, sizeof(r.key));
	util_strlcpy(r.reason, k.reason, sizeof(r.reason));
	for (i = 0; i < RECEIPT__MAX; i++)
		if (strcmp(receipt_words[i], k.receipt) == 0)
			r.status = (enum receipt_status)i;
	if (r.status == RECEIPT_PENDING)
		return 0;
	return receipt_record(st, &r, k.at);
}
