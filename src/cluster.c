/*
 * The cluster link: several daemons as one chat service through Redis.
 *
 * Two hiredis connections on the daemon's loop: one for commands (PUBLISH,
 * name leases), one that only subscribes. The link is up once both are
 * connected, subscribed, and the node hears its own heartbeat; it is down
 * from the first failure (a disconnect, a connect or heartbeat timeout, too
 * many commands without a reply) until a reconnect, after a backoff with
 * jitter, gets it up again. Teardown frees both contexts from a zero
 * timeout, never inside one of their callbacks; hiredis then calls every
 * pending callback with a NULL reply, and each one copes.
 *
 * A room line travels as a binary envelope (cluster_pack) on the room's
 * channel and every node, the sender's included, delivers it when Redis
 * hands it back, so all nodes see one order. Chat text goes only through
 * PUBLISH, never into a key: Redis stores leases (names), nothing said.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "accounts.h"
#include "client.h"
#include "cluster.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "messages.h"
#include "remote.h"
#include "room.h"
#include "server.h"
#include "strmap.h"
#include "xmalloc.h"

#define CLUSTER_VERSION		1
#define CLUSTER_PREFIX		"chatsock:"
#define CLUSTER_ROOMS		CLUSTER_PREFIX "room:"
#define CLUSTER_NODES		CLUSTER_PREFIX "nodes"
#define CLUSTER_NODE		CLUSTER_PREFIX "node:"	/* + a node */
#define CLUSTER_NAMES		CLUSTER_PREFIX "name:"
#define CLUSTER_SEATS		CLUSTER_PREFIX "seats:"
#define CLUSTER_ACCOUNTS	CLUSTER_PREFIX "accounts" /* hash */
#define CLUSTER_OWNERS		CLUSTER_PREFIX "owner:"	/* + a node: its daemon */
#define CLUSTER_REFRESH_BATCH	500	/* names per refresh script */

/* Envelope types. */
enum cluster_type {
	CLUSTER_SAY = 1,	/* sender said payload in target */
	CLUSTER_NOTICE,		/* a server line (payload) for target */
	CLUSTER_BEAT,		/* a node's heartbeat and counts */
	CLUSTER_HELLO,		/* a node (re)joined: send it your users */
	CLUSTER_USERS,		/* part of a user list (target: b, e) */
	CLUSTER_USER_ON,	/* sender got a name ("R": registered) */
	CLUSTER_USER_OFF,	/* sender went away */
	CLUSTER_USER_ROOM,	/* sender is in room target ("": none) */
	CLUSTER_BROADCAST,	/* an operator's notice for all */
	CLUSTER_KICK,		/* disconnect sender, payload last words */
	CLUSTER_ACCOUNT,	/* sender's account changed */
};

/* Another node, from its heartbeats. */
struct cluster_node {
	TAILQ_ENTRY(cluster_node) entry;
	char			 name[CLUSTER_NODE_MAX + 1];
	struct timeval		 seen;
	unsigned		 users;		/* as it counts them */
	unsigned		 clients;
	unsigned long long	 messages;
	long long		 uptime;
};
TAILQ_HEAD(cluster_nodes, cluster_node);

enum cluster_phase {
	CLUSTER_OFF,		/* no "cluster" key, or stopped */
	CLUSTER_CONNECTING,	/* connections and subscriptions under way */
	CLUSTER_UP,
	CLUSTER_DOWN,		/* waiting to reconnect */
};

/* A decoded envelope; the strings point into the message. */
struct cluster_msg {
	unsigned	 type;
	const char	*origin;
	size_t		 originlen;
	uint64_t	 seq;
	const char	*sender;
	size_t		 senderlen;
	const char	*target;
	size_t		 targetlen;
	const char	*payload;
	size_t		 payloadlen;
};

/* A command on its way: who wants the reply, and what it weighs. */
struct cluster_req {
	void		(*cb)(redisReply *, void *);
	void		*arg;
	size_t		 bytes;
};

/* A name claim waiting for its SET NX, or a seat for its script. */
struct cluster_claim {
	TAILQ_ENTRY(cluster_claim) entry;
	struct client	*c;		/* NULL once c went away */
	void		(*cb)(struct client *, int, const char *);
	void		(*seat_cb)(struct client *, int, unsigned,
			    const char *);
	char		 name[USERNAME_LIMIT_MAX + 1];
	char		 room[ROOM_NAME_MAX + 1];
};
TAILQ_HEAD(cluster_claims, cluster_claim);

/*
 * A room line of ours published but not yet back from Redis: if the link
 * fails first, it is delivered here at least.
 */
struct cluster_flight {
	TAILQ_ENTRY(cluster_flight) entry;
	uint64_t	 seq;
	char		 room[ROOM_NAME_MAX + 1];	/* "": a DM */
	char		 sender[USERNAME_LIMIT_MAX + 1]; /* "": notice */
	char		 peer[USERNAME_LIMIT_MAX + 1];	/* a DM's other end */
	char		 text[];
};
TAILQ_HEAD(cluster_flights, cluster_flight);

/* The names of one refresh batch, to match the script's answer. */
struct cluster_batch {
	unsigned	 n;
	char		 names[CLUSTER_REFRESH_BATCH][USERNAME_LIMIT_MAX + 1];
};

static struct {
	enum cluster_phase	 phase;
	int			 joined;	/* ever up */
	int			 tearing;	/* freeing the contexts */
	char			*redis;		/* as configured, for logs */
	char			 host[PATH_BYTES_MAX];
	unsigned		 port;		/* 0: a UNIX socket */
	char			*password;
	char			*node;
	char			*owner;		/* node:boot, lease value */
	char			*self;		/* host:adminSocket, the node's */
	char			*node_channel;	/* every node's */
	char			*own_channel;	/* this node's (DMs) */
	struct cluster_nodes	 nodes;		/* the others */
	unsigned		 lease_ms;
	redisAsyncContext	*cmd;
	redisAsyncContext	*sub;
	int			 cmd_ready;	/* connected, AUTH sent */
	int			 owned;		/* the node's name is ours */
	unsigned		 subscribed;	/* confirmations so far */
	struct event		*connect_timer;
	struct event		*retry_timer;
	struct event		*teardown;
	struct event		*beat_timer;
	struct event		*refresh_timer;
	unsigned		 backoff_ms;
	struct timeval		 last_echo;
	struct timeval		 down_since;
	uint64_t		 seq;
	uint64_t		 landed;	/* last of ours shown here on
						   a failure, not via Redis */
	unsigned		 pending;	/* commands without reply */
	size_t			 pending_bytes;
	struct cluster_claims	 claims;
	struct cluster_flights	 flights;
	void			(*ready)(void);
	char			 why[256];	/* last failure */
} cl;

/* Lua: refresh our names, re-claim free ones, report the ones now taken. */
static const char cluster_refresh_lua[] =
	"local lost = {} "
	"for i, k in ipairs(KEYS) do "
	"  local v = redis.call('GET', k) "
	"  if v == ARGV[1] then redis.call('PEXPIRE', k, ARGV[2]) "
	"  elseif not v then redis.call('SET', k, ARGV[1], 'PX', ARGV[2]) "
	"  else lost[#lost + 1] = i end "
	"end "
	"return lost";

/* Lua: one envelope to two channels in one step (a DM's two nodes). */
static const char cluster_publish2_lua[] =
	"redis.call('PUBLISH', ARGV[1], ARGV[3]) "
	"redis.call('PUBLISH', ARGV[2], ARGV[3]) "
	"return 0";

/*
 * Lua: the node's name is this daemon's (taken, or kept for a lease), or
 * the answer is the daemon that has it.
 */
