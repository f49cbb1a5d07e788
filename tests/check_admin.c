/*
 * Suite "admin": the operator's side. Drives the real daemon and the real
 * chatsockctl ($CHATSOCKCTL) with real users connected over TCP: every
 * command, the raw admin protocol, who may use the socket, the shutdown
 * timeline for each trigger, reloads, and stale or live socket files.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "helpers.h"
#include "messages.h"

/* Rooms of most tests: a hidden one and a small one among them. */
#define ROOMS \
	"\"rooms\": {" \
	"\"general\": {\"description\": \"General chat\"}, " \
	"\"random\": {\"description\": \"Random talk\"}, " \
	"\"small\": {\"description\": \"Two at most\", \"limit\": 2}, " \
	"\"secret\": {\"public\": false, \"password\": \"pw\"}}"

/* The rooms after the reload tests rewrite the file. */
#define ROOMS_RELOADED \
	"\"rooms\": {" \
	"\"general\": {\"description\": \"Renamed chat\"}, " \
	"\"small\": {\"description\": \"One at most\", \"limit\": 1}, " \
	"\"news\": {\"description\": \"Fresh news\"}}"

/* Rooms as the reload tests start them. */
#define ROOMS_BEFORE \
	"\"rooms\": {" \
	"\"general\": {\"description\": \"General chat\"}, " \
	"\"random\": {\"description\": \"Random talk\"}, " \
	"\"small\": {\"description\": \"Small room\"}}"

/* The shutdown tests: the real grace, and a text for signal triggers. */
#define GRACE		5
#define SHUTDOWN_CONFIG \
	"\"shutdownGrace\": 5, \"shutdownMessage\": \"back soon\", " ROOMS

#define ALICE		"[alice     ]: "
#define BOB		"[bob       ]: "

/* uid and gid of nobody; a group the daemon can look up by name. */
#define NOBODY		65534
#define ADMIN_GROUP	"operator"

/* A raw admin-socket connection with its unread bytes. */
struct adm {
	int	 fd;
	char	 buf[65536];
	size_t	 len;
	int	 closed;
};

/* How chatsockd is told to shut down. */
enum trigger {
	BY_CTL,
	BY_TERM,
	BY_INT
};

static void	 setup(void);
static void	 setup_shutdown(void);
static void	 setup_reload(void);
static void	 setup_group(void);
static int	 ctl_argv(const char *const *args, char **out, char **err);
static int	 ctl_run(char **out, char **err, ...);
static json_t	*ctl_json(int want, ...);
static char	*row_with(const char *out, const char *word);
static json_t	*user_by_name(json_t *users, const char *name);
static json_t	*room_by_name(json_t *rooms, const char *name);
static int	 adm_open(struct adm *a, const char *path);
static void	 adm_send(struct adm *a, const char *s, size_t len);
static char	*adm_line(struct adm *a, int timeout_ms);
static json_t	*adm_request(struct adm *a, const char *s, size_t len);
static void	 assert_error_reply(json_t *reply, const char *why);
static char	*peer_try(gid_t group, int ngroups);
static int	 wait_exit(pid_t pid, int timeout_ms, int *status);
static void	 assert_exits_zero(int timeout_ms);
static int	 log_has(const char *s);
static void	 assert_not_served(void);
static void	 shutdown_timeline(enum trigger how);
static pid_t	 spawn_daemon(const char *log, const char *portfile);
static void	 write_config(const char *rooms);
static void	 reload_run(int by_signal);
static void	 assert_unchanged(struct tclient *a, struct tclient *c);
static int	 wait_port(pid_t pid, const char *portfile);
static char	*start_refused(const char *dir, int *running);
static pid_t	 fake_server(const char *path, uid_t uid, const char *reply,
		     int nconn);
static void	 fake_stop(pid_t pid);
static void	 assert_no_controls(const char *what, const char *text);

/* The usual daemon. */
static void
setup(void)
{
	daemon_start(&td, ROOMS);
}

/* A daemon with the real shutdown grace. */
static void
setup_shutdown(void)
{
	daemon_start(&td, SHUTDOWN_CONFIG);
}

/* A daemon whose file the test rewrites. */
static void
setup_reload(void)
{
	daemon_start(&td, ROOMS_BEFORE);
}

/* A daemon that also serves the members of ADMIN_GROUP. */
static void
setup_group(void)
{
	if (getgrnam(ADMIN_GROUP) == NULL)
		daemon_start(&td, ROOMS);	/* the test skips */
	else
		daemon_start(&td, "\"adminGroup\": \"" ADMIN_GROUP "\", "
		    ROOMS);
}

