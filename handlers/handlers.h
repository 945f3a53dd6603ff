/*
 * handlers.h: the keyword families. A handler runs inside the message's
 * savepoint: it may add a report and outbox rows, and fills in what is
 * stored with the message and what the resident is answered.
 */
#ifndef TINCAY_HANDLERS_H
#define TINCAY_HANDLERS_H

#include "../daemon/tincay.h"

struct intake {
	struct tincay		*tc;
	const struct config	*conf;
	struct store		*st;
	const struct inbound	*in;
	int64_t			 now;
	struct route_match	 m;
	/* Results. */
	enum category		 stored;	/* category kept with message */
	int64_t			 report_id;	/* 0: none */
	char			 ref[REF_MAX];
	char			 reply[REPLY_MAX];
};

typedef int	 (*handler_fn)(struct intake *);

/* alert.c: new reports (gbv, shelter), follow-ups and unknown texts. */
/* A report as alerts describe it; everything borrowed. */
struct alert_report {
	int64_t		 id;
	const char	*ref;
	const char	*category;	/* "gbv", "shelter", "unknown" */
	const char	*area;		/* code, or NULL */
	const char	*reporter;	/* E.164 */
	const char	*text;
	size_t		 textlen;
	int64_t		 at;		/* when the text arrived */
};
/* The same, for a stored report (r borrows from row). */
void		 alert_from_row(const struct report_row *,
		    struct alert_report *);
/*
 * Write one outbox row of event for each contact of roles (NULL: each
 * contact already alerted about the report) except contact id except.
 * Returns how many, or -1.
 */
int		 alert_notify(struct store *, const struct config *,
		    const struct alert_report *, const char *event,
		    const struct strlist *roles, int64_t except, int64_t now);
char		*alert_sms_text(const struct config *,
		    const struct alert_report *, const char *event);
char		*alert_webhook_body(const struct alert_report *, const char *);
int		 alert_report(struct intake *);
int		 alert_followup(struct intake *);
int		 alert_unknown(struct intake *);
/* ack.c: NHAN/OK, XONG and HUY with a REF. */
int		 ack_handle(struct intake *);
/* help.c */
int		 help_reply(struct intake *);
/*
 * signup.c: the campaign family (DANGKY/DK/THAMGIA/JOIN [CODE]; HUYDK,
 * TUCHOI, STOP) and tincayctl's broadcast.
 */
#define SIGNUP_BROADCAST_SEGMENTS	2
/* The campaign with code (case-insensitive, len bytes), or NULL. */
const struct campaign *signup_campaign(const struct config *,
		    const char *code, size_t len);
/* The campaign running on now's date in conf->timezone (the first in
 * config order when several overlap), or NULL. */
const struct campaign *signup_active(const struct config *, int64_t now);
/* now as YYYY-MM-DD in time zone tz. 0, or -1. */
int		 signup_date(const char *tz, int64_t now, char out[11]);
int		 signup_join(struct intake *);
int		 signup_optout(struct intake *);
/*
 * Queue text (folded to GSM-7, at most SIGNUP_BROADCAST_SEGMENTS
 * segments) as one outbox row, event "broadcast", to each subscriber of
 * campaign code who has not opted out, committing every batch rows.
 * progress (may be NULL) is called after each commit. Returns how many
 * rows were queued, or -1 with why in err (the batches committed before
 * an error stay queued; err says how many).
 */
typedef void	 (*signup_progress_fn)(size_t done, size_t total, void *);
int64_t		 signup_broadcast(struct store *, const struct config *,
		    const char *code, const char *text, size_t batch,
		    signup_progress_fn progress, void *arg, char *err,
		    size_t errlen);
/* stats.c: TK/THONGKE for officials (SPEC §6); the shared parts are in
 * tincay.h. */
int		 stats_handle(struct intake *);
/*
 * router.c: answer it exactly as a text with no keyword: a follow-up of the
 * sender's young open report, else unknown (help). For keywords the sender
 * may not use, so that nothing reveals them.
 */
int		 router_unmatched(struct intake *);

#endif
