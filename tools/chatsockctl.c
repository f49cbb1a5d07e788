/* chatsockctl: the operator's blocking client for chatsockd's admin socket. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <crypt.h>
#include <jansson.h>

#include "limits.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define CTL_NAME		"chatsockctl"

/*
 * Where to look for the admin socket when neither -s nor the variable says;
 * a socket under /tmp is used only in a directory of the invoking user's,
 * since anyone may create /tmp/chatsock.
 */
#define CTL_SOCKET_ENV		"CHATSOCK_SOCKET"
static const struct {
	const char	*path;
	int		 mine_only;
} ctl_default_sockets[] = {
	{ "/run/chatsock/admin.sock", 0 },
	{ "/tmp/chatsock/admin.sock", 1 },
};
#define CTL_NSOCKETS \
	(sizeof ctl_default_sockets / sizeof ctl_default_sockets[0])

/* A reply line longer than this is refused; the daemon never sends one. */
#define CTL_REPLY_MAX		(16 * 1024 * 1024)

/* Seconds to wait for the daemon to accept, take and answer a request. */
#define CTL_TIMEOUT_SECONDS	10

/* Exit statuses: worked, failed, bad command line. */
#define CTL_EXIT_OK		0
#define CTL_EXIT_FAIL		1
#define CTL_EXIT_USAGE		2

/* A table of text cells printed in aligned columns. */
struct ctl_table {
	u_int		  ncols;
	u_int		  nrows;
	char		**cells;	/* nrows * ncols, row-major */
};

/*
 * One chatsockctl command: run_local is set for local commands; otherwise
 * build_request builds the request, or is NULL where it is {"cmd":NAME}.
 */
struct ctl_cmd {
	const char	 *name;
	int		  min_args;
	int		  max_args;	/* -1 for no limit */
	const char	 *usage;
	json_t		*(*build_request)(int, char **);
	int		  (*print_reply)(json_t *, int, char **, char **);
	int		  (*run_local)(char **);
};

static void	 ctl_usage(FILE *);
static void	 ctl_usage_error(const char *, const char *, ...)
		     __attribute__((format(printf, 2, 3), noreturn));
static void	*ctl_malloc(size_t);
static void	*ctl_reallocarray(void *, size_t, size_t);
static char	*ctl_strdup(const char *);
static char	*ctl_printf(const char *, ...)
		     __attribute__((format(printf, 1, 2)));
static char	*ctl_join(int, char **);
static const struct ctl_cmd *ctl_find(const char *);

static int	 ctl_connect_one(const char *, int *);
static char	*ctl_check_dir(const char *, int, uid_t *);
static char	*ctl_check_peer(int, const char *, uid_t);
static char	*ctl_try(const char *, int, int *, int *);
static char	*ctl_clean(const char *);
static size_t	 ctl_skip_escape(const u_char *);
static char	*ctl_json_escape(const char *);
static int	 ctl_connect(const char *, char **);
static int	 ctl_send(int, const char *, size_t, char **);
static int	 ctl_recv_line(int, char **, size_t *, char **);
static int	 ctl_exchange(const char *, json_t *, json_t **, char **);
static int	 ctl_check_reply(json_t *, int *, char **);

static void	 ctl_duration(char *, size_t, json_int_t);
static size_t	 ctl_text_width(const char *);
static void	 ctl_table_init(struct ctl_table *, u_int);
static void	 ctl_table_add(struct ctl_table *, const char **);
static void	 ctl_table_print(struct ctl_table *);
static void	 ctl_table_free(struct ctl_table *);
static int	 ctl_malformed(const char *, const char *, char **);
static int	 ctl_get_int(json_t *, const char *, json_int_t *, char **);
static int	 ctl_get_string(json_t *, const char *, int, const char **,
		     char **);
static int	 ctl_get_bool(json_t *, const char *, int *, char **);
static int	 ctl_get_array(json_t *, const char *, json_t **, char **);

static json_t	*ctl_request(const struct ctl_cmd *, int, char **);
static json_t	*ctl_req_list(int, char **);
static json_t	*ctl_req_broadcast(int, char **);
static json_t	*ctl_req_register(int, char **);
static json_t	*ctl_req_unregister(int, char **);
static json_t	*ctl_read_keys(const char *);
static json_t	*ctl_req_kick(int, char **);
static json_t	*ctl_req_shutdown(int, char **);

#define CTL_COLS_MAX	9

/* Fills one table row from one object of a reply's array. */
typedef int ctl_row_fn(json_t *item, const char **row, char scratch[][64],
    char **cause);

static int	 ctl_print_table(json_t *, const char *, const char *,
		     const char **, u_int, ctl_row_fn *, char **);
static ctl_row_fn ctl_user_row;
static ctl_row_fn ctl_user_node_row;
static ctl_row_fn ctl_node_row;
static int	 ctl_print_nodes(json_t *, int, char **, char **);
static ctl_row_fn ctl_room_row;
static int	 ctl_print_users(json_t *, int, char **, char **);
static int	 ctl_print_rooms(json_t *, int, char **, char **);
static int	 ctl_print_stats(json_t *, int, char **, char **);
static int	 ctl_print_broadcast(json_t *, int, char **, char **);
static int	 ctl_print_kick(json_t *, int, char **, char **);
static int	 ctl_print_accounts(json_t *, int, char **, char **);
static int	 ctl_print_register(json_t *, int, char **, char **);
static int	 ctl_print_unregister(json_t *, int, char **, char **);
static ctl_row_fn ctl_account_row;
static int	 ctl_print_reload(json_t *, int, char **, char **);
static int	 ctl_print_shutdown(json_t *, int, char **, char **);
static int	 ctl_print_count(json_t *, const char *, const char *,
		     const char *, char **);

static void	 ctl_tty_restore(void);
static void	 ctl_tty_signal(int);
static char	*ctl_read_password(const char *, int, char **);
static void	 ctl_free_password(char *);
static int	 ctl_hash_password(char **);

static const struct ctl_cmd ctl_cmds[] = {
	{ "listall", 0, 0, "listall",
	  NULL, ctl_print_users, NULL },
	{ "list", 1, 1, "list ROOM",
	  ctl_req_list, ctl_print_users, NULL },
	{ "rooms", 0, 0, "rooms",
	  NULL, ctl_print_rooms, NULL },
	{ "stats", 0, 0, "stats",
	  NULL, ctl_print_stats, NULL },
	{ "broadcast", 1, -1, "broadcast TEXT...",
	  ctl_req_broadcast, ctl_print_broadcast, NULL },
	{ "kick", 1, -1, "kick USER [REASON...]",
	  ctl_req_kick, ctl_print_kick, NULL },
	{ "accounts", 0, 0, "accounts",
	  NULL, ctl_print_accounts, NULL },
	{ "register", 2, 3, "register NAME PUBKEYFILE [--kick]",
	  ctl_req_register, ctl_print_register, NULL },
	{ "unregister", 1, 1, "unregister NAME",
	  ctl_req_unregister, ctl_print_unregister, NULL },
	{ "reload", 0, 0, "reload",
	  NULL, ctl_print_reload, NULL },
	{ "shutdown", 0, -1, "shutdown [TEXT...]",
	  ctl_req_shutdown, ctl_print_shutdown, NULL },
	{ "hash-password", 0, 0, "hash-password",
	  NULL, NULL, ctl_hash_password },
	{ "nodes", 0, 0, "nodes",
	  NULL, ctl_print_nodes, NULL },
};
#define CTL_NCMDS (sizeof ctl_cmds / sizeof ctl_cmds[0])

