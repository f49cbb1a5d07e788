/*
 * Suite "hostile": slow readers, floods, connection limits, vanishing
 * clients, binary garbage and terminal injection, over real sockets. The
 * daemon must stay up, and the well-behaved users must keep every message.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "limits.h"
#include "messages.h"

#define ALICE	"[alice     ]: "
#define BOB	"[bob       ]: "
#define CAROL	"[carol     ]: "
#define EVIL	"[evil      ]: "

/* Telnet bytes as strings. */
#define IAC_SE		"\xff\xf0"
#define IAC_NOP		"\xff\xf1"
#define IAC_SB		"\xff\xfa"
#define IAC_DO_TM	"\xff\xfd\x06"
#define IAC_WILL_TM	"\xff\xfb\x06"

/* The daemon's own defaults for everything a hostile client meets. */
#define FULL_CONFIG \
	"{ \"host\": \"127.0.0.1\", \"port\": 0, " \
	"\"adminSocket\": \"@DIR@/admin.sock\", \"shutdownGrace\": 0, " \
	"\"connectionTimeout\": false, " \
	"\"rooms\": {\"general\": {}, \"random\": {}} }"

/* Slow reader: output bound, message size and the most messages sent. */
#define SLOW_LIMIT	65536
#define SLOW_BATCH	20
#define SLOW_MAX	20000
/* Longest a fast reader may wait for a batch, in ms (ASan included). */
#define SLOW_LATENCY	2000

static void	 setup(void);
static void	 setup_defaults(void);
static void	 setup_slow(void);
static void	 setup_max_clients(void);
static void	 setup_per_address(void);
static void	 setup_name_timeout(void);
static void	 setup_ipv6(void);
static void	 setup_scoped(void);
static int	 v6_visit(const char *addr, const char *ifname);
static void	 v6_cycles(const char *addr, const char *ifname, int n);
static int	 visit_v4(const char *src);
static void	 trio(struct tclient **g, struct tclient **b,
		     struct tclient **c);
static void	 still_chatting(struct tclient *b, struct tclient *c,
		     const char *tag, int n);
static void	 assert_clean(const struct tclient *c);
static void	 drain_clean(struct tclient *c, int ms);
static int	 count(const char *text, const char *s);
static int	 check_batch(struct tclient *c, const char *prefix, int from,
		     int to, int *left);
static void	 wait_served(const char *label);
static int	 log_has(const char *a, const char *b);
static void	 resync(struct tclient *g);

/* The harness defaults (flood control off). */
static void
setup(void)
{
	daemon_start(&td, "");
}

/* The daemon's own defaults, flood control included. */
static void
setup_defaults(void)
{
	daemon_start(&td, FULL_CONFIG);
}

/* A small output bound, so a slow reader passes it soon. */
static void
setup_slow(void)
{
	daemon_start(&td, "\"outputLimit\": 65536");
}

/* Three connections at most. */
static void
setup_max_clients(void)
{
	daemon_start(&td, "\"maxClients\": 3");
}

/* Two connections at most from one address. */
static void
setup_per_address(void)
{
	daemon_start(&td, "\"maxClientsPerAddress\": 2");
}

/* One second to choose a username. */
static void
setup_name_timeout(void)
{
	daemon_start(&td, "\"nameTimeout\": 1");
}

/* Over IPv6 ([::] bound), three connections at most per address. */
static void
setup_ipv6(void)
{
	daemon_start(&td, "\"host\": \"::\", \"maxClientsPerAddress\": 3");
}

/*
 * The name of the interface with a link-local address, in a network
 * namespace of the test's own, and whether that could be made (as root).
 * Its name is as long as Linux allows, so that "fe80::...%NAME" is longer
 * than any 40-byte text buffer.
 */
#define SCOPED_IF	"chatsk89abcdefa"
#define SCOPED_PEER	"chatsk89abcdefb"
#define SCOPED_ADDR	"fe80::1234:5678:9abc:def0"
static int scoped_ok;

/* setup_ipv6 in a network namespace with SCOPED_IF, if one can be made. */
static void
setup_scoped(void)
{
	scoped_ok = geteuid() == 0 && unshare(CLONE_NEWNET) == 0 &&
	    system("exec >/dev/null 2>&1; ip link set lo up && "
	    "ip link add name " SCOPED_IF " type veth peer name " SCOPED_PEER
	    " && ip link set " SCOPED_IF " up && ip link set " SCOPED_PEER
	    " up && ip -6 addr add " SCOPED_ADDR "/64 dev " SCOPED_IF
	    " nodad") == 0;
	setup_ipv6();
}

/*
 * Connect to the daemon at addr (scoped to ifname unless NULL), wait for
 * its first line, close: 1 if it served, 0 if it refused for the address.
 */
