/*
 * Suite "clients": the telnet and MUD clients people use (inetutils telnet,
 * netkit telnet-ssl, PuTTY's plink, busybox telnet, tintin++), each run from
 * a shell in a tmux pane against the real daemon. Keys are typed with
 * send-keys, the screen is read with capture-pane and the raw bytes the
 * client wrote to its terminal are logged with pipe-pane; the other user is
 * a raw socket client, so what arrives is checked byte for byte.
 *
 * A client that is not installed is left out (noted on stderr) and the suite
 * then exits 77 (skip) if everything else passed; without tmux it skips.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "messages.h"

/* The user at the keyboard, and the prefix of the raw client's lines. */
#define ALICE		"[alice     ]: "
#define BOB		"[bob       ]: "
/* Screen size at the start of every test. */
#define COLS		80
#define ROWS		24
/* Waits for a real client in a pane: it has a pty, a shell and tmux between. */
#define T_SCREEN	(3 * T_WAIT)
/* Per-test limit: a client, a shell, tmux and the daemon on busy cores. */
#define T_CLIENT	90

/* A client program and how to connect it to host and port. */
struct prog {
	const char	*name;		/* tcase name */
	const char	*bin;		/* looked up in PATH and the games dirs */
	const char	*args;		/* printf format: the args, host, port */
	int		 mud;		/* a MUD client: plain lines, no split */
	int		 resize;	/* reports a new window size (NAWS) */
};

static const struct prog progs[] = {
	{ "inetutils", "inetutils-telnet", "%s %d", 0, 1 },
	{ "netkit", "telnet-ssl", "%s %d", 0, 1 },
	{ "plink", "plink", "-telnet -P %2$d %1$s", 0, 1 },
	/* Sends its size once, at connect; tintin keeps its own input row. */
	{ "busybox", "busybox", "telnet %s %d", 0, 0 },
	{ "tintin", "tt++", "-G -e '#session chat %s %d'", 1, 0 },
};
#define NPROGS	(sizeof progs / sizeof progs[0])

/* One tmux server of one test, with one window. */
struct pane {
	char	 name[64];	/* tmux -L NAME: unique per test */
	char	 log[T_PATH];	/* pipe-pane: the bytes the client wrote */
	char	 shell[64];	/* pane_current_command of the bare shell */
	int	 cols;
	int	 rows;
};

/* The screen as capture-pane printed it, split into rows. */
struct screen {
	char	*text;
	char	*row[256];	/* row[1] .. row[n] */
	int	 n;
};

static char	*tmux_bin;
static char	*prog_bin[NPROGS];

static char	*find_bin(const char *name);
static int	 tmux(char **out, struct pane *p, ...);
static void	 pane_start(struct pane *p);
static void	 pane_stop(struct pane *p);
static void	 pane_run(struct pane *p, const struct prog *pr);
static void	 pane_type(struct pane *p, const char *text);
static void	 pane_key(struct pane *p, const char *key);
static void	 screen_get(struct pane *p, struct screen *s, int attrs);
static void	 screen_free(struct screen *s);
static void	 screen_print(const struct screen *s);
static int	 screen_find(const struct screen *s, const char *text);
static const char *screen_last(const struct screen *s);
static int	 pane_wait(struct pane *p, const char *text, struct screen *s);
static int	 pane_wait_last(struct pane *p, const char *text,
		     struct screen *s);
static int	 pane_wait_exit(struct pane *p);
static char	*pane_log(struct pane *p);
static struct tclient *chat(struct pane *p, int i);
static void	 check_view(struct pane *p, int i, const struct screen *s);
static void	 ctl(const char *verb, const char *arg);
static void	 check_restored(struct pane *p, const char *farewell);
static void	 setup(void);
static void	 teardown(void);
static void	 reap_servers(void);

/* The pane of the running test. */
static struct pane tp;

static const char *greetings[] = {
	"Καλησπέρα σας",	/* Greek */
	"Здравствуйте",		/* Cyrillic */
	"こんにちは世界",	/* CJK: two columns each */
	"👍🎉",			/* emoji */
};

