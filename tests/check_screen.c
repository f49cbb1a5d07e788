/*
 * Suite "screen": what the terminal layer leaves on a user's screen. Every
 * exit restores the terminal; resizes and option requests cannot be turned
 * into floods of output; a long message cannot start a row of someone
 * else's screen at the left edge; a tiny screen gets plain lines.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "limits.h"
#include "messages.h"

#define BOB		"[bob       ]: "
#define IAC_WILL_NAWS	"\xff\xfb\x1f"
#define NAWS(w, h)	"\xff\xfa\x1f" w h "\xff\xf0"
#define ESC		"\x1b"
#define RESTORE_24	ESC "[r" ESC "[m" ESC "[24;1H\r\n"

static void	 setup(void);
static struct tclient *viewer(const char *nego, size_t len);
static int	 count(const void *text, size_t len, const char *s);
static void	 kick(const char *name);
static size_t	 slurp(struct tclient *t, char *buf, size_t size, int ms);

static void
setup(void)
{
	daemon_start(&td, "");
}

/* A line-mode telnet terminal with the given negotiation, in general's view. */
static struct tclient *
viewer(const char *nego, size_t len)
{
	struct tclient *t = tc_connect(&td, "term");

	ck_assert(tc_send_raw(t, nego, len) == 0);
	ck_assert(tc_login(t, "term") == 0);
	tc_join(t, "general", NULL);
	SEND(t, ":chat");
	EXPECT(t, "term> ");
	return (t);
}

/* How often s occurs in len bytes of text. */
static int
count(const void *text, size_t len, const char *s)
{
	const char *p = text, *end = p + len;
	size_t n = strlen(s);
	int found = 0;

	while ((p = memmem(p, end - p, s, n)) != NULL) {
		found++;
		p += n;
	}
	return (found);
}

/*
 * Every raw byte not yet consumed or arriving until ms of quiet or the
 * end of the connection, into buf (NUL-terminated).
 */
static size_t
slurp(struct tclient *t, char *buf, size_t size, int ms)
{
	struct pollfd pfd = { t->fd, POLLIN, 0 };
	size_t n = t->len - t->off;
	ssize_t r;

	if (n > size - 1)
		n = size - 1;
	memcpy(buf, t->buf + t->off, n);
	t->off = t->len;
	while (n < size - 1 && poll(&pfd, 1, ms * t_slow()) == 1) {
		if ((r = recv(t->fd, buf + n, size - 1 - n, 0)) <= 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	return (n);
}

/* chatsockctl kick NAME. */
static void
kick(const char *name)
{
	const char *argv[] = { getenv("CHATSOCKCTL"), "-s", td.admin, "kick",
	    name, NULL };
	struct run_result r;

	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 0, "kick failed: %s", r.err);
	run_result_free(&r);
}

/* A kick in the split view: region and attributes reset, then the words. */
START_TEST(test_restore_on_kick)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x50", "\x00\x18");
	struct tclient *t = viewer(nego, sizeof nego - 1);

	size_t esc;

	tc_drain(t, 100);
	kick("term");
	EXPECT_RAW(t, RESTORE_24 MSG_KICKED "\r\n");
	esc = t->nesc;
	EXPECT_CLOSED(t);
	ck_assert_msg(t->nesc == esc, "escape sequences after the restore");
	tc_close(t);
}
END_TEST

/* A shutdown restores every terminal in the view before its goodbye. */
START_TEST(test_restore_on_shutdown)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x50", "\x00\x18");
	struct tclient *t = viewer(nego, sizeof nego - 1);
	struct tclient *p = tc_user("plain");

	tc_drain(t, 100);
	daemon_stop(&td);
	EXPECT_RAW(t, RESTORE_24 MSG_SHUTDOWN_BYE "\r\n");
	EXPECT(p, MSG_SHUTDOWN_BYE "\r\n");
	ck_assert_msg(p->nesc == 0, "a plain client got escape sequences");
	tc_close(t);
	tc_close(p);
}
END_TEST