static const char cluster_own_lua[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v and v ~= ARGV[1] then return v end "
	"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
	"return 0";

/* Lua: give a name back only if it is still ours. */
static const char cluster_release_lua[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"  return redis.call('DEL', KEYS[1]) "
	"end "
	"return 0";

/*
 * Lua: a seat in a room with a limit, held exactly across the cluster.
 * Seats are scored by expiry (Redis time): drop the expired, keep ours,
 * refuse past the limit (answer: seats taken), else add ours (answer -1).
 */
static const char cluster_seat_lua[] =
	"local t = redis.call('TIME') "
	"local now = t[1] * 1000 + math.floor(t[2] / 1000) "
	"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
	"local exp = now + tonumber(ARGV[3]) "
	"if redis.call('ZSCORE', KEYS[1], ARGV[1]) then "
	"  redis.call('ZADD', KEYS[1], exp, ARGV[1]) return -1 end "
	"local n = redis.call('ZCARD', KEYS[1]) "
	"if n >= tonumber(ARGV[2]) then return n end "
	"redis.call('ZADD', KEYS[1], exp, ARGV[1]) "
	"redis.call('PEXPIRE', KEYS[1], ARGV[3]) "
	"return -1";

/* Lua: keep (or, after an outage, take back) the seats of our members. */
static const char cluster_seats_refresh_lua[] =
	"local t = redis.call('TIME') "
	"local exp = t[1] * 1000 + math.floor(t[2] / 1000) + "
	"  tonumber(ARGV[1]) "
	"for i = 2, #ARGV do redis.call('ZADD', KEYS[1], exp, ARGV[i]) end "
	"redis.call('PEXPIRE', KEYS[1], ARGV[1]) "
	"return 0";

/* Lua: give a seat back. */
static const char cluster_seat_release_lua[] =
	"return redis.call('ZREM', KEYS[1], ARGV[1])";

static void	cluster_connect(void);
static redisAsyncContext *cluster_open(void);
static void	cluster_read_more(redisAsyncContext *ac);
static void	cluster_read_cb(evutil_socket_t fd, short what, void *arg);
static void	cluster_fail(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
static void	cluster_teardown_cb(evutil_socket_t fd, short what, void *arg);
static void	cluster_retry_cb(evutil_socket_t fd, short what, void *arg);
static void	cluster_connect_timeout_cb(evutil_socket_t fd, short what,
		    void *arg);
static void	cluster_beat_cb(evutil_socket_t fd, short what, void *arg);
static void	cluster_own(redisAsyncContext *ac);
static void	cluster_own_cb(redisAsyncContext *ac, void *r, void *arg);
static void	cluster_disown(void);
static void	cluster_release_args(const char **argv, size_t *argvlen,
		    const char *key, const char *value);
static void	cluster_self(const struct config *cfg);
static void	cluster_refresh_cb(evutil_socket_t fd, short what, void *arg);
static void	cluster_connected_cb(const redisAsyncContext *ac, int status);
static void	cluster_disconnected_cb(const redisAsyncContext *ac,
		    int status);
static void	cluster_auth_cb(redisAsyncContext *ac, void *r, void *arg);
static void	cluster_message_cb(redisAsyncContext *ac, void *r, void *arg);
static void	cluster_reply_cb(redisAsyncContext *ac, void *r, void *arg);
static int	cluster_command(void (*cb)(redisReply *, void *), void *arg,
		    int argc, const char **argv, const size_t *argvlen);
static void	cluster_check_up(void);
static void	cluster_tell_rooms(const char *line);
static int	cluster_publish2(const char *channel, const char *also,
		    unsigned type, const char *sender, const char *target,
		    const char *payload, size_t payloadlen);
static int	cluster_publish(const char *channel, unsigned type,
		    const char *sender, const char *target, const char *payload,
		    size_t payloadlen);
static size_t	cluster_pack(char *buf, size_t size, unsigned type,
		    uint64_t seq, const char *sender, const char *target,
		    const char *payload, size_t payloadlen);
static int	cluster_unpack(const char *buf, size_t len,
		    struct cluster_msg *m);
static void	cluster_deliver(const struct cluster_msg *m);
static void	cluster_fly(const char *room, const char *sender,
		    const char *peer, const char *text);
static void	cluster_dm_echo(const char *from, const char *to,
		    const char *text);
static struct cluster_claim *cluster_claim_new(struct client *c,
		    const char *name, const char *room);
static void	cluster_claim_cb(redisReply *reply, void *arg);
static void	cluster_release(const char *name);
static void	cluster_refresh(void);
static void	cluster_refresh_reply_cb(redisReply *reply, void *arg);
static long	cluster_ms_since(const struct timeval *tv);
static void	cluster_seat_cb(redisReply *reply, void *arg);
static void	cluster_seats_refresh(void);
static void	cluster_land(int deliver);
static void	cluster_forget_nodes(void);
static void	cluster_forget_node(struct cluster_node *n);
static struct cluster_node *cluster_node_get(const char *name, int create);
static void	cluster_presence(const struct cluster_msg *m, const char *node,
		    const char *sender, const char *target, const char *text);
static void	cluster_snapshot(void);
static void	cluster_account_changed(const char *name);
static void	cluster_accounts_sync(void);
static void	cluster_accounts_cb(redisReply *reply, void *arg);
static void	cluster_account_cb(redisReply *reply, void *arg);
static void	cluster_account_apply(const char *name, const char *record);
static void	cluster_fold(char *buf, size_t size, const char *prefix,
		    const char *name);
static void	cluster_seen(const char *name);
static void	cluster_dm_gone(const char *name, void *arg);
static void	cluster_dm_receive(unsigned type, const char *from,
		    const char *to, const char *text);
static const char *cluster_user_room(const struct client *c);
static void	cluster_user_event(unsigned type, const struct client *c);

/* Milliseconds from tv to the loop's cached now. */
static long
cluster_ms_since(const struct timeval *tv)
{
	struct timeval now;

	event_base_gettimeofday_cached(server.base, &now);
	return ((now.tv_sec - tv->tv_sec) * 1000L +
	    (now.tv_usec - tv->tv_usec) / 1000L);
}

/* Set up the link's state from cfg and start connecting. */
void
cluster_start(const struct config *cfg, void (*ready)(void))
{
	struct timeval tv;

	if (!cfg->cluster.enabled)
		return;
	memset(&cl, 0, sizeof cl);
	TAILQ_INIT(&cl.claims);
	TAILQ_INIT(&cl.flights);
	cl.ready = ready;
	cl.redis = xstrdup(cfg->cluster.redis);
	if (config_redis_address(cfg->cluster.redis, cl.host, sizeof cl.host,
	    &cl.port) != 0)
		fatalx("cluster.redis: bad address %s", cfg->cluster.redis);
	if (cfg->cluster.password != NULL)
		cl.password = xstrdup(cfg->cluster.password);
	cl.node = xstrdup(cfg->cluster.node);
	gettimeofday(&tv, NULL);
	cluster_self(cfg);
	xasprintf(&cl.owner, "%s:%lx%05lx:%ld", cl.node, (long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid());
	cl.node_channel = xstrdup(CLUSTER_NODES);
	xasprintf(&cl.own_channel, CLUSTER_NODE "%s", cl.node);
	TAILQ_INIT(&cl.nodes);
	remote_init();
	cl.lease_ms = cfg->cluster_lease * 1000;
	srandom(tv.tv_usec ^ getpid());
	cl.connect_timer = evtimer_new(server.base, cluster_connect_timeout_cb,
	    NULL);
	cl.retry_timer = evtimer_new(server.base, cluster_retry_cb, NULL);
	cl.teardown = evtimer_new(server.base, cluster_teardown_cb, NULL);
	cl.beat_timer = event_new(server.base, -1, EV_PERSIST, cluster_beat_cb,
	    NULL);
	cl.refresh_timer = event_new(server.base, -1, EV_PERSIST,
	    cluster_refresh_cb, NULL);
	tv.tv_sec = CLUSTER_BEAT_MS / 1000;
	tv.tv_usec = (CLUSTER_BEAT_MS % 1000) * 1000;
	evtimer_add(cl.beat_timer, &tv);
	tv.tv_sec = cl.lease_ms / 3000;
	tv.tv_usec = (cl.lease_ms / 3 % 1000) * 1000;
	evtimer_add(cl.refresh_timer, &tv);
	accounts_set_hook(cluster_account_changed);
	log_info("cluster: node %s connecting to Redis at %s", cl.node,
	    cl.redis);
	cluster_connect();
}

/*
 * The libevent adapter reads 16 KiB per loop turn, and every turn ends in
 * a write to each member of each room it touched: under load, a node's
 * users got many small writes where one node alone gives them few large
 * ones. Its read event is pointed at cluster_read_cb, which reads on while
 * the socket has more, up to CLUSTER_READS_MAX reads a turn.
 */
static void
cluster_read_more(redisAsyncContext *ac)
{
	redisLibeventEvents *e = ac->ev.data;

	event_del(e->rev);
	event_assign(e->rev, server.base, ac->c.fd, EV_READ, cluster_read_cb,
	    e);
	event_add(e->rev, NULL);
}

/* Readable: what hiredis would do, again while more is waiting. */
static void
cluster_read_cb(evutil_socket_t fd, short what, void *arg)
{
	redisLibeventEvents *e = arg;
	redisAsyncContext *ac = e->context;
	int i, waiting;

	(void)what;
	for (i = 0; i < CLUSTER_READS_MAX; i++) {
		redisAsyncHandleRead(ac);
		/* A failed read may have freed the context. */
		if (ac != cl.sub && ac != cl.cmd)
			return;
		if (ioctl(fd, FIONREAD, &waiting) != 0 || waiting == 0)
			return;
	}
}

/* Free both contexts (their callbacks see a NULL reply) and the timers. */
void
cluster_stop(void)
{
	struct cluster_claim *k;

	if (cl.phase == CLUSTER_OFF && cl.node == NULL)
		return;
	cl.phase = CLUSTER_OFF;
	accounts_set_hook(NULL);
	cl.tearing = 1;
	if (cl.cmd != NULL && cl.owned)
		cluster_disown();
	if (cl.cmd != NULL)
		redisAsyncFree(cl.cmd);
	if (cl.sub != NULL)
		redisAsyncFree(cl.sub);
	cl.cmd = cl.sub = NULL;
	cl.tearing = 0;
	while ((k = TAILQ_FIRST(&cl.claims)) != NULL) {
		TAILQ_REMOVE(&cl.claims, k, entry);
		free(k);
	}
	cluster_land(0);
	cluster_forget_nodes();
	remote_free();
	event_free(cl.connect_timer);
	event_free(cl.retry_timer);
	event_free(cl.teardown);
	event_free(cl.beat_timer);
	event_free(cl.refresh_timer);
	free(cl.redis);
	free(cl.password);
	free(cl.node);
	free(cl.owner);
	free(cl.self);
	free(cl.node_channel);
	free(cl.own_channel);
	memset(&cl, 0, sizeof cl);
}

/* 1 with a "cluster" key. */
int
cluster_enabled(void)
{
	return (cl.node != NULL);
}

/* 1 while the link is up. */
int
cluster_up(void)
{
	return (cl.phase == CLUSTER_UP);
}

/* The link's state in a few words. */
const char *
cluster_state(void)
{
	static char buf[512];

	switch (cl.phase) {
	case CLUSTER_OFF:
		return ("off");
	case CLUSTER_UP:
		snprintf(buf, sizeof buf, "up as node %s via %s", cl.node,
		    cl.redis);
		break;
	case CLUSTER_CONNECTING:
	case CLUSTER_DOWN:
		snprintf(buf, sizeof buf, "down (%s), node %s via %s",
		    cl.why[0] != '\0' ? cl.why : "connecting", cl.node,
		    cl.redis);
		break;
	}
	return (buf);
}

/* A new context on the loop, or NULL with cl.why set. */
static redisAsyncContext *
cluster_open(void)
{
	redisAsyncContext *ac;

	if (cl.port == 0)
		ac = redisAsyncConnectUnix(cl.host);
	else
		ac = redisAsyncConnect(cl.host, (int)cl.port);
	if (ac == NULL) {
		snprintf(cl.why, sizeof cl.why, "out of memory");
		return (NULL);
	}
	if (ac->err != 0) {
		snprintf(cl.why, sizeof cl.why, "%s", ac->errstr);
		redisAsyncFree(ac);
		return (NULL);
	}
	redisLibeventAttach(ac, server.base);
	cluster_read_more(ac);
	redisAsyncSetConnectCallback(ac, cluster_connected_cb);
	redisAsyncSetDisconnectCallback(ac, cluster_disconnected_cb);
	return (ac);
}

/* Open both connections; subscribe and AUTH once connected. */
static void
cluster_connect(void)
{
	struct timeval tv = { CLUSTER_CONNECT_MS / 1000,
	    (CLUSTER_CONNECT_MS % 1000) * 1000 };

	cl.phase = CLUSTER_CONNECTING;
	cl.cmd_ready = 0;
	cl.owned = 0;
	cl.subscribed = 0;
	evtimer_add(cl.connect_timer, &tv);
	if ((cl.cmd = cluster_open()) == NULL) {
		cluster_fail("%s", cl.why);
		return;
	}
	if ((cl.sub = cluster_open()) == NULL) {
		cluster_fail("%s", cl.why);
		return;
	}
}

/*
 * Something broke: log it (once per outage, each attempt while not yet
 * joined), tell the rooms if the link was up, and schedule the teardown and
 * a reconnect after a backoff with jitter.
 */
static void
cluster_fail(const char *fmt, ...)
{
	struct timeval tv = { 0, 0 };
	va_list ap;
	char why[sizeof cl.why];

	if (cl.phase == CLUSTER_OFF || cl.phase == CLUSTER_DOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(cl.why, sizeof cl.why, "%s", why);
	if (cl.backoff_ms == 0)
		cl.backoff_ms = CLUSTER_BACKOFF_MIN_MS;
	else if ((cl.backoff_ms *= 2) > CLUSTER_BACKOFF_MAX_MS)
		cl.backoff_ms = CLUSTER_BACKOFF_MAX_MS;
	if (cl.phase == CLUSTER_UP) {
		log_warnx("cluster: node %s lost the cluster: %s; local chat "
		    "goes on", cl.node, why);
		event_base_gettimeofday_cached(server.base, &cl.down_since);
		cl.phase = CLUSTER_DOWN;
		cluster_land(1);
		cluster_forget_nodes();
		cluster_tell_rooms(MSG_CLUSTER_DOWN);
	} else if (!cl.joined)
		log_warnx("cluster: node %s cannot join through Redis at %s: "
		    "%s; serving nothing until it can, retrying", cl.node,
		    cl.redis, why);
	else
		log_debug("cluster: reconnect failed: %s", why);
	cl.phase = CLUSTER_DOWN;
	evtimer_del(cl.connect_timer);
	evtimer_add(cl.teardown, &tv);
}

/* Free what is left of both connections, then wait to reconnect. */
static void
cluster_teardown_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv;
	unsigned ms;

	(void)fd;
	(void)what;
	(void)arg;
	cl.tearing = 1;
	if (cl.cmd != NULL)
		redisAsyncFree(cl.cmd);
	if (cl.sub != NULL)
		redisAsyncFree(cl.sub);
	cl.cmd = cl.sub = NULL;
	cl.tearing = 0;
	cl.pending = 0;
	cl.pending_bytes = 0;
	/* Jitter: somewhere in the second half of the backoff. */
	ms = cl.backoff_ms / 2 + (unsigned)random() % (cl.backoff_ms / 2 + 1);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(cl.retry_timer, &tv);
}

/* The backoff is over: try again. */
static void
cluster_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (cl.phase == CLUSTER_DOWN)
		cluster_connect();
}

/* Connect, AUTH or SUBSCRIBE took too long. */
static void
cluster_connect_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	cluster_fail("no answer from Redis within %d ms", CLUSTER_CONNECT_MS);
}

/* hiredis: a connection is made, or failed (then it frees the context). */
static void
cluster_connected_cb(const redisAsyncContext *ac, int status)
{
	const char *argv[4];
	size_t argvlen[4];
	int is_cmd = (ac == cl.cmd);

	if (status != REDIS_OK) {
		if (ac == cl.cmd)
			cl.cmd = NULL;
		else if (ac == cl.sub)
			cl.sub = NULL;
		cluster_fail("%s", ac->errstr);
		return;
	}
	if (cl.password != NULL) {
		argv[0] = "AUTH";
		argv[1] = cl.password;
		argvlen[0] = 4;
		argvlen[1] = strlen(cl.password);
		redisAsyncCommandArgv((redisAsyncContext *)ac, cluster_auth_cb,
		    NULL, 2, argv, argvlen);
	}
	if (is_cmd) {
		cl.cmd_ready = 1;
		cluster_own((redisAsyncContext *)ac);
		return;
	}
	/* Rooms by pattern (reloads add rooms), the node's and all nodes'. */
	argv[0] = "PSUBSCRIBE";
	argv[1] = CLUSTER_ROOMS "*";
	argvlen[0] = strlen(argv[0]);
	argvlen[1] = strlen(argv[1]);
	redisAsyncCommandArgv((redisAsyncContext *)ac, cluster_message_cb,
	    NULL, 2, argv, argvlen);
	argv[0] = "SUBSCRIBE";
	argv[1] = cl.node_channel;
	argv[2] = cl.own_channel;
	argvlen[0] = strlen(argv[0]);
	argvlen[1] = strlen(argv[1]);
	argvlen[2] = strlen(argv[2]);
	redisAsyncCommandArgv((redisAsyncContext *)ac, cluster_message_cb,
	    NULL, 3, argv, argvlen);
}

/* hiredis: a connection closed; it frees the context after this. */
static void
cluster_disconnected_cb(const redisAsyncContext *ac, int status)
{
	if (ac == cl.cmd)
		cl.cmd = NULL;
	else if (ac == cl.sub)
		cl.sub = NULL;
	if (cl.tearing)
		return;
	if (status == REDIS_OK)
		cluster_fail("Redis closed the connection");
	else
		cluster_fail("%s", ac->errstr[0] != '\0' ? ac->errstr :
		    "connection lost");
}

/* Up once commands flow and every subscription is confirmed. */
static void
cluster_check_up(void)
{
	long down;

	if (cl.phase != CLUSTER_CONNECTING || !cl.cmd_ready || !cl.owned ||
	    cl.subscribed < 3)
		return;
	evtimer_del(cl.connect_timer);
	cl.phase = CLUSTER_UP;
	cl.backoff_ms = 0;
	cl.why[0] = '\0';
	event_base_gettimeofday_cached(server.base, &cl.last_echo);
	cluster_publish(cl.node_channel, CLUSTER_HELLO, "", "", "", 0);
	cluster_snapshot();
	cluster_accounts_sync();
	if (!cl.joined) {
		cl.joined = 1;
		log_info("cluster: node %s joined the cluster via %s", cl.node,
		    cl.redis);
		if (cl.ready != NULL)
			cl.ready();
		return;
	}
	down = cluster_ms_since(&cl.down_since);
	log_info("cluster: node %s rejoined the cluster after %ld.%03ld s",
	    cl.node, down / 1000, down % 1000);
	cluster_refresh();
	cluster_seats_refresh();
	cluster_tell_rooms(MSG_CLUSTER_BACK);
}

/* A server line in every room that has members here. */
static void
cluster_tell_rooms(const char *line)
{
	struct room *r;

	TAILQ_FOREACH(r, &rooms, entry) {
		if (r->nmembers > 0)
			room_notice(r, line);
	}
}

/* Every second: publish a heartbeat; no echo for a while means down. */
static void
cluster_beat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster_node *n, *next;
	char counts[128];

	(void)fd;
	(void)what;
	(void)arg;
	if (cl.phase != CLUSTER_UP)
		return;
	if (cluster_ms_since(&cl.last_echo) > CLUSTER_BEAT_DEAD_MS) {
		cluster_fail("no heartbeat back from Redis for %d ms",
		    CLUSTER_BEAT_DEAD_MS);
		return;
	}
	snprintf(counts, sizeof counts, "%u %u %llu %lld", server.nusers,
	    server.nclients, (unsigned long long)server.stats.messages,
	    (long long)(server_now() - server.started));
	cluster_publish(cl.node_channel, CLUSTER_BEAT, "", "", counts,
	    strlen(counts));
	/* Nodes not heard for a lease are gone, their users with them. */
	for (n = TAILQ_FIRST(&cl.nodes); n != NULL; n = next) {
		next = TAILQ_NEXT(n, entry);
		if (cluster_ms_since(&n->seen) > (long)cl.lease_ms) {
			log_info("cluster: node %s is gone (silent for %u s)",
			    n->name, cl.lease_ms / 1000);
			remote_forget(n->name, cluster_dm_gone, NULL);
			cluster_forget_node(n);
		}
	}
}

/*
 * Who runs this node: the host and the admin socket, which one daemon at a
 * time can hold, so a restart (even after a crash) is the same daemon and
 * takes the node's name back at once, and a second daemon is not.
 */
static void
cluster_self(const struct config *cfg)
{
	char host[256];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	if (cfg->admin_socket != NULL && cfg->admin_socket[0] != '\0')
		xasprintf(&cl.self, "%s:%s", host, cfg->admin_socket);
	else
		xasprintf(&cl.self, "%s:pid %ld", host, (long)getpid());
}

/*
 * Claim (or keep) the node's name for this daemon: two daemons configured
 * with one node name would take each other's lines for their own echo.
 */
static void
cluster_own(redisAsyncContext *ac)
{
	char key[sizeof CLUSTER_OWNERS + CLUSTER_NODE_MAX], ms[16];
	const char *argv[6];
	size_t argvlen[6];
	int i;

	snprintf(key, sizeof key, CLUSTER_OWNERS "%s", cl.node);
	snprintf(ms, sizeof ms, "%u", cl.lease_ms);
	argv[0] = "EVAL";
	argv[1] = cluster_own_lua;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = cl.self;
	argv[5] = ms;
	for (i = 0; i < 6; i++)
		argvlen[i] = strlen(argv[i]);
	redisAsyncCommandArgv(ac, cluster_own_cb, NULL, 6, argv, argvlen);
}

/*
 * At exit: give the node's name back at once, so that a restart need not
 * wait out the lease. The command is written now; its answer is not read.
 */
static void
cluster_disown(void)
{
	char key[sizeof CLUSTER_OWNERS + CLUSTER_NODE_MAX];
	const char *argv[5];
	size_t argvlen[5];

	snprintf(key, sizeof key, CLUSTER_OWNERS "%s", cl.node);
	cluster_release_args(argv, argvlen, key, cl.self);
	if (redisAsyncCommandArgv(cl.cmd, NULL, NULL, 5, argv, argvlen) ==
	    REDIS_OK)
		redisAsyncHandleWrite(cl.cmd);
}

/* The node's name is ours, or another daemon runs under it. */
static void
cluster_own_cb(redisAsyncContext *ac, void *r, void *arg)
{
	redisReply *reply = r;

	(void)ac;
	(void)arg;
	if (reply == NULL || cl.tearing)
		return;
	if (reply->type == REDIS_REPLY_INTEGER) {
		cl.owned = 1;
		cluster_check_up();
		return;
	}
	if (reply->type == REDIS_REPLY_STRING) {
		if (cl.joined)
			log_warnx("cluster: node name %s is in use by another "
			    "daemon (%.*s)", cl.node, (int)reply->len,
			    reply->str);
		cluster_fail("node name %s is in use by another daemon (%.*s): "
		    "every node needs a name of its own", cl.node,
		    (int)reply->len, reply->str);
		return;
	}
	cluster_fail("node name claim: %.*s", (int)reply->len, reply->str);
}

/* Every third of a lease: keep our names. */
static void
cluster_refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (cl.phase == CLUSTER_UP) {
		cluster_own(cl.cmd);
		cluster_refresh();
		cluster_seats_refresh();
	}
}

