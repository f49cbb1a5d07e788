/*
 * SSH test clients: an in-process libssh client and the real OpenSSH ssh
 * under a pty, both as struct tclient so that tc_expect() and the EXPECT
 * macros work on them. Every wait has a timeout.
 */
#ifndef SSH_CLIENT_H
#define SSH_CLIENT_H

#include <sys/types.h>

#include <libssh/libssh.h>

#include "helpers.h"

/* The host key the daemon must show; NULL: any (see sc_kex). */
extern ssh_key	 sc_hostkey;

/*
 * Start td with an SSH listener on 127.0.0.1 port 0 whose host key is a
 * fresh ed25519 key made here and pinned in sc_hostkey; json is added to
 * the harness defaults as for daemon_start().
 */
void		 ssh_daemon_start(const char *json);
/* Checked teardown for ssh_daemon_start(): the daemon, then the key. */
void		 ssh_daemon_teardown(void);
/* A tcase with ssh_daemon_start(json of setup) as its fixture. */
TCase		*tcase_ssh(const char *name, void (*setup)(void));

/* A fresh ed25519 key pair; fails the test on error. */
ssh_key		 sc_keygen(void);
/* "SHA256:..." of a key as OpenSSH prints it (malloc'd). */
char		*sc_fingerprint(ssh_key key);
/* The known_hosts line for d's SSH port and key (malloc'd). */
char		*sc_known_hosts(struct daemon *d, ssh_key key);

/*
 * A TCP connection to d's SSH port (receive buffer rcvbuf if not 0) with a
 * libssh session for user over it; nothing is sent yet.
 */
struct tclient	*sc_new(struct daemon *d, const char *label, const char *user,
		     int rcvbuf);
ssh_session	 sc_session(struct tclient *c);
ssh_channel	 sc_chan(struct tclient *c);
/*
 * Key exchange offering only kex (NULL: libssh's default list), then the
 * host key compared with sc_hostkey; 0, or -1 with the reason printed.
 */
int		 sc_kex(struct tclient *c, const char *kex);
/* Public key authentication with key: SSH_AUTH_SUCCESS or another. */
int		 sc_auth(struct tclient *c, ssh_key key);
/* A session channel: 0 or -1. */
int		 sc_channel(struct tclient *c);
/* A pty of cols x rows ("xterm"): 0 or -1. */
int		 sc_pty(struct tclient *c, unsigned cols, unsigned rows);
/* window-change to cols x rows: 0 or -1. */
int		 sc_resize(struct tclient *c, unsigned cols, unsigned rows);
/* The shell request: 0 or -1. */
int		 sc_shell(struct tclient *c);

/*
 * sc_new, sc_kex, sc_auth with key (a fresh one if NULL), channel, a pty
 * if rows is not 0, shell: fails the test if any step fails.
 */
struct tclient	*sc_open(const char *user, ssh_key key, unsigned cols,
		     unsigned rows);
/* sc_open, then the palette prompt after "You are connected as user." */
struct tclient	*sc_user(const char *user, unsigned cols, unsigned rows);

/*
 * argv (argv[0] a path) under a new pty of cols x rows as a client; its
 * output is what the client receives, its input what it sends.
 */
struct tclient	*pty_spawn(const char *label, const char *const argv[],
		     unsigned cols, unsigned rows);
/* Exit status of a pty_spawn() program within ms; -1 on timeout/signal. */
int		 pty_wait(struct tclient *c, int ms);

/* Send text as typed (no line end added). */
#define TYPE(c, s)	ck_assert_msg(tc_send_raw((c), (s), strlen(s)) == 0, \
			    "%s: send failed", (c)->label)

#endif
