/*
 * SSH users: libssh server sessions driven by the one event loop.
 *
 * Every session is non-blocking and has its own ssh_event (sharing one
 * makes every write poll every session). The socket's read event runs the
 * key exchange, then ssh_event_dopoll(); libssh's callbacks only record
 * what happened or append to the input buffer, because libssh may run them
 * from inside a write as well as a read. Input is decoded after libssh
 * returns, and output leaves c->out once per loop turn, never more than the
 * channel window takes and never while libssh still holds unsent bytes, so
 * a client that does not read fills c->out and meets the output cap.
 *
 * A connection is a client from accept on, so maxClients, the per-address
 * count and the close order apply from the first byte; the conversation
 * starts when the shell is requested, named after the SSH user.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "client.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "messages.h"
#include "proto.h"
#include "server.h"
#include "sshd.h"
#include "term.h"
#include "xmalloc.h"

/* Connection flags. */
#define SSHD_KEX	0x01	/* key exchange done */
#define SSHD_AUTHED	0x02	/* a signed public key was accepted */
#define SSHD_PTY	0x04	/* a pty was requested */
#define SSHD_SHELL	0x08	/* the conversation runs */
#define SSHD_STARTUP	0x10	/* counted in sshd_startups */
#define SSHD_NOREAD	0x20	/* input paused */
#define SSHD_EOF	0x40	/* the client sent EOF */

struct sshd_conn {
	struct client		*c;
	ssh_session		 session;
	ssh_channel		 channel;
	ssh_event		 sev;
	struct event		*rev;		/* the socket is readable */
	struct event		*wev;		/* libssh has bytes to send */
	struct event		*kick;		/* work a callback left */
	struct event		*grace;		/* sshLoginGrace */
	struct evbuffer		*in;		/* channel data not decoded */
	int			 flags;
	int			 exit_status;
	unsigned		 cols;
	unsigned		 rows;
	char			 user[SSHD_USER_MAX + 1];
	struct ssh_server_callbacks_struct scb;
	struct ssh_channel_callbacks_struct ccb;
};

static ssh_bind		 sshd_bind;
static unsigned		 sshd_startups;

static ssh_key	sshd_load_key(const char *path, char **cause);
static ssh_key	sshd_create_key(const char *path, char **cause);
static int	sshd_fingerprint(ssh_key key, char *buf, size_t size);
static void	sshd_send(struct client *c);
static void	sshd_read(struct client *c, int on);
static void	sshd_linger(struct client *c);
static void	sshd_prompted(struct client *c);
static void	sshd_free_conn(struct client *c);
static void	sshd_kex(struct sshd_conn *conn);
static void	sshd_after(struct sshd_conn *conn);
static void	sshd_started(struct sshd_conn *conn);
static void	sshd_refuse(struct sshd_conn *conn, const char *why,
		    const char *reason);
static void	sshd_read_cb(evutil_socket_t fd, short what, void *arg);
static void	sshd_write_cb(evutil_socket_t fd, short what, void *arg);
static void	sshd_kick_cb(evutil_socket_t fd, short what, void *arg);
static void	sshd_grace_cb(evutil_socket_t fd, short what, void *arg);
static int	sshd_auth_pubkey(ssh_session s, const char *user,
		    struct ssh_key_struct *key, char state, void *arg);
static ssh_channel sshd_channel_open(ssh_session s, void *arg);
static int	sshd_pty(ssh_session s, ssh_channel ch, const char *term,
		    int cols, int rows, int pxw, int pxh, void *arg);
static int	sshd_window(ssh_session s, ssh_channel ch, int cols, int rows,
		    int pxw, int pxh, void *arg);
static int	sshd_shell(ssh_session s, ssh_channel ch, void *arg);
static int	sshd_exec(ssh_session s, ssh_channel ch, const char *cmd,
		    void *arg);