static int
v6_visit(const char *addr, const char *ifname)
{
	struct sockaddr_in6 sin6;
	struct tclient *c;
	int served;

	c = calloc(1, sizeof *c);
	ck_assert(c != NULL);
	snprintf(c->label, sizeof c->label, "[%s]", addr);
	c->buf = malloc(1);
	ck_assert(c->buf != NULL);
	ck_assert((c->fd = socket(AF_INET6, SOCK_STREAM, 0)) != -1);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(td.port);
	ck_assert(inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1);
	if (ifname != NULL)
		sin6.sin6_scope_id = if_nametoindex(ifname);
	ck_assert_msg(connect(c->fd, (struct sockaddr *)&sin6,
	    sizeof sin6) == 0, "connect to [%s]:%d: %s", addr, td.port,
	    strerror(errno));
	ck_assert_msg(tc_expect(c, "\r\n", T_WAIT) == 0, "[%s]: no line",
	    addr);
	served = strstr(c->last, MSG_ADDRESS_FULL) == NULL;
	tc_close(c);
	return (served);
}

/*
 * n connections in turn from addr, each closed before the next: every one
 * is served. The daemon frees a slot once it has seen the close, so a
 * refusal gets one more try a moment later; a slot that is never freed
 * fails it too.
 */
static void
v6_cycles(const char *addr, const char *ifname, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (v6_visit(addr, ifname))
			continue;
		usleep(300000);
		ck_assert_msg(v6_visit(addr, ifname), "connection %d from "
		    "[%s]%s%s refused: the slots of closed connections were "
		    "not freed", i + 1, addr, ifname ? "%" : "",
		    ifname ? ifname : "");
	}
}

/* How often s occurs in text. */
static int
count(const char *text, const char *s)
{
	int n = 0;

	while ((text = strstr(text, s)) != NULL) {
		n++;
		text += strlen(s);
	}
	return (n);
}

/* Whether one line of the daemon's stderr holds both a and b. */
static int
log_has(const char *a, const char *b)
{
	char *text = read_file(td.log), *line, *save = NULL;
	int found = 0;

	if (text == NULL)
		return (0);
	for (line = strtok_r(text, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save))
		found = strstr(line, a) != NULL && strstr(line, b) != NULL;
	free(text);
	return (found);
}

/*
 * What c's last expect or drain consumed holds nothing a terminal could act
 * on: no control byte but CR LF, no DEL, no C1 (U+0080 to U+009F, 0xc2
 * 0x80..0x9f in UTF-8); and c never received an ESC at all. Called after
 * each read, it covers the whole stream.
 */
static void
assert_clean(const struct tclient *c)
{
	const unsigned char *p = (const unsigned char *)c->last;
	size_t i;

	ck_assert_msg(c->nesc == 0, "%s received %zu ESC bytes", c->label,
	    c->nesc);
	for (i = 0; p != NULL && i < c->lastlen; i++) {
		ck_assert_msg(p[i] >= 0x20 || p[i] == '\r' || p[i] == '\n',
		    "%s received control byte 0x%02x", c->label, p[i]);
		ck_assert_msg(p[i] != 0x7f, "%s received DEL", c->label);
		ck_assert_msg(!(p[i] == 0xc2 && i + 1 < c->lastlen &&
		    p[i + 1] >= 0x80 && p[i + 1] <= 0x9f),
		    "%s received C1 control U+%04X", c->label, p[i + 1]);
	}
	ck_assert_msg(p == NULL || strstr(c->last, "\n***") == NULL,
	    "%s received a line that looks like the server's", c->label);
}

/* evil, bob and carol in the chat view of general, each past the joins. */
static void
trio(struct tclient **g, struct tclient **b, struct tclient **c)
{
	*b = tc_chatter("bob", "general");
	*c = tc_chatter("carol", "general");
	EXPECT(*b, MSG_NOTICE_JOIN "\r\n", "carol", "general");
	*g = tc_chatter("evil", "general");
	EXPECT(*b, MSG_NOTICE_JOIN "\r\n", "evil", "general");
	EXPECT(*c, MSG_NOTICE_JOIN "\r\n", "evil", "general");
}

/*
 * carol sends n numbered messages; bob receives exactly those, in order, and
 * bob's stream stays free of anything a terminal would act on.
 */
static void
still_chatting(struct tclient *b, struct tclient *c, const char *tag, int n)
{
	char want[128];
	const char *p;
	int i;

	for (i = 1; i <= n; i++)
		SEND(c, "%s %d", tag, i);
	snprintf(want, sizeof want, CAROL "%s %d\r\n", tag, n);
	ck_assert_msg(tc_expect(b, want, T_WAIT) == 0,
	    "bob lost carol's messages");
	p = b->last;
	for (i = 1; i <= n; i++) {
		snprintf(want, sizeof want, CAROL "%s %d\r\n", tag, i);
		ck_assert_msg((p = strstr(p, want)) != NULL,
		    "bob: \"%s %d\" missing or out of order", tag, i);
		p += strlen(want);
	}
	ck_assert_msg(count(b->last, CAROL) == n,
	    "bob: %d lines from carol, %d sent", count(b->last, CAROL), n);
	assert_clean(b);
}