/* Run chatsockctl with args; exit status, output in malloc'd strings. */
static int
ctl_argv(const char *const *args, char **out, char **err)
{
	const char *bin = getenv("CHATSOCKCTL");
	const char *argv[32];
	struct run_result r;
	int n = 0;

	if (bin == NULL)
		bin = "./chatsockctl";
	argv[n++] = bin;
	while (*args != NULL && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	ck_assert_msg(run_program(argv, NULL, &r) == 0, "cannot run %s", bin);
	ck_assert_msg(!r.timed_out, "chatsockctl %s did not finish in %d s",
	    argv[1], T_RUN / 1000);
	ck_assert_msg(r.signal == 0, "chatsockctl killed by signal %d",
	    r.signal);
	*out = r.out;
	*err = r.err;
	return (r.status);
}

/* chatsockctl -s td.admin ARGS... (NULL-terminated). */
static int
ctl_run(char **out, char **err, ...)
{
	const char *args[30];
	va_list ap;
	int n = 0;

	args[n++] = "-s";
	args[n++] = td.admin;
	va_start(ap, err);
	while ((args[n] = va_arg(ap, const char *)) != NULL && n < 28)
		n++;
	va_end(ap);
	args[n] = NULL;
	return (ctl_argv(args, out, err));
}

/* chatsockctl --json ARGS...: assert the status is want, parse stdout. */
static json_t *
ctl_json(int want, ...)
{
	const char *args[30];
	char *out, *err;
	json_error_t jerr;
	json_t *reply;
	va_list ap;
	int n = 0, status;

	args[n++] = "-s";
	args[n++] = td.admin;
	args[n++] = "--json";
	va_start(ap, want);
	while ((args[n] = va_arg(ap, const char *)) != NULL && n < 28)
		n++;
	va_end(ap);
	args[n] = NULL;
	status = ctl_argv(args, &out, &err);
	ck_assert_msg(status == want, "chatsockctl --json %s: status %d, "
	    "wanted %d; stdout \"%s\", stderr \"%s\"", args[3], status, want,
	    out, err);
	reply = json_loads(out, 0, &jerr);
	ck_assert_msg(reply != NULL && json_is_object(reply),
	    "chatsockctl --json %s printed no JSON object: \"%s\" (%s)",
	    args[3], out, jerr.text);
	ck_assert_msg(json_is_boolean(json_object_get(reply, "ok")) &&
	    json_is_true(json_object_get(reply, "ok")) == (want == 0),
	    "\"ok\" does not match exit status %d: %s", status, out);
	free(out);
	free(err);
	return (reply);
}

/* The line of chatsockctl's output that starts with word, malloc'd. */
static char *
row_with(const char *out, const char *word)
{
	const char *p = out, *end;

	while (*p != '\0') {
		end = strchrnul(p, '\n');
		if (strncmp(p, word, strlen(word)) == 0 && p[strlen(word)] == ' ')
			return (strndup(p, end - p));
		p = *end == '\n' ? end + 1 : end;
	}
	ck_abort_msg("no row for %s in: %s", word, out);
	return (NULL);
}

/* The user object called name in a users array, or NULL. */
static json_t *
user_by_name(json_t *users, const char *name)
{
	json_t *u;
	size_t i;

	json_array_foreach(users, i, u) {
		if (strcmp(json_string_value(json_object_get(u, "name")),
		    name) == 0)
			return (u);
	}
	return (NULL);
}

/* The room object called name in a rooms array, or NULL. */
static json_t *
room_by_name(json_t *rooms, const char *name)
{
	return (user_by_name(rooms, name));
}

/* Connect to the admin socket at path; 0, or -1 with errno. */
static int
adm_open(struct adm *a, const char *path)
{
	struct sockaddr_un sun;
	int saved;

	memset(a, 0, sizeof *a);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((a->fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (connect(a->fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		saved = errno;
		close(a->fd);
		a->fd = -1;
		errno = saved;
		return (-1);
	}
	return (0);
}

/* Send bytes as they are. */
static void
adm_send(struct adm *a, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(a->fd, s, len, MSG_NOSIGNAL);
		ck_assert_msg(n > 0, "admin send: %s", strerror(errno));
		s += n;
		len -= n;
	}
}

/* The next reply line (without "\n"), malloc'd; NULL on EOF or timeout. */
static char *
adm_line(struct adm *a, int timeout_ms)
{
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	long deadline = now_ms() + timeout_ms;
	char *nl, *line;
	ssize_t n;

	for (;;) {
		if ((nl = memchr(a->buf, '\n', a->len)) != NULL) {
			line = strndup(a->buf, nl - a->buf);
			a->len -= nl + 1 - a->buf;
			memmove(a->buf, nl + 1, a->len);
			return (line);
		}
		if (a->closed || now_ms() >= deadline ||
		    a->len == sizeof a->buf)
			return (NULL);
		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			continue;
		n = recv(a->fd, a->buf + a->len, sizeof a->buf - a->len, 0);
		if (n <= 0)
			a->closed = 1;
		else
			a->len += n;
	}
}

/* Send one request and parse its one reply line. */
static json_t *
adm_request(struct adm *a, const char *s, size_t len)
{
	json_error_t jerr;
	json_t *reply;
	char *line;

	adm_send(a, s, len);
	line = adm_line(a, T_WAIT);
	ck_assert_msg(line != NULL, "no reply line to \"%.60s\"", s);
	reply = json_loads(line, 0, &jerr);
	ck_assert_msg(json_is_object(reply), "reply is no JSON object: %s",
	    line);
	free(line);
	return (reply);
}

/* {"ok": false, "error": non-empty string}. */
static void
assert_error_reply(json_t *reply, const char *why)
{
	const char *error;

	ck_assert_msg(json_is_false(json_object_get(reply, "ok")),
	    "%s: \"ok\" is not false", why);
	error = json_string_value(json_object_get(reply, "error"));
	ck_assert_msg(error != NULL && *error != '\0', "%s: no error text",
	    why);
	json_decref(reply);
}

/*
 * As nobody (with the supplementary group if ngroups is 1), connect to the
 * admin socket and ask for stats: "connect: ERR", "reply: LINE" or "closed".
 */
static char *
peer_try(gid_t group, int ngroups)
{
	char buf[4096], *line;
	int fds[2], status;
	struct adm a;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	ck_assert(pipe(fds) == 0);
	ck_assert((pid = fork()) != -1);
	if (pid == 0) {
		close(fds[0]);
		if (setgroups(ngroups, &group) != 0 || setgid(NOBODY) != 0 ||
		    setuid(NOBODY) != 0) {
			dprintf(fds[1], "setuid: %s", strerror(errno));
			_exit(1);
		}
		if (adm_open(&a, td.admin) != 0) {
			dprintf(fds[1], "connect: %s", strerror(errno));
			_exit(0);
		}
		send(a.fd, "{\"cmd\": \"stats\"}\n", 17, MSG_NOSIGNAL);
		if ((line = adm_line(&a, T_WAIT)) != NULL)
			dprintf(fds[1], "reply: %s", line);
		else
			dprintf(fds[1], "%s", a.closed ? "closed" : "timeout");
		_exit(0);
	}
	close(fds[1]);
	while (len < sizeof buf - 1 &&
	    (n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fds[0]);
	ck_assert(wait_exit(pid, T_WAIT, &status) == 0);
	ck_assert_msg(strncmp(buf, "setuid", 6) != 0, "%s", buf);
	return (strdup(buf));
}

/* Wait up to timeout_ms for pid to end; 0 and its status, or -1. */
static int
wait_exit(pid_t pid, int timeout_ms, int *status)
{
	long deadline = now_ms() + timeout_ms;
	pid_t r;

	while ((r = waitpid(pid, status, WNOHANG)) == 0 &&
	    now_ms() < deadline)
		usleep(5000);
	return (r == pid ? 0 : -1);
}

/* The daemon ends by itself within timeout_ms, status 0, socket removed. */
static void
assert_exits_zero(int timeout_ms)
{
	int status;

	ck_assert_msg(wait_exit(td.pid, timeout_ms, &status) == 0,
	    "chatsockd still runs %d ms later", timeout_ms);
	td.pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "chatsockd ended with status 0x%x", status);
	ck_assert_msg(access(td.admin, F_OK) != 0 && errno == ENOENT,
	    "the admin socket %s is still there", td.admin);
}

/* Does the daemon's stderr hold s? */
static int
log_has(const char *s)
{
	char *text = read_file(td.log);
	int found = text != NULL && strstr(text, s) != NULL;

	free(text);
	return (found);
}

/* A new TCP connection is refused, or accepted by nobody and left silent. */
static void
assert_not_served(void)
{
	struct pollfd pfd;
	struct sockaddr_in sin;
	char buf[256];
	int fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(td.port);
	inet_pton(AF_INET, td.host, &sin.sin_addr);
	ck_assert((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, T_QUIET) == 1)
			ck_assert_msg(recv(fd, buf, sizeof buf, 0) <= 0,
			    "a connection made during shutdown was served");
	}
	close(fd);
}

/* Start another chatsockd on td.config; its pid. */
static pid_t
spawn_daemon(const char *log, const char *portfile)
{
	const char *bin = getenv("CHATSOCKD");
	pid_t pid;
	int fd;

	if (bin == NULL)
		bin = "./chatsockd";
	ck_assert((pid = fork()) != -1);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		setenv("CHATSOCK_PORT_FILE", portfile, 1);
		execl(bin, "chatsockd", "-c", td.config, (char *)NULL);
		_exit(127);
	}
	return (pid);
}

/* Rewrite td's configuration file with these rooms. */
static void
write_config(const char *rooms)
{
	char text[4096];

	snprintf(text, sizeof text, "{\n  \"host\": \"127.0.0.1\",\n"
	    "  \"port\": 0,\n  \"adminSocket\": \"%s\",\n"
	    "  \"accountsFile\": \"%s/accounts\",\n"
	    "  \"shutdownGrace\": 0,\n  \"connectionTimeout\": false,\n"
	    "  \"floodRate\": 0,\n  %s\n}\n", td.admin, td.dir, rooms);
	write_file(td.config, text);
}

/* listall: every user with room or DM, view, address and durations. */
START_TEST(test_listall)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_user("bob");
	struct tclient *c = tc_user("carol");
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	json_t *reply, *users, *u;
	char addr[64], ip[32], *out, *err, *line;

	SEND(b, ":dm carol");
	EXPECT(b, MSG_DM_OPEN, "carol");
	EXPECT(c, MSG_DM_WAITING, "bob", "bob");
	usleep(1100 * 1000);
	SEND(b, ":list");		/* bob is active, alice idle */
	EXPECT(b, "bob");

	reply = ctl_json(0, "listall", NULL);
	users = json_object_get(reply, "users");
	ck_assert_int_eq(json_array_size(users), 3);
	u = user_by_name(users, "alice");
	ck_assert(u != NULL);
	ck_assert_str_eq(json_string_value(json_object_get(u, "room")),
	    "general");
	ck_assert(json_is_null(json_object_get(u, "dm")));
	ck_assert_str_eq(json_string_value(json_object_get(u, "view")),
	    "chat");
	getsockname(a->fd, (struct sockaddr *)&sin, &len);
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
	snprintf(addr, sizeof addr, "%s:%u", ip, ntohs(sin.sin_port));
	ck_assert_str_eq(json_string_value(json_object_get(u, "address")),
	    addr);
	ck_assert_int_ge(json_integer_value(json_object_get(u, "connected")),
	    1);
	ck_assert_int_ge(json_integer_value(json_object_get(u, "idle")), 1);
	u = user_by_name(users, "bob");
	ck_assert(u != NULL);
	ck_assert(json_is_null(json_object_get(u, "room")));
	ck_assert_str_eq(json_string_value(json_object_get(u, "dm")),
	    "carol");
	ck_assert_str_eq(json_string_value(json_object_get(u, "view")),
	    "palette");
	ck_assert_int_le(json_integer_value(json_object_get(u, "idle")), 1);
	u = user_by_name(users, "carol");
	ck_assert(json_is_null(json_object_get(u, "room")) &&
	    json_is_null(json_object_get(u, "dm")));
	json_decref(reply);

	ck_assert_int_eq(ctl_run(&out, &err, "listall", NULL), 0);
	ck_assert_msg(strncmp(out, "NAME", 4) == 0 &&
	    strstr(out, "ADDRESS") != NULL && strstr(out, "IDLE") != NULL,
	    "no table head: %s", out);
	ck_assert_msg((line = strstr(out, "alice")) != NULL &&
	    strstr(line, "general") != NULL && strstr(line, addr) != NULL,
	    "alice's row: %s", out);
	ck_assert_msg(strstr(out, "dm:carol") != NULL, "bob's DM: %s", out);
	free(out);
	free(err);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}
