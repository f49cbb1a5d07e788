/*
 * The admin socket. Only root, the daemon's own user and members of
 * adminGroup are served (SO_PEERCRED). Each request line is a JSON object
 * {"cmd": NAME, ...}; each reply one JSON object on one line.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "admin.h"
#include "admin-cmd.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

struct admin_conn {
	LIST_ENTRY(admin_conn)	 entry;
	struct bufferevent	*bev;
	int			 closing;
};

static LIST_HEAD(, admin_conn) conns = LIST_HEAD_INITIALIZER(conns);
static struct evconnlistener *admin_listener;
static char *admin_path;
static gid_t admin_gid = (gid_t)-1;

static int	admin_replace_stale(const char *path, char **cause);
static int	admin_make_dir(const char *path, char **cause);
static int	admin_check_dir(const char *dir, char **cause);
static int	admin_can_share(gid_t gid);
static int	admin_peer_in_group(int fd, gid_t gid);
static int	admin_peer_allowed(int fd, uid_t *uid);
static int	admin_uid_in_group(uid_t uid, gid_t gid);
static void	admin_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
		    struct sockaddr *sa, int len, void *arg);
static void	admin_read_cb(struct bufferevent *bev, void *arg);
static void	admin_write_cb(struct bufferevent *bev, void *arg);
static void	admin_event_cb(struct bufferevent *bev, short what, void *arg);
static void	admin_reply(struct admin_conn *ac, json_t *reply);
static void	admin_close(struct admin_conn *ac);

/* Listen on cfg's adminSocket. */
int
admin_start(const struct config *cfg, char **cause)
{
	struct sockaddr_un sun;
	struct group *gr;
	mode_t mask, mode;
	int fd;

	if (cfg->admin_group != NULL) {
		if ((gr = getgrnam(cfg->admin_group)) == NULL) {
			xasprintf(cause, "%s: key \"adminGroup\": no group "
			    "called \"%s\"", cfg->path, cfg->admin_group);
			return (-1);
		}
		admin_gid = gr->gr_gid;
	}
	if (admin_make_dir(cfg->admin_socket, cause) != 0 ||
	    admin_replace_stale(cfg->admin_socket, cause) != 0)
		return (-1);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", cfg->admin_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}

	/*
	 * The file bind() creates takes its mode from the socket's own inode
	 * less the umask, so the mode is set on the descriptor, never through
	 * the path; only the group is changed afterwards, without following a
	 * symlink. The directory was checked: nobody else can swap the entry.
	 */
	mode = 0600;
	if (admin_gid != (gid_t)-1) {
		if (admin_can_share(admin_gid))
			mode = 0660;
		else {
			log_warnx("%s: adminGroup: the daemon's user is not a "
			    "member of \"%s\"; the socket stays 0600",
			    cfg->admin_socket, cfg->admin_group);
		}
	}
	if (fchmod(fd, mode) != 0) {
		xasprintf(cause, "%s: fchmod: %s", cfg->admin_socket,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	mask = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(mask);
		xasprintf(cause, "%s: %s", cfg->admin_socket, strerror(errno));
		close(fd);
		return (-1);
	}
	umask(mask);
	if (mode == 0660 && fchownat(AT_FDCWD, cfg->admin_socket, (uid_t)-1,
	    admin_gid, AT_SYMLINK_NOFOLLOW) != 0) {
		xasprintf(cause, "%s: adminGroup: cannot give the socket to "
		    "group \"%s\": %s", cfg->admin_socket, cfg->admin_group,
		    strerror(errno));
		unlink(cfg->admin_socket);
		close(fd);
		return (-1);
	}
	admin_path = xstrdup(cfg->admin_socket);
	admin_listener = evconnlistener_new(server.base, admin_accept_cb,
	    NULL, LEV_OPT_CLOSE_ON_FREE, 16, fd);
	if (admin_listener == NULL) {
		xasprintf(cause, "%s: %s", cfg->admin_socket, strerror(errno));
		close(fd);
		return (-1);
	}
	log_info("admin socket %s", admin_path);
	return (0);
}

/* May the daemon give a file to gid: root, or gid is one of its groups? */
static int
admin_can_share(gid_t gid)
{
	gid_t groups[256];
	int n, i;

	if (geteuid() == 0 || getegid() == gid)
		return (1);
	if ((n = getgroups(256, groups)) == -1)
		return (0);
	for (i = 0; i < n; i++) {
		if (groups[i] == gid)
			return (1);
	}
	return (0);
}

/* Create the socket's directory, mode 0700, if it is missing; check it. */
static int
admin_make_dir(const char *path, char **cause)
{
	char *copy = xstrdup(path), *dir = dirname(copy);
	int error = 0;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		error = -1;
	} else
		error = admin_check_dir(dir, cause);
	free(copy);
	return (error);
}

/*
 * Whoever may write to the socket's directory may put a socket of their own
 * in its place, so it must be ours (or root's) and writable by nobody else.
 */
