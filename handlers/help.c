/*
 * help.c: the help keyword family (HUONGDAN, HD, HELP, ?): a short, discreet
 * instruction with the hotlines. Nothing is filed.
 */
#include "handlers.h"

int
help_reply(struct intake *in)
{
	in->stored = CAT_HELP;
	template_render(in->conf, TMPL_HELP, "", in->reply,
	    sizeof(in->reply));
	return 0;
}

const struct family help_family = {
	.cat = CAT_HELP, .name = "help",
	.keywords = { "HUONGDAN", "HD", "HELP", "?" },
	.who = WHO_ANYONE, .fn = help_reply,
};
