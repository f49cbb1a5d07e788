/*
 * Suite "cluster": three daemons and a real redis-server (on a UNIX socket
 * in a temporary dir) as one chat service. Skipped (77) without
 * redis-server.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <hiredis/hiredis.h>

#include "helpers.h"
#include "ssh-client.h"
#include "messages.h"

#define NODES		3
#define LEASE		3	/* clusterLease in these tests, seconds */
/* Link down noticed (heartbeat), reconnect backoff, with a margin. */
#define T_LINK		(8000 * t_slow())
#define ROOMS		"\"rooms\": {\"general\": {}, \"random\": {}, " \
			"\"pair\": {\"limit\": 2}}"

/* The Redis of the running test. */
static struct {
	char	 dir[T_PATH / 2];
	char	 sock[T_PATH];
	pid_t	 pid;
} rd;

static struct daemon nodes[NODES];

static char	*redis_which(void);
static void	 redis_start(void);
static void	 redis_wait(void);
static void	 redis_kill(int sig);
static redisReply *redis_cmd(const char *fmt, ...);
static void	 node_start(int i, const char *extra);
static void	 setup(void);
static void	 teardown(void);
static struct tclient *node_user(int i, const char *name);
static struct tclient *node_chatter(int i, const char *name,
		     const char *room);
static int	 tokens(const char *text, const char *prefix, char out[][16],
		     int max);
static char	*ctl(int i, const char *a1, const char *a2, const char *a3);
static void	 soon(struct tclient *c, const char *line, const char *want);
static void	 collect(struct tclient *c, const char *prefix,
		     char seen[][16], int want, long deadline);
static void	 account_heard(int i, const char *name);
static int	 has_line(const char *text, const char *w1, const char *w2,
		     const char *w3);

/* The redis-server to run, or NULL. */
static char *
redis_which(void)
{
	static char *paths[] = { "/usr/bin/redis-server",
	    "/usr/local/bin/redis-server", NULL };
	int i;

	for (i = 0; paths[i] != NULL; i++) {
		if (access(paths[i], X_OK) == 0)
			return (paths[i]);
	}
	return (NULL);
}

