/* SSH test clients: libssh in the test process, and OpenSSH under a pty. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
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

/* One client's own state, behind tclient->arg. */
struct sc {
	ssh_session	 s;		/* libssh client, or NULL for a pty */
	ssh_channel	 ch;
	int		 fd;		/* the TCP socket, or the pty master */
	int		 connected;	/* ssh_connect() has the socket */
	pid_t		 pid;		/* the pty's program */
	int		 status;	/* its wait status once reaped */
	int		 reaped;
};

static ssize_t	 sc_recv(struct tclient *, void *, size_t, int);
static int	 sc_send(struct tclient *, const void *, size_t);
static void	 sc_free(struct tclient *);
static ssize_t	 pty_recv(struct tclient *, void *, size_t, int);
static int	 pty_send(struct tclient *, const void *, size_t);
static void	 pty_free(struct tclient *);
static int	 pty_reap(struct sc *p, int ms);

static const struct tc_ops sc_ops = { sc_recv, sc_send, sc_free };
static const struct tc_ops pty_ops = { pty_recv, pty_send, pty_free };

ssh_key	 sc_hostkey;

/* The directory of the pinned host key of the running test. */
static char	*keydir;

/* Start td with an SSH listener and a pinned host key; see ssh-client.h. */
void
ssh_daemon_start(const char *json)
{
	char path[T_PATH], *conf;

	keydir = test_mkdtemp();
	snprintf(path, sizeof path, "%s/ssh_host_ed25519_key", keydir);
	sc_hostkey = sc_keygen();
	ck_assert_msg(ssh_pki_export_privkey_file(sc_hostkey, NULL, NULL, NULL,
	    path) == SSH_OK, "cannot write %s", path);
	ck_assert(chmod(path, 0600) == 0);
	/* host and port given: the harness drops defaults named in json. */
	if (asprintf(&conf, "\"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"ssh\": {\"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"hostKey\": \"%s\"}%s%s", path, *json ? ", " : "", json) < 0)
		ck_abort_msg("asprintf");
	daemon_start(&td, conf);
	free(conf);
	ck_assert_msg(td.ssh_port > 0, "the port file has no SSH port on its "
	    "second line");
}

/* Remove the host key, then stop the daemon as daemon_teardown does. */
void
ssh_daemon_teardown(void)
{
	char path[T_PATH];

	if (keydir != NULL) {
		snprintf(path, sizeof path, "%s/ssh_host_ed25519_key", keydir);
		unlink(path);
		rmdir(keydir);
		free(keydir);
		keydir = NULL;
	}
	daemon_teardown();
}

/* A tcase whose tests each get a daemon with an SSH listener. */
TCase *
tcase_ssh(const char *name, void (*setup)(void))
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, T_TCASE);
	tcase_add_checked_fixture(tc, setup, ssh_daemon_teardown);
	return (tc);
}

/* A fresh ed25519 key. */
ssh_key
sc_keygen(void)
{
	ssh_key key = NULL;

	ck_assert_msg(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) ==
	    SSH_OK, "ssh_pki_generate failed");
	return (key);
}

/* The SHA256 fingerprint as OpenSSH shows it. */
char *
sc_fingerprint(ssh_key key)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp, *out;

	ck_assert(ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256,
	    &hash, &hlen) == 0);
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ck_assert(fp != NULL);
	out = strdup(fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ck_assert(out != NULL);
	return (out);
}

/* A known_hosts line pinning key for d's SSH port. */
char *
sc_known_hosts(struct daemon *d, ssh_key key)
{
	char *b64 = NULL, *line;

	ck_assert(ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK);
	if (asprintf(&line, "[%s]:%d %s %s\n", d->host, d->ssh_port,
	    ssh_key_type_to_char(ssh_key_type(key)), b64) < 0)
		ck_abort_msg("asprintf");
	ssh_string_free_char(b64);
	return (line);
}

