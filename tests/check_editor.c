/*
 * Suite "editor": telnet option negotiation byte by byte, and the server's
 * line editor driven key by key over a raw socket in character mode.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "messages.h"

#define ALICE	"[alice     ]: "

/* Telnet as raw strings; split so that no hex escape eats a following digit. */
#define IAC		"\xff"
#define WILL		"\xfb"
#define WONT		"\xfc"
#define DO		"\xfd"
#define DONT		"\xfe"
#define GA		IAC "\xf9"
#define O_BINARY	"\x00"
#define O_ECHO		"\x01"
#define O_SGA		"\x03"
#define O_TTYPE		"\x18"
#define O_NAWS		"\x1f"
#define O_LINEMODE	"\x22"
#define NAWS_80x24	IAC "\xfa" O_NAWS "\x00\x50" "\x00\x18" IAC "\xf0"
#define TTYPE_SEND	IAC "\xfa" O_TTYPE "\x01" IAC "\xf0"
#define ESC		"\x1b"

/* What a terminal is offered once it answers, in this order. */
static const char *offers[] = {
	IAC WILL O_ECHO, IAC WILL O_SGA, IAC DO O_SGA, IAC WILL O_BINARY,
	IAC DO O_BINARY,
};
#define NOFFERS	(sizeof offers / sizeof offers[0])

/* A client agreeing to all of them. */
#define AGREE	IAC DO O_ECHO IAC DO O_SGA IAC WILL O_SGA IAC DO O_BINARY \
		IAC WILL O_BINARY

static void	 setup(void);
static void	 setup_timeout(void);
static int	 has_offer(const struct tclient *c);
static int	 has_option(const struct tclient *c, const char *opt);
static void	 expect_clean(struct tclient *c, const char *s);
static void	 expect_offers(struct tclient *c);
static void	 gather_offers(struct tclient *c);
static void	 negotiate(struct tclient *c);
static struct tclient *terminal(const char *name, const char *answer,
		     size_t len);
static struct tclient *typist(struct tclient **bob);
static void	 type(struct tclient *c, const char *keys, size_t len);
static void	 expect_restored(struct tclient *c, const char *farewell);
static void	 expect_farewell(struct tclient *c, const char *farewell);

static void
setup(void)
{
	daemon_start(&td, "");
}

static void
setup_timeout(void)
{
	daemon_start(&td, "\"nameTimeout\": 1");
}

/* Whether the last consumed raw bytes hold any of the offers. */
static int
has_offer(const struct tclient *c)
{
	size_t i;

	for (i = 0; i < NOFFERS; i++) {
		if (memmem(c->last, c->lastlen, offers[i], 3) != NULL)
			return (1);
	}
	return (0);
}

/* Whether they hold any WILL, WONT, DO or DONT of opt. */
static int
has_option(const struct tclient *c, const char *opt)
{
	static const char verbs[] = WILL WONT DO DONT;
	char cmd[3];
	size_t i;

	for (i = 0; i < 4; i++) {
		cmd[0] = IAC[0];
		cmd[1] = verbs[i];
		cmd[2] = opt[0];
		if (memmem(c->last, c->lastlen, cmd, 3) != NULL)
			return (1);
	}
	return (0);
}

/* Expect s in the raw stream with no offer and no ESC on the way. */
static void
expect_clean(struct tclient *c, const char *s)
{
	ck_assert_msg(tc_expect_raw(c, s, strlen(s), T_WAIT) == 0,
	    "%s: \"%s\" did not arrive", c->label, s);
	ck_assert_msg(!has_offer(c), "%s was offered character mode",
	    c->label);
	ck_assert_msg(c->nesc == 0, "%s received ESC", c->label);
}

/* Expect the offers, in order. */
static void
expect_offers(struct tclient *c)
{
	size_t i;

	for (i = 0; i < NOFFERS; i++)
		ck_assert_msg(tc_expect_raw(c, offers[i], 3, T_WAIT) == 0,
		    "offer %zu (IAC %02x %02x) missing or out of order", i,
		    (unsigned char)offers[i][1], (unsigned char)offers[i][2]);
}