/* :q, then :quit: the view's region is gone before the palette returns. */
START_TEST(test_restore_on_quit)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x50", "\x00\x18");
	struct tclient *t = viewer(nego, sizeof nego - 1);

	SEND(t, ":q");
	EXPECT_RAW(t, ESC "[r");
	EXPECT(t, MSG_CHAT_LEAVE "\r\n");
	SEND(t, ":quit");
	EXPECT(t, MSG_QUIT_CONFIRM);
	SEND(t, "y");
	EXPECT(t, MSG_GOODBYE "\r\n");
	EXPECT_CLOSED(t);
	tc_close(t);
}
END_TEST

/*
 * A hundred window sizes in one burst redraw the view a few times, for the
 * last size, not a hundred times (each redraw replays the history).
 */
START_TEST(test_resize_coalesced)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x50", "\x00\x18");
	static const char big[] = NAWS("\x00\x50", "\x00\x28");
	static const char small[] = NAWS("\x00\x50", "\x00\x1e");
	static const char last[] = NAWS("\x00\x64", "\x00\x32");
	struct tclient *t = viewer(nego, sizeof nego - 1);
	struct tclient *b = tc_chatter("bob", "general");
	char burst[100 * (sizeof big - 1) + sizeof last];
	size_t n = 0, got;
	int i;

	for (i = 1; i <= 20; i++)
		SEND(b, "history line number %d with some words in it", i);
	EXPECT(t, BOB "history line number 20");
	tc_drain(t, 200);
	for (i = 0; i < 100; i++) {
		memcpy(burst + n, i % 2 ? big : small, sizeof big - 1);
		n += sizeof big - 1;
	}
	memcpy(burst + n, last, sizeof last - 1);
	n += sizeof last - 1;
	ck_assert(tc_send_raw(t, burst, n) == 0);
	EXPECT_RAW(t, ESC "[1;48r");
	got = t->lastlen + tc_drain(t, 600);
	ck_assert_msg(got < 6000, "%zu bytes for one burst of resizes", got);
	ck_assert_msg(count(t->last, t->lastlen, "number 20") <= 3,
	    "the history was replayed per resize");
	tc_close(t);
	tc_close(b);
}
END_TEST

/* An option already on is not answered again (RFC 1143). */
START_TEST(test_options_answer_changes_only)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x50", "\x00\x18");
	struct tclient *t = tc_connect(&td, "term");
	char burst[3 * 60], got[8192];
	size_t n;
	int i;

	ck_assert(tc_send_raw(t, nego, sizeof nego - 1) == 0);
	for (i = 0; i < 60; i += 2) {
		memcpy(burst + 3 * i, "\xff\xfd\x01", 3);	/* DO ECHO */
		memcpy(burst + 3 * i + 3, "\xff\xfb\x1f", 3);	/* WILL NAWS */
	}
	ck_assert(tc_send_raw(t, burst, sizeof burst) == 0);
	n = slurp(t, got, sizeof got, 500);
	ck_assert_msg(count(got, n, "\xff\xfb\x01") == 1,
	    "WILL ECHO sent %d times", count(got, n, "\xff\xfb\x01"));
	ck_assert_msg(count(got, n, "\xff\xfd\x1f") == 1,
	    "DO NAWS sent %d times", count(got, n, "\xff\xfd\x1f"));
	tc_close(t);
}
END_TEST