/* The stats reply: label printed, key in the reply, whether a duration. */
static const struct {
	const char	*label;
	const char	*key;
	int		 duration;
} ctl_stats[] = {
	{ "users", "users", 0 },
	{ "peak users", "peak_users", 0 },
	{ "rooms", "rooms", 0 },
	{ "messages relayed", "messages", 0 },
	{ "bytes in", "bytes_in", 0 },
	{ "bytes out", "bytes_out", 0 },
	{ "connections", "connections", 0 },
	{ "uptime", "uptime", 1 },
};

static const struct option ctl_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ "socket", required_argument, NULL, 's' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Terminal state saved while a password is typed without echo. */
static struct termios	ctl_tty_saved;
static volatile sig_atomic_t ctl_tty_changed;

/* Print the full usage, with every command, to f. */
static void
ctl_usage(FILE *f)
{
	u_int	i;

	fprintf(f, "usage: %s [-j] [-s PATH] COMMAND [ARGS]\n"
	    "       %s -h | --help | -V | --version\n"
	    "options:\n"
	    "  -s, --socket PATH  the daemon's admin socket\n"
	    "  -j, --json         print the daemon's JSON reply, not a table\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version and exit\n"
	    "commands:\n", CTL_NAME, CTL_NAME);
	for (i = 0; i < CTL_NCMDS; i++)
		fprintf(f, "  %s\n", ctl_cmds[i].usage);
	fprintf(f, "The socket is -s PATH, else $%s, else the first of",
	    CTL_SOCKET_ENV);
	for (i = 0; i < CTL_NSOCKETS; i++)
		fprintf(f, "%s %s", i == 0 ? "" : " and",
		    ctl_default_sockets[i].path);
	fprintf(f, " that answers\n(the latter only if its directory "
	    "belongs to you).\n");
}

/* Report a bad command line with a one-line reason and the usage; exit 2. */
static void
ctl_usage_error(const char *usage, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", CTL_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (usage != NULL)
		fprintf(stderr, "usage: %s [-j] [-s PATH] %s\n", CTL_NAME,
		    usage);
	else
		ctl_usage(stderr);
	exit(CTL_EXIT_USAGE);
}

/* Allocate or end the program: nothing useful is left to do without memory. */
static void *
ctl_malloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", CTL_NAME);
		exit(CTL_EXIT_FAIL);
	}
	return (p);
}

/* Resize an array of n elements of size bytes, checking the product. */
static void *
ctl_reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		fprintf(stderr, "%s: out of memory\n", CTL_NAME);
		exit(CTL_EXIT_FAIL);
	}
	if ((p = realloc(p, n * size == 0 ? 1 : n * size)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", CTL_NAME);
		exit(CTL_EXIT_FAIL);
	}
	return (p);
}

/* Copy a string or end the program. */
static char *
ctl_strdup(const char *s)
{
	size_t	 len = strlen(s) + 1;

	return (memcpy(ctl_malloc(len), s, len));
}

/* Format into a new string or end the program. */
static char *
ctl_printf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "%s: cannot format a message\n", CTL_NAME);
		exit(CTL_EXIT_FAIL);
	}
	s = ctl_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (s);
}

/* Join argc words with single spaces into a new string. */
static char *
ctl_join(int argc, char **argv)
{
	size_t	 len = 1, off = 0, n;
	char	*s;
	int	 i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = ctl_malloc(len);
	for (i = 0; i < argc; i++) {
		if (i != 0)
			s[off++] = ' ';
		n = strlen(argv[i]);
		memcpy(s + off, argv[i], n);
		off += n;
	}
	s[off] = '\0';
	return (s);
}

/* Find a command by its exact name. */
static const struct ctl_cmd *
ctl_find(const char *name)
{
	u_int	i;

	for (i = 0; i < CTL_NCMDS; i++) {
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return (&ctl_cmds[i]);
	}
	return (NULL);
}

/* Connect to one socket path into *fdp; -1 with errno set on failure. */
static int
ctl_connect_one(const char *path, int *fdp)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { CTL_TIMEOUT_SECONDS, 0 };
	int			fd, saved;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	/* Bounds a connect to a daemon whose backlog is full, and send. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1)
		goto fail;
	while (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno != EINTR) {
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			goto fail;
		}
	}
	*fdp = fd;
	return (0);

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/*
 * Check the directory of the socket at path: anyone who may write to it may
 * have put their own socket there. NULL if it is safe (its owner in *owner),
 * else why not. With mine_only it must also belong to the invoking user.
 */
static char *
ctl_check_dir(const char *path, int mine_only, uid_t *owner)
{
	struct stat	 sb;
	char		*dir, *slash, *why = NULL;

	dir = ctl_strdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = ctl_strdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) != 0)
		why = ctl_printf("%s: %s", dir, strerror(errno));
	else if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
		why = ctl_printf("not used: its directory %s is writable by %s "
		    "(mode %04o), so anyone could have put a socket there", dir,
		    (sb.st_mode & S_IWOTH) ? "others" : "its group",
		    (u_int)(sb.st_mode & 07777));
	} else if (mine_only && sb.st_uid != getuid()) {
		why = ctl_printf("not used: its directory %s belongs to uid %ld, "
		    "not to you (uid %ld)", dir, (long)sb.st_uid,
		    (long)getuid());
	} else
		*owner = sb.st_uid;
	free(dir);
	return (why);
}

/*
 * Check who answers on fd: root or the owner of the socket's directory, as
 * the daemon is. NULL if so, else why not.
 */
static char *
ctl_check_peer(int fd, const char *path, uid_t owner)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return (ctl_printf("SO_PEERCRED: %s", strerror(errno)));
	if (cred.uid == 0 || cred.uid == owner)
		return (NULL);
	return (ctl_printf("not used: the process answering runs as uid %ld, "
	    "neither root nor the owner of %s's directory (uid %ld)",
	    (long)cred.uid, path, (long)owner));
}

/*
 * Connect to path into *fdp, if its directory and the process answering can
 * be trusted. NULL, or why not (*unsafe set if not for want of a daemon).
 */