/* Wait for every offer, in any order; the stream is consumed meanwhile. */
static void
gather_offers(struct tclient *c)
{
	long deadline = now_ms() + (long)T_WAIT * t_slow();
	char *seen = NULL;
	size_t len = 0, i, n;

	for (;;) {
		tc_drain(c, 50);
		seen = realloc(seen, len + c->lastlen + 1);
		ck_assert(seen != NULL);
		memcpy(seen + len, c->last, c->lastlen);
		len += c->lastlen;
		for (i = n = 0; i < NOFFERS; i++)
			n += memmem(seen, len, offers[i], 3) != NULL;
		if (n == NOFFERS || now_ms() > deadline)
			break;
	}
	for (i = 0; i < NOFFERS; i++)
		ck_assert_msg(memmem(seen, len, offers[i], 3) != NULL,
		    "offer IAC %02x %02x never came", (unsigned char)
		    offers[i][1], (unsigned char)offers[i][2]);
	free(seen);
}

/*
 * Answer as a terminal does: WILL NAWS (80x24), WILL TTYPE, then the type
 * XTERM when asked; the offers follow.
 */
static void
negotiate(struct tclient *c)
{
	EXPECT(c, MSG_NAME_PROMPT);
	SEND_RAW(c, IAC WILL O_NAWS NAWS_80x24 IAC WILL O_TTYPE);
	EXPECT_RAW(c, TTYPE_SEND);
	SEND_RAW(c, IAC "\xfa" O_TTYPE "\x00" "XTERM" IAC "\xf0");
	gather_offers(c);
}

/* A terminal that answers the offers with answer, logged in as name. */
static struct tclient *
terminal(const char *name, const char *answer, size_t len)
{
	struct tclient *c = tc_connect(&td, name);

	negotiate(c);
	ck_assert(tc_send_raw(c, answer, len) == 0);
	ck_assert(tc_send_line(c, "%s\r", name) == 0);
	EXPECT(c, MSG_NAME_OK, name);
	EXPECT(c, MSG_PROMPT);
	snprintf(c->label, sizeof c->label, "%s", name);
	return (c);
}

/* alice, a terminal in character mode, in the view with bob (plain). */
static struct tclient *
typist(struct tclient **bob)
{
	struct tclient *a = terminal("alice", AGREE, sizeof AGREE - 1);

	tc_join(a, "general", NULL);
	tc_chat(a, "general");
	*bob = tc_chatter("bob", "general");
	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	tc_drain(a, 100);
	return (a);
}

/* Send keys one byte at a time, as a person types. */
static void
type(struct tclient *c, const char *keys, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		ck_assert(tc_send_raw(c, keys + i, 1) == 0);
}
#define TYPE(c, s)	type((c), (s), sizeof(s) - 1)

/*
 * The terminal is restored before the farewell: ESC[r, default attributes,
 * the cursor on the last row (24), then the farewell; no scroll region after.
 */
static void
expect_restored(struct tclient *c, const char *farewell)
{
	const char *p;

	EXPECT_RAW(c, ESC "[r");
	ck_assert_msg(tc_expect_raw(c, farewell, strlen(farewell), T_WAIT) ==
	    0, "no farewell after ESC[r");
	p = c->last;
	ck_assert_msg(strstr(p, ESC "[m") != NULL ||
	    strstr(p, ESC "[0m") != NULL, "no ESC[m before the farewell");
	ck_assert_msg(strstr(p, ESC "[24;1H") != NULL ||
	    strstr(p, ESC "[24H") != NULL,
	    "the cursor is not put on the last row before the farewell");
	for (p = c->last; (p = strstr(p, ESC "[")) != NULL; p += 2)
		ck_assert_msg(p[2 + strspn(p + 2, "0123456789;")] != 'r',
		    "a scroll region set again after ESC[r");
	EXPECT_CLOSED(c);
}

