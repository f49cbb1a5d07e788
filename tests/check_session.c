/* Suite "session": connecting, naming, the command palette, quitting. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "messages.h"

#define ROOMS \
	"\"rooms\": {" \
	"\"general\": {\"description\": \"General chat\", \"limit\": 5}, " \
	"\"random\": {\"description\": \"Random talk\"}, " \
	"\"secret\": {\"public\": false, \"password\": \"pw\", " \
	"\"description\": \"Hidden place\"}}"
#define CONFIG	ROOMS ", \"welcomeMessage\": \"Hello tester\""

static void	 setup(void);
static void	 setup_pause(void);
static void	 setup_name_timeout(void);
static int	 has_cmd(const char *text, const char *cmd);
static int	 has_name_line(const char *text, const char *name);
static int	 has_line(const char *text, const char *word);

static void
setup(void)
{
	daemon_start(&td, CONFIG);
}

static void
setup_pause(void)
{
	daemon_start(&td, CONFIG ", \"connectionTimeout\": true");
}

static void
setup_name_timeout(void)
{
	daemon_start(&td, CONFIG ", \"nameTimeout\": 1");
}

/* Whether text names cmd as a whole word (":list" is not ":listall"). */
static int
has_cmd(const char *text, const char *cmd)
{
	const char *p;
	size_t len = strlen(cmd);

	for (p = text; (p = strstr(p, cmd)) != NULL; p += len) {
		if (p[len] == ' ' || p[len] == '\t' || p[len] == '\r' ||
		    p[len] == ',')
			return (1);
	}
	return (0);
}

/* Whether a complete line of text holds word. */
static int
has_line(const char *text, const char *word)
{
	char *line = line_with(text, word);

	free(line);
	return (line != NULL);
}

/* Whether a complete line of text is name, maybe indented. */
static int
has_name_line(const char *text, const char *name)
{
	char *line = line_with(text, name);
	int ok;

	if (line == NULL)
		return (0);
	ok = strcmp(line + strspn(line, " \t-*"), name) == 0;
	free(line);
	return (ok);
}

/* The welcome box, then the banner, then the name prompt (no line end). */
START_TEST(test_welcome)
{
	struct tclient *c = tc_connect(&td, "c");

	EXPECT(c, "+--");
	EXPECT(c, "\r\n");
	EXPECT(c, "| Hello tester");
	EXPECT(c, "|\r\n");
	ck_assert_msg(strchr(c->last, '\n') == c->last + c->lastlen - 1,
	    "the welcome text and its box edge are not on one line");
	EXPECT(c, "+--");
	EXPECT(c, "\r\n" MSG_BANNER "\r\n", PACKAGE_VERSION);
	EXPECT(c, MSG_NAME_PROMPT);
	NO_DATA(c);
	tc_close(c);
}
END_TEST

/* Each refused name says why and asks again; then a good name works. */
START_TEST(test_name_refusals)
{
	static const char *bad[] = { "bo b", "b\xc3\xb3" "b", "b!b", "b:b" };
	struct tclient *c = tc_connect(&td, "c");
	size_t i;

	EXPECT(c, MSG_NAME_PROMPT);
	SEND(c, "%s", "");
	EXPECT(c, MSG_NAME_EMPTY "\r\n" MSG_NAME_PROMPT);
	SEND(c, "abcdefghijk");
	EXPECT(c, MSG_NAME_LONG "\r\n" MSG_NAME_PROMPT, 10);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		SEND(c, "%s", bad[i]);
		EXPECT(c, MSG_NAME_CHARS "\r\n" MSG_NAME_PROMPT);
	}
	SEND(c, "abcdefghij");
	EXPECT(c, MSG_NAME_OK "\r\n" MSG_PROMPT, "abcdefghij");
	tc_close(c);
}
END_TEST

/* A name of only _ . - is refused: it needs a letter or a digit. */
START_TEST(test_name_needs_alnum)
{
	static const char *bad[] = { "..", "-", "_", "._-", "----------" };
	struct tclient *c = tc_connect(&td, "c");
	size_t i;

	EXPECT(c, MSG_NAME_PROMPT);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		SEND(c, "%s", bad[i]);
		EXPECT(c, MSG_NAME_NO_ALNUM "\r\n" MSG_NAME_PROMPT);
	}
	SEND(c, "_.9");
	EXPECT(c, MSG_NAME_OK "\r\n" MSG_PROMPT, "_.9");
	tc_close(c);
}
END_TEST