static char *
ctl_try(const char *path, int mine_only, int *fdp, int *unsafe)
{
	uid_t	 owner = (uid_t)-1;
	char	*why;
	int	 fd;

	if ((why = ctl_check_dir(path, mine_only, &owner)) != NULL) {
		*unsafe = strncmp(why, "not used", 8) == 0;
		return (why);
	}
	if (ctl_connect_one(path, &fd) != 0) {
		if (errno == EACCES || errno == EPERM)
			*unsafe = 2;
		return (ctl_strdup(strerror(errno)));
	}
	if ((why = ctl_check_peer(fd, path, owner)) != NULL) {
		*unsafe = 1;
		close(fd);
		return (why);
	}
	*fdp = fd;
	return (NULL);
}

/* Connect to path, or to the first default socket that answers. */
static int
ctl_connect(const char *path, char **cause)
{
	const char	*tried[CTL_NSOCKETS];
	char		*whys[CTL_NSOCKETS], *msg, *tmp;
	int		 fd = -1, unsafe = 0, denied = 0, u;
	u_int		 n = 0, i;

	if (path == NULL) {
		path = getenv(CTL_SOCKET_ENV);
		if (path != NULL && *path == '\0')
			path = NULL;
	}
	if (path != NULL) {
		u = 0;
		tried[n] = path;
		if ((whys[n++] = ctl_try(path, 0, &fd, &u)) == NULL)
			return (fd);
		unsafe |= u & 1;
		denied |= u & 2;
	} else {
		for (i = 0; i < CTL_NSOCKETS; i++) {
			u = 0;
			tried[n] = ctl_default_sockets[i].path;
			whys[n] = ctl_try(tried[n],
			    ctl_default_sockets[i].mine_only, &fd, &u);
			if (whys[n] == NULL)
				break;
			n++;
			unsafe |= u & 1;
			denied |= u & 2;
		}
		if (i < CTL_NSOCKETS) {
			while (n > 0)
				free(whys[--n]);
			return (fd);
		}
	}

	msg = ctl_strdup("cannot connect to");
	for (i = 0; i < n; i++) {
		tmp = ctl_printf("%s%s %s: %s", msg, i == 0 ? "" : ";",
		    tried[i], whys[i]);
		free(msg);
		free(whys[i]);
		msg = tmp;
	}
	if (denied) {
		*cause = ctl_printf("%s (run it as root, as the daemon's user "
		    "or as a member of adminGroup)", msg);
	} else if (unsafe)
		*cause = msg;
	else
		*cause = ctl_printf("%s (is chatsockd running?)", msg);
	if (*cause != msg)
		free(msg);
	return (-1);
}

/*
 * Length of the escape sequence at s (ESC, or CSI/OSC/DCS... as C1 in UTF-8):
 * CSI up to its final byte, string sequences up to BEL or ST, others two.
 */
static size_t
ctl_skip_escape(const u_char *s)
{
	size_t	i;
	u_char	kind;

	if (s[0] == 0x1b) {
		kind = s[1];
		i = 2;
		if (kind == '\0')
			return (1);
	} else {
		kind = s[1] - 0x40;	/* C2 9B is CSI, as ESC [ */
		i = 2;
	}
	if (kind == '[') {
		while (s[i] >= 0x20 && s[i] <= 0x3f)
			i++;
		if (s[i] >= 0x40 && s[i] <= 0x7e)
			i++;
		return (i);
	}
	if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' ||
	    kind == '_') {
		while (s[i] != '\0' && s[i] != 0x07 &&
		    !(s[i] == 0x1b && s[i + 1] == '\\') &&
		    !(s[i] == 0xc2 && s[i + 1] == 0x9c))
			i++;
		if (s[i] == 0x07)
			i++;
		else if (s[i] != '\0')
			i += 2;
		return (i);
	}
	if (s[0] != 0x1b)
		return (2);		/* any other C1 control */
	while (s[i - 1] >= 0x20 && s[i - 1] <= 0x2f)
		i++;			/* ESC, intermediates, final */
	if (s[i - 1] == '\0')
		i--;
	return (i);
}

/*
 * A copy of s fit for a terminal: control characters (C0, DEL, C1) and
 * whole escape sequences removed, bytes that are not UTF-8 shown as '?'.
 * The daemon sends clean text; this is for whatever answers in its place.
 */
static char *
ctl_clean(const char *s)
{
	const u_char	*u = (const u_char *)s;
	char		*out, *o;
	size_t		 n, i;

	o = out = ctl_malloc(strlen(s) + 1);
	while (*u != '\0') {
		if (*u == 0x1b || (u[0] == 0xc2 && u[1] >= 0x80 &&
		    u[1] <= 0x9f)) {
			u += ctl_skip_escape(u);
			continue;
		}
		if (*u < 0x20 || *u == 0x7f) {
			u++;
			continue;
		}
		if (*u < 0x80) {
			*o++ = *u++;
			continue;
		}
		if (*u >= 0xc2 && *u <= 0xdf)
			n = 2;
		else if (*u >= 0xe0 && *u <= 0xef)
			n = 3;
		else if (*u >= 0xf0 && *u <= 0xf4)
			n = 4;
		else
			n = 0;
		for (i = 1; i < n; i++) {
			if ((u[i] & 0xc0) != 0x80)
				break;
		}
		if (n == 0 || i < n) {
			*o++ = '?';
			u++;
			continue;
		}
		memcpy(o, u, n);
		o += n;
		u += n;
	}
	*o = '\0';
	return (out);
}

/*
 * JSON text with DEL and C1 controls as \\u escapes: jansson escapes only
 * C0, and a terminal acts on the others. Outside strings compact JSON is
 * ASCII, so every such byte is inside a string.
 */
static char *
ctl_json_escape(const char *text)
{
	const u_char	*u = (const u_char *)text;
	char		*out, *o;

	o = out = ctl_reallocarray(NULL, strlen(text) + 1, 6);
	for (; *u != '\0'; u++) {
		if (*u == 0x7f)
			o += sprintf(o, "\\u007f");
		else if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) {
			o += sprintf(o, "\\u%04x", u[1]);
			u++;
		} else
			*o++ = *u;
	}
	*o = '\0';
	return (out);
}

/* Write all of buf; a peer that hung up is reported as such. */
static int
ctl_send(int fd, const char *buf, size_t len, char **cause)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				*cause = ctl_strdup("the daemon closed the "
				    "connection");
			else if (errno == EAGAIN || errno == EWOULDBLOCK)
				*cause = ctl_strdup("timed out sending the "
				    "request");
			else
				*cause = ctl_printf("send: %s",
				    strerror(errno));
			return (-1);
		}
		buf += n;
		len -= n;
	}
	return (0);
}

