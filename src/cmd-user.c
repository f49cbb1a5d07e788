/* Palette commands about users and the session itself. */
#include "client.h"
#include "cmd.h"
#include "messages.h"
#include "server.h"

#define CMD_LIST_MAX	200	/* names shown by :listall */

/* :listall: every named user online. */
void
cmd_listall(struct client *c, int argc, char **argv)
{
	struct client *u;
	unsigned shown = 0;
	int marked = 0;

	(void)argc;
	(void)argv;
	client_printf(c, MSG_LISTALL_HEAD, server.nusers);
	TAILQ_FOREACH(u, &server.clients, entry) {
		if (u->name[0] == '\0' || (u->flags & CLIENT_CLOSING))
			continue;
		if (shown++ == CMD_LIST_MAX) {
			client_printf(c, "  ... and %u more",
			    server.nusers - CMD_LIST_MAX);
			break;
		}
		cmd_list_name(c, u, &marked);
	}
	cmd_list_end(c, marked);
}

/* "  alice*" for a registered name, "  bob" for a guest. */
void
cmd_list_name(struct client *c, const struct client *u, int *marked)
{
	client_printf(c, "  %s%s", u->name, u->account != NULL ? "*" : "");
	if (u->account != NULL)
		(*marked)++;
}

/* What the star means, when there was one. */
void
cmd_list_end(struct client *c, int marked)
{
	if (marked > 0)
		client_line(c, MSG_LIST_REGISTERED);
}

/* :quit: ask first, as the original did. */
void
cmd_quit(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	c->state = CLIENT_QUITTING;
}

/* :q at the palette: it only leaves the chat view, so say so. */
void
cmd_q(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_line(c, MSG_Q_PALETTE);
}
