/*
 * ctl_close.c: reports close REF [CODE...]: XONG REF CODE... (SPEC §6a)
 * by an operator, through ack_close_by_operator(): the same codes, the
 * same reply and the same events to the contacts alerted; and reports
 * amend REF [CODE...]: a closed report's codes replaced, at any time.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* argv[first..argc) joined by spaces. Returns malloc'd. */
static char *
ctl_close_codes(int first, int argc, char **argv)
{
	char	*codes;
	size_t	 len = 1, o = 0;
	int	 i;

	for (i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	codes = xcalloc(1, len);
	for (i = first; i < argc; i++)
		o += (size_t)snprintf(codes + o, len - o, "%s%s", o ? " " : "",
		    argv[i]);
	return codes;
}

/*
 * REF [CODE...] [--commune CODE]: the REF as given (into *ref), the
 * codes (malloc'd, into *codes), and the config the report is handled
 * with: its commune's (SPEC §11: its templates, its officials), which
 * must be --commune's if given. NULL if the words are wrong or the
 * report is not --commune's (said), or it cannot be read; *codes NULL
 * then.
 */
static const struct config *
ctl_close_args(struct ctl *c, int argc, char **argv, const char *what,
    const char **ref, char **codes)
{
	static const struct option opts[] = {
		{ "commune", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_row	 row;
	char			 up[REF_MAX];
	const struct config	*conf;
	const char		*commune = NULL;
	size_t			 k;
	int			 ch, found;

	*codes = NULL;
	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1)
		if (ch != 'C' || (commune = ctl_commune(c->conf, what,
		    optarg)) == NULL)
			return NULL;
	if (optind >= argc) {
		fprintf(stderr, "usage: tincayctl %s REF [CODE...] "
		    "[--commune CODE]\n", what);
		return NULL;
	}
	*ref = argv[optind];
	if (c->conf->ncommunes == 0) {
		*codes = ctl_close_codes(optind + 1, argc, argv);
		return c->conf;
	}
	/* A REF too long for one is nobody's: ack.c says so. */
	for (k = 0; (*ref)[k] != '\0' && k + 1 < sizeof(up); k++)
		up[k] = (char)toupper((unsigned char)(*ref)[k]);
	up[k] = '\0';
	memset(&row, 0, sizeof(row));
	if ((*ref)[k] != '\0')
		found = 0;
	else if ((found = store_report_get(c->st, 0, up, &row)) == -1) {
		fprintf(stderr, "tincayctl: %s: database: %s\n", what,
		    store_errmsg(c->st));
		return NULL;
	}
	if (found == 1 && commune != NULL && strcmp(row.commune,
	    commune) != 0) {
		store_report_row_clear(&row);
		fprintf(stderr, "tincayctl: no report %s in commune %s\n",
		    argv[optind], commune);
		return NULL;
	}
	conf = found == 1 ? config_scoped(c->conf, row.commune) : c->conf;
	store_report_row_clear(&row);
	*codes = ctl_close_codes(optind + 1, argc, argv);
	return conf;
}

int
ctl_close(struct ctl *c, int argc, char **argv)
{
	const struct config	*conf;
	char			 reply[REPLY_MAX], *codes;
	const char		*ref;
	int			 rc;

	if ((conf = ctl_close_args(c, argc, argv, "reports close", &ref,
	    &codes)) == NULL)
		return -1;
	rc = ack_close_by_operator(c->st, conf, ref, codes, util_now(),
	    reply, sizeof(reply));
	free(codes);
	switch (rc) {
	case ACK_OPERATOR_CLOSED:
	case ACK_OPERATOR_CANCELLED:
		printf("report %s %s; the contacts alerted are told\n%s\n",
		    ref, rc == ACK_OPERATOR_CLOSED ? "closed" :
		    "cancelled (false alarm)", reply);
		return 0;
	case ACK_OPERATOR_NO_REPORT:
		fprintf(stderr, "tincayctl: no report %s\n", ref);
		return -1;
	case ACK_OPERATOR_NOT_OPEN:
		fprintf(stderr, "tincayctl: report %s is %s already; nothing "
		    "changed (reports amend corrects its codes)\n", ref,
		    reply);
		return -1;
	default:
		fprintf(stderr, "tincayctl: reports close: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
}

int
ctl_amend(struct ctl *c, int argc, char **argv)
{
	const struct config	*conf;
	char			 reply[REPLY_MAX], *codes;
	const char		*ref;
	int			 rc;

	if ((conf = ctl_close_args(c, argc, argv, "reports amend", &ref,
	    &codes)) == NULL)
		return -1;
	rc = ack_amend_by_operator(c->st, conf, ref, codes, util_now(),
	    reply, sizeof(reply));
	free(codes);
	switch (rc) {
	case ACK_OPERATOR_AMENDED:
		printf("report %s: codes replaced\n%s\n", ref, reply);
		return 0;
	case ACK_OPERATOR_NO_REPORT:
		fprintf(stderr, "tincayctl: no report %s\n", ref);
		return -1;
	case ACK_OPERATOR_NOT_CLOSED:
		fprintf(stderr, "tincayctl: report %s is %s, not closed; "
		    "nothing changed (reports close closes it)\n", ref,
		    reply);
		return -1;
	default:
		fprintf(stderr, "tincayctl: reports amend: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
}