/* Read one reply line (newline removed) within the timeout and size bound. */
static int
ctl_recv_line(int fd, char **linep, size_t *lenp, char **cause)
{
	struct timespec	 now, end;
	struct pollfd	 pfd;
	char		*buf = NULL, *nl;
	size_t		 size = 0, len = 0, want;
	ssize_t		 n;
	int		 left, r;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += CTL_TIMEOUT_SECONDS;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 +
		    (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0) {
			*cause = ctl_printf("no reply from the daemon within "
			    "%d seconds", CTL_TIMEOUT_SECONDS);
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, left)) == -1) {
			if (errno == EINTR)
				continue;
			*cause = ctl_printf("poll: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			continue;

		if (size - len < 4096) {
			size = size == 0 ? 8192 : size * 2;
			if (size > CTL_REPLY_MAX + 1)
				size = CTL_REPLY_MAX + 1;
			buf = ctl_reallocarray(buf, size, 1);
		}
		want = size - len;
		if (want == 0) {
			*cause = ctl_printf("reply longer than %d bytes",
			    CTL_REPLY_MAX);
			goto fail;
		}
		n = read(fd, buf + len, want);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET)
				*cause = ctl_strdup("the daemon closed the "
				    "connection");
			else
				*cause = ctl_printf("read: %s",
				    strerror(errno));
			goto fail;
		}
		if (n == 0) {
			if (len == 0)
				*cause = ctl_strdup("the daemon closed the "
				    "connection");
			else
				*cause = ctl_strdup("the daemon closed the "
				    "connection in the middle of its reply");
			goto fail;
		}
		nl = memchr(buf + len, '\n', n);
		len += n;
		if (nl != NULL) {
			len = nl - buf;
			if (len > CTL_REPLY_MAX) {
				*cause = ctl_printf("reply longer than %d "
				    "bytes", CTL_REPLY_MAX);
				goto fail;
			}
			*nl = '\0';
			*linep = buf;
			*lenp = len;
			return (0);
		}
	}

fail:
	free(buf);
	return (-1);
}

/* Send one request to the daemon and parse its one-line reply. */
static int
ctl_exchange(const char *path, json_t *req, json_t **replyp, char **cause)
{
	json_error_t	 jerr;
	json_t		*reply;
	char		*text, *line;
	size_t		 len;
	int		 fd;

	if ((text = json_dumps(req, JSON_COMPACT)) == NULL) {
		*cause = ctl_strdup("cannot encode the request");
		return (-1);
	}
	len = strlen(text);
	if (len > ADMIN_LINE_MAX) {
		*cause = ctl_printf("request too long (%zu bytes; the daemon "
		    "takes at most %d)", len, ADMIN_LINE_MAX);
		free(text);
		return (-1);
	}
	line = ctl_printf("%s\n", text);
	free(text);

	if ((fd = ctl_connect(path, cause)) == -1) {
		free(line);
		return (-1);
	}
	if (ctl_send(fd, line, len + 1, cause) != 0) {
		free(line);
		close(fd);
		return (-1);
	}
	free(line);
	if (ctl_recv_line(fd, &line, &len, cause) != 0) {
		close(fd);
		return (-1);
	}
	close(fd);

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	reply = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	free(line);
	if (reply == NULL) {
		*cause = ctl_printf("malformed reply: %s (column %d)",
		    jerr.text, jerr.column);
		return (-1);
	}
	if (!json_is_object(reply)) {
		json_decref(reply);
		*cause = ctl_strdup("malformed reply: not a JSON object");
		return (-1);
	}
	*replyp = reply;
	return (0);
}

/* Read "ok"; for a refusal, put the daemon's error into cause. */
static int
ctl_check_reply(json_t *reply, int *okp, char **cause)
{
	json_t		*ok, *error;

	ok = json_object_get(reply, "ok");
	if (!json_is_boolean(ok)) {
		*cause = ctl_strdup("malformed reply: \"ok\" missing or not "
		    "a boolean");
		return (-1);
	}
	*okp = json_is_true(ok);
	if (!*okp) {
		error = json_object_get(reply, "error");
		if (json_is_string(error))
			*cause = ctl_strdup(json_string_value(error));
		else
			*cause = ctl_strdup("the daemon refused the request "
			    "without saying why");
	}
	return (0);
}

/* Format seconds as 45s, 12m03s, 3h04m or 2d03h. */
static void
ctl_duration(char *buf, size_t size, json_int_t secs)
{
	long long	s = secs < 0 ? 0 : (long long)secs;

	if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", s / 86400,
		    s % 86400 / 3600);
}