/* The program's path in PATH or the games directories, NULL if absent. */
static char *
find_bin(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs, *dir, *save, *full;

	if (asprintf(&dirs, "%s:/usr/games:/usr/local/games",
	    path != NULL ? path : "/usr/bin:/bin") < 0)
		return (NULL);
	for (dir = strtok_r(dirs, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&full, "%s/%s", dir, name) < 0)
			break;
		if (access(full, X_OK) == 0) {
			free(dirs);
			return (full);
		}
		free(full);
	}
	free(dirs);
	return (NULL);
}

/*
 * Run tmux -L p->name -f /dev/null with the NULL-terminated arguments; its
 * stdout in *out (malloc'd) if out is not NULL. The exit status, -1 if it
 * could not run.
 */
static int
tmux(char **out, struct pane *p, ...)
{
	const char *argv[32];
	struct run_result r;
	va_list ap;
	int n = 0;

	argv[n++] = tmux_bin;
	argv[n++] = "-u";
	argv[n++] = "-L";
	argv[n++] = p->name;
	argv[n++] = "-f";
	argv[n++] = "/dev/null";
	va_start(ap, p);
	while ((argv[n] = va_arg(ap, const char *)) != NULL &&
	    n < (int)(sizeof argv / sizeof argv[0]) - 2)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (run_program(argv, NULL, &r) == -1)
		return (-1);
	if (r.status != 0 && strcmp(argv[6], "kill-server") != 0)
		fprintf(stderr, "tmux %s: exit %d: %s", argv[6], r.status,
		    r.err);
	if (out != NULL) {
		*out = r.out;
		r.out = NULL;
	}
	run_result_free(&r);
	return (r.status);
}

/* A tmux server running a shell in a COLS x ROWS window, logging its bytes. */
static void
pane_start(struct pane *p)
{
	char size[2][16], pipe[T_PATH + 32], *out;
	struct screen s;

	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "chatsock-test-%ld-%ld",
	    (long)getppid(), (long)getpid());
	snprintf(p->log, sizeof p->log, "%s/pane.log", td.dir);
	p->cols = COLS;
	p->rows = ROWS;
	snprintf(size[0], sizeof size[0], "%d", p->cols);
	snprintf(size[1], sizeof size[1], "%d", p->rows);
	ck_assert_msg(tmux(NULL, p, "new-session", "-d", "-x", size[0], "-y",
	    size[1], "PS1='$ ' exec /bin/sh", NULL) == 0,
	    "tmux new-session failed");
	snprintf(pipe, sizeof pipe, "cat >> '%s'", p->log);
	ck_assert(tmux(NULL, p, "pipe-pane", "-o", pipe, NULL) == 0);
	ck_assert_msg(pane_wait(p, "$", &s) == 0, "no shell prompt");
	screen_free(&s);
	ck_assert(tmux(&out, p, "display-message", "-p",
	    "#{pane_current_command}", NULL) == 0);
	out[strcspn(out, "\n")] = '\0';
	snprintf(p->shell, sizeof p->shell, "%s", out);
	free(out);
}

/* Kill the tmux server and everything running in it. */
static void
pane_stop(struct pane *p)
{
	if (p->name[0] != '\0')
		tmux(NULL, p, "kill-server", NULL);
	p->name[0] = '\0';
}

/* Type the command line that connects client pr to the daemon. */
static void
pane_run(struct pane *p, const struct prog *pr)
{
	char *args, *line;
	size_t i = pr - progs;

	if (asprintf(&args, pr->args, td.host, td.port) < 0 ||
	    asprintf(&line, "%s %s", prog_bin[i], args) < 0)
		ck_abort_msg("asprintf");
	pane_type(p, line);
	pane_key(p, "Enter");
	free(line);
	free(args);
}

/* Type text literally (UTF-8 included). */
static void
pane_type(struct pane *p, const char *text)
{
	ck_assert(tmux(NULL, p, "send-keys", "-l", text, NULL) == 0);
}

/* Press one key by its tmux name (Enter, BSpace, C-u, Left...). */
static void
pane_key(struct pane *p, const char *key)
{
	ck_assert(tmux(NULL, p, "send-keys", key, NULL) == 0);
}