static int	sshd_subsystem(ssh_session s, ssh_channel ch,
		    const char *name, void *arg);
static void	sshd_agent(ssh_session s, ssh_channel ch, void *arg);
static void	sshd_x11(ssh_session s, ssh_channel ch, int single,
		    const char *proto, const char *cookie, uint32_t screen,
		    void *arg);
static int	sshd_data(ssh_session s, ssh_channel ch, void *data,
		    uint32_t len, int is_stderr, void *arg);
static void	sshd_eof(ssh_session s, ssh_channel ch, void *arg);
static void	sshd_close(ssh_session s, ssh_channel ch, void *arg);
static int	sshd_wontblock(ssh_session s, ssh_channel ch, uint32_t bytes,
		    void *arg);

static const struct client_transport sshd_transport = {
	.name = "ssh",
	.send = sshd_send,
	.read = sshd_read,
	.linger = sshd_linger,
	.prompted = sshd_prompted,
	.free = sshd_free_conn,
};

static const struct proto_ops sshd_proto_ops = {
	.line = client_proto_line,
	.key = client_proto_key,
	.overlong = client_proto_overlong,
	.interrupt = client_proto_interrupt,
};

/* The host key and the server settings every session copies. */
int
sshd_init(const struct config *cfg, char **cause)
{
	static const char kex[] = "curve25519-sha256,curve25519-sha256@libssh.org";
	ssh_key key;
	bool no = false;
	int verbosity = SSH_LOG_NOLOG;

	if (!cfg->ssh.enabled)
		return (0);
	if ((key = sshd_load_key(cfg->ssh.host_key, cause)) == NULL)
		return (-1);
	sshd_bind = ssh_bind_new();
	if (sshd_bind == NULL ||
	    ssh_bind_options_set(sshd_bind, SSH_BIND_OPTIONS_PROCESS_CONFIG,
	    &no) != SSH_OK ||
	    ssh_bind_options_set(sshd_bind, SSH_BIND_OPTIONS_LOG_VERBOSITY,
	    &verbosity) != SSH_OK ||
	    ssh_bind_options_set(sshd_bind, SSH_BIND_OPTIONS_KEY_EXCHANGE,
	    kex) != SSH_OK ||
	    ssh_bind_options_set(sshd_bind,
	    SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, "ssh-ed25519") != SSH_OK ||
	    ssh_bind_options_set(sshd_bind, SSH_BIND_OPTIONS_IMPORT_KEY,
	    key) != SSH_OK) {
		xasprintf(cause, "cannot set up the SSH server: %s",
		    sshd_bind == NULL ? "out of memory" :
		    ssh_get_error(sshd_bind));
		ssh_key_free(key);
		sshd_free();
		return (-1);
	}
	return (0);
}

/* At exit. */
void
sshd_free(void)
{
	if (sshd_bind != NULL)
		ssh_bind_free(sshd_bind);
	sshd_bind = NULL;
}

/*
 * The host key at path; created (ed25519, 0600) if there is none. A file
 * that cannot be read or is not an ed25519 key refuses to start.
 */
static ssh_key
sshd_load_key(const char *path, char **cause)
{
	struct stat st;
	ssh_key key = NULL;
	char fp[SSHD_FINGERPRINT_MAX];

	if (stat(path, &st) == -1 && errno == ENOENT)
		return (sshd_create_key(path, cause));
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) !=
	    SSH_OK) {
		xasprintf(cause, "%s: cannot read the SSH host key (expected "
		    "an ed25519 private key in OpenSSH format%s)", path,
		    access(path, R_OK) != 0 ? ", readable by this user" : "");
		return (NULL);
	}
	if (ssh_key_type(key) != SSH_KEYTYPE_ED25519) {
		xasprintf(cause, "%s: the SSH host key is %s, expected "
		    "ed25519", path, ssh_key_type_to_char(ssh_key_type(key)));
		ssh_key_free(key);
		return (NULL);
	}
	sshd_fingerprint(key, fp, sizeof fp);
	log_info("SSH host key %s: %s", path, fp);
	return (key);
}

