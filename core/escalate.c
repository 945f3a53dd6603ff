/*
 * escalate.c: escalation (SPEC §5). A report nobody acknowledged by its
 * escalate_at, or one an alert of which failed for good (the outbox marks
 * it due now), alerts its category's escalation roles, and again every
 * after_s, ESCALATE_LEVELS times (a city's commune: from the second step
 * up, the city's escalation roles too); then it never gives up in
 * silence: the same roles again every escalation.repeat_s until someone
 * acknowledges.
 * No event loop here: the daemon's housekeeping tick calls escalate_due().
 */
#include <stdint.h>

#include "core.h"
#include "../store/store.h"
#include "../handlers/handlers.h"

#define ESCALATE_UNREAD_S	60	/* a report that could not be read */

/*
 * One report up one level: alert its escalation roles. 0; 1 it could not
 * be read (a damaged row: logged by the store); -1 the database failed.
 */
static int
escalate_report(struct store *st, const struct config *conf, int64_t id,
    int64_t now)
{
	const struct config	*city = conf;
	struct report_row	 row;
	struct alert_report	 r;
	const struct escalation	*esc;
	int64_t			 next = 0;
	int			 cat, sent, up;

	if (store_begin(st) == -1)
		return -1;
	if (store_report_get(st, id, NULL, &row) != 1)
		return 1;
	/* Its commune's steps, to its commune's contacts and the city's. */
	conf = config_scoped(conf, row.commune);
	cat = config_category_lookup(row.category);
	esc = cat >= 0 ? &conf->escalation[cat] : NULL;
	alert_from_row(&row, &r);
	sent = esc && esc->to.n ? alert_notify(st, conf, &r,
	    "report.escalated", &esc->to, 0, now) : 0;
	/* A city's commune: from its second step up, the city's roles too
	 * (the top level's escalation, to its city-level contacts). */
	if (sent != -1 && conf != city && cat >= 0 &&
	    row.escalation_level >= 1 && city->escalation[cat].to.n > 0 &&
	    (up = alert_notify(st, city, &r, "report.escalated",
	    &city->escalation[cat].to, 0, now)) > 0)
		sent += up;
	if (sent == 0)
		log_warnx("%s: report %s: no escalation contact; "
		    "NOBODY NEW ALERTED", __func__, row.ref);
	else if (row.escalation_level < ESCALATE_LEVELS)
		log_notice("escalation: report %s level %d: %d %s",
		    row.ref, row.escalation_level + 1, sent,
		    util_plural(sent, "alert", "alerts"));
	else
		log_notice("escalation: report %s still not acknowledged "
		    "after every step; alerted again (%d %s)", row.ref,
		    sent, util_plural(sent, "alert", "alerts"));
	if (esc && esc->after_s > 0)
		next = now + (row.escalation_level + 1 < ESCALATE_LEVELS ?
		    esc->after_s : conf->escalation_repeat_s);
	(void)store_outbox_escalated(st, row.id, next);
	store_report_row_clear(&row);
	return 0;
}

int
escalate_due(struct store *st, const struct config *conf, int64_t now,
    int max)
{
	int64_t	 ids[ESCALATE_BATCH];
	int	 n, i, rc, done = 0;

	if (max > ESCALATE_BATCH)
		max = ESCALATE_BATCH;
	if ((n = store_outbox_escalations(st, now, ids, max)) <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if ((rc = escalate_report(st, conf, ids[i], now)) == -1)
			return done;
		if (rc == 0) {
			done++;
			continue;
		}
		/*
		 * A report that cannot be read must not stand first in line
		 * at every tick, in front of every report due after it.
		 */
		log_warnx("escalation: report #%lld cannot be read; tried "
		    "again in %d s", (long long)ids[i], ESCALATE_UNREAD_S);
		if (store_outbox_escalate_later(st, ids[i],
		    now + ESCALATE_UNREAD_S) == -1)
			return done;
	}
	return done;
}
