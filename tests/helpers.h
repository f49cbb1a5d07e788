/* Test harness: run chatsockd on a free port and talk to it as clients do. */
#ifndef HELPERS_H
#define HELPERS_H

#include <sys/types.h>

#include <stddef.h>

#include <check.h>

/* Room for the test's paths (<limits.h> is src/limits.h here). */
#define T_PATH		1024

/* Default wait for anything the daemon should answer at once, in ms. */
#define T_WAIT		3000
/* How long "nothing arrives" is watched, in ms. */
#define T_QUIET		300
/* Per-test limit (tcase_set_timeout), in seconds. */
#define T_TCASE		30

/*
 * One daemon per test: started in a checked fixture, stopped in its teardown.
 * With CHATSOCK_TEST_ADDR=host:port nothing is started and every client goes
 * to that daemon (for debugging under gdb; tests that need a particular
 * configuration then fail unless that daemon runs with it).
 */
struct daemon {
	char	 dir[T_PATH / 2];		/* mkdtemp() dir, "" if external */
	char	 config[T_PATH];	/* DIR/chatsock.json */
	char	 admin[T_PATH];	/* DIR/admin.sock */
	char	 log[T_PATH];		/* DIR/stderr.log */
	char	 host[64];
	int	 port;
	int	 ssh_port;		/* 0 if no SSH listener */
	pid_t	 pid;			/* 0 if not running or external */
};

/* The daemon of the running test. */
extern struct daemon td;

/*
 * Start the daemon. json is either a full config (starts with '{'; "@DIR@"
 * is replaced by the test dir) or members added to the harness defaults
 * (127.0.0.1, port 0, admin socket in DIR, shutdownGrace 0, no connection
 * pause, no flood control, rooms general and random); a member given there
 * replaces the default of the same key. Fails the test if it does not start.
 */
void		 daemon_start(struct daemon *d, const char *json);
/* SIGTERM, wait, assert exit status 0 (a leak under ASan fails), clean up. */
void		 daemon_stop(struct daemon *d);
/* Checked teardown: daemon_stop(&td). */
void		 daemon_teardown(void);

/* Helpers for tests that need files of their own. */
char		*test_mkdtemp(void);
void		 write_file(const char *path, const char *text);
char		*read_file(const char *path);		/* NULL if absent */
void		 rm_tree(const char *dir);		/* best effort */

struct tclient;

/*
 * How a client that is not a plain TCP socket moves its bytes (an SSH
 * channel, a pty): recv gives up to len bytes within timeout_ms, 0 if none
 * came, -1 once the other side is gone; send gives 0 or -1; close frees arg.
 */
struct tc_ops {
	ssize_t	 (*recv)(struct tclient *, void *, size_t, int);
	int	 (*send)(struct tclient *, const void *, size_t);
	void	 (*close)(struct tclient *);
};

/* A blocking test client; every wait has a timeout. */
struct tclient {
	int		 fd;		/* -1 with ops */
	const struct tc_ops *ops;	/* NULL: fd is a TCP socket */
	void		*arg;		/* ops' own state */
	char		 label[40];	/* name in diagnostics */
	unsigned char	*buf;		/* received bytes, raw */
	size_t		 len;
	size_t		 off;		/* consumed up to here */
	size_t		 consumed;	/* total bytes consumed so far */
	int		 closed;	/* peer closed the connection */
	size_t		 nesc;		/* ESC (0x1b) bytes ever received */
	char		*last;		/* what the last expect consumed */
	size_t		 lastlen;	/* (stripped, or raw for expect_raw) */
};

struct tclient	*tc_connect(struct daemon *d, const char *label);
/*
 * tc_connect from the local address src (NULL: any), with a receive buffer
 * of rcvbuf bytes (0: the default) set before connecting so that the TCP
 * window stays small.
 */
struct tclient	*tc_connect_from(struct daemon *d, const char *src,
		     const char *label, int rcvbuf);
void		 tc_close(struct tclient *c);
/* A client whose bytes go through ops (see struct tc_ops). */
struct tclient	*tc_new_ops(const char *label, const struct tc_ops *ops,
		     void *arg);
int		 tc_send_raw(struct tclient *c, const void *buf, size_t len);
/* Send text plus "\n". */
int		 tc_send_line(struct tclient *c, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));

/*
 * Read until s appears in the stream with telnet IAC sequences removed and
 * consume through it; 0, or -1 (printing what arrived) after timeout_ms.
 */