/* Start redis-server on rd.sock, persisting nothing by itself. */
static void
redis_start(void)
{
	char log[T_PATH + 16];
	pid_t parent = getpid();
	int fd;

	snprintf(log, sizeof log, "%s/redis.log", rd.dir);
	ck_assert_msg((rd.pid = fork()) != -1, "fork: %s", strerror(errno));
	if (rd.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execl(redis_which(), "redis-server", "--port", "0",
		    "--unixsocket", rd.sock, "--save", "", "--appendonly", "no",
		    "--dir", rd.dir, "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	redis_wait();
}

/* Until Redis answers PING. */
static void
redis_wait(void)
{
	long deadline = now_ms() + 10000L * t_slow();
	redisReply *r;

	for (;;) {
		if ((r = redis_cmd("PING")) != NULL) {
			freeReplyObject(r);
			return;
		}
		ck_assert_msg(now_ms() < deadline, "redis-server does not "
		    "answer on %s", rd.sock);
		usleep(20000);
	}
}

/* Signal Redis; SIGKILL also reaps it. */
static void
redis_kill(int sig)
{
	if (rd.pid <= 0)
		return;
	kill(rd.pid, sig);
	if (sig == SIGKILL) {
		waitpid(rd.pid, NULL, 0);
		rd.pid = 0;
	}
}

/* One command on a fresh connection; NULL if Redis does not answer. */
static redisReply *
redis_cmd(const char *fmt, ...)
{
	struct timeval tv = { 2, 0 };
	redisContext *c;
	redisReply *r;
	va_list ap;

	if ((c = redisConnectUnixWithTimeout(rd.sock, tv)) == NULL)
		return (NULL);
	if (c->err != 0) {
		redisFree(c);
		return (NULL);
	}
	redisSetTimeout(c, tv);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	return (r);
}

/* Node i ("n0".."n2") on this test's Redis. */
static void
node_start(int i, const char *extra)
{
	char json[T_PATH * 4];

	snprintf(json, sizeof json, "\"cluster\": {\"redis\": \"unix:%s\", "
	    "\"node\": \"n%d\"}, \"clusterLease\": %d, "
	    "\"accountsFile\": \"@DIR@/accounts\"%s%s", rd.sock, i, LEASE,
	    extra != NULL ? ", " : "", extra != NULL ? extra : "");
	daemon_start(&nodes[i], json);
}

/* Redis, then three nodes. */
static void
setup(void)
{
	char *dir;
	int i;

	if (redis_which() == NULL)
		exit(77);
	dir = test_mkdtemp();
	snprintf(rd.dir, sizeof rd.dir, "%s", dir);
	free(dir);
	snprintf(rd.sock, sizeof rd.sock, "%s/redis.sock", rd.dir);
	redis_start();
	for (i = 0; i < NODES; i++)
		node_start(i, ROOMS);
}

/* Nodes first (each must exit cleanly), then Redis and its dir. */
static void
teardown(void)
{
	int i;

	for (i = 0; i < NODES; i++)
		daemon_stop(&nodes[i]);
	redis_kill(SIGCONT);
	redis_kill(SIGKILL);
	rm_tree(rd.dir);
}

/* A user logged in on node i. */
static struct tclient *
node_user(int i, const char *name)
{
	struct tclient *c = tc_connect(&nodes[i], name);

	ck_assert_msg(tc_login(c, name) == 0, "%s could not log in on n%d",
	    name, i);
	return (c);
}

/* A user on node i in room's chat view. */
static struct tclient *
node_chatter(int i, const char *name, const char *room)
{
	struct tclient *c = node_user(i, name);

	tc_join(c, room, NULL);
	tc_chat(c, room);
	return (c);
}

/* The words in text that start with prefix, in order (at most max). */
static int
tokens(const char *text, const char *prefix, char out[][16], int max)
{
	const char *p = text;
	size_t n, plen = strlen(prefix);
	int count = 0;

	while ((p = strstr(p, prefix)) != NULL && count < max) {
		n = plen + strspn(p + plen, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789-");
		if (n >= 16)
			n = 15;
		memcpy(out[count], p, n);
		out[count][n] = '\0';
		count++;
		p += n;
	}
	return (count);
}

/*
 * The first want lines of c's with prefix (up to a word's end) into seen,
 * by deadline; fails the test if fewer come.
 */
static void
collect(struct tclient *c, const char *prefix, char seen[][16], int want,
    long deadline)
{
	char all[16384];
	int n = 0;

	all[0] = '\0';
	while (n < want && now_ms() < deadline) {
		tc_drain(c, 200);
		if (c->last != NULL)
			strncat(all, c->last, sizeof all - strlen(all) - 1);
		n = tokens(all, prefix, seen, 64);
	}
	ck_assert_msg(n == want, "%s saw %d of %d lines:\n%s", c->label, n,
	    want, all);
}

/* Node i lists name's account (it heard of it through Redis) within 5 s. */
static void
account_heard(int i, const char *name)
{
	long deadline = now_ms() + 5000L * t_slow();
	char *out;

	for (;;) {
		out = ctl(i, "accounts", NULL, NULL);
		if (has_line(out, name, "SHA256:", NULL))
			break;
		ck_assert_msg(now_ms() < deadline, "n%d never learnt of "
		    "%s:\n%s", i, name, out);
		free(out);
		usleep(100000);
	}
	free(out);
}

/* chatsockctl -s NODE's socket a1 [a2 [a3]]: its stdout; it must exit 0. */
static char *
ctl(int i, const char *a1, const char *a2, const char *a3)
{
	const char *argv[] = { getenv("CHATSOCKCTL"), "-s", nodes[i].admin,
	    a1, a2, a3, NULL };
	struct run_result r;
	char *out;

	ck_assert_msg(argv[0] != NULL, "CHATSOCKCTL is not set");
	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 0, "chatsockctl %s: %s", a1, r.err);
	out = strdup(r.out);
	run_result_free(&r);
	return (out);
}

/*
 * Send line until want comes back, for at most 5 s: news from another
 * node (a user, a seat given back) takes a round trip through Redis.
 */
static void
soon(struct tclient *c, const char *line, const char *want)
{
	long deadline = now_ms() + 5000L * t_slow();

	do {
		SEND(c, "%s", line);
		if (tc_expect(c, want, 500) == 0)
			return;
	} while (now_ms() < deadline);
	ck_abort_msg("%s: \"%s\" never answered \"%s\"", c->label, line,
	    want);
}

/* 1 if a line of text holds w1, w2 and w3 (NULL: any). */
static int
has_line(const char *text, const char *w1, const char *w2, const char *w3)
{
	char line[512];
	const char *end;
	size_t n;

	for (; *text != '\0'; text = *end != '\0' ? end + 1 : end) {
		end = strchrnul(text, '\n');
		n = end - text < (long)sizeof line ? (size_t)(end - text) :
		    sizeof line - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		if (strstr(line, w1) != NULL && (w2 == NULL ||
		    strstr(line, w2) != NULL) && (w3 == NULL ||
		    strstr(line, w3) != NULL))
			return (1);
	}
	return (0);
}

/* Without Redis nothing is served; the daemon says so and retries. */
START_TEST(test_waits_for_redis)
{
	char *log;
	int i;

	redis_kill(SIGKILL);
	daemon_stop(&nodes[2]);
	/* Redis comes back in 1.5 s; node 2 must wait for it. */
	if ((rd.pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		i = open("/dev/null", O_WRONLY);
		dup2(i, STDOUT_FILENO);
		dup2(i, STDERR_FILENO);
		usleep(1500000);
		execl(redis_which(), "redis-server", "--port", "0",
		    "--unixsocket", rd.sock, "--save", "", "--appendonly", "no",
		    "--dir", rd.dir, "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	node_start(2, ROOMS);
	log = read_file(nodes[2].log);
	ck_assert_msg(log != NULL && strstr(log, "cannot join through Redis") !=
	    NULL, "no log line while Redis is away:\n%s", log);
	ck_assert_msg(strstr(log, "joined the cluster") != NULL,
	    "no log line when joining:\n%s", log);
	free(log);
	redis_wait();
}
END_TEST

/* A room is one room: three nodes see the same lines in the same order. */
START_TEST(test_one_order)
{
	struct tclient *c[NODES];
	char seen[NODES][64][16];
	const char *names[NODES] = { "alice", "bob", "carol" };
	long deadline;
	int i, j;

	for (i = 0; i < NODES; i++)
		c[i] = node_chatter(i, names[i], "general");
	for (i = 0; i < NODES - 1; i++)
		EXPECT(c[i], MSG_NOTICE_JOIN, "carol", "general");
	for (i = 0; i < NODES; i++)
		tc_drain(c[i], 200);
	for (j = 0; j < 10; j++) {
		for (i = 0; i < NODES; i++)
			SEND(c[i], "m%c-%d", 'a' + i, j);
	}
	deadline = now_ms() + 10000L * t_slow();
	for (i = 0; i < NODES; i++)
		collect(c[i], "]: m", seen[i], 30, deadline);
	for (i = 1; i < NODES; i++) {
		for (j = 0; j < 30; j++)
			ck_assert_msg(strcmp(seen[0][j], seen[i][j]) == 0,
			    "line %d: %s saw %s, %s saw %s", j, names[0],
			    seen[0][j], names[i], seen[i][j]);
	}
	for (i = 0; i < NODES; i++)
		tc_close(c[i]);
}
END_TEST

/* Names are unique across nodes, regardless of case. */
START_TEST(test_name_across_nodes)
{
	struct tclient *a = node_user(0, "alice");
	struct tclient *b = tc_connect(&nodes[1], "b");

	EXPECT(b, MSG_NAME_PROMPT);
	SEND(b, "ALICE");
	EXPECT(b, MSG_NAME_TAKEN, "ALICE");
	tc_close(a);
	/* Given back when alice leaves. */
	usleep(300000);
	SEND(b, "ALICE");
	EXPECT(b, MSG_NAME_OK, "ALICE");
	tc_close(b);
}
END_TEST

/* Several connections on different nodes race for one name: one wins. */
START_TEST(test_name_race)
{
	struct tclient *c[6];
	char label[16];
	int i, won = 0, lost = 0;

	for (i = 0; i < 6; i++) {
		snprintf(label, sizeof label, "racer%d", i);
		c[i] = tc_connect(&nodes[i % NODES], label);
		EXPECT(c[i], MSG_NAME_PROMPT);
	}
	for (i = 0; i < 6; i++)
		SEND(c[i], "dave");
	/* "You are connected as dave" or "The username dave is ...". */
	for (i = 0; i < 6; i++) {
		if (tc_expect(c[i], "dave", T_WAIT) != 0)
			continue;
		if (strstr(c[i]->last, "connected as") != NULL)
			won++;
		else if (strstr(c[i]->last, "username") != NULL)
			lost++;
	}
	ck_assert_msg(won == 1 && lost == 5, "%d won, %d lost", won, lost);
	for (i = 0; i < 6; i++)
		tc_close(c[i]);
}
END_TEST

/* :listall, :list and :whois see the users of every node. */
START_TEST(test_presence)
{
	struct tclient *a = node_user(0, "alice");
	struct tclient *b = node_user(1, "bob");
	struct tclient *c = node_user(2, "carol");

	tc_join(b, "random", NULL);
	tc_join(c, "random", NULL);
	tc_join(a, "random", NULL);
	soon(a, ":list", "Users in random (3):");
	SEND(a, ":listall");
	EXPECT(a, MSG_LISTALL_HEAD, 3u);
	EXPECT(a, MSG_LIST_REMOTE, "bob", "", "n1");
	EXPECT(a, MSG_LIST_REMOTE, "carol", "", "n2");
	SEND(a, ":whois bob");
	EXPECT(a, MSG_WHOIS_NODE, "n1");
	EXPECT(a, MSG_WHOIS_ROOM, "random");
	/* Gone from the lists when gone. */
	tc_close(c);
	soon(a, ":listall", "Users online (2):");
	SEND(b, ":whois carol");
	EXPECT(b, MSG_WHOIS_NONE, "carol");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* chatsockctl on one node: every node's users, nodes, broadcast, kick. */
START_TEST(test_admin)
{
	struct tclient *a = node_user(0, "alice");
	struct tclient *b = node_user(1, "bob");
	struct tclient *c = node_user(2, "carol");
	char *out;

	tc_join(b, "random", NULL);
	soon(a, ":listall", "carol (on n2)");
	soon(a, ":whois bob", "in room random");
	out = ctl(0, "listall", NULL, NULL);
	ck_assert_msg(strstr(out, "NODE") != NULL &&
	    has_line(out, "n1 ", "bob", "random") &&
	    has_line(out, "n2 ", "carol", NULL) &&
	    has_line(out, "n0 ", "alice", "127.0.0.1"), "%s", out);
	free(out);
	out = ctl(0, "list", "random", NULL);
	ck_assert_msg(strstr(out, "bob") != NULL && strstr(out, "carol") ==
	    NULL, "%s", out);
	free(out);
	out = ctl(0, "--json", "rooms", NULL);
	ck_assert_msg(strstr(out, "\"members\":1") != NULL &&
	    strstr(out, "\"here\":0") != NULL, "%s", out);
	free(out);
	out = ctl(1, "nodes", NULL, NULL);
	ck_assert_msg(strstr(out, "link: up as node n1") != NULL &&
	    strstr(out, "n0") != NULL && strstr(out, "n2") != NULL &&
	    strstr(out, "(this node)") != NULL, "%s", out);
	free(out);
	out = ctl(2, "stats", NULL, NULL);
	ck_assert_msg(strstr(out, "users on all nodes: 3") != NULL, "%s", out);
	free(out);
	out = ctl(0, "broadcast", "tea is ready", NULL);
	ck_assert_msg(strstr(out, "sent to 3 users") != NULL, "%s", out);
	free(out);
	EXPECT(a, MSG_BROADCAST, "tea is ready");
	EXPECT(b, MSG_BROADCAST, "tea is ready");
	EXPECT(c, MSG_BROADCAST, "tea is ready");
	out = ctl(0, "kick", "carol", "bye");
	ck_assert_msg(strstr(out, "kicked carol on node n2") != NULL, "%s",
	    out);
	free(out);
	EXPECT(c, MSG_KICKED_REASON, "bye");
	EXPECT_CLOSED(c);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* A DM between users of two nodes: ring, both ways, away, close, offline. */
START_TEST(test_dm_across)
{
	struct tclient *a = node_user(0, "alice");
	struct tclient *b = node_user(1, "bob");

	soon(a, ":listall", "(on n1)");	/* n0 knows bob is on n1 */
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	EXPECT(b, MSG_DM_WAITING, "alice", "alice");
	tc_chat(a, "dm:bob");
	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN, "alice");
	tc_chat(b, "dm:alice");
	SEND(a, "psst bob");
	EXPECT(b, "[alice     ]: psst bob");
	EXPECT(a, "[alice     ]: psst bob");
	SEND(b, "hi alice");
	EXPECT(a, "[bob       ]: hi alice");
	SEND(b, ":q");
	SEND(b, ":list");
	EXPECT(b, MSG_LIST_HEAD, "dm:alice", 2u);
	EXPECT(b, MSG_LIST_REMOTE, "alice", "", "n0");
	tc_join(b, "general", NULL);
	EXPECT(a, MSG_DM_AWAY, "bob");
	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN, "alice");
	SEND(b, ":close");
	EXPECT(b, MSG_LEFT_DM, "alice");
	EXPECT(a, MSG_DM_CLOSED, "bob");
	/* A new one, then bob goes offline. */
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	tc_chat(a, "dm:bob");
	tc_close(b);
	EXPECT(a, MSG_DM_ENDED, "bob");
	tc_close(a);
}
END_TEST

/*
 * A registered user seen on one node is seen on the others: :whois there
 * says when, not "not seen since registered".
 */
START_TEST(test_seen_across)
{
	char pub[T_PATH + 16], ssh[T_PATH];
	struct tclient *a, *d;
	ssh_key key = sc_keygen();

	/* host and port given: the harness drops its defaults named here. */
	snprintf(ssh, sizeof ssh, "\"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"ssh\": {\"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"hostKey\": \"%s/n1_host_key\"}", rd.dir);
	daemon_stop(&nodes[1]);
	node_start(1, ssh);
	ck_assert(nodes[1].ssh_port > 0);
	snprintf(pub, sizeof pub, "%s/erin.pub", rd.dir);
	ck_assert(ssh_pki_export_pubkey_file(key, pub) == SSH_OK);
	free(ctl(0, "register", "erin", pub));
	account_heard(1, "erin");
	a = node_user(0, "alice");
	SEND(a, ":whois erin");
	EXPECT(a, MSG_WHOIS_NEVER, "");
	/* erin comes and goes on n1 over SSH. */
	d = sc_new(&nodes[1], "erin", "erin", 0);
	ck_assert(sc_kex(d, NULL) == 0);
	ck_assert(sc_auth(d, key) == SSH_AUTH_SUCCESS);
	ck_assert(sc_channel(d) == 0 && sc_shell(d) == 0);
	EXPECT(d, MSG_NAME_OK, "erin");
	soon(a, ":whois erin", "on node n1");
	tc_close(d);
	soon(a, ":whois erin", "last seen");
	tc_close(a);
	ssh_key_free(key);
}
END_TEST

/* Both ends of a DM across nodes see its lines in one order. */
START_TEST(test_dm_one_order)
{
	struct tclient *c[2];
	char seen[2][64][16];
	long deadline;
	int i, j;

	c[0] = node_user(0, "alice");
	c[1] = node_user(1, "bob");
	soon(c[0], ":listall", "(on n1)");
	soon(c[1], ":listall", "(on n0)");
	SEND(c[0], ":dm bob");
	EXPECT(c[0], MSG_DM_OPEN, "bob");
	tc_chat(c[0], "dm:bob");
	SEND(c[1], ":dm alice");
	EXPECT(c[1], MSG_DM_OPEN, "alice");
	tc_chat(c[1], "dm:alice");
	for (i = 0; i < 2; i++)
		tc_drain(c[i], 200);
	/* Each says its lines at once, so both have some in flight. */
	for (j = 0; j < 15; j++) {
		for (i = 0; i < 2; i++)
			SEND(c[i], "d%c-%d", 'a' + i, j);
	}
	deadline = now_ms() + 10000L * t_slow();
	for (i = 0; i < 2; i++)
		collect(c[i], "]: d", seen[i], 30, deadline);
	for (j = 0; j < 30; j++)
		ck_assert_msg(strcmp(seen[0][j], seen[1][j]) == 0,
		    "line %d: alice saw %s, bob saw %s", j, seen[0][j],
		    seen[1][j]);
	for (i = 0; i < 2; i++)
		tc_close(c[i]);
}
END_TEST

/* An account registered on one node owns the name on the others. */
START_TEST(test_account_across)
{
	char key[T_PATH + 16], pub[T_PATH + 16], *out;
	const char *argv[] = { "/usr/bin/ssh-keygen", "-q", "-t", "ed25519",
	    "-N", "", "-f", key, NULL };
	struct run_result r;
	struct tclient *c;

	snprintf(key, sizeof key, "%s/dave", rd.dir);
	snprintf(pub, sizeof pub, "%s/dave.pub", rd.dir);
	if (access(argv[0], X_OK) != 0)
		return;		/* no ssh-keygen: nothing to register */
	ck_assert(run_program(argv, NULL, &r) == 0 && r.status == 0);
	run_result_free(&r);
	out = ctl(0, "register", "dave", pub);
	free(out);
	account_heard(2, "dave");
	c = tc_connect(&nodes[2], "d");
	EXPECT(c, MSG_NAME_PROMPT);
	SEND(c, "dave");
	EXPECT(c, MSG_NAME_REGISTERED, "dave");
	out = ctl(1, "unregister", "dave", NULL);
	free(out);
	soon(c, "dave", "connected as dave");
	tc_close(c);
}
END_TEST

/* A room limit of 2 holds across three nodes; a seat given back is free. */
START_TEST(test_room_limit)
{
	struct tclient *a = node_user(0, "alice");
	struct tclient *b = node_user(1, "bob");
	struct tclient *c = node_user(2, "carol");

	tc_join(a, "pair", NULL);
	tc_join(b, "pair", NULL);
	/* :rooms on a third node counts the members of the other two. */
	soon(c, ":rooms", "2/2");
	SEND(c, ":join pair");
	EXPECT(c, MSG_ROOM_FULL, "pair", 2u, 2u);
	SEND(a, ":close");
	EXPECT(a, MSG_LEFT_ROOM, "pair");
	soon(c, ":join pair", "You joined pair.");
	SEND(a, ":join pair");
	EXPECT(a, MSG_ROOM_FULL, "pair", 2u, 2u);
	/* A user who goes away frees the seat too. */
	tc_close(b);
	soon(a, ":join pair", "You joined pair.");
	tc_close(a);
	tc_close(c);
}
END_TEST

/* A node killed with SIGKILL: its names come free within the lease. */
START_TEST(test_dead_node_names)
{
	struct tclient *a = node_user(0, "alice");
	struct tclient *b;
	long start, took = 0;
	int status;

	kill(nodes[0].pid, SIGKILL);
	waitpid(nodes[0].pid, &status, 0);
	nodes[0].pid = 0;
	tc_close(a);
	start = now_ms();
	b = tc_connect(&nodes[1], "b");
	EXPECT(b, MSG_NAME_PROMPT);
	SEND(b, "alice");
	EXPECT(b, MSG_NAME_TAKEN, "alice");
	while (now_ms() - start < (LEASE + 5) * 1000L * t_slow()) {
		usleep(250000);
		SEND(b, "alice");
		ck_assert_msg(tc_expect(b, "alice", T_WAIT) == 0, "no answer");
		if (strstr(b->last, "connected as") != NULL) {
			took = now_ms() - start;
			break;
		}
	}
	ck_assert_msg(took > 0 && took <= (LEASE + 1) * 1000L,
	    "alice free after %ld ms (lease %d s)", took, LEASE);
	tc_close(b);
}
END_TEST

/*
 * Redis killed and restarted: local chat goes on, users are told once,
 * new names wait, and cross-node chat comes back with a notice.
 */
START_TEST(test_redis_restart)
{
	struct tclient *a = node_chatter(0, "alice", "general");
	struct tclient *a2 = node_chatter(0, "ann", "general");
	struct tclient *b = node_chatter(1, "bob", "general");
	struct tclient *x;
	long start;

	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	SEND(b, "before");
	EXPECT(a, "[bob       ]: before");
	redis_kill(SIGKILL);
	ck_assert_msg(tc_expect(a, MSG_CLUSTER_DOWN, T_LINK) == 0,
	    "alice was not told that other nodes are out of reach");
	EXPECT(b, MSG_CLUSTER_DOWN);
	SEND(a, "local only");
	EXPECT(a2, "[alice     ]: local only");
	EXPECT_NOT(b, "local only");
	x = tc_connect(&nodes[0], "x");
	EXPECT(x, MSG_NAME_PROMPT);
	SEND(x, "xavier");
	EXPECT(x, MSG_NAME_UNCHECKED);
	start = now_ms();
	redis_start();
	ck_assert_msg(tc_expect(a, MSG_CLUSTER_BACK, T_LINK) == 0,
	    "alice was not told that other nodes are back");
	EXPECT(b, MSG_CLUSTER_BACK);
	fprintf(stderr, "cluster: chat across nodes %ld ms after Redis came "
	    "back\n", now_ms() - start);
	SEND(a, "after");
	EXPECT(b, "[alice     ]: after");
	EXPECT(a2, "[alice     ]: after");
	/* Told once: no second notice. */
	EXPECT_NOT(a, MSG_CLUSTER_DOWN);
	SEND(x, "xavier");
	EXPECT(x, MSG_NAME_OK, "xavier");
	tc_close(x);
	/* Names held before the outage are claimed again. */
	x = tc_connect(&nodes[2], "y");
	EXPECT(x, MSG_NAME_PROMPT);
	SEND(x, "alice");
	EXPECT(x, MSG_NAME_TAKEN, "alice");
	tc_close(x);
	tc_close(a);
	tc_close(a2);
	tc_close(b);
}
END_TEST

/* Redis frozen (SIGSTOP) for 10 s: the heartbeat notices; all resumes. */
START_TEST(test_redis_frozen)
{
	struct tclient *a = node_chatter(0, "alice", "general");
	struct tclient *a2 = node_chatter(0, "ann", "general");
	struct tclient *b = node_chatter(1, "bob", "general");
	long start;

	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	redis_kill(SIGSTOP);
	start = now_ms();
	/* Said before anyone knows: heard on this node once it knows. */
	SEND(a, "into the freeze");
	ck_assert_msg(tc_expect(a2, "[alice     ]: into the freeze",
	    T_LINK) == 0, "ann did not hear alice in the freeze");
	ck_assert_msg(tc_expect(a, MSG_CLUSTER_DOWN, T_LINK) == 0,
	    "alice was not told that other nodes are out of reach");
	SEND(a, "local only");
	EXPECT(a2, "[alice     ]: local only");
	while (now_ms() - start < 10000)
		usleep(100000);
	redis_kill(SIGCONT);
	ck_assert_msg(tc_expect(a, MSG_CLUSTER_BACK, T_LINK) == 0,
	    "alice was not told that other nodes are back");
	EXPECT(b, MSG_CLUSTER_BACK);
	SEND(b, "thawed");
	EXPECT(a, "[bob       ]: thawed");
	/* What Redis ran late, on waking, is not shown twice here. */
	EXPECT_NOT(a2, "into the freeze");
	tc_close(a);
	tc_close(a2);
	tc_close(b);
}
END_TEST

/* Redis drops every subscriber: nodes resubscribe and chat goes on. */
START_TEST(test_pubsub_killed)
{
	struct tclient *a = node_chatter(0, "alice", "general");
	struct tclient *b = node_chatter(1, "bob", "general");
	redisReply *r;

	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	r = redis_cmd("CLIENT KILL TYPE pubsub");
	ck_assert_msg(r != NULL && r->type == REDIS_REPLY_INTEGER &&
	    r->integer >= NODES, "CLIENT KILL TYPE pubsub: %s",
	    r != NULL && r->str != NULL ? r->str : "no answer");
	freeReplyObject(r);
	ck_assert_msg(tc_expect(a, MSG_CLUSTER_BACK, T_LINK) == 0,
	    "alice was not told that other nodes are back");
	ck_assert_msg(tc_expect(b, MSG_CLUSTER_BACK, T_LINK) == 0,
	    "bob was not told that other nodes are back");
	SEND(a, "resubscribed");
	EXPECT(b, "[alice     ]: resubscribed");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Whatever Redis saves holds names at most, never chat text. */
START_TEST(test_no_text_in_redis)
{
	struct tclient *a = node_chatter(0, "alice", "general");
	struct tclient *b = node_chatter(1, "bob", "general");
	char path[T_PATH + 16], *dump;
	redisReply *r;
	long deadline;
	struct stat sb;
	ssize_t n;
	int fd;

	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	SEND(a, "zebra-secret-words");
	EXPECT(b, "zebra-secret-words");
	r = redis_cmd("BGSAVE");
	ck_assert_msg(r != NULL && r->type != REDIS_REPLY_ERROR, "BGSAVE");
	freeReplyObject(r);
	snprintf(path, sizeof path, "%s/dump.rdb", rd.dir);
	deadline = now_ms() + 10000L * t_slow();
	while (stat(path, &sb) != 0 && now_ms() < deadline)
		usleep(50000);
	usleep(300000);
	ck_assert_msg((fd = open(path, O_RDONLY)) != -1, "no dump.rdb");
	ck_assert(fstat(fd, &sb) == 0 && (dump = malloc(sb.st_size)) != NULL);
	n = read(fd, dump, sb.st_size);
	close(fd);
	ck_assert_msg(n == sb.st_size, "dump.rdb: short read");
	ck_assert_msg(memmem(dump, n, "zebra", 5) == NULL,
	    "chat text in dump.rdb");
	ck_assert_msg(memmem(dump, n, "alice", 5) != NULL,
	    "the name lease is not in dump.rdb: is this the right file?");
	free(dump);
	tc_close(a);
	tc_close(b);
}
END_TEST

/*
 * A second daemon configured with a node name in use does not join (it
 * would take the first one's lines for its own echo) and says why; the
 * cluster goes on. A node restarted takes its name back at once.
 */
START_TEST(test_node_name_taken)
{
	char conf[T_PATH], log[T_PATH], json[T_PATH * 3], extra[T_PATH];
	char *text = NULL;
	const char *bin = getenv("CHATSOCKD");
	struct tclient *a, *b;
	long deadline, start;
	pid_t pid;
	int fd;

	ck_assert(bin != NULL);
	snprintf(conf, sizeof conf, "%s/twin.json", rd.dir);
	snprintf(log, sizeof log, "%s/twin.log", rd.dir);
	snprintf(json, sizeof json, "{\"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"adminSocket\": \"%s/twin.sock\", \"accountsFile\": "
	    "\"%s/twin.accounts\", \"cluster\": {\"redis\": \"unix:%s\", "
	    "\"node\": \"n0\"}}", rd.dir, rd.dir, rd.sock);
	write_file(conf, json);
	ck_assert((pid = fork()) != -1);
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
		    dup2(fd, 2) == -1)
			_exit(127);
		execl(bin, "chatsockd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	deadline = now_ms() + 5000L * t_slow();
	while (now_ms() < deadline) {
		free(text);
		text = read_file(log);
		if (text != NULL && strstr(text, "node name n0 is in use") !=
		    NULL)
			break;
		usleep(100000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	ck_assert_msg(text != NULL && strstr(text, "node name n0 is in use") !=
	    NULL && strstr(text, "listening") == NULL,
	    "the twin of n0 joined or did not say why:\n%s", text);
	free(text);
	/* The real n0 was not disturbed. */
	a = node_user(0, "alice");
	b = node_user(1, "bob");
	soon(b, ":listall", "(on n0)");
	tc_close(a);
	tc_close(b);
	/*
	 * n0 restarted, even after kill -9, is the same daemon (same host,
	 * same admin socket) and joins without waiting out its lease.
	 */
	snprintf(extra, sizeof extra, "%s, \"adminSocket\": \"%s/n0.sock\"",
	    ROOMS, rd.dir);
	daemon_stop(&nodes[0]);
	node_start(0, extra);
	kill(nodes[0].pid, SIGKILL);
	waitpid(nodes[0].pid, NULL, 0);
	nodes[0].pid = 0;
	start = now_ms();
	node_start(0, extra);
	ck_assert_msg(now_ms() - start < 2000L * t_slow(), "n0 took %ld ms "
	    "to come back", now_ms() - start);
}
END_TEST

/* chatsockd -t explains a cluster configuration error. */
START_TEST(test_config_errors)
{
	char *dir = test_mkdtemp(), path[T_PATH];
	const char *argv[] = { getenv("CHATSOCKD"), "-t", "-c", path, NULL };
	struct run_result r;

	snprintf(path, sizeof path, "%s/c.json", dir);
	write_file(path, "{\"cluster\": {\"redis\": \"redis.example:6379\", "
	    "\"node\": \"a\"}}");
	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 1 && strstr(r.err, path) != NULL &&
	    strstr(r.err, "\"cluster.redis\"") != NULL &&
	    strstr(r.err, "unix:/PATH") != NULL, "%s", r.err);
	run_result_free(&r);
	write_file(path, "{\"cluster\": {\"redis\": \"127.0.0.1:6379\"}}");
	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 1 && strstr(r.err, "\"cluster.node\"") !=
	    NULL && strstr(r.err, "missing") != NULL, "%s", r.err);
	run_result_free(&r);
	write_file(path, "{\"clusterLease\": 0}");
	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 1 && strstr(r.err, "\"clusterLease\"") !=
	    NULL, "%s", r.err);
	run_result_free(&r);
	unlink(path);
	rmdir(dir);
	free(dir);
}
END_TEST

/* Config errors alone; the rest with Redis and three nodes each. */
static Suite *
cluster_suite(void)
{
	Suite *s = suite_create("cluster");
	TCase *tc;

	tc = tcase_create("config");
	tcase_add_test(tc, test_config_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("nodes");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_one_order);
	tcase_add_test(tc, test_name_across_nodes);
	tcase_add_test(tc, test_name_race);
	tcase_add_test(tc, test_room_limit);
	tcase_add_test(tc, test_presence);
	tcase_add_test(tc, test_admin);
	tcase_add_test(tc, test_dm_across);
	tcase_add_test(tc, test_dm_one_order);
	tcase_add_test(tc, test_seen_across);
	tcase_add_test(tc, test_node_name_taken);
	tcase_add_test(tc, test_account_across);
	tcase_add_test(tc, test_dead_node_names);
	tcase_add_test(tc, test_no_text_in_redis);
	tcase_add_test(tc, test_waits_for_redis);
	suite_add_tcase(s, tc);

	tc = tcase_create("outages");
	tcase_set_timeout(tc, 90);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_redis_restart);
	tcase_add_test(tc, test_redis_frozen);
	tcase_add_test(tc, test_pubsub_killed);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	if (redis_which() == NULL)
		return (77);
	return (run_suite(cluster_suite()));
}
