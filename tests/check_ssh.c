/*
 * Suite "ssh": the SSH listener as users and attackers see it. SSH and
 * telnet users share rooms; the SSH user name is the chat name; a pty gets
 * the line editor and the split screen, no pty plain lines; everything but
 * a shell is refused; only curve25519 and public keys get in; handshakes
 * are bounded in number and time; shutdown and the output cap apply as to
 * telnet; the host key is made once, private, and reused.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <libssh/libssh.h>

#include "helpers.h"
#include "messages.h"
#include "ssh-client.h"

#define ESC		"\x1b"
#define CR		"\r"
#define ALICE		"[alice     ]: "
#define BOB		"[bob       ]: "
#define BASE		"\"usernameLimit\": 10"

/*
 * Slow reader: messages of 500 characters in batches, and a bound past the
 * libssh client's channel window (1,280,000 bytes) plus outputLimit.
 */
#define SLOW_LEN	500
#define SLOW_BATCH	50
#define SLOW_MAX	6000
/* Handshakes left hanging, and the sshMaxStartups they run into. */
#define STORM		200
#define STARTUPS	50
/* sshLoginGrace for the grace test, in seconds. */
#define GRACE		2

static void	 setup(void);
static void	 setup_slow(void);
static void	 setup_storm(void);
static void	 setup_grace(void);
static void	 setup_per_address(void);
static void	 setup_shutdown(void);
static void	 setup_none(void);
static void	 enter(struct tclient *c, const char *line);
static struct tclient *ssh_chatter(const char *name, unsigned cols,
		     unsigned rows);
static struct tclient *raw_ssh(const char *label);
static int	 count_closed(struct tclient **c, int n, int want, int ms);
static void	 exits_zero(int ms);
static void	 expect_refusal(struct tclient *c, const char *what);
static struct tclient *refusable(const char *user);
static char	*ctl_listall(void);
static char	*keygen_file(const char *dir);
static void	 ssh_argv(const char **argv, char *opts[3], const char *dir,
		     const char *key, const char *user);
static void	 hostkey_config(const char *key);
static char	*hostkey_fingerprint(void);

static void
setup(void)
{
	ssh_daemon_start(BASE);
}

/* A small output cap, so that a slow reader passes it soon. */
static void
setup_slow(void)
{
	ssh_daemon_start(BASE ", \"outputLimit\": 65536, "
	    "\"messageLimit\": 500");
}

/* Room for the storm in the connection limits; sshMaxStartups 50. */
static void
setup_storm(void)
{
	ssh_daemon_start(BASE ", \"maxClients\": 1000, "
	    "\"maxClientsPerAddress\": 1000, \"sshMaxStartups\": 50");
}

/* A short sshLoginGrace. */
static void
setup_grace(void)
{
	ssh_daemon_start(BASE ", \"sshLoginGrace\": 2");
}

/* Two connections per address, whichever the listener. */
static void
setup_per_address(void)
{
	ssh_daemon_start(BASE ", \"maxClientsPerAddress\": 2");
}

/* A real shutdown grace. */
static void
setup_shutdown(void)
{
	ssh_daemon_start(BASE ", \"shutdownGrace\": 2");
}

/* Type line and Enter (CR, as a terminal sends it). */
static void
enter(struct tclient *c, const char *line)
{
	TYPE(c, line);
	TYPE(c, CR);
}

/* An SSH user (a pty of cols x rows, none if rows is 0) in general's view. */
static struct tclient *
ssh_chatter(const char *name, unsigned cols, unsigned rows)
{
	struct tclient *c = sc_user(name, cols, rows);

	enter(c, ":join general");
	EXPECT(c, MSG_JOINED, "general");
	EXPECT(c, MSG_PROMPT_ROOM, "general", name);
	enter(c, ":chat");
	EXPECT(c, MSG_CHAT_ENTER, "general");
	return (c);
}

/* A plain TCP connection to the SSH port (for handshakes never finished). */
static struct tclient *
raw_ssh(const char *label)
{
	struct daemon d = td;

	d.port = td.ssh_port;
	return (tc_connect(&d, label));
}

/*
 * Read all of c[0..n) until want of them are closed by the server or ms
 * pass; the number closed (each marked closed).
 */
static int
count_closed(struct tclient **c, int n, int want, int ms)
{
	struct pollfd *pfd = calloc(n, sizeof *pfd);
	long deadline = now_ms() + ms;
	char buf[4096];
	int i, closed = 0;
	ssize_t r;

	ck_assert(pfd != NULL);
	for (;;) {
		closed = 0;
		for (i = 0; i < n; i++) {
			pfd[i].fd = c[i]->closed ? -1 : c[i]->fd;
			pfd[i].events = POLLIN;
			closed += c[i]->closed;
		}
		if (closed >= want || now_ms() >= deadline)
			break;
		if (poll(pfd, n, (int)(deadline - now_ms())) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			r = recv(pfd[i].fd, buf, sizeof buf, 0);
			if (r == 0 || (r == -1 && errno != EINTR &&
			    errno != EAGAIN))
				c[i]->closed = 1;
		}
	}
	free(pfd);
	return (closed);
}

/* The daemon, told to stop, exits with status 0 within ms. */
static void
exits_zero(int ms)
{
	long deadline = now_ms() + (long)ms * t_slow();
	int status = 0;
	pid_t r;

	while ((r = waitpid(td.pid, &status, WNOHANG)) == 0 &&
	    now_ms() < deadline)
		usleep(10000);
	ck_assert_msg(r == td.pid, "chatsockd still runs after the shutdown");
	td.pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "chatsockd ended with status 0x%x", status);
}