END_TEST

/* list ROOM: only that room's members; an unknown room fails with why. */
START_TEST(test_list)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_user("bob");
	json_t *reply, *users;
	char *out, *err;

	tc_join(b, "random", NULL);
	reply = ctl_json(0, "list", "general", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(reply, "room")),
	    "general");
	users = json_object_get(reply, "users");
	ck_assert_int_eq(json_array_size(users), 1);
	ck_assert(user_by_name(users, "alice") != NULL);
	json_decref(reply);

	ck_assert_int_eq(ctl_run(&out, &err, "list", "random", NULL), 0);
	ck_assert_msg(strstr(out, "bob") != NULL &&
	    strstr(out, "alice") == NULL, "list random: %s", out);
	free(out);
	free(err);

	ck_assert_int_eq(ctl_run(&out, &err, "list", "nowhere", NULL), 1);
	ck_assert_msg(strstr(err, "no such room: nowhere") != NULL,
	    "stderr: %s", err);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	reply = ctl_json(1, "list", "nowhere", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(reply, "error")),
	    "no such room: nowhere");
	json_decref(reply);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* rooms: hidden ones too, marked, with members/limit and description. */
START_TEST(test_rooms)
{
	struct tclient *a = tc_user("alice");
	json_t *reply, *rooms, *r;
	char *out, *err, *line;

	tc_join(a, "small", NULL);
	reply = ctl_json(0, "rooms", NULL);
	rooms = json_object_get(reply, "rooms");
	ck_assert_int_eq(json_array_size(rooms), 4);
	r = room_by_name(rooms, "secret");
	ck_assert(r != NULL && json_is_false(json_object_get(r, "public")));
	r = room_by_name(rooms, "small");
	ck_assert(json_is_true(json_object_get(r, "public")));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "members")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "limit")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "description")), "Two at most");
	json_decref(reply);

	ck_assert_int_eq(ctl_run(&out, &err, "rooms", NULL), 0);
	line = row_with(out, "secret");
	ck_assert_msg(strstr(line, "hidden") != NULL, "secret is not marked "
	    "hidden: %s", out);
	free(line);
	line = row_with(out, "general");
	ck_assert_msg(strstr(line, "hidden") == NULL, "general: %s", line);
	free(line);
	line = row_with(out, "small");
	ck_assert_msg(strstr(line, " 1/2 ") != NULL &&
	    strstr(line, "Two at most") != NULL, "small's row: %s", line);
	free(line);
	ck_assert_msg(strstr(out, "General chat") != NULL, "%s", out);
	free(out);
	free(err);
	tc_close(a);
}
END_TEST

/* stats: users and peak, messages relayed, bytes in and out. */
START_TEST(test_stats)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	struct tclient *c = tc_user("carol");
	json_t *s1, *s2;
	size_t before, i;
	char *out, *err;

	tc_close(c);
	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	tc_drain(a, 100);
	tc_drain(b, 100);
	usleep(100 * 1000);	/* carol's departure is processed */
	s1 = ctl_json(0, "stats", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(s1, "users")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(s1,
	    "peak_users")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(s1, "rooms")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(s1,
	    "connections")), 3);
	ck_assert_int_ge(json_integer_value(json_object_get(s1, "uptime")), 0);

	before = a->consumed + b->consumed;
	for (i = 0; i < 3; i++)
		SEND(a, "0123456789");		/* 11 bytes each */
	SEND(b, "ok");				/* 3 bytes */
	for (i = 0; i < 3; i++)
		EXPECT(b, ALICE "0123456789\r\n");
	EXPECT(a, BOB "ok\r\n");
	tc_drain(a, 200);
	tc_drain(b, 200);
	s2 = ctl_json(0, "stats", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(s2, "messages")) -
	    json_integer_value(json_object_get(s1, "messages")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(s2, "bytes_in")) -
	    json_integer_value(json_object_get(s1, "bytes_in")), 36);
	ck_assert_int_eq(json_integer_value(json_object_get(s2, "bytes_out")) -
	    json_integer_value(json_object_get(s1, "bytes_out")),
	    a->consumed + b->consumed - before);
	json_decref(s1);
	json_decref(s2);

	ck_assert_int_eq(ctl_run(&out, &err, "stats", NULL), 0);
	ck_assert_msg(strstr(out, "users: 2\n") != NULL &&
	    strstr(out, "peak users: 3\n") != NULL &&
	    strstr(out, "messages relayed: 4\n") != NULL &&
	    strstr(out, "bytes in: ") != NULL &&
	    strstr(out, "uptime: ") != NULL, "stats: %s", out);
	free(out);
	free(err);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* broadcast: palette and chat view users both get "*** TEXT". */
