/* Suite "private": DMs, hidden password rooms and the guess slowdown. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "messages.h"

#define ROOMS \
	"\"general\": {\"description\": \"General chat\"}, " \
	"\"random\": {\"description\": \"Random talk\"}, " \
	"\"staff\": {\"public\": false, \"password\": \"letmein\", " \
	"\"description\": \"Staff only\"}, " \
	"\"closed\": {\"public\": false, \"description\": \"Nobody\"}"

/* "[name      ]: " with usernameLimit 10. */
#define ALICE	"[alice     ]: "
#define BOB	"[bob       ]: "

/* The password behind the vault room's passwordHash. */
#define VAULT_PW	"open-sesame"

static void	 setup(void);
static void	 setup_none(void);
static void	 setup_dm_limit(void);
static char	*make_hash(const char *password);
static void	 start_with_hash(const char *hash);
static const char *tool(const char *var, const char *fallback);
static char	*palette_reply(struct tclient *c, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));
static char	*replace(const char *text, const char *from, const char *to);
static void	 guess(struct tclient *c, const char *room);
static char	*refusal_as(struct tclient *c, const char *line,
		     const char *typed);
static long	 answered_after(struct tclient *c, const char *line,
		     const char *want);
static struct tclient *user_from(const char *src, const char *name);
static char	*ask(struct tclient *c, const char *line, long *ms);
static unsigned	 told_wait(const char *reply);
static int	 count(const char *text, const char *word);
static int	 cmp_long(const void *a, const void *b);
static long	 median_ms(long *v, int n);

static void
setup(void)
{
	char *hash = make_hash(VAULT_PW);

	start_with_hash(hash);
	free(hash);
}

/* dmLimit 2. */
static void
setup_dm_limit(void)
{
	daemon_start(&td, "\"dmLimit\": 2");
}

/* Tests that start their own daemon. */
static void
setup_none(void)
{
}

/* A yescrypt hash of password, as chatsockctl hash-password makes. */
static char *
make_hash(const char *password)
{
	char *salt, *hash, *copy;
	void *data = NULL;
	int size = 0;

	salt = crypt_gensalt_ra("$y$", 0, NULL, 0);
	ck_assert_msg(salt != NULL, "crypt_gensalt_ra: %s", strerror(errno));
	hash = crypt_ra(password, salt, &data, &size);
	ck_assert_msg(hash != NULL && *hash != '*', "crypt_ra failed");
	copy = strdup(hash);
	free(data);
	free(salt);
	return (copy);
}

/* The harness daemon with ROOMS plus "vault" behind hash. */
static void
start_with_hash(const char *hash)
{
	char *json;

	ck_assert(asprintf(&json, "\"rooms\": {" ROOMS ", \"vault\": "
	    "{\"public\": false, \"passwordHash\": \"%s\"}}", hash) > 0);
	daemon_start(&td, json);
	free(json);
}

/* $var, or fallback (a binary in the build dir) when it is not set. */
static const char *
tool(const char *var, const char *fallback)
{
	const char *path = getenv(var);

	return (path != NULL && *path != '\0' ? path : fallback);
}

/* Send a palette line; the whole reply up to and with the "> " prompt. */
static char *
palette_reply(struct tclient *c, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	ck_assert(vasprintf(&line, fmt, ap) > 0);
	va_end(ap);
	SEND(c, "%s", line);
	free(line);
	EXPECT(c, "\r\n" MSG_PROMPT);
	return (strdup(c->last));
}

/* text with every from replaced by to. */
static char *
replace(const char *text, const char *from, const char *to)
{
	char *out, *p;
	size_t size;
	FILE *f = open_memstream(&out, &size);

	while ((p = strstr(text, from)) != NULL) {
		fwrite(text, 1, p - text, f);
		fputs(to, f);
		text = p + strlen(from);
	}
	fputs(text, f);
	fclose(f);
	return (out);
}

/* A wrong :join guess at room: the refusal comes at once, paused or not. */
static void
guess(struct tclient *c, const char *room)
{
	long t0 = now_ms();

	SEND(c, ":join %s wrong", room);
	EXPECT(c, MSG_JOIN_REFUSED "\r\n", room);
	EXPECT(c, MSG_PROMPT);
	ck_assert_msg(now_ms() - t0 < 700L * t_slow(), "%s: refusal %ld ms late",
	    c->label, now_ms() - t0);
}

/* A user called name, connected from the local address src. */
static struct tclient *
user_from(const char *src, const char *name)
{
	struct tclient *c = tc_connect_from(&td, src, name, 0);

	ck_assert_msg(tc_login(c, name) == 0, "%s could not log in", name);
	return (c);
}

/* Send a palette line; the reply up to the prompt (to free), ms taken. */
static char *
ask(struct tclient *c, const char *line, long *ms)
{
	long t0 = now_ms();

	SEND(c, "%s", line);
	ck_assert_msg(tc_expect(c, MSG_PROMPT, T_WAIT) == 0,
	    "%s: no answer to %s", c->label, line);
	if (ms != NULL)
		*ms = now_ms() - t0;
	return (strdup(c->last));
}

/* The N of "wait N s" in reply, 0 if it says no such thing. */
static unsigned
told_wait(const char *reply)
{
	const char *p = strstr(reply, "Too many wrong passwords: wait ");
	unsigned n = 0;

	if (p != NULL)
		sscanf(p + strlen("Too many wrong passwords: wait "), "%u",
		    &n);
	return (p != NULL && n == 0 ? 1 : n);
}