/*
 * What a refused request must leave: one line of text, then the end of
 * the connection, and never the chat's greeting.
 */
static void
expect_refusal(struct tclient *c, const char *what)
{
	char *text, *nl;

	ck_assert_msg(tc_expect_closed(c, T_WAIT) == 0,
	    "the connection stayed open after %s", what);
	text = strndup((char *)c->buf, c->len);
	ck_assert(text != NULL);
	fprintf(stderr, "%s refused with: \"%s\"\n", what, text);
	ck_assert_msg(strstr(text, MSG_NAME_PROMPT) == NULL &&
	    strstr(text, " - type :help") == NULL,
	    "%s got the chat: \"%s\"", what, text);
	while (*text != '\0' && strchr("\r\n", text[strlen(text) - 1]))
		text[strlen(text) - 1] = '\0';
	ck_assert_msg(*text != '\0', "%s was refused without a message", what);
	nl = strchr(text, '\n');
	ck_assert_msg(nl == NULL, "%s: more than one line: \"%s\"", what, text);
	ck_assert_msg(c->nesc == 0, "%s: escape sequences in the refusal",
	    what);
	free(text);
}

/* An authenticated SSH session with a session channel open. */
static struct tclient *
refusable(const char *user)
{
	struct tclient *c = sc_new(&td, user, user, 0);
	ssh_key key = sc_keygen();

	ck_assert(sc_kex(c, NULL) == 0);
	ck_assert(sc_auth(c, key) == SSH_AUTH_SUCCESS);
	ssh_key_free(key);
	ck_assert(sc_channel(c) == 0);
	return (c);
}

/* chatsockctl listall's output. */
static char *
ctl_listall(void)
{
	const char *argv[] = { getenv("CHATSOCKCTL"), "-s", td.admin,
	    "listall", NULL };
	struct run_result r;
	char *out;

	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 0, "listall failed: %s", r.err);
	out = r.out;
	r.out = NULL;
	run_result_free(&r);
	return (out);
}

/* ssh-keygen -t ed25519 -N '' into dir/id; its path (malloc'd). */
static char *
keygen_file(const char *dir)
{
	char *path;
	struct run_result r;
	const char *argv[] = { "/usr/bin/ssh-keygen", "-q", "-t", "ed25519",
	    "-N", "", "-f", NULL, NULL };

	if (asprintf(&path, "%s/id", dir) < 0)
		ck_abort_msg("asprintf");
	argv[7] = path;
	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 0, "ssh-keygen failed: %s", r.err);
	run_result_free(&r);
	return (path);
}

/*
 * The OpenSSH command line for user at td with key (NULL: no key at all)
 * and a known_hosts file in dir pinning sc_hostkey; opts are its strings.
 */
static void
ssh_argv(const char **argv, char *opts[3], const char *dir, const char *key,
    const char *user)
{
	char *hosts, *line;
	int i = 0;

	if (asprintf(&hosts, "%s/known_hosts", dir) < 0)
		ck_abort_msg("asprintf");
	line = sc_known_hosts(&td, sc_hostkey);
	write_file(hosts, line);
	free(line);
	if (asprintf(&opts[0], "UserKnownHostsFile=%s", hosts) < 0 ||
	    asprintf(&opts[1], "%d", td.ssh_port) < 0 ||
	    asprintf(&opts[2], "%s@127.0.0.1", user) < 0)
		ck_abort_msg("asprintf");
	free(hosts);
	argv[i++] = "/usr/bin/ssh";
	argv[i++] = "-tt";
	argv[i++] = "-F";
	argv[i++] = "/dev/null";
	argv[i++] = "-o";
	argv[i++] = opts[0];
	argv[i++] = "-o";
	argv[i++] = "StrictHostKeyChecking=yes";
	argv[i++] = "-o";
	argv[i++] = "BatchMode=yes";
	argv[i++] = "-o";
	argv[i++] = "IdentitiesOnly=yes";
	if (key != NULL) {
		argv[i++] = "-i";
		argv[i++] = key;
	} else {
		argv[i++] = "-o";
		argv[i++] = "PubkeyAuthentication=no";
	}
	argv[i++] = "-p";
	argv[i++] = opts[1];
	argv[i++] = opts[2];
	argv[i] = NULL;
}

/* Start td with key as its SSH host key. */
static void
hostkey_config(const char *key)
{
	char *conf;

	if (asprintf(&conf, "\"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"ssh\": {\"host\": \"127.0.0.1\", \"port\": 0, \"hostKey\": "
	    "\"%s\"}, " BASE, key) < 0)
		ck_abort_msg("asprintf");
	daemon_start(&td, conf);
	free(conf);
	ck_assert_msg(td.ssh_port > 0, "no SSH port in the port file");
}

/* The fingerprint of the host key td shows (any key accepted). */
static char *
hostkey_fingerprint(void)
{
	struct tclient *c = sc_new(&td, "probe", "probe", 0);
	ssh_key key = NULL;
	char *fp;

	ck_assert(sc_kex(c, NULL) == 0);
	ck_assert(ssh_get_server_publickey(sc_session(c), &key) == SSH_OK);
	ck_assert_msg(ssh_key_type(key) == SSH_KEYTYPE_ED25519,
	    "host key type %s", ssh_key_type_to_char(ssh_key_type(key)));
	fp = sc_fingerprint(key);
	ssh_key_free(key);
	tc_close(c);
	return (fp);
}