/* Consume what arrives until quiet, checking it is clean. */
static void
drain_clean(struct tclient *c, int ms)
{
	tc_drain(c, ms);
	assert_clean(c);
}

/*
 * Bring a garbage sender back to a known state (out of a subnegotiation,
 * no partial line) and prove it is still served: IAC DO TIMING-MARK is
 * answered in every state.
 */
static void
resync(struct tclient *g)
{
	SEND_RAW(g, IAC_SE IAC_SE "\n");
	tc_drain(g, 100);
	SEND_RAW(g, IAC_DO_TM);
	ck_assert_msg(tc_expect_raw(g, IAC_WILL_TM, 3, T_WAIT) == 0,
	    "the garbage sender is no longer served");
}

/*
 * Read until the message numbered to (prefix "m%05d") and check every
 * message from..to is there once, in order; latency of the wait in *left.
 */
static int
check_batch(struct tclient *c, const char *prefix, int from, int to,
    int *left)
{
	char want[64];
	const char *p;
	long start = now_ms();
	int i;

	snprintf(want, sizeof want, "%sm%05d ", prefix, to);
	if (tc_expect(c, want, SLOW_LATENCY) != 0)
		return (-1);
	*left = (int)(now_ms() - start);
	p = c->last;
	for (i = from; i <= to; i++) {
		snprintf(want, sizeof want, "%sm%05d ", prefix, i);
		if ((p = strstr(p, want)) == NULL) {
			fprintf(stderr, "%s: message %d missing or out of "
			    "order\n", c->label, i);
			return (-1);
		}
		p += strlen(want);
	}
	if (count(c->last, prefix) != to - from + 1) {
		fprintf(stderr, "%s: %d messages, expected %d\n", c->label,
		    count(c->last, prefix), to - from + 1);
		return (-1);
	}
	return (0);
}

/*
 * A user stops reading in the chat view: once its unread output passes
 * outputLimit it is disconnected with a logged reason, while a fast reader
 * and the sender get every message in order without waiting.
 */
START_TEST(test_slow_reader)
{
	struct tclient *fast, *talk, *slow;
	char text[160], *batch = NULL;
	size_t blen;
	FILE *f;
	int sent = 0, gone_at = -1, lat, worst = 0, i;

	fast = tc_chatter("fast", "general");
	talk = tc_chatter("talker", "general");
	slow = tc_connect_from(&td, NULL, "slow", 4096);
	ck_assert(tc_login(slow, "slow") == 0);
	tc_join(slow, "general", NULL);
	tc_chat(slow, "general");
	EXPECT(fast, MSG_NOTICE_JOIN "\r\n", "slow", "general");
	EXPECT(talk, MSG_NOTICE_JOIN "\r\n", "slow", "general");
	/* From here on slow reads nothing. */

	while (sent < SLOW_MAX && (gone_at < 0 || sent < gone_at + 400)) {
		f = open_memstream(&batch, &blen);
		for (i = sent + 1; i <= sent + SLOW_BATCH; i++) {
			snprintf(text, sizeof text, "m%05d ", i);
			memset(text + 7, 'x', 143);	/* 150 characters */
			fprintf(f, "%.150s\n", text);
		}
		fclose(f);
		ck_assert(tc_send_raw(talk, batch, blen) == 0);
		free(batch);
		ck_assert_msg(check_batch(fast, "[talker    ]: ", sent + 1,
		    sent + SLOW_BATCH, &lat) == 0, "fast lost messages");
		if (lat > worst)
			worst = lat;
		ck_assert_msg(check_batch(talk, "[talker    ]: ", sent + 1,
		    sent + SLOW_BATCH, &lat) == 0, "the sender lost messages");
		if (gone_at < 0 && strstr(fast->last, "* slow left general"))
			gone_at = sent;
		sent += SLOW_BATCH;
	}
	ck_assert_msg(gone_at >= 0, "slow was not dropped after %d messages "
	    "(%d bytes)", sent, sent * 166);
	ck_assert_msg(log_has(" slow ", "output limit"),
	    "no log line says slow passed the output limit");
	ck_assert_msg(worst < SLOW_LATENCY, "fast waited %d ms", worst);
	fprintf(stderr, "slow reader: dropped after %d messages, worst "
	    "batch latency %d ms\n", gone_at, worst);
	/* The slow client's connection is really gone. */
	EXPECT_CLOSED(slow);
	tc_close(fast);
	tc_close(talk);
	tc_close(slow);
}
END_TEST