int		 tc_expect(struct tclient *c, const char *s, int timeout_ms);
/* tc_expect with a printf format and T_WAIT. */
int		 tc_expectf(struct tclient *c, const char *fmt, ...)
		     __attribute__((format(printf, 2, 3)));
/* The same on the raw bytes (IAC and ESC included); s may hold no NUL. */
int		 tc_expect_raw(struct tclient *c, const void *s, size_t len,
		     int timeout_ms);
/* Wait for the server to close; data on the way is discarded. */
int		 tc_expect_closed(struct tclient *c, int timeout_ms);
/* 0 if nothing at all (IAC aside) arrives within ms, nothing pending either. */
int		 tc_no_data(struct tclient *c, int ms);
/* 0 if s does not arrive within ms; consumes what arrived. */
int		 tc_expect_not(struct tclient *c, const char *s, int ms);
/* Consume what arrives until the line is quiet for ms; bytes consumed. */
size_t		 tc_drain(struct tclient *c, int ms);

/* The naming flow up to the "> " prompt, then label = name; 0 or -1. */
int		 tc_login(struct tclient *c, const char *name);
/* Connect to td and log in as name, failing the test if that fails. */
struct tclient	*tc_user(const char *name);
/* :join room (password may be NULL) until the "[room/label]> " prompt. */
void		 tc_join(struct tclient *c, const char *room, const char *password);
/* :chat until the chatview header of where; fails the test. */
void		 tc_chat(struct tclient *c, const char *where);

/* tc_user, tc_join room, tc_chat room. */
struct tclient	*tc_chatter(const char *name, const char *room);

/* The first complete ("\r\n"-ended) line of text holding word, malloc'd. */
char		*line_with(const char *text, const char *word);
/* Monotonic time in ms. */
long		 now_ms(void);
/* Factor for every wait (CHATSOCK_TEST_SLOW, e.g. under valgrind). */
int		 t_slow(void);

/* A tcase with T_TCASE timeout and setup / daemon_teardown as checked fixture. */
TCase		*tcase_daemon(const char *name, void (*setup)(void));
/* Run a suite (CK_ENV fork mode); the exit status for main(). */
int		 run_suite(Suite *s);

/* How long a program run by run_program() may take, in ms (times t_slow()). */
#define T_RUN		15000

/* What a program run by run_program() printed and how it ended. */
struct run_result {
	int	 status;	/* exit status, -1 if a signal ended it */
	int	 signal;	/* that signal, 0 if it exited */
	int	 timed_out;	/* killed with SIGKILL after T_RUN */
	char	*out;		/* stdout, NUL-terminated */
	char	*err;		/* stderr, NUL-terminated */
};

/*
 * Run argv[0] (a path) with argv, input (NULL for none; at most a pipe's
 * buffer) on stdin and stdout, stderr captured; 0, or -1 if it could not be
 * started. Free the result with run_result_free().
 */
int		 run_program(const char *const argv[], const char *input,
		     struct run_result *r);
void		 run_result_free(struct run_result *r);

/* Assertions that name what was expected. */
#define EXPECT(c, ...)	ck_assert_msg(tc_expectf((c), __VA_ARGS__) == 0, \
			    "%s did not receive the text above", (c)->label)
#define EXPECT_RAW(c, s) ck_assert_msg(tc_expect_raw((c), (s), sizeof(s) - 1, \
			    T_WAIT) == 0, "%s did not receive raw bytes", (c)->label)
#define EXPECT_NOT(c, s) ck_assert_msg(tc_expect_not((c), (s), T_QUIET) == 0, \
			    "%s received \"%s\"", (c)->label, (s))
#undef NO_DATA		/* <netdb.h>'s, through libssh.h: not used here */
#define NO_DATA(c)	ck_assert_msg(tc_no_data((c), T_QUIET) == 0, \
			    "%s received data", (c)->label)
#define EXPECT_CLOSED(c) ck_assert_msg(tc_expect_closed((c), T_WAIT) == 0, \
			    "%s was not disconnected", (c)->label)
#define SEND(c, ...)	ck_assert_msg(tc_send_line((c), __VA_ARGS__) == 0, \
			    "%s: send failed", (c)->label)
#define SEND_RAW(c, s)	ck_assert_msg(tc_send_raw((c), (s), sizeof(s) - 1) == 0, \
			    "%s: send failed", (c)->label)

#endif