/* Columns a UTF-8 string takes, counting one per character. */
static size_t
ctl_text_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (((u_char)*s & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

/* Start an empty table of ncols columns. */
static void
ctl_table_init(struct ctl_table *t, u_int ncols)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cells = NULL;
}

/* Append a row, copying its ncols cells cleaned for the terminal. */
static void
ctl_table_add(struct ctl_table *t, const char **row)
{
	u_int	i;

	t->cells = ctl_reallocarray(t->cells, (size_t)(t->nrows + 1) *
	    t->ncols, sizeof *t->cells);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = ctl_clean(row[i]);
	t->nrows++;
}

/* Print the table with each column as wide as its widest cell. */
static void
ctl_table_print(struct ctl_table *t)
{
	size_t		*width, w;
	const char	*cell;
	u_int		 r, c, last;

	width = ctl_reallocarray(NULL, t->ncols, sizeof *width);
	for (c = 0; c < t->ncols; c++) {
		width[c] = 0;
		for (r = 0; r < t->nrows; r++) {
			w = ctl_text_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (r = 0; r < t->nrows; r++) {
		/* No padding after the last cell with text. */
		last = t->ncols - 1;
		while (last > 0 && *t->cells[r * t->ncols + last] == '\0')
			last--;
		for (c = 0; c <= last; c++) {
			cell = t->cells[r * t->ncols + c];
			fputs(cell, stdout);
			if (c == last)
				break;
			for (w = ctl_text_width(cell); w < width[c] + 2; w++)
				putchar(' ');
		}
		putchar('\n');
	}
	free(width);
}

/* Free the table's cells. */
static void
ctl_table_free(struct ctl_table *t)
{
	u_int	i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/* Explain that member key of the reply is missing or not what; -1. */
static int
ctl_malformed(const char *key, const char *what, char **cause)
{
	*cause = ctl_printf("malformed reply: \"%s\" missing or not %s", key,
	    what);
	return (-1);
}

/* Get an integer member or explain what is wrong with it. */
static int
ctl_get_int(json_t *o, const char *key, json_int_t *out, char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v))
		return (ctl_malformed(key, "an integer", cause));
	*out = json_integer_value(v);
	return (0);
}

/* Get a string member (or NULL if nullable and null or absent). */
static int
ctl_get_string(json_t *o, const char *key, int nullable, const char **out,
    char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (nullable && (v == NULL || json_is_null(v))) {
		*out = NULL;
		return (0);
	}
	if (!json_is_string(v))
		return (ctl_malformed(key, "a string", cause));
	*out = json_string_value(v);
	return (0);
}

/* Get a boolean member or explain what is wrong with it. */
static int
ctl_get_bool(json_t *o, const char *key, int *out, char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return (ctl_malformed(key, "a boolean", cause));
	*out = json_is_true(v);
	return (0);
}

/* Get an array member or explain what is wrong with it. */
static int
ctl_get_array(json_t *o, const char *key, json_t **out, char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_array(v))
		return (ctl_malformed(key, "an array", cause));
	*out = v;
	return (0);
}

/* The request for cmd: {"cmd":NAME} unless it builds its own. */
static json_t *
ctl_request(const struct ctl_cmd *cmd, int argc, char **argv)
{
	if (cmd->build_request != NULL)
		return (cmd->build_request(argc, argv));
	return (json_pack("{s:s}", "cmd", cmd->name));
}

/* Build {"cmd":"list","room":ROOM}. */
static json_t *
ctl_req_list(__attribute__((unused)) int argc, char **argv)
{
	return (json_pack("{s:s, s:s}", "cmd", "list", "room", argv[0]));
}

/* Build {"cmd":"broadcast","text":TEXT}, the words joined by spaces. */
static json_t *
ctl_req_broadcast(int argc, char **argv)
{
	json_t	*req;
	char	*text;

	text = ctl_join(argc, argv);
	req = json_pack("{s:s, s:s}", "cmd", "broadcast", "text", text);
	free(text);
	return (req);
}

/* Build {"cmd":"kick","user":USER}, with "reason" if one is given. */
static json_t *
ctl_req_kick(int argc, char **argv)
{
	json_t	*req;
	char	*reason;

	if (argc == 1)
		return (json_pack("{s:s, s:s}", "cmd", "kick", "user",
		    argv[0]));
	reason = ctl_join(argc - 1, argv + 1);
	req = json_pack("{s:s, s:s, s:s}", "cmd", "kick", "user", argv[0],
	    "reason", reason);
	free(reason);
	return (req);
}

/*
 * Build {"cmd":"register","name":NAME,"keys":[...]} from an OpenSSH .pub
 * file or an authorized_keys file, "kick" with --kick.
 */
static json_t *
ctl_req_register(int argc, char **argv)
{
	const char	*name = NULL, *file = NULL;
	json_t		*keys;
	int		 i, kick = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--kick") == 0)
			kick = 1;
		else if (name == NULL)
			name = argv[i];
		else if (file == NULL)
			file = argv[i];
		else
			ctl_usage_error("register NAME PUBKEYFILE [--kick]",
			    "register: too many arguments");
	}
	if (file == NULL)
		ctl_usage_error("register NAME PUBKEYFILE [--kick]",
		    "register: a name and a public key file are needed");
	if ((keys = ctl_read_keys(file)) == NULL)
		exit(CTL_EXIT_FAIL);
	return (json_pack("{s:s, s:s, s:o, s:b}", "cmd", "register", "name",
	    name, "keys", keys, "kick", kick));
}

/*
 * The "TYPE BASE64" of every key in a .pub or authorized_keys file:
 * options before the type and comments after the key are left out.
 */
static json_t *
ctl_read_keys(const char *path)
{
	char	*line = NULL, *word, *save, *key;
	size_t	 size = 0;
	json_t	*keys = json_array();
	FILE	*f;
	u_int	 n = 0;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", CTL_NAME, path,
		    strerror(errno));
		json_decref(keys);
		return (NULL);
	}
	while (getline(&line, &size, f) != -1) {
		n++;
		save = NULL;
		for (word = strtok_r(line, " \t\r\n", &save); word != NULL;
		    word = strtok_r(NULL, " \t\r\n", &save)) {
			if (strncmp(word, "ssh-", 4) == 0 ||
			    strncmp(word, "ecdsa-", 6) == 0 ||
			    strncmp(word, "sk-", 3) == 0)
				break;
		}
		if (word == NULL || word[0] == '#')
			continue;
		if ((key = strtok_r(NULL, " \t\r\n", &save)) == NULL) {
			fprintf(stderr, "%s: %s:%u: a key type without a key\n",
			    CTL_NAME, path, n);
			continue;
		}
		json_array_append_new(keys, json_sprintf("%s %s", word, key));
	}
	free(line);
	fclose(f);
	if (json_array_size(keys) == 0) {
		fprintf(stderr, "%s: %s: no OpenSSH public key found "
		    "(expected lines like \"ssh-ed25519 AAAA... comment\")\n",
		    CTL_NAME, path);
		json_decref(keys);
		return (NULL);
	}
	return (keys);
}

/* Build {"cmd":"unregister","name":NAME}. */
static json_t *
ctl_req_unregister(__attribute__((unused)) int argc, char **argv)
{
	return (json_pack("{s:s, s:s}", "cmd", "unregister", "name",
	    argv[0]));
}

/* Build {"cmd":"shutdown"}, with "text" if one is given. */
static json_t *
ctl_req_shutdown(int argc, char **argv)
{
	json_t	*req;
	char	*text;

	if (argc == 0)
		return (json_pack("{s:s}", "cmd", "shutdown"));
	text = ctl_join(argc, argv);
	req = json_pack("{s:s, s:s}", "cmd", "shutdown", "text", text);
	free(text);
	return (req);
}

/*
 * Print the array reply[key] as a table with head, one row per object; fill
 * turns an object into a row, using scratch for the cells it formats.
 */
static int
ctl_print_table(json_t *reply, const char *key, const char *what,
    const char **head, u_int ncols, ctl_row_fn *fill, char **cause)
{
	struct ctl_table	 t;
	json_t			*items, *item;
	const char		*row[CTL_COLS_MAX];
	char			 scratch[CTL_COLS_MAX][64];
	size_t			 i;

	if (ctl_get_array(reply, key, &items, cause) != 0)
		return (-1);
	if (json_array_size(items) == 0) {
		printf("no %s\n", key);
		return (0);
	}
	ctl_table_init(&t, ncols);
	ctl_table_add(&t, head);
	json_array_foreach(items, i, item) {
		if (!json_is_object(item)) {
			*cause = ctl_printf("malformed reply: a %s is not an "
			    "object", what);
			goto fail;
		}
		if (fill(item, row, scratch, cause) != 0)
			goto fail;
		ctl_table_add(&t, row);
	}
	ctl_table_print(&t);
	ctl_table_free(&t);
	return (0);

fail:
	ctl_table_free(&t);
	return (-1);
}

/*
 * One user: NAME ROOM VIEW ADDRESS CONNECTED IDLE VIA KEY. A user of
 * another node (with a "node" but no "address") has only NAME and ROOM.
 */
