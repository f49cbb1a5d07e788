/*
 * Rooms come from the configuration; DMs are rooms with two fixed peers.
 * A DM lives until one end :closes it or goes offline; either way the
 * other end is told if it is in the DM or ever opened it with :dm. An end
 * that moves to a room or another DM only steps out: the DM stays, and the
 * other end, if in it, is told. A chat line is
 * formatted once per room, kept in the room's history ring, and copied
 * into the output of each member who is in the chat view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "cluster.h"
#include "remote.h"
#include "config.h"
#include "history.h"
#include "log.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "session.h"
#include "verify.h"
#include "view.h"
#include "xmalloc.h"

struct room_list rooms = TAILQ_HEAD_INITIALIZER(rooms);
static struct room_list dms = TAILQ_HEAD_INITIALIZER(dms);

static struct room *room_new(const char *name, unsigned history_max);
static void	room_set(struct room *r, const struct room_conf *rc);
static void	room_evict(struct room *r, const char *why);
static void	room_free(struct room *r);
static void	room_fanout(struct room *r, const char *line, size_t len);
static struct room *room_remove(struct client *c);
static void	room_announce(struct room *r, const char *line);
static void	room_dm_end(struct room *r, struct client *c,
		    const char *why, int closed);

/* A room with no members and an empty history. */
static struct room *
room_new(const char *name, unsigned history_max)
{
	struct room *r;

	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name);
	r->description = xstrdup("");
	TAILQ_INIT(&r->members);
	r->history = history_new(history_max);
	return (r);
}

/* Copy a room's settings from the configuration. */
static void
room_set(struct room *r, const struct room_conf *rc)
{
	free(r->password);
	free(r->password_hash);
	free(r->description);
	r->public = rc->public;
	r->password = rc->password ? xstrdup(rc->password) : NULL;
	r->password_hash = rc->password_hash ?
	    xstrdup(rc->password_hash) : NULL;
	r->description = xstrdup(rc->description);
	r->limit = rc->limit;
}

/* Send every member back to the palette with a notice. */
static void
room_evict(struct room *r, const char *why)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&r->members)) != NULL) {
		TAILQ_REMOVE(&r->members, c, member);
		r->nmembers--;
		c->room = NULL;
		if (c->state != CLIENT_CHATVIEW) {
			client_notice(c, why);
			continue;
		}
		session_palette_why(c, why);
	}
}

/* Free an empty room. */
static void
room_free(struct room *r)
{
	free(r->name);
	free(r->password);
	free(r->password_hash);
	free(r->description);
	free(r->remote);
	history_free(r->history);
	free(r);
}

/* Make the room list match cfg: add, update, reorder, remove. */
void
room_configure(const struct config *cfg)
{
	struct room_list keep = TAILQ_HEAD_INITIALIZER(keep);
	struct room *r;
	const char *dummy;
	char why[128];
	size_t i;

	for (i = 0; i < cfg->nrooms; i++) {
		if ((r = room_find(cfg->rooms[i].name)) != NULL)
			TAILQ_REMOVE(&rooms, r, entry);
		else
			r = room_new(cfg->rooms[i].name, cfg->chatview_max);
		room_set(r, &cfg->rooms[i]);
		history_resize(r->history, cfg->chatview_max);
		TAILQ_INSERT_TAIL(&keep, r, entry);
	}
	while ((r = TAILQ_FIRST(&rooms)) != NULL) {
		TAILQ_REMOVE(&rooms, r, entry);
		log_info("room %s removed", r->name);
		snprintf(why, sizeof why, MSG_ROOM_REMOVED, r->name);
		room_evict(r, why);
		room_free(r);
	}
	TAILQ_CONCAT(&rooms, &keep, entry);
	TAILQ_FOREACH(r, &dms, entry)
		history_resize(r->history, cfg->chatview_max);
	/* Checks without a hash cost what the rooms' hashes cost. */
	dummy = NULL;
	TAILQ_FOREACH(r, &rooms, entry) {
		if (r->password_hash != NULL && dummy == NULL)
			dummy = r->password_hash;
	}
	verify_set_dummy(dummy);
}