/* A socket to d's SSH port under a libssh session for user. */
struct tclient *
sc_new(struct daemon *d, const char *label, const char *user, int rcvbuf)
{
	struct sockaddr_in sin;
	struct sc *p;
	long timeout = 10L * t_slow();
	int one = 1, no = 0;

	ck_assert_msg(d->ssh_port > 0, "the daemon has no SSH port");
	p = calloc(1, sizeof *p);
	ck_assert(p != NULL);
	ck_assert((p->fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (rcvbuf > 0)
		ck_assert(setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof rcvbuf) == 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(d->ssh_port);
	ck_assert(inet_pton(AF_INET, d->host, &sin.sin_addr) == 1);
	ck_assert_msg(connect(p->fd, (struct sockaddr *)&sin, sizeof sin) == 0,
	    "%s: connect to SSH port %d: %s", label, d->ssh_port,
	    strerror(errno));

	ck_assert((p->s = ssh_new()) != NULL);
	ssh_options_set(p->s, SSH_OPTIONS_FD, &p->fd);
	ssh_options_set(p->s, SSH_OPTIONS_HOST, d->host);
	ssh_options_set(p->s, SSH_OPTIONS_PORT, &d->ssh_port);
	ssh_options_set(p->s, SSH_OPTIONS_USER, user);
	ssh_options_set(p->s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(p->s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	ssh_options_set(p->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	ssh_options_set(p->s, SSH_OPTIONS_TIMEOUT, &timeout);
	return (tc_new_ops(label, &sc_ops, p));
}

/* The libssh session of an SSH client. */
ssh_session
sc_session(struct tclient *c)
{
	return (((struct sc *)c->arg)->s);
}

/* Its channel (NULL before sc_channel). */
ssh_channel
sc_chan(struct tclient *c)
{
	return (((struct sc *)c->arg)->ch);
}

/* Key exchange, then check the host key against the pinned one. */
int
sc_kex(struct tclient *c, const char *kex)
{
	struct sc *p = c->arg;
	ssh_key key = NULL;
	int r = 0;

	if (kex != NULL)
		ssh_options_set(p->s, SSH_OPTIONS_KEY_EXCHANGE, kex);
	p->connected = 1;
	if (ssh_connect(p->s) != SSH_OK) {
		fprintf(stderr, "%s: key exchange failed: %s\n", c->label,
		    ssh_get_error(p->s));
		return (-1);
	}
	if (ssh_get_server_publickey(p->s, &key) != SSH_OK) {
		fprintf(stderr, "%s: no host key\n", c->label);
		return (-1);
	}
	if (sc_hostkey != NULL &&
	    ssh_key_cmp(key, sc_hostkey, SSH_KEY_CMP_PUBLIC) != 0) {
		fprintf(stderr, "%s: the host key is not the pinned one\n",
		    c->label);
		r = -1;
	}
	ssh_key_free(key);
	return (r);
}

/* Log in with a public key. */
int
sc_auth(struct tclient *c, ssh_key key)
{
	struct sc *p = c->arg;
	int r = ssh_userauth_publickey(p->s, NULL, key);

	if (r != SSH_AUTH_SUCCESS)
		fprintf(stderr, "%s: public key refused (%d): %s\n", c->label,
		    r, ssh_get_error(p->s));
	return (r);
}

/* Open a session channel. */
int
sc_channel(struct tclient *c)
{
	struct sc *p = c->arg;

	if ((p->ch = ssh_channel_new(p->s)) == NULL ||
	    ssh_channel_open_session(p->ch) != SSH_OK) {
		fprintf(stderr, "%s: channel refused: %s\n", c->label,
		    ssh_get_error(p->s));
		return (-1);
	}
	return (0);
}

/* Ask for a pty. */
int
sc_pty(struct tclient *c, unsigned cols, unsigned rows)
{
	struct sc *p = c->arg;

	if (ssh_channel_request_pty_size(p->ch, "xterm", cols, rows) !=
	    SSH_OK) {
		fprintf(stderr, "%s: pty refused: %s\n", c->label,
		    ssh_get_error(p->s));
		return (-1);
	}
	return (0);
}

/* Tell the server the window changed. */
int
sc_resize(struct tclient *c, unsigned cols, unsigned rows)
{
	struct sc *p = c->arg;

	return (ssh_channel_change_pty_size(p->ch, cols, rows) == SSH_OK ?
	    0 : -1);
}

/* Ask for the shell. */
int
sc_shell(struct tclient *c)
{
	struct sc *p = c->arg;

	if (ssh_channel_request_shell(p->ch) != SSH_OK) {
		fprintf(stderr, "%s: shell refused: %s\n", c->label,
		    ssh_get_error(p->s));
		return (-1);
	}
	return (0);
}

/* Every step up to the shell, failing the test if one fails. */
struct tclient *
sc_open(const char *user, ssh_key key, unsigned cols, unsigned rows)
{
	struct tclient *c = sc_new(&td, user, user, 0);
	ssh_key k = key != NULL ? key : sc_keygen();

	ck_assert_msg(sc_kex(c, NULL) == 0, "%s: key exchange", user);
	ck_assert_msg(sc_auth(c, k) == SSH_AUTH_SUCCESS, "%s: auth", user);
	ck_assert_msg(sc_channel(c) == 0, "%s: channel", user);
	if (rows != 0)
		ck_assert_msg(sc_pty(c, cols, rows) == 0, "%s: pty", user);
	ck_assert_msg(sc_shell(c) == 0, "%s: shell", user);
	if (key == NULL)
		ssh_key_free(k);
	return (c);
}

/* An SSH user at the palette. */
struct tclient *
sc_user(const char *user, unsigned cols, unsigned rows)
{
	struct tclient *c = sc_open(user, NULL, cols, rows);

	EXPECT(c, MSG_NAME_OK, user);
	ck_assert(tc_expect(c, MSG_PROMPT, T_WAIT) == 0);
	return (c);
}

/*
 * Channel data (stdout, then stderr) within timeout_ms: 0 if none came, -1
 * once the channel or the session is gone.
 */
static ssize_t
sc_recv(struct tclient *c, void *buf, size_t len, int timeout_ms)
{
	struct sc *p = c->arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	long deadline = now_ms() + timeout_ms, left;
	int n, e;

	if (len > 65536)
		len = 65536;
	for (;;) {
		if (p->ch == NULL || !ssh_is_connected(p->s))
			return (-1);
		n = ssh_channel_read_nonblocking(p->ch, buf, len, 0);
		if (n > 0)
			return (n);
		e = ssh_channel_read_nonblocking(p->ch, buf, len, 1);
		if (e > 0)
			return (e);
		if (n < 0 || e < 0 || ssh_channel_is_eof(p->ch) ||
		    ssh_channel_is_closed(p->ch))
			return (-1);
		if ((left = deadline - now_ms()) <= 0)
			return (0);
		poll(&pfd, 1, left > 50 ? 50 : (int)left);
	}
}

/* Channel data out; blocks while the window is full (session timeout). */
static int
sc_send(struct tclient *c, const void *buf, size_t len)
{
	struct sc *p = c->arg;

	if (p->ch == NULL || ssh_channel_write(p->ch, buf, len) != (int)len) {
		fprintf(stderr, "%s: channel write failed: %s\n", c->label,
		    ssh_get_error(p->s));
		return (-1);
	}
	return (0);
}

/* Close the session (libssh closes a socket it connected over). */
static void
sc_free(struct tclient *c)
{
	struct sc *p = c->arg;

	if (p->ch != NULL)
		ssh_channel_free(p->ch);
	if (p->connected)
		ssh_disconnect(p->s);
	else
		close(p->fd);
	ssh_free(p->s);
	free(p);
}

/* Run argv under a new pty; see ssh-client.h. */
struct tclient *
pty_spawn(const char *label, const char *const argv[], unsigned cols,
    unsigned rows)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	struct sc *p;
	pid_t parent = getpid();

	p = calloc(1, sizeof *p);
	ck_assert(p != NULL);
	p->pid = forkpty(&p->fd, NULL, NULL, &ws);
	ck_assert_msg(p->pid != -1, "forkpty: %s", strerror(errno));
	if (p->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		setenv("TERM", "xterm", 1);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return (tc_new_ops(label, &pty_ops, p));
}

/* What the program wrote to its terminal; -1 once it is all closed. */
static ssize_t
pty_recv(struct tclient *c, void *buf, size_t len, int timeout_ms)
{
	struct sc *p = c->arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return (0);
	if ((n = read(p->fd, buf, len)) <= 0) {
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			return (0);
		return (-1);
	}
	return (n);
}

/* Type on the program's terminal. */
static int
pty_send(struct tclient *c, const void *buf, size_t len)
{
	struct sc *p = c->arg;
	const char *s = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(p->fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: pty write: %s\n", c->label,
			    strerror(errno));
			return (-1);
		}
		s += n;
		len -= n;
	}
	return (0);
}

/* Reap the program within ms: 0, or -1 if it still runs. */
static int
pty_reap(struct sc *p, int ms)
{
	long deadline = now_ms() + ms;
	pid_t r;

	while (!p->reaped) {
		if ((r = waitpid(p->pid, &p->status, WNOHANG)) == p->pid)
			p->reaped = 1;
		else if (r == -1 || now_ms() >= deadline)
			return (-1);
		else
			usleep(10000);
	}
	return (0);
}

/* End the program if it still runs, and close the pty. */
static void
pty_free(struct tclient *c)
{
	struct sc *p = c->arg;

	if (!p->reaped) {
		kill(p->pid, SIGTERM);
		if (pty_reap(p, 1000) == -1) {
			kill(p->pid, SIGKILL);
			pty_reap(p, 5000);
		}
	}
	close(p->fd);
	free(p);
}

/* Wait for the program to exit, reading its output meanwhile. */
int
pty_wait(struct tclient *c, int ms)
{
	struct sc *p = c->arg;
	long deadline = now_ms() + (long)ms * t_slow();

	while (pty_reap(p, 0) == -1) {
		if (now_ms() >= deadline)
			return (-1);
		tc_drain(c, 50);
	}
	if (!WIFEXITED(p->status))
		return (-1);
	return (WEXITSTATUS(p->status));
}