/*
 * Default flood control: a paste of floodBurst (10) lines goes through;
 * lines past the rate are refused and not delivered; after a pause sending
 * works again.
 */
START_TEST(test_flood_paste)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	char paste[256], want[64];
	const char *p;
	size_t n = 0;
	int i;

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	/* The name, :join and :chat took 3 lines of the burst: let it refill. */
	usleep(2000000);
	for (i = 1; i <= 10; i++)
		n += snprintf(paste + n, sizeof paste - n, "paste %d\n", i);
	ck_assert(tc_send_raw(b, paste, n) == 0);
	EXPECT(a, BOB "paste 10\r\n");
	p = a->last;
	for (i = 1; i <= 10; i++) {
		snprintf(want, sizeof want, BOB "paste %d\r\n", i);
		ck_assert_msg((p = strstr(p, want)) != NULL,
		    "pasted line %d missing or out of order", i);
	}
	EXPECT(b, BOB "paste 10\r\n");
	ck_assert_msg(strstr(b->last, MSG_FLOOD) == NULL,
	    "flood control refused part of a 10-line paste");
	/* Three more at once, past the rate of 2 a second. */
	SEND_RAW(b, "over 1\nover 2\nover 3\n");
	for (i = 0; i < 3; i++)
		EXPECT(b, MSG_FLOOD "\r\n");
	/* After a pause it works again. */
	usleep(1500000);
	SEND(b, "after the pause");
	EXPECT(a, BOB "after the pause\r\n");
	ck_assert_msg(strstr(a->last, "over") == NULL,
	    "a line refused by flood control was delivered");
	EXPECT(b, BOB "after the pause\r\n");
	ck_assert_msg(strstr(b->last, MSG_FLOOD) == NULL,
	    "the line after the pause was refused");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* FLOOD_STRIKES_MAX refusals in a row disconnect the flooder. */
START_TEST(test_flood_kill)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	char *lines = NULL;
	size_t n;
	FILE *f;
	int i;

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	usleep(2000000);
	f = open_memstream(&lines, &n);
	for (i = 1; i <= 10 + FLOOD_STRIKES_MAX + 10; i++)
		fprintf(f, "flood %d\n", i);
	fclose(f);
	ck_assert(tc_send_raw(b, lines, n) == 0);
	free(lines);
	EXPECT(b, MSG_FLOOD_KILL "\r\n");
	ck_assert_msg(count(b->last, MSG_FLOOD "\r\n") == FLOOD_STRIKES_MAX - 1,
	    "%d warnings before the kill, expected %d",
	    count(b->last, MSG_FLOOD "\r\n"), FLOOD_STRIKES_MAX - 1);
	EXPECT_CLOSED(b);
	EXPECT(a, MSG_NOTICE_LEAVE "\r\n", "bob", "general");
	ck_assert_msg(count(a->last, BOB "flood ") == 10,
	    "alice got %d flood lines, expected the burst of 10",
	    count(a->last, BOB "flood "));
	ck_assert(strstr(a->last, BOB "flood 11\r\n") == NULL);
	ck_assert(log_has(" bob ", "flooding"));
	tc_close(a);
	tc_close(b);
}
END_TEST

/* floodRate 0 switches flood control off: 100 lines at once all arrive. */
START_TEST(test_flood_off)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	char *lines = NULL, want[64];
	const char *p;
	size_t n;
	FILE *f;
	int i;

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	f = open_memstream(&lines, &n);
	for (i = 1; i <= 100; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	ck_assert(tc_send_raw(b, lines, n) == 0);
	free(lines);
	EXPECT(a, BOB "line 100\r\n");
	p = a->last;
	for (i = 1; i <= 100; i++) {
		snprintf(want, sizeof want, BOB "line %d\r\n", i);
		ck_assert_msg((p = strstr(p, want)) != NULL,
		    "line %d missing or out of order", i);
	}
	EXPECT(b, BOB "line 100\r\n");
	ck_assert(strstr(b->last, MSG_FLOOD) == NULL);
	tc_close(a);
	tc_close(b);
}
END_TEST

/*
 * Connect until the name prompt comes instead of a refusal: the slot of a
 * user who left is free once the daemon has seen the connection end, which
 * may be a moment after the user saw it. Bounded by T_WAIT.
 */