START_TEST(test_broadcast)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_user("bob");
	json_t *reply;
	char *out, *err;

	ck_assert_int_eq(ctl_run(&out, &err, "broadcast", "maintenance",
	    "at", "noon", NULL), 0);
	ck_assert_str_eq(out, "sent to 2 users\n");
	free(out);
	free(err);
	EXPECT(a, MSG_BROADCAST "\r\n", "maintenance at noon");
	EXPECT(b, MSG_BROADCAST "\r\n", "maintenance at noon");
	EXPECT(b, MSG_PROMPT);		/* the palette prompt comes back */

	reply = ctl_json(0, "broadcast", "second", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(reply,
	    "recipients")), 2);
	json_decref(reply);
	EXPECT(a, MSG_BROADCAST "\r\n", "second");
	EXPECT(b, MSG_BROADCAST "\r\n", "second");
	tc_join(b, "general", NULL);
	SEND(a, "after the notice");	/* alice is still in the view */
	tc_chat(b, "general");
	EXPECT(b, ALICE "after the notice\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* kick: the user is told why and disconnected; the name is free again. */
START_TEST(test_kick)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	struct tclient *b2;
	json_t *reply;
	char *out, *err;

	ck_assert_int_eq(ctl_run(&out, &err, "kick", "bob", "too", "loud",
	    NULL), 0);
	ck_assert_str_eq(out, "kicked bob\n");
	free(out);
	free(err);
	EXPECT(b, MSG_KICKED_REASON "\r\n", "too loud");
	EXPECT_CLOSED(b);
	tc_close(b);

	reply = ctl_json(0, "listall", NULL);
	ck_assert_msg(user_by_name(json_object_get(reply, "users"), "bob") ==
	    NULL, "bob is still listed");
	json_decref(reply);
	b2 = tc_user("bob");		/* the name is free again */
	ck_assert_int_eq(ctl_run(&out, &err, "kick", "BOB", NULL), 0);
	ck_assert_msg(strcmp(out, "kicked bob\n") == 0, "kick BOB answered "
	    "\"%s\", not the name as online", out);
	free(out);
	free(err);
	EXPECT(b2, MSG_KICKED "\r\n");
	EXPECT_CLOSED(b2);
	tc_close(b2);

	ck_assert_int_eq(ctl_run(&out, &err, "kick", "ghost", NULL), 1);
	ck_assert_msg(strstr(err, "no such user: ghost") != NULL, "%s", err);
	free(out);
	free(err);
	SEND(a, "still here");
	EXPECT(a, ALICE "still here\r\n");
	tc_close(a);
}
END_TEST

/* reload of an unchanged file works and says so. */
START_TEST(test_reload_ok)
{
	json_t *reply;
	char *out, *err;

	ck_assert_int_eq(ctl_run(&out, &err, "reload", NULL), 0);
	ck_assert_str_eq(out, "configuration reloaded\n");
	free(out);
	free(err);
	reply = ctl_json(0, "reload", NULL);
	json_decref(reply);
	ck_assert(log_has("configuration reloaded from"));
}
END_TEST

