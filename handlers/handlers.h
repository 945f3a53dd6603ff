/*
 * handlers.h: the keyword families. A handler runs inside the message's
 * savepoint: it may add a report and outbox rows, and fills in what is
 * stored with the message and what the resident is answered.
 */
#ifndef TINCAY_HANDLERS_H
#define TINCAY_HANDLERS_H

#include <string.h>

#include "../core/core.h"
#include "../store/store.h"

/* handlers/ussd.c: the USSD menu (SPEC §6), pure: no I/O. */
#define USSD_SCREEN_MAX	178	/* 182 with "CON " or "END " in front */
enum ussd_action {
	USSD_NONE,		/* just show the screen */
	USSD_REPORT,		/* file a report of cat in area (-1: unknown) */
	USSD_SIGNUP		/* campaign signup */
};
struct ussd_screen {
	int		 end;		/* 0: CON, 1: END */
	enum ussd_action action;	/* meaningful when end */
	enum category	 cat;
	/* A city's commune the session chose (or its only one); NULL: none
	 * (a config without communes, or "0", the city's own level). */
	const struct commune *commune;
	int		 area;		/* index into the areas of commune's
					   cf (NULL: of the conf given), or
					   -1 */
	char		 text[USSD_SCREEN_MAX + 1];	/* ASCII */
};
/*
 * The screen after the answers (text, len) ("", "1", "1*3", ...). For an
 * END with an action other than USSD_NONE, text is empty: the caller files
 * and fills it with ussd_result(). A city's config (communes) lists its
 * communes first ("", "2", "2*1*3"); a commune's own cf, or a config
 * without communes, begins at the main menu.
 */
void		 ussd_step(const struct config *, const char *text, size_t len,
		    struct ussd_screen *);
/* END screen from a reply text: folded, ASCII, cut to fit. */
void		 ussd_result(const char *reply, struct ussd_screen *);
/* The keys of the next and previous page of the area list. */
void		 ussd_nav_keys(const struct config *, char next[8],
		    char prev[8]);
/* Where each page of the area list starts (up to max); the page count. */
size_t		 ussd_pages(const struct config *, size_t *starts, size_t max);

/* handlers/stats.c: counts for officials (TK by SMS, SPEC §6) and for
 * tincayctl stats (§7), in the commune's time zone. */
struct stats_period {
	int64_t		 from;		/* UTC epoch seconds, inclusive */
	int64_t		 to;		/* UTC epoch seconds, exclusive */
	char		 label[32];	/* "11/2026", "2026", "05/11/2026" */
};
/*
 * The PERIOD at the start of folded words s (text_keyfold output:
 * "homnay", "tuan", "thang", "nam", "11 2026", "2026", ...) for the instant
 * now in tz. Fills p and returns a pointer past it (and its spaces), or
 * NULL if s does not start with a period.
 */
const char	*stats_period(const char *tz, const char *s, int64_t now,
		    struct stats_period *p);
enum stats_status { STATS_OPEN, STATS_ACKNOWLEDGED, STATS_CLOSED,
    STATS_CANCELLED, STATS__MAX };
/* "open", ...; and back (-1 unknown). */
const char	*stats_status_name(enum stats_status);
int		 stats_status_lookup(const char *);
/* One group of reports created in a period; strings borrowed. */
struct stats_row {
	const char	*commune;	/* its code, "*", "" without communes */
	const char	*area;		/* code, or NULL: unknown */
	const char	*category;
	const char	*status;
	int64_t		 n;
};
typedef int	 (*stats_row_fn)(const struct stats_row *, void *);
/*
 * Call fn for each (commune, area, category, status) group of the reports
 * created in [from, to), of commune (a code or "*"; NULL or "": every
 * one) and of area (the commune's hamlet; NULL: all) only. Returns the
 * number of groups, or -1 (logged).
 */
int		 stats_rows(struct store *, int64_t from, int64_t to,
		    const char *commune, const char *area, stats_row_fn,
		    void *);
/*
 * Campaign signups made in [from, to) (opted out since or not), of
 * commune and area only (NULL: all): the total, or -1. fn, if not NULL,
 * gets one row per (commune, area) (category "signup", status NULL).
 */