/* An SSH user and a telnet user in one room hear each other. */
START_TEST(test_chat_both_ways)
{
	struct tclient *a = ssh_chatter("alice", 80, 24);
	struct tclient *b = tc_chatter("bob", "general");

	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	enter(a, "hello from ssh");
	EXPECT(b, ALICE "hello from ssh\r\n");
	SEND(b, "hello from telnet");
	EXPECT(a, BOB "hello from telnet");
	EXPECT(b, BOB "hello from telnet\r\n");
	tc_close(a);
	EXPECT(b, MSG_NOTICE_LEAVE, "alice", "general");
	tc_close(b);
}
END_TEST

/* ssh alice@host: the welcome and banner, then the palette as alice. */
START_TEST(test_name_from_user)
{
	struct tclient *a = sc_open("alice", NULL, 80, 24);
	struct tclient *b;

	EXPECT(a, " - type :help for commands");
	EXPECT(a, MSG_NAME_OK, "alice");
	ck_assert_msg(strstr(a->last, MSG_NAME_PROMPT) == NULL,
	    "alice was asked for a name");
	ck_assert(tc_expect(a, MSG_PROMPT, T_WAIT) == 0);
	b = tc_user("bob");
	SEND(b, ":dm alice");
	EXPECT(b, MSG_DM_OPEN, "alice");
	EXPECT(a, MSG_DM_WAITING, "bob", "bob");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* A taken name: the telnet refusal, then the name prompt. */
START_TEST(test_name_taken)
{
	struct tclient *t = tc_user("alice");
	struct tclient *a = sc_open("alice", NULL, 80, 24);

	EXPECT(a, MSG_NAME_TAKEN, "alice");
	EXPECT(a, MSG_NAME_PROMPT);
	enter(a, "alice2");
	EXPECT(a, MSG_NAME_OK, "alice2");
	tc_close(a);
	tc_close(t);
}
END_TEST

/* Invalid names (the user name is raw client bytes) are explained. */
START_TEST(test_name_invalid)
{
	struct tclient *a = sc_open("bad name!", NULL, 80, 24);
	struct tclient *b = sc_open("averyveryverylongname", NULL, 0, 0);
	struct tclient *c = sc_open("._-", NULL, 0, 0);

	EXPECT(a, MSG_NAME_CHARS);
	EXPECT(a, MSG_NAME_PROMPT);
	enter(a, "good");
	EXPECT(a, MSG_NAME_OK, "good");
	EXPECT(b, MSG_NAME_LONG, 10);
	EXPECT(b, MSG_NAME_PROMPT);
	SEND(b, "short");
	EXPECT(b, MSG_NAME_OK, "short");
	EXPECT(c, MSG_NAME_NO_ALNUM);
	EXPECT(c, MSG_NAME_PROMPT);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* ssh -T (a bot): plain lines both ways, no escape sequence ever. */
START_TEST(test_no_pty_plain)
{
	struct tclient *a = ssh_chatter("bot", 0, 0);
	struct tclient *b = tc_chatter("bob", "general");

	SEND(b, "ping");
	EXPECT(a, BOB "ping\r\n");
	SEND(a, "pong");
	EXPECT(b, "[bot       ]: pong\r\n");
	SEND(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE "\r\n");
	SEND(a, ":quit");
	EXPECT(a, MSG_QUIT_CONFIRM);
	SEND(a, "y");
	EXPECT(a, MSG_GOODBYE "\r\n");
	EXPECT_CLOSED(a);
	ck_assert_msg(a->nesc == 0, "a client without a pty got %zu ESC bytes",
	    a->nesc);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* listall shows an SSH user's key fingerprint, a telnet user's none. */
START_TEST(test_fingerprint_listall)
{
	ssh_key key = sc_keygen();
	char *fp = sc_fingerprint(key), *out, *line;
	struct tclient *a = sc_open("alice", key, 0, 0);
	struct tclient *b = tc_user("bob");

	EXPECT(a, MSG_NAME_OK, "alice");
	out = ctl_listall();
	line = line_with(out, "alice");
	if (line == NULL && (line = strstr(out, "alice")) != NULL)
		line = strndup(line, strcspn(line, "\n"));
	ck_assert_msg(line != NULL, "no alice in listall:\n%s", out);
	ck_assert_msg(strstr(line, fp) != NULL, "alice's row lacks %s:\n%s",
	    fp, out);
	free(line);
	line = strstr(out, "bob");
	ck_assert_msg(line != NULL, "no bob in listall:\n%s", out);
	line = strndup(line, strcspn(line, "\n"));
	ck_assert_msg(strstr(line, "SHA256:") == NULL,
	    "bob's row has a fingerprint:\n%s", out);
	free(line);
	free(out);
	free(fp);
	ssh_key_free(key);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* The pty's size sets the split screen; window-change redraws it. */
START_TEST(test_pty_size_resize)
{
	struct tclient *a = sc_user("alice", 80, 30);
	struct tclient *b;

	enter(a, ":join general");
	EXPECT(a, MSG_JOINED, "general");
	enter(a, ":chat");
	EXPECT_RAW(a, ESC "[1;28r");
	EXPECT_RAW(a, ESC "[30;1H");
	b = tc_chatter("bob", "general");
	SEND(b, "before");
	EXPECT(a, BOB "before");
	ck_assert_msg(strstr(a->last, ESC "[28;1H") != NULL,
	    "the message is not drawn at the bottom of the region");
	ck_assert(sc_resize(a, 100, 40) == 0);
	EXPECT_RAW(a, ESC "[1;38r");
	tc_drain(a, 200);
	SEND(b, "after");
	EXPECT(a, BOB "after");
	ck_assert_msg(strstr(a->last, ESC "[38;1H") != NULL,
	    "the region did not follow the new size");
	ck_assert(sc_resize(a, 80, 4) == 0);
	EXPECT_RAW(a, ESC "[r");
	tc_close(a);
	tc_close(b);
}
END_TEST

/*
 * The editor keys, each sent as typed, give the line bob receives; one
 * key's echo is checked byte for byte.
 */
START_TEST(test_editor_keys)
{
	static const struct {
		const char	*keys;
		const char	*line;
	} cases[] = {
		{ "hellp\x7fo", "hello" },			/* DEL */
		{ "abx\bc", "abc" },				/* BS */
		{ "foo bar\x17" "baz", "foo baz" },		/* Ctrl-W */
		{ "junk\x15" "clean", "clean" },		/* Ctrl-U */
		{ "world" ESC "[Hhello ", "hello world" },	/* Home */
		{ "ac" ESC "[Db" ESC "[Fd", "abcd" },		/* Left, End */
		{ "ab" ESC "[D" ESC "[D" ESC "[CX", "aXb" },	/* Right */
		{ "mid\x01<\x05>", "<mid>" },			/* ^A ^E */
		{ "two" ESC "OHone " ESC "OF!", "one two!" },	/* SS3 */
		{ "y" ESC "[1~x" ESC "[4~z", "xyz" },		/* 1~ 4~ */
		{ ESC "[A" ESC "[A", "one two!" },		/* Up */
		{ "draft" ESC "[A" ESC "[B", "draft" },	/* Down */
	};
	struct tclient *a = ssh_chatter("alice", 80, 30);
	struct tclient *b = tc_chatter("bob", "general");
	char want[128];
	size_t i, k;

	tc_drain(a, 200);
	TYPE(a, "q");
	EXPECT_RAW(a, ESC "[30;1Halice> q" ESC "[K" ESC "[30;9H");
	TYPE(a, "\x7f");
	EXPECT_RAW(a, ESC "[30;1Halice> " ESC "[K" ESC "[30;8H");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (k = 0; cases[i].keys[k] != '\0'; k++) {
			ck_assert(tc_send_raw(a, cases[i].keys + k, 1) == 0);
			if (k % 4 == 0)
				usleep(2000);
		}
		TYPE(a, CR);
		snprintf(want, sizeof want, ALICE "%s\r\n", cases[i].line);
		ck_assert_msg(tc_expect(b, want, T_WAIT) == 0,
		    "keys %zu did not give \"%s\"", i, cases[i].line);
	}
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Ctrl-C drops the line and leaves the view; :q leaves it too. */
START_TEST(test_ctrl_c_and_q)
{
	struct tclient *a = ssh_chatter("alice", 80, 24);
	struct tclient *b = tc_chatter("bob", "general");

	TYPE(a, "secret half line");
	TYPE(a, "\x03");
	EXPECT_RAW(a, ESC "[r");
	EXPECT(a, MSG_CHAT_LEAVE);
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	EXPECT_NOT(b, "secret");
	enter(a, ":chat");
	EXPECT_RAW(a, ESC "[1;22r");
	enter(a, "back again");
	EXPECT(b, ALICE "back again\r\n");
	enter(a, ":q");
	EXPECT_RAW(a, ESC "[r");
	EXPECT(a, MSG_CHAT_LEAVE);
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	enter(a, ":quit");
	EXPECT(a, MSG_QUIT_CONFIRM);
	TYPE(a, "y" CR);
	EXPECT(a, MSG_GOODBYE);
	EXPECT_CLOSED(a);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* ssh host cmd: a one-line refusal, then the connection is closed. */
START_TEST(test_exec_refused)
{
	struct tclient *c = refusable("alice");

	ssh_channel_request_exec(sc_chan(c), "cat /etc/passwd");
	expect_refusal(c, "exec");
	tc_close(c);
}
END_TEST

/* The sftp subsystem is refused the same way. */
START_TEST(test_sftp_refused)
{
	struct tclient *c = refusable("alice");

	ssh_channel_request_subsystem(sc_chan(c), "sftp");
	expect_refusal(c, "sftp");
	tc_close(c);
}
END_TEST

/* X11 forwarding (asked before the shell, as ssh -X does) is refused. */
START_TEST(test_x11_refused)
{
	struct tclient *c = refusable("alice");

	ssh_channel_request_x11(sc_chan(c), 0, "MIT-MAGIC-COOKIE-1",
	    "0123456789abcdef0123456789abcdef", 0);
	ssh_channel_request_pty_size(sc_chan(c), "xterm", 80, 24);
	ssh_channel_request_shell(sc_chan(c));
	expect_refusal(c, "X11 forwarding");
	tc_close(c);
}
END_TEST

/* Agent forwarding (asked before the shell, as ssh -A does) is refused. */
START_TEST(test_agent_refused)
{
	struct tclient *c = refusable("alice");

	ssh_channel_request_auth_agent(sc_chan(c));
	ssh_channel_request_pty_size(sc_chan(c), "xterm", 80, 24);
	ssh_channel_request_shell(sc_chan(c));
	expect_refusal(c, "agent forwarding");
	tc_close(c);
}
END_TEST

/* Port forwarding either way is refused (even to the telnet port). */
START_TEST(test_forwarding_refused)
{
	struct tclient *c = refusable("alice");
	ssh_channel fw;
	int bound = 0;

	ck_assert_msg(ssh_channel_listen_forward(sc_session(c), "127.0.0.1",
	    0, &bound) != SSH_OK, "remote forwarding accepted (port %d)",
	    bound);
	fw = ssh_channel_new(sc_session(c));
	ck_assert(fw != NULL);
	ck_assert_msg(ssh_channel_open_forward(fw, "127.0.0.1", td.port,
	    "127.0.0.1", 40000) != SSH_OK, "a direct-tcpip channel to the "
	    "telnet port was opened");
	ssh_channel_free(fw);
	tc_close(c);
}
END_TEST

/* A client offering only diffie-hellman-group18-sha512 is refused. */
START_TEST(test_dh_group18_refused)
{
	struct tclient *c = sc_new(&td, "dh18", "dh18", 0);
	struct tclient *a;

	ck_assert_msg(sc_kex(c, "diffie-hellman-group18-sha512") == -1,
	    "the server agreed to diffie-hellman-group18-sha512");
	tc_close(c);
	c = sc_new(&td, "dh16", "dh16", 0);
	ck_assert_msg(sc_kex(c, "diffie-hellman-group16-sha512,"
	    "diffie-hellman-group14-sha256,ecdh-sha2-nistp256") == -1,
	    "the server agreed to a non-curve25519 exchange");
	tc_close(c);
	a = sc_user("alice", 0, 0);
	tc_close(a);
}
END_TEST

/* No key: none and password are refused, only publickey is offered. */
START_TEST(test_no_key_refused)
{
	struct tclient *c = sc_new(&td, "nokey", "nokey", 0);
	ssh_session s = sc_session(c);
	int methods;

	ck_assert(sc_kex(c, NULL) == 0);
	ck_assert_msg(ssh_userauth_none(s, NULL) == SSH_AUTH_DENIED,
	    "auth none was not denied");
	methods = ssh_userauth_list(s, NULL);
	ck_assert_msg(methods == SSH_AUTH_METHOD_PUBLICKEY,
	    "methods offered: 0x%x, not publickey alone", methods);
	ck_assert_msg(ssh_userauth_password(s, NULL, "hunter2") !=
	    SSH_AUTH_SUCCESS, "a password was accepted");
	tc_close(c);
}
END_TEST

/* OpenSSH without a key: "Permission denied (publickey)." */
START_TEST(test_openssh_no_key)
{
	char *dir = test_mkdtemp(), *opts[3];
	const char *argv[32];
	struct run_result r;
	int i;

	ssh_argv(argv, opts, dir, NULL, "alice");
	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 255, "ssh exited %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "Permission denied (publickey)") != NULL,
	    "ssh said: %s", r.err);
	run_result_free(&r);
	for (i = 0; i < 3; i++)
		free(opts[i]);
	free(dir);
}
END_TEST

/* The real ssh -tt under a pty chats with a telnet user and quits. */
START_TEST(test_openssh_interop)
{
	char *dir = test_mkdtemp(), *key = keygen_file(dir), *opts[3];
	const char *argv[32];
	struct tclient *a, *b;
	int i;

	ssh_argv(argv, opts, dir, key, "alice");
	b = tc_chatter("bob", "general");
	a = pty_spawn("openssh", argv, 80, 24);
	EXPECT(a, MSG_NAME_OK, "alice");
	ck_assert(tc_expect(a, MSG_PROMPT, T_WAIT) == 0);
	enter(a, ":join general");
	EXPECT(a, MSG_PROMPT_ROOM, "general", "alice");
	enter(a, ":chat");
	EXPECT_RAW(a, ESC "[1;22r");
	enter(a, "hi from openssh");
	EXPECT(b, ALICE "hi from openssh\r\n");
	SEND(b, "hi back");
	EXPECT(a, BOB "hi back");
	enter(a, ":q");
	EXPECT(a, MSG_CHAT_LEAVE);
	enter(a, ":quit");
	EXPECT(a, MSG_QUIT_CONFIRM);
	TYPE(a, "y" CR);
	EXPECT(a, MSG_GOODBYE);
	ck_assert_msg(pty_wait(a, T_WAIT) != -1, "ssh did not exit");
	tc_close(a);
	tc_close(b);
	for (i = 0; i < 3; i++)
		free(opts[i]);
	unlink(key);
	free(key);
	ck_assert(remove(dir) == 0 || errno == ENOTEMPTY);
	free(dir);
}
END_TEST

/*
 * An SSH user stops reading in the view: once its unread output passes
 * outputLimit it is dropped, while a telnet and an SSH reader and the
 * sender get every message.
 */
START_TEST(test_slow_reader)
{
	struct tclient *fast = tc_chatter("fast", "general");
	struct tclient *talk = tc_chatter("talker", "general");
	struct tclient *sfast = ssh_chatter("sfast", 80, 24);
	struct tclient *slow = sc_new(&td, "slow", "slow", 4096);
	struct tclient *all[3] = { fast, talk, sfast };
	ssh_key key = sc_keygen();
	char text[SLOW_LEN + 1], *batch, *log;
	size_t blen;
	FILE *f;
	int sent = 0, gone_at = -1, i, j;

	ck_assert(sc_kex(slow, NULL) == 0);
	ck_assert(sc_auth(slow, key) == SSH_AUTH_SUCCESS);
	ssh_key_free(key);
	ck_assert(sc_channel(slow) == 0 && sc_pty(slow, 80, 24) == 0 &&
	    sc_shell(slow) == 0);
	EXPECT(slow, MSG_NAME_OK, "slow");
	enter(slow, ":join general");
	EXPECT(slow, MSG_JOINED, "general");
	enter(slow, ":chat");
	EXPECT(slow, MSG_CHAT_ENTER, "general");
	EXPECT(fast, MSG_NOTICE_JOIN "\r\n", "slow", "general");
	/* From here on slow reads nothing. */
	while (sent < SLOW_MAX && (gone_at < 0 || sent < gone_at + 200)) {
		f = open_memstream(&batch, &blen);
		for (i = sent + 1; i <= sent + SLOW_BATCH; i++) {
			snprintf(text, sizeof text, "m%05d ", i);
			memset(text + 7, 'x', SLOW_LEN - 7);
			fprintf(f, "%.*s\n", SLOW_LEN, text);
		}
		fclose(f);
		ck_assert(tc_send_raw(talk, batch, blen) == 0);
		free(batch);
		for (j = 0; j < 3; j++) {
			snprintf(text, sizeof text, "m%05d ", sent +
			    SLOW_BATCH);
			ck_assert_msg(tc_expect(all[j], text, T_WAIT) == 0,
			    "%s lost messages", all[j]->label);
			for (i = sent + 1; i <= sent + SLOW_BATCH; i++) {
				snprintf(text, sizeof text, "m%05d ", i);
				ck_assert_msg(memmem(all[j]->last,
				    all[j]->lastlen, text, 7) != NULL,
				    "%s lost message %d", all[j]->label, i);
			}
			if (j == 0 && gone_at < 0 && memmem(fast->last,
			    fast->lastlen, "* slow left general", 19) != NULL)
				gone_at = sent;
		}
		sent += SLOW_BATCH;
	}
	ck_assert_msg(gone_at >= 0, "slow was not dropped after %d messages",
	    sent);
	fprintf(stderr, "slow SSH reader dropped after %d messages\n",
	    gone_at);
	log = read_file(td.log);
	ck_assert_msg(log != NULL && strstr(log, "output limit") != NULL,
	    "no log line says slow passed the output limit");
	free(log);
	EXPECT_CLOSED(slow);
	tc_close(slow);
	tc_close(fast);
	tc_close(talk);
	tc_close(sfast);
}
END_TEST

/*
 * 200 connections that never finish the handshake: the ones past
 * sshMaxStartups are closed at once, telnet users chat on, and an SSH user
 * gets in once the stalled ones are gone.
 */
START_TEST(test_handshake_storm)
{
	struct tclient *c[STORM], *a, *b, *late;
	char label[32];
	long t0;
	int i, closed;

	t0 = now_ms();
	for (i = 0; i < STORM; i++) {
		snprintf(label, sizeof label, "stall%d", i);
		c[i] = raw_ssh(label);
		if (i % 2 == 0)
			SEND_RAW(c[i], "SSH-2.0-stalled\r\n");
	}
	closed = count_closed(c, STORM, STORM - STARTUPS, 3000 * t_slow());
	fprintf(stderr, "handshake storm: %d of %d closed %ld ms after the "
	    "first connect\n",
	    closed, STORM, now_ms() - t0);
	ck_assert_msg(closed == STORM - STARTUPS, "%d of %d connections "
	    "closed within 3 s, expected %d", closed, STORM, STORM - STARTUPS);
	closed = count_closed(c, STORM, STORM, 500);
	ck_assert_msg(closed == STORM - STARTUPS, "%d connections closed, "
	    "%d handshakes in progress are allowed", closed, STARTUPS);
	a = tc_chatter("alice", "general");
	b = tc_chatter("bob", "general");
	t0 = now_ms();
	SEND(a, "still chatting");
	EXPECT(b, "[alice     ]: still chatting\r\n");
	ck_assert_msg(now_ms() - t0 < 1000, "a message took %ld ms",
	    now_ms() - t0);
	late = raw_ssh("late");
	ck_assert_msg(count_closed(&late, 1, 1, 1500) == 1,
	    "a handshake past sshMaxStartups was not closed");
	tc_close(late);
	for (i = 0; i < STORM; i++)
		tc_close(c[i]);
	usleep(200000);
	tc_close(sc_user("carol", 0, 0));
	tc_close(a);
	tc_close(b);
}
END_TEST

/* sshLoginGrace: a handshake stalled before or after key exchange ends. */
START_TEST(test_login_grace)
{
	struct tclient *raw = raw_ssh("raw");
	struct tclient *kexed = sc_new(&td, "kexed", "kexed", 0);
	struct tclient *w[2];
	struct tclient *cl;
	long t0 = now_ms(), took;

	SEND_RAW(raw, "SSH-2.0-stalled\r\n");
	ck_assert(sc_kex(kexed, NULL) == 0);
	/* Watch kexed's socket itself: libssh only reads when asked. */
	cl = tc_new_ops("kexed-socket", NULL, NULL);
	cl->fd = ssh_get_fd(sc_session(kexed));
	w[0] = raw;
	w[1] = cl;
	ck_assert_msg(count_closed(w, 2, 1, 1000) == 0,
	    "a handshake was closed within 1 s of %d", GRACE);
	ck_assert_msg(count_closed(w, 2, 2, (GRACE + 3) * 1000 * t_slow()) ==
	    2,
	    "stalled handshakes still open after %d s", GRACE + 3);
	took = now_ms() - t0;
	fprintf(stderr, "login grace %d s: closed after %ld ms\n", GRACE,
	    took);
	ck_assert_msg(took >= GRACE * 1000 - 300, "closed after %ld ms", took);
	cl->fd = -1;
	tc_close(cl);
	tc_close(kexed);
	tc_close(raw);
}
END_TEST

/* SSH connections count in maxClientsPerAddress with telnet ones. */
START_TEST(test_per_address)
{
	struct tclient *a = sc_user("alice", 0, 0);
	struct tclient *b = sc_user("bob", 80, 24);
	struct tclient *t = tc_connect(&td, "third");

	EXPECT(t, MSG_ADDRESS_FULL);
	EXPECT_CLOSED(t);
	tc_close(t);
	tc_close(a);
	usleep(200000);
	t = tc_user("carol");
	tc_close(t);
	tc_close(b);
}
END_TEST

/*
 * Shutdown: the notice, shutdownGrace, then the terminal restored and the
 * goodbye on its own line; no pty, no escape sequence.
 */
START_TEST(test_shutdown)
{
	struct tclient *a = ssh_chatter("alice", 80, 24);
	struct tclient *p = sc_user("bot", 0, 0);
	struct tclient *t = tc_user("carol");
	static const char bye[] = ESC "[r" ESC "[m" ESC "[24;1H\r\n"
	    MSG_SHUTDOWN_BYE "\r\n";
	long t0, took;

	tc_drain(a, 100);
	t0 = now_ms();
	ck_assert(kill(td.pid, SIGTERM) == 0);
	EXPECT(a, MSG_SHUTDOWN, 2);
	EXPECT(p, MSG_SHUTDOWN "\r\n", 2);
	EXPECT(t, MSG_SHUTDOWN "\r\n", 2);
	ck_assert(tc_expect_raw(a, bye, sizeof bye - 1, 5000) == 0);
	took = now_ms() - t0;
	ck_assert_msg(took >= 1700, "goodbye after %ld ms of 2 s", took);
	EXPECT(p, MSG_SHUTDOWN_BYE "\r\n");
	EXPECT(t, MSG_SHUTDOWN_BYE "\r\n");
	EXPECT_CLOSED(a);
	EXPECT_CLOSED(p);
	ck_assert_msg(p->nesc == 0, "a client without a pty got ESC bytes");
	exits_zero(3000);
	tc_close(a);
	tc_close(p);
	tc_close(t);
}
END_TEST

/* No host key file: an ed25519 key is made 0600 (umask 000) and reused. */
START_TEST(test_hostkey_generated)
{
	char *dir = test_mkdtemp(), key[T_PATH], *fp, *fp2, *log, *k1, *k2;
	struct stat st;

	snprintf(key, sizeof key, "%s/sub_key", dir);
	umask(000);
	hostkey_config(key);
	ck_assert_msg(stat(key, &st) == 0, "%s not created", key);
	ck_assert_msg((st.st_mode & 07777) == 0600, "%s has mode %04o", key,
	    (unsigned)(st.st_mode & 07777));
	fp = hostkey_fingerprint();
	log = read_file(td.log);
	ck_assert_msg(log != NULL && strstr(log, fp) != NULL,
	    "the log does not show the fingerprint %s:\n%s", fp, log);
	free(log);
	k1 = read_file(key);
	daemon_stop(&td);

	hostkey_config(key);
	fp2 = hostkey_fingerprint();
	ck_assert_msg(strcmp(fp, fp2) == 0, "restart: %s, then %s", fp, fp2);
	k2 = read_file(key);
	ck_assert_msg(k1 != NULL && k2 != NULL && strcmp(k1, k2) == 0,
	    "the key file was rewritten");
	ck_assert(stat(key, &st) == 0 && (st.st_mode & 07777) == 0600);
	free(k1);
	free(k2);
	free(fp);
	free(fp2);
	unlink(key);
	rmdir(dir);
	free(dir);
}
END_TEST

/*
 * Nodes of a cluster share one host key path; started at the same moment,
 * they must all serve the one key that ends up in the file, or a user would
 * meet a changed host key from one node to the next.
 */
#define RACERS	8
START_TEST(test_hostkey_race)
{
	char *dir = test_mkdtemp(), key[T_PATH], conf[T_PATH], log[T_PATH];
	char json[T_PATH * 3], *text, *p, *want;
	const char *bin = getenv("CHATSOCKD");
	ssh_key k;
	pid_t pid[RACERS];
	long deadline;
	int i, fd, seen;

	ck_assert(bin != NULL);
	snprintf(key, sizeof key, "%s/shared_key", dir);
	for (i = 0; i < RACERS; i++) {
		snprintf(conf, sizeof conf, "%s/c%d.json", dir, i);
		snprintf(json, sizeof json, "{\"host\": \"127.0.0.1\", "
		    "\"port\": 0, \"ssh\": {\"host\": \"127.0.0.1\", "
		    "\"port\": 0, \"hostKey\": \"%s\"}, \"adminSocket\": "
		    "\"%s/a%d.sock\", \"accountsFile\": \"%s/acc%d\"}", key,
		    dir, i, dir, i);
		write_file(conf, json);
	}
	for (i = 0; i < RACERS; i++) {
		snprintf(conf, sizeof conf, "%s/c%d.json", dir, i);
		snprintf(log, sizeof log, "%s/log%d", dir, i);
		ck_assert((pid[i] = fork()) != -1);
		if (pid[i] == 0) {
			if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC,
			    0600)) == -1 || dup2(fd, 2) == -1)
				_exit(127);
			execl(bin, "chatsockd", "-c", conf, (char *)NULL);
			_exit(127);
		}
	}
	/* Each says which key it serves once it has one. */
	deadline = now_ms() + 10000L * t_slow();
	for (seen = 0; seen < RACERS && now_ms() < deadline; ) {
		usleep(50000);
		for (i = seen = 0; i < RACERS; i++) {
			snprintf(log, sizeof log, "%s/log%d", dir, i);
			text = read_file(log);
			seen += text != NULL && strstr(text, "listening for SSH") !=
			    NULL;
			free(text);
		}
	}
	for (i = 0; i < RACERS; i++)
		kill(pid[i], SIGTERM);
	for (i = 0; i < RACERS; i++)
		waitpid(pid[i], NULL, 0);
	ck_assert_msg(seen == RACERS, "%d of %d daemons started", seen,
	    RACERS);
	ck_assert(ssh_pki_import_privkey_file(key, NULL, NULL, NULL, &k) ==
	    SSH_OK);
	want = sc_fingerprint(k);
	ssh_key_free(k);
	for (i = 0; i < RACERS; i++) {
		snprintf(log, sizeof log, "%s/log%d", dir, i);
		text = read_file(log);
		ck_assert(text != NULL);
		p = strstr(text, "host key ");
		ck_assert_msg(p != NULL && strstr(p, want) != NULL,
		    "daemon %d serves another key than the file's %s:\n%s", i,
		    want, text);
		free(text);
		unlink(log);
		snprintf(conf, sizeof conf, "%s/c%d.json", dir, i);
		unlink(conf);
		snprintf(conf, sizeof conf, "%s/acc%d", dir, i);
		unlink(conf);
	}
	free(want);
	unlink(key);
	rmdir(dir);
	free(dir);
}
END_TEST

/* An invalid or unreadable host key file: no start, and its name said. */
START_TEST(test_hostkey_invalid)
{
	static const char *what[] = { "garbage", "empty", "directory" };
	char *dir = test_mkdtemp(), key[T_PATH], conf[T_PATH], *text;
	const char *argv[] = { getenv("CHATSOCKD"), "-c", conf, NULL };
	struct run_result r;
	int i;

	snprintf(conf, sizeof conf, "%s/chatsock.json", dir);
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof key, "%s/key-%s", dir, what[i]);
		if (i == 0)
			write_file(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n"
			    "bm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n");
		else if (i == 1)
			write_file(key, "");
		else
			ck_assert(mkdir(key, 0700) == 0);
		if (asprintf(&text, "{\"host\": \"127.0.0.1\", \"port\": 0, "
		    "\"adminSocket\": \"%s/admin.sock\", \"ssh\": {\"host\": "
		    "\"127.0.0.1\", \"port\": 0, \"hostKey\": \"%s\"}}\n", dir,
		    key) < 0)
			ck_abort_msg("asprintf");
		write_file(conf, text);
		free(text);
		ck_assert(run_program(argv, NULL, &r) == 0);
		ck_assert_msg(!r.timed_out, "chatsockd started with a %s host "
		    "key", what[i]);
		ck_assert_msg(r.status > 0, "exit status %d with a %s host key",
		    r.status, what[i]);
		ck_assert_msg(strstr(r.err, key) != NULL, "the error does not "
		    "name %s: %s", key, r.err);
		fprintf(stderr, "%s host key: %s", what[i], r.err);
		run_result_free(&r);
		if (i == 2)
			rmdir(key);
		else
			unlink(key);
	}
	unlink(conf);
	rmdir(dir);
	free(dir);
}
END_TEST