/* Every allowed character, and the shortest name. */
START_TEST(test_name_chars_ok)
{
	struct tclient *a = tc_connect(&td, "a");
	struct tclient *b = tc_connect(&td, "b");

	ck_assert(tc_login(a, "a_B.c-9") == 0);
	ck_assert(tc_login(b, "x") == 0);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* A name online is taken, in any case; another is fine. */
START_TEST(test_name_taken)
{
	struct tclient *bob = tc_user("bob");
	struct tclient *c = tc_connect(&td, "c");

	EXPECT(c, MSG_NAME_PROMPT);
	SEND(c, "bob");
	EXPECT(c, MSG_NAME_TAKEN "\r\n" MSG_NAME_PROMPT, "bob");
	SEND(c, "BOB");
	EXPECT(c, " is already taken.\r\n" MSG_NAME_PROMPT);
	SEND(c, "Bobby");
	EXPECT(c, MSG_NAME_OK "\r\n" MSG_PROMPT, "Bobby");
	tc_close(c);
	tc_close(bob);
}
END_TEST

/* :help lists every command, :chat and :close included. */
START_TEST(test_help)
{
	static const char *cmds[] = { ":help", ":rooms", ":join", ":list",
	    ":listall", ":chat", ":close", ":dm", ":quit", ":q" };
	struct tclient *a = tc_user("alice");
	size_t i;

	SEND(a, ":help");
	EXPECT(a, MSG_HELP_HEAD "\r\n");
	EXPECT(a, "\r\n" MSG_PROMPT);
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		ck_assert_msg(has_cmd(a->last, cmds[i]), ":help lacks %s",
		    cmds[i]);
	tc_close(a);
}
END_TEST

/* Unknown commands and plain text get a one-line answer and the prompt. */
START_TEST(test_unknown_and_hint)
{
	struct tclient *a = tc_user("alice");

	SEND(a, ":frobnicate");
	EXPECT(a, MSG_UNKNOWN_COMMAND "\r\n" MSG_PROMPT, "frobnicate");
	SEND(a, "hello there");
	EXPECT(a, MSG_HINT_CHAT "\r\n" MSG_PROMPT);
	tc_close(a);
}
END_TEST

/* :q at the palette says where it works, and the user stays put. */
START_TEST(test_q_at_palette)
{
	struct tclient *a = tc_user("alice");

	SEND(a, ":q");
	EXPECT(a, MSG_Q_PALETTE "\r\n" MSG_PROMPT);
	tc_join(a, "general", NULL);
	SEND(a, ":Q");
	EXPECT(a, MSG_Q_PALETTE "\r\n" MSG_PROMPT_ROOM, "general", "alice");
	tc_chat(a, "general");
	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE "\r\n");
	tc_close(a);
}
END_TEST

/* Wrong argument counts give the synopsis. */
START_TEST(test_usage)
{
	struct tclient *a = tc_user("alice");

	SEND(a, ":join");
	EXPECT(a, MSG_USAGE "\r\n" MSG_PROMPT, ":join ROOM [PASSWORD]");
	SEND(a, ":join general pw extra");
	EXPECT(a, MSG_USAGE "\r\n" MSG_PROMPT, ":join ROOM [PASSWORD]");
	SEND(a, ":dm");
	EXPECT(a, MSG_USAGE "\r\n" MSG_PROMPT, ":dm USER");
	tc_close(a);
}
END_TEST

/* :list shows the members of one's room, nobody else. */
START_TEST(test_list)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");
	struct tclient *c = tc_user("carol");

	tc_join(a, "general", NULL);
	tc_join(b, "general", NULL);
	tc_join(c, "random", NULL);
	SEND(a, ":list");
	EXPECT(a, MSG_LIST_HEAD "\r\n", "general", 2);
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	ck_assert(has_name_line(a->last, "alice"));
	ck_assert(has_name_line(a->last, "bob"));
	ck_assert(strstr(a->last, "carol") == NULL);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* :listall shows everyone online. */
START_TEST(test_listall)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b = tc_user("bob");

	tc_join(b, "general", NULL);
	SEND(a, ":listall");
	EXPECT(a, MSG_LISTALL_HEAD "\r\n", 2);
	EXPECT(a, "\r\n" MSG_PROMPT);
	ck_assert(has_line(a->last, "alice"));
	ck_assert(has_line(a->last, "bob"));
	tc_close(a);
	tc_close(b);
}
END_TEST

