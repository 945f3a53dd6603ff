/*
 * help.c: the help keyword family (HUONGDAN, HD, HELP, ?): a short, discreet
 * instruction with the hotlines. Nothing is filed.
 */
#include "handlers.h"

int
help_reply(struct intake *in)
{
	in->stored = CAT_HELP;
	router_template(in->conf, TMPL_HELP, "", in->reply,
	    sizeof(in->reply));
	return 0;
}