/* A new ed25519 host key, written 0600 whatever the umask. */
static ssh_key
sshd_create_key(const char *path, char **cause)
{
	ssh_key key = NULL;
	char *tmp, *copy, fp[SSHD_FINGERPRINT_MAX];
	mode_t mask;
	int rc, error;

	copy = xstrdup(path);
	if (mkdir(dirname(copy), 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "%s: cannot create the directory for the SSH "
		    "host key: %s", path, strerror(errno));
		free(copy);
		return (NULL);
	}
	free(copy);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		xasprintf(cause, "cannot generate an SSH host key");
		return (NULL);
	}
	/*
	 * Written aside, then linked into place: link() never replaces, so
	 * of several daemons starting together on one path (the nodes of a
	 * cluster) one key wins and the others load it.
	 */
	xasprintf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	unlink(tmp);
	mask = umask(077);
	rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, tmp);
	umask(mask);
	if (rc != SSH_OK || chmod(tmp, 0600) != 0 || link(tmp, path) != 0) {
		error = errno;
		unlink(tmp);
		free(tmp);
		ssh_key_free(key);
		if (rc == SSH_OK && error == EEXIST)
			return (sshd_load_key(path, cause));
		xasprintf(cause, "%s: cannot write the SSH host key: %s", path,
		    strerror(error));
		return (NULL);
	}
	unlink(tmp);
	free(tmp);
	sshd_fingerprint(key, fp, sizeof fp);
	log_info("created SSH host key %s: %s", path, fp);
	return (key);
}

/* "SHA256:..." of a key, as OpenSSH shows it. */
static int
sshd_fingerprint(ssh_key key, char *buf, size_t size)
{
	unsigned char *hash = NULL;
	size_t hlen;
	char *text;

	buf[0] = '\0';
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != SSH_OK)
		return (-1);
	text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (text == NULL)
		return (-1);
	snprintf(buf, size, "%s", text);
	ssh_string_free_char(text);
	return (0);
}

/* Whether a handshake may start: at most sshMaxStartups at once. */
int
sshd_may_accept(void)
{
	return (sshd_bind != NULL &&
	    sshd_startups < server.cfg->ssh_max_startups);
}

/* Take an accepted socket into a libssh session and start the handshake. */
struct client *
sshd_accept(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct timeval tv = { server.cfg->ssh_login_grace, 0 };
	struct sshd_conn *conn;
	struct client *c;

	c = client_new(&sshd_transport, fd, sa, len, evbuffer_new());
	conn = xcalloc(1, sizeof *conn);
	conn->c = c;
	c->ssh = conn;
	c->proto = proto_new(&sshd_proto_ops, c);
	proto_set_telnet(c->proto, 0);
	conn->in = evbuffer_new();
	conn->rev = event_new(server.base, fd, EV_READ | EV_PERSIST,
	    sshd_read_cb, conn);
	conn->wev = event_new(server.base, fd, EV_WRITE, sshd_write_cb, conn);
	conn->kick = event_new(server.base, -1, 0, sshd_kick_cb, conn);
	conn->grace = evtimer_new(server.base, sshd_grace_cb, conn);
	conn->flags |= SSHD_STARTUP;
	sshd_startups++;
	evtimer_add(conn->grace, &tv);

	conn->session = ssh_new();
	ssh_callbacks_init(&conn->scb);
	conn->scb.userdata = conn;
	conn->scb.auth_pubkey_function = sshd_auth_pubkey;
	conn->scb.channel_open_request_session_function = sshd_channel_open;
	if (conn->session == NULL ||
	    ssh_set_server_callbacks(conn->session, &conn->scb) != SSH_OK ||
	    ssh_bind_accept_fd(sshd_bind, conn->session, fd) != SSH_OK) {
		if (conn->session == NULL || ssh_get_fd(conn->session) != fd)
			close(fd);
		client_drop(c, "cannot start an SSH session");
		return (c);
	}
	ssh_set_blocking(conn->session, 0);
	ssh_set_auth_methods(conn->session, SSH_AUTH_METHOD_PUBLICKEY);
	event_add(conn->rev, NULL);
	sshd_kex(conn);
	return (c);
}