/* Occurrences of word in text. */
static int
count(const char *text, const char *word)
{
	int n = 0;

	while ((text = strstr(text, word)) != NULL) {
		n++;
		text += strlen(word);
	}
	return (n);
}

/* qsort order for longs. */
static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x < y ? -1 : x > y);
}

/* The median of n values (sorts them). */
static long
median_ms(long *v, int n)
{
	qsort(v, n, sizeof *v, cmp_long);
	return (v[n / 2]);
}

/* The palette reply to line with the room name typed replaced by "nosuch". */
static char *
refusal_as(struct tclient *c, const char *line, const char *typed)
{
	char *reply = palette_reply(c, "%s", line), *out;

	out = replace(reply, typed, "nosuch");
	free(reply);
	return (out);
}

/* Send line; ms until want arrives (at most 5 s more than 30 s). */
static long
answered_after(struct tclient *c, const char *line, const char *want)
{
	long t0 = now_ms();

	SEND(c, "%s", line);
	ck_assert_msg(tc_expect(c, want, 8000) == 0, "%s: no answer to %s",
	    c->label, line);
	return (now_ms() - t0);
}

/*
 * A DM both ways: bob is told, answers, both talk; what alice said first
 * waits in the history; :list names both; a third and fourth user, in a
 * room's view and at the palette, see none of it.
 */
START_TEST(test_dm_exchange)
{
	struct tclient *carol = tc_chatter("carol", "general");
	struct tclient *dave = tc_user("dave");
	struct tclient *a, *b;

	tc_drain(carol, 100);	/* her view may open with her join notice */
	a = tc_user("alice");
	b = tc_user("bob");

	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN "\r\n" MSG_PROMPT_DM, "bob", "bob", "alice");
	EXPECT(b, MSG_DM_WAITING "\r\n" MSG_PROMPT, "alice", "alice");
	tc_chat(a, "dm:bob");
	SEND(a, "psst, early words");
	EXPECT(a, ALICE "psst, early words\r\n");	/* her own echo */
	NO_DATA(b);

	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN "\r\n" MSG_PROMPT_DM, "alice", "alice", "bob");
	NO_DATA(a);		/* alice is already in: no second notice */
	SEND(b, ":list");
	EXPECT(b, MSG_LIST_HEAD "\r\n", "dm:alice", 2);
	EXPECT(b, MSG_PROMPT_DM, "alice", "bob");
	ck_assert_msg(strstr(b->last, "  alice\r\n") != NULL &&
	    strstr(b->last, "  bob\r\n") != NULL, ":list: %s", b->last);
	tc_chat(b, "dm:alice");
	EXPECT(b, ALICE "psst, early words\r\n");

	SEND(b, "hello from bob");
	EXPECT(a, BOB "hello from bob\r\n");
	SEND(a, "hello from alice");
	EXPECT(b, ALICE "hello from alice\r\n");

	NO_DATA(carol);
	NO_DATA(dave);
	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE "\r\n" MSG_PROMPT_DM, "bob", "alice");
	SEND(a, ":close");
	EXPECT(a, MSG_LEFT_DM "\r\n" MSG_PROMPT, "bob");
	SEND(b, "anyone?");
	EXPECT_NOT(a, "anyone?");

	/* Nothing of it reached the others, then or since. */
	EXPECT_NOT(carol, "early words");
	EXPECT_NOT(dave, "hello from");
	SEND(carol, "carol here");
	EXPECT(carol, "[carol     ]: carol here\r\n");
	ck_assert_msg(strstr(carol->last, "hello") == NULL &&
	    strstr(carol->last, "psst") == NULL, "carol saw: %s", carol->last);
	tc_close(a);
	tc_close(b);
	tc_close(carol);
	tc_close(dave);
}
END_TEST