int64_t		 stats_signups(struct store *, int64_t from, int64_t to,
		    const char *commune, const char *area, stats_row_fn,
		    void *);
/* What the SMS reply says. */
struct stats_counts {
	int64_t		 gbv, shelter, signups;
	int64_t		 status[STATS__MAX];	/* of gbv and shelter */
};
int		 stats_count(struct store *, int64_t from, int64_t to,
		    const char *commune, const char *area,
		    struct stats_counts *);
/* The commune a config counts (SPEC §11): its code, or NULL for every
 * one (a config without communes, a city's top level). */
const char	*stats_commune(const struct config *);
/* "TK 11/2026 T3: BL 5 TC 2 DK 140 HUY 1; mo 2 xong 4" (area may be
 * NULL), GSM-7, at most two segments. With an area, a count from 1 to
 * min_count - 1 reads "<min_count" (SPEC §6; min_count <= 1: exact). */
void		 stats_format(const struct stats_counts *, const char *label,
		    const char *area, int min_count, char *out, size_t outlen);
/* The figures of the reply, in its order. */
enum { STATS_FIG_BL, STATS_FIG_TC, STATS_FIG_DK, STATS_FIG_HUY,
    STATS_FIG_OPEN, STATS_FIG_CLOSED, STATS_NFIGS };
/* As stats_format, each figure shown as mark[STATS_NFIGS] says
 * (enum suppress_mark; NULL: by its value alone): "*" hidden as the
 * complement of another (SPEC §6). */
void		 stats_format_marked(const struct stats_counts *,
		    const char *label, const char *area, int min_count,
		    const unsigned char *mark, char *out, size_t outlen);
/* n as a count to show: "<k" for 1..k-1 when k > 1, else n. */
void		 stats_shown(int64_t n, int k, char *out, size_t outlen);

/*
 * handlers/suppress.c: complementary suppression (SPEC §6, §7) of cells
 * v[0..ncells) (borrowed) under k: cells from 1 to k - 1 are
 * SUPPRESS_SMALL ("<k"), and in every line (a set of cells whose total is
 * shown: a table, a row or a column) that hides any, the next smallest
 * are SUPPRESS_COMPLEMENT ("*") until its hidden cells are at least two
 * and hold at least k. k <= 1: every cell shown.
 */
enum suppress_mark { SUPPRESS_SHOWN, SUPPRESS_SMALL, SUPPRESS_COMPLEMENT };
struct suppress;
struct suppress	*suppress_new(const int64_t *v, size_t ncells, int k);
/* One line: the indices of its n cells (copied). */
void		 suppress_line(struct suppress *, const size_t *cells,
		    size_t n);
/* Fill mark[ncells] with each cell's enum suppress_mark. */
void		 suppress_run(const struct suppress *, unsigned char *mark);
void		 suppress_free(struct suppress *);
/* A table that is one line. */
void		 suppress_table(const int64_t *v, size_t n, int k,
		    unsigned char *mark);
/* n as shown: "*" hidden as a complement, else as stats_shown. */
void		 suppress_shown(int64_t n, int k, unsigned char mark,
		    char *out, size_t outlen);

/* handlers/casework.c: what the cases of a period came to (SPEC §6a, §7),
 * for the report to the city. */
struct casework_key {
	const char	*key;		/* as in stats --format json */
	const char	*vi;		/* its name in the report */
};
enum { CASEWORK_F, CASEWORK_M, CASEWORK_SEX_UNKNOWN, CASEWORK_SEXES };
#define CASEWORK_AGES		4	/* 0-17, 18-59, 60+, unknown */
#define CASEWORK_AGE_UNKNOWN	(CASEWORK_AGES - 1)
#define CASEWORK_CODES		6	/* CA YT TL PL HG KHAC */
#define CASEWORK_OUTCOMES	(CASEWORK_CODES + 1)	/* and unknown */
#define CASEWORK_OUTCOME_UNKNOWN CASEWORK_CODES
extern const struct casework_key casework_sexes[CASEWORK_SEXES];
extern const struct casework_key casework_ages[CASEWORK_AGES];
extern const struct casework_key casework_outcomes[CASEWORK_OUTCOMES];
/* Counts of the reports created in a period, "unknown" where nothing
 * was recorded (open reports too). A report counts once in each of its
 * outcome codes. */
