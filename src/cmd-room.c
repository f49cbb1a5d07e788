/* Palette commands about rooms and conversations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cluster.h"
#include "remote.h"
#include "cmd.h"
#include "config.h"
#include "guard.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "session.h"
#include "verify.h"
#include "view.h"
#include "xmalloc.h"

#define CMD_LIST_MAX	200	/* names shown by :list and :listall */

/* A :join waiting for the verifier. */
struct cmd_join_wait {
	struct client		*c;
	struct guard_ticket	 ticket;
	char			 name[ROOM_NAME_MAX + 2];
};

static int	cmd_join_enter(struct client *c, struct room *r);
static void	cmd_dm_remote(struct client *c, const char *name);
static void	cmd_join_seated(struct client *c, int result, unsigned seats,
		    const char *name);
static void	cmd_join_checked(int result, void *arg);

/* :rooms: public rooms with their fill and description. */
void
cmd_rooms(struct client *c, int argc, char **argv)
{
	struct room *r;
	char fill[32];
	unsigned members;
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
		/* Members on every node: a limit holds across them all. */
		members = r->nmembers + remote_in(r->name);
		if (r->limit > 0)
			snprintf(fill, sizeof fill, "%u/%u", members, r->limit);
		else
			snprintf(fill, sizeof fill, "%u", members);
		client_printf(c, "  %-*s  %-9s %s", width, r->name, fill,
		    r->description);
	}
	if (shown == 0)
		client_line(c, MSG_ROOMS_NONE);
}

/*
 * Into r, unless c is there already or r is full. In a cluster, a room
 * with a limit asks Redis for a seat: input waits, and 1 says that
 * cmd_join_seated will prompt and read again.
 */
static int
cmd_join_enter(struct client *c, struct room *r)
{
	if (c->room == r) {
		client_printf(c, MSG_ALREADY_IN, r->name);
		return (0);
	}
	if (room_full(r)) {
		client_printf(c, MSG_ROOM_FULL, r->name, r->nmembers, r->limit);
		return (0);
	}
	if (r->limit > 0 && cluster_enabled()) {
		client_hold_read(c);
		cluster_seat_claim(c, r, cmd_join_seated);
		return (1);
	}
	room_join(c, r);
	client_printf(c, MSG_JOINED, r->name);
	return (0);
}

/* Redis answered a seat claim for room name. */
static void
cmd_join_seated(struct client *c, int result, unsigned seats,
    const char *name)
{
	struct room *r = room_find(name);

	if (r == NULL)
		client_printf(c, MSG_JOIN_REFUSED, name);
	else if (result == CLUSTER_CLAIM_OK) {
		if (c->room != r) {
			room_join(c, r);
			client_printf(c, MSG_JOINED, r->name);
		}
	} else if (result == CLUSTER_CLAIM_TAKEN)
		client_printf(c, MSG_ROOM_FULL, r->name, seats, r->limit);
	else
		client_printf(c, MSG_ROOM_UNCHECKED, r->name);
	client_prompt(c);
	client_release_read(c, 0);
}

/*
 * :join ROOM [PASSWORD]. A public room without password opens at once.
 * Any other name is a guess: within the budgets of guard.c it is checked
 * on the verifier thread, one hash whether the room has a hash, a plain
 * password or does not exist, and the user's input waits for the answer;
 * past the budgets the user is told how long to wait and input pauses.
 */
void
cmd_join(struct client *c, int argc, char **argv)
{
	struct room *r = room_find(argv[0]);
	struct cmd_join_wait *w;
	unsigned wait;

	if (r != NULL && room_open(r)) {
		cmd_join_enter(c, r);
		return;
	}
	w = xcalloc(1, sizeof *w);
	wait = guard_admit(&w->ticket, &c->sa.sa, argv[0],
	    r != NULL ? r->name : NULL);
	if (wait > 0) {
		free(w);
		client_printf(c, MSG_JOIN_WAIT, wait);
		client_pause_read(c, wait);
		return;
	}
	w->c = c;
	snprintf(w->name, sizeof w->name, "%s", argv[0]);
	c->verify = room_verify(r, argc > 1 ? argv[1] : NULL,
	    cmd_join_checked, w);
	if (c->verify == NULL) {
		guard_done(&w->ticket, GUARD_UNCHECKED, NULL);
		free(w);
		client_line(c, MSG_JOIN_BUSY);
		return;
	}
	client_hold_read(c);
}

/* The verifier answered (or the user left meanwhile). */
static void
cmd_join_checked(int result, void *arg)
{
	struct cmd_join_wait *w = arg;
	struct client *c = w->c;
	struct room *r;
	unsigned wait;

	if (result == VERIFY_CANCELLED) {
		guard_done(&w->ticket, GUARD_UNCHECKED, NULL);
		free(w);
		return;
	}
	c->verify = NULL;
	r = room_find(w->name);
	wait = 0;
	if (result == VERIFY_RIGHT && r != NULL) {
		guard_done(&w->ticket, GUARD_RIGHT, r->name);
		if (!(c->flags & CLIENT_CLOSING) && cmd_join_enter(c, r)) {
			free(w);
			return;
		}
	} else {
		wait = guard_done(&w->ticket, GUARD_WRONG,
		    r != NULL ? r->name : NULL);
		client_printf(c, MSG_JOIN_REFUSED, w->name);
		if (wait > 0)
			client_printf(c, MSG_JOIN_WAIT, wait);
	}
	free(w);
	client_prompt(c);
	client_release_read(c, wait);
}