/* At exit: free rooms and DMs, members or not. */
void
room_free_all(void)
{
	struct room *r;

	while ((r = TAILQ_FIRST(&rooms)) != NULL) {
		TAILQ_REMOVE(&rooms, r, entry);
		room_free(r);
	}
	while ((r = TAILQ_FIRST(&dms)) != NULL) {
		TAILQ_REMOVE(&dms, r, entry);
		room_free(r);
	}
}

/* The configured room called name, any case. */
struct room *
room_find(const char *name)
{
	struct room *r;

	TAILQ_FOREACH(r, &rooms, entry) {
		if (strcasecmp(r->name, name) == 0)
			return (r);
	}
	return (NULL);
}

/* 1 if r is public and has no password. */
int
room_open(const struct room *r)
{
	return (r->public && r->password == NULL && r->password_hash == NULL);
}

/*
 * A check on the verifier: against the room's hash and password, or, for
 * a room nobody can open or no room at all, a check that cannot succeed.
 * Each runs one hash (the dummy where the room has none).
 */
struct verify *
room_verify(const struct room *r, const char *password,
    void (*cb)(int, void *), void *arg)
{
	if (password == NULL)
		password = "";
	if (r == NULL || (r->password == NULL && r->password_hash == NULL))
		return (verify_submit(NULL, NULL, password, cb, arg));
	return (verify_submit(r->password_hash, r->password, password, cb,
	    arg));
}

/* 1 if r admits nobody more. */
int
room_full(const struct room *r)
{
	return (r->limit > 0 && r->nmembers >= r->limit);
}

/*
 * Copy one formatted line to every member in the chat view. The line is
 * followed by CRLF in memory, so a plain client gets it in one write.
 */
static void
room_fanout(struct room *r, const char *line, size_t len)
{
	struct client *c;

	TAILQ_FOREACH(c, &r->members, member) {
		if (c->state == CLIENT_CHATVIEW)
			view_say(c, line, len);
	}
}

/* A server line: kept in the history and shown in the views. */
void
room_notice(struct room *r, const char *line)
{
	char buf[TEXT_MAX + 256 + 2];
	size_t len = strlen(line);

	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 2);
	history_add(r->history, buf, len);
	room_fanout(r, buf, len);
}

/*
 * c's message: in a cluster, a room's goes to every node and comes back
 * through room_deliver here too, and so does a DM's with a user of another
 * node; any other, or any while the link is down, is delivered at once.
 */
void
room_say(struct client *c, const char *text)
{
	struct room *r = c->room;
	char why[USERNAME_LIMIT_MAX + 64];

	if (r->peer[0] == NULL && cluster_room_publish(r, c->name, text) == 0)
		return;
	/* A DM's line across nodes is shown when it comes back, too. */
	if (r->remote != NULL && remote_find(r->remote, NULL, NULL) != NULL &&
	    cluster_dm_send(CLUSTER_DM_SAY, c->name, r->remote, text) == 0)
		return;
	room_deliver(r, c->name, text);
	if (r->remote == NULL)
		return;
	if (remote_find(r->remote, NULL, NULL) == NULL) {
		snprintf(why, sizeof why, MSG_DM_ENDED, r->remote);
		room_dm_end(r, c, why, 0);
		return;
	}
	client_notice(c, MSG_DM_NOT_SENT);
}

/* A join or leave line: to every node in a cluster, else here. */
static void
room_announce(struct room *r, const char *line)
{
	if (cluster_room_publish(r, NULL, line) == 0)
		return;
	room_notice(r, line);
}

/* Format sender's message once, keep it, and send it to the views. */
void
room_deliver(struct room *r, const char *sender, const char *text)
{
	char line[CHAT_LINE_MAX + 1 + 2];
	int len;

	len = snprintf(line, sizeof line - 2, MSG_CHAT_LINE,
	    (int)server.cfg->username_limit, sender, text);
	if (len >= (int)sizeof line - 2)
		len = sizeof line - 3;
	memcpy(line + len, "\r\n", 2);
	server.stats.messages++;
	history_add(r->history, line, len);
	room_fanout(r, line, len);
}

/* Move c into r; a room's viewers hear about it, a DM's history is whole. */
void
room_join(struct client *c, struct room *r)
{
	char line[ROOM_NAME_MAX + USERNAME_LIMIT_MAX + 32];

	room_leave(c);
	TAILQ_INSERT_TAIL(&r->members, c, member);
	r->nmembers++;
	c->room = r;
	cluster_user_moved(c);
	if (r->peer[0] != NULL) {
		c->joined_seq = 0;
		return;
	}
	c->joined_seq = history_last(r->history);
	snprintf(line, sizeof line, MSG_NOTICE_JOIN, c->name, r->name);
	room_announce(r, line);
}