struct casework_medians {
	int64_t		 median_ack_s;	/* to the first NHAN/XONG; -1 none */
	int64_t		 median_close_s; /* to XONG; -1 none */
	int64_t		 acked, closed;	/* how many spans each median has */
};
/* A commune's medians, in the city's report (SPEC §11). */
struct casework_by {
	char		 commune[COMMUNE_MAX];	/* its code, "*", "" */
	struct casework_medians m;
};
struct casework {
	int64_t		 sex[CASEWORK_SEXES];
	int64_t		 age[CASEWORK_AGES];
	int64_t		 outcome[CASEWORK_OUTCOMES];
	int64_t		 median_ack_s;	/* to the first NHAN/XONG; -1 none */
	int64_t		 median_close_s; /* to XONG; -1 none */
	int64_t		 acked, closed;	/* how many spans each median has */
	/* Counted for every commune: each commune's medians, in the order
	 * of their codes, those with a span only; ours (casework_clear). */
	struct casework_by *by;
	size_t		 nby;
};
/* The band of an age (-1: not recorded): an index of casework_ages. */
int		 casework_age_band(int age);
/* The index of outcome code (s, len) ("CA", upper case), or -1. */
int		 casework_code(const char *s, size_t len);
/* Count one group of the store's cases into cw. */
void		 casework_add(struct casework *, const struct store_case *);
/* The median of v[0..n) (sorted in place; two in the middle: their mean,
 * rounded down), or -1 when n is 0. */
int64_t		 casework_median(int64_t *v, size_t n);
/* Fill cw for commune's reports created in [from, to) (commune NULL or
 * "": every commune's, and cw->by). 0, or -1. casework_clear frees
 * cw->by. */
int		 casework_count(struct store *, int64_t from, int64_t to,
		    const char *commune, struct casework *);
void		 casework_clear(struct casework *);
/* The medians of commune in cw (made for every commune): its own, or
 * none (-1) if it has no span. */
void		 casework_of(const struct casework *, const char *commune,
		    struct casework_medians *);
/* s seconds for a reader: its two largest units, "2 h 5 min", "45 s" (vi:
 * "2 giờ 5 phút"). */
void		 casework_duration(int64_t s, int vi, char *out,
		    size_t outlen);
/* fn gets the reports created in each local month (of tz) that [from, to)
 * touches, first to last, empty months too; -1 from fn stops. 0, -1. */
typedef int	 (*casework_month_fn)(int y, int m, int64_t n, void *);
int		 casework_months(struct store *, const char *tz, int64_t from,
		    int64_t to, const char *commune, casework_month_fn, void *);


struct intake {
	const struct config	*conf;
	struct store		*st;
	const struct inbound	*in;
	int64_t			 now;
	const char		*folded;	/* the text, text_keyfold */
	struct route_match	 m;
	/* Results. */
	enum category		 stored;	/* category kept with message */
	int64_t			 report_id;	/* 0: none */
	char			 ref[REF_MAX];
	char			 reply[REPLY_MAX];
	int			 new_report;	/* a report was filed */
	/* The text kept with the message and passed on in alerts instead of
	 * in->text (a TK without its PIN, SPEC §8), or NULL. malloc'd by
	 * the handler that sets it; the router frees it. */
	char			*stored_text;
	/* The sender as a contact, looked up by the router for families
	 * that only contacts or officials may use; id 0 if not one. */
	struct contact_row	 contact;
	/* A city's (SPEC §11): the whole config, whose top level is the
	 * city's (conf is the message's commune's, or it when nobody told
	 * which); NULL without communes. */
	const struct config	*city;
	/* The commune the text named at the start of its words, which the
	 * router took off m.args (TK's handler reads it); or NULL. */
	const struct commune	*named;
	/* Who acts, for a person who is no contact (an operator, a console
	 * user): kept as acked_by instead of in->from; NULL: in->from. */
	const char		*by;
};

/*
 * An intake for what an operator does through tincayctl rather than by
 * SMS: in, zeroed, names provider and comes from from; it is filled in
 * and points at in. Both are the caller's.
 */