/* :list: the members of a room, or both ends of a DM. */
void
cmd_list(struct client *c, int argc, char **argv)
{
	struct room *r = c->room;
	struct client *m;
	unsigned shown = 0, total;
	int marked = 0;

	(void)argc;
	(void)argv;
	if (r == NULL) {
		client_line(c, MSG_NOT_IN_ROOM);
		return;
	}
	if (r->peer[0] != NULL) {
		client_printf(c, MSG_LIST_HEAD, room_label(r, c), 2u);
		cmd_list_name(c, r->peer[0], &marked);
		if (r->remote != NULL)
			client_printf(c, MSG_LIST_REMOTE, r->remote, "",
			    remote_find(r->remote, NULL, NULL) != NULL ?
			    remote_find(r->remote, NULL, NULL) : "?");
		else
			cmd_list_name(c, r->peer[1], &marked);
		cmd_list_end(c, marked);
		return;
	}
	total = r->nmembers + remote_in(r->name);
	client_printf(c, MSG_LIST_HEAD, r->name, total);
	TAILQ_FOREACH(m, &r->members, member) {
		if (shown++ == CMD_LIST_MAX) {
			client_printf(c, "  ... and %u more",
			    total - CMD_LIST_MAX);
			break;
		}
		cmd_list_name(c, m, &marked);
	}
	if (shown <= CMD_LIST_MAX)
		cmd_list_remote(c, r->name, shown, total, &marked);
	cmd_list_end(c, marked);
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

/* :close: leave the room, or end the DM (the other end is told). */
void
cmd_close(struct client *c, int argc, char **argv)
{
	char label[ROOM_NAME_MAX + USERNAME_LIMIT_MAX + 8];
	struct room *r = c->room;

	(void)argc;
	(void)argv;
	if (r == NULL) {
		client_line(c, MSG_NOT_IN_ROOM);
		return;
	}
	if (r->peer[0] != NULL) {
		snprintf(label, sizeof label, "%s", room_dm_peer_name(r, c));
		room_dm_close(c, r);
		client_printf(c, MSG_LEFT_DM, label);
		return;
	}
	snprintf(label, sizeof label, "%s", r->name);
	room_leave(c);
	client_printf(c, MSG_LEFT_ROOM, label);
}

/*
 * :dm USER: a private conversation; the other end is told, with a bell on
 * a terminal, at most once a minute for the same sender. Each DM keeps a
 * history ring: a user may be an end of at most dmLimit.
 */
void
cmd_dm(struct client *c, int argc, char **argv)
{
	struct client *peer = client_find(argv[0]);
	unsigned limit = server.cfg->dm_limit;
	struct room *r;
	char line[USERNAME_LIMIT_MAX * 2 + 64];
	const char *spelled;

	(void)argc;
	if ((peer == NULL || (peer->flags & CLIENT_CLOSING)) &&
	    remote_find(argv[0], NULL, &spelled) != NULL) {
		cmd_dm_remote(c, spelled);
		return;
	}
	if (peer == NULL || (peer->flags & CLIENT_CLOSING)) {
		client_printf(c, MSG_DM_OFFLINE, argv[0]);
		return;
	}
	if (peer == c) {
		client_line(c, MSG_DM_SELF);
		return;
	}
	if ((r = room_dm_find(c, peer)) == NULL) {
		if (room_dm_count(c) >= limit) {
			client_printf(c, MSG_DM_LIMIT, limit);
			return;
		}
		if (room_dm_count(peer) >= limit) {
			client_printf(c, MSG_DM_PEER_LIMIT, peer->name);
			return;
		}
		r = room_dm_new(c, peer);
	}
	if (c->room != r)
		room_join(c, r);
	room_dm_opened(r, c);
	client_printf(c, MSG_DM_OPEN, peer->name);
	if (peer->room == r || !room_dm_ring(peer, c->name))
		return;
	snprintf(line, sizeof line, MSG_DM_WAITING, c->name, c->name);
	client_bell(peer);
	client_notice(peer, line);
}

/*
 * :dm with a user of another node: this node keeps c's side of the DM,
 * the other node its user's, and lines travel between the two.
 */
static void
cmd_dm_remote(struct client *c, const char *name)
{
	unsigned limit = server.cfg->dm_limit;
	struct room *r;

	if ((r = room_dm_find_remote(c, name)) == NULL) {
		if (room_dm_count(c) >= limit) {
			client_printf(c, MSG_DM_LIMIT, limit);
			return;
		}
		r = room_dm_new_remote(c, name);
	}
	if (c->room != r)
		room_join(c, r);
	room_dm_opened(r, c);
	client_printf(c, MSG_DM_OPEN, r->remote);
	if (cluster_dm_send(CLUSTER_DM_OPEN, c->name, r->remote, "") != 0)
		client_line(c, MSG_DM_NOT_SENT);
}
