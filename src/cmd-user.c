/* Palette commands about users and the session itself. */
#include "client.h"
#include "remote.h"
#include "cmd.h"
#include "messages.h"
#include "server.h"

#define CMD_LIST_MAX	200	/* names shown by :listall */

/* Where cmd_list_remote_one() writes. */
struct cmd_list_remote {
	struct client	*c;
	unsigned	 shown;
	unsigned	 total;
	int		*marked;
	int		 more;		/* the "... and N more" line is out */
};

static void	cmd_list_remote_one(const char *name, const char *node,
		    const char *room, int registered, void *arg);

/* :listall: every named user online, on every node. */
void
cmd_listall(struct client *c, int argc, char **argv)
{
	struct client *u;
	unsigned shown = 0, total = server.nusers + remote_count();
	int marked = 0;

	(void)argc;
	(void)argv;
	client_printf(c, MSG_LISTALL_HEAD, total);
	TAILQ_FOREACH(u, &server.clients, entry) {
		if (u->name[0] == '\0' || (u->flags & CLIENT_CLOSING))
			continue;
		if (shown++ == CMD_LIST_MAX) {
			client_printf(c, "  ... and %u more",
			    total - CMD_LIST_MAX);
			break;
		}
		cmd_list_name(c, u, &marked);
	}
	if (shown <= CMD_LIST_MAX)
		cmd_list_remote(c, NULL, shown, total, &marked);
	cmd_list_end(c, marked);
}

/* One user of another node, while there is room on the screen. */
static void
cmd_list_remote_one(const char *name, const char *node, const char *room,
    int registered, void *arg)
{
	struct cmd_list_remote *lr = arg;

	(void)room;
	if (lr->more)
		return;
	if (lr->shown++ == CMD_LIST_MAX) {
		client_printf(lr->c, "  ... and %u more",
		    lr->total - CMD_LIST_MAX);
		lr->more = 1;
		return;
	}
	client_printf(lr->c, MSG_LIST_REMOTE, name, registered ? "*" : "",
	    node);
	if (registered)
		(*lr->marked)++;
}

/* After shown local names of total: the users of other nodes (in room). */
void
cmd_list_remote(struct client *c, const char *room, unsigned shown,
    unsigned total, int *marked)
{
	struct cmd_list_remote lr = { c, shown, total, marked, 0 };

	remote_foreach(NULL, room, cmd_list_remote_one, &lr);
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