/* hiredis: the reply to a command sent by cluster_command (NULL: gone). */
static void
cluster_reply_cb(redisAsyncContext *ac, void *r, void *arg)
{
	struct cluster_req *req = arg;
	redisReply *reply = r;

	(void)ac;
	if (req == NULL)
		return;
	if (cl.pending > 0)
		cl.pending--;
	cl.pending_bytes -= req->bytes < cl.pending_bytes ? req->bytes :
	    cl.pending_bytes;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR && req->cb ==
	    NULL)
		log_warnx("cluster: Redis: %.*s", (int)reply->len, reply->str);
	if (req->cb != NULL)
		req->cb(reply, req->arg);
	free(req);
}

/*
 * Send a command on the command connection, counting it until its reply;
 * past the caps the link counts as down. 0, or -1 if not sent (cb is not
 * called then).
 */
static int
cluster_command(void (*cb)(redisReply *, void *), void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	struct cluster_req *req;
	size_t bytes = 0;
	int i;

	if (cl.phase != CLUSTER_UP || cl.cmd == NULL)
		return (-1);
	for (i = 0; i < argc; i++)
		bytes += argvlen[i] + 16;
	if (cl.pending >= CLUSTER_PENDING_MAX ||
	    cl.pending_bytes + bytes > CLUSTER_PENDING_BYTES) {
		cluster_fail("%u commands (%zu bytes) without a reply",
		    cl.pending, cl.pending_bytes);
		return (-1);
	}
	req = xcalloc(1, sizeof *req);
	req->cb = cb;
	req->arg = arg;
	req->bytes = bytes;
	if (redisAsyncCommandArgv(cl.cmd, cluster_reply_cb, req, argc, argv,
	    argvlen) != REDIS_OK) {
		free(req);
		cluster_fail("cannot queue a command");
		return (-1);
	}
	cl.pending++;
	cl.pending_bytes += bytes;
	return (0);
}

