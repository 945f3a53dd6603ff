/*
 * ack.c: the follow-through on a report (SPEC §4, §6a, §8).
 *   NHAN/OK REF      a responder takes it: escalation stops, the others
 *                    alerted are told;
 *   XONG REF [CODES] a responder closes it with what happened (sex, age,
 *                    outcome), or cancels it as a false alarm (NHAM);
 *                    again within ACK_AMEND_S of the close, it replaces
 *                    the codes ("Da sua");
 *   HUY REF          the reporter's phone asks to cancel: a request only.
 *                    The phone may be in the abuser's hands, so nothing
 *                    closes and escalation goes on; the alerted contacts
 *                    are warned, once per report, and the phone gets the
 *                    reply of a text without keyword.
 * Only a contact alerted for the report, or an official, may NHAN or XONG
 * it, and in a city only one its commune may tell (need.c); HUY counts
 * only from the reporter's number. Anyone else, and a REF
 * that does not exist, changes nothing and gets the unknown-message answer
 * (help). ack_by_user() is NHAN and XONG for a person who is no contact:
 * tincayctl's reports close and reports amend, the console's buttons.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define ACK_AGE_MAX	120
#define ACK_AMEND_S	86400	/* a close may be corrected by SMS so long */
#define ACK_CODES_MAX	CASEWORK_CODES	/* outcome codes, each once */

/* What a responder's keyword does: from which states, to which state. */
struct ack_rule {
	const char	*from[3];	/* states it applies to */
	const char	*to;
	const char	*event;
	enum tmpl	 reply;
};
static const struct ack_rule ack_take = { { "open" }, "acknowledged",
    "report.acknowledged", TMPL_ACK };
static const struct ack_rule ack_close = { { "open", "acknowledged" },
    "closed", "report.closed", TMPL_CLOSED };
static const struct ack_rule ack_false = { { "open", "acknowledged" },
    "cancelled", "report.cancelled", TMPL_CANCELLED };

/* What XONG's words said; unknown words are named back, and so are
 * words that contradict each other (NU NAM, two ages): nothing is
 * guessed. */
struct ack_codes {
	const char	*sex;		/* "f", "m" or NULL */
	int		 age;		/* -1: not said */
	char		 sex_said[16];	/* the sex words, as written */
	char		 age_said[16];	/* the ages, as written */
	int		 sexes, ages;	/* how many differing ones */
	int		 false_alarm;	/* NHAM */
	int		 has[ACK_CODES_MAX];	/* each outcome code once */
	char		 outcome[ACK_CODES_MAX * 5];
	char		 unknown[64];
};

/* The REF after the keyword, upper-cased; 0, or -1 if it is none. */
static int
ack_ref(const struct intake *it, char ref[REF_MAX])
{
	size_t	 k, n = strcspn(it->m.args, " ");

	if (n == 0 || n >= REF_MAX)
		return -1;
	for (k = 0; k < n; k++)
		ref[k] = (char)toupper((unsigned char)it->m.args[k]);
	ref[n] = '\0';
	return 0;
}

/* The report the REF names into row: 1, 0 if none, -1 on error. */
static int
ack_report(struct intake *it, struct report_row *row)
{
	char	 ref[REF_MAX];

	if (ack_ref(it, ref) == -1)
		return 0;
	return store_report_get(it->st, 0, ref, row);
}

/*
 * 1 if the sender may NHAN or XONG report row, 0 not, -1 on error. In a
 * city, first need to know (need.c): another commune's report is not
 * the sender's to touch, whatever its role or what it was sent before.
 */
static int
ack_responder(struct intake *it, const struct report_row *row)
{
	if (it->contact.id == 0 || !need_report(it, row))
		return 0;
	if (family_official(it->conf, it->contact.role))
		return 1;
	return store_contact_was_alerted(it->st, row->id, it->contact.id);
}

static int
ack_state_ok(const struct ack_rule *rule, const char *status)
{
	size_t	 k;

	for (k = 0; k < 3 && rule->from[k] != NULL; k++)
		if (strcmp(status, rule->from[k]) == 0)
			return 1;
	return 0;
}

static void
ack_append(char *buf, size_t len, const char *word)
{
	size_t	 n = strlen(buf);

	if (n > 0 && n + 1 < len)
		buf[n++] = ' ';
	util_strlcpy(buf + n, word, len - n);
}