/* 20,000 requests for an unknown option: a bounded answer, then goodbye. */
START_TEST(test_negotiation_flood)
{
	static const char req[] = "\xff\xfd\x63";	/* DO option 99 */
	struct tclient *t = tc_connect(&td, "flood");
	struct tclient *b = tc_chatter("bob", "general");
	char *burst = malloc(20000 * 3), got[65536];
	size_t n;
	int i, wont;

	for (i = 0; i < 20000; i++)
		memcpy(burst + 3 * i, req, 3);
	tc_send_raw(t, burst, 20000 * 3);
	free(burst);
	n = slurp(t, got, sizeof got, 2000);
	ck_assert_msg(strstr(got + n - strlen(MSG_NEGOTIATION_FLOOD) - 2,
	    MSG_NEGOTIATION_FLOOD) != NULL, "no goodbye for the flood");
	wont = count(got, n, "\xff\xfc\x63");
	ck_assert_msg(wont <= NEGOTIATION_BURST + 10, "%d WONT answers", wont);
	SEND(b, "still here");
	EXPECT(b, BOB "still here\r\n");
	tc_close(t);
	tc_close(b);
}
END_TEST

/*
 * On a 40-column screen a long message wraps, every row after the first
 * indented past the name column; padding cannot put "[alice ...]" at the
 * left edge of a row.
 */
START_TEST(test_wrap_indent)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x28", "\x00\x18");
	struct tclient *t = viewer(nego, sizeof nego - 1);
	struct tclient *b = tc_chatter("bob", "general");
	const char *p;
	int rows = 0;

	tc_drain(t, 100);
	SEND(b, "one two three four five six seven eight nine ten eleven "
	    "twelve thirteen fourteen fifteen sixteen seventeen end");
	ck_assert(tc_expect_raw(t, "end", 3, T_WAIT) == 0);
	for (p = t->last; (p = memmem(p, t->last + t->lastlen - p, "\r\n",
	    2)) != NULL; p += 2) {
		if (p + 2 >= t->last + t->lastlen)
			break;
		if (strncmp(p + 2, BOB, 3) == 0)
			continue;	/* the message's own first row */
		rows++;
		ck_assert_msg(strncmp(p + 2, "              ", 14) == 0,
		    "a row starts at the left edge: %.20s", p + 2);
	}
	ck_assert_msg(rows >= 2, "the message was not wrapped (%d)", rows);
	SEND(b, "x%40s[alice     ]: my password is hunter2", "");
	ck_assert(tc_expect_raw(t, "hunter2", 7, T_WAIT) == 0);
	ck_assert_msg(memmem(t->last, t->lastlen, "\r\n[alice", 8) == NULL,
	    "a fake line starts a row");
	tc_close(t);
	tc_close(b);
}
END_TEST

/* A screen of 4 rows is too small to split: plain lines, no escapes. */
START_TEST(test_tiny_screen_plain)
{
	static const char nego[] = IAC_WILL_NAWS NAWS("\x00\x50", "\x00\x04");
	struct tclient *t = tc_connect(&td, "term");
	struct tclient *b;
	size_t esc;

	ck_assert(tc_send_raw(t, nego, sizeof nego - 1) == 0);
	ck_assert(tc_login(t, "term") == 0);
	tc_join(t, "general", NULL);
	esc = t->nesc;
	SEND(t, ":chat");
	EXPECT(t, MSG_CHAT_ENTER "\r\n", "general");
	b = tc_chatter("bob", "general");
	SEND(b, "hello small screen");
	EXPECT(t, BOB "hello small screen\r\n");
	ck_assert_msg(t->nesc == esc, "escape sequences on a 4-row screen");
	tc_close(t);
	tc_close(b);
}
END_TEST

static Suite *
screen_suite(void)
{
	Suite *s = suite_create("screen");
	TCase *tc;

	tc = tcase_daemon("restore", setup);
	tcase_add_test(tc, test_restore_on_kick);
	tcase_add_test(tc, test_restore_on_shutdown);
	tcase_add_test(tc, test_restore_on_quit);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("limits", setup);
	tcase_add_test(tc, test_resize_coalesced);
	tcase_add_test(tc, test_options_answer_changes_only);
	tcase_add_test(tc, test_negotiation_flood);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("layout", setup);
	tcase_add_test(tc, test_wrap_indent);
	tcase_add_test(tc, test_tiny_screen_plain);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(screen_suite()));
}