static inline void
intake_operator(struct intake *it, struct inbound *in,
    const struct config *conf, struct store *st, const char *provider,
    const char *from, int64_t now)
{
	memset(in, 0, sizeof(*in));
	in->provider = provider;
	util_strlcpy(in->from, from, sizeof(in->from));
	memset(it, 0, sizeof(*it));
	it->conf = conf;
	it->st = st;
	it->in = in;
	it->now = now;
}

/*
 * A handler returns 0 (done: stored category, reply and writes are in the
 * intake), -1 (error: the message's savepoint rolls back) or
 * HANDLER_UNMATCHED: the router then answers the text exactly as one with
 * no keyword, so that nothing reveals a keyword the sender may not use
 * (TK with a wrong PIN).
 */
#define HANDLER_UNMATCHED	1
typedef int	 (*handler_fn)(struct intake *);

/*
 * family.c: the keyword families, one row each (tmux's cmd_table style).
 * Each handlers/X.c exports its rows; family.c lists them. The router
 * builds its folded keyword index from the rows and the configured
 * keywords (config.c takes each row's built-in keywords as the default
 * and its name as the key under "keywords"), and runs fn for a match.
 */
enum family_who {
	WHO_ANYONE,			/* any number */
	WHO_CONTACT,			/* a number in contacts */
	WHO_OFFICIAL			/* a contact of an officials role */
};
#define FAMILY_KEYWORDS_MAX	8
struct family {
	enum category	 cat;
	const char	*name;		/* config key, stored category */
	/* Built-in keywords, NULL-terminated; none: a category the router
	 * decides without a keyword (unknown, followup). */
	const char	*keywords[FAMILY_KEYWORDS_MAX];
	int		 needs_ref;	/* a REF must follow the keyword */
	enum family_who	 who;		/* anyone else: as if no keyword */
	handler_fn	 fn;
};
/* The row of cat, or NULL. */
const struct family *family_of(enum category);
/* The row named name ("gbv"), or NULL. */
const struct family *family_named(const char *name);
/* 1 if role is one of conf's officials (who may TK, and NHAN or XONG
 * any report). */
int		 family_official(const struct config *, const char *role);
/* Every row, in table order: families()[i] for i < *n. */
const struct family *const *family_all(size_t *n);

/*
 * template.c: the replies residents and responders get, each a built-in
 * text with %REF% for the report's REF; "templates" in the config
 * overrides them by name.
 */
/* "received", ...; and back (-1 if unknown). */
const char	*template_name(enum tmpl);
int		 template_lookup(const char *name);
/* The built-in text, and whether it should carry %REF%. */
const char	*template_default(enum tmpl);
int		 template_wants_ref(enum tmpl);
/* Render template t (the config's, or the built-in) with %REF% into
 * out. */
void		 template_render(const struct config *, enum tmpl,
		    const char *ref, char *out, size_t outlen);

/*
 * report.c: the report to the city (SPEC §6a, §7, §11) of a period,
 * gathered once into figures that each format prints: CSV here, HTML in
 * report_html.c (tincayctl stats and the console's month, SPEC §12),
 * text and JSON in tincayctl.
 */
/* A breakdown: keys in the order they are shown, with their counts. */
struct report_tally {
	struct report_tally_item {
		char	*key;		/* ours */
		int64_t	 n;
		unsigned char hide;	/* enum suppress_mark */
	}		*v;
	size_t		 n, cap;
};
/* REPORT_BY_COMMUNE: a city's report only (SPEC §11). */
enum report_by {
	REPORT_BY_CATEGORY, REPORT_BY_STATUS, REPORT_BY_AREA,
	REPORT_BY_SIGNUPS, REPORT_BY_MONTH, REPORT_BY_SEX, REPORT_BY_AGE,
	REPORT_BY_OUTCOME, REPORT_BY_COMMUNE, REPORT_BY__MAX
};
/* Each breakdown: its JSON key, its name for --table and in the text,
 * and whether the text prints it on a line of its own (the others are in
 * the table). */