/* Go on with the key exchange; once done, the session gets its event. */
static void
sshd_kex(struct sshd_conn *conn)
{
	int rc = ssh_handle_key_exchange(conn->session);

	/* libssh before 0.12 may reach "authenticated" without SSH_OK. */
	if (rc == SSH_AGAIN && !(conn->flags & SSHD_AUTHED))
		return;
	if (rc == SSH_ERROR) {
		client_drop(conn->c, "SSH key exchange failed");
		log_debug("client %s: %s", client_addr(conn->c),
		    ssh_get_error(conn->session));
		return;
	}
	conn->flags |= SSHD_KEX;
	conn->sev = ssh_event_new();
	ssh_event_add_session(conn->sev, conn->session);
}

/* The socket is readable: let libssh work, then act on what it did. */
static void
sshd_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sshd_conn *conn = arg;
	struct client *c = conn->c;

	(void)fd;
	(void)what;
	if (c->flags & CLIENT_DEAD)
		return;
	if (!(conn->flags & SSHD_KEX)) {
		sshd_kex(conn);
		if (!(conn->flags & SSHD_KEX) || (c->flags & CLIENT_CLOSING)) {
			if (!(c->flags & CLIENT_DEAD) && ssh_get_status(
			    conn->session) & SSH_WRITE_PENDING)
				event_add(conn->wev, NULL);
			return;
		}
	}
	ssh_event_dopoll(conn->sev, 0);
	sshd_after(conn);
}

/* libssh held output back: now the socket takes more. */
static void
sshd_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sshd_conn *conn = arg;

	sshd_read_cb(fd, what, arg);
	if (!(conn->c->flags & CLIENT_DEAD) && (conn->c->flags &
	    CLIENT_WRITING) && !(ssh_get_status(conn->session) &
	    SSH_WRITE_PENDING))
		sshd_send(conn->c);
}

/* Work left by a callback: pending input, or a window that opened. */
static void
sshd_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)fd;
	(void)what;
	if (conn->c->flags & CLIENT_DEAD)
		return;
	if (conn->c->flags & CLIENT_WRITING)
		sshd_send(conn->c);
	sshd_after(conn);
}

/*
 * After libssh ran: decode the input its callbacks kept, close on EOF,
 * wait for the socket while libssh holds output, end a lingering close.
 */
static void
sshd_after(struct sshd_conn *conn)
{
	struct client *c = conn->c;
	int status;

	if (c->flags & CLIENT_DEAD)
		return;
	status = ssh_get_status(conn->session);
	if (!(conn->flags & SSHD_NOREAD) && (conn->flags & SSHD_SHELL))
		client_decode(c, conn->in);
	if (status & (SSH_CLOSED | SSH_CLOSED_ERROR)) {
		if (c->flags & CLIENT_LINGER)
			client_bury(c);
		else
			client_drop(c, "connection closed by peer");
		return;
	}
	if ((conn->flags & SSHD_EOF) && evbuffer_get_length(conn->in) == 0)
		client_close(c, "connection closed by peer");
	if (status & SSH_WRITE_PENDING)
		event_add(conn->wev, NULL);
	/* Lingering: the client's own channel close ends it (sshd_close). */
}

/*
 * Write c->out as far as the channel window goes, and only while libssh
 * has sent what it had: its own buffer never grows past one write.
 */