/* hiredis: AUTH's answer; a refusal is a configuration error to log. */
static void
cluster_auth_cb(redisAsyncContext *ac, void *r, void *arg)
{
	redisReply *reply = r;

	(void)ac;
	(void)arg;
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		cluster_fail("AUTH refused (cluster.password): %.*s",
		    (int)reply->len, reply->str);
}

/*
 * The envelope: version, type (1 byte each), origin node, per-node
 * sequence (8 bytes, big-endian), sender, target (each a 1-byte length
 * and bytes), payload (4-byte length and bytes). 0 if it does not fit.
 */
static size_t
cluster_pack(char *buf, size_t size, unsigned type, uint64_t seq,
    const char *sender, const char *target, const char *payload,
    size_t payloadlen)
{
	const char *s[3] = { cl.node, sender, target };
	size_t len[3], off = 0, need;
	int i;

	need = 2 + 8 + 4 + payloadlen;
	for (i = 0; i < 3; i++) {
		if ((len[i] = strlen(s[i])) > 255)
			return (0);
		need += 1 + len[i];
	}
	if (need > size)
		return (0);
	buf[off++] = CLUSTER_VERSION;
	buf[off++] = (char)type;
	buf[off++] = (char)len[0];
	memcpy(buf + off, s[0], len[0]);
	off += len[0];
	for (i = 7; i >= 0; i--)
		buf[off++] = (char)(seq >> (i * 8));
	for (i = 1; i < 3; i++) {
		buf[off++] = (char)len[i];
		memcpy(buf + off, s[i], len[i]);
		off += len[i];
	}
	for (i = 3; i >= 0; i--)
		buf[off++] = (char)(payloadlen >> (i * 8));
	memcpy(buf + off, payload, payloadlen);
	return (off + payloadlen);
}