static int
admin_check_dir(const char *dir, char **cause)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "%s: the admin socket's directory is not a "
		    "directory", dir);
		return (-1);
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
		xasprintf(cause, "%s: the admin socket's directory belongs to "
		    "uid %ld, not to the daemon's user (uid %ld) or root; "
		    "another user could replace the socket", dir,
		    (long)sb.st_uid, (long)geteuid());
		return (-1);
	}
	if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
		xasprintf(cause, "%s: the admin socket's directory is writable "
		    "by %s (mode %04o); another user could replace the socket",
		    dir, (sb.st_mode & S_IWOTH) ? "others" : "its group",
		    (unsigned)(sb.st_mode & 07777));
		return (-1);
	}
	return (0);
}

/* A socket file nobody answers is left from a crash; a live one is not ours. */
static int
admin_replace_stale(const char *path, char **cause)
{
	struct sockaddr_un sun;
	struct stat sb;
	int fd, live;

	if (lstat(path, &sb) != 0)
		return (0);
	if (!S_ISSOCK(sb.st_mode)) {
		xasprintf(cause, "%s: exists and is not a socket", path);
		return (-1);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	live = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	if (live) {
		xasprintf(cause, "%s: another chatsockd is running", path);
		return (-1);
	}
	log_info("removing stale admin socket %s", path);
	unlink(path);
	return (0);
}

/* Root, our own user, or a member of adminGroup. */
static int
admin_peer_allowed(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return (0);
	*uid = cred.uid;
	if (cred.uid == 0 || cred.uid == geteuid())
		return (1);
	if (admin_gid == (gid_t)-1)
		return (0);
	return (cred.gid == admin_gid || admin_peer_in_group(fd, admin_gid) ||
	    admin_uid_in_group(cred.uid, admin_gid));
}

/* Is gid among the connecting process's own groups (SO_PEERGROUPS)? */
static int
admin_peer_in_group(int fd, gid_t gid)
{
	gid_t groups[256];
	socklen_t len = sizeof groups;
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return (0);
	for (i = 0; i < len / sizeof groups[0]; i++) {
		if (groups[i] == gid)
			return (1);
	}
	return (0);
}

/* Is gid among uid's supplementary groups? */
static int
admin_uid_in_group(uid_t uid, gid_t gid)
{
	struct passwd *pw;
	gid_t groups[256];
	int n = 256, i;

	if ((pw = getpwuid(uid)) == NULL)
		return (0);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return (0);
	for (i = 0; i < n; i++) {
		if (groups[i] == gid)
			return (1);
	}
	return (0);
}

/* A new operator connection. */
static void
admin_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct admin_conn *ac;
	uid_t uid = (uid_t)-1;

	(void)l;
	(void)sa;
	(void)len;
	(void)arg;
	ac = xcalloc(1, sizeof *ac);
	ac->bev = bufferevent_socket_new(server.base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(ac->bev, admin_read_cb, admin_write_cb,
	    admin_event_cb, ac);
	LIST_INSERT_HEAD(&conns, ac, entry);
	if (!admin_peer_allowed(fd, &uid)) {
		log_warnx("admin: refused uid %d", (int)uid);
		admin_reply(ac, admin_error("permission denied"));
		admin_close(ac);
		return;
	}
	bufferevent_enable(ac->bev, EV_READ);
}

/* Each complete request line gets one reply. */
static void
admin_read_cb(struct bufferevent *bev, void *arg)
{
	struct admin_conn *ac = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t len;

	while (!ac->closing &&
	    (line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (len > ADMIN_LINE_MAX)
			admin_reply(ac, admin_error("request too long"));
		else
			admin_reply(ac, admin_cmd_run(line, len));
		free(line);
	}
	if (!ac->closing && evbuffer_get_length(in) > ADMIN_LINE_MAX) {
		admin_reply(ac, admin_error("request too long"));
		admin_close(ac);
	}
}

/* Send one reply line. */
static void
admin_reply(struct admin_conn *ac, json_t *reply)
{
	char *text;

	text = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (text == NULL)
		fatalx("json_dumps failed");
	bufferevent_write(ac->bev, text, strlen(text));
	bufferevent_write(ac->bev, "\n", 1);
	free(text);
}

/* Close once the reply is out. */
static void
admin_close(struct admin_conn *ac)
{
	ac->closing = 1;
	bufferevent_disable(ac->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(ac->bev)) == 0)
		admin_event_cb(ac->bev, BEV_EVENT_EOF, ac);
}

/* Output flushed: a closing connection can go. */
static void
admin_write_cb(struct bufferevent *bev, void *arg)
{
	struct admin_conn *ac = arg;

	if (ac->closing)
		admin_event_cb(bev, BEV_EVENT_EOF, ac);
}

/* EOF, error, or done: free the connection. */
static void
admin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct admin_conn *ac = arg;

	(void)what;
	LIST_REMOVE(ac, entry);
	bufferevent_free(bev);
	free(ac);
}

/* Stop accepting and remove the socket file. */
void
admin_stop(void)
{
	if (admin_listener != NULL) {
		evconnlistener_free(admin_listener);
		admin_listener = NULL;
	}
	if (admin_path != NULL) {
		unlink(admin_path);
		free(admin_path);
		admin_path = NULL;
	}
}

/* At exit: close everything. */
void
admin_free(void)
{
	struct admin_conn *ac;

	admin_stop();
	while ((ac = LIST_FIRST(&conns)) != NULL)
		admin_event_cb(ac->bev, BEV_EVENT_EOF, ac);
}