static void
wait_served(const char *label)
{
	struct tclient *c;
	long deadline = now_ms() + T_WAIT;
	int ok;

	for (;;) {
		c = tc_connect(&td, label);
		tc_drain(c, 200);
		ok = strstr(c->last, MSG_NAME_PROMPT) != NULL;
		if (ok) {
			SEND(c, "%s", label);
			EXPECT(c, MSG_NAME_OK, label);
		} else
			ck_assert_msg(strstr(c->last, "Sorry") != NULL,
			    "%s: neither served nor refused", label);
		tc_close(c);
		if (ok)
			return;
		ck_assert_msg(now_ms() < deadline,
		    "%s not served %d ms after a slot was freed", label,
		    T_WAIT);
		usleep(50000);
	}
}

/* maxClients: the next connection is refused and closed until one leaves. */
START_TEST(test_max_clients)
{
	struct tclient *u[3], *x;
	char name[8];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "u%d", i);
		u[i] = tc_user(name);
	}
	x = tc_connect(&td, "fourth");
	EXPECT(x, MSG_SERVER_FULL "\r\n");
	EXPECT_CLOSED(x);
	ck_assert(strstr(x->last, MSG_NAME_PROMPT) == NULL);
	tc_close(x);
	ck_assert(log_has("refused", "maxClients"));

	/* The others never noticed. */
	SEND(u[1], ":listall");
	EXPECT(u[1], MSG_LISTALL_HEAD, 3);

	SEND(u[0], ":quit");
	EXPECT(u[0], MSG_QUIT_CONFIRM);
	SEND(u[0], "y");
	EXPECT_CLOSED(u[0]);
	tc_close(u[0]);
	wait_served("late");
	tc_close(u[1]);
	tc_close(u[2]);
}
END_TEST

/* maxClientsPerAddress: a third from 127.0.0.1 is refused, 127.0.0.2 is not. */
START_TEST(test_max_per_address)
{
	struct tclient *a = tc_user("a1");
	struct tclient *b = tc_user("a2");
	struct tclient *x, *o;

	x = tc_connect_from(&td, "127.0.0.1", "third", 0);
	EXPECT(x, MSG_ADDRESS_FULL "\r\n");
	EXPECT_CLOSED(x);
	tc_close(x);
	ck_assert(log_has("refused 127.0.0.1", "maxClientsPerAddress"));

	o = tc_connect_from(&td, "127.0.0.2", "other", 0);
	ck_assert_msg(tc_login(o, "other") == 0, "127.0.0.2 was not served");
	SEND(o, ":listall");
	EXPECT(o, MSG_LISTALL_HEAD, 3);

	tc_close(a);
	wait_served("again");
	tc_close(b);
	tc_close(o);
}
END_TEST

/* Over [::1], many more connections in turn than maxClientsPerAddress. */
START_TEST(test_per_address_ipv6)
{
	struct tclient *a;

	v6_cycles("::1", NULL, 40);
	a = tc_user("alice");		/* IPv4 through [::], still served */
	tc_close(a);
	v6_cycles("::1", NULL, 5);
}
END_TEST

/*
 * The same from a link-local address whose text with "%interface" is 41
 * characters: its slots were once counted under one spelling and released
 * under another, so that it was refused for good after a few connections.
 */
START_TEST(test_per_address_scoped)
{
	if (!scoped_ok) {
		fprintf(stderr, "test_per_address_scoped: skipped, no network "
		    "namespace with a veth pair (needs root)\n");
		return;
	}
	v6_cycles(SCOPED_ADDR, SCOPED_IF, 40);
}
END_TEST

/* Connect from src, wait for the first line, close. */
static int
visit_v4(const char *src)
{
	struct tclient *c = tc_connect_from(&td, src, "visitor", 0);
	int ok;

	ok = tc_expect(c, "\r\n", T_WAIT) == 0;
	tc_close(c);
	return (ok);
}

/*
 * Many quick connections from one address log at most LOG_ADDR_LINES lines
 * about it, then one line saying how many more there were; another address
 * is still logged.
 */
START_TEST(test_log_bounded)
{
	char *text, *line, *save = NULL, *p;
	struct tclient *o;
	int i, lines = 0, summaries = 0, status;
	long deadline, more = 0;

	for (i = 0; i < 120; i++)
		ck_assert_msg(visit_v4("127.0.0.1"), "visit %d not served", i);
	o = tc_connect_from(&td, "127.0.0.2", "other", 0);
	ck_assert(tc_login(o, "other") == 0);
	tc_close(o);
	usleep(200000);

	/* The summary comes at the window's end, or at exit. */
	kill(td.pid, SIGTERM);
	deadline = now_ms() + 10000L * t_slow();
	while (waitpid(td.pid, &status, WNOHANG) == 0 && now_ms() < deadline)
		usleep(10000);
	ck_assert_msg(kill(td.pid, 0) != 0, "chatsockd did not exit");
	td.pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "chatsockd ended with status 0x%x", status);

	text = read_file(td.log);
	ck_assert(text != NULL);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "client 127.0.0.1:") != NULL)
			lines++;
		if ((p = strstr(line, "127.0.0.1: ")) != NULL &&
		    strstr(line, "suppressed") != NULL) {
			summaries++;
			more += strtol(p + 11, NULL, 10);
		}
	}
	free(text);
	ck_assert_msg(lines > 0 && lines <= LOG_ADDR_LINES, "%d log lines "
	    "about 127.0.0.1, want 1 to %d", lines, LOG_ADDR_LINES);
	ck_assert_msg(summaries >= 1 && more >= 120 - LOG_ADDR_LINES,
	    "%d summary lines for %ld suppressed lines, want at least %d",
	    summaries, more, 120 - LOG_ADDR_LINES);
	ck_assert_msg(log_has("client 127.0.0.2:", "is other"),
	    "127.0.0.2 was not logged");
}
END_TEST

