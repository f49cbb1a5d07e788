/* Several daemons as one chat service: the link to Redis. */
#ifndef CLUSTER_H
#define CLUSTER_H

struct client;
struct config;
struct room;

/* What a name claim found out (cluster_name_claim). */
#define CLUSTER_CLAIM_OK	0	/* the name is ours across the cluster */
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
/* c is going away: forget its claims, give its name back. */
void	 cluster_client_gone(struct client *c);
/* One line about the link's state for the log and chatsockctl. */
const char *cluster_state(void);

#endif
