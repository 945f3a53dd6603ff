/*
 * ctl_close.c: reports close REF [CODE...]: XONG REF CODE... (SPEC §6a)
 * by an operator, through ack_close_by_operator(): the same codes, the
 * same reply and the same events to the contacts alerted; and reports
 * amend REF [CODE...]: a closed report's codes replaced, at any time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* argv[2..argc) joined by spaces. Returns malloc'd. */
static char *
ctl_close_codes(int argc, char **argv)
{
	char	*codes;
	size_t	 len = 1, o = 0;
	int	 i;

	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	codes = xcalloc(1, len);
	for (i = 2; i < argc; i++)
		o += (size_t)snprintf(codes + o, len - o, "%s%s", o ? " " : "",
		    argv[i]);
	return codes;
}

int
ctl_close(struct ctl *c, int argc, char **argv)
{
	char	 reply[REPLY_MAX], *codes;
	int	 rc;

	if (argc < 2) {
		fprintf(stderr, "usage: tincayctl reports close REF "
		    "[CODE...]\n");
		return -1;
	}
	codes = ctl_close_codes(argc, argv);
	rc = ack_close_by_operator(c->st, c->conf, argv[1], codes, util_now(),
	    reply, sizeof(reply));
	free(codes);
	switch (rc) {
	case ACK_OPERATOR_CLOSED:
	case ACK_OPERATOR_CANCELLED:
		printf("report %s %s; the contacts alerted are told\n%s\n",
		    argv[1], rc == ACK_OPERATOR_CLOSED ? "closed" :
		    "cancelled (false alarm)", reply);
		return 0;
	case ACK_OPERATOR_NO_REPORT:
		fprintf(stderr, "tincayctl: no report %s\n", argv[1]);
		return -1;
	case ACK_OPERATOR_NOT_OPEN:
		fprintf(stderr, "tincayctl: report %s is %s already; nothing "
		    "changed (reports amend corrects its codes)\n", argv[1],
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
	char	 reply[REPLY_MAX], *codes;
	int	 rc;

	if (argc < 2) {
		fprintf(stderr, "usage: tincayctl reports amend REF "
		    "[CODE...]\n");
		return -1;
	}
	codes = ctl_close_codes(argc, argv);
	rc = ack_amend_by_operator(c->st, c->conf, argv[1], codes, util_now(),
	    reply, sizeof(reply));
	free(codes);
	switch (rc) {
	case ACK_OPERATOR_AMENDED:
		printf("report %s: codes replaced\n%s\n", argv[1], reply);
		return 0;
	case ACK_OPERATOR_NO_REPORT:
		fprintf(stderr, "tincayctl: no report %s\n", argv[1]);
		return -1;
	case ACK_OPERATOR_NOT_CLOSED:
		fprintf(stderr, "tincayctl: report %s is %s, not closed; "
		    "nothing changed (reports close closes it)\n", argv[1],
		    reply);
		return -1;
	default:
		fprintf(stderr, "tincayctl: reports amend: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
}