/* The hostkey tests start their own daemons. */
static void
setup_none(void)
{
}

static Suite *
ssh_suite(void)
{
	Suite *s = suite_create("ssh");
	TCase *tc;

	tc = tcase_ssh("chat", setup);
	tcase_add_test(tc, test_chat_both_ways);
	tcase_add_test(tc, test_name_from_user);
	tcase_add_test(tc, test_name_taken);
	tcase_add_test(tc, test_name_invalid);
	tcase_add_test(tc, test_no_pty_plain);
	tcase_add_test(tc, test_fingerprint_listall);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("terminal", setup);
	tcase_add_test(tc, test_pty_size_resize);
	tcase_add_test(tc, test_editor_keys);
	tcase_add_test(tc, test_ctrl_c_and_q);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("refused", setup);
	tcase_add_test(tc, test_exec_refused);
	tcase_add_test(tc, test_sftp_refused);
	tcase_add_test(tc, test_x11_refused);
	tcase_add_test(tc, test_agent_refused);
	tcase_add_test(tc, test_forwarding_refused);
	tcase_add_test(tc, test_dh_group18_refused);
	tcase_add_test(tc, test_no_key_refused);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("openssh", setup);
	tcase_add_test(tc, test_openssh_no_key);
	tcase_add_test(tc, test_openssh_interop);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("slow", setup_slow);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_slow_reader);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("storm", setup_storm);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_handshake_storm);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("grace", setup_grace);
	tcase_add_test(tc, test_login_grace);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("limits", setup_per_address);
	tcase_add_test(tc, test_per_address);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("shutdown", setup_shutdown);
	tcase_add_test(tc, test_shutdown);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostkey");
	tcase_set_timeout(tc, T_TCASE);
	tcase_add_checked_fixture(tc, setup_none, daemon_teardown);
	tcase_add_test(tc, test_hostkey_generated);
	tcase_add_test(tc, test_hostkey_invalid);
	tcase_add_test(tc, test_hostkey_race);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(ssh_suite()));
}
