/* Palette commands about rooms and conversations. */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "config.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "session.h"
#include "view.h"

#define CMD_LIST_MAX	200	/* names shown by :list and :listall */

static void	cmd_join_failed(struct client *c);

/* :rooms: public rooms with their fill and description. */
void
cmd_rooms(struct client *c, int argc, char **argv)
{
	struct room *r;
	char fill[32];
	int width = 0, n, shown = 0;

	(void)argc;
	(void)argv;
	TAILQ_FOREACH(r, &rooms, entry) {
		n = (int)strlen(r->name);
		if (r->public && n > width)
			width = n;
	}
	TAILQ_FOREACH(r, &rooms, entry) {
		if (!r->public)
			continue;
		if (shown++ == 0)
			client_line(c, MSG_ROOMS_HEAD);
		if (r->limit > 0)
			snprintf(fill, sizeof fill, "%u/%u", r->nmembers,
			    r->limit);
		else
			snprintf(fill, sizeof fill, "%u", r->nmembers);
		client_printf(c, "  %-*s  %-9s %s", width, r->name, fill,
		    r->description);
	}
	if (shown == 0)
		client_line(c, MSG_ROOMS_NONE);
}

/*
 * After JOIN_FREE_GUESSES wrong guesses, each one more pauses the
 * connection's input, doubling up to JOIN_PAUSE_MAX seconds, so a password
 * cannot be guessed at line rate. Unknown rooms count too, so the pause
 * does not tell a hidden room from a missing one.
 */
static void
cmd_join_failed(struct client *c)
{
	unsigned n;

	if (++c->join_failures <= JOIN_FREE_GUESSES)
		return;
	n = c->join_failures - JOIN_FREE_GUESSES - 1;
	client_pause_read(c, n >= 5 ? JOIN_PAUSE_MAX : 1u << n);
}

/* :join ROOM [PASSWORD]: unknown room and wrong password look alike. */
void
cmd_join(struct client *c, int argc, char **argv)
{
	struct room *r = room_find(argv[0]);

	if (r == NULL || room_check_password(r, argc > 1 ? argv[1] : NULL)) {
		client_printf(c, MSG_JOIN_REFUSED, argv[0]);
		cmd_join_failed(c);
		return;
	}
	if (c->room == r) {
		client_printf(c, MSG_ALREADY_IN, r->name);
		return;
	}
	if (room_full(r)) {
		client_printf(c, MSG_ROOM_FULL, r->name, r->nmembers, r->limit);
		return;
	}
	room_join(c, r);
	client_printf(c, MSG_JOINED, r->name);
}

/* :list: the members of a room, or both ends of a DM. */
void
cmd_list(struct client *c, int argc, char **argv)
{
	struct room *r = c->room;
	struct client *m;
	unsigned shown = 0;

	(void)argc;
	(void)argv;
	if (r == NULL) {
		client_line(c, MSG_NOT_IN_ROOM);
		return;
	}
	if (r->peer[0] != NULL) {
		client_printf(c, MSG_LIST_HEAD, room_label(r, c), 2u);
		client_printf(c, "  %s", r->peer[0]->name);
		client_printf(c, "  %s", r->peer[1]->name);
		return;
	}
	client_printf(c, MSG_LIST_HEAD, r->name, r->nmembers);
	TAILQ_FOREACH(m, &r->members, member) {
		if (shown++ == CMD_LIST_MAX) {
			client_printf(c, "  ... and %u more",
			    r->nmembers - CMD_LIST_MAX);
			break;
		}
		client_printf(c, "  %s", m->name);
	}
}

/* :chat: into the view of the current room or DM. */
void
cmd_chat(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (c->room == NULL) {
		client_line(c, MSG_NOT_IN_ROOM);
		return;
	}
	c->state = CLIENT_CHATVIEW;
	view_enter(c);
}

/* :close: leave the room or DM. */
void
cmd_close(struct client *c, int argc, char **argv)
{
	char label[ROOM_NAME_MAX + USERNAME_LIMIT_MAX + 8];
	int dm;

	(void)argc;
	(void)argv;
	if (c->room == NULL) {
		client_line(c, MSG_NOT_IN_ROOM);
		return;
	}
	dm = c->room->peer[0] != NULL;
	snprintf(label, sizeof label, "%s", dm ?
	    room_dm_peer(c->room, c)->name : c->room->name);
	room_leave(c);
	client_printf(c, dm ? MSG_LEFT_DM : MSG_LEFT_ROOM, label);
}

/* :dm USER: a private conversation; the other end is told. */
void
cmd_dm(struct client *c, int argc, char **argv)
{
	struct client *peer = client_find(argv[0]);
	struct room *r;
	char line[USERNAME_LIMIT_MAX * 2 + 64];

	(void)argc;
	if (peer == NULL || (peer->flags & CLIENT_CLOSING)) {
		client_printf(c, MSG_DM_OFFLINE, argv[0]);
		return;
	}
	if (peer == c) {
		client_line(c, MSG_DM_SELF);
		return;
	}
	r = room_dm(c, peer);
	if (c->room != r)
		room_join(c, r);
	client_printf(c, MSG_DM_OPEN, peer->name);
	if (peer->room == r)
		return;
	snprintf(line, sizeof line, "%s" MSG_DM_WAITING,
	    (peer->flags & CLIENT_TERMINAL) ? "\a" : "", c->name, c->name);
	client_notice(peer, line);
}
