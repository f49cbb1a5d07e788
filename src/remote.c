/*
 * Users of other nodes, as their nodes say: what :list, :listall, :whois
 * and :dm see of the rest of a cluster. Every node keeps a record for each
 * user of every other node, so a record is small: the name, and the node's
 * and room's names by reference. Room names are shared records that also
 * count their users, so a room's fill across the cluster costs one lookup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "remote.h"
#include "strmap.h"
#include "xmalloc.h"

/* At most this many room names are tracked (nodes share one config). */
#define REMOTE_ROOMS_MAX	(ROOMS_MAX * 4)

struct remote_room {
	unsigned	 users;
	char		 name[];
};

struct remote_user {
	const char		*node;
	struct remote_room	*room;		/* NULL: none, or a DM */
	uint8_t			 registered;
	char			 name[];
};

/* What remote_forget() and remote_foreach() sweep with. */
struct remote_sweep {
	const char	*node;
	const char	*room;
	const char	**nodes;	/* remote_nodes() collects */
	size_t		 nnodes;
	void		(*forget)(const char *, void *);
	void		(*each)(const char *, const char *, const char *, int,
			    void *);
	void		*arg;
};

static struct strmap	*remote_users;	/* name -> remote_user */
static struct strmap	*remote_rooms;	/* room name -> remote_room */

static void	remote_enter(struct remote_user *u, const char *room);
static void	remote_leave(struct remote_user *u);
static int	remote_forget_one(const char *key, void *value, void *arg);
static int	remote_each_one(const char *key, void *value, void *arg);
static int	remote_node_one(const char *key, void *value, void *arg);
static int	remote_node_cmp(const void *a, const void *b);

/* An empty directory. */
void
remote_init(void)
{
	remote_users = strmap_new(1);
	remote_rooms = strmap_new(1);
}

/* Free every record. */
void
remote_free(void)
{
	if (remote_users == NULL)
		return;
	remote_forget(NULL, NULL, NULL);
	strmap_free(remote_users);
	strmap_free(remote_rooms);
	remote_users = remote_rooms = NULL;
}

/* Count u in room ("" for none). */
static void
remote_enter(struct remote_user *u, const char *room)
{
	struct remote_room *rr;
	size_t len;

	if (room[0] == '\0')
		return;
	if ((rr = strmap_get(remote_rooms, room)) == NULL) {
		if (strmap_count(remote_rooms) >= REMOTE_ROOMS_MAX)
			return;
		len = strlen(room) + 1;
		rr = xcalloc(1, sizeof *rr + len);
		memcpy(rr->name, room, len);
		strmap_set(remote_rooms, rr->name, rr);
	}
	rr->users++;
	u->room = rr;
}

/* u is in no room now; a room nobody is in is forgotten. */
static void
remote_leave(struct remote_user *u)
{
	struct remote_room *rr = u->room;

	u->room = NULL;
	if (rr == NULL || --rr->users > 0)
		return;
	strmap_del(remote_rooms, rr->name);
	free(rr);
}

/* A user of node, in room; a name another node had moves here. */
void
remote_set(const char *node, const char *name, const char *room,
    int registered)
{
	struct remote_user *u;
	size_t len;

	len = strlen(name);
	if (len == 0 || len > USERNAME_LIMIT_MAX ||
	    strlen(room) > ROOM_NAME_MAX)
		return;
	if ((u = strmap_get(remote_users, name)) != NULL && u->node != node) {
		/* Moved nodes (a lease ran out): the newest word wins. */
		remote_del(u->node, name);
		u = NULL;
	}
	if (u == NULL) {
		u = xcalloc(1, sizeof *u + len + 1);
		u->node = node;
		memcpy(u->name, name, len + 1);
		strmap_set(remote_users, u->name, u);
	} else
		remote_leave(u);
	remote_enter(u, room);
	if (registered >= 0)
		u->registered = registered;
}