/* Exit statuses: 2 for a bad command line, 1 where no daemon answers. */
START_TEST(test_statuses)
{
	char path[T_PATH + 16], *out, *err;
	const char *args[] = { "-s", path, "stats", NULL };

	ck_assert_int_eq(ctl_run(&out, &err, "list", NULL), 2);
	ck_assert_msg(strstr(err, "too few arguments") != NULL, "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(ctl_run(&out, &err, "frobnicate", NULL), 2);
	ck_assert_msg(strstr(err, "unknown command") != NULL, "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(ctl_run(&out, &err, "stats", "extra", NULL), 2);
	free(out);
	free(err);

	snprintf(path, sizeof path, "%s/nobody-here.sock", td.dir);
	ck_assert_int_eq(ctl_argv(args, &out, &err), 1);
	ck_assert_msg(strstr(err, path) != NULL, "the message does not name "
	    "%s: %s", path, err);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
}
END_TEST

/* Bad requests each get an error reply; the daemon goes on serving. */
START_TEST(test_protocol_errors)
{
	static const char nul[] = "{\"cmd\": \"st\0ats\"}\n";
	static const char *bad[] = {
		"{\"cmd\": \"stats\"\n",		/* malformed */
		"not json at all\n",
		"\n",
		"[\"stats\"]\n",			/* not an object */
		"\"stats\"\n",
		"{}\n",					/* no cmd */
		"{\"command\": \"stats\"}\n",
		"{\"cmd\": 5}\n",
		"{\"cmd\": \"frobnicate\"}\n",		/* unknown */
		"{\"cmd\": \"list\"}\n",		/* missing argument */
		"{\"cmd\": \"kick\", \"user\": 7}\n",
		"{\"cmd\": \"broadcast\", \"text\": \"\"}\n",
		"{\"cmd\": \"stats\", \"cmd\": \"rooms\"}\n",
	};
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	struct adm adm;
	json_t *reply;
	size_t i;

	ck_assert(adm_open(&adm, td.admin) == 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_error_reply(adm_request(&adm, bad[i], strlen(bad[i])),
		    bad[i]);
	assert_error_reply(adm_request(&adm, nul, sizeof nul - 1), "NUL");
	reply = adm_request(&adm, bad[8], strlen(bad[8]));
	ck_assert_msg(strstr(json_string_value(json_object_get(reply,
	    "error")), "unknown command") != NULL, "unknown command reply");
	json_decref(reply);
	/* The same connection still serves a good request. */
	reply = adm_request(&adm, "{\"cmd\": \"stats\"}\r\n", 18);
	ck_assert(json_is_true(json_object_get(reply, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(reply, "users")),
	    2);
	json_decref(reply);
	close(adm.fd);

	SEND(a, "after the errors");
	EXPECT(b, ALICE "after the errors\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Requests over 8192 bytes, ended or not, get an error, never a crash. */
START_TEST(test_protocol_oversized)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	size_t size = 9000;
	char *big = malloc(size + 64);
	struct adm adm;
	json_t *reply;
	char *line;

	ck_assert(big != NULL);
	tc_drain(a, 100);
	/* A whole line of 9000 bytes: valid JSON, but too long. */
	memset(big, ' ', size + 64);
	memcpy(big, "{\"cmd\": \"broadcast\", \"text\": \"", 30);
	memset(big + 30, 'x', size - 32);
	memcpy(big + size - 2, "\"}", 2);
	big[size] = '\n';
	ck_assert(adm_open(&adm, td.admin) == 0);
	assert_error_reply(adm_request(&adm, big, size + 1), "9000 bytes");
	reply = adm_request(&adm, "{\"cmd\": \"rooms\"}\n", 17);
	ck_assert(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	NO_DATA(a);			/* the long broadcast was not sent */
	close(adm.fd);

	/* No end of line at all: an error, then the daemon hangs up. */
	ck_assert(adm_open(&adm, td.admin) == 0);
	big[size] = ' ';
	adm_send(&adm, big, size);
	line = adm_line(&adm, T_WAIT);
	ck_assert_msg(line != NULL, "no reply to an endless request");
	assert_error_reply(json_loads(line, 0, NULL), "endless request");
	free(line);
	ck_assert_msg(adm_line(&adm, T_WAIT) == NULL && adm.closed,
	    "the connection stayed open");
	close(adm.fd);
	free(big);

	SEND(a, "still alive");
	EXPECT(b, ALICE "still alive\r\n");
	reply = ctl_json(0, "stats", NULL);
	json_decref(reply);
	tc_close(a);
	tc_close(b);
}
END_TEST

/* Several requests on one connection, in one write: one reply each. */
START_TEST(test_protocol_pipelined)
{
	static const char reqs[] = "{\"cmd\": \"stats\"}\n"
	    "{\"cmd\": \"bogus\"}\n{\"cmd\": \"list\", \"room\": \"general\"}\n"
	    "{\"cmd\": \"rooms\"}\n";
	struct tclient *a = tc_user("alice");
	struct adm adm, idle;
	json_t *r[4];
	char *line;
	int i;

	/* A half-sent request on another connection holds nobody up. */
	ck_assert(adm_open(&idle, td.admin) == 0);
	adm_send(&idle, "{\"cmd\": ", 8);
	ck_assert(adm_open(&adm, td.admin) == 0);
	adm_send(&adm, reqs, sizeof reqs - 1);
	for (i = 0; i < 4; i++) {
		line = adm_line(&adm, T_WAIT);
		ck_assert_msg(line != NULL, "reply %d missing", i + 1);
		r[i] = json_loads(line, 0, NULL);
		ck_assert_msg(json_is_object(r[i]), "reply %d: %s", i + 1,
		    line);
		free(line);
	}
	ck_assert(json_integer_value(json_object_get(r[0], "users")) == 1);
	ck_assert(json_is_false(json_object_get(r[1], "ok")));
	ck_assert_str_eq(json_string_value(json_object_get(r[2], "room")),
	    "general");
	ck_assert(json_is_array(json_object_get(r[3], "rooms")));
	for (i = 0; i < 4; i++)
		json_decref(r[i]);
	ck_assert_msg(adm_line(&adm, T_QUIET) == NULL && !adm.closed,
	    "more than one reply per request, or the connection closed");
	close(adm.fd);
	adm_send(&idle, "\"stats\"}\n", 9);
	line = adm_line(&idle, T_WAIT);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "the completed request: %s", line);
	free(line);
	close(idle.fd);
	tc_close(a);
}
END_TEST

/* Without adminGroup another uid is refused: by the mode, or by the daemon. */
START_TEST(test_perm_other_uid)
{
	struct stat sb;
	json_t *reply;
	char *r;

	if (geteuid() != 0) {
		fprintf(stderr, "test_perm_other_uid: skipped, not root\n");
		return;
	}
	ck_assert(stat(td.admin, &sb) == 0);
	ck_assert_msg((sb.st_mode & 0777) == 0600, "socket mode %o",
	    sb.st_mode & 0777);
	ck_assert(chmod(td.dir, 0711) == 0);
	r = peer_try(0, 0);
	ck_assert_msg(strcmp(r, "connect: Permission denied") == 0 ||
	    strcmp(r, "closed") == 0 || strstr(r, "\"ok\":false"),
	    "nobody was not refused: %s", r);
	free(r);

	/* A careless chmod does not open it: SO_PEERCRED still refuses. */
	ck_assert(chmod(td.admin, 0666) == 0);
	r = peer_try(0, 0);
	ck_assert_msg(strstr(r, "reply: ") == r && strstr(r, "\"ok\":false") &&
	    strstr(r, "permission denied"), "nobody was served: %s", r);
	free(r);
	ck_assert_msg(log_has("admin: refused uid 65534"), "no log line");
	reply = ctl_json(0, "stats", NULL);	/* root still is served */
	json_decref(reply);
}
END_TEST

/* With adminGroup a member is served, nobody else is. */
START_TEST(test_perm_group)
{
	struct group *gr = getgrnam(ADMIN_GROUP);
	struct stat sb;
	char *r;

	if (geteuid() != 0 || gr == NULL) {
		fprintf(stderr, "test_perm_group: skipped, not root or no "
		    "group " ADMIN_GROUP "\n");
		return;
	}
	ck_assert(stat(td.admin, &sb) == 0);
	ck_assert_msg((sb.st_mode & 0777) == 0660 && sb.st_gid == gr->gr_gid,
	    "socket mode %o group %d", sb.st_mode & 0777, (int)sb.st_gid);
	ck_assert(chmod(td.dir, 0711) == 0);
	r = peer_try(gr->gr_gid, 1);
	ck_assert_msg(strstr(r, "reply: ") == r && strstr(r, "\"ok\":true") &&
	    strstr(r, "\"users\""), "a member of " ADMIN_GROUP " was not "
	    "served: %s", r);
	free(r);
	r = peer_try(0, 0);
	ck_assert_msg(strcmp(r, "connect: Permission denied") == 0,
	    "nobody outside the group: %s", r);
	free(r);
	ck_assert(chmod(td.admin, 0666) == 0);
	r = peer_try(0, 0);
	ck_assert_msg(strstr(r, "\"ok\":false") && strstr(r,
	    "permission denied"), "nobody was served: %s", r);
	free(r);
}
END_TEST

/* Shutdown by how: notice at once, chat goes on, EOF after exactly grace. */
static void
shutdown_timeline(enum trigger how)
{
	const char *text = how == BY_CTL ? "upgrade now" : "back soon";
	struct tclient *a = tc_user("alice"), *b, *c[2];
	char notice[256], *out, *err, buf[4096];
	struct pollfd pfd[2];
	long t0, eof[2] = { -1, -1 }, left;
	int i, open = 2, bye[2] = { 0, 0 };
	ssize_t n;

	tc_join(a, "general", NULL);		/* alice stays in the palette */
	b = tc_chatter("bob", "general");
	tc_drain(a, 100);
	tc_drain(b, 100);
	snprintf(notice, sizeof notice, MSG_SHUTDOWN_TEXT "\r\n", GRACE, text);

	t0 = now_ms();
	if (how == BY_CTL) {
		ck_assert_int_eq(ctl_run(&out, &err, "shutdown", "upgrade",
		    "now", NULL), 0);
		ck_assert_str_eq(out, "shutting down in 5 seconds\n");
		free(out);
		free(err);
	} else
		kill(td.pid, how == BY_TERM ? SIGTERM : SIGINT);
	ck_assert_msg(tc_expect(a, notice, 500) == 0, "palette notice");
	ck_assert_msg(tc_expect(b, notice, 500) == 0, "chat view notice");
	ck_assert_int_le(now_ms() - t0, 500);

	/* During the grace: chat works, nobody new is served. */
	tc_chat(a, "general");
	SEND(a, "still here");
	EXPECT(b, ALICE "still here\r\n");
	SEND(b, "me too");
	EXPECT(a, BOB "me too\r\n");
	assert_not_served();
	if (how == BY_CTL) {
		ck_assert_int_eq(ctl_run(&out, &err, "shutdown", NULL), 1);
		ck_assert_msg(strstr(err, "already shutting down"), "%s", err);
		free(out);
		free(err);
	}

	/* Both connections end together, the goodbye first. */
	c[0] = a;
	c[1] = b;
	while (open > 0 && (left = t0 + (GRACE + 3) * 1000 - now_ms()) > 0) {
		for (i = 0; i < 2; i++) {
			pfd[i].fd = eof[i] < 0 ? c[i]->fd : -1;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, 2, (int)left) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			if ((n = recv(c[i]->fd, buf, sizeof buf - 1, 0)) > 0) {
				buf[n] = '\0';
				bye[i] |= strstr(buf, MSG_SHUTDOWN_BYE) != NULL;
				continue;
			}
			eof[i] = now_ms() - t0;
			open--;
		}
	}
	for (i = 0; i < 2; i++) {
		ck_assert_msg(eof[i] >= 0, "%s still connected %d s after the "
		    "trigger", c[i]->label, GRACE + 3);
		ck_assert_msg(bye[i], "%s: EOF without the goodbye line",
		    c[i]->label);
		ck_assert_msg(eof[i] >= GRACE * 1000 &&
		    eof[i] <= GRACE * 1000 + 500, "%s: EOF after %ld ms, "
		    "not within [%d, %d]", c[i]->label, eof[i], GRACE * 1000,
		    GRACE * 1000 + 500);
	}
	tc_close(a);
	tc_close(b);
	assert_exits_zero(3000);
}

/* chatsockctl shutdown TEXT. */
START_TEST(test_shutdown_ctl)
{
	shutdown_timeline(BY_CTL);
}
END_TEST

/* SIGTERM. */
START_TEST(test_shutdown_term)
{
	shutdown_timeline(BY_TERM);
}
END_TEST

/* SIGINT. */
START_TEST(test_shutdown_int)
{
	shutdown_timeline(BY_INT);
}
END_TEST

/* A second SIGTERM during the grace ends the daemon at once, status 0. */
START_TEST(test_shutdown_twice)
{
	struct tclient *a = tc_chatter("alice", "general");
	long t1;

	tc_drain(a, 100);
	kill(td.pid, SIGTERM);
	EXPECT(a, MSG_SHUTDOWN_TEXT, GRACE, "back soon");
	usleep(200 * 1000);
	t1 = now_ms();
	kill(td.pid, SIGTERM);
	assert_exits_zero(1000);
	ck_assert_int_le(now_ms() - t1, 1000);
	EXPECT_CLOSED(a);
	tc_close(a);
}
END_TEST

/* A reload (by chatsockctl, or by SIGHUP) applies the rewritten file. */
static void
reload_run(int by_signal)
{
	struct tclient *a = tc_chatter("alice", "random");
	struct tclient *b = tc_user("bob");
	struct tclient *c = tc_chatter("carol", "general");
	json_t *reply, *rooms, *r;
	char *out, *err;

	tc_join(b, "random", NULL);		/* bob stays in the palette */
	tc_drain(a, 100);
	tc_drain(c, 100);
	write_config(ROOMS_RELOADED);
	if (by_signal)
		kill(td.pid, SIGHUP);
	else {
		ck_assert_int_eq(ctl_run(&out, &err, "reload", NULL), 0);
		ck_assert_str_eq(out, "configuration reloaded\n");
		free(out);
		free(err);
	}

	/* random is gone: its members are back in the palette. */
	EXPECT(a, MSG_ROOM_REMOVED, "random");
	EXPECT(b, MSG_ROOM_REMOVED, "random");
	SEND(a, ":list");
	EXPECT(a, MSG_NOT_IN_ROOM);
	SEND(a, ":rooms");
	EXPECT(a, "Fresh news\r\n");
	ck_assert_msg(strstr(a->last, "Renamed chat") != NULL &&
	    strstr(a->last, "random") == NULL, ":rooms: %s", a->last);
	SEND(a, ":join random");
	EXPECT(a, MSG_JOIN_REFUSED, "random");

	/* small now admits one; general's member carries on. */
	tc_join(b, "small", NULL);
	SEND(a, ":join small");
	EXPECT(a, MSG_ROOM_FULL, "small", 1u, 1u);
	tc_join(a, "general", NULL);
	EXPECT(c, MSG_NOTICE_JOIN "\r\n", "alice", "general");

	reply = ctl_json(0, "rooms", NULL);
	rooms = json_object_get(reply, "rooms");
	ck_assert_int_eq(json_array_size(rooms), 3);
	ck_assert(room_by_name(rooms, "random") == NULL);
	ck_assert(room_by_name(rooms, "news") != NULL);
	r = room_by_name(rooms, "general");
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "description")), "Renamed chat");
	r = room_by_name(rooms, "small");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "limit")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "members")), 1);
	json_decref(reply);
	tc_close(a);
	tc_close(b);
	tc_close(c);
}

