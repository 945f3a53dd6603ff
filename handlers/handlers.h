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
int		 alert_report(struct intake *);
int		 alert_followup(struct intake *);
int		 alert_unknown(struct intake *);
/* help.c */
int		 help_reply(struct intake *);

#endif