/*
 * Where no scroll region was set (the palette, the username prompt): the
 * farewell on a line of its own, no region set on the way, then the close.
 */
static void
expect_farewell(struct tclient *c, const char *farewell)
{
	const char *p;

	ck_assert_msg(tc_expect_raw(c, farewell, strlen(farewell), T_WAIT) ==
	    0, "no farewell");
	for (p = c->last; (p = strstr(p, ESC "[")) != NULL; p += 2)
		ck_assert_msg(p[2 + strspn(p + 2, "0123456789;")] != 'r' ||
		    p[2] == 'r', "a scroll region set before the farewell");
	ck_assert_msg(c->lastlen > strlen(farewell) && c->last[c->lastlen -
	    strlen(farewell) - 1] == '\n', "the farewell does not start a line");
	EXPECT_CLOSED(c);
}

/* The server offers NAWS then TTYPE first; then, to a terminal, the rest. */
START_TEST(test_offer_order)
{
	struct tclient *c = tc_connect(&td, "c");

	EXPECT_RAW(c, IAC DO O_NAWS);
	ck_assert_msg(c->lastlen == 3, "IAC DO NAWS is not first");
	EXPECT_RAW(c, IAC DO O_TTYPE);
	ck_assert_msg(c->lastlen == 3, "IAC DO TTYPE is not second");
	SEND_RAW(c, IAC WILL O_NAWS NAWS_80x24 IAC WILL O_TTYPE);
	EXPECT_RAW(c, TTYPE_SEND);
	SEND_RAW(c, IAC "\xfa" O_TTYPE "\x00" "XTERM" IAC "\xf0");
	expect_offers(c);
	tc_close(c);
}
END_TEST

/* WILL TTYPE alone makes a terminal too. */
START_TEST(test_offer_ttype)
{
	struct tclient *c = tc_connect(&td, "c");

	EXPECT_RAW(c, IAC DO O_TTYPE);
	SEND_RAW(c, IAC WILL O_TTYPE);
	EXPECT_RAW(c, TTYPE_SEND);
	SEND_RAW(c, IAC "\xfa" O_TTYPE "\x00" "VT100" IAC "\xf0");
	gather_offers(c);
	tc_close(c);
}
END_TEST

/* A client that never answers gets plain lines: no offers, no ESC. */
START_TEST(test_plain)
{
	struct tclient *c = tc_connect(&td, "carol"), *bob;

	expect_clean(c, MSG_NAME_PROMPT);
	SEND(c, "carol");
	expect_clean(c, MSG_PROMPT);
	SEND(c, ":join general");
	expect_clean(c, "]> ");
	SEND(c, ":chat");
	expect_clean(c, "type to talk");
	bob = tc_chatter("bob", "general");
	SEND(bob, "hello carol");
	expect_clean(c, "[bob       ]: hello carol\r\n");
	SEND(c, "hi");
	EXPECT(bob, "[carol     ]: hi\r\n");
	tc_drain(c, T_QUIET);
	ck_assert_msg(!has_offer(c) && c->nesc == 0, "escapes or offers");
	tc_close(c);
	tc_close(bob);
}
END_TEST

/* Agreeing to everything ends the negotiation; keys are then echoed. */
START_TEST(test_agree)
{
	struct tclient *c = tc_connect(&td, "dave");

	negotiate(c);
	SEND_RAW(c, AGREE);
	/* A repeated answer must not start a loop either. */
	SEND_RAW(c, AGREE);
	tc_drain(c, T_QUIET);
	ck_assert_msg(!has_option(c, O_ECHO) && !has_option(c, O_SGA) &&
	    !has_option(c, O_BINARY), "the server answered an answer");
	/* Character mode: every key is echoed at once, before any Enter. */
	TYPE(c, "d");
	EXPECT_RAW(c, "d");
	TYPE(c, "ave");
	EXPECT_RAW(c, "ave");
	TYPE(c, "\r\n");
	EXPECT(c, MSG_NAME_OK, "dave");
	tc_close(c);
}
END_TEST