static int
ctl_user_row(json_t *u, const char **row, char scratch[][64], char **cause)
{
	const char	*room, *dm, *via, *fingerprint;
	json_int_t	 connected, idle;
	u_int		 i;

	if (json_is_string(json_object_get(u, "node")) &&
	    json_object_get(u, "address") == NULL) {
		if (ctl_get_string(u, "name", 0, &row[0], cause) != 0 ||
		    ctl_get_string(u, "room", 1, &room, cause) != 0)
			return (-1);
		row[1] = room != NULL ? room : "-";
		for (i = 2; i < 8; i++)
			row[i] = "-";
		return (0);
	}
	if (ctl_get_string(u, "name", 0, &row[0], cause) != 0 ||
	    ctl_get_string(u, "room", 1, &room, cause) != 0 ||
	    ctl_get_string(u, "dm", 1, &dm, cause) != 0 ||
	    ctl_get_string(u, "view", 0, &row[2], cause) != 0 ||
	    ctl_get_string(u, "address", 0, &row[3], cause) != 0 ||
	    ctl_get_int(u, "connected", &connected, cause) != 0 ||
	    ctl_get_int(u, "idle", &idle, cause) != 0 ||
	    ctl_get_string(u, "via", 1, &via, cause) != 0 ||
	    ctl_get_string(u, "fingerprint", 1, &fingerprint, cause) != 0)
		return (-1);
	row[6] = via != NULL ? via : "-";
	row[7] = fingerprint != NULL ? fingerprint : "-";
	if (room != NULL)
		row[1] = room;
	else if (dm != NULL) {
		snprintf(scratch[1], sizeof scratch[1], "dm:%s", dm);
		row[1] = scratch[1];
	} else
		row[1] = "-";
	ctl_duration(scratch[4], sizeof scratch[4], connected);
	ctl_duration(scratch[5], sizeof scratch[5], idle);
	row[4] = scratch[4];
	row[5] = scratch[5];
	return (0);
}

/* A user with the node first: NODE NAME ROOM ... (a cluster's daemon). */
static int
ctl_user_node_row(json_t *u, const char **row, char scratch[][64],
    char **cause)
{
	if (ctl_get_string(u, "node", 0, &row[0], cause) != 0)
		return (-1);
	return (ctl_user_row(u, row + 1, scratch + 1, cause));
}

/*
 * Print the users of a listall or list reply as a table; with a NODE
 * column when the daemon is part of a cluster (its users name a node).
 */
static int
ctl_print_users(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	static const char	*head[] = { "NAME", "ROOM", "VIEW", "ADDRESS",
				    "CONNECTED", "IDLE", "VIA", "KEY" };
	static const char	*nhead[] = { "NODE", "NAME", "ROOM", "VIEW",
				    "ADDRESS", "CONNECTED", "IDLE", "VIA",
				    "KEY" };
	json_t			*users = json_object_get(reply, "users");

	if (json_array_size(users) > 0 &&
	    json_is_string(json_object_get(json_array_get(users, 0), "node")))
		return (ctl_print_table(reply, "users", "user", nhead, 9,
		    ctl_user_node_row, cause));
	return (ctl_print_table(reply, "users", "user", head, 8, ctl_user_row,
	    cause));
}

/* One node: NODE STATE USERS CONNECTIONS MESSAGES UPTIME HEARD. */
static int
ctl_node_row(json_t *n, const char **row, char scratch[][64], char **cause)
{
	json_int_t	 users, conns, messages, uptime, seen;
	int		 self;

	if (ctl_get_string(n, "name", 0, &row[0], cause) != 0 ||
	    ctl_get_string(n, "state", 0, &row[1], cause) != 0 ||
	    ctl_get_bool(n, "self", &self, cause) != 0 ||
	    ctl_get_int(n, "users", &users, cause) != 0 ||
	    ctl_get_int(n, "connections", &conns, cause) != 0 ||
	    ctl_get_int(n, "messages", &messages, cause) != 0 ||
	    ctl_get_int(n, "uptime", &uptime, cause) != 0 ||
	    ctl_get_int(n, "seen_ms", &seen, cause) != 0)
		return (-1);
	snprintf(scratch[2], sizeof scratch[2], "%" JSON_INTEGER_FORMAT,
	    users);
	snprintf(scratch[3], sizeof scratch[3], "%" JSON_INTEGER_FORMAT,
	    conns);
	snprintf(scratch[4], sizeof scratch[4], "%" JSON_INTEGER_FORMAT,
	    messages);
	ctl_duration(scratch[5], sizeof scratch[5], uptime);
	if (self)
		snprintf(scratch[6], sizeof scratch[6], "(this node)");
	else
		snprintf(scratch[6], sizeof scratch[6], "%" JSON_INTEGER_FORMAT
		    " ms ago", seen);
	row[2] = scratch[2];
	row[3] = scratch[3];
	row[4] = scratch[4];
	row[5] = scratch[5];
	row[6] = scratch[6];
	return (0);
}

/* The link's state, then the nodes as a table. */
static int
ctl_print_nodes(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	static const char	*head[] = { "NODE", "STATE", "USERS",
				    "CONNECTIONS", "MESSAGES", "UPTIME",
				    "HEARD" };
	const char		*link;
	char			*clean;

	if (ctl_get_string(reply, "link", 0, &link, cause) != 0)
		return (-1);
	clean = ctl_clean(link);
	printf("link: %s\n", clean);
	free(clean);
	return (ctl_print_table(reply, "nodes", "node", head, 7, ctl_node_row,
	    cause));
}

/* One room: NAME PUBLIC MEMBERS DESCRIPTION, hidden rooms marked. */
static int
ctl_room_row(json_t *r, const char **row, char scratch[][64], char **cause)
{
	json_int_t	 members, limit;
	const char	*desc;
	int		 public;

	if (ctl_get_string(r, "name", 0, &row[0], cause) != 0 ||
	    ctl_get_bool(r, "public", &public, cause) != 0 ||
	    ctl_get_int(r, "members", &members, cause) != 0 ||
	    ctl_get_int(r, "limit", &limit, cause) != 0 ||
	    ctl_get_string(r, "description", 1, &desc, cause) != 0)
		return (-1);
	if (limit > 0)
		snprintf(scratch[2], sizeof scratch[2], "%" JSON_INTEGER_FORMAT
		    "/%" JSON_INTEGER_FORMAT, members, limit);
	else
		snprintf(scratch[2], sizeof scratch[2], "%" JSON_INTEGER_FORMAT,
		    members);
	row[1] = public ? "yes" : "hidden";
	row[2] = scratch[2];
	row[3] = desc != NULL ? desc : "";
	return (0);
}

/* Print the rooms reply as a table. */
static int
ctl_print_rooms(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	static const char	*head[] = { "NAME", "PUBLIC", "MEMBERS",
				    "DESCRIPTION" };

	return (ctl_print_table(reply, "rooms", "room", head, 4, ctl_room_row,
	    cause));
}