/* Capture the visible screen (attrs: with escape sequences for attributes). */
static void
screen_get(struct pane *p, struct screen *s, int attrs)
{
	char *line, *nl;

	memset(s, 0, sizeof *s);
	if ((attrs ? tmux(&s->text, p, "capture-pane", "-p", "-e", NULL) :
	    tmux(&s->text, p, "capture-pane", "-p", NULL)) != 0 ||
	    s->text == NULL) {
		free(s->text);
		s->text = strdup("");
		ck_assert(s->text != NULL);
		return;
	}
	for (line = s->text; *line != '\0' && s->n < 255; line = nl + 1) {
		s->row[++s->n] = line;
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		*nl = '\0';
	}
}

/* Free a captured screen. */
static void
screen_free(struct screen *s)
{
	free(s->text);
	memset(s, 0, sizeof *s);
}

/* Print the screen, for failure messages. */
static void
screen_print(const struct screen *s)
{
	int i;

	fprintf(stderr, "--- screen (%d rows):\n", s->n);
	for (i = 1; i <= s->n; i++)
		fprintf(stderr, "%2d|%s\n", i, s->row[i]);
	fprintf(stderr, "---\n");
}

/*
 * The first row holding text, 0 if none; spaces ending text are not looked
 * for (capture-pane drops them at the end of a row).
 */
static int
screen_find(const struct screen *s, const char *text)
{
	size_t n = strlen(text);
	int i;

	while (n > 0 && text[n - 1] == ' ')
		n--;
	for (i = 1; i <= s->n; i++) {
		if (memmem(s->row[i], strlen(s->row[i]), text, n) != NULL)
			return (i);
	}
	return (0);
}

/* The last row that is not blank ("" if none). */
static const char *
screen_last(const struct screen *s)
{
	int i;

	for (i = s->n; i > 0; i--) {
		if (s->row[i][strspn(s->row[i], " ")] != '\0')
			return (s->row[i]);
	}
	return ("");
}

/* Poll the screen until text is on it; 0 with the screen in s, or -1. */
static int
pane_wait(struct pane *p, const char *text, struct screen *s)
{
	long deadline = now_ms() + (long)T_SCREEN * t_slow();

	for (;;) {
		screen_get(p, s, 0);
		if (screen_find(s, text) != 0)
			return (0);
		if (now_ms() > deadline)
			break;
		screen_free(s);
		usleep(50000);
	}
	fprintf(stderr, "%s: \"%s\" not on the screen after %d ms\n", p->name,
	    text, T_SCREEN * t_slow());
	screen_print(s);
	return (-1);
}

/* Poll until the last non-blank row ends with text; 0 or -1 as pane_wait. */
static int
pane_wait_last(struct pane *p, const char *text, struct screen *s)
{
	long deadline = now_ms() + (long)T_SCREEN * t_slow();
	const char *last;
	size_t n = strlen(text), m;

	for (;;) {
		screen_get(p, s, 0);
		last = screen_last(s);
		m = strlen(last);
		if (m >= n && strcmp(last + m - n, text) == 0)
			return (0);
		if (now_ms() > deadline)
			break;
		screen_free(s);
		usleep(50000);
	}
	fprintf(stderr, "%s: the last row does not end with \"%s\" after %d "
	    "ms\n", p->name, text, T_SCREEN * t_slow());
	screen_print(s);
	return (-1);
}

/* Poll until the client has exited and the shell has the pane again. */
static int
pane_wait_exit(struct pane *p)
{
	long deadline = now_ms() + (long)T_SCREEN * t_slow();
	struct screen s;
	char *out = NULL;

	while (now_ms() < deadline) {
		if (tmux(&out, p, "display-message", "-p",
		    "#{pane_current_command}", NULL) == 0) {
			out[strcspn(out, "\n")] = '\0';
			if (strcmp(out, p->shell) == 0) {
				free(out);
				return (0);
			}
		}
		free(out);
		out = NULL;
		usleep(50000);
	}
	fprintf(stderr, "%s: the client is still running\n", p->name);
	screen_get(p, &s, 0);
	screen_print(&s);
	screen_free(&s);
	return (-1);
}

/* What the client wrote to its terminal so far (malloc'd, "" if nothing). */
static char *
pane_log(struct pane *p)
{
	char *text = read_file(p->log);

	if (text == NULL)
		text = strdup("");
	ck_assert(text != NULL);
	return (text);
}