/* The rooms are still those of ROOMS_BEFORE, and users still talk. */
static void
assert_unchanged(struct tclient *a, struct tclient *c)
{
	json_t *reply, *rooms, *r;

	reply = ctl_json(0, "rooms", NULL);
	rooms = json_object_get(reply, "rooms");
	ck_assert_int_eq(json_array_size(rooms), 3);
	ck_assert(room_by_name(rooms, "random") != NULL);
	r = room_by_name(rooms, "general");
	ck_assert_str_eq(json_string_value(json_object_get(r,
	    "description")), "General chat");
	json_decref(reply);
	SEND(a, "unaffected");
	EXPECT(c, ALICE "unaffected\r\n");
}

/* chatsockctl reload. */
START_TEST(test_reload_ctl)
{
	reload_run(0);
}
END_TEST

/* SIGHUP. */
START_TEST(test_reload_hup)
{
	reload_run(1);
}
END_TEST

/* A broken file keeps the running config; reload says what and where. */
START_TEST(test_reload_broken)
{
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *c = tc_chatter("carol", "general");
	json_t *reply;
	char *out, *err;
	long deadline;

	tc_drain(a, 100);
	write_config("\"rooms\": {\"general\": {\"descripton\": \"typo\"}}");
	ck_assert_int_eq(ctl_run(&out, &err, "reload", NULL), 1);
	ck_assert_msg(strstr(err, td.config) != NULL &&
	    strstr(err, "rooms.general.descripton") != NULL,
	    "the error names no file and key: %s", err);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	reply = ctl_json(1, "reload", NULL);
	ck_assert(strstr(json_string_value(json_object_get(reply, "error")),
	    "rooms.general.descripton") != NULL);
	json_decref(reply);
	assert_unchanged(a, c);

	/* The same by SIGHUP, with a syntax error: logged, nothing changes. */
	write_file(td.config, "{ \"port\": ");
	kill(td.pid, SIGHUP);
	deadline = now_ms() + T_WAIT;
	while (!log_has("reload failed") && now_ms() < deadline)
		usleep(10000);
	ck_assert_msg(log_has("reload failed") && log_has(td.config),
	    "the failed reload was not logged with the file");
	assert_unchanged(a, c);
	EXPECT_NOT(a, "* The room");
	tc_close(a);
	tc_close(c);
}
END_TEST

/* The port a daemon started by spawn_daemon listens on, or 0 if it died. */
static int
wait_port(pid_t pid, const char *portfile)
{
	long deadline = now_ms() + 10000;
	int status, port;
	char *text;

	while (now_ms() < deadline) {
		if ((text = read_file(portfile)) != NULL) {
			port = atoi(text);
			free(text);
			if (port > 0)
				return (port);
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return (0);
		usleep(10000);
	}
	return (0);
}

/* A socket file left by a killed daemon is replaced at the next start. */
START_TEST(test_stale_socket)
{
	char log[T_PATH], portfile[T_PATH];
	struct tclient *a;
	struct adm adm;
	json_t *reply;
	int status, port;
	pid_t pid;

	kill(td.pid, SIGKILL);
	waitpid(td.pid, &status, 0);
	td.pid = 0;
	ck_assert_msg(adm_open(&adm, td.admin) != 0 && errno == ECONNREFUSED,
	    "the killed daemon's socket is not stale");

	snprintf(log, sizeof log, "%s/second.log", td.dir);
	snprintf(portfile, sizeof portfile, "%s/port2", td.dir);
	pid = spawn_daemon(log, portfile);
	port = wait_port(pid, portfile);
	td.pid = pid;
	snprintf(td.log, sizeof td.log, "%s", log);
	ck_assert_msg(port > 0, "the new daemon did not start: %s",
	    read_file(log));
	td.port = port;
	ck_assert(log_has("removing stale admin socket"));
	reply = ctl_json(0, "stats", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(reply,
	    "users")), 0);
	json_decref(reply);
	a = tc_user("alice");
	reply = ctl_json(0, "listall", NULL);
	ck_assert(user_by_name(json_object_get(reply, "users"), "alice"));
	json_decref(reply);
	tc_close(a);
}
END_TEST