/* Take c out of its room or DM, without a word; the room it was in. */
static struct room *
room_remove(struct client *c)
{
	struct room *r = c->room;

	if (r == NULL)
		return (NULL);
	if (c->state == CLIENT_CHATVIEW) {
		view_leave(c, NULL);
		c->state = CLIENT_PALETTE;
	}
	TAILQ_REMOVE(&r->members, c, member);
	r->nmembers--;
	c->room = NULL;
	cluster_seat_release(r, c->name);
	cluster_user_moved(c);
	return (r);
}

/* Take c out of its room (a notice there) or DM (the other end is told). */
void
room_leave(struct client *c)
{
	struct room *r;
	struct client *peer;
	char line[ROOM_NAME_MAX + USERNAME_LIMIT_MAX + 64];

	if ((r = room_remove(c)) == NULL)
		return;
	if (r->remote != NULL) {
		cluster_dm_send(CLUSTER_DM_AWAY, c->name, r->remote, "");
		return;
	}
	if (r->peer[0] != NULL) {
		peer = room_dm_peer(r, c);
		if (peer->room != r)
			return;
		snprintf(line, sizeof line, MSG_DM_AWAY, c->name);
		client_notice(peer, line);
		return;
	}
	snprintf(line, sizeof line, MSG_NOTICE_LEAVE, c->name, r->name);
	room_announce(r, line);
}

/* The DM of a and b, if there is one. */
struct room *
room_dm_find(const struct client *a, const struct client *b)
{
	struct room *r;

	TAILQ_FOREACH(r, &dms, entry) {
		if ((r->peer[0] == a && r->peer[1] == b) ||
		    (r->peer[0] == b && r->peer[1] == a))
			return (r);
	}
	return (NULL);
}

/* The DMs c is an end of (each holds a history ring). */
unsigned
room_dm_count(const struct client *c)
{
	struct room *r;
	unsigned n = 0;

	TAILQ_FOREACH(r, &dms, entry) {
		if (r->peer[0] == c || r->peer[1] == c)
			n++;
	}
	return (n);
}

/* A new DM, a asking b. */
struct room *
room_dm_new(struct client *a, struct client *b)
{
	struct room *r;

	r = room_new("dm", server.cfg->chatview_max);
	r->peer[0] = a;
	r->peer[1] = b;
	TAILQ_INSERT_TAIL(&dms, r, entry);
	return (r);
}

/* c has opened r itself: from now on it hears how r ends. */
void
room_dm_opened(struct room *r, const struct client *c)
{
	r->opened[r->peer[0] == c ? 0 : 1] = 1;
}

/*
 * Whether to may be told that from wants to talk: once a minute per
 * sender, remembered for the last DM_NOTICE_SENDERS senders.
 */
int
room_dm_ring(struct client *to, const char *from)
{
	time_t now = server_now();
	unsigned i, oldest = 0;

	/* Most users are never rung: the memory comes with the first ring. */
	if (to->dm_notices == NULL)
		to->dm_notices = xcalloc(DM_NOTICE_SENDERS,
		    sizeof *to->dm_notices);
	for (i = 0; i < DM_NOTICE_SENDERS; i++) {
		if (strcasecmp(to->dm_notices[i].from, from) == 0)
			break;
		if (to->dm_notices[i].at < to->dm_notices[oldest].at)
			oldest = i;
	}
	if (i < DM_NOTICE_SENDERS) {
		if (now - to->dm_notices[i].at < DM_NOTICE_SECONDS)
			return (0);
		oldest = i;
	}
	snprintf(to->dm_notices[oldest].from,
	    sizeof to->dm_notices[oldest].from, "%s", from);
	to->dm_notices[oldest].at = now;
	return (1);
}

/*
 * End DM r because of c: c leaves it quietly; the other end is told why,
 * sent back to the palette if it was in r, told wherever it is if it ever
 * opened r.
 */