/* Bob, in another room's chat view, gets the notice in his view. */
START_TEST(test_dm_notice_in_view)
{
	struct tclient *b = tc_chatter("bob", "random");
	struct tclient *a = tc_user("alice");

	tc_drain(b, 100);
	SEND(a, ":dm BOB");		/* any case */
	EXPECT(a, MSG_DM_OPEN "\r\n" MSG_PROMPT_DM, "bob", "bob", "alice");
	EXPECT(b, MSG_DM_WAITING "\r\n", "alice", "alice");
	NO_DATA(b);			/* no palette prompt: still in view */
	SEND(b, "still in random");
	EXPECT(b, BOB "still in random\r\n");
	SEND(b, ":q");
	EXPECT(b, MSG_CHAT_LEAVE "\r\n" MSG_PROMPT_ROOM, "random", "bob");
	SEND(b, ":dm Alice");
	EXPECT(b, MSG_DM_OPEN "\r\n" MSG_PROMPT_DM, "alice", "alice", "bob");
	tc_chat(b, "dm:alice");
	tc_chat(a, "dm:bob");
	SEND(a, "found you");
	EXPECT(b, ALICE "found you\r\n");
	ck_assert_msg(strstr(b->last, "still in random") == NULL,
	    "the room's history leaked into the DM: %s", b->last);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* A telnet client gets a bell with the DM notice; a plain client never. */
START_TEST(test_dm_bell)
{
	static const char naws[] = "\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18"
	    "\xff\xf0";
	struct tclient *t = tc_connect(&td, "tbob");
	struct tclient *p = tc_user("pbob");
	struct tclient *a = tc_user("alice");
	char *want;

	ck_assert(tc_send_raw(t, naws, sizeof naws - 1) == 0);
	ck_assert(tc_login(t, "tbob") == 0);
	SEND(a, ":dm tbob");
	EXPECT(a, MSG_DM_OPEN, "tbob");
	ck_assert(asprintf(&want, MSG_DM_WAITING, "alice", "alice") > 0);
	ck_assert_msg(tc_expect_raw(t, want, strlen(want), T_WAIT) == 0 &&
	    memchr(t->last, '\a', t->lastlen) != NULL,
	    "the telnet client got no bell with the notice");
	free(want);

	SEND(a, ":dm pbob");
	EXPECT(a, MSG_DM_OPEN, "pbob");
	EXPECT(p, MSG_DM_WAITING "\r\n" MSG_PROMPT, "alice", "alice");
	ck_assert_msg(memchr(p->last, '\a', p->lastlen) == NULL,
	    "the plain client got a bell");
	EXPECT_NOT(p, "\a");
	tc_close(a);
	tc_close(p);
	tc_close(t);
}
END_TEST

/* Oneself, an unknown user and one gone offline cannot be talked to. */
START_TEST(test_dm_refused)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");

	SEND(a, ":dm alice");
	EXPECT(a, MSG_DM_SELF "\r\n" MSG_PROMPT);
	SEND(a, ":dm ALICE");
	EXPECT(a, MSG_DM_SELF "\r\n" MSG_PROMPT);
	SEND(a, ":dm nobody");
	EXPECT(a, MSG_DM_OFFLINE "\r\n" MSG_PROMPT, "nobody");

	/* Once bob's end is gone, he is offline. */
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN "\r\n" MSG_PROMPT_DM, "bob", "bob", "alice");
	tc_close(b);
	EXPECT(a, MSG_DM_ENDED "\r\n" MSG_PROMPT, "bob");
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OFFLINE "\r\n" MSG_PROMPT, "bob");
	SEND(a, ":list");
	EXPECT(a, MSG_NOT_IN_ROOM "\r\n" MSG_PROMPT);
	tc_close(a);
}
END_TEST

/*
 * bob going offline ends the DM: alice, in its view, is told and is back
 * at the palette; a new bob later starts from an empty history.
 */
START_TEST(test_dm_ends)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");

	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN, "alice");
	tc_chat(a, "dm:bob");
	tc_chat(b, "dm:alice");
	SEND(a, "old secret words");
	EXPECT(b, ALICE "old secret words\r\n");
	SEND(b, "old reply");
	EXPECT(a, BOB "old reply\r\n");
	tc_close(b);
	EXPECT(a, MSG_DM_ENDED "\r\n" MSG_CHAT_LEAVE "\r\n" MSG_PROMPT, "bob");
	NO_DATA(a);
	SEND(a, "not a message");	/* at the palette: a hint, not chat */
	EXPECT(a, MSG_HINT_CHAT "\r\n" MSG_PROMPT);

	b = tc_user("bob");
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN "\r\n" MSG_PROMPT_DM, "bob", "bob", "alice");
	EXPECT(b, MSG_DM_WAITING "\r\n" MSG_PROMPT, "alice", "alice");
	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN "\r\n" MSG_PROMPT_DM, "alice", "alice", "bob");
	SEND(b, ":chat");
	EXPECT(b, MSG_CHAT_ENTER "\r\n", "dm:alice");
	SEND(a, ":chat");
	EXPECT(a, MSG_CHAT_ENTER "\r\n", "dm:bob");
	SEND(a, "fresh start");
	EXPECT(b, ALICE "fresh start\r\n");
	EXPECT(a, ALICE "fresh start\r\n");
	ck_assert_msg(strstr(b->last, "old") == NULL, "new bob saw: %s",
	    b->last);
	ck_assert_msg(strstr(a->last, "old") == NULL, "alice saw: %s",
	    a->last);
	EXPECT_NOT(b, "old");
	tc_close(a);
	tc_close(b);
}
END_TEST

/*
 * Six :dm at the same user make one notice and one bell, not six: one a
 * minute per pair, even across :close and a fresh DM.
 */
START_TEST(test_dm_bell_once)
{
	static const char naws[] = "\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18"
	    "\xff\xf0";
	struct tclient *t = tc_connect(&td, "bob");
	struct tclient *a = tc_user("alice");
	struct tclient *c = tc_user("carol");
	size_t n;
	int i;

	ck_assert(tc_send_raw(t, naws, sizeof naws - 1) == 0);
	ck_assert(tc_login(t, "bob") == 0);
	tc_drain(t, 100);
	for (i = 0; i < 6; i++) {
		SEND(a, ":dm bob");
		EXPECT(a, MSG_DM_OPEN "\r\n", "bob");
	}
	SEND(a, ":close");
	EXPECT(a, MSG_LEFT_DM "\r\n", "bob");
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN "\r\n", "bob");
	SEND(c, ":dm bob");		/* another sender: its own notice */
	EXPECT(c, MSG_DM_OPEN "\r\n", "bob");
	ck_assert_msg(tc_expect(t, "carol wants to talk", T_WAIT) == 0,
	    "no notice from carol");
	n = t->consumed;
	ck_assert_msg(count(t->last, "wants to talk") == 2,
	    "bob got: %s", t->last);
	ck_assert_msg(count(t->last, "\a") == 2, "bells: %s", t->last);
	ck_assert_msg(tc_expect_not(t, "wants to talk", 500) == 0 && n > 0,
	    "more notices");
	tc_close(a);
	tc_close(c);
	tc_close(t);
}
END_TEST

/*
 * :close ends a DM: the other end, in its view, is told and back at the
 * palette; the history is gone.
 */
