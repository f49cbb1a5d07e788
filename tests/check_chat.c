/* Suite "chat": rooms, the chat view, history, notices and limits. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "messages.h"

#define CONFIG \
	"\"rooms\": {" \
	"\"general\": {\"description\": \"General chat\"}, " \
	"\"random\": {\"description\": \"Random talk\"}, " \
	"\"small\": {\"description\": \"Two at most\", \"limit\": 2}, " \
	"\"secret\": {\"public\": false, \"password\": \"pw\"}}"

/* "[name      ]: " with usernameLimit 10. */
#define ALICE	"[alice     ]: "
#define BOB	"[bob       ]: "

static void	 setup(void);
static void	 setup_history3(void);

static void
setup(void)
{
	daemon_start(&td, CONFIG);
}

static void
setup_history3(void)
{
	daemon_start(&td, CONFIG ", \"chatviewMax\": 3");
}

/* Two users in a room's chat view talk both ways. */
START_TEST(test_exchange)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	SEND(a, "hello bob");
	EXPECT(b, ALICE "hello bob\r\n");
	SEND(b, "hi alice");
	EXPECT(a, BOB "hi alice\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* The name is padded to usernameLimit; a name of that length is not. */
START_TEST(test_format)
{
	struct tclient *a = tc_chatter("al", "general");
	struct tclient *b = tc_chatter("abcdefghij", "general");

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "abcdefghij", "general");
	SEND(a, "hi");
	EXPECT(b, "[al        ]: hi\r\n");
	SEND(b, "ho");
	EXPECT(a, "[abcdefghij]: ho\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Someone in another room sees nothing of it. */
START_TEST(test_other_room)
{
	struct tclient *c = tc_chatter("carol", "random");
	struct tclient *a, *b;

	tc_drain(c, 100);	/* her view may open with her own join notice */
	a = tc_chatter("alice", "general");
	b = tc_chatter("bob", "general");
	SEND(a, "only for general");
	EXPECT(b, ALICE "only for general\r\n");
	NO_DATA(c);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* A member in the palette gets no live message, but sees it on :chat. */
START_TEST(test_palette_member_history)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *c = tc_user("carol");
	struct tclient *b;

	tc_join(c, "general", NULL);
	b = tc_chatter("bob", "general");
	SEND(a, "one");
	SEND(a, "two");
	EXPECT(b, ALICE "two\r\n");
	EXPECT_NOT(c, "one");
	tc_chat(c, "general");
	EXPECT(c, ALICE "one\r\n");
	EXPECT(c, ALICE "two\r\n");
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* The history shows nothing said before one joined. */
START_TEST(test_history_since_join)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	struct tclient *c;

	SEND(a, "early one");
	SEND(a, "early two");
	EXPECT(b, ALICE "early two\r\n");
	c = tc_chatter("carol", "general");
	SEND(a, "late");
	EXPECT(c, ALICE "late\r\n");
	ck_assert_msg(strstr(c->last, "early") == NULL,
	    "carol saw a message from before she joined");
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* chatviewMax 3: entering the view shows only the last 3 messages. */
START_TEST(test_history_cap)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	struct tclient *c = tc_user("carol");
	int i;

	tc_join(c, "general", NULL);
	for (i = 1; i <= 5; i++)
		SEND(a, "msg-%d", i);
	EXPECT(b, ALICE "msg-5\r\n");
	tc_chat(c, "general");
	EXPECT(c, ALICE "msg-5\r\n");
	ck_assert(strstr(c->last, ALICE "msg-3\r\n") != NULL);
	ck_assert(strstr(c->last, ALICE "msg-4\r\n") != NULL);
	ck_assert_msg(strstr(c->last, "msg-1") == NULL &&
	    strstr(c->last, "msg-2") == NULL, "more than chatviewMax shown");
	NO_DATA(c);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/*
 * A reload that raises chatviewMax keeps the lines the ring had and does
 * not replay the slots it had already dropped as blank lines.
 */
START_TEST(test_history_grow)
{
	struct tclient *a = tc_chatter("alice", "general");
	char *text, *p;
	long deadline;
	int i;

	for (i = 1; i <= 8; i++)
		SEND(a, "msg-%d", i);
	EXPECT(a, ALICE "msg-8\r\n");
	text = read_file(td.config);
	ck_assert(text != NULL && (p = strstr(text, "\"chatviewMax\": 3")) !=
	    NULL);
	memcpy(p, "\"chatviewMax\": 9", strlen("\"chatviewMax\": 9"));
	write_file(td.config, text);
	free(text);
	ck_assert(kill(td.pid, SIGHUP) == 0);
	deadline = now_ms() + T_WAIT;
	do {
		text = read_file(td.log);
		p = text != NULL ? strstr(text, "configuration reloaded") : NULL;
		free(text);
	} while (p == NULL && now_ms() < deadline && usleep(20000) == 0);
	ck_assert_msg(p != NULL, "no reload in the log");

	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE "\r\n");
	SEND(a, ":chat");
	EXPECT(a, MSG_CHAT_ENTER "\r\n" ALICE "msg-6\r\n" ALICE "msg-7\r\n"
	    ALICE "msg-8\r\n", "general");
	ck_assert_msg(strstr(a->last, "\r\n\r\n") == NULL,
	    "blank lines in the view: %s", a->last);
	NO_DATA(a);
	tc_close(a);
}
END_TEST

/* :join leaves the previous room: a notice there, no more of its talk. */
START_TEST(test_join_leaves_previous)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	SEND(b, ":q");
	EXPECT(b, MSG_CHAT_LEAVE "\r\n");
	EXPECT(b, MSG_PROMPT_ROOM, "general", "bob");
	tc_join(b, "random", NULL);
	EXPECT(a, MSG_NOTICE_LEAVE "\r\n", "bob", "general");
	tc_chat(b, "random");
	SEND(a, "after the move");
	EXPECT_NOT(b, "after the move");
	SEND(a, ":q");
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	SEND(a, ":list");
	EXPECT(a, MSG_LIST_HEAD "\r\n", "general", 1);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* limit 2: the third is refused until someone leaves. */
START_TEST(test_room_limit)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");
	struct tclient *c = tc_user("carol");

	tc_join(a, "small", NULL);
	tc_join(b, "small", NULL);
	SEND(c, ":join small");
	EXPECT(c, MSG_ROOM_FULL "\r\n" MSG_PROMPT, "small", 2, 2);
	SEND(b, ":close");
	EXPECT(b, MSG_LEFT_ROOM "\r\n" MSG_PROMPT, "small");
	tc_join(c, "small", NULL);
	SEND(c, ":list");
	EXPECT(c, MSG_LIST_HEAD "\r\n", "small", 2);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* A hidden room needs its password; wrong password = unknown room. */
START_TEST(test_join_refused)
{
	struct tclient *a = tc_user("alice");

	SEND(a, ":join nosuch");
	EXPECT(a, MSG_JOIN_REFUSED "\r\n" MSG_PROMPT, "nosuch");
	SEND(a, ":join secret");
	EXPECT(a, MSG_JOIN_REFUSED "\r\n" MSG_PROMPT, "secret");
	SEND(a, ":join secret wrong");
	EXPECT(a, MSG_JOIN_REFUSED "\r\n" MSG_PROMPT, "secret");
	tc_join(a, "secret", "pw");
	tc_close(a);
}
END_TEST

/* :close leaves the room; without a room :close and :chat say so. */
START_TEST(test_close)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_user("bob");

	tc_join(b, "general", NULL);
	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	SEND(b, ":close");
	EXPECT(b, MSG_LEFT_ROOM "\r\n" MSG_PROMPT, "general");
	EXPECT(a, MSG_NOTICE_LEAVE "\r\n", "bob", "general");
	SEND(b, ":close");
	EXPECT(b, MSG_NOT_IN_ROOM "\r\n" MSG_PROMPT);
	SEND(b, ":chat");
	EXPECT(b, MSG_NOT_IN_ROOM "\r\n" MSG_PROMPT);
	SEND(a, "gone?");
	EXPECT_NOT(b, "gone?");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* :q leaves the view for the palette; live messages stop; :q is no message. */
START_TEST(test_leave_view)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE "\r\n" MSG_PROMPT_ROOM, "general", "alice");
	EXPECT_NOT(b, ":q");
	SEND(b, "while away");
	EXPECT_NOT(a, "while away");
	tc_chat(a, "general");
	EXPECT(a, BOB "while away\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Viewers see who comes and goes. */
START_TEST(test_notices)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_user("bob");

	tc_join(b, "general", NULL);
	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	SEND(b, ":close");
	EXPECT(a, MSG_NOTICE_LEAVE "\r\n", "bob", "general");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* messageLimit (150) characters pass, one more is refused and not sent. */
START_TEST(test_message_limit)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	char ok[150 * 2 + 1], over[152];
	int i;

	/* 150 two-byte characters: the limit counts characters. */
	for (i = 0; i < 150; i++)
		memcpy(ok + 2 * i, "\xc3\xa9", 2);
	ok[300] = '\0';
	memset(over, 'b', 151);
	over[151] = '\0';
	SEND(b, "%s", ok);
	EXPECT(a, BOB "%s\r\n", ok);
	SEND(b, "%s", over);
	EXPECT(b, MSG_TOO_LONG "\r\n", (size_t)151, 150);
	SEND(b, "after");
	EXPECT(a, BOB "after\r\n");
	ck_assert_msg(strstr(a->last, "bbbbbbbbbb") == NULL,
	    "an overlong message was delivered");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Empty lines in the view are not messages. */
START_TEST(test_empty_lines)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");

	SEND(b, "%s", "");
	SEND(b, "x");
	EXPECT(a, BOB "x\r\n");
	ck_assert(strstr(a->last, BOB "\r\n") == NULL);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* A dropped connection leaves its room (notice) and frees its name. */
START_TEST(test_abrupt_disconnect)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");

	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	tc_close(b);
	EXPECT(a, MSG_NOTICE_LEAVE "\r\n", "bob", "general");
	b = tc_user("bob");
	tc_close(a);
	tc_close(b);
}
END_TEST

static Suite *
chat_suite(void)
{
	Suite *s = suite_create("chat");
	TCase *tc;

	tc = tcase_daemon("room", setup);
	tcase_add_test(tc, test_exchange);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_other_room);
	tcase_add_test(tc, test_palette_member_history);
	tcase_add_test(tc, test_history_since_join);
	tcase_add_test(tc, test_join_leaves_previous);
	tcase_add_test(tc, test_room_limit);
	tcase_add_test(tc, test_join_refused);
	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_leave_view);
	tcase_add_test(tc, test_notices);
	tcase_add_test(tc, test_message_limit);
	tcase_add_test(tc, test_empty_lines);
	tcase_add_test(tc, test_abrupt_disconnect);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("history_cap", setup_history3);
	tcase_add_test(tc, test_history_cap);
	tcase_add_test(tc, test_history_grow);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(chat_suite()));
}