static void
sshd_send(struct client *c)
{
	struct sshd_conn *conn = c->ssh;
	size_t len;
	uint32_t window;
	int n;

	c->flags &= ~CLIENT_WRITING;
	while ((len = evbuffer_get_length(c->out)) > 0) {
		if (conn->channel == NULL || (c->flags & CLIENT_DEAD))
			return;
		if (ssh_get_status(conn->session) & SSH_WRITE_PENDING) {
			event_add(conn->wev, NULL);
			break;
		}
		if ((window = ssh_channel_window_size(conn->channel)) == 0)
			break;
		if (len > window)
			len = window;
		if (len > SSHD_WRITE_MAX)
			len = SSHD_WRITE_MAX;
		n = ssh_channel_write(conn->channel,
		    evbuffer_pullup(c->out, len), len);
		if (n == SSH_ERROR) {
			client_drop(c, "SSH write failed");
			return;
		}
		evbuffer_drain(c->out, n);
		if (n == 0)
			break;
	}
	if (evbuffer_get_length(c->out) > 0) {
		c->flags |= CLIENT_WRITING;
		return;
	}
	client_drained(c);
	/* A write can run libssh's callbacks: input may be waiting. */
	if (evbuffer_get_length(conn->in) > 0 || (conn->flags & SSHD_EOF))
		event_active(conn->kick, EV_TIMEOUT, 0);
}

/* Decode the user's input, or keep it (and the window) for later. */
static void
sshd_read(struct client *c, int on)
{
	struct sshd_conn *conn = c->ssh;

	if (!on) {
		conn->flags |= SSHD_NOREAD;
		return;
	}
	conn->flags &= ~SSHD_NOREAD;
	if (!(c->flags & CLIENT_DEAD))
		event_active(conn->kick, EV_TIMEOUT, 0);
}

/* Output sent: exit status, EOF and close, then wait for the peer. */
static void
sshd_linger(struct client *c)
{
	struct sshd_conn *conn = c->ssh;

	if (conn->channel == NULL || !ssh_channel_is_open(conn->channel)) {
		client_bury(c);
		return;
	}
	ssh_channel_request_send_exit_status(conn->channel,
	    conn->exit_status);
	ssh_channel_send_eof(conn->channel);
	ssh_channel_close(conn->channel);
	event_active(conn->kick, EV_TIMEOUT, 0);
}

/* A prompt waits: SSH needs no go-ahead. */
static void
sshd_prompted(struct client *c)
{
	(void)c;
}

/* Release the session, its events and buffers. */
static void
sshd_free_conn(struct client *c)
{
	struct sshd_conn *conn = c->ssh;

	event_free(conn->rev);
	event_free(conn->wev);
	event_free(conn->kick);
	event_free(conn->grace);
	if (conn->sev != NULL) {
		ssh_event_remove_session(conn->sev, conn->session);
		ssh_event_free(conn->sev);
	}
	if (conn->channel != NULL)
		ssh_channel_free(conn->channel);
	if (conn->session != NULL) {
		ssh_disconnect(conn->session);
		ssh_free(conn->session);
	}
	if (conn->flags & SSHD_STARTUP)
		sshd_startups--;
	evbuffer_free(conn->in);
	evbuffer_free(c->out);
	free(conn);
}

/* sshLoginGrace passed before a shell was asked for. */
static void
sshd_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)fd;
	(void)what;
	if (!(conn->flags & SSHD_SHELL))
		client_drop(conn->c, "SSH login grace time expired");
}

/* The shell runs: the handshake no longer counts, the conversation starts. */
static void
sshd_started(struct sshd_conn *conn)
{
	struct client *c = conn->c;

	conn->flags |= SSHD_SHELL;
	if (conn->flags & SSHD_STARTUP) {
		conn->flags &= ~SSHD_STARTUP;
		sshd_startups--;
	}
	evtimer_del(conn->grace);
	/* Without a pty: plain lines, not even a bell. */
	if (conn->flags & SSHD_PTY) {
		term_set_mode(c->term, TERM_SCREEN | TERM_EDIT);
		term_resize(c->term, conn->cols, conn->rows);
		proto_set_raw(c->proto, 1);
		c->flags |= CLIENT_TERMINAL;
	}
	client_start(c, conn->user);
}