/* One account: NAME KEYS REGISTERED SEEN. */
static int
ctl_account_row(json_t *a, const char **row, char scratch[][64],
    char **cause)
{
	json_t		*keys, *seen;
	json_int_t	 registered;
	time_t		 t;
	struct tm	 tm;

	if (ctl_get_string(a, "name", 0, &row[0], cause) != 0 ||
	    ctl_get_array(a, "keys", &keys, cause) != 0 ||
	    ctl_get_int(a, "registered", &registered, cause) != 0)
		return (-1);
	seen = json_object_get(a, "seen");
	if (json_array_size(keys) == 1 &&
	    json_is_string(json_array_get(keys, 0)))
		snprintf(scratch[1], sizeof scratch[1], "%s",
		    json_string_value(json_array_get(keys, 0)));
	else
		snprintf(scratch[1], sizeof scratch[1], "%zu keys",
		    json_array_size(keys));
	t = (time_t)registered;
	gmtime_r(&t, &tm);
	strftime(scratch[2], sizeof scratch[2], "%Y-%m-%d %H:%M", &tm);
	if (json_is_integer(seen)) {
		t = (time_t)json_integer_value(seen);
		gmtime_r(&t, &tm);
		strftime(scratch[3], sizeof scratch[3], "%Y-%m-%d %H:%M", &tm);
	} else
		snprintf(scratch[3], sizeof scratch[3], "never");
	row[1] = scratch[1];
	row[2] = scratch[2];
	row[3] = scratch[3];
	return (0);
}

/* Print the registered names as a table (times in UTC). */
static int
ctl_print_accounts(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	static const char	*head[] = { "NAME", "KEYS", "REGISTERED",
				    "SEEN" };

	return (ctl_print_table(reply, "accounts", "account", head, 4,
	    ctl_account_row, cause));
}

/* Confirm a registration. */
static int
ctl_print_register(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	const char	*name;
	json_int_t	 keys;
	char		*clean;

	if (ctl_get_string(reply, "name", 0, &name, cause) != 0 ||
	    ctl_get_int(reply, "keys", &keys, cause) != 0)
		return (-1);
	clean = ctl_clean(name);
	printf("registered %s (%" JSON_INTEGER_FORMAT " key%s)\n", clean,
	    keys, keys == 1 ? "" : "s");
	free(clean);
	return (0);
}

/* Confirm a release. */
static int
ctl_print_unregister(__attribute__((unused)) json_t *reply,
    __attribute__((unused)) int argc, char **argv,
    __attribute__((unused)) char **cause)
{
	char	*clean = ctl_clean(argv[0]);

	printf("unregistered %s\n", clean);
	free(clean);
	return (0);
}

/* Print the stats reply as "key: value" lines. */
static int
ctl_print_stats(json_t *reply, int argc, char **argv, char **cause)
{
	json_int_t	 v[sizeof ctl_stats / sizeof ctl_stats[0]];
	char		 buf[32];
	u_int		 i;

	/* Check every value before printing any. */
	for (i = 0; i < sizeof ctl_stats / sizeof ctl_stats[0]; i++) {
		if (ctl_get_int(reply, ctl_stats[i].key, &v[i], cause) != 0)
			return (-1);
	}
	for (i = 0; i < sizeof ctl_stats / sizeof ctl_stats[0]; i++) {
		if (ctl_stats[i].duration)
			ctl_duration(buf, sizeof buf, v[i]);
		else
			snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
			    v[i]);
		printf("%s: %s\n", ctl_stats[i].label, buf);
	}
	if (json_object_get(reply, "nodes") == NULL)
		return (0);
	if (ctl_get_int(reply, "cluster_users", &v[0], cause) != 0)
		return (-1);
	printf("users on all nodes: %" JSON_INTEGER_FORMAT "\n", v[0]);
	return (ctl_print_nodes(reply, argc, argv, cause));
}

/* Print "WHAT N UNIT(s)" for the integer key of the reply. */
static int
ctl_print_count(json_t *reply, const char *key, const char *what,
    const char *unit, char **cause)
{
	json_int_t	n;

	if (ctl_get_int(reply, key, &n, cause) != 0)
		return (-1);
	printf("%s %" JSON_INTEGER_FORMAT " %s%s\n", what, n, unit,
	    n == 1 ? "" : "s");
	return (0);
}

/* Print how many users a broadcast reached. */
static int
ctl_print_broadcast(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	return (ctl_print_count(reply, "recipients", "sent to", "user",
	    cause));
}

/* Confirm a kick with the user's name as it was online. */
static int
ctl_print_kick(json_t *reply, __attribute__((unused)) int argc, char **argv,
    char **cause)
{
	const char	*name, *node;
	char		*clean;

	if (ctl_get_string(reply, "user", 1, &name, cause) != 0)
		return (-1);
	clean = ctl_clean(name != NULL ? name : argv[0]);
	if (ctl_get_string(reply, "node", 1, &node, cause) != 0) {
		free(clean);
		return (-1);
	}
	if (node != NULL) {
		printf("kicked %s", clean);
		free(clean);
		clean = ctl_clean(node);
		printf(" on node %s\n", clean);
	} else
		printf("kicked %s\n", clean);
	free(clean);
	return (0);
}

/* Confirm a reload; the warnings it logged go to standard error. */
static int
ctl_print_reload(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	json_t	*warnings, *w;
	char	*clean;
	size_t	 i;

	warnings = json_object_get(reply, "warnings");
	if (warnings != NULL && !json_is_array(warnings))
		return (ctl_malformed("warnings", "an array", cause));
	json_array_foreach(warnings, i, w) {
		if (!json_is_string(w))
			return (ctl_malformed("warnings", "an array of strings",
			    cause));
	}
	printf("configuration reloaded\n");
	json_array_foreach(warnings, i, w) {
		clean = ctl_clean(json_string_value(w));
		fprintf(stderr, "%s: warning: %s\n", CTL_NAME, clean);
		free(clean);
	}
	return (0);
}

/* Print the grace period of a shutdown. */
static int
ctl_print_shutdown(json_t *reply, __attribute__((unused)) int argc,
    __attribute__((unused)) char **argv, char **cause)
{
	return (ctl_print_count(reply, "grace", "shutting down in", "second",
	    cause));
}

/* Put the terminal back as it was before echo was turned off. */
static void
ctl_tty_restore(void)
{
	if (ctl_tty_changed) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_tty_saved);
		ctl_tty_changed = 0;
	}
}

