/* Several daemons as one chat service: the link to Redis. */
#ifndef CLUSTER_H
#define CLUSTER_H

struct client;
struct config;
struct room;

/* What a name claim found out (cluster_name_claim). */
#define CLUSTER_CLAIM_OK	0	/* ours across the cluster */
#define CLUSTER_CLAIM_TAKEN	1	/* someone on some node has it */
#define CLUSTER_CLAIM_UNCHECKED	2	/* Redis out of reach: nobody knows */

/*
 * Start connecting to Redis as cfg's node (no-op without a "cluster" key);
 * ready is called once, the first time the node joins the cluster.
 */
void	 cluster_start(const struct config *cfg, void (*ready)(void));
/* At exit: drop the link without reconnecting (leases run out). */
void	 cluster_stop(void);
/* 1 if the daemon runs with a "cluster" key. */
int	 cluster_enabled(void);
/* 1 while the link is up: subscribed and the heartbeat comes back. */
int	 cluster_up(void);
/*
 * A local member's message (sender, text) or a server line (sender NULL)
 * for room r: published to every node, delivered here when it comes back.
 * 0, or -1 if the link is down (the caller delivers it locally).
 */
int	 cluster_room_publish(struct room *r, const char *sender,
	     const char *text);
/*
 * Claim name for c across the cluster; cb(c, result, name) follows unless
 * c goes away first (cluster_client_gone).
 */
void	 cluster_name_claim(struct client *c, const char *name,
	     void (*cb)(struct client *, int, const char *));
/*
 * Take a seat for c in room r (it has a limit) across the cluster;
 * cb(c, result, seats taken, room name) follows unless c goes away first.
 */
void	 cluster_seat_claim(struct client *c, struct room *r,
	     void (*cb)(struct client *, int, unsigned, const char *));
/* c leaves room r: its seat is free for any node. */
void	 cluster_seat_release(struct room *r, const char *name);
/* What travels between the two nodes of a DM (cluster_dm_send). */
#define CLUSTER_DM_OPEN		20	/* from typed :dm to */
#define CLUSTER_DM_SAY		21	/* from said text to to */
#define CLUSTER_DM_AWAY		22	/* from stepped out of the DM */
#define CLUSTER_DM_CLOSE	23	/* from closed it */
#define CLUSTER_DM_END		24	/* from went offline */

/* To the node of name to: one of the above; 0, or -1 if not sent. */
int	 cluster_dm_send(unsigned type, const char *from, const char *to,
	     const char *text);
/* c is going away: forget its claims, give its name back. */
void	 cluster_client_gone(struct client *c);
/* A node as chatsockctl nodes shows it. */
struct cluster_node_info {
	const char		*name;
	int			 self;
	const char		*state;		/* "up", "down" */
	unsigned		 users;
	unsigned		 clients;
	unsigned long long	 messages;
	long long		 uptime;	/* seconds */
	long			 seen_ms;	/* last heartbeat, others */
};

/* Local user c got its name, or moved between rooms. */
void	 cluster_user_named(const struct client *c);
void	 cluster_user_moved(const struct client *c);
/* This node, then every other node heard from. */
void	 cluster_nodes_foreach(void (*fn)(const struct cluster_node_info *,
	     void *), void *arg);
/* An operator's line to every other node's users; 0, or -1 if down. */
int	 cluster_broadcast(const char *line);
/* Ask whichever node has name to disconnect it; 0, or -1 if down. */
int	 cluster_kick(const char *name, const char *line);
/* One line about the link's state for the log and chatsockctl. */
const char *cluster_state(void);

#endif