START_TEST(test_dm_close_told)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");

	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN, "alice");
	tc_chat(a, "dm:bob");
	tc_chat(b, "dm:alice");
	SEND(a, "before close");
	EXPECT(b, ALICE "before close\r\n");
	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE);
	SEND(a, ":close");
	EXPECT(a, MSG_LEFT_DM "\r\n" MSG_PROMPT, "bob");
	EXPECT(b, MSG_DM_CLOSED "\r\n", "alice");
	EXPECT(b, MSG_PROMPT);
	SEND(b, "not a message");
	EXPECT(b, MSG_HINT_CHAT);
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	SEND(a, ":chat");
	EXPECT(a, MSG_CHAT_ENTER "\r\n", "dm:bob");
	NO_DATA(a);		/* a new DM: nothing from before */
	tc_close(a);
	tc_close(b);
}
END_TEST

/*
 * Moving to a room or another DM steps out of a DM: the other end, in it,
 * is told; coming back finds the history.
 */
START_TEST(test_dm_away_told)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");
	struct tclient *c = tc_user("carol");

	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN, "alice");
	tc_chat(b, "dm:alice");
	tc_chat(a, "dm:bob");
	SEND(a, "kept line");
	EXPECT(b, ALICE "kept line\r\n");
	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE);
	tc_join(a, "general", NULL);
	EXPECT(b, MSG_DM_AWAY "\r\n", "alice");
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	SEND(a, ":dm carol");
	EXPECT(a, MSG_DM_OPEN, "carol");
	EXPECT(b, MSG_DM_AWAY "\r\n", "alice");
	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	tc_chat(a, "dm:bob");
	EXPECT(a, ALICE "kept line\r\n");
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/*
 * Alice asked bob for a DM and moved on; bob never answered and goes
 * offline: alice learns it where she is.
 */
START_TEST(test_dm_requester_told)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");

	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN, "bob");
	EXPECT(b, MSG_DM_WAITING, "alice", "alice");
	tc_join(a, "general", NULL);
	tc_close(b);
	EXPECT(a, MSG_DM_ENDED "\r\n", "bob");
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	tc_close(a);
}
END_TEST

/* With dmLimit 2, a third DM waits until one is closed; both ends count. */
START_TEST(test_dm_limit)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");
	struct tclient *c = tc_user("carol");
	struct tclient *d = tc_user("dave");

	SEND(a, ":dm bob");
	EXPECT(a, MSG_DM_OPEN "\r\n", "bob");
	SEND(a, ":dm carol");
	EXPECT(a, MSG_DM_OPEN "\r\n", "carol");
	SEND(a, ":dm dave");
	EXPECT(a, MSG_DM_LIMIT "\r\n", 2u);
	SEND(d, ":dm alice");
	EXPECT(d, MSG_DM_PEER_LIMIT "\r\n", "alice");
	SEND(a, ":dm bob");	/* an open one is still reachable */
	EXPECT(a, MSG_DM_OPEN "\r\n", "bob");
	SEND(a, ":close");
	EXPECT(a, MSG_LEFT_DM "\r\n", "bob");
	SEND(a, ":dm dave");
	EXPECT(a, MSG_DM_OPEN "\r\n", "dave");
	tc_close(a);
	tc_close(b);
	tc_close(c);
	tc_close(d);
}
END_TEST

/* chatsockd -t shows dmLimit; an impossible one names the key. */
START_TEST(test_dm_limit_config)
{
	const char *daemon = tool("CHATSOCKD", "./chatsockd");
	char *dir = test_mkdtemp(), path[T_PATH + 32];
	const char *argv[] = { daemon, "-t", "-c", path, NULL };
	struct run_result r;

	snprintf(path, sizeof path, "%s/dm.json", dir);
	write_file(path, "{\"rooms\": {\"general\": {}}}\n");
	ck_assert_int_eq(run_program(argv, NULL, &r), 0);
	ck_assert_msg(r.status == 0 && strstr(r.out, "\"dmLimit\": 20") !=
	    NULL, "-t: exit %d: %s", r.status, r.out);
	run_result_free(&r);
	write_file(path, "{\"dmLimit\": 0}\n");
	ck_assert_int_eq(run_program(argv, NULL, &r), 0);
	ck_assert_msg(r.status == 1 && strstr(r.err, "key \"dmLimit\"") !=
	    NULL && strstr(r.err, "from 1 to") != NULL, "-t: exit %d: %s",
	    r.status, r.err);
	run_result_free(&r);
	unlink(path);
	rmdir(dir);
	free(dir);
}
END_TEST

/* Hidden rooms are not listed and open with password or passwordHash. */
START_TEST(test_hidden_join)
{
	struct tclient *a = tc_user("alice");
	char *reply = palette_reply(a, ":rooms");

	ck_assert_msg(strstr(reply, "general") != NULL, "%s", reply);
	ck_assert_msg(strstr(reply, "random") != NULL, "%s", reply);
	ck_assert_msg(strstr(reply, "staff") == NULL &&
	    strstr(reply, "Staff only") == NULL && strstr(reply, "vault") ==
	    NULL && strstr(reply, "closed") == NULL, ":rooms: %s", reply);
	free(reply);

	tc_join(a, "staff", "letmein");
	SEND(a, ":list");
	EXPECT(a, MSG_LIST_HEAD "\r\n", "staff", 1);
	SEND(a, ":join vault " VAULT_PW);
	EXPECT(a, MSG_JOINED "\r\n" MSG_PROMPT_ROOM, "vault", "vault",
	    "alice");
	SEND(a, ":join Staff letmein");	/* the name in any case */
	EXPECT(a, MSG_JOINED "\r\n" MSG_PROMPT_ROOM, "staff", "staff",
	    "alice");
	tc_close(a);
}
END_TEST