/* DONT ECHO keeps line mode: nothing echoed, no new offer, binary works. */
START_TEST(test_refuse_echo)
{
	static const char refuse[] = IAC DONT O_ECHO IAC DO O_SGA
	    IAC WILL O_SGA IAC DO O_BINARY IAC WILL O_BINARY;
	struct tclient *c = tc_connect(&td, "erin"), *bob;

	negotiate(c);
	SEND_RAW(c, refuse);
	tc_drain(c, T_QUIET);
	ck_assert_msg(memmem(c->last, c->lastlen, IAC WILL O_ECHO, 3) == NULL,
	    "ECHO offered again after DONT ECHO");
	TYPE(c, "er");
	NO_DATA(c);
	TYPE(c, "in\r\n");
	EXPECT(c, MSG_NAME_OK "\r\n", "erin");
	tc_join(c, "general", NULL);
	tc_chat(c, "general");
	bob = tc_chatter("bob", "general");
	EXPECT(c, MSG_NOTICE_JOIN, "bob", "general");
	SEND_RAW(c, "Καλησπέρα σας\r\n");
	EXPECT(bob, "[erin      ]: Καλησπέρα σας\r\n");
	tc_close(c);
	tc_close(bob);
}
END_TEST

/*
 * The server does not let the client echo (WILL ECHO: DONT ECHO), refuses
 * options it does not know (DO LINEMODE: WONT LINEMODE) and takes a refused
 * BINARY without asking again.
 */
START_TEST(test_refusals)
{
	static const char refuse[] = IAC DO O_ECHO IAC DO O_SGA
	    IAC WILL O_SGA IAC DONT O_BINARY IAC WONT O_BINARY;
	struct tclient *c = tc_connect(&td, "c");

	negotiate(c);
	SEND_RAW(c, refuse);
	tc_drain(c, T_QUIET);
	ck_assert_msg(!has_option(c, O_BINARY), "BINARY asked again");
	SEND_RAW(c, IAC WILL O_ECHO);
	EXPECT_RAW(c, IAC DONT O_ECHO);
	SEND_RAW(c, IAC DO O_LINEMODE);
	EXPECT_RAW(c, IAC WONT O_LINEMODE);
	TYPE(c, "c\r\n");
	EXPECT(c, MSG_NAME_OK, "c");
	tc_close(c);
}
END_TEST

/* A MUD client (by terminal type) gets plain lines and IAC GA after prompts. */
START_TEST(test_mud)
{
	static const char *types[] = { "TINTIN++", "TINYFUGUE", "MUDLET",
	    "MUSHCLIENT", "ZMUD", "CMUD" };
	struct tclient *c = tc_connect(&td, "mud"), *bob;
	char is[64];
	int n;

	EXPECT_RAW(c, IAC DO O_TTYPE);
	SEND_RAW(c, IAC WILL O_TTYPE);
	EXPECT_RAW(c, TTYPE_SEND);
	n = snprintf(is, sizeof is, IAC "\xfa" O_TTYPE "%c%s" IAC "\xf0", 0,
	    types[_i]);
	ck_assert(tc_send_raw(c, is, n) == 0);
	SEND(c, "bad name!");
	EXPECT_RAW(c, MSG_NAME_PROMPT GA);
	SEND(c, "mud");
	EXPECT_RAW(c, "You are connected as mud.\r\n" MSG_PROMPT GA);
	SEND(c, ":join general");
	EXPECT_RAW(c, "[general/mud]> " GA);
	SEND(c, ":chat");
	EXPECT(c, MSG_CHAT_ENTER, "general");
	bob = tc_chatter("bob", "general");
	SEND(bob, "hello mud");
	EXPECT(c, "[bob       ]: hello mud\r\n");
	SEND(c, "hi");
	EXPECT(bob, "[mud       ]: hi\r\n");
	SEND(c, ":q");
	EXPECT_RAW(c, "[general/mud]> " GA);
	ck_assert_msg(c->nesc == 0, "%s got %zu ESC bytes", types[_i],
	    c->nesc);
	tc_close(c);
	tc_close(bob);
}
END_TEST