/* Read XONG's codes from the folded words after the REF. */
static void
ack_codes_parse(const char *s, struct ack_codes *c)
{
	char		 word[32], up[32];
	const char	*next, *sex;
	size_t		 k;
	char		*end;
	long		 age;
	int		 i;

	memset(c, 0, sizeof(*c));
	c->age = -1;
	for (; (next = text_words(s, 1, word, sizeof(word))) != NULL; s = next) {
		for (k = 0; word[k] != '\0'; k++)
			up[k] = (char)toupper((unsigned char)word[k]);
		up[k] = '\0';
		if (strcmp(up, "NU") == 0 || strcmp(up, "NAM") == 0) {
			sex = up[1] == 'U' ? "f" : "m";
			if (c->sex == NULL || strcmp(c->sex, sex) != 0) {
				c->sexes++;
				ack_append(c->sex_said, sizeof(c->sex_said),
				    word);
			}
			c->sex = sex;
		} else if (strcmp(up, "NHAM") == 0)
			c->false_alarm = 1;
		else if (isdigit((unsigned char)word[0]) &&
		    (age = strtol(word, &end, 10)) <= ACK_AGE_MAX &&
		    *end == '\0' && strlen(word) <= 3) {
			if (c->age != (int)age) {
				c->ages++;
				ack_append(c->age_said, sizeof(c->age_said),
				    word);
			}
			c->age = (int)age;
		}
		/* The outcome codes (§6a) are casework.c's table. */
		else if ((i = casework_code(up, k)) == -1)
			ack_append(c->unknown, sizeof(c->unknown), word);
		else if (!c->has[i]) {
			c->has[i] = 1;
			ack_append(c->outcome, sizeof(c->outcome), up);
		}
	}
	/* "NU 30 NAM", "30 40": which is right is not ours to guess. */
	if (c->sexes > 1) {
		c->sex = NULL;
		ack_append(c->unknown, sizeof(c->unknown), c->sex_said);
	}
	if (c->ages > 1) {
		c->age = -1;
		ack_append(c->unknown, sizeof(c->unknown), c->age_said);
	}
}

/* "Da dong ma A7K2. Cam on. Ghi nhan: nu, 30 tuoi, CA YT. Khong hieu:
 * abc." — what was understood, and any word that was not. */
static void
ack_close_reply(struct intake *it, const struct ack_codes *c,
    enum tmpl t)
{
	char	 said[96] = "", age[24];
	size_t	 n;

	template_render(it->conf, t, it->ref, it->reply, sizeof(it->reply));
	if (c->sex != NULL)
		util_strlcpy(said, c->sex[0] == 'f' ? "nu" : "nam",
		    sizeof(said));
	if (c->age >= 0) {
		snprintf(age, sizeof(age), "%s%d tuoi", said[0] ? ", " : "",
		    c->age);
		n = strlen(said);
		util_strlcpy(said + n, age, sizeof(said) - n);
	}
	if (c->outcome[0] != '\0') {
		n = strlen(said);
		snprintf(said + n, sizeof(said) - n, "%s%s", n ? ", " : "",
		    c->outcome);
	}
	n = strlen(it->reply);
	if (said[0] != '\0')
		snprintf(it->reply + n, sizeof(it->reply) - n,
		    " Ghi nhan: %s.", said);
	n = strlen(it->reply);
	if (c->unknown[0] != '\0')
		snprintf(it->reply + n, sizeof(it->reply) - n,
		    " Khong hieu: %s.", c->unknown);
}

/* Move the report by rule, tell the others alerted, answer. */
static int
ack_apply(struct intake *it, struct report_row *row,
    const struct ack_rule *rule, const struct ack_codes *codes)
{
	struct alert_report	 r;
	struct report_close	 c;
	int			 rc;

	if (!ack_state_ok(rule, row->status)) {
		/* Already taken, closed or cancelled: say so, change nothing. */
		template_render(it->conf, TMPL_ACK_TAKEN, it->ref, it->reply,
		    sizeof(it->reply));
		return 0;
	}
	if (codes != NULL) {
		memset(&c, 0, sizeof(c));
		c.status = rule->to;
		c.by = it->by != NULL ? it->by : it->in->from;
		c.sex = codes->sex;
		c.age = codes->age;
		c.outcome = codes->outcome[0] ? codes->outcome : NULL;
		rc = store_report_close(it->st, row->id, &c, it->now);
	} else
		rc = store_report_status(it->st, row->id, rule->to,
		    it->by != NULL ? it->by : it->in->from, it->now);
	alert_from_row(row, &r);
	if (rc == -1 || alert_notify(it->st, it->conf, &r, rule->event, NULL,
	    it->contact.id, util_sched_now()) == -1)
		return -1;
	if (codes != NULL)
		ack_close_reply(it, codes, rule->reply);
	else
		template_render(it->conf, rule->reply, it->ref, it->reply,
		    sizeof(it->reply));
	return 0;
}