/*
 * Run client i in the pane, log in as alice, join general and enter the
 * view; then bob (a raw client) joins the view too. Returns bob.
 */
static struct tclient *
chat(struct pane *p, int i)
{
	const struct prog *pr = &progs[i];
	struct tclient *bob;
	struct screen s;
	char text[128];

	pane_run(p, pr);
	ck_assert_msg(pane_wait(p, MSG_NAME_PROMPT, &s) == 0,
	    "%s: no username prompt", pr->name);
	screen_free(&s);
	pane_type(p, "alice");
	pane_key(p, "Enter");
	snprintf(text, sizeof text, MSG_NAME_OK, "alice");
	ck_assert_msg(pane_wait(p, text, &s) == 0, "%s: no login", pr->name);
	screen_free(&s);
	pane_type(p, ":join general");
	pane_key(p, "Enter");
	snprintf(text, sizeof text, MSG_JOINED, "general");
	ck_assert_msg(pane_wait(p, text, &s) == 0, "%s: no join", pr->name);
	screen_free(&s);
	pane_type(p, ":chat");
	pane_key(p, "Enter");
	snprintf(text, sizeof text, MSG_CHAT_ENTER, "general");
	ck_assert_msg(pane_wait(p, text, &s) == 0, "%s: no view", pr->name);
	screen_free(&s);

	bob = tc_chatter("bob", "general");
	snprintf(text, sizeof text, MSG_NOTICE_JOIN, "bob", "general");
	ck_assert_msg(pane_wait(p, text, &s) == 0, "%s: bob's join not shown",
	    pr->name);
	check_view(p, i, &s);
	screen_free(&s);
	return (bob);
}

/*
 * A terminal's screen is the split view: the status line on the row above
 * the last, the input row "alice> ..." last. A MUD client's has neither.
 */
static void
check_view(struct pane *p, int i, const struct screen *s)
{
	char status[128];

	snprintf(status, sizeof status, MSG_CHAT_ENTER, "general");
	if (progs[i].mud)
		return;
	if (s->n != p->rows || strstr(s->row[p->rows - 1], status) == NULL ||
	    strncmp(s->row[p->rows], "alice>", 6) != 0) {
		screen_print(s);
		ck_abort_msg("%s: not the split view (status row %d, input row "
		    "%d)", progs[i].name, p->rows - 1, p->rows);
	}
}

/* Run chatsockctl verb [arg] on td's admin socket; it must succeed. */
static void
ctl(const char *verb, const char *arg)
{
	const char *bin = getenv("CHATSOCKCTL");
	const char *argv[] = { bin, "-s", td.admin, verb, arg, NULL };
	struct run_result r;

	ck_assert_msg(bin != NULL, "CHATSOCKCTL is not set");
	ck_assert_msg(run_program(argv, NULL, &r) == 0, "cannot run %s", bin);
	ck_assert_msg(r.status == 0, "chatsockctl %s: exit %d: %s%s", verb,
	    r.status, r.out, r.err);
	run_result_free(&r);
}

/*
 * After the client was put out with farewell: it exits, its terminal kept
 * no scroll region (the last ESC[...r it got is ESC[r, before the farewell),
 * and the shell's output scrolls the whole screen again.
 */
