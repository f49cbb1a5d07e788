/* Rooms and private conversations: membership, history and fan-out. */
#ifndef ROOM_H
#define ROOM_H

#include <sys/queue.h>

#include <stdint.h>

struct client;
struct config;
struct history;
struct room_conf;
struct verify;

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
	char			*remote;	/* a DM's other end on another
						   node (peer[1] NULL) */
	int			 opened[2];	/* peer[i] typed :dm for it */
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
/* 1 if anyone may join r without a password. */
int		 room_open(const struct room *r);
/*
 * Check password for r (NULL: no such room) on the verifier thread; every
 * check costs one hash, whatever the room. NULL if the verifier is busy.
 */
struct verify	*room_verify(const struct room *r, const char *password,
		     void (*cb)(int, void *), void *arg);
/* 1 if room r is full. */
int		 room_full(const struct room *r);
/* Leave the current room or DM (with a notice), then enter r. */
void		 room_join(struct client *c, struct room *r);
/* Leave the current room or DM, if any, telling the viewers. */
void		 room_leave(struct client *c);
/* A chat message from c to its room. */
void		 room_say(struct client *c, const char *text);
/*
 * A message from sender (a member here or on another node) into the
 * room's history and views: where every chat line enters.
 */
void		 room_deliver(struct room *r, const char *sender,
		     const char *text);
/* A server line into the room's history and views. */
void		 room_notice(struct room *r, const char *line);
/* The DM between a and b, NULL if none. */
struct room	*room_dm_find(const struct client *a, const struct client *b);
/* How many DMs c is an end of. */
unsigned	 room_dm_count(const struct client *c);
/* A new DM that a asks b for. */
struct room	*room_dm_new(struct client *a, struct client *b);
/* c typed :dm for r: it is told if the other end leaves. */
void		 room_dm_opened(struct room *r, const struct client *c);
/* 1 if to may be told (with a bell) that from wants to talk, now. */
int		 room_dm_ring(struct client *to, const char *from);
/* The DM of local a with name on another node; NULL if none. */
struct room	*room_dm_find_remote(const struct client *a, const char *name);
/* A new DM of local a with name on another node. */
struct room	*room_dm_new_remote(struct client *a, const char *name);
/*
 * What the other node says about DM r of local c: the other end said text,
 * left it (away), closed it, or went offline (end).
 */
void		 room_dm_remote_say(struct room *r, const char *text);
void		 room_dm_remote_away(struct room *r);
void		 room_dm_remote_end(struct room *r, int closed);
/* name, on another node, went offline: its DMs here end. */
void		 room_dm_remote_gone(const char *name);
/* The name of the other end of a DM seen from c. */
const char	*room_dm_peer_name(const struct room *r, const struct client *c);
/* c closes its DM r: it ends, and the other end is told. */
void		 room_dm_close(struct client *c, struct room *r);
/* The other end of a DM seen from c. */
struct client	*room_dm_peer(const struct room *r, const struct client *c);
/* End every DM of c: it is going away. */
void		 room_end_dms(struct client *c);
/* Display name: room name or "dm:PEER" as seen by c. */
const char	*room_label(const struct room *r, const struct client *c);

#endif