/* On a fatal signal at the password prompt, restore echo and die of it. */
static void
ctl_tty_signal(int sig)
{
	ctl_tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Read one password line; on a terminal, prompt with echo off. */
static char *
ctl_read_password(const char *prompt, int tty, char **cause)
{
	struct termios	 t;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 n;
	int		 saved;

	if (tty) {
		if (tcgetattr(STDIN_FILENO, &ctl_tty_saved) == -1) {
			*cause = ctl_printf("tcgetattr: %s", strerror(errno));
			return (NULL);
		}
		t = ctl_tty_saved;
		t.c_lflag &= ~(ECHO | ECHOE | ECHOK);
		t.c_lflag |= ECHONL;
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		ctl_tty_changed = 1;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == -1) {
			ctl_tty_changed = 0;
			*cause = ctl_printf("tcsetattr: %s", strerror(errno));
			return (NULL);
		}
	}
	n = getline(&line, &size, stdin);
	saved = errno;
	ctl_tty_restore();

	if (n == -1) {
		if (ferror(stdin))
			*cause = ctl_printf("reading the password: %s",
			    strerror(saved));
		else
			*cause = ctl_strdup("no password on standard input");
		ctl_free_password(line);
		return (NULL);
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if ((size_t)n != strlen(line)) {
		*cause = ctl_strdup("the password contains a NUL byte");
		ctl_free_password(line);
		return (NULL);
	}
	return (line);
}

/* Wipe and free a password buffer. */
static void
ctl_free_password(char *pw)
{
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
}

/* hash-password: read a password and print its yescrypt hash. */
static int
ctl_hash_password(char **cause)
{
	char	*pw, *again, *salt, *hash;
	void	*data = NULL;
	int	 tty, size = 0;

	tty = isatty(STDIN_FILENO);
	if (tty) {
		signal(SIGINT, ctl_tty_signal);
		signal(SIGTERM, ctl_tty_signal);
		signal(SIGHUP, ctl_tty_signal);
		signal(SIGQUIT, ctl_tty_signal);
		signal(SIGTSTP, SIG_IGN);
	}
	if ((pw = ctl_read_password("Password: ", tty, cause)) == NULL)
		return (-1);
	if (*pw == '\0') {
		ctl_free_password(pw);
		*cause = ctl_strdup("the password is empty");
		return (-1);
	}
	if (strchr(pw, ' ') != NULL) {
		ctl_free_password(pw);
		*cause = ctl_strdup("the password contains a space, but :join "
		    "takes it as one word");
		return (-1);
	}
	if (tty) {
		again = ctl_read_password("Again: ", tty, cause);
		if (again == NULL) {
			ctl_free_password(pw);
			return (-1);
		}
		if (strcmp(pw, again) != 0) {
			ctl_free_password(again);
			ctl_free_password(pw);
			*cause = ctl_strdup("the passwords do not match");
			return (-1);
		}
		ctl_free_password(again);
	}

	errno = 0;
	if ((salt = crypt_gensalt_ra("$y$", 0, NULL, 0)) == NULL) {
		ctl_free_password(pw);
		*cause = ctl_printf("crypt_gensalt_ra: %s",
		    errno != 0 ? strerror(errno) : "failed");
		return (-1);
	}
	errno = 0;
	hash = crypt_ra(pw, salt, &data, &size);
	ctl_free_password(pw);
	free(salt);
	if (hash == NULL || *hash == '*') {
		*cause = ctl_printf("crypt_ra: %s",
		    errno != 0 ? strerror(errno) : "failed");
		if (data != NULL)
			explicit_bzero(data, size);
		free(data);
		return (-1);
	}
	printf("%s\n", hash);
	explicit_bzero(data, size);
	free(data);
	return (0);
}

/* Parse the command line, run one command and map the outcome to a status. */
int
main(int argc, char **argv)
{
	const struct ctl_cmd	*cmd;
	const char		*path = NULL;
	json_t			*req, *reply;
	char			*cause = NULL, *text, *tmp;
	int			 opt, json = 0, ok, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:hjs:V", ctl_options,
	    NULL)) != -1) {
		switch (opt) {
		case 'h':
			ctl_usage(stdout);
			return (CTL_EXIT_OK);
		case 'j':
			json = 1;
			break;
		case 's':
			path = optarg;
			break;
		case 'V':
			printf("%s %s\n", CTL_NAME, PACKAGE_VERSION);
			return (CTL_EXIT_OK);
		case ':':
			ctl_usage_error(NULL, "%s needs an argument",
			    argv[optind - 1]);
		default:
			if (optopt != 0)
				ctl_usage_error(NULL, "unknown option: -%c",
				    optopt);
			ctl_usage_error(NULL, "unknown option: %s",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0)
		ctl_usage_error(NULL, "no command given");
	if ((cmd = ctl_find(argv[0])) == NULL)
		ctl_usage_error(NULL, "unknown command: %s", argv[0]);
	argc--;
	argv++;
	if (argc < cmd->min_args)
		ctl_usage_error(cmd->usage, "%s: too few arguments",
		    cmd->name);
	if (cmd->max_args != -1 && argc > cmd->max_args)
		ctl_usage_error(cmd->usage, "%s: too many arguments",
		    cmd->name);

	if (cmd->run_local != NULL) {
		status = CTL_EXIT_OK;
		if (cmd->run_local(&cause) != 0)
			status = CTL_EXIT_FAIL;
		goto out;
	}

	if ((req = ctl_request(cmd, argc, argv)) == NULL) {
		cause = ctl_strdup("cannot build the request");
		status = CTL_EXIT_FAIL;
		goto out;
	}
	if (ctl_exchange(path, req, &reply, &cause) != 0) {
		json_decref(req);
		status = CTL_EXIT_FAIL;
		goto out;
	}
	json_decref(req);

	if (ctl_check_reply(reply, &ok, &cause) != 0) {
		status = CTL_EXIT_FAIL;
	} else if (json) {
		/* The reply as received; a refusal is still printed. */
		free(cause);
		cause = NULL;
		if ((text = json_dumps(reply, JSON_COMPACT)) == NULL) {
			cause = ctl_strdup("cannot encode the reply");
			status = CTL_EXIT_FAIL;
		} else {
			tmp = ctl_json_escape(text);
			printf("%s\n", tmp);
			free(tmp);
			free(text);
			status = ok ? CTL_EXIT_OK : CTL_EXIT_FAIL;
		}
	} else if (!ok)
		status = CTL_EXIT_FAIL;
	else if (cmd->print_reply(reply, argc, argv, &cause) != 0)
		status = CTL_EXIT_FAIL;
	else
		status = CTL_EXIT_OK;
	json_decref(reply);

out:
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (cause == NULL)
			cause = ctl_printf("standard output: %s",
			    strerror(errno));
		status = CTL_EXIT_FAIL;
	}
	if (cause != NULL) {
		tmp = ctl_clean(cause);
		fprintf(stderr, "%s: %s\n", CTL_NAME, tmp);
		free(tmp);
		free(cause);
	}
	return (status);
}