struct report_by_name {
	const char	*json, *name;
	int		 line;
};
extern const struct report_by_name report_bys[REPORT_BY__MAX];
/* CSV's tables beyond the breakdowns. */
#define REPORT_TABLE_ROWS	REPORT_BY__MAX
#define REPORT_TABLE_MEDIANS	(REPORT_BY__MAX + 1)
/* The reports of a period by (area, category, status), and the signups
 * by area (status NULL), as the store ordered them. */
struct report_groups {
	struct report_group {
		char	*commune;	/* a city's report: its code; else NULL */
		char	*area;		/* NULL: unknown */
		char	*key;		/* its area's in by[]: "T3", "unknown";
					 * a city's "CODE.T3", "CODE.unknown" */
		char	*category;
		char	*status;	/* NULL for signups */
		int64_t	 n;
		unsigned char hide;	/* enum suppress_mark */
	}		*v;
	size_t		 n, cap;
};
/* A hamlet the report lists, in the config's order: its key in
 * by[REPORT_BY_AREA] (ours) and its name (borrowed from the config). */
struct report_hamlet {
	char		*key;
	const char	*name;
};
struct report_figures {
	/* The config the report is of: the one without communes, the
	 * commune's (--commune), or a city's top level (the city's). */
	const struct config *conf;
	/* A city's report (no --commune): the whole config, else NULL. */
	const struct config *city;
	const char	*commune;	/* --commune: a code, "*"; else NULL */
	struct report_hamlet *hamlets;	/* ours */
	size_t		 nhamlets;
	char		 from[16], to[16];	/* local dates, inclusive */
	char		 made[24];	/* local "YYYY-MM-DD HH:MM" */
	int		 k;		/* --suppress: 1..k-1 shown "<k" */
	int64_t		 reports, signups;
	struct report_groups rows;
	struct report_tally by[REPORT_BY__MAX];	/* area keys: codes,
						 * "unknown"; month keys
						 * "YYYY-MM" */
	struct casework	 cw;		/* its medians; counts are in by[] */
	/* --suppress: how the text table's sums are shown (enum
	 * suppress_mark), by the indices of by[REPORT_BY_AREA] and
	 * by[REPORT_BY_CATEGORY]; NULL without. */
	unsigned char	*line_hide;	/* an area's category: na x nc */
	unsigned char	*all_hide;	/* a category's status: nc x STATS__MAX */
};
/* The days of month m of year y; a date YYYY-MM-DD that exists into y,
 * m, d: 0, or -1. */
int		 report_month_days(int y, int m);
int		 report_date(const char *s, int *y, int *m, int *d);
/* Everything the report says about [t0, t1) into f, whose conf, city,
 * commune, k, from and to the caller set: 0, or -1 (the store failed).
 * report_clear frees what f holds, whatever fill got to. */
int		 report_fill(struct store *, struct report_figures *,
		    int64_t t0, int64_t t1);
void		 report_clear(struct report_figures *);
/* Whether f is a city's report: every commune's, by commune. */
int		 report_is_city(const struct report_figures *);
/* n as shown: "<k" for 1..k-1 under --suppress K, else the number. */
void		 report_shown(const struct report_figures *, int64_t n,
		    char *out, size_t outlen);
/* A cell of a table as shown: also "*" hidden as a complement (SPEC §6). */
void		 report_cell(const struct report_figures *, int64_t n,
		    unsigned char hide, char *out, size_t outlen);
/* A commune's name in a city's report: the config's, and for "*" and ""
 * what they stand for (vi: in Vietnamese). */
const char	*report_commune_name(const struct report_figures *,
		    const char *code, int vi);
/* A commune's medians as shown under --suppress: 1 and none (-1) when
 * they hold 1 to k - 1 reports, as a hamlet's count would be hidden;
 * else 0. */
int		 report_commune_medians(const struct report_figures *,
		    const char *code, struct casework_medians *);
/* How a sum of the report rows is shown under --suppress (enum
 * suppress_mark): area's category, or (area NULL) a category's status s
 * over the areas, s -1 the category's. */
unsigned char	 report_sum_hide(const struct report_figures *,
		    const char *area, const char *category, int s);
/* The CSV of table (REPORT_TABLE_ROWS, _MEDIANS, or a breakdown). */
void		 report_csv(FILE *, const struct report_figures *, int table);
/* report_html.c: the figures as one self-contained printable page; page
 * NULL: its style inline (tincayctl); else linked from page->stylesheet,
 * and page->before (may be NULL) writes what comes first in <body>. */