/* Decode an envelope; -1 if it is short, long or of another version. */
static int
cluster_unpack(const char *buf, size_t len, struct cluster_msg *m)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t off = 0, n;
	int i;

	memset(m, 0, sizeof *m);
	if (len < 2 || u[0] != CLUSTER_VERSION)
		return (-1);
	m->type = u[1];
	off = 2;
	if (off >= len || off + 1 + (n = u[off]) > len)
		return (-1);
	m->origin = buf + off + 1;
	m->originlen = n;
	off += 1 + n;
	if (off + 8 > len)
		return (-1);
	for (i = 0; i < 8; i++)
		m->seq = (m->seq << 8) | u[off++];
	if (off >= len || off + 1 + (n = u[off]) > len)
		return (-1);
	m->sender = buf + off + 1;
	m->senderlen = n;
	off += 1 + n;
	if (off >= len || off + 1 + (n = u[off]) > len)
		return (-1);
	m->target = buf + off + 1;
	m->targetlen = n;
	off += 1 + n;
	if (off + 4 > len)
		return (-1);
	for (n = 0, i = 0; i < 4; i++)
		n = (n << 8) | u[off++];
	if (off + n != len)
		return (-1);
	m->payload = buf + off;
	m->payloadlen = n;
	return (0);
}

/* PUBLISH an envelope to channel; 0, or -1 if the link is down. */
static int
cluster_publish(const char *channel, unsigned type, const char *sender,
    const char *target, const char *payload, size_t payloadlen)
{
	return (cluster_publish2(channel, NULL, type, sender, target, payload,
	    payloadlen));
}

/*
 * The same to channel and to also (NULL: none) as one script, so that
 * every other envelope reaches both before or after it.
 */
static int
cluster_publish2(const char *channel, const char *also, unsigned type,
    const char *sender, const char *target, const char *payload,
    size_t payloadlen)
{
	char buf[CLUSTER_NODE_MAX + USERNAME_LIMIT_MAX + ROOM_NAME_MAX +
	    TEXT_MAX + LINE_MAX_BYTES + 64];
	const char *argv[6];
	size_t argvlen[6], len;
	int argc = 0, i;

	if ((len = cluster_pack(buf, sizeof buf, type, cl.seq + 1, sender,
	    target, payload, payloadlen)) == 0)
		return (-1);
	if (also == NULL)
		argv[argc++] = "PUBLISH";
	else {
		argv[argc++] = "EVAL";
		argv[argc++] = cluster_publish2_lua;
		argv[argc++] = "0";
	}
	argv[argc++] = channel;
	if (also != NULL)
		argv[argc++] = also;
	for (i = 0; i < argc; i++)
		argvlen[i] = strlen(argv[i]);
	argv[argc] = buf;
	argvlen[argc++] = len;
	if (cluster_command(NULL, NULL, argc, argv, argvlen) != 0)
		return (-1);
	cl.seq++;
	return (0);
}

/* A room line to every node, this one included, remembered till back. */
int
cluster_room_publish(struct room *r, const char *sender, const char *text)
{
	char channel[sizeof CLUSTER_ROOMS + ROOM_NAME_MAX];
	size_t i, len = strlen(text);

	if (cl.phase != CLUSTER_UP)
		return (-1);
	snprintf(channel, sizeof channel, CLUSTER_ROOMS "%s", r->name);
	for (i = sizeof CLUSTER_ROOMS - 1; channel[i] != '\0'; i++)
		channel[i] = tolower((unsigned char)channel[i]);
	if (cluster_publish(channel, sender != NULL ? CLUSTER_SAY :
	    CLUSTER_NOTICE, sender != NULL ? sender : "", r->name, text,
	    len) != 0)
		return (-1);
	cluster_fly(r->name, sender != NULL ? sender : "", "", text);
	return (0);
}

/* What was just published is on its way: kept until it comes back. */
static void
cluster_fly(const char *room, const char *sender, const char *peer,
    const char *text)
{
	struct cluster_flight *f;
	size_t len = strlen(text);

	f = xmalloc(sizeof *f + len + 1);
	f->seq = cl.seq;
	snprintf(f->room, sizeof f->room, "%s", room);
	snprintf(f->sender, sizeof f->sender, "%s", sender);
	snprintf(f->peer, sizeof f->peer, "%s", peer);
	memcpy(f->text, text, len + 1);
	TAILQ_INSERT_TAIL(&cl.flights, f, entry);
}

/*
 * The link failed: our lines still on the way are delivered here (deliver
 * 1), since nobody can tell whether other nodes got them; or just freed.
 */
static void
cluster_land(int deliver)
{
	struct cluster_flight *f;
	struct room *r;

	while ((f = TAILQ_FIRST(&cl.flights)) != NULL) {
		TAILQ_REMOVE(&cl.flights, f, entry);
		if (f->seq > cl.landed)
			cl.landed = f->seq;
		if (deliver && f->peer[0] != '\0')
			cluster_dm_echo(f->sender, f->peer, f->text);
		else if (deliver && (r = room_find(f->room)) != NULL) {
			if (f->sender[0] != '\0')
				room_deliver(r, f->sender, f->text);
			else
				room_notice(r, f->text);
		}
		free(f);
	}
}

/* hiredis: a subscription confirmed, or a message (NULL: gone). */
static void
cluster_message_cb(redisAsyncContext *ac, void *r, void *arg)
{
	redisReply *reply = r, *kind, *data;
	struct cluster_msg m;

	(void)ac;
	(void)arg;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 3)
		return;
	kind = reply->element[0];
	if (kind->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(kind->str, "subscribe") == 0 ||
	    strcmp(kind->str, "psubscribe") == 0) {
		cl.subscribed++;
		cluster_check_up();
		return;
	}
	if (strcmp(kind->str, "message") == 0)
		data = reply->element[2];
	else if (strcmp(kind->str, "pmessage") == 0 && reply->elements >= 4)
		data = reply->element[3];
	else
		return;
	if (data->type != REDIS_REPLY_STRING ||
	    cluster_unpack(data->str, data->len, &m) != 0) {
		log_warnx("cluster: a message that is not a chatsock "
		    "envelope, ignored");
		return;
	}
	cluster_deliver(&m);
}

/* A decoded message: into its room, as a local one would go. */
static void
cluster_deliver(const struct cluster_msg *m)
{
	char target[ROOM_NAME_MAX + 1], sender[USERNAME_LIMIT_MAX + 1];
	char text[TEXT_MAX + LINE_MAX_BYTES + 1];
	struct cluster_flight *f;
	struct room *r;

	char node[CLUSTER_NODE_MAX + 1];
	int self;

	self = m->originlen == strlen(cl.node) &&
	    memcmp(m->origin, cl.node, m->originlen) == 0;
	if (m->type == CLUSTER_BEAT && self) {
		event_base_gettimeofday_cached(server.base, &cl.last_echo);
		return;
	}
	if (m->targetlen >= sizeof target || m->senderlen >= sizeof sender ||
	    m->payloadlen >= sizeof text || m->originlen >= sizeof node)
		return;
	memcpy(target, m->target, m->targetlen);
	target[m->targetlen] = '\0';
	memcpy(sender, m->sender, m->senderlen);
	sender[m->senderlen] = '\0';
	memcpy(text, m->payload, m->payloadlen);
	text[m->payloadlen] = '\0';
	memcpy(node, m->origin, m->originlen);
	node[m->originlen] = '\0';
	if (self) {
		/*
		 * Ours, back: no longer on the way (one connection publishes
		 * them all, so they come back in order). One delivered here
		 * already when the link failed (a frozen Redis may still run
		 * it once it wakes up) is not shown twice.
		 */
		if (m->seq <= cl.landed)
			return;
		while ((f = TAILQ_FIRST(&cl.flights)) != NULL &&
		    f->seq <= m->seq) {
			TAILQ_REMOVE(&cl.flights, f, entry);
			free(f);
		}
	}
	if (memchr(text, '\0', m->payloadlen) != NULL)
		return;
	if (self && m->type == CLUSTER_DM_SAY) {
		cluster_dm_echo(sender, target, text);
		return;
	}
	if (m->type >= CLUSTER_BEAT) {
		if (!self)
			cluster_presence(m, node, sender, target, text);
		return;
	}
	if ((r = room_find(target)) == NULL)
		return;
	switch (m->type) {
	case CLUSTER_SAY:
		room_deliver(r, sender, text);
		break;
	case CLUSTER_NOTICE:
		room_notice(r, text);
		break;
	}
}

