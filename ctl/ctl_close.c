/*
 * ctl_close.c: reports close REF [CODE...]: XONG REF CODE... (SPEC §6a)
 * by an operator, through ack_close_by_operator(): the same codes, the
 * same reply and the same events to the contacts alerted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int
ctl_close(struct ctl *c, int argc, char **argv)
{
	char	 reply[REPLY_MAX], *codes;
	size_t	 len = 1, o = 0;
	int	 i, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: tincayctl reports close REF "
		    "[CODE...]\n");
		return -1;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	codes = xcalloc(1, len);
	for (i = 2; i < argc; i++)
		o += (size_t)snprintf(codes + o, len - o, "%s%s", o ? " " : "",
		    argv[i]);
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
		    "changed\n", argv[1], reply);
		return -1;
	default:
		fprintf(stderr, "tincayctl: reports close: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
}
