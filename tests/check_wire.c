/* Suite "wire": line framing, telnet, sanitising, the split screen. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "messages.h"

#define BOB	"[bob       ]: "

/* Telnet as raw strings; split so that no hex escape eats a following digit. */
#define IAC_DO_NAWS	"\xff\xfd\x1f"
#define IAC_DO_TTYPE	"\xff\xfd\x18"
#define IAC_WILL_NAWS	"\xff\xfb\x1f"
#define IAC_WILL_TTYPE	"\xff\xfb\x18"
#define IAC_DO_TM	"\xff\xfd\x06"
#define IAC_WILL_TM	"\xff\xfb\x06"
#define IAC_IP		"\xff\xf4"
#define NAWS(w, h)	"\xff\xfa\x1f" w h "\xff\xf0"
#define ESC		"\x1b"

static void	 setup(void);
static void	 pair(struct tclient **a, struct tclient **b);
static struct tclient *terminal(const void *nego, size_t len);
static int	 count(const char *text, const char *s);

static void
setup(void)
{
	daemon_start(&td, "");
}

/* alice and bob in the chat view of general, alice past bob's join. */
static void
pair(struct tclient **a, struct tclient **b)
{
	*a = tc_chatter("alice", "general");
	*b = tc_chatter("bob", "general");
	EXPECT(*a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
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

/* A telnet client that negotiates, logged in as term, in general. */
static struct tclient *
terminal(const void *nego, size_t len)
{
	struct tclient *t = tc_connect(&td, "term");

	ck_assert(tc_send_raw(t, nego, len) == 0);
	ck_assert(tc_login(t, "term") == 0);
	tc_join(t, "general", NULL);
	return (t);
}

/* The server offers NAWS and TTYPE before anything else. */
START_TEST(test_negotiation)
{
	struct tclient *c = tc_connect(&td, "c");

	EXPECT_RAW(c, IAC_DO_NAWS);
	ck_assert_msg(c->lastlen == 3, "IAC DO NAWS is not first");
	EXPECT_RAW(c, IAC_DO_TTYPE);
	EXPECT(c, MSG_NAME_PROMPT);
	tc_close(c);
}
END_TEST

/* LF, CRLF and CR NUL all end a line, in the palette and in the view. */
START_TEST(test_line_endings)
{
	struct tclient *a, *b, *c = tc_connect(&td, "carol");
	const char *p;

	EXPECT(c, MSG_NAME_PROMPT);
	ck_assert(tc_send_raw(c, "carol\r\0", 7) == 0);
	EXPECT(c, MSG_NAME_OK "\r\n" MSG_PROMPT, "carol");
	SEND_RAW(c, ":frobnicate\r\n");
	EXPECT(c, MSG_UNKNOWN_COMMAND "\r\n" MSG_PROMPT, "frobnicate");

	pair(&a, &b);
	SEND_RAW(b, "lf\n");
	SEND_RAW(b, "crlf\r\n");
	ck_assert(tc_send_raw(b, "crnul\r\0", 7) == 0);
	SEND_RAW(b, "end\n");
	EXPECT(a, BOB "end\r\n");
	ck_assert((p = strstr(a->last, BOB "lf\r\n")) != NULL);
	ck_assert((p = strstr(p, BOB "crlf\r\n")) != NULL);
	ck_assert(strstr(p, BOB "crnul\r\n") != NULL);
	ck_assert_msg(strstr(a->last, BOB "\r\n") == NULL, "an empty message");
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* A line sent a byte at a time is one line. */
START_TEST(test_fragmented)
{
	static const char line[] = "fragmented line\n";
	struct tclient *a, *b;
	size_t i;

	pair(&a, &b);
	for (i = 0; i < sizeof line - 1; i++) {
		ck_assert(tc_send_raw(b, line + i, 1) == 0);
		usleep(20000);
	}
	EXPECT(a, BOB "fragmented line\r\n");
	ck_assert_msg(count(a->last, BOB) == 1, "the line arrived split");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Telnet commands inside a line are consumed, not passed on. */
START_TEST(test_iac_in_line)
{
	struct tclient *a, *b;

	pair(&a, &b);
	/* IAC NOP, IAC GA, IAC DONT ECHO. */
	SEND_RAW(b, "ab\xff\xf1" "cd\xff\xf9" "ef\xff\xfe\x01" "gh\n");
	EXPECT(a, BOB "abcdefgh\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* IAC DO TIMING-MARK is answered with IAC WILL TIMING-MARK. */
START_TEST(test_timing_mark)
{
	struct tclient *a = tc_user("alice");

	SEND_RAW(a, IAC_DO_TM);
	EXPECT_RAW(a, IAC_WILL_TM);
	tc_close(a);
}
END_TEST

/* Ctrl-C (IAC IP or 0x03) discards the partial line; in the view it leaves. */
START_TEST(test_interrupt)
{
	struct tclient *a, *b;

	pair(&a, &b);
	SEND(b, ":q");
	EXPECT(b, MSG_CHAT_LEAVE "\r\n" MSG_PROMPT_ROOM, "general", "bob");

	/* Palette: "abc" is dropped, so ":chat" is a command, not "abc:chat". */
	SEND_RAW(b, "abc");
	usleep(50000);
	SEND_RAW(b, IAC_IP IAC_DO_TM);
	EXPECT_RAW(b, IAC_WILL_TM);
	SEND_RAW(b, ":chat\n");
	EXPECT(b, MSG_CHAT_ENTER, "general");

	/* View: 0x03 drops "xyz" and leaves the view. */
	SEND_RAW(b, "xyz");
	usleep(50000);
	SEND_RAW(b, "\x03");
	EXPECT(b, MSG_CHAT_LEAVE "\r\n");
	SEND_RAW(b, ":chat\n");
	EXPECT(b, MSG_CHAT_ENTER, "general");
	/* And IAC IP does the same. */
	SEND_RAW(b, "uvw");
	usleep(50000);
	SEND_RAW(b, IAC_IP);
	EXPECT(b, MSG_CHAT_LEAVE "\r\n");
	SEND_RAW(b, ":chat\n");
	EXPECT(b, MSG_CHAT_ENTER, "general");
	SEND_RAW(b, "def\n");
	EXPECT(a, BOB "def\r\n");
	ck_assert_msg(strstr(a->last, "abc") == NULL &&
	    strstr(a->last, "xyz") == NULL && strstr(a->last, "uvw") == NULL,
	    "a discarded partial line was sent");
	tc_close(a);
	tc_close(b);
}
END_TEST

/*
 * telnet discards what arrives between its IAC IP and our WILL TIMING-MARK,
 * so the view's exit and the new prompt must come after that answer.
 */
START_TEST(test_interrupt_after_timing_mark)
{
	struct tclient *a, *b;

	pair(&a, &b);
	SEND_RAW(b, "half a line" IAC_IP IAC_DO_TM);
	EXPECT_RAW(b, IAC_WILL_TM);
	EXPECT(b, MSG_CHAT_LEAVE "\r\n" MSG_PROMPT_ROOM, "general", "bob");
	SEND_RAW(b, "more" IAC_IP IAC_DO_TM);
	EXPECT_RAW(b, IAC_WILL_TM);
	EXPECT(b, "\r\n" MSG_PROMPT_ROOM, "general", "bob");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Escape sequences, control and bidi characters never reach others. */
START_TEST(test_sanitise)
{
	struct tclient *a, *b;

	pair(&a, &b);
	SEND_RAW(b, "a" ESC "[2J" "b\xe2\x80\xae" "c" ESC "[31m" "d\x07"
	    "e\xe2\x80\x8b" "f\n");
	EXPECT(a, BOB "abcdef\r\n");
	ck_assert_msg(a->nesc == 0, "alice received %zu ESC bytes", a->nesc);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Emoji sequences arrive byte for byte: ZWJ, VS16, skin tone, tags. */
START_TEST(test_emoji_whole)
{
	static const char *emoji[] = {
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
		    "\xf0\x9f\x91\xa7",			/* family */
		"\xe2\x9d\xa4\xef\xb8\x8f",		/* red heart */
		"\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",
		"\xf0\x9f\x91\xa9\xf0\x9f\x8f\xbd\xe2\x80\x8d\xf0\x9f\x92\xbb",
		"\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xa5"
		    "\xf3\xa0\x81\xae\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf",
	};
	struct tclient *a, *b;
	size_t i;

	pair(&a, &b);
	for (i = 0; i < sizeof emoji / sizeof emoji[0]; i++) {
		SEND(b, "%s", emoji[i]);
		EXPECT(a, BOB "%s\r\n", emoji[i]);
		SEND(b, "say %s ok", emoji[i]);
		EXPECT(a, BOB "say %s ok\r\n", emoji[i]);
	}
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Format and other invisible characters go; nothing but them is refused. */
START_TEST(test_invisible_gone)
{
	static const char *inv[] = {
		"\xd8\x80", "\xdb\x9d", "\xdc\x8f", "\xe0\xa3\xa2",	/* U+0600 */
		"\xf0\x91\x82\xbd", "\xf0\x93\x90\xb0",		/* U+110BD */
		"\xf0\x9b\xb2\xa0", "\xf0\x9d\x85\xb3",		/* U+1BCA0 */
		"\xe2\x80\x8b", "\xe2\x80\x8d", "\xe2\x81\xa0",	/* U+200B */
		"\xe1\x85\x9f", "\xe3\x85\xa4", "\xcd\x8f",		/* fillers */
		"\xee\x80\x80", "\xe1\xa0\x8e", "\xf3\xa0\x80\x81",	/* PUA */
	};
	struct tclient *a, *b;
	char all[128] = "";
	size_t i;

	pair(&a, &b);
	for (i = 0; i < sizeof inv / sizeof inv[0]; i++) {
		SEND(b, "x%sy %zu", inv[i], i);
		EXPECT(a, BOB "xy %zu\r\n", i);
		strcat(all, inv[i]);
	}
	/* Only invisible characters and spaces: refused, not sent. */
	SEND(b, " %s \xe2\xa0\x80\xe3\x80\x80 ", all);
	EXPECT(b, MSG_BLANK "\r\n");
	SEND(b, "after");
	EXPECT(a, BOB "after\r\n");
	ck_assert_msg(strstr(a->last, BOB "\r\n") == NULL,
	    "a blank message was delivered");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Padding cannot push text to the start of another row (runs of 3 stay). */
START_TEST(test_padding_collapsed)
{
	struct tclient *a, *b;
	char pad[80 * 3 + 1];
	int i;

	pair(&a, &b);
	memset(pad, ' ', 80);
	pad[80] = '\0';
	SEND(b, "hi%s[alice     ]: my password is hunter2", pad);
	/* Even the fake name's own padding is cut. */
	EXPECT(a, BOB "hi   [alice   ]: my password is hunter2\r\n");
	for (i = 0; i < 80; i++)
		memcpy(pad + 3 * i, "\xe3\x80\x80", 3);	/* U+3000 */
	pad[240] = '\0';
	SEND(b, "ho%s\t\t[eve]: x", pad);
	EXPECT(a, BOB "ho\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80"
	    "[eve]: x\r\n");
	SEND(b, "two  spaces,\tthree   kept");
	EXPECT(a, BOB "two  spaces, three   kept\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Invalid UTF-8 is refused and not delivered. */
START_TEST(test_bad_utf8)
{
	static const char *bad[] = {
		"bad1 \xc3\x28",		/* bad continuation */
		"bad2 \xc0\xaf",		/* overlong */
		"bad3 \xed\xa0\x80",		/* surrogate */
	};
	struct tclient *a, *b;
	size_t i;

	pair(&a, &b);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		SEND(b, "%s", bad[i]);
		EXPECT(b, MSG_BAD_UTF8 "\r\n");
	}
	SEND_RAW(b, "bad4 \xff\xff\n");	/* IAC IAC: a 0xff data byte */
	EXPECT(b, MSG_BAD_UTF8 "\r\n");
	SEND(b, "good");
	EXPECT(a, BOB "good\r\n");
	ck_assert_msg(strstr(a->last, "bad") == NULL, "bad UTF-8 delivered");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* A 5000-byte line is refused once, whole; the next line works. */
START_TEST(test_overlong_line)
{
	struct tclient *a, *b;
	char line[5001];

	pair(&a, &b);
	memset(line, 'x', 5000);
	line[5000] = '\n';
	ck_assert(tc_send_raw(b, line, sizeof line) == 0);
	EXPECT(b, MSG_LINE_TOO_LONG "\r\n", 2048);
	EXPECT_NOT(b, "Line ignored");
	SEND(b, "short");
	EXPECT(a, BOB "short\r\n");
	ck_assert_msg(strstr(a->last, "xxxx") == NULL,
	    "part of the overlong line was delivered");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* A client that does not negotiate never gets an ESC byte. */
START_TEST(test_plain_no_escapes)
{
	struct tclient *a = tc_user("alice");
	struct tclient *b;

	SEND(a, ":help");
	EXPECT(a, "\r\n" MSG_PROMPT);
	SEND(a, ":rooms");
	EXPECT(a, "\r\n" MSG_PROMPT);
	tc_join(a, "general", NULL);
	tc_chat(a, "general");
	b = tc_chatter("bob", "general");
	EXPECT(a, MSG_NOTICE_JOIN "\r\n", "bob", "general");
	SEND(b, "hello");
	EXPECT(a, BOB "hello\r\n");
	SEND(a, "hi");
	EXPECT(b, "[alice     ]: hi\r\n");
	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE "\r\n");
	SEND(a, ":list");
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	SEND(a, ":close");
	EXPECT(a, "\r\n" MSG_PROMPT);
	SEND(a, ":quit");
	EXPECT(a, MSG_QUIT_CONFIRM);
	SEND(a, "y");
	EXPECT_CLOSED(a);
	ck_assert_msg(a->nesc == 0, "alice received %zu ESC bytes", a->nesc);
	ck_assert_msg(b->nesc == 0, "bob received %zu ESC bytes", b->nesc);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* NAWS 80x30: scroll region 1..28, each message drawn in O(1) bytes. */
START_TEST(test_split_screen)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x50", "\x00\x1e");
	struct tclient *t = terminal(nego, sizeof nego - 1);
	struct tclient *b;
	size_t chunk;
	int i;

	SEND(t, ":chat");
	EXPECT_RAW(t, ESC "[2J");
	EXPECT_RAW(t, ESC "[1;28r");
	b = tc_chatter("bob", "general");
	for (i = 1; i <= 20; i++)
		SEND(b, "msg %d", i);
	ck_assert(tc_expect(t, BOB "msg 20", T_WAIT) == 0);
	tc_drain(t, 200);

	SEND(b, "final");
	ck_assert(tc_expect_raw(t, BOB "final", strlen(BOB "final"),
	    T_WAIT) == 0);
	chunk = t->lastlen;
	ck_assert_msg(memmem(t->last, t->lastlen, ESC "7", 2) != NULL,
	    "no cursor save before the message");
	ck_assert_msg(strstr(t->last, ESC "[28;1H") != NULL,
	    "the message is not drawn at the bottom of the region");
	ck_assert_msg(strstr(t->last, "msg 1") == NULL, "history re-sent");
	EXPECT_RAW(t, ESC "8");
	chunk += t->lastlen;
	ck_assert_msg(chunk < 200, "%zu bytes to draw one message", chunk);
	ck_assert_msg(b->nesc == 0, "the plain client got ESC bytes");

	SEND(t, ":q");
	EXPECT_RAW(t, ESC "[r");
	tc_close(t);
	tc_close(b);
}
END_TEST

/* NAWS 0x0 means unknown: 24 rows, scroll region 1..22. */
START_TEST(test_naws_zero)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x00", "\x00\x00");
	struct tclient *t = terminal(nego, sizeof nego - 1);

	SEND(t, ":chat");
	EXPECT_RAW(t, ESC "[1;22r");
	tc_close(t);
}
END_TEST

/* WILL TTYPE alone also makes a terminal, with the default 24 rows. */
START_TEST(test_ttype_terminal)
{
	static const char nego[] = IAC_WILL_TTYPE;
	struct tclient *t = terminal(nego, sizeof nego - 1);

	SEND(t, ":chat");
	EXPECT_RAW(t, ESC "[1;22r");
	tc_close(t);
}
END_TEST

static Suite *
wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc;

	tc = tcase_daemon("input", setup);
	tcase_add_test(tc, test_negotiation);
	tcase_add_test(tc, test_line_endings);
	tcase_add_test(tc, test_fragmented);
	tcase_add_test(tc, test_iac_in_line);
	tcase_add_test(tc, test_timing_mark);
	tcase_add_test(tc, test_interrupt);
	tcase_add_test(tc, test_interrupt_after_timing_mark);
	tcase_add_test(tc, test_sanitise);
	tcase_add_test(tc, test_emoji_whole);
	tcase_add_test(tc, test_invisible_gone);
	tcase_add_test(tc, test_padding_collapsed);
	tcase_add_test(tc, test_bad_utf8);
	tcase_add_test(tc, test_overlong_line);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("screen", setup);
	tcase_add_test(tc, test_plain_no_escapes);
	tcase_add_test(tc, test_split_screen);
	tcase_add_test(tc, test_naws_zero);
	tcase_add_test(tc, test_ttype_terminal);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(wire_suite()));
}
