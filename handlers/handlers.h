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

#endif