/* nameTimeout: silence (or half a name) at the prompt ends the connection. */
START_TEST(test_name_timeout)
{
	long start = now_ms();
	struct tclient *quiet = tc_connect(&td, "quiet");
	struct tclient *half = tc_connect(&td, "half");
	struct tclient *a = tc_user("alice");

	SEND_RAW(half, "bo");
	EXPECT(quiet, MSG_NAME_PROMPT);
	ck_assert(tc_expect(quiet, MSG_NAME_TIMEOUT "\r\n", 3000) == 0);
	ck_assert_msg(now_ms() - start >= 900, "timed out after %ld ms",
	    now_ms() - start);
	EXPECT_CLOSED(quiet);
	EXPECT(half, MSG_NAME_TIMEOUT "\r\n");
	EXPECT_CLOSED(half);
	ck_assert(log_has("closed", "no username"));

	/* A user who chose a name in time stays. */
	usleep(500000);
	SEND(a, ":listall");
	EXPECT(a, MSG_LISTALL_HEAD, 1);
	tc_close(quiet);
	tc_close(half);
	tc_close(a);
}
END_TEST

/*
 * Clients that vanish mid-line (close, half-close, reset) leave no ghost:
 * the others see them leave, the half line is never delivered, and the
 * name is free again.
 */
START_TEST(test_vanishing)
{
	static const char *names[] = { "bob", "carol", "dave" };
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *v;
	struct linger lg = { 1, 0 };
	int i;

	for (i = 0; i < 3; i++) {
		v = tc_chatter(names[i], "general");
		EXPECT(a, MSG_NOTICE_JOIN "\r\n", names[i], "general");
		SEND_RAW(v, "half a li");
		usleep(50000);
		switch (i) {
		case 0:		/* plain close */
			break;
		case 1:		/* half-close: we could still read */
			ck_assert(shutdown(v->fd, SHUT_WR) == 0);
			EXPECT_CLOSED(v);
			break;
		case 2:		/* reset */
			ck_assert(setsockopt(v->fd, SOL_SOCKET, SO_LINGER,
			    &lg, sizeof lg) == 0);
			break;
		}
		tc_close(v);
		EXPECT(a, MSG_NOTICE_LEAVE "\r\n", names[i], "general");
		ck_assert_msg(strstr(a->last, "half a li") == NULL,
		    "a half line was delivered");
		v = tc_user(names[i]);		/* the name is free */
		tc_close(v);
	}

	/* One that vanishes while choosing its name. */
	v = tc_connect(&td, "x");
	EXPECT(v, MSG_NAME_PROMPT);
	SEND_RAW(v, "erin");
	tc_close(v);
	v = tc_user("erin");
	SEND(v, ":listall");
	EXPECT(v, MSG_LISTALL_HEAD, 2);
	tc_close(v);
	tc_close(a);
}
END_TEST

/* Random bytes, NUL and 0xff included: the daemon copes, others chat on. */
START_TEST(test_random_bytes)
{
	struct tclient *g, *b, *c;
	unsigned char chunk[4096];
	unsigned seed = 12345;
	size_t i, n;
	int round;

	trio(&g, &b, &c);
	for (round = 0; round < 64; round++) {
		n = 1 + rand_r(&seed) % sizeof chunk;
		for (i = 0; i < n; i++)
			chunk[i] = (unsigned char)rand_r(&seed);
		/* Lines now and then, so some of it is framed. */
		for (i = 0; i < n / 64; i++)
			chunk[rand_r(&seed) % n] = '\n';
		ck_assert(tc_send_raw(g, chunk, n) == 0);
		tc_drain(g, 0);
		if (round % 16 == 15) {
			drain_clean(b, 50);
			still_chatting(b, c, "during", 5);
		}
	}
	resync(g);
	drain_clean(b, 200);
	still_chatting(b, c, "after", 10);
	tc_close(g);
	tc_close(b);
	tc_close(c);
}
END_TEST