static void
check_restored(struct pane *p, const char *farewell)
{
	struct screen s;
	char *log, *last = NULL, *q, *bye;
	int r;

	ck_assert_msg(pane_wait_exit(p) == 0, "the client did not exit");

	log = pane_log(p);
	for (q = log; (q = strstr(q, "\033[")) != NULL; q += 2) {
		if (q[2 + strspn(q + 2, "0123456789;")] == 'r')
			last = q;
	}
	ck_assert_msg(last != NULL, "no scroll region was ever set");
	ck_assert_msg(strncmp(last, "\033[r", 3) == 0,
	    "the last scroll region sequence is \"\\e%.*s\", not \"\\e[r\"",
	    (int)strcspn(last + 1, "r") + 1, last + 1);
	bye = strstr(log, farewell);
	ck_assert_msg(bye != NULL && bye > last,
	    "the farewell came before the scroll region was reset");
	free(log);
	screen_get(p, &s, 0);
	r = screen_find(&s, farewell);
	if (r == 0 || strcmp(s.row[r] + strspn(s.row[r], " "), farewell)) {
		screen_print(&s);
		ck_abort_msg("the farewell is not on a row of its own");
	}
	screen_free(&s);

	pane_type(p, "seq 1 60");
	pane_key(p, "Enter");
	r = pane_wait_last(p, "$", &s);
	if (r == 0 && (s.n != p->rows || strcmp(s.row[p->rows - 3], "58") ||
	    strcmp(s.row[p->rows - 2], "59") || strcmp(s.row[p->rows - 1],
	    "60") || strcmp(s.row[p->rows], "$") != 0)) {
		screen_print(&s);
		r = -1;
	}
	screen_free(&s);
	ck_assert_msg(r == 0, "the shell's output does not scroll the whole "
	    "screen: 58 59 60 and the prompt are not the last rows");
}

static void
setup(void)
{
	daemon_start(&td, "");
	pane_start(&tp);
}

static void
teardown(void)
{
	pane_stop(&tp);
	daemon_teardown();
}

/*
 * Unchecked (in the parent, after each tcase): kill tmux servers left by a
 * test that timed out before its teardown ran.
 */
static void
reap_servers(void)
{
	char dir[T_PATH], path[T_PATH + 80], prefix[64];
	struct pane p;
	struct dirent *e;
	const char *tmp = getenv("TMUX_TMPDIR");
	DIR *d;

	snprintf(dir, sizeof dir, "%s/tmux-%ld", tmp != NULL && *tmp != '\0' ?
	    tmp : "/tmp", (long)getuid());
	snprintf(prefix, sizeof prefix, "chatsock-test-%ld-", (long)getpid());
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		memset(&p, 0, sizeof p);
		snprintf(p.name, sizeof p.name, "%.60s", e->d_name);
		tmux(NULL, &p, "kill-server", NULL);
		snprintf(path, sizeof path, "%s/%s", dir, p.name);
		unlink(path);
	}
	closedir(d);
}

/* Greek, Cyrillic, CJK and emoji typed in the view arrive intact. */
START_TEST(test_utf8)
{
	struct tclient *bob = chat(&tp, _i);
	struct screen s;
	size_t k;

	for (k = 0; k < sizeof greetings / sizeof greetings[0]; k++) {
		pane_type(&tp, greetings[k]);
		pane_key(&tp, "Enter");
		EXPECT(bob, ALICE "%s\r\n", greetings[k]);
		ck_assert_msg(strstr(bob->last, "]: \r\n") == NULL,
		    "an empty message");
	}
	/* alice is still in the view: bob's answer shows, nothing left. */
	SEND(bob, "still there?");
	ck_assert(pane_wait(&tp, BOB "still there?", &s) == 0);
	for (k = 0; k < sizeof greetings / sizeof greetings[0]; k++)
		ck_assert_msg(screen_find(&s, greetings[k]) != 0,
		    "%s is not on alice's screen", greetings[k]);
	ck_assert_msg(screen_find(&s, MSG_CHAT_LEAVE) == 0,
	    "alice left the view");
	check_view(&tp, _i, &s);
	screen_free(&s);
	tc_close(bob);
}
END_TEST