/* 1 if XONG on row corrects its close: closed or cancelled, and (by SMS,
 * window > 0) no longer than window ago. */
static int
ack_amendable(const struct report_row *row, int64_t now, int64_t window)
{
	if (strcmp(row->status, "closed") != 0 &&
	    strcmp(row->status, "cancelled") != 0)
		return 0;
	return window == 0 || now - row->closed_at < window;
}

/*
 * The close corrected (SPEC §6a): the codes replaced, NHAM or not
 * deciding closed or cancelled; nobody else is told, nothing escalates
 * again. The reply says "Da sua" and what was understood.
 */
static int
ack_amend(struct intake *it, const struct report_row *row,
    const struct ack_codes *codes)
{
	struct report_close	 c;

	memset(&c, 0, sizeof(c));
	c.status = codes->false_alarm ? ack_false.to : ack_close.to;
	c.sex = codes->sex;
	c.age = codes->age;
	c.outcome = codes->outcome[0] ? codes->outcome : NULL;
	if (store_report_amend(it->st, row->id, &c, it->now) == -1)
		return -1;
	ack_close_reply(it, codes, TMPL_AMENDED);
	return 0;
}

/* NHAN/OK REF and XONG REF [CODES]: a responder of the report. */
static int
ack_responder_handle(struct intake *it)
{
	struct report_row	 row;
	struct ack_codes	 codes;
	const char		*after;
	char			 ref[REF_MAX];
	int			 found, ok, rc;

	if ((found = ack_report(it, &row)) == -1)
		return -1;
	if (found == 0)
		return HANDLER_UNMATCHED;
	if ((ok = ack_responder(it, &row)) != 1) {
		store_report_row_clear(&row);
		return ok == -1 ? -1 : HANDLER_UNMATCHED;
	}
	it->report_id = row.id;
	util_strlcpy(it->ref, row.ref, sizeof(it->ref));
	if (it->m.cat == CAT_ACK)
		rc = ack_apply(it, &row, &ack_take, NULL);
	else {
		after = text_words(it->m.args, 1, ref, sizeof(ref));
		ack_codes_parse(after != NULL ? after : "", &codes);
		/* A bare XONG on a closed report (a second responder's)
		 * corrects nothing: it would only erase the codes. */
		if (after != NULL && *after != '\0' &&
		    ack_amendable(&row, it->now, ACK_AMEND_S))
			rc = ack_amend(it, &row, &codes);
		else
			rc = ack_apply(it, &row, codes.false_alarm ?
			    &ack_false : &ack_close, &codes);
	}
	store_report_row_clear(&row);
	return rc;
}

/*
 * HUY REF from the reporter's number: cancel_requested, the alerted told
 * with a warning (the first HUY only: another would page them again for
 * nothing), the report's status and escalation unchanged, and the reply
 * of a text without keyword whatever the state (SPEC §8): whoever holds
 * the phone cannot tell a REF of hers from any other word.
 */
static int
ack_cancel_request(struct intake *it)
{
	struct report_row	 row;
	struct alert_report	 r;
	int			 found, rc = 0;

	if ((found = ack_report(it, &row)) == -1)
		return -1;
	if (found == 0)
		return HANDLER_UNMATCHED;
	if (strcmp(row.reporter, it->in->from) != 0) {
		store_report_row_clear(&row);
		return HANDLER_UNMATCHED;
	}
	it->report_id = row.id;
	util_strlcpy(it->ref, row.ref, sizeof(it->ref));
	if (ack_state_ok(&ack_close, row.status) && !row.cancel_requested) {
		alert_from_row(&row, &r);
		if (store_report_cancel_request(it->st, row.id, it->now) ==
		    -1 || alert_notify(it->st, it->conf, &r,
		    "report.cancel_requested", NULL, 0,
		    util_sched_now()) == -1)
			rc = -1;
	}
	store_report_row_clear(&row);
	alert_reply_neutral(it);
	return rc;
}

/*
 * NHAN, XONG REF CODES or an amend by a person who is no contact: an
 * operator (tincayctl reports close and amend) or a console user (SPEC
 * §12), acked_by becoming by. The same codes, the same close and events
 * to every contact alerted, the same reply as a responder's; an amend
 * replaces a closed report's codes at any time. In the open batch (begun
 * here if none is), under a savepoint released on success and rolled
 * back otherwise; never committed here.
 */