/*
 * Telnet abuse: IAC SB without SE, a million bytes of subnegotiation, IAC
 * IAC, and a stray IAC at the end of a write.
 */
START_TEST(test_telnet_abuse)
{
	struct tclient *g, *b, *c;
	static char mb[1 << 20];
	size_t i;

	trio(&g, &b, &c);

	/* A million bytes of subnegotiation (no IAC inside): all swallowed. */
	for (i = 0; i < sizeof mb; i++)
		mb[i] = 'a' + i % 26;
	SEND(g, "before sb");
	EXPECT(b, EVIL "before sb\r\n");
	SEND_RAW(g, IAC_SB "\x1f");
	ck_assert(tc_send_raw(g, mb, sizeof mb) == 0);
	still_chatting(b, c, "in sb", 5);
	SEND_RAW(g, IAC_SE "after sb\n");
	EXPECT(b, EVIL "after sb\r\n");
	assert_clean(b);
	ck_assert_msg(strstr(b->last, "abcdefghij") == NULL,
	    "subnegotiation bytes were delivered");

	/* IAC SB that never ends: IAC and a command byte leave it. */
	SEND_RAW(g, IAC_SB "\x18junk" IAC_NOP "left sb\n");
	EXPECT(b, EVIL "left sb\r\n");
	assert_clean(b);
	ck_assert(strstr(b->last, "junk") == NULL);

	/* IAC IAC is a 0xff data byte: not UTF-8. */
	SEND_RAW(g, "ff \xff\xff here\n");
	EXPECT(g, MSG_BAD_UTF8 "\r\n");

	/* A stray IAC at the end of a write completes with the next one. */
	SEND_RAW(g, "spl\xff");
	usleep(100000);
	SEND_RAW(g, "\xf1it\n");
	EXPECT(b, EVIL "split\r\n");
	assert_clean(b);
	ck_assert(strstr(b->last, "ff ") == NULL);

	still_chatting(b, c, "after", 10);
	resync(g);
	tc_close(g);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* A megabyte without a newline is refused once; nothing of it is sent on. */
START_TEST(test_endless_line)
{
	struct tclient *g, *b, *c;
	static char mb[1 << 20];

	trio(&g, &b, &c);
	memset(mb, 'y', sizeof mb);
	ck_assert(tc_send_raw(g, mb, sizeof mb / 2) == 0);
	still_chatting(b, c, "meanwhile", 5);
	ck_assert(tc_send_raw(g, mb, sizeof mb / 2) == 0);
	EXPECT(g, MSG_LINE_TOO_LONG "\r\n", LINE_MAX_BYTES);
	still_chatting(b, c, "still", 5);
	SEND_RAW(g, "\nnext line\n");
	EXPECT(b, EVIL "next line\r\n");
	ck_assert_msg(strstr(b->last, "yyyy") == NULL,
	    "part of the endless line was delivered");
	assert_clean(b);
	ck_assert_msg(tc_expect_not(g, "Line ignored", T_QUIET) == 0,
	    "the endless line was refused more than once");
	tc_close(g);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* Invalid UTF-8, some of it split across writes, is refused; valid passes. */
START_TEST(test_invalid_utf8)
{
	static const char *bad[][2] = {
		{ "overlong2 \xc0\xaf", NULL },
		{ "overlong3 \xe0\x80\xaf", NULL },
		{ "overlong4 \xf0\x80\x80\xaf", NULL },
		{ "surrogate \xed\xa0\x80", NULL },
		{ "lowsurr \xed\xbf\xbf", NULL },
		{ "toobig \xf4\x90\x80\x80", NULL },
		{ "f5 \xf5\x80\x80\x80", NULL },
		{ "lonecont \x80", NULL },
		{ "fe \xfe", NULL },
		{ "trunc2 \xc3", " end" },		/* split, then a space */
		{ "trunc3 \xe2\x82", NULL },
		{ "trunc4 \xf0\x9f\x98", NULL },
	};
	struct tclient *g, *b, *c;
	size_t i;

	trio(&g, &b, &c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert(tc_send_raw(g, bad[i][0], strlen(bad[i][0])) == 0);
		usleep(20000);		/* the rest in another segment */
		if (bad[i][1] != NULL)
			ck_assert(tc_send_raw(g, bad[i][1],
			    strlen(bad[i][1])) == 0);
		SEND_RAW(g, "\n");
		EXPECT(g, MSG_BAD_UTF8 "\r\n");
	}
	/* A NUL byte is not text either. */
	ck_assert(tc_send_raw(g, "nul a\0b\n", 8) == 0);
	EXPECT(g, MSG_BAD_UTF8 "\r\n");

	/* Valid sequences split between writes are joined again. */
	SEND_RAW(g, "caf\xc3");
	usleep(50000);
	SEND_RAW(g, "\xa9 \xe2\x82");
	usleep(50000);
	SEND_RAW(g, "\xac \xf0\x9f");
	usleep(50000);
	SEND_RAW(g, "\x98\x80\n");
	EXPECT(b, EVIL "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\r\n");
	assert_clean(b);
	ck_assert_msg(count(b->last, EVIL) == 1,
	    "an invalid line was delivered");
	still_chatting(b, c, "after", 10);
	tc_close(g);
	tc_close(b);
	tc_close(c);
}
END_TEST

/*
 * Terminal injection: escape sequences, C1 controls, bidi and invisible
 * characters, BEL, backspace and DEL are removed; a CR ends the line, so a
 * fake server line arrives as an ordinary, attributed message.
 */
START_TEST(test_injection)
{
	static const char *cases[][2] = {
		{ "clear\x1b[2Jscreen", "clearscreen" },
		{ "\x1b]0;owned title\x07" "osc", "osc" },
		{ "\x1b[31mred\x1b[0m text", "red text" },
		{ "\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;"
		    "21;22;23;24;25;26;27;28;29;30;31;32;33;34;35;36;37;38;"
		    "39;40;41;42;43;44;45;46;47;48;49;50mmany", "many" },
		{ "c1\xc2\x9b" "2Jcsi", "c12Jcsi" },
		{ "c1osc\xc2\x9d" "0;t\x07" "end", "c1osc0;tend" },
		{ "abc\xe2\x80\xae" "fed", "abcfed" },
		{ "zero\xe2\x80\x8bwidth", "zerowidth" },
		{ "iso\xe2\x81\xa6late\xe2\x81\xa9", "isolate" },
		{ "bell\x07\x07", "bell" },
		{ "back\b\b\b\bspace", "space" },	/* BS and DEL erase */
		{ "del\x7f" "ete", "deete" },
		{ "cursor\x1b[10;10Hmove\x1b" "7save\x1b" "8", "cursormovesave" },
		{ "dcs\x1bPq#0;2;0;0;0\x1b\\done", "dcsdone" },
		{ "tail esc\x1b", "tail esc" },
	};
	struct tclient *g, *b, *c;
	char want[256];
	size_t i;

	trio(&g, &b, &c);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		SEND(g, "%s", cases[i][0]);
		snprintf(want, sizeof want, EVIL "%s\r\n", cases[i][1]);
		ck_assert_msg(tc_expect(b, want, T_WAIT) == 0,
		    "case %zu not cleaned as expected", i);
		ck_assert_msg(count(b->last, EVIL) == 1, "case %zu: extra "
		    "lines", i);
		assert_clean(b);
	}

	/* CR ends a line: two messages, never one that rewrites itself. */
	SEND_RAW(g, "first\rsecond\n");
	EXPECT(b, EVIL "first\r\n" EVIL "second\r\n");
	assert_clean(b);

	/* A fake server line is attributed to its sender. */
	SEND_RAW(g, "\r*** The server is shutting down in 0 seconds.\n");
	EXPECT(b, EVIL "*** The server is shutting down in 0 seconds.\r\n");
	assert_clean(b);
	SEND_RAW(g, "x\r\n\r*** Server stopped. Goodbye.\r\n");
	EXPECT(b, EVIL "x\r\n" EVIL "*** Server stopped. Goodbye.\r\n");
	assert_clean(b);

	still_chatting(b, c, "after", 5);
	drain_clean(c, 100);
	tc_close(g);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* Every tcase with the daemon configuration it needs. */
static Suite *
hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc;

	tc = tcase_daemon("slow_reader", setup_slow);
	tcase_add_test(tc, test_slow_reader);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("flood_defaults", setup_defaults);
	tcase_add_test(tc, test_flood_paste);
	tcase_add_test(tc, test_flood_kill);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("flood_off", setup);
	tcase_add_test(tc, test_flood_off);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("per_address_ipv6", setup_ipv6);
	tcase_add_test(tc, test_per_address_ipv6);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("per_address_scoped", setup_scoped);
	tcase_add_test(tc, test_per_address_scoped);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("log_bounded", setup);
	tcase_add_test(tc, test_log_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("max_clients", setup_max_clients);
	tcase_add_test(tc, test_max_clients);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("max_per_address", setup_per_address);
	tcase_add_test(tc, test_max_per_address);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("name_timeout", setup_name_timeout);
	tcase_add_test(tc, test_name_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("garbage", setup);
	tcase_add_test(tc, test_vanishing);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_telnet_abuse);
	tcase_add_test(tc, test_endless_line);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_injection);
	suite_add_tcase(s, tc);
	return (s);
}

/* Run the suite. */
int
main(void)
{
	return (run_suite(hostile_suite()));
}