/*
 * A wrong password, a room that does not exist and a room nobody may
 * enter all get the same bytes, naming the room as typed.
 */
START_TEST(test_hidden_refusal_identical)
{
	static const char *const tries[][3] = {	/* user, line, room */
		{ "a", ":join staff wrong", "staff" },
		{ "a", ":join STAFF LETMEIN", "STAFF" },
		{ "b", ":join vault letmein", "vault" },
		{ "b", ":join closed", "closed" },
		{ "c", ":join closed wrong", "closed" },
		{ "c", ":join staff", "staff" },
	};
	struct tclient *u[3];	/* 3 addresses, 3 guesses each: no wait */
	char *missing, *reply;
	size_t i;

	u[0] = user_from("127.0.0.2", "alice");
	u[1] = user_from("127.0.0.3", "bob");
	u[2] = user_from("127.0.0.4", "carol");
	missing = palette_reply(u[0], ":join nosuch wrong");
	ck_assert_msg(strstr(missing, "nosuch") != NULL, "%s", missing);
	for (i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		reply = refusal_as(u[tries[i][0][0] - 'a'], tries[i][1],
		    tries[i][2]);
		ck_assert_msg(strcmp(reply, missing) == 0, "%s: \"%s\" "
		    "differs from \"%s\"", tries[i][1], reply, missing);
		free(reply);
	}
	free(missing);
	for (i = 0; i < 3; i++)
		tc_close(u[i]);
}
END_TEST

/* chatsockctl rooms shows the hidden rooms, marked. */
START_TEST(test_ctl_rooms)
{
	const char *argv[] = { tool("CHATSOCKCTL", "./chatsockctl"), "-s",
	    td.admin, "rooms", NULL };
	struct run_result r;
	char *line;

	ck_assert_int_eq(run_program(argv, NULL, &r), 0);
	ck_assert_msg(r.status == 0, "chatsockctl rooms: exit %d: %s",
	    r.status, r.err);
	line = strstr(r.out, "staff");
	ck_assert_msg(line != NULL, "staff not listed: %s", r.out);
	line = strndup(line, strcspn(line, "\n"));
	ck_assert_msg(strstr(line, "hidden") != NULL, "%s", line);
	free(line);
	line = strstr(r.out, "vault");
	ck_assert_msg(line != NULL, "vault not listed: %s", r.out);
	line = strndup(line, strcspn(line, "\n"));
	ck_assert_msg(strstr(line, "hidden") != NULL, "%s", line);
	free(line);
	line = strstr(r.out, "general");
	ck_assert_msg(line != NULL, "general not listed: %s", r.out);
	line = strndup(line, strcspn(line, "\n"));
	ck_assert_msg(strstr(line, "hidden") == NULL, "%s", line);
	free(line);
	ck_assert_msg(strstr(r.out, "letmein") == NULL, "%s", r.out);
	run_result_free(&r);
}
END_TEST

/*
 * A hash from chatsockctl hash-password opens a room, other passwords do
 * not; a password :join could not take (it holds a space) is refused.
 */
START_TEST(test_ctl_hash_password)
{
	const char *argv[] = { tool("CHATSOCKCTL", "./chatsockctl"),
	    "hash-password", NULL };
	struct tclient *a;
	struct run_result r;

	ck_assert_int_eq(run_program(argv, "two words\n", &r), 0);
	ck_assert_msg(r.status != 0 && strchr(r.out, '$') == NULL,
	    "a password with a space was hashed: exit %d: %s", r.status,
	    r.out);
	ck_assert_msg(strstr(r.err, "space") != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.err, "two words") == NULL, "%s", r.err);
	run_result_free(&r);

	ck_assert_int_eq(run_program(argv, "pass-word_42\n", &r), 0);
	ck_assert_msg(r.status == 0, "hash-password: exit %d: %s", r.status,
	    r.err);
	ck_assert_msg(strncmp(r.out, "$y$", 3) == 0, "not yescrypt: %s",
	    r.out);
	ck_assert_msg(strstr(r.out, "pass-word") == NULL, "%s", r.out);
	r.out[strcspn(r.out, "\n")] = '\0';
	start_with_hash(r.out);
	run_result_free(&r);

	a = tc_user("alice");
	SEND(a, ":join vault pass-word_4");
	EXPECT(a, MSG_JOIN_REFUSED "\r\n" MSG_PROMPT, "vault");
	SEND(a, ":join vault pass-word_42");
	EXPECT(a, MSG_JOINED "\r\n" MSG_PROMPT_ROOM, "vault", "vault",
	    "alice");
	tc_close(a);
}
END_TEST

/*
 * chatsockd -t warns about a private room nobody can enter and exits 0;
 * it refuses a password that :join could not take.
 */