/* :rooms lists public rooms with description and fill, never hidden ones. */
START_TEST(test_rooms)
{
	struct tclient *a = tc_user("alice");
	char *line;

	tc_join(a, "general", NULL);
	SEND(a, ":rooms");
	EXPECT(a, MSG_ROOMS_HEAD "\r\n");
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	ck_assert_msg((line = line_with(a->last, "general")) != NULL,
	    "general not listed");
	ck_assert_msg(strstr(line, "General chat") != NULL, "%s", line);
	ck_assert_msg(strstr(line, "1/5") != NULL, "no fill in: %s", line);
	free(line);
	ck_assert_msg((line = line_with(a->last, "random")) != NULL,
	    "random not listed");
	ck_assert_msg(strstr(line, "Random talk") != NULL, "%s", line);
	free(line);
	ck_assert(strstr(a->last, "secret") == NULL);
	ck_assert(strstr(a->last, "Hidden place") == NULL);
	tc_close(a);
}
END_TEST

/* :quit asks; n returns to the palette, y says goodbye and disconnects. */
START_TEST(test_quit)
{
	struct tclient *a = tc_user("alice");

	SEND(a, ":quit");
	EXPECT(a, MSG_QUIT_CONFIRM);
	SEND(a, "n");
	EXPECT(a, MSG_PROMPT);
	SEND(a, ":frobnicate");
	EXPECT(a, MSG_UNKNOWN_COMMAND "\r\n" MSG_PROMPT, "frobnicate");
	SEND(a, ":quit");
	EXPECT(a, MSG_QUIT_CONFIRM);
	SEND(a, "y");
	EXPECT(a, MSG_GOODBYE "\r\n");
	EXPECT_CLOSED(a);
	tc_close(a);
}
END_TEST

/* After :quit the name is free for someone else, in any case. */
START_TEST(test_name_freed)
{
	struct tclient *a = tc_user("bob");
	struct tclient *b, *c;

	SEND(a, ":quit");
	EXPECT(a, MSG_QUIT_CONFIRM);
	SEND(a, "y");
	EXPECT_CLOSED(a);
	b = tc_user("bob");
	SEND(b, ":quit");
	EXPECT(b, MSG_QUIT_CONFIRM);
	SEND(b, "y");
	EXPECT_CLOSED(b);
	c = tc_user("BoB");
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* connectionTimeout: "Connecting..." at once, the welcome after 2.5 s. */
START_TEST(test_connect_pause)
{
	long t0 = now_ms(), t1;
	struct tclient *c = tc_connect(&td, "c");

	EXPECT(c, MSG_CONNECTING);
	ck_assert(tc_expect(c, "Hello tester", 6000) == 0);
	t1 = now_ms();
	ck_assert_msg(t1 - t0 >= 2400, "welcome after %ld ms", t1 - t0);
	ck_assert(tc_login(c, "alice") == 0);
	tc_close(c);
}
END_TEST

/* nameTimeout: a client that never names itself is disconnected. */
START_TEST(test_name_timeout)
{
	struct tclient *c = tc_connect(&td, "c");
	struct tclient *a = tc_user("alice");

	EXPECT(c, MSG_NAME_PROMPT);
	ck_assert(tc_expect(c, MSG_NAME_TIMEOUT, 5000) == 0);
	EXPECT_CLOSED(c);
	/* Someone with a name is not affected. */
	usleep(500000);
	SEND(a, ":frobnicate");
	EXPECT(a, MSG_UNKNOWN_COMMAND "\r\n" MSG_PROMPT, "frobnicate");
	tc_close(c);
	tc_close(a);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc;

	tc = tcase_daemon("palette", setup);
	tcase_add_test(tc, test_welcome);
	tcase_add_test(tc, test_name_refusals);
	tcase_add_test(tc, test_name_needs_alnum);
	tcase_add_test(tc, test_name_chars_ok);
	tcase_add_test(tc, test_name_taken);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_unknown_and_hint);
	tcase_add_test(tc, test_q_at_palette);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_listall);
	tcase_add_test(tc, test_rooms);
	tcase_add_test(tc, test_quit);
	tcase_add_test(tc, test_name_freed);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("connect_pause", setup_pause);
	tcase_add_test(tc, test_connect_pause);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("name_timeout", setup_name_timeout);
	tcase_add_test(tc, test_name_timeout);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(session_suite()));
}