static void
room_dm_end(struct room *r, struct client *c, const char *why, int closed)
{
	struct client *peer = room_dm_peer(r, c);
	int opened = r->opened[r->peer[0] == peer ? 0 : 1];

	if (r->remote != NULL) {
		/* The other node ends its side and says why. */
		cluster_dm_send(closed ? CLUSTER_DM_CLOSE : CLUSTER_DM_END,
		    c->name, r->remote, "");
		if (c->room == r)
			room_remove(c);
		TAILQ_REMOVE(&dms, r, entry);
		room_free(r);
		return;
	}
	if (c->room == r)
		room_remove(c);
	if (peer->room == r)
		room_evict(r, why);
	else if (opened)
		client_notice(peer, why);
	TAILQ_REMOVE(&dms, r, entry);
	room_free(r);
}

/* c :closes DM r. */
void
room_dm_close(struct client *c, struct room *r)
{
	char why[USERNAME_LIMIT_MAX + 64];

	snprintf(why, sizeof why, MSG_DM_CLOSED, c->name);
	room_dm_end(r, c, why, 1);
}

/* The other end of DM r, seen from c. */
struct client *
room_dm_peer(const struct room *r, const struct client *c)
{
	return (r->peer[0] == c ? r->peer[1] : r->peer[0]);
}

/* c is going away: end its DMs and tell whoever had one open. */
void
room_end_dms(struct client *c)
{
	struct room *r, *next;
	char why[USERNAME_LIMIT_MAX + 64];

	snprintf(why, sizeof why, MSG_DM_ENDED, c->name);
	for (r = TAILQ_FIRST(&dms); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->peer[0] == c || r->peer[1] == c)
			room_dm_end(r, c, why, 0);
	}
}

/* "general", or "dm:alice" as bob sees his DM with alice. */
const char *
room_label(const struct room *r, const struct client *c)
{
	static char label[USERNAME_LIMIT_MAX + 4];

	if (r->peer[0] == NULL)
		return (r->name);
	snprintf(label, sizeof label, "dm:%s", room_dm_peer_name(r, c));
	return (label);
}

/* The other end's name, here or on another node. */
const char *
room_dm_peer_name(const struct room *r, const struct client *c)
{
	if (r->remote != NULL)
		return (r->remote);
	return (room_dm_peer(r, c)->name);
}

/* The DM of a with name on another node. */
struct room *
room_dm_find_remote(const struct client *a, const char *name)
{
	struct room *r;

	TAILQ_FOREACH(r, &dms, entry) {
		if (r->remote != NULL && r->peer[0] == a &&
		    strcasecmp(r->remote, name) == 0)
			return (r);
	}
	return (NULL);
}

/* A new DM of a with name on another node: this node's side of it. */
struct room *
room_dm_new_remote(struct client *a, const char *name)
{
	struct room *r;

	r = room_new("dm", server.cfg->chatview_max);
	r->peer[0] = a;
	r->remote = xstrdup(name);
	TAILQ_INSERT_TAIL(&dms, r, entry);
	return (r);
}

/* The other end, on another node, said text. */
void
room_dm_remote_say(struct room *r, const char *text)
{
	room_deliver(r, r->remote, text);
}

/* The other end stepped out of the DM: tell ours if it is in it. */
void
room_dm_remote_away(struct room *r)
{
	char line[USERNAME_LIMIT_MAX + 64];

	if (r->peer[0]->room != r)
		return;
	snprintf(line, sizeof line, MSG_DM_AWAY, r->remote);
	client_notice(r->peer[0], line);
}

/* The other end closed the DM or went offline: ours is told, it ends. */
void
room_dm_remote_end(struct room *r, int closed)
{
	struct client *c = r->peer[0];
	char why[USERNAME_LIMIT_MAX + 64];

	snprintf(why, sizeof why, closed ? MSG_DM_CLOSED : MSG_DM_ENDED,
	    r->remote);
	if (c->room == r)
		room_evict(r, why);
	else if (r->opened[0])
		client_notice(c, why);
	TAILQ_REMOVE(&dms, r, entry);
	room_free(r);
}

/* A user of another node went offline: end its DMs with users here. */
void
room_dm_remote_gone(const char *name)
{
	struct room *r, *next;

	for (r = TAILQ_FIRST(&dms); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->remote != NULL && strcasecmp(r->remote, name) == 0)
			room_dm_remote_end(r, 0);
	}
}