struct report_page {
	const char	*stylesheet;
	void		(*before)(FILE *, void *);
	void		*arg;
};
extern const char report_html_style[];
void		 report_html(FILE *, const struct report_figures *,
		    const struct report_page *);

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
	const char	*previous;	/* REF of the report it follows, or
					   NULL (SPEC §4) */
	const char	*commune;	/* a city's commune code, "*" none
					   told yet; NULL or "": no city */
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
/*
 * File a report of cat in area (index, or -1) from reporter's text, as a
 * keyword would, outside a message (tincayctl inbox file): the report,
 * its alerts, in the open transaction. Its id (ref filled), or -1.
 */
int64_t		 alert_file_report(struct store *, const struct config *,
		    enum category cat, int area, const char *reporter,
		    const char *text, int64_t now, char ref[REF_MAX]);
/*
 * The reply to a text without keyword, and to every text that must not
 * tell whoever holds the phone whether it has a report (a follow-up, HUY:
 * SPEC §5, §8): the same bytes for any number.
 */
void		 alert_reply_neutral(struct intake *);
char		*alert_sms_text(const struct config *,
		    const struct alert_report *, const char *event);
char		*alert_webhook_body(const struct alert_report *, const char *);
extern const struct family alert_gbv_family, alert_shelter_family,
		    alert_followup_family, alert_unknown_family;
/* ack.c: NHAN/OK, XONG and HUY with a REF. */
extern const struct family ack_ack_family, ack_done_family,
		    ack_cancel_family;
/*
 * XONG ref codes by an operator (SPEC §6a): codes (words, any case or
 * accents: "nu 30 CA YT", "NHAM") read as a responder's are.
 * ack_close_by_operator (tincayctl reports close): the report closed (or
 * cancelled) with acked_by ACK_OPERATOR and every contact alerted for it
 * told. ack_amend_by_operator (reports amend): a closed or cancelled
 * report's codes replaced, at any time, nobody told. In a transaction of its own (none may be open).
 * reply gets the text a responder would get, saying what was understood
 * and what not; for ACK_OPERATOR_NOT_OPEN and _NOT_CLOSED the report's
 * status instead. Returns an enum ack_operator, or -1.
 */
#define ACK_OPERATOR	"tincayctl"
enum ack_operator {
	ACK_OPERATOR_CLOSED,
	ACK_OPERATOR_CANCELLED,		/* NHAM: a false alarm */
	ACK_OPERATOR_AMENDED,		/* its codes replaced */
	ACK_OPERATOR_NO_REPORT,		/* no report has that REF */
	ACK_OPERATOR_NOT_OPEN,		/* closed or cancelled already (take:
					   acknowledged already too) */
	ACK_OPERATOR_NOT_CLOSED,	/* amend: not closed yet */
	ACK_OPERATOR_TAKEN		/* NHAN: acknowledged */
};
/*
 * The same for anyone who is no contact (a console user, SPEC §12), op
 * choosing NHAN, XONG or the amend, acked_by becoming by: in the open
 * batch (begun if none is) under a savepoint of its own, never committed
 * here (the daemon's loop commits; tincayctl's wrappers above do).
 */
enum ack_op { ACK_OP_TAKE, ACK_OP_CLOSE, ACK_OP_AMEND };
int		 ack_by_user(struct store *, const struct config *,
		    enum ack_op, const char *ref, const char *codes,
		    const char *by, int64_t now, char *reply,
		    size_t replylen);
int		 ack_close_by_operator(struct store *, const struct config *,
		    const char *ref, const char *codes, int64_t now,
		    char *reply, size_t replylen);
int		 ack_amend_by_operator(struct store *, const struct config *,
		    const char *ref, const char *codes, int64_t now,
		    char *reply, size_t replylen);
/*
 * need.c: need to know across a city's communes (SPEC §11). Whether the
 * sender (it->contact, a contact) may act on report row (NHAN, XONG) or
 * on a text of the review list of commune (DUYET, BO): a contact of its
 * commune may; a city-level one ("*") if the commune's routing or
 * escalation of the report's category (or the city's escalation it climbs
 * to) names its role, for a text its review.to; a contact of another
 * commune never. Always without communes (it->city NULL). 1 or 0.
 */