int
ack_by_user(struct store *st, const struct config *conf, enum ack_op op,
    const char *ref, const char *codes, const char *by, int64_t now,
    char *reply, size_t replylen)
{
	const struct ack_rule	*rule;
	struct intake		 it;
	struct inbound		 in;
	struct report_row	 row;
	struct ack_codes	 c;
	char			 up[REF_MAX], *folded;
	size_t			 k;
	int			 found, rc, ok;

	reply[0] = '\0';
	for (k = 0; ref[k] != '\0' && k + 1 < sizeof(up); k++)
		up[k] = (char)toupper((unsigned char)ref[k]);
	up[k] = '\0';
	if (ref[k] != '\0' || k == 0)
		return ACK_OPERATOR_NO_REPORT;
	if (store_begin(st) == -1 || store_savepoint(st) == -1)
		return -1;
	if ((found = store_report_get(st, 0, up, &row)) != 1) {
		store_rollback_to(st);
		return found == 0 ? ACK_OPERATOR_NO_REPORT : -1;
	}
	folded = text_keyfold(codes, strlen(codes));
	ack_codes_parse(folded, &c);
	free(folded);
	rule = op == ACK_OP_TAKE ? &ack_take : c.false_alarm ? &ack_false :
	    &ack_close;
	ok = op == ACK_OP_AMEND ? ack_amendable(&row, now, 0) :
	    ack_state_ok(rule, row.status);
	if (!ok) {
		util_strlcpy(reply, row.status, replylen);
		store_report_row_clear(&row);
		store_rollback_to(st);
		return op == ACK_OP_AMEND ? ACK_OPERATOR_NOT_CLOSED :
		    ACK_OPERATOR_NOT_OPEN;
	}
	intake_operator(&it, &in, conf, st, ACK_OPERATOR, ACK_OPERATOR, now);
	it.by = by;
	it.report_id = row.id;
	util_strlcpy(it.ref, row.ref, sizeof(it.ref));
	if (op == ACK_OP_AMEND)
		rc = ack_amend(&it, &row, &c);
	else
		rc = ack_apply(&it, &row, rule, op == ACK_OP_TAKE ? NULL : &c);
	store_report_row_clear(&row);
	if (rc == -1 || store_release(st) == -1) {
		if (rc == -1)
			store_rollback_to(st);
		return -1;
	}
	util_strlcpy(reply, it.reply, replylen);
	if (op == ACK_OP_AMEND)
		return ACK_OPERATOR_AMENDED;
	if (op == ACK_OP_TAKE)
		return ACK_OPERATOR_TAKEN;
	return c.false_alarm ? ACK_OPERATOR_CANCELLED : ACK_OPERATOR_CLOSED;
}

/* tincayctl's: ack_by_user in a transaction of its own, committed when
 * it changed something. */
static int
ack_by_operator(struct store *st, const struct config *conf,
    enum ack_op op, const char *ref, const char *codes, int64_t now,
    char *reply, size_t replylen)
{
	int	 rc;

	rc = ack_by_user(st, conf, op, ref, codes, ACK_OPERATOR, now, reply,
	    replylen);
	if (!store_in_tx(st))
		return rc;
	if (rc == ACK_OPERATOR_CLOSED || rc == ACK_OPERATOR_CANCELLED ||
	    rc == ACK_OPERATOR_AMENDED) {
		if (store_commit(st) == -1) {
			store_rollback(st);
			return -1;
		}
	} else
		store_rollback(st);
	return rc;
}

int
ack_close_by_operator(struct store *st, const struct config *conf,
    const char *ref, const char *codes, int64_t now, char *reply,
    size_t replylen)
{
	return ack_by_operator(st, conf, ACK_OP_CLOSE, ref, codes, now, reply,
	    replylen);
}

int
ack_amend_by_operator(struct store *st, const struct config *conf,
    const char *ref, const char *codes, int64_t now, char *reply,
    size_t replylen)
{
	return ack_by_operator(st, conf, ACK_OP_AMEND, ref, codes, now, reply,
	    replylen);
}

const struct family ack_ack_family = {
	.cat = CAT_ACK, .name = "ack", .keywords = { "NHAN", "OK" },
	.needs_ref = 1, .who = WHO_CONTACT, .fn = ack_responder_handle,
};
const struct family ack_done_family = {
	.cat = CAT_DONE, .name = "done", .keywords = { "XONG" },
	.needs_ref = 1, .who = WHO_CONTACT, .fn = ack_responder_handle,
};
const struct family ack_cancel_family = {
	.cat = CAT_CANCEL, .name = "cancel", .keywords = { "HUY" },
	.needs_ref = 1, .who = WHO_ANYONE, .fn = ack_cancel_request,
};