START_TEST(test_check_warns)
{
	const char *daemon = tool("CHATSOCKD", "./chatsockd");
	char *dir = test_mkdtemp(), path[T_PATH + 32];
	const char *argv[] = { daemon, "-t", "-c", path, NULL };
	struct run_result r;

	snprintf(path, sizeof path, "%s/closed.json", dir);
	write_file(path, "{\"rooms\": {\"general\": {}, \"staff\": "
	    "{\"public\": false, \"password\": \"x\"}, \"closed\": "
	    "{\"public\": false}}}\n");
	ck_assert_int_eq(run_program(argv, NULL, &r), 0);
	ck_assert_msg(r.status == 0, "-t: exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "warning") != NULL &&
	    strstr(r.err, "closed") != NULL, "no warning: %s", r.err);
	ck_assert_msg(strstr(r.err, "staff") == NULL, "%s", r.err);
	run_result_free(&r);

	/* Without that room, no warning. */
	write_file(path, "{\"rooms\": {\"general\": {}, \"staff\": "
	    "{\"public\": false, \"password\": \"x\"}}}\n");
	ck_assert_int_eq(run_program(argv, NULL, &r), 0);
	ck_assert_msg(r.status == 0, "-t: exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "warning") == NULL, "%s", r.err);
	run_result_free(&r);

	/* A password with a space could never be typed after :join ROOM. */
	write_file(path, "{\"rooms\": {\"staff\": {\"public\": false, "
	    "\"password\": \"two words\"}}}\n");
	ck_assert_int_eq(run_program(argv, NULL, &r), 0);
	ck_assert_msg(r.status == 1, "-t: exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "rooms.staff.password") != NULL &&
	    strstr(r.err, "spaces") != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.err, "two words") == NULL, "%s", r.err);
	run_result_free(&r);
	unlink(path);
	rmdir(dir);
	free(dir);
}
END_TEST

/*
 * Three wrong guesses are free; past them each one blocks the address,
 * 1 s then 2 s, and says so; what is typed meanwhile is answered
 * afterwards. Another connection from the same address shares the block
 * for :join but is not slowed otherwise; another address is not blocked.
 */
START_TEST(test_guess_slowdown)
{
	struct tclient *m = user_from("127.0.0.2", "mallory");
	struct tclient *m2 = user_from("127.0.0.2", "mallet");
	struct tclient *e = user_from("127.0.0.3", "eve");
	char *reply;
	long ms;

	guess(m, "staff");
	guess(m, "nosuch");		/* unknown rooms count too */
	guess(m, "staff");
	ms = answered_after(m, ":rooms", MSG_ROOMS_HEAD);
	ck_assert_msg(ms < 700, "not slowed yet, but :rooms took %ld ms", ms);
	EXPECT(m, "\r\n" MSG_PROMPT);

	reply = ask(m, ":join staff wrong", NULL);	/* 4th: 1 s */
	ck_assert_msg(strstr(reply, "Cannot join staff") != NULL &&
	    told_wait(reply) == 1, "4th guess: %s", reply);
	free(reply);
	ms = answered_after(m, ":rooms", MSG_ROOMS_HEAD);
	ck_assert_msg(ms >= 900, ":rooms answered after %ld ms", ms);
	ck_assert_msg(ms < 3000, ":rooms answered after %ld ms", ms);
	EXPECT(m, "\r\n" MSG_PROMPT);

	reply = ask(m, ":join nosuch wrong", NULL);	/* 5th: 2 s */
	ck_assert_msg(told_wait(reply) == 2, "5th guess: %s", reply);
	free(reply);
	SEND(m, ":rooms");
	SEND(m, ":dm nobody");
	ms = now_ms();
	reply = ask(m2, ":join staff letmein", NULL);
	ck_assert_msg(told_wait(reply) >= 1 && strstr(reply, "joined") ==
	    NULL, "the same address was not blocked: %s", reply);
	free(reply);
	ck_assert_msg(answered_after(m2, ":rooms", MSG_ROOMS_HEAD) >= 900,
	    "the blocked connection's input was not paused");
	ck_assert_msg(answered_after(e, ":rooms", MSG_ROOMS_HEAD) < 700,
	    "another address was slowed");
	EXPECT(e, "\r\n" MSG_PROMPT);
	reply = ask(e, ":join staff wrong", NULL);
	ck_assert_msg(told_wait(reply) == 0, "another address: %s", reply);
	free(reply);
	ck_assert_msg(tc_expect(m, MSG_ROOMS_HEAD, 5000) == 0, "lost :rooms");
	ms = now_ms() - ms;
	ck_assert_msg(ms >= 1900, "5th pause only %ld ms", ms);
	ck_assert_msg(ms < 4000, "5th pause %ld ms", ms);
	EXPECT(m, MSG_DM_OFFLINE "\r\n" MSG_PROMPT, "nobody");

	/* The right password still works once the pause is over. */
	SEND(m, ":join staff letmein");
	ms = now_ms();
	EXPECT(m, MSG_JOINED, "staff");
	ck_assert_msg(now_ms() - ms < 700, "join slowed: %ld ms",
	    now_ms() - ms);
	tc_close(m);
	tc_close(m2);
	tc_close(e);
}
END_TEST

/* Lines sent in the same packet as the guess that pauses are not lost. */
START_TEST(test_guess_pipelined)
{
	struct tclient *m = tc_user("mallory");
	char want[128];
	long t0;

	guess(m, "a");
	guess(m, "b");
	guess(m, "c");
	t0 = now_ms();
	SEND_RAW(m, ":join d x\r\n:dm nobody\r\n:rooms\r\n");
	EXPECT(m, MSG_JOIN_REFUSED "\r\n" MSG_JOIN_WAIT "\r\n" MSG_PROMPT, "d",
	    1u);
	ck_assert_msg(now_ms() - t0 < 700L * t_slow(), "refusal late");
	NO_DATA(m);
	snprintf(want, sizeof want, MSG_DM_OFFLINE "\r\n" MSG_PROMPT,
	    "nobody");
	ck_assert_msg(tc_expect(m, want, 3000) == 0, "lost :dm");
	ck_assert_msg(now_ms() - t0 >= 900, ":dm answered after %ld ms",
	    now_ms() - t0);
	EXPECT(m, MSG_ROOMS_HEAD);
	tc_close(m);
}
END_TEST