int		 need_report(const struct intake *, const struct report_row *);
int		 need_text(const struct intake *, const char *commune);
/* help.c */
extern const struct family help_family;
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
extern const struct family signup_join_family, signup_optout_family;
/*
 * Queue text (folded to GSM-7, at most SIGNUP_BROADCAST_SEGMENTS
 * segments) as one outbox row, event "broadcast", to each subscriber of
 * campaign code (of commune only: a code, the config's spelling or any
 * case; NULL: every commune) who has not opted out, committing every
 * batch rows, from
 * the subscription after after (0: all; a run cut short resumes from
 * the last one store_broadcast_run says it queued). progress (may be
 * NULL) is called after each commit. Returns how many
 * rows were queued, or -1 with why in err (the batches committed before
 * an error stay queued; err says how many).
 */
typedef void	 (*signup_progress_fn)(size_t done, size_t total, void *);
/* text as an operator's SMS goes out (a broadcast, tincayctl send):
 * folded to GSM-7; NULL with why in err if it is blank or longer than
 * SIGNUP_BROADCAST_SEGMENTS segments. Returns malloc'd. */
char		*signup_broadcast_text(const char *text, char *err,
		    size_t errlen);
int64_t		 signup_broadcast(struct store *, const struct config *,
		    const char *code, const char *commune, const char *text,
		    int64_t after, size_t batch, signup_progress_fn progress,
		    void *arg, char *err, size_t errlen);
/* The campaign a broadcast to commune (a code; NULL: all) names by code:
 * the commune's (its own, or the top level's), or for all the top
 * level's, else the first commune's that has it; NULL if none (or no
 * such commune). */
const struct campaign *signup_broadcast_campaign(const struct config *,
		    const char *code, const char *commune);
/* The key of a broadcast's run (store_broadcast_run): the campaign's
 * code, and "/COMMUNE" for a run to one commune. */
#define SIGNUP_RUN_KEY_MAX	(16 + 1 + COMMUNE_MAX)
void		 signup_run_key(const char *code, const char *commune,
		    char key[SIGNUP_RUN_KEY_MAX]);
/*
 * inbox.c: a person's answer to a text of the review list (SPEC §4, §7):
 * tincayctl inbox file, the console's review (§12). In the open batch
 * (begun here if none is) under a savepoint of their own, never
 * committed here. Each returns an enum inbox_result, or -1 (nothing
 * written).
 */
enum inbox_result {
	INBOX_FILED,
	INBOX_NOT_WAITING,	/* no such text waits to be filed */
	INBOX_NO_AREA,		/* its commune has no such hamlet */
	INBOX_NO_REPORT		/* attach: no report has that REF */
};
struct inbox_filed {
	int64_t			 report;
	char			 ref[REF_MAX];
	const struct config	*conf;		/* its commune's */
	int			 area;		/* into conf->areas, or -1 */
};
/* The hamlet of conf whose code is code (any case), or -1. */
int		 inbox_area(const struct config *, const char *code);
/* Text id as a report of cat in hamlet area (a code, or NULL) of commune
 * (a code; NULL: the text's own), of city's config (its communes'). */
int		 inbox_file(struct store *, const struct config *city,
		    int64_t id, enum category, const char *area,
		    const char *commune, int64_t now, struct inbox_filed *);
/* Text id as a follow-up of report ref (upper case): forwarded to the
 * contacts alerted for it, how many into *forwarded. */
int		 inbox_attach(struct store *, const struct config *city,
		    int64_t id, const char *ref, int64_t now, int *forwarded);
/* review.c: DUYET ID [AREA] and BO ID from a review.to contact. */
extern const struct family review_approve_family, review_dismiss_family;
/* stats.c: TK/THONGKE for officials (SPEC §6); the counts are above. */
extern const struct family stats_family;
/* Before a message is stored (SPEC §8): a text from an official's number
 * with a PIN that begins like TK ("TK1234", "TK PIN 1234") gets a
 * stored_text without the PIN, whatever family took it. 0 or -1. */
int		 stats_keep_no_pin(struct intake *);

#endif