/* A second daemon on a live socket refuses to start; the first goes on. */
START_TEST(test_live_socket)
{
	char log[T_PATH], portfile[T_PATH], *text;
	struct tclient *a = tc_chatter("alice", "general");
	struct tclient *b = tc_chatter("bob", "general");
	json_t *reply;
	int status;
	pid_t pid;

	snprintf(log, sizeof log, "%s/second.log", td.dir);
	snprintf(portfile, sizeof portfile, "%s/port2", td.dir);
	pid = spawn_daemon(log, portfile);
	if (wait_exit(pid, 10000, &status) != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("a second chatsockd on the same socket runs");
	}
	text = read_file(log);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	    "the second daemon ended with status 0x%x", status);
	ck_assert_msg(text != NULL && strstr(text, td.admin) != NULL &&
	    strstr(text, "another chatsockd is running") != NULL,
	    "its message: %s", text);
	free(text);
	ck_assert(access(portfile, F_OK) != 0);

	ck_assert(access(td.admin, F_OK) == 0);
	reply = ctl_json(0, "stats", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(reply,
	    "users")), 2);
	json_decref(reply);
	EXPECT(a, MSG_NOTICE_JOIN, "bob", "general");
	SEND(a, "still the one");
	EXPECT(b, ALICE "still the one\r\n");
	tc_close(a);
	tc_close(b);
}
END_TEST

/*
 * Start a second chatsockd whose admin socket is in dir; what it printed if
 * it refused to start, or NULL (*running set) if it still ran after 5 s.
 */
static char *
start_refused(const char *dir, int *running)
{
	char config[T_PATH], log[T_PATH], text[2048];
	const char *bin = getenv("CHATSOCKD");
	int status, fd;
	pid_t pid;

	snprintf(config, sizeof config, "%s/second.json", td.dir);
	snprintf(log, sizeof log, "%s/second.log", td.dir);
	snprintf(text, sizeof text, "{ \"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"adminSocket\": \"%s/admin.sock\" }\n", dir);
	write_file(config, text);
	if (bin == NULL)
		bin = "./chatsockd";
	ck_assert((pid = fork()) != -1);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		execl(bin, "chatsockd", "-c", config, (char *)NULL);
		_exit(127);
	}
	*running = wait_exit(pid, 5000, &status) != 0;
	if (*running) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return (NULL);
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "chatsockd ended with status 0x%x", status);
	return (read_file(log));
}

/* A socket directory another user owns, or others may write to, is refused. */
START_TEST(test_dir_unsafe)
{
	static const struct {
		uid_t		 uid;
		mode_t		 mode;
		const char	*why;
	} cases[] = {
		{ NOBODY, 0700, "belongs to uid 65534" },
		{ 0, 0777, "writable by others" },
		{ 0, 0770, "writable by its group" },
		{ 0, 01733, "writable by others" },
	};
	char dir[T_PATH], sock[T_PATH + 16], *text;
	size_t i;
	int running;

	if (geteuid() != 0) {
		fprintf(stderr, "test_dir_unsafe: skipped, not root\n");
		return;
	}
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(dir, sizeof dir, "%s/d%zu", td.dir, i);
		snprintf(sock, sizeof sock, "%s/admin.sock", dir);
		ck_assert(mkdir(dir, 0700) == 0);
		ck_assert(chown(dir, cases[i].uid, cases[i].uid) == 0);
		ck_assert(chmod(dir, cases[i].mode) == 0);
		text = start_refused(dir, &running);
		ck_assert_msg(!running, "chatsockd started with its admin "
		    "socket in %s (uid %d, mode %o)", dir, (int)cases[i].uid,
		    (unsigned)cases[i].mode);
		ck_assert_msg(text != NULL && strstr(text, dir) != NULL &&
		    strstr(text, cases[i].why) != NULL, "its message does not "
		    "name %s and say \"%s\": %s", dir, cases[i].why, text);
		ck_assert_msg(access(sock, F_OK) != 0, "a socket was made in "
		    "%s", dir);
		free(text);
	}

	/* Its own directory, not writable by others, is fine: 0711 here. */
	snprintf(dir, sizeof dir, "%s/ok", td.dir);
	ck_assert(mkdir(dir, 0711) == 0);
	text = start_refused(dir, &running);
	ck_assert_msg(running, "chatsockd refused a safe directory: %s", text);
}
END_TEST

/*
 * A fake daemon at path: binds as root, then listens as uid and answers
 * nconn requests with reply, each request appended to DIR/fake.req.
 */
static pid_t
fake_server(const char *path, uid_t uid, const char *reply, int nconn)
{
	struct sockaddr_un sun;
	char req[T_PATH + 16];
	struct adm a;
	char *line, ready;
	pid_t pid;
	int fd, c, out, fds[2];

	snprintf(req, sizeof req, "%s/fake.req", td.dir);
	write_file(req, "");
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	ck_assert((fd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0,
	    "bind %s: %s", path, strerror(errno));
	ck_assert(chmod(path, 0666) == 0);
	ck_assert(pipe(fds) == 0);
	ck_assert((pid = fork()) != -1);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		out = open(req, O_WRONLY | O_APPEND);
		if (uid != 0 && (setgroups(0, NULL) != 0 ||
		    setgid(uid) != 0 || setuid(uid) != 0))
			_exit(1);
		if (listen(fd, 8) != 0)	/* SO_PEERCRED: who listened */
			_exit(1);
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		close(fds[1]);
		while (nconn-- > 0) {
			if ((c = accept(fd, NULL, NULL)) == -1)
				_exit(1);
			memset(&a, 0, sizeof a);
			a.fd = c;
			if ((line = adm_line(&a, 5000)) != NULL)
				dprintf(out, "%s\n", line);
			dprintf(c, "%s\n", reply);
			close(c);
		}
		_exit(0);
	}
	close(fd);
	close(fds[1]);
	ck_assert_msg(read(fds[0], &ready, 1) == 1, "the fake daemon did not "
	    "start listening");
	close(fds[0]);
	return (pid);
}