/* A user of node went away. */
int
remote_del(const char *node, const char *name)
{
	struct remote_user *u;

	if ((u = strmap_get(remote_users, name)) == NULL || u->node != node)
		return (0);
	strmap_del(remote_users, name);
	remote_leave(u);
	free(u);
	return (1);
}

/* Sweep: one user of the node being forgotten. */
static int
remote_forget_one(const char *key, void *value, void *arg)
{
	struct remote_sweep *s = arg;
	struct remote_user *u = value;

	(void)key;
	if (s->node != NULL && u->node != s->node)
		return (0);
	if (s->forget != NULL)
		s->forget(u->name, s->arg);
	remote_leave(u);
	free(u);
	return (1);
}

/* Every user of node (NULL: of all nodes) goes. */
void
remote_forget(const char *node, void (*fn)(const char *, void *), void *arg)
{
	struct remote_sweep s = { node, NULL, NULL, 0, fn, NULL, arg };

	if (remote_users != NULL)
		strmap_sweep(remote_users, remote_forget_one, &s);
}

/* Users of other nodes. */
unsigned
remote_count(void)
{
	return (remote_users != NULL ? (unsigned)strmap_count(remote_users) :
	    0);
}

/* Users of other nodes in room. */
unsigned
remote_in(const char *room)
{
	struct remote_room *rr;

	if (remote_rooms == NULL || (rr = strmap_get(remote_rooms, room)) ==
	    NULL)
		return (0);
	return (rr->users);
}

/* Sweep: one user, if it matches. */
static int
remote_each_one(const char *key, void *value, void *arg)
{
	struct remote_sweep *s = arg;
	struct remote_user *u = value;

	(void)key;
	if ((s->node == NULL || u->node == s->node) && (s->room == NULL ||
	    (u->room != NULL && strcasecmp(u->room->name, s->room) == 0)))
		s->each(u->name, u->node, u->room != NULL ? u->room->name :
		    "", u->registered, s->arg);
	return (0);
}

/* Sweep: note each user's node once. */
static int
remote_node_one(const char *key, void *value, void *arg)
{
	struct remote_sweep *s = arg;
	struct remote_user *u = value;
	size_t i;

	(void)key;
	for (i = 0; i < s->nnodes; i++) {
		if (s->nodes[i] == u->node)
			return (0);
	}
	s->nodes = xrealloc(s->nodes, (s->nnodes + 1) * sizeof *s->nodes);
	s->nodes[s->nnodes++] = u->node;
	return (0);
}

/* Nodes by name. */
static int
remote_node_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* Each user of node (NULL: node by node, in name order) in room. */
void
remote_foreach(const char *node, const char *room, void (*fn)(const char *,
    const char *, const char *, int, void *), void *arg)
{
	struct remote_sweep s = { node, room, NULL, 0, NULL, fn, arg };
	size_t i;

	if (remote_users == NULL)
		return;
	if (node != NULL) {
		strmap_sweep(remote_users, remote_each_one, &s);
		return;
	}
	strmap_sweep(remote_users, remote_node_one, &s);
	if (s.nnodes > 1)	/* (never qsort(NULL, 0, ...)) */
		qsort(s.nodes, s.nnodes, sizeof *s.nodes, remote_node_cmp);
	for (i = 0; i < s.nnodes; i++) {
		s.node = s.nodes[i];
		strmap_sweep(remote_users, remote_each_one, &s);
	}
	free(s.nodes);
}

/* Where name is online elsewhere. */
const char *
remote_find(const char *name, const char **room, const char **spelled)
{
	struct remote_user *u;

	if (remote_users == NULL || (u = strmap_get(remote_users, name)) ==
	    NULL)
		return (NULL);
	if (room != NULL)
		*room = u->room != NULL ? u->room->name : "";
	if (spelled != NULL)
		*spelled = u->name;
	return (u->node);
}