/*
 * One address that reconnects after every guess shares one budget: in 8 s
 * it gets its 3 free guesses and a handful more (1 + 2 + 4 s of blocks),
 * and is told how long to wait the rest of the time.
 */
START_TEST(test_guess_reconnect)
{
	struct tclient *m;
	char name[16], *reply;
	int i, checked = 0, told = 0;
	long end = now_ms() + 8000;

	for (i = 0; now_ms() < end; i++) {
		snprintf(name, sizeof name, "m%d", i);
		m = user_from("127.0.0.5", name);
		reply = ask(m, ":join vault guess", NULL);
		checked += strstr(reply, "Cannot join vault") != NULL;
		told += told_wait(reply) > 0;
		free(reply);
		tc_close(m);
	}
	ck_assert_msg(checked >= 4 && checked <= 8, "%d guesses checked in "
	    "8 s from one address (%d connections)", checked, i);
	ck_assert_msg(told > 0, "never told to wait");
}
END_TEST

/* Many addresses at once (127.0.0.10-49): how many guesses were checked. */
static int
crowd(const char *room, long ms, int *refused)
{
	struct tclient *g[40];
	long ready[40], end = now_ms() + ms;
	char src[32], name[16], *reply;
	unsigned w;
	int i, checked = 0, active;

	*refused = 0;
	for (i = 0; i < 40; i++) {
		snprintf(src, sizeof src, "127.0.0.%d", 10 + i);
		snprintf(name, sizeof name, "g%d", i);
		g[i] = user_from(src, name);
		ready[i] = 0;
	}
	do {
		active = 0;
		for (i = 0; i < 40 && now_ms() < end; i++) {
			if (now_ms() < ready[i])
				continue;
			active++;
			SEND(g[i], ":join %s guess%d", room, i);
			ck_assert_msg(tc_expect(g[i], "\r\n" MSG_PROMPT, T_WAIT)
			    == 0, "%s: no answer", g[i]->label);
			reply = g[i]->last;
			checked += strstr(reply, "Cannot join") != NULL;
			if ((w = told_wait(reply)) > 0) {
				(*refused)++;
				ready[i] = now_ms() + w * 1000 + 50;
			}
		}
		if (active == 0)
			usleep(20000);
	} while (now_ms() < end);
	for (i = 0; i < 40; i++)
		tc_close(g[i]);
	return (checked);
}

/*
 * 40 addresses hammering one hidden room for 6 s: the room's budget lets
 * through at most its bursts and what refills meanwhile (10 + 20 + ~4),
 * not 40 x 3 free guesses; the rest are told to wait, and the room is
 * logged as attacked once, not once per guess. Someone from a fresh
 * address with the password still gets in (after a short wait at most).
 */
START_TEST(test_guess_crowd)
{
	struct tclient *a;
	char *reply, *log;
	int checked, refused, tries;

	checked = crowd("vault", 6000, &refused);
	ck_assert_msg(checked <= 40, "%d guesses checked at one room in 6 s "
	    "from 40 addresses", checked);
	ck_assert_msg(refused > 0, "nobody was told to wait");
	log = read_file(td.log);
	ck_assert(log != NULL);
	ck_assert_msg(count(log, "password guessing at room vault") == 1,
	    "not logged once: %s", log);
	ck_assert_msg(strstr(log, "guess") == NULL || strstr(log, "guess1") ==
	    NULL, "a typed password was logged");
	free(log);

	a = user_from("127.0.0.99", "alice");
	for (tries = 0; tries < 3; tries++) {
		reply = ask(a, ":join vault " VAULT_PW, NULL);
		if (strstr(reply, "You joined vault") != NULL)
			break;
		ck_assert_msg(told_wait(reply) > 0 && told_wait(reply) <= 10,
		    "alice: %s", reply);
		usleep(told_wait(reply) * 1000000 + 100000);
		free(reply);
	}
	ck_assert_msg(tries < 3, "the right password never got in: %s",
	    reply);
	free(reply);
	tc_close(a);
}
END_TEST

/*
 * A wrong password at a hashed room, at a plain-password room and at a
 * room that does not exist take the same time: each costs one hash.
 */
START_TEST(test_guess_timing)
{
	static const char *const rooms[] = { "nosuch", "staff", "VAULT" };
	struct tclient *u;
	long t[3][7], ms, med[3];
	char src[32], name[16], line[64], *reply;
	int i, k, j;

	for (i = 0; i < 7; i++) {
		snprintf(src, sizeof src, "127.0.0.%d", 60 + i);
		snprintf(name, sizeof name, "t%d", i);
		u = user_from(src, name);
		for (j = 0; j < 3; j++) {
			k = (i + j) % 3;
			snprintf(line, sizeof line, ":join %s x%d", rooms[k], i);
			reply = ask(u, line, &ms);
			ck_assert_msg(strstr(reply, "Cannot join") != NULL &&
			    told_wait(reply) == 0, "%s", reply);
			free(reply);
			t[k][i] = ms;
		}
		tc_close(u);
	}
	for (k = 0; k < 3; k++)
		med[k] = median_ms(t[k], 7);
	ck_assert_msg(t_slow() > 1 || (labs(med[0] - med[2]) <= 8 &&
	    labs(med[1] - med[2]) <= 8),
	    "medians: unknown %ld ms, plain %ld ms, hashed %ld ms",
	    med[0], med[1], med[2]);
}
END_TEST

