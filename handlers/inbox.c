/*
 * inbox.c: what a person does with a text of the review list (SPEC §4,
 * §7), for tincayctl's inbox file and the console's review (SPEC §12):
 * file it as a report (its alerts queued, as for a keyword), or as a
 * follow-up of the report it belongs to (forwarded to the contacts
 * alerted for it). In the open batch (begun here if none is), under a
 * savepoint of its own; never committed here.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"

int
inbox_area(const struct config *conf, const char *code)
{
	size_t	 i;

	for (i = 0; i < conf->nareas; i++)
		if (strcasecmp(conf->areas[i].code, code) == 0)
			return (int)i;
	return -1;
}

/* In a savepoint of the batch, text id into m: 1, else (the savepoint
 * ended) 0 it does not wait, -1 error. */
static int
inbox_take(struct store *st, int64_t id, struct inbox_row *m)
{
	int	 found;

	if (store_begin(st) == -1 || store_savepoint(st) == -1)
		return -1;
	if ((found = store_inbox_get(st, id, m)) != 1)
		store_rollback_to(st);
	return found;
}

int
inbox_file(struct store *st, const struct config *city, int64_t id,
    enum category cat, const char *area, const char *commune, int64_t now,
    struct inbox_filed *f)
{
	struct inbox_row	 m;
	int			 found;

	memset(f, 0, sizeof(*f));
	f->area = -1;
	if ((found = inbox_take(st, id, &m)) != 1)
		return found == 0 ? INBOX_NOT_WAITING : -1;
	/* The text's commune's hamlets, or the one a person named. */
	f->conf = config_scoped(city, commune != NULL ? commune : m.commune);
	if (area != NULL && (f->area = inbox_area(f->conf, area)) == -1) {
		store_inbox_row_clear(&m);
		store_rollback_to(st);
		return INBOX_NO_AREA;
	}
	f->report = alert_file_report(st, f->conf, cat, f->area, m.sender,
	    m.text != NULL ? m.text : "", now, f->ref);
	store_inbox_row_clear(&m);
	if (f->report == -1 || store_inbox_review(st, id, f->report, now) !=
	    1) {
		store_rollback_to(st);
		return -1;
	}
	return store_release(st) == -1 ? -1 : INBOX_FILED;
}

int
inbox_attach(struct store *st, const struct config *city, int64_t id,
    const char *ref, int64_t now, int *forwarded)
{
	struct inbox_row	 m;
	struct report_row	 row;
	struct alert_report	 r;
	int			 found, n = -1;

	*forwarded = 0;
	if ((found = inbox_take(st, id, &m)) != 1)
		return found == 0 ? INBOX_NOT_WAITING : -1;
	if ((found = store_report_get(st, 0, ref, &row)) != 1) {
		store_inbox_row_clear(&m);
		store_rollback_to(st);
		return found == 0 ? INBOX_NO_REPORT : -1;
	}
	alert_from_row(&row, &r);
	r.reporter = m.sender;
	r.text = m.text != NULL ? m.text : "";
	r.textlen = strlen(r.text);
	r.at = m.received_at;
	if (store_report_touch(st, row.id, now) == 0 &&
	    (n = alert_notify(st, config_scoped(city, row.commune), &r,
	    "report.updated", NULL, 0, util_sched_now())) != -1 &&
	    store_inbox_review(st, id, row.id, now) != 1)
		n = -1;
	store_inbox_row_clear(&m);
	store_report_row_clear(&row);
	if (n == -1) {
		store_rollback_to(st);
		return -1;
	}
	*forwarded = n;
	return store_release(st) == -1 ? -1 : INBOX_FILED;
}
