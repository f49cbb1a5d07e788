/* Rooms and private conversations: membership, history and fan-out. */
#ifndef ROOM_H
#define ROOM_H

#include <sys/queue.h>

#include <stdint.h>

struct client;
struct config;
struct history;
struct room_conf;

TAILQ_HEAD(member_list, client);

struct room {
	TAILQ_ENTRY(room)	 entry;
	char			*name;		/* room name, or "dm" */
	int			 public;
	char			*password;
	char			*password_hash;
	char			*description;
	unsigned		 limit;
	struct client		*peer[2];	/* a DM's two ends, else NULL */
	struct member_list	 members;
	unsigned		 nmembers;
	struct history		*history;
};

TAILQ_HEAD(room_list, room);
extern struct room_list rooms;

/* Create, update and remove rooms to match cfg. */
void		 room_configure(const struct config *cfg);
void		 room_free_all(void);
struct room	*room_find(const char *name);
/* 0 if password opens room; same answer for every failure. */
int		 room_check_password(const struct room *r, const char *password);
/* 1 if room r is full. */
int		 room_full(const struct room *r);
/* Leave the current room or DM (with a notice), then enter r. */
void		 room_join(struct client *c, struct room *r);
/* Leave the current room or DM, if any, telling the viewers. */
void		 room_leave(struct client *c);
/* A chat message from c to its room. */
void		 room_say(struct client *c, const char *text);
/* A server line into the room's history and views. */
void		 room_notice(struct room *r, const char *line);
/* The DM between a and b, created if needed. */
struct room	*room_dm(struct client *a, struct client *b);
/* The other end of a DM seen from c. */
struct client	*room_dm_peer(const struct room *r, const struct client *c);
/* End every DM of c: it is going away. */
void		 room_end_dms(struct client *c);
/* Display name: room name or "dm:PEER" as seen by c. */
const char	*room_label(const struct room *r, const struct client *c);

#endif