/*
 * While guessers keep hitting the hashed room (3 guesses on each new
 * connection), another user's :list is answered at once: no hash runs on
 * the event loop.
 */
START_TEST(test_guess_bystander)
{
	struct tclient *b = user_from("127.0.0.3", "bob");
	struct tclient *g[40];
	char src[32], line[96];
	long ms[40];
	int i;

	tc_join(b, "general", NULL);
	for (i = 0; i < 40; i++) {
		snprintf(src, sizeof src, "127.0.0.%d", 100 + i % 20);
		g[i] = tc_connect_from(&td, src, "guesser", 0);
		snprintf(line, sizeof line, "g%d\r\n:join vault a\r\n"
		    ":join vault b\r\n:join vault c\r\n", i);
		ck_assert(tc_send_raw(g[i], line, strlen(line)) == 0);
		usleep(10000);
		free(ask(b, ":list", &ms[i]));
	}
	/* Under valgrind every reply is slow: only the plain build judges. */
	ck_assert_msg(t_slow() > 1 || (median_ms(ms, 40) < 20 && ms[36] < 60),
	    ":list took %ld ms (median), %ld ms (90th percentile)",
	    ms[20], ms[36]);
	for (i = 0; i < 40; i++)
		tc_close(g[i]);
	tc_close(b);
}
END_TEST

/*
 * More checks at once than the verifier queues: the excess is told to try
 * again later at once, every guess is answered, and connections that go
 * away while their check waits cost nothing (the daemon exits clean).
 */
START_TEST(test_verify_queue)
{
	struct tclient *g[60];
	char src[32], line[96];
	int i, busy = 0, refused = 0;

	for (i = 0; i < 60; i++) {
		snprintf(src, sizeof src, "127.0.1.%d", 1 + i);
		snprintf(line, sizeof line, "q%d", i);
		g[i] = user_from(src, line);
	}
	for (i = 0; i < 60; i++) {
		snprintf(line, sizeof line, ":join room%d pw\r\n", i);
		ck_assert(tc_send_raw(g[i], line, strlen(line)) == 0);
	}
	for (i = 0; i < 60; i++) {
		ck_assert_msg(tc_expect(g[i], "\r\n" MSG_PROMPT, 10000) == 0,
		    "%s: no answer", g[i]->label);
		busy += strstr(g[i]->last, MSG_JOIN_BUSY) != NULL;
		refused += strstr(g[i]->last, "Cannot join room") != NULL;
		tc_close(g[i]);
	}
	ck_assert_msg(busy > 0 && busy + refused == 60,
	    "%d busy, %d refused of 60", busy, refused);

	/* Gone before the answer. */
	for (i = 0; i < 60; i++) {
		snprintf(src, sizeof src, "127.0.2.%d", 1 + i);
		snprintf(line, sizeof line, "r%d", i);
		g[i] = user_from(src, line);
		snprintf(line, sizeof line, ":join vault pw%d\r\n", i);
		ck_assert(tc_send_raw(g[i], line, strlen(line)) == 0);
	}
	for (i = 0; i < 60; i++)
		tc_close(g[i]);
	g[0] = user_from("127.0.3.1", "alice");
	for (i = 0; i < 5; i++) {		/* a wait, if any, is short */
		free(ask(g[0], ":join vault " VAULT_PW, NULL));
		if (strstr(g[0]->last, MSG_JOIN_BUSY) != NULL)
			usleep(500000);
		else if (told_wait(g[0]->last) > 0)
			usleep(told_wait(g[0]->last) * 1000000 + 100000);
		else
			break;
	}
	ck_assert_msg(strstr(g[0]->last, "You joined vault") != NULL, "%s",
	    g[0]->last);
	tc_close(g[0]);
}
END_TEST

static Suite *
private_suite(void)
{
	Suite *s = suite_create("private");
	TCase *tc;

	tc = tcase_daemon("dm", setup);
	tcase_add_test(tc, test_dm_exchange);
	tcase_add_test(tc, test_dm_notice_in_view);
	tcase_add_test(tc, test_dm_bell);
	tcase_add_test(tc, test_dm_refused);
	tcase_add_test(tc, test_dm_ends);
	tcase_add_test(tc, test_dm_bell_once);
	tcase_add_test(tc, test_dm_close_told);
	tcase_add_test(tc, test_dm_away_told);
	tcase_add_test(tc, test_dm_requester_told);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("dm_limit", setup_dm_limit);
	tcase_add_test(tc, test_dm_limit);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("hidden", setup);
	tcase_add_test(tc, test_hidden_join);
	tcase_add_test(tc, test_hidden_refusal_identical);
	tcase_add_test(tc, test_ctl_rooms);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("tools", setup_none);
	tcase_add_test(tc, test_ctl_hash_password);
	tcase_add_test(tc, test_check_warns);
	tcase_add_test(tc, test_dm_limit_config);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("slowdown", setup);
	tcase_add_test(tc, test_guess_slowdown);
	tcase_add_test(tc, test_guess_pipelined);
	tcase_add_test(tc, test_guess_reconnect);
	tcase_add_test(tc, test_guess_crowd);
	tcase_add_test(tc, test_guess_timing);
	tcase_add_test(tc, test_guess_bystander);
	tcase_add_test(tc, test_verify_queue);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(private_suite()));
}