/* A claim of c's for name (in room, "" for a name claim). */
static struct cluster_claim *
cluster_claim_new(struct client *c, const char *name, const char *room)
{
	struct cluster_claim *k;

	k = xcalloc(1, sizeof *k);
	k->c = c;
	snprintf(k->name, sizeof k->name, "%s", name);
	snprintf(k->room, sizeof k->room, "%s", room);
	return (k);
}

/* SET NX PX: the name is ours for a lease, or someone else's. */
void
cluster_name_claim(struct client *c, const char *name,
    void (*cb)(struct client *, int, const char *))
{
	char key[sizeof CLUSTER_NAMES + USERNAME_LIMIT_MAX], ms[16];
	const char *argv[6];
	size_t argvlen[6];
	struct cluster_claim *k;
	int i;

	k = cluster_claim_new(c, name, "");
	k->cb = cb;
	cluster_fold(key, sizeof key, CLUSTER_NAMES, name);
	snprintf(ms, sizeof ms, "%u", cl.lease_ms);
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = cl.owner;
	argv[3] = "NX";
	argv[4] = "PX";
	argv[5] = ms;
	for (i = 0; i < 6; i++)
		argvlen[i] = strlen(argv[i]);
	TAILQ_INSERT_TAIL(&cl.claims, k, entry);
	if (cluster_command(cluster_claim_cb, k, 6, argv, argvlen) != 0) {
		TAILQ_REMOVE(&cl.claims, k, entry);
		free(k);
		cb(c, CLUSTER_CLAIM_UNCHECKED, name);
	}
}

/* The answer to a claim: OK, nil (taken) or nothing (link gone). */
static void
cluster_claim_cb(redisReply *reply, void *arg)
{
	struct cluster_claim *k = arg;
	int result;

	TAILQ_REMOVE(&cl.claims, k, entry);
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		log_warnx("cluster: name claim: %.*s", (int)reply->len,
		    reply->str);
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		result = CLUSTER_CLAIM_UNCHECKED;
	else if (reply->type == REDIS_REPLY_STATUS)
		result = CLUSTER_CLAIM_OK;
	else
		result = CLUSTER_CLAIM_TAKEN;
	if (k->c != NULL)
		k->cb(k->c, result, k->name);
	else if (result == CLUSTER_CLAIM_OK)
		cluster_release(k->name);
	free(k);
}

/* Give a name back if it is still ours (else the lease ends it). */
static void
cluster_release(const char *name)
{
	char key[sizeof CLUSTER_NAMES + USERNAME_LIMIT_MAX];
	const char *argv[5];
	size_t argvlen[5];

	cluster_fold(key, sizeof key, CLUSTER_NAMES, name);
	cluster_release_args(argv, argvlen, key, cl.owner);
	cluster_command(NULL, NULL, 5, argv, argvlen);
}

/* The 5 arguments that delete key if it still holds value. */
static void
cluster_release_args(const char **argv, size_t *argvlen, const char *key,
    const char *value)
{
	int i;

	argv[0] = "EVAL";
	argv[1] = cluster_release_lua;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = value;
	for (i = 0; i < 5; i++)
		argvlen[i] = strlen(argv[i]);
}

/* c goes away: a pending claim is answered to nobody; its name is freed. */
void
cluster_client_gone(struct client *c)
{
	struct cluster_claim *k;

	if (!cluster_enabled())
		return;
	TAILQ_FOREACH(k, &cl.claims, entry) {
		if (k->c == c)
			k->c = NULL;
	}
	/* (Its seat went with room_leave, before.) */
	if (c->name[0] != '\0' && cl.phase == CLUSTER_UP) {
		cluster_release(c->name);
		cluster_user_event(CLUSTER_USER_OFF, c);
	}
}

/*
 * Refresh every local name's lease in batches: one script per batch keeps
 * ours, takes back the free ones (after an outage longer than a lease) and
 * answers which ones someone else holds now.
 */
static void
cluster_refresh(void)
{
	char keys[CLUSTER_REFRESH_BATCH][sizeof CLUSTER_NAMES +
	    USERNAME_LIMIT_MAX];
	const char *argv[CLUSTER_REFRESH_BATCH + 5];
	size_t argvlen[CLUSTER_REFRESH_BATCH + 5];
	char nkeys[16], ms[16];
	struct cluster_batch *b = NULL;
	struct client *c, *next;
	unsigned i;

	for (c = TAILQ_FIRST(&server.clients); ; c = next) {
		next = c != NULL ? TAILQ_NEXT(c, entry) : NULL;
		if (c != NULL && (c->name[0] == '\0' ||
		    (c->flags & CLIENT_CLOSING)))
			continue;
		if (c != NULL) {
			if (b == NULL)
				b = xcalloc(1, sizeof *b);
			snprintf(b->names[b->n], sizeof b->names[b->n], "%s",
			    c->name);
			cluster_fold(keys[b->n], sizeof keys[b->n],
			    CLUSTER_NAMES, c->name);
			b->n++;
		}
		if (b != NULL && (b->n == CLUSTER_REFRESH_BATCH ||
		    c == NULL)) {
			snprintf(nkeys, sizeof nkeys, "%u", b->n);
			snprintf(ms, sizeof ms, "%u", cl.lease_ms);
			argv[0] = "EVAL";
			argv[1] = cluster_refresh_lua;
			argv[2] = nkeys;
			for (i = 0; i < b->n; i++)
				argv[3 + i] = keys[i];
			argv[3 + b->n] = cl.owner;
			argv[4 + b->n] = ms;
			for (i = 0; i < b->n + 5; i++)
				argvlen[i] = strlen(argv[i]);
			if (cluster_command(cluster_refresh_reply_cb, b,
			    b->n + 5, argv, argvlen) != 0) {
				free(b);
				return;
			}
			b = NULL;
		}
		if (c == NULL)
			break;
	}
}

/* Names someone else holds now: their users here must go. */
static void
cluster_refresh_reply_cb(redisReply *reply, void *arg)
{
	struct cluster_batch *b = arg;
	struct client *c;
	size_t i;
	long long n;

	if (reply != NULL && reply->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < reply->elements; i++) {
			if (reply->element[i]->type != REDIS_REPLY_INTEGER)
				continue;
			n = reply->element[i]->integer;
			if (n < 1 || n > (long long)b->n)
				continue;
			c = client_find(b->names[n - 1]);
			if (c == NULL || (c->flags & CLIENT_CLOSING))
				continue;
			log_info("cluster: %s is held on another node now",
			    c->name);
			client_farewell(c, MSG_NAME_LOST, "name taken on "
			    "another node during an outage");
		}
	}
	free(b);
}

/* One script call: a seat in r for c, or how many seats are taken. */
void
cluster_seat_claim(struct client *c, struct room *r,
    void (*cb)(struct client *, int, unsigned, const char *))
{
	char key[sizeof CLUSTER_SEATS + ROOM_NAME_MAX], member[256];
	char limit[16], ms[16];
	const char *argv[7];
	size_t argvlen[7];
	struct cluster_claim *k;
	int i;

	k = cluster_claim_new(c, c->name, r->name);
	k->seat_cb = cb;
	cluster_fold(key, sizeof key, CLUSTER_SEATS, r->name);
	snprintf(member, sizeof member, "%s:%s", cl.owner, c->name);
	snprintf(limit, sizeof limit, "%u", r->limit);
	snprintf(ms, sizeof ms, "%u", cl.lease_ms);
	argv[0] = "EVAL";
	argv[1] = cluster_seat_lua;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = member;
	argv[5] = limit;
	argv[6] = ms;
	for (i = 0; i < 7; i++)
		argvlen[i] = strlen(argv[i]);
	TAILQ_INSERT_TAIL(&cl.claims, k, entry);
	if (cluster_command(cluster_seat_cb, k, 7, argv, argvlen) != 0) {
		TAILQ_REMOVE(&cl.claims, k, entry);
		free(k);
		cb(c, CLUSTER_CLAIM_UNCHECKED, 0, r->name);
	}
}

/* The seat script answered: -1 seated, else the seats taken. */
static void
cluster_seat_cb(redisReply *reply, void *arg)
{
	struct cluster_claim *k = arg;
	struct room *r;
	int result;
	unsigned n = 0;

	TAILQ_REMOVE(&cl.claims, k, entry);
	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		log_warnx("cluster: seat script: %.*s", (int)reply->len,
		    reply->str);
	if (reply == NULL || reply->type != REDIS_REPLY_INTEGER)
		result = CLUSTER_CLAIM_UNCHECKED;
	else if (reply->integer < 0)
		result = CLUSTER_CLAIM_OK;
	else {
		result = CLUSTER_CLAIM_TAKEN;
		n = (unsigned)reply->integer;
	}
	if (k->c != NULL)
		k->seat_cb(k->c, result, n, k->room);
	else if (result == CLUSTER_CLAIM_OK &&
	    (r = room_find(k->room)) != NULL)
		cluster_seat_release(r, k->name);
	free(k);
}

