/*
 * Rooms come from the configuration; DMs are rooms with two fixed peers
 * that live only as long as both peers are online. A chat line is
 * formatted once per room, kept in the room's history ring, and copied
 * into the output of each member who is in the chat view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <crypt.h>

#include "client.h"
#include "config.h"
#include "history.h"
#include "log.h"
#include "messages.h"
#include "room.h"
#include "server.h"
#include "session.h"
#include "view.h"
#include "xmalloc.h"

struct room_list rooms = TAILQ_HEAD_INITIALIZER(rooms);
static struct room_list dms = TAILQ_HEAD_INITIALIZER(dms);

static struct room *room_new(const char *name, unsigned history_max);
static void	room_set(struct room *r, const struct room_conf *rc);
static void	room_evict(struct room *r, const char *why);
static void	room_free(struct room *r);
static void	room_fanout(struct room *r, const char *line, size_t len);
static int	room_equal_secret(const char *a, const char *b);

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
	history_free(r->history);
	free(r);
}

/* Make the room list match cfg: add, update, reorder, remove. */
void
room_configure(const struct config *cfg)
{
	struct room_list keep = TAILQ_HEAD_INITIALIZER(keep);
	struct room *r;
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

/* Compare secrets in time that depends only on their lengths. */
static int
room_equal_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return (diff == 0);
}

/* 0 if password opens r: no secret on a public room, or the right one. */
int
room_check_password(const struct room *r, const char *password)
{
	struct crypt_data data;
	const char *hashed;

	if (r->password == NULL && r->password_hash == NULL)
		return (r->public ? 0 : -1);
	if (password == NULL)
		return (-1);
	if (r->password != NULL && room_equal_secret(r->password, password))
		return (0);
	if (r->password_hash == NULL)
		return (-1);
	memset(&data, 0, sizeof data);
	hashed = crypt_r(password, r->password_hash, &data);
	if (hashed == NULL || hashed[0] == '*')
		return (-1);
	return (room_equal_secret(hashed, r->password_hash) ? 0 : -1);
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

/* Format c's message once, keep it, and send it to the views. */
void
room_say(struct client *c, const char *text)
{
	char line[CHAT_LINE_MAX + 1 + 2];
	int len;

	len = snprintf(line, sizeof line - 2, MSG_CHAT_LINE,
	    (int)server.cfg->username_limit, c->name, text);
	if (len >= (int)sizeof line - 2)
		len = sizeof line - 3;
	memcpy(line + len, "\r\n", 2);
	server.stats.messages++;
	history_add(c->room->history, line, len);
	room_fanout(c->room, line, len);
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
	if (r->peer[0] != NULL) {
		c->joined_seq = 0;
		return;
	}
	c->joined_seq = history_last(r->history);
	snprintf(line, sizeof line, MSG_NOTICE_JOIN, c->name, r->name);
	room_notice(r, line);
}

/* Take c out of its room or DM. */
void
room_leave(struct client *c)
{
	struct room *r = c->room;
	char line[ROOM_NAME_MAX + USERNAME_LIMIT_MAX + 32];

	if (r == NULL)
		return;
	if (c->state == CLIENT_CHATVIEW) {
		view_leave(c, NULL);
		c->state = CLIENT_PALETTE;
	}
	TAILQ_REMOVE(&r->members, c, member);
	r->nmembers--;
	c->room = NULL;
	if (r->peer[0] != NULL)
		return;
	snprintf(line, sizeof line, MSG_NOTICE_LEAVE, c->name, r->name);
	room_notice(r, line);
}

/* The DM of a and b, made on first use. */
struct room *
room_dm(struct client *a, struct client *b)
{
	struct room *r;

	TAILQ_FOREACH(r, &dms, entry) {
		if ((r->peer[0] == a && r->peer[1] == b) ||
		    (r->peer[0] == b && r->peer[1] == a))
			return (r);
	}
	r = room_new("dm", server.cfg->chatview_max);
	r->peer[0] = a;
	r->peer[1] = b;
	TAILQ_INSERT_TAIL(&dms, r, entry);
	return (r);
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
		if (r->peer[0] != c && r->peer[1] != c)
			continue;
		if (c->room == r)
			room_leave(c);
		room_evict(r, why);
		TAILQ_REMOVE(&dms, r, entry);
		room_free(r);
	}
}

/* "general", or "dm:alice" as bob sees his DM with alice. */
const char *
room_label(const struct room *r, const struct client *c)
{
	static char label[USERNAME_LIMIT_MAX + 4];

	if (r->peer[0] == NULL)
		return (r->name);
	snprintf(label, sizeof label, "dm:%s", room_dm_peer(r, c)->name);
	return (label);
}