/* BS and DEL erase one whole character, UTF-8 and wide ones included. */
START_TEST(test_erase)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, "typx\x7fo\r\n");
	EXPECT(bob, ALICE "typo\r\n");
	TYPE(a, "typx\bo\r\n");
	EXPECT(bob, ALICE "typo\r\n");
	TYPE(a, "\x7f\x7f\bok\r\n");
	EXPECT(bob, ALICE "ok\r\n");
	TYPE(a, "Καλ\x7f\x7fx\r\n");
	EXPECT(bob, ALICE "Κx\r\n");
	TYPE(a, "Здравствуйте\b\b\r\n");
	EXPECT(bob, ALICE "Здравствуй\r\n");
	TYPE(a, "世界\b!\r\n");
	EXPECT(bob, ALICE "世!\r\n");
	TYPE(a, "👍🎉\x7f\r\n");
	EXPECT(bob, ALICE "👍\r\n");
	ck_assert_msg(strstr(bob->last, "\xef\xbf\xbd") == NULL,
	    "a character was cut in half");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* Ctrl-U erases the line, Ctrl-W the word before the cursor. */
START_TEST(test_kill)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, "all of this goes\x15kept\r\n");
	EXPECT(bob, ALICE "kept\r\n");
	TYPE(a, "hello wor\x17there\r\n");
	EXPECT(bob, ALICE "hello there\r\n");
	TYPE(a, "one two  \x17x\r\n");
	EXPECT(bob, ALICE "one x\r\n");
	TYPE(a, "καλή νύχτα\x17μέρα\r\n");
	EXPECT(bob, ALICE "καλή μέρα\r\n");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* Left and Right, in both encodings, move within the line. */
START_TEST(test_arrows)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, "abc" ESC "[D" ESC "[D" "X\r\n");
	EXPECT(bob, ALICE "aXbc\r\n");
	TYPE(a, "abc" ESC "OD" ESC "OD" "X" ESC "OC" ESC "OC" "Y\r\n");
	EXPECT(bob, ALICE "aXbcY\r\n");
	TYPE(a, "b" ESC "[D" ESC "[D" ESC "[D" "a" ESC "[C" ESC "[C" "c\r\n");
	EXPECT(bob, ALICE "abc\r\n");
	TYPE(a, "世界" ESC "[D" "の\r\n");
	EXPECT(bob, ALICE "世の界\r\n");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* Home and End (ESC[H/F, ESC[1~/4~), Ctrl-A and Ctrl-E. */
START_TEST(test_home_end)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, "bc" ESC "[H" "a" ESC "[F" "d\r\n");
	EXPECT(bob, ALICE "abcd\r\n");
	TYPE(a, "yz" ESC "[1~" "x" ESC "[4~" "!\r\n");
	EXPECT(bob, ALICE "xyz!\r\n");
	TYPE(a, "23\x01" "1\x05" "4\r\n");
	EXPECT(bob, ALICE "1234\r\n");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* Up and Down recall the user's own recent lines. */
START_TEST(test_history)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, "first\r\n");
	EXPECT(bob, ALICE "first\r\n");
	TYPE(a, "second\r\n");
	EXPECT(bob, ALICE "second\r\n");
	SEND(bob, "not mine");
	EXPECT(a, "not mine");
	TYPE(a, ESC "[A" ESC "[A" "\r\n");
	EXPECT(bob, ALICE "first\r\n");
	TYPE(a, ESC "[A" ESC "[A" ESC "[B" " again\r\n");
	EXPECT(bob, ALICE "first again\r\n");
	ck_assert_msg(strstr(bob->last, "not mine") == NULL,
	    "another user's line was recalled");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* Ctrl-C discards the line and leaves the view. */