/* ZREM our member from the room's seats (else its lease ends it). */
void
cluster_seat_release(struct room *r, const char *name)
{
	char key[sizeof CLUSTER_SEATS + ROOM_NAME_MAX], member[256];
	const char *argv[5];
	size_t argvlen[5];
	int i;

	if (cl.phase != CLUSTER_UP || r->limit == 0 || r->peer[0] != NULL)
		return;
	cluster_fold(key, sizeof key, CLUSTER_SEATS, r->name);
	snprintf(member, sizeof member, "%s:%s", cl.owner, name);
	argv[0] = "EVAL";
	argv[1] = cluster_seat_release_lua;
	argv[2] = "1";
	argv[3] = key;
	argv[4] = member;
	for (i = 0; i < 5; i++)
		argvlen[i] = strlen(argv[i]);
	cluster_command(NULL, NULL, 5, argv, argvlen);
}

/* Each room with a limit and members here: their seats live on. */
static void
cluster_seats_refresh(void)
{
	char key[sizeof CLUSTER_SEATS + ROOM_NAME_MAX], ms[16];
	char (*members)[256];
	const char **argv;
	size_t *argvlen;
	struct client *m;
	struct room *r;
	unsigned n, i;

	snprintf(ms, sizeof ms, "%u", cl.lease_ms);
	members = xcalloc(CLUSTER_REFRESH_BATCH, sizeof *members);
	argv = xcalloc(CLUSTER_REFRESH_BATCH + 5, sizeof *argv);
	argvlen = xcalloc(CLUSTER_REFRESH_BATCH + 5, sizeof *argvlen);
	TAILQ_FOREACH(r, &rooms, entry) {
		if (r->limit == 0 || r->nmembers == 0)
			continue;
		cluster_fold(key, sizeof key, CLUSTER_SEATS, r->name);
		m = TAILQ_FIRST(&r->members);
		while (m != NULL) {
			for (n = 0; m != NULL && n < CLUSTER_REFRESH_BATCH;
			    m = TAILQ_NEXT(m, member))
				snprintf(members[n++], sizeof members[0],
				    "%s:%s", cl.owner, m->name);
			argv[0] = "EVAL";
			argv[1] = cluster_seats_refresh_lua;
			argv[2] = "1";
			argv[3] = key;
			argv[4] = ms;
			for (i = 0; i < n; i++)
				argv[5 + i] = members[i];
			for (i = 0; i < n + 5; i++)
				argvlen[i] = strlen(argv[i]);
			if (cluster_command(NULL, NULL, n + 5, argv,
			    argvlen) != 0)
				goto out;
		}
	}
out:
	free(members);
	free(argv);
	free(argvlen);
}

/* Every other node and its users are forgotten (the link went down). */
static void
cluster_forget_nodes(void)
{
	struct cluster_node *n;

	while ((n = TAILQ_FIRST(&cl.nodes)) != NULL)
		cluster_forget_node(n);
}

/* One node and its users are forgotten. */
static void
cluster_forget_node(struct cluster_node *n)
{
	remote_forget(n->name, NULL, NULL);
	TAILQ_REMOVE(&cl.nodes, n, entry);
	free(n);
}

/* The node called name, made if create and unknown. */
static struct cluster_node *
cluster_node_get(const char *name, int create)
{
	struct cluster_node *n;

	TAILQ_FOREACH(n, &cl.nodes, entry) {
		if (strcmp(n->name, name) == 0)
			return (n);
	}
	if (!create)
		return (NULL);
	n = xcalloc(1, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", name);
	TAILQ_INSERT_TAIL(&cl.nodes, n, entry);
	log_info("cluster: node %s is up", name);
	return (n);
}

/*
 * A registered name came or went on another node: its last-seen time here
 * follows (kept in memory like local ones, written with the next change).
 */
static void
cluster_seen(const char *name)
{
	struct account *a;

	if ((a = accounts_find(name)) != NULL)
		accounts_seen(a);
}

/* A user of a node that is gone: its DMs here end. */
static void
cluster_dm_gone(const char *name, void *arg)
{
	(void)arg;
	room_dm_remote_gone(name);
}

/* Another node speaks about itself, its users, or to everyone. */
static void
cluster_presence(const struct cluster_msg *m, const char *node,
    const char *sender, const char *target, const char *text)
{
	struct cluster_node *n;
	struct client *c;
	char *line, *tab, *next, *room, key[USERNAME_LIMIT_MAX + 1];
	const char *argv[3];
	size_t argvlen[3];
	int i;

	n = cluster_node_get(node, 1);
	event_base_gettimeofday_cached(server.base, &n->seen);
	switch (m->type) {
	case CLUSTER_BEAT:
		sscanf(text, "%u %u %llu %lld", &n->users, &n->clients,
		    &n->messages, &n->uptime);
		break;
	case CLUSTER_HELLO:
		cluster_snapshot();
		break;
	case CLUSTER_USERS:
		if (strchr(target, 'b') != NULL)
			remote_forget(n->name, NULL, NULL);
		for (line = (char *)text; *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) == NULL)
				break;
			*next++ = '\0';
			if ((tab = strchr(line, '\t')) == NULL)
				continue;
			*tab = '\0';
			room = tab + 1;
			if ((tab = strchr(room, '\t')) == NULL)
				continue;
			*tab = '\0';
			remote_set(n->name, line, room, tab[1] == 'R');
		}
		break;
	case CLUSTER_USER_ON:
		remote_set(n->name, sender, target, text[0] == 'R');
		cluster_seen(sender);
		break;
	case CLUSTER_USER_ROOM:
		remote_set(n->name, sender, target, -1);
		break;
	case CLUSTER_USER_OFF:
		if (remote_del(n->name, sender))
			cluster_seen(sender);
		room_dm_remote_gone(sender);
		break;
	case CLUSTER_BROADCAST:
		server_broadcast(text);
		break;
	case CLUSTER_DM_OPEN:
	case CLUSTER_DM_SAY:
	case CLUSTER_DM_AWAY:
	case CLUSTER_DM_CLOSE:
	case CLUSTER_DM_END:
		cluster_dm_receive(m->type, sender, target, text);
		break;
	case CLUSTER_ACCOUNT:
		argv[0] = "HGET";
		argv[1] = CLUSTER_ACCOUNTS;
		argv[2] = key;
		cluster_fold(key, sizeof key, "", sender);
		for (i = 0; i < 3; i++)
			argvlen[i] = strlen(argv[i]);
		cluster_command(cluster_account_cb, xstrdup(sender), 3, argv,
		    argvlen);
		break;
	case CLUSTER_KICK:
		if ((c = client_find(sender)) != NULL &&
		    !(c->flags & CLIENT_CLOSING)) {
			log_info("cluster: %s kicked from node %s", c->name,
			    node);
			client_farewell(c, text, "kicked by the operator");
		}
		break;
	}
}

/* The room c is in, as other nodes are told ("" for none or a DM). */
static const char *
cluster_user_room(const struct client *c)
{
	if (c->room == NULL || c->room->peer[0] != NULL)
		return ("");
	return (c->room->name);
}

/* Our whole user list, in parts, to every node. */
static void
cluster_snapshot(void)
{
	char buf[TEXT_MAX];
	struct client *c;
	size_t len = 0;
	int n, first = 1;

	TAILQ_FOREACH(c, &server.clients, entry) {
		if (c->name[0] == '\0' || (c->flags & CLIENT_CLOSING))
			continue;
		if (len + USERNAME_LIMIT_MAX + ROOM_NAME_MAX + 8 >
		    sizeof buf) {
			cluster_publish(cl.node_channel, CLUSTER_USERS, "",
			    first ? "b" : "", buf, len);
			first = 0;
			len = 0;
		}
		n = snprintf(buf + len, sizeof buf - len, "%s\t%s\t%s\n",
		    c->name, cluster_user_room(c), c->account != NULL ?
		    "R" : "");
		len += n;
	}
	cluster_publish(cl.node_channel, CLUSTER_USERS, "", first ? "be" :
	    "e", buf, len);
}

/* Tell the other nodes what became of local user c. */
static void
cluster_user_event(unsigned type, const struct client *c)
{
	if (cl.phase != CLUSTER_UP || c->name[0] == '\0')
		return;
	cluster_publish(cl.node_channel, type, c->name, cluster_user_room(c),
	    c->account != NULL ? "R" : "", c->account != NULL ? 1 : 0);
}

/* c has its name now. */
void
cluster_user_named(const struct client *c)
{
	cluster_user_event(CLUSTER_USER_ON, c);
}