/* Backspace, Ctrl-U and the arrow keys edit the line. */
START_TEST(test_edit)
{
	struct tclient *bob = chat(&tp, _i);
	struct screen s;

	pane_type(&tp, "typx");
	pane_key(&tp, "BSpace");
	pane_type(&tp, "o");
	pane_key(&tp, "Enter");
	EXPECT(bob, ALICE "typo\r\n");

	pane_type(&tp, "abc");
	pane_key(&tp, "Left");
	pane_key(&tp, "Left");
	pane_type(&tp, "X");
	pane_key(&tp, "Enter");
	EXPECT(bob, ALICE "aXbc\r\n");

	pane_type(&tp, "all of this goes");
	pane_key(&tp, "C-u");
	pane_type(&tp, "clean");
	pane_key(&tp, "Enter");
	EXPECT(bob, ALICE "clean\r\n");

	pane_type(&tp, "Καλησπέρα");
	pane_key(&tp, "BSpace");
	pane_key(&tp, "BSpace");
	pane_type(&tp, "α!");
	pane_key(&tp, "Enter");
	EXPECT(bob, ALICE "Καλησπέα!\r\n");
	ck_assert_msg(strstr(bob->last, "typx") == NULL &&
	    strstr(bob->last, "goes") == NULL, "an unedited line was sent");

	/* A message arriving meanwhile leaves the typed text as it was. */
	pane_type(&tp, "half typed");
	SEND(bob, "arriving now");
	ck_assert(pane_wait(&tp, BOB "arriving now", &s) == 0);
	screen_free(&s);
	/* (tt++ draws its own input line wherever its cursor is.) */
	if (!progs[_i].mud) {
		ck_assert_msg(pane_wait_last(&tp, "half typed", &s) == 0,
		    "the typed text is gone from the input row");
		check_view(&tp, _i, &s);
		screen_free(&s);
	}
	pane_type(&tp, ", then sent");
	pane_key(&tp, "Enter");
	EXPECT(bob, ALICE "half typed, then sent\r\n");
	tc_close(bob);
}
END_TEST

/* A 140-character line on 80 columns is sent whole; the screen stays. */
START_TEST(test_long_line)
{
	struct tclient *bob = chat(&tp, _i);
	struct screen s;
	char line[141], msg[160];
	int k, r1, r2, r3;

	for (k = 0; k < 14; k++)
		snprintf(line + 10 * k, sizeof line - 10 * k, "<%02d>------",
		    k);
	SEND(bob, "before one");
	SEND(bob, "before two");
	SEND(bob, "before three");
	ck_assert(pane_wait(&tp, BOB "before three", &s) == 0);
	screen_free(&s);

	pane_type(&tp, line);
	ck_assert_msg(pane_wait_last(&tp, "<13>------", &s) == 0,
	    "the input row does not show the end of the text");
	ck_assert_msg(screen_find(&s, "<00>") == 0 || progs[_i].mud,
	    "the start of the line is still on the screen: it wrapped");
	check_view(&tp, _i, &s);
	screen_free(&s);

	pane_key(&tp, "Enter");
	EXPECT(bob, ALICE "%s\r\n", line);
	if (progs[_i].mud) {
		tc_close(bob);
		return;
	}
	/* Shown wrapped over rows (however indented), after the others. */
	snprintf(msg, sizeof msg, ALICE "%.20s", line);
	ck_assert(pane_wait(&tp, "<13>------", &s) == 0);
	r1 = screen_find(&s, BOB "before one");
	r2 = screen_find(&s, BOB "before two");
	r3 = screen_find(&s, BOB "before three");
	k = screen_find(&s, msg);
	if (!(r1 > 0 && r1 < r2 && r2 < r3 && r3 < k &&
	    k < screen_find(&s, "<13>------"))) {
		screen_print(&s);
		ck_abort_msg("earlier messages overwritten or out of order");
	}
	check_view(&tp, _i, &s);
	if (!progs[_i].mud)
		ck_assert_msg(strcmp(s.row[tp.rows], "alice>") == 0 ||
		    strcmp(s.row[tp.rows], "alice> ") == 0,
		    "the input row is not empty: \"%s\"", s.row[tp.rows]);
	screen_free(&s);
	tc_close(bob);
}
END_TEST

/* A resize while typing keeps the text on the input row; it is sent whole. */
START_TEST(test_resize)
{
	struct tclient *bob = chat(&tp, _i);
	struct screen s;

	pane_type(&tp, "typed before the resize");
	ck_assert(pane_wait_last(&tp, "typed before the resize", &s) == 0);
	screen_free(&s);
	ck_assert(tmux(NULL, &tp, "resize-window", "-x", "60", "-y", "20",
	    NULL) == 0);
	tp.cols = 60;
	tp.rows = 20;
	SEND(bob, "after the resize");
	ck_assert(pane_wait(&tp, BOB "after the resize", &s) == 0);
	screen_free(&s);
	ck_assert(pane_wait_last(&tp, "typed before the resize", &s) == 0);
	check_view(&tp, _i, &s);
	screen_free(&s);
	pane_type(&tp, ", and after");
	pane_key(&tp, "Enter");
	EXPECT(bob, ALICE "typed before the resize, and after\r\n");
	tc_close(bob);
}
END_TEST

