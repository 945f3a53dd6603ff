/*
 * escalate.c: escalation (SPEC §5). A report nobody acknowledged by its
 * escalate_at, or one an alert of which failed for good (the outbox marks
 * it due now), alerts its category's escalation roles, and again every
 * after_s, ESCALATE_LEVELS times at most. No event loop here: the daemon's
 * housekeeping tick calls escalate_due().
 */
#include <stdint.h>

#include "core.h"
#include "store.h"
#include "../handlers/handlers.h"

#define ESCALATE_LEVELS	3

/* One report up one level: alert its escalation roles. 0, or -1. */
static int
escalate_report(struct store *st, const struct config *conf, int64_t id,
    int64_t now)
{
	struct report_row	 row;
	struct alert_report	 r;
	const struct escalation	*esc;
	int64_t			 next = 0;
	int			 cat, sent;

	if (store_begin(st) == -1 || store_report_get(st, id, NULL, &row) != 1)
		return -1;
	cat = config_category_lookup(row.category);
	esc = cat >= 0 ? &conf->escalation[cat] : NULL;
	alert_from_row(&row, &r);
	sent = esc && esc->to.n ? alert_notify(st, conf, &r,
	    "report.escalated", &esc->to, 0, now) : 0;
	if (sent == 0)
		log_warnx("%s: report %s: no escalation contact; "
		    "NOBODY NEW ALERTED", __func__, row.ref);
	else
		log_notice("escalation: report %s level %d: %d alerts",
		    row.ref, row.escalation_level + 1, sent);
	if (esc && esc->after_s > 0 &&
	    row.escalation_level + 1 < ESCALATE_LEVELS)
		next = now + esc->after_s;
	(void)store_outbox_escalated(st, row.id, next);
	store_report_row_clear(&row);
	return 0;
}

int
escalate_due(struct store *st, const struct config *conf, int64_t now,
    int max)
{
	int64_t	 ids[ESCALATE_BATCH];
	int	 n, i;

	if (max > ESCALATE_BATCH)
		max = ESCALATE_BATCH;
	if ((n = store_outbox_escalations(st, now, ids, max)) <= 0)
		return n;
	for (i = 0; i < n; i++)
		if (escalate_report(st, conf, ids[i], now) == -1)
			return i;
	return n;
}