/* c moved (into a room, a DM, or out). */
void
cluster_user_moved(const struct client *c)
{
	cluster_user_event(CLUSTER_USER_ROOM, c);
}

/* This node and each other node heard from, with their counts. */
void
cluster_nodes_foreach(void (*fn)(const struct cluster_node_info *, void *),
    void *arg)
{
	struct cluster_node_info ni;
	struct cluster_node *n;

	if (!cluster_enabled())
		return;
	memset(&ni, 0, sizeof ni);
	ni.name = cl.node;
	ni.self = 1;
	ni.state = cl.phase == CLUSTER_UP ? "up" : "down";
	ni.users = server.nusers;
	ni.clients = server.nclients;
	ni.messages = server.stats.messages;
	ni.uptime = server_now() - server.started;
	fn(&ni, arg);
	TAILQ_FOREACH(n, &cl.nodes, entry) {
		ni.name = n->name;
		ni.self = 0;
		ni.state = "up";
		ni.users = n->users;
		ni.clients = n->clients;
		ni.messages = n->messages;
		ni.uptime = n->uptime;
		ni.seen_ms = cluster_ms_since(&n->seen);
		fn(&ni, arg);
	}
}

/* An operator's notice for every other node's users; -1 if down. */
int
cluster_broadcast(const char *line)
{
	return (cluster_publish(cl.node_channel, CLUSTER_BROADCAST, "", "",
	    line, strlen(line)));
}

/* Ask the node that has name to disconnect it with line; -1 if down. */
int
cluster_kick(const char *name, const char *line)
{
	return (cluster_publish(cl.node_channel, CLUSTER_KICK, name, "", line,
	    strlen(line)));
}

/* A DM event for the node where to is. */
int
cluster_dm_send(unsigned type, const char *from, const char *to,
    const char *text)
{
	char channel[sizeof CLUSTER_NODE + CLUSTER_NODE_MAX];
	const char *node;

	if ((node = remote_find(to, NULL, NULL)) == NULL)
		return (-1);
	snprintf(channel, sizeof channel, CLUSTER_NODE "%s", node);
	if (type != CLUSTER_DM_SAY)
		return (cluster_publish(channel, type, from, to, text,
		    strlen(text)));
	/* Said lines come back here too: both ends see one order. */
	if (cluster_publish2(channel, cl.own_channel, type, from, to, text,
	    strlen(text)) != 0)
		return (-1);
	cluster_fly("", from, to, text);
	return (0);
}

/* Local user from's DM line to to, back from Redis (or landed). */
static void
cluster_dm_echo(const char *from, const char *to, const char *text)
{
	struct client *c;
	struct room *r;

	if ((c = client_find(from)) == NULL || (c->flags & CLIENT_CLOSING) ||
	    (r = room_dm_find_remote(c, to)) == NULL)
		return;
	room_deliver(r, c->name, text);
}

/*
 * A DM event from another node for local user to: its side of the DM is
 * made if needed (within dmLimit, and to is told once a minute that from
 * wants to talk, as for a local DM), then the event acts on it.
 */
static void
cluster_dm_receive(unsigned type, const char *from, const char *to,
    const char *text)
{
	char line[USERNAME_LIMIT_MAX * 2 + 64];
	struct client *c;
	struct room *r;

	if ((c = client_find(to)) == NULL || (c->flags & CLIENT_CLOSING))
		return;
	r = room_dm_find_remote(c, from);
	if (r == NULL && (type == CLUSTER_DM_OPEN || type == CLUSTER_DM_SAY)) {
		if (room_dm_count(c) >= server.cfg->dm_limit)
			return;
		r = room_dm_new_remote(c, from);
	}
	if (r == NULL)
		return;
	switch (type) {
	case CLUSTER_DM_OPEN:
	case CLUSTER_DM_SAY:
		if (type == CLUSTER_DM_SAY)
			room_dm_remote_say(r, text);
		if (c->room != r && room_dm_ring(c, from)) {
			snprintf(line, sizeof line, MSG_DM_WAITING, from,
			    from);
			client_bell(c);
			client_notice(c, line);
		}
		break;
	case CLUSTER_DM_AWAY:
		room_dm_remote_away(r);
		break;
	case CLUSTER_DM_CLOSE:
	case CLUSTER_DM_END:
		room_dm_remote_end(r, type == CLUSTER_DM_CLOSE);
		break;
	}
}

/* prefix and name folded to lower case, into buf. */
static void
cluster_fold(char *buf, size_t size, const char *prefix, const char *name)
{
	size_t i;

	snprintf(buf, size, "%s%s", prefix, name);
	for (i = strlen(prefix); buf[i] != '\0'; i++)
		buf[i] = tolower((unsigned char)buf[i]);
}

/*
 * A registration or release here is on disk: into the cluster's hash of
 * accounts, then every node is told to read it. While the link is down
 * the change stays here; a new name is shared when the node rejoins.
 */
static void
cluster_account_changed(const char *name)
{
	char field[USERNAME_LIMIT_MAX + 1], *record;
	const char *argv[4];
	size_t argvlen[4];
	int i, argc;

	if (cl.phase != CLUSTER_UP) {
		log_warnx("cluster: account %s changed while other nodes are "
		    "out of reach", name);
		return;
	}
	cluster_fold(field, sizeof field, "", name);
	record = accounts_record(name);
	argv[0] = record != NULL ? "HSET" : "HDEL";
	argv[1] = CLUSTER_ACCOUNTS;
	argv[2] = field;
	argv[3] = record;
	argc = record != NULL ? 4 : 3;
	for (i = 0; i < argc; i++)
		argvlen[i] = strlen(argv[i]);
	cluster_command(NULL, NULL, argc, argv, argvlen);
	free(record);
	cluster_publish(cl.node_channel, CLUSTER_ACCOUNT, name, "", "", 0);
}

/* On joining: read the cluster's accounts, then share ours it lacks. */
static void
cluster_accounts_sync(void)
{
	const char *argv[2] = { "HGETALL", CLUSTER_ACCOUNTS };
	size_t argvlen[2] = { 7, strlen(CLUSTER_ACCOUNTS) };

	cluster_command(cluster_accounts_cb, NULL, 2, argv, argvlen);
}

/* HGETALL's answer: the cluster's word wins; ours fill the gaps. */
static void
cluster_accounts_cb(redisReply *reply, void *arg)
{
	struct account **list;
	struct strmap *seen;
	char field[USERNAME_LIMIT_MAX + 1], *record;
	const char *argv[4];
	size_t argvlen[4], i, n;
	int j;

	(void)arg;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
		return;
	seen = strmap_new(1);
	for (i = 0; i + 1 < reply->elements; i += 2) {
		if (reply->element[i]->type != REDIS_REPLY_STRING ||
		    reply->element[i + 1]->type != REDIS_REPLY_STRING ||
		    reply->element[i]->len > USERNAME_LIMIT_MAX)
			continue;
		strmap_set(seen, reply->element[i]->str, (void *)1);
		record = accounts_record(reply->element[i]->str);
		if (record == NULL ||
		    strcmp(record, reply->element[i + 1]->str) != 0)
			cluster_account_apply(reply->element[i]->str,
			    reply->element[i + 1]->str);
		free(record);
	}
	list = accounts_sorted(&n);
	for (i = 0; i < n; i++) {
		if (strmap_get(seen, account_name(list[i])) != NULL)
			continue;
		cluster_fold(field, sizeof field, "", account_name(list[i]));
		if ((record = accounts_record(field)) == NULL)
			continue;
		argv[0] = "HSETNX";
		argv[1] = CLUSTER_ACCOUNTS;
		argv[2] = field;
		argv[3] = record;
		for (j = 0; j < 4; j++)
			argvlen[j] = strlen(argv[j]);
		cluster_command(NULL, NULL, 4, argv, argvlen);
		free(record);
	}
	free(list);
	strmap_free(seen);
}

/* HGET's answer for one account another node changed. */
static void
cluster_account_cb(redisReply *reply, void *arg)
{
	char *name = arg;

	if (reply != NULL && reply->type == REDIS_REPLY_STRING)
		cluster_account_apply(name, reply->str);
	else if (reply != NULL && reply->type == REDIS_REPLY_NIL)
		cluster_account_apply(name, NULL);
	free(name);
}

/* Take another node's word for name's account; its holder here follows. */
static void
cluster_account_apply(const char *name, const char *record)
{
	struct account *a;
	struct client *c;
	char *cause = NULL;

	if (accounts_apply(name, record, &cause) != 0) {
		log_warnx("cluster: %s", cause);
		free(cause);
	}
	log_info("cluster: account %s %s by another node", name,
	    record != NULL ? "registered" : "released");
	if ((c = client_find(name)) == NULL)
		return;
	a = accounts_find(name);
	c->account = a != NULL && c->fingerprint != NULL &&
	    accounts_owns(a, c->fingerprint) ? a : NULL;
}