/* End a fake daemon. */
static void
fake_stop(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* text holds no C0 control but newline, no DEL, no C1 (as UTF-8). */
static void
assert_no_controls(const char *what, const char *text)
{
	const unsigned char *u = (const unsigned char *)text;

	for (; *u != '\0'; u++) {
		ck_assert_msg((*u >= 0x20 || *u == '\n') && *u != 0x7f &&
		    !(u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f),
		    "%s holds control byte 0x%02x at %zu: %s", what, *u,
		    (size_t)(u - (const unsigned char *)text), text);
	}
}

/* chatsockctl talks to no process of another user in the daemon's place. */
START_TEST(test_ctl_fake_other_uid)
{
	char dir[T_PATH], path[T_PATH + 16], req[T_PATH + 16], *out, *err;
	char *text;
	const char *args[] = { "-s", path, "broadcast", "the", "secret",
	    NULL };
	pid_t pid;

	if (geteuid() != 0) {
		fprintf(stderr, "test_ctl_fake_other_uid: skipped, not root\n");
		return;
	}
	snprintf(dir, sizeof dir, "%s/fake", td.dir);
	snprintf(path, sizeof path, "%s/admin.sock", dir);
	snprintf(req, sizeof req, "%s/fake.req", td.dir);
	ck_assert(mkdir(dir, 0755) == 0);
	pid = fake_server(path, NOBODY, "{\"ok\":true,\"recipients\":7}", 1);
	ck_assert_int_eq(ctl_argv(args, &out, &err), 1);
	ck_assert_msg(strstr(err, "uid 65534") != NULL && strstr(err, path),
	    "the refusal does not say who answered where: %s", err);
	ck_assert_msg(strcmp(out, "") == 0, "printed: %s", out);
	free(out);
	free(err);
	usleep(200000);
	text = read_file(req);
	ck_assert_msg(text != NULL && strstr(text, "secret") == NULL,
	    "the request went to the other user's process: %s", text);
	free(text);
	fake_stop(pid);

	/* A directory others may write to is not trusted, whoever answers. */
	unlink(path);
	ck_assert(chmod(dir, 0777) == 0);
	pid = fake_server(path, 0, "{\"ok\":true,\"recipients\":7}", 1);
	ck_assert_int_eq(ctl_argv(args, &out, &err), 1);
	ck_assert_msg(strstr(err, "writable by others") != NULL, "%s", err);
	free(out);
	free(err);
	fake_stop(pid);
}
END_TEST

/* Whatever a reply holds, chatsockctl prints no control characters. */
START_TEST(test_ctl_fake_escapes)
{
#define EVIL	"\\u001b]0;owned\\u0007\\u001b[2J\\u001b[41mFAKE\\u007f\\u009b31m"
	static const char reply[] = "{\"ok\":true,\"users\":[{\"name\":\""
	    EVIL "\",\"room\":\"" EVIL "\",\"dm\":null,\"view\":\"" EVIL
	    "\",\"address\":\"" EVIL "\",\"connected\":1,\"idle\":2}],"
	    "\"rooms\":[{\"name\":\"" EVIL "\",\"public\":true,"
	    "\"members\":1,\"limit\":0,\"description\":\"" EVIL "\"}],"
	    "\"user\":\"" EVIL "\",\"warnings\":[\"" EVIL "\"]}";
	static const char refusal[] = "{\"ok\":false,\"error\":\"" EVIL "\"}";
	static const char *const cmds[][4] = {
		{ "listall" }, { "rooms" }, { "kick", "x" }, { "reload" },
		{ "--json", "listall" }, { "--json", "rooms" },
	};
	char dir[T_PATH], path[T_PATH + 16], *out, *err;
	const char *args[8];
	size_t i, n;
	int status;
	pid_t pid;

	snprintf(dir, sizeof dir, "%s/fake", td.dir);
	snprintf(path, sizeof path, "%s/admin.sock", dir);
	ck_assert(mkdir(dir, 0700) == 0);
	pid = fake_server(path, 0, reply, 6);
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		args[0] = "-s";
		args[1] = path;
		for (n = 0; n < 4 && cmds[i][n] != NULL; n++)
			args[2 + n] = cmds[i][n];
		args[2 + n] = NULL;
		status = ctl_argv(args, &out, &err);
		assert_no_controls(cmds[i][0], out);
		assert_no_controls(cmds[i][0], err);
		ck_assert_msg(status == 0, "%s: status %d: %s", cmds[i][0],
		    status, err);
		ck_assert_msg(strstr(out, "FAKE") != NULL || strstr(err,
		    "FAKE") != NULL, "%s: the text is gone: %s", cmds[i][0],
		    out);
		free(out);
		free(err);
	}
	fake_stop(pid);

	unlink(path);
	pid = fake_server(path, 0, refusal, 2);
	args[2] = "stats";
	args[3] = NULL;
	ck_assert_int_eq(ctl_argv(args, &out, &err), 1);
	assert_no_controls("an error", err);
	ck_assert_msg(strstr(err, "FAKE") != NULL, "%s", err);
	free(out);
	free(err);
	args[2] = "--json";
	args[3] = "stats";
	args[4] = NULL;
	ck_assert_int_eq(ctl_argv(args, &out, &err), 1);
	assert_no_controls("--json error", out);
	ck_assert_msg(strcasestr(out, "\\u001b") != NULL &&
	    strcasestr(out, "\\u009b") != NULL, "--json lost the escapes: %s", out);
	free(out);
	free(err);
	fake_stop(pid);
#undef EVIL
}
END_TEST

/* reload prints the warnings it logged, judged against the running values. */
START_TEST(test_reload_warnings)
{
	char text[4096], *out, *err;
	json_t *reply, *w;
	int i;

	snprintf(text, sizeof text, "{ \"host\": \"127.0.0.1\", "
	    "\"port\": 22999, \"adminSocket\": \"%s.new\", "
	    "\"shutdownGrace\": 0, \"connectionTimeout\": false, "
	    "\"accountsFile\": \"%s/accounts\", \"rooms\": {} }\n",
	    td.admin, td.dir);
	write_file(td.config, text);
	for (i = 0; i < 2; i++) {	/* the second time too */
		ck_assert_int_eq(ctl_run(&out, &err, "reload", NULL), 0);
		ck_assert_str_eq(out, "configuration reloaded\n");
		ck_assert_msg(strstr(err, "warning: host, port: the daemon "
		    "still listens on 127.0.0.1 port 0; a change needs a "
		    "restart") != NULL, "reload %d: %s", i + 1, err);
		ck_assert_msg(strstr(err, "adminSocket: the daemon still "
		    "listens on") != NULL && strstr(err, td.admin) != NULL,
		    "reload %d: %s", i + 1, err);
		ck_assert_msg(strstr(err, "rooms: no rooms") != NULL,
		    "reload %d: %s", i + 1, err);
		free(out);
		free(err);
	}
	reply = ctl_json(0, "reload", NULL);
	w = json_object_get(reply, "warnings");
	ck_assert_msg(json_is_array(w) && json_array_size(w) == 3,
	    "--json reload: warnings %s", json_dumps(reply, 0));
	json_decref(reply);
	ck_assert(log_has("a change needs a restart"));

	/* Back to what it runs with: nothing to warn about. */
	write_config(ROOMS);
	ck_assert_int_eq(ctl_run(&out, &err, "reload", NULL), 0);
	ck_assert_str_eq(out, "configuration reloaded\n");
	ck_assert_msg(strcmp(err, "") == 0, "warned: %s", err);
	free(out);
	free(err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("admin");
	TCase *tc;

	tc = tcase_daemon("ctl", setup);
	tcase_add_test(tc, test_listall);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_rooms);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_broadcast);
	tcase_add_test(tc, test_kick);
	tcase_add_test(tc, test_reload_ok);
	tcase_add_test(tc, test_statuses);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("protocol", setup);
	tcase_add_test(tc, test_protocol_errors);
	tcase_add_test(tc, test_protocol_oversized);
	tcase_add_test(tc, test_protocol_pipelined);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("permission", setup);
	tcase_add_test(tc, test_perm_other_uid);
	suite_add_tcase(s, tc);
	tc = tcase_daemon("group", setup_group);
	tcase_add_test(tc, test_perm_group);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("shutdown", setup_shutdown);
	tcase_add_test(tc, test_shutdown_ctl);
	tcase_add_test(tc, test_shutdown_term);
	tcase_add_test(tc, test_shutdown_int);
	tcase_add_test(tc, test_shutdown_twice);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("reload", setup_reload);
	tcase_add_test(tc, test_reload_ctl);
	tcase_add_test(tc, test_reload_hup);
	tcase_add_test(tc, test_reload_broken);
	tcase_add_test(tc, test_reload_warnings);
	suite_add_tcase(s, tc);

	tc = tcase_daemon("socket", setup);
	tcase_add_test(tc, test_stale_socket);
	tcase_add_test(tc, test_live_socket);
	tcase_add_test(tc, test_dir_unsafe);
	tcase_add_test(tc, test_ctl_fake_other_uid);
	tcase_add_test(tc, test_ctl_fake_escapes);
	suite_add_tcase(s, tc);

	return (run_suite(s));
}