/*
 * A request this server does not serve: say so on the channel's stderr,
 * which ssh shows even for sftp or a command, then close with status 1.
 */
static void
sshd_refuse(struct sshd_conn *conn, const char *why, const char *reason)
{
	char line[256];
	int n;

	if (conn->c->flags & CLIENT_CLOSING)
		return;
	n = snprintf(line, sizeof line, "%s\r\n", why);
	if (conn->channel != NULL)
		ssh_channel_write_stderr(conn->channel, line, n);
	conn->exit_status = 1;
	client_close(conn->c, reason);
}

/*
 * Public keys only, any key: a probe is answered yes, a signed request
 * makes the key this user's identity.
 */
static int
sshd_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key,
    char state, void *arg)
{
	struct sshd_conn *conn = arg;
	char fp[SSHD_FINGERPRINT_MAX], *b64 = NULL;

	(void)s;
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return (SSH_AUTH_SUCCESS);
	if (state != SSH_PUBLICKEY_STATE_VALID ||
	    sshd_fingerprint(key, fp, sizeof fp) != 0 ||
	    ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return (SSH_AUTH_DENIED);
	snprintf(conn->user, sizeof conn->user, "%s", user);
	free(conn->c->fingerprint);
	conn->c->fingerprint = xstrdup(fp);
	free(conn->c->pubkey);
	xasprintf(&conn->c->pubkey, "%s %s",
	    ssh_key_type_to_char(ssh_key_type(key)), b64);
	ssh_string_free_char(b64);
	conn->flags |= SSHD_AUTHED;
	return (SSH_AUTH_SUCCESS);
}

/* One session channel per connection, after authentication. */
static ssh_channel
sshd_channel_open(ssh_session s, void *arg)
{
	struct sshd_conn *conn = arg;

	if (conn->channel != NULL || !(conn->flags & SSHD_AUTHED))
		return (NULL);
	if ((conn->channel = ssh_channel_new(s)) == NULL)
		return (NULL);
	ssh_callbacks_init(&conn->ccb);
	conn->ccb.userdata = conn;
	conn->ccb.channel_data_function = sshd_data;
	conn->ccb.channel_eof_function = sshd_eof;
	conn->ccb.channel_close_function = sshd_close;
	conn->ccb.channel_pty_request_function = sshd_pty;
	conn->ccb.channel_shell_request_function = sshd_shell;
	conn->ccb.channel_auth_agent_req_function = sshd_agent;
	conn->ccb.channel_x11_req_function = sshd_x11;
	conn->ccb.channel_pty_window_change_function = sshd_window;
	conn->ccb.channel_exec_request_function = sshd_exec;
	conn->ccb.channel_subsystem_request_function = sshd_subsystem;
	conn->ccb.channel_write_wontblock_function = sshd_wontblock;
	ssh_set_channel_callbacks(conn->channel, &conn->ccb);
	return (conn->channel);
}

/* pty-req: the terminal's size (its type is not needed: no colour). */
static int
sshd_pty(ssh_session s, ssh_channel ch, const char *term, int cols, int rows,
    int pxw, int pxh, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)s;
	(void)ch;
	(void)term;
	(void)pxw;
	(void)pxh;
	if ((conn->flags & SSHD_SHELL) || (conn->c->flags & CLIENT_CLOSING))
		return (-1);
	conn->flags |= SSHD_PTY;
	conn->cols = cols < 0 ? 0 : (unsigned)cols;
	conn->rows = rows < 0 ? 0 : (unsigned)rows;
	return (0);
}