/* A kicked user's terminal is left as it was found. */
START_TEST(test_kick)
{
	struct tclient *bob = chat(&tp, _i);

	ctl("kick", "alice");
	check_restored(&tp, MSG_KICKED);
	tc_close(bob);
}
END_TEST

/* So is every terminal when the server shuts down. */
START_TEST(test_shutdown)
{
	struct tclient *bob = chat(&tp, _i);

	ctl("shutdown", NULL);
	check_restored(&tp, MSG_SHUTDOWN_BYE);
	EXPECT_CLOSED(bob);
	tc_close(bob);
}
END_TEST

/*
 * A MUD client gets plain lines: no split screen, a message shows on its own
 * (without waiting for the next one) and so does a prompt.
 */
START_TEST(test_mud_plain)
{
	struct tclient *bob = chat(&tp, _i);
	struct screen s;
	char status[128], prompt[64];
	int k;

	SEND(bob, "a single message");
	ck_assert_msg(pane_wait(&tp, BOB "a single message", &s) == 0,
	    "a message is not shown until the next one arrives");
	screen_free(&s);

	for (k = 1; k <= 30; k++)
		SEND(bob, "line %d", k);
	ck_assert(pane_wait(&tp, BOB "line 30", &s) == 0);
	snprintf(status, sizeof status, MSG_CHAT_ENTER, "general");
	if (screen_find(&s, status) != 0) {
		screen_print(&s);
		ck_abort_msg("a status line stays on the screen: split view");
	}
	screen_free(&s);
	screen_get(&tp, &s, 1);
	ck_assert_msg(strstr(s.text, "\033[7m") == NULL,
	    "reverse video on the screen: a status line");
	screen_free(&s);

	pane_type(&tp, ":q");
	pane_key(&tp, "Enter");
	snprintf(prompt, sizeof prompt, MSG_PROMPT_ROOM, "general", "alice");
	ck_assert_msg(pane_wait(&tp, prompt, &s) == 0,
	    "the palette prompt is not shown on its own");
	screen_free(&s);
	tc_close(bob);
}
END_TEST

static Suite *
clients_suite(int *missing)
{
	Suite *s = suite_create("clients");
	TCase *tc;
	size_t i;

	for (i = 0; i < NPROGS; i++) {
		if ((prog_bin[i] = find_bin(progs[i].bin)) == NULL) {
			fprintf(stderr, "%s not found: %s tests skipped\n",
			    progs[i].bin, progs[i].name);
			(*missing)++;
			continue;
		}
		tc = tcase_create(progs[i].name);
		tcase_set_timeout(tc, T_CLIENT);
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_unchecked_fixture(tc, NULL, reap_servers);
		tcase_add_loop_test(tc, test_utf8, i, i + 1);
		tcase_add_loop_test(tc, test_edit, i, i + 1);
		tcase_add_loop_test(tc, test_long_line, i, i + 1);
		if (progs[i].resize)
			tcase_add_loop_test(tc, test_resize, i, i + 1);
		if (progs[i].mud)
			tcase_add_loop_test(tc, test_mud_plain, i, i + 1);
		else {
			tcase_add_loop_test(tc, test_kick, i, i + 1);
			tcase_add_loop_test(tc, test_shutdown, i, i + 1);
		}
		suite_add_tcase(s, tc);
	}
	return (s);
}

int
main(void)
{
	int missing = 0, r;

	if ((tmux_bin = find_bin("tmux")) == NULL) {
		fprintf(stderr, "tmux not found: suite skipped\n");
		return (77);
	}
	/* Our own tmux servers, UTF-8 in the panes, a known shell prompt. */
	unsetenv("TMUX");
	unsetenv("ENV");
	setenv("LANG", "C.UTF-8", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	setenv("TERM", "xterm", 1);
	setenv("SHELL", "/bin/sh", 1);
	r = run_suite(clients_suite(&missing));
	if (r == EXIT_SUCCESS && missing > 0)
		return (77);
	return (r);
}