START_TEST(test_ctrl_c)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, "never sent\x03");
	EXPECT(a, MSG_CHAT_LEAVE "\r\n");
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	TYPE(a, ":chat\r\n");
	EXPECT(a, MSG_CHAT_ENTER, "general");
	TYPE(a, "sent\r\n");
	EXPECT(bob, ALICE "sent\r\n");
	ck_assert_msg(strstr(bob->last, "never") == NULL,
	    "the discarded line was sent");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* Several lines pasted at once are each sent, in order. */
START_TEST(test_paste)
{
	struct tclient *bob, *a = typist(&bob);

	SEND_RAW(a, "one\r\ntwo\r\0three\r\n");
	EXPECT(bob, ALICE "one\r\n" ALICE "two\r\n" ALICE "three\r\n");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* A message arriving while alice types leaves her line as it was. */
START_TEST(test_incoming)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, "half a");
	EXPECT_RAW(a, "half a");
	SEND(bob, "interrupting");
	EXPECT_RAW(a, "[bob       ]: interrupting");
	TYPE(a, " line\r\n");
	EXPECT(bob, ALICE "half a line\r\n");
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* A kick restores the terminal before the farewell. */
START_TEST(test_restore_kick)
{
	const char *bin = getenv("CHATSOCKCTL");
	const char *argv[] = { bin, "-s", td.admin, "kick", "alice", NULL };
	struct tclient *bob, *a = typist(&bob);
	struct run_result r;

	ck_assert(bin != NULL && run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 0, "kick: %s", r.err);
	run_result_free(&r);
	expect_restored(a, MSG_KICKED);
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* So does a shutdown (SIGTERM). */
START_TEST(test_restore_shutdown)
{
	struct tclient *bob, *a = typist(&bob);

	ck_assert(kill(td.pid, SIGTERM) == 0);
	expect_restored(a, MSG_SHUTDOWN_BYE);
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* And :quit from the view's palette. */
START_TEST(test_restore_quit)
{
	struct tclient *bob, *a = typist(&bob);

	TYPE(a, ":q\r\n");
	EXPECT_RAW(a, ESC "[r");
	EXPECT(a, MSG_CHAT_LEAVE);
	TYPE(a, ":quit\r\n");
	EXPECT(a, MSG_QUIT_CONFIRM);
	TYPE(a, "y\r\n");
	expect_farewell(a, MSG_GOODBYE);
	tc_close(a);
	tc_close(bob);
}
END_TEST

/* And the username timeout. */
START_TEST(test_restore_timeout)
{
	struct tclient *c = tc_connect(&td, "slow");

	negotiate(c);
	SEND_RAW(c, AGREE);
	expect_farewell(c, MSG_NAME_TIMEOUT);
	tc_close(c);
}
END_TEST

static Suite *
editor_suite(void)
{
	Suite *s = suite_create("editor");
	TCase *tc;

	tc = tcase_daemon("negotiation", setup);
	tcase_add_test(tc, test_offer_order);
	tcase_add_test(tc, test_offer_ttype);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_agree);
	tcase_add_test(tc, test_refuse_echo);
	tcase_add_test(tc, test_refusals);
	tcase_add_loop_test(tc, test_mud, 0, 6);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("keys", setup);
	tcase_add_test(tc, test_erase);
	tcase_add_test(tc, test_kill);
	tcase_add_test(tc, test_arrows);
	tcase_add_test(tc, test_home_end);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_ctrl_c);
	tcase_add_test(tc, test_paste);
	tcase_add_test(tc, test_incoming);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("restore", setup);
	tcase_add_test(tc, test_restore_kick);
	tcase_add_test(tc, test_restore_shutdown);
	tcase_add_test(tc, test_restore_quit);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("timeout", setup_timeout);
	tcase_add_test(tc, test_restore_timeout);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(editor_suite()));
}