/* window-change: a new size, redrawn once it settles. */
static int
sshd_window(ssh_session s, ssh_channel ch, int cols, int rows, int pxw,
    int pxh, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)s;
	(void)ch;
	(void)pxw;
	(void)pxh;
	conn->cols = cols < 0 ? 0 : (unsigned)cols;
	conn->rows = rows < 0 ? 0 : (unsigned)rows;
	if ((conn->flags & (SSHD_SHELL | SSHD_PTY)) ==
	    (SSHD_SHELL | SSHD_PTY))
		client_resize(conn->c, conn->cols, conn->rows);
	return (0);
}

/* shell: the chat. */
static int
sshd_shell(ssh_session s, ssh_channel ch, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)s;
	(void)ch;
	/* Not twice, and not after a refusal closed the connection. */
	if ((conn->flags & SSHD_SHELL) || (conn->c->flags & CLIENT_CLOSING))
		return (-1);
	sshd_started(conn);
	return (0);
}

/* exec: no commands here. */
static int
sshd_exec(ssh_session s, ssh_channel ch, const char *cmd, void *arg)
{
	(void)s;
	(void)ch;
	(void)cmd;
	sshd_refuse(arg, MSG_SSH_NO_EXEC, "SSH exec request refused");
	return (0);
}

/* subsystem (sftp): none here. */
static int
sshd_subsystem(ssh_session s, ssh_channel ch, const char *name, void *arg)
{
	(void)s;
	(void)ch;
	(void)name;
	sshd_refuse(arg, MSG_SSH_NO_SUBSYSTEM, "SSH subsystem request refused");
	return (0);
}

/* Agent forwarding: refused. */
static void
sshd_agent(ssh_session s, ssh_channel ch, void *arg)
{
	(void)s;
	(void)ch;
	sshd_refuse(arg, MSG_SSH_NO_FORWARDING, "SSH agent forwarding refused");
}

/* X11 forwarding: refused. */
static void
sshd_x11(ssh_session s, ssh_channel ch, int single, const char *proto,
    const char *cookie, uint32_t screen, void *arg)
{
	(void)s;
	(void)ch;
	(void)single;
	(void)proto;
	(void)cookie;
	(void)screen;
	sshd_refuse(arg, MSG_SSH_NO_FORWARDING, "SSH X11 forwarding refused");
}

/*
 * Channel data: kept for decoding once libssh returns. What does not fit
 * stays with libssh, unacknowledged, so a paused or flooding client is
 * held back by its own window.
 */
static int
sshd_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct sshd_conn *conn = arg;
	size_t have = evbuffer_get_length(conn->in);

	(void)s;
	(void)ch;
	(void)is_stderr;
	if (!(conn->flags & SSHD_SHELL) || (conn->c->flags & CLIENT_CLOSING))
		return ((int)len);
	if (have >= SSHD_INPUT_MAX)
		return (0);
	if (len > SSHD_INPUT_MAX - have)
		len = SSHD_INPUT_MAX - have;
	evbuffer_add(conn->in, data, len);
	return ((int)len);
}

/* EOF: what was sent before it is still read, then the client goes. */
static void
sshd_eof(ssh_session s, ssh_channel ch, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)s;
	(void)ch;
	conn->flags |= SSHD_EOF;
}

/* The client closed the channel. */
static void
sshd_close(ssh_session s, ssh_channel ch, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)s;
	(void)ch;
	conn->flags |= SSHD_EOF;
	if (conn->c->flags & CLIENT_LINGER)
		client_bury(conn->c);
}

/* The window opened: more output can go (after libssh returns). */
static int
sshd_wontblock(ssh_session s, ssh_channel ch, uint32_t bytes, void *arg)
{
	struct sshd_conn *conn = arg;

	(void)s;
	(void)ch;
	(void)bytes;
	if (conn->c->flags & CLIENT_WRITING)
		event_active(conn->kick, EV_TIMEOUT, 0);
	return (0);
}
