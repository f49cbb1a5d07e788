/*
 * Suite "accounts": registered names over real sockets. :register gives an
 * SSH user's name to its key; from then on only that key, over SSH, gets
 * the name. Guests and registration can be turned off; operators register
 * and release names with chatsockctl; :whois and :list tell registered
 * names from guests without leaking hidden rooms or DMs. The registry file
 * is private, holds names, keys and dates only, survives a restart and a
 * kill -9 in the middle of a burst of writes, and a corrupt one is refused
 * with its file:line.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <libssh/libssh.h>

#include "helpers.h"
#include "messages.h"
#include "ssh-client.h"

#define BASE		"\"usernameLimit\": 10"
/* A public room, a hidden one and its password. */
#define ROOMS		"\"rooms\": {\"general\": {\"description\": \"G\"}, " \
			"\"secret\": {\"public\": false, \"password\": \"pw\"}}"
/* Registrations in the crash test, and how many before the kill. */
#define BURST		200
#define KILL_AT		60
/* The date written for accounts made by the tests. */
#define REG_DATE	"2026-11-29T14:05:00Z"

static void	 setup(void);
static void	 setup_rooms(void);
static void	 setup_closed(void);
static void	 setup_guests_off(void);
static void	 setup_own_file(void);
static void	 setup_none(void);
static void	 setup_no_telnet(void);
static char	*key_line(ssh_key key);
static char	*pub_file(const char *dir, const char *name, ssh_key *keys,
		     int n);
static void	 file_line(FILE *f, ssh_key key, const char *name,
		     const char *seen);
static struct tclient *ssh_in(const char *user, ssh_key key,
		     const char *name);
static void	 do_register(struct tclient *c, const char *name,
		     ssh_key key);
static char	*reply_until(struct tclient *c, const char *cmd,
		     const char *prompt);
static int	 ctl(struct run_result *r, const char *a1, const char *a2,
		     const char *a3, const char *a4);
static void	 ctl_ok(const char *a1, const char *a2, const char *a3,
		     const char *a4);
static char	*row_of(const char *text, const char *first);
static int	 run_daemon(const char *conf, int test,
		     struct run_result *r);
static int	 config_test(const char *json, struct run_result *r,
		     char **path);
static int	 listening(pid_t pid, int *ports, int max);
static void	 killer_main(int go, int ready, int ino);
static int	 valid_file_line(const char *line, char *name, size_t size);

/* Keys known before the daemon starts (written to its accountsFile). */
static ssh_key	 k_alice, k_dora;
/* A directory of the test's own that outlives daemon restarts. */
static char	*own_dir;
static char	 own_accounts[T_PATH];
static char	 own_json[T_PATH * 2];

/* SSH and telnet, registration open, guests allowed. */
static void
setup(void)
{
	ssh_daemon_start(BASE);
}

/* A public and a hidden room; dora registered, never seen. */
static void
setup_rooms(void)
{
	FILE *f;

	own_dir = test_mkdtemp();
	snprintf(own_accounts, sizeof own_accounts, "%s/accounts", own_dir);
	k_dora = sc_keygen();
	ck_assert((f = fopen(own_accounts, "w")) != NULL);
	file_line(f, k_dora, "dora", "-");
	ck_assert(fclose(f) == 0);
	snprintf(own_json, sizeof own_json, BASE ", " ROOMS ", "
	    "\"accountsFile\": \"%s\"", own_accounts);
	ssh_daemon_start(own_json);
}

/* Registration closed. */
static void
setup_closed(void)
{
	ssh_daemon_start(BASE ", \"registration\": \"closed\"");
}

/* Guests off; alice registered beforehand. */
static void
setup_guests_off(void)
{
	FILE *f;

	own_dir = test_mkdtemp();
	snprintf(own_accounts, sizeof own_accounts, "%s/accounts", own_dir);
	k_alice = sc_keygen();
	ck_assert((f = fopen(own_accounts, "w")) != NULL);
	file_line(f, k_alice, "alice", "-");
	ck_assert(fclose(f) == 0);
	snprintf(own_json, sizeof own_json, BASE ", \"guests\": false, "
	    "\"registration\": \"closed\", \"accountsFile\": \"%s\"",
	    own_accounts);
	ssh_daemon_start(own_json);
}

/* An accountsFile outside the daemon's dir, so that restarts keep it. */
static void
setup_own_file(void)
{
	own_dir = test_mkdtemp();
	snprintf(own_accounts, sizeof own_accounts, "%s/accounts", own_dir);
	snprintf(own_json, sizeof own_json, BASE ", \"accountsFile\": \"%s\"",
	    own_accounts);
	umask(000);
	ssh_daemon_start(own_json);
}

/* Tests that run chatsockd -t themselves. */
static void
setup_none(void)
{
}

/* "ssh-ed25519 BASE64" of a key (malloc'd). */
static char *
key_line(ssh_key key)
{
	char *b64 = NULL, *line;

	ck_assert(ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK);
	if (asprintf(&line, "%s %s", ssh_key_type_to_char(ssh_key_type(key)),
	    b64) < 0)
		ck_abort_msg("asprintf");
	ssh_string_free_char(b64);
	return (line);
}

/*
 * dir/name holding the n keys as OpenSSH writes them (one: a .pub file;
 * more: an authorized_keys file with a comment and a blank line); its path.
 */
static char *
pub_file(const char *dir, const char *name, ssh_key *keys, int n)
{
	char *path, *line;
	FILE *f;
	int i;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		ck_abort_msg("asprintf");
	ck_assert((f = fopen(path, "w")) != NULL);
	if (n > 1)
		fprintf(f, "# keys of %s\n\n", name);
	for (i = 0; i < n; i++) {
		line = key_line(keys[i]);
		fprintf(f, "%s %s-key%d@laptop\n", line, name, i);
		free(line);
	}
	ck_assert(fclose(f) == 0);
	return (path);
}

/* One registry line for key and name, registered REG_DATE. */
static void
file_line(FILE *f, ssh_key key, const char *name, const char *seen)
{
	char *line = key_line(key);

	fprintf(f, "%s %s " REG_DATE " %s\n", line, name, seen);
	free(line);
}

/* ssh user@ with key, no pty, until the palette as name. */
static struct tclient *
ssh_in(const char *user, ssh_key key, const char *name)
{
	struct tclient *c = sc_open(user, key, 0, 0);

	EXPECT(c, MSG_NAME_OK "\r\n", name);
	EXPECT(c, MSG_PROMPT);
	snprintf(c->label, sizeof c->label, "%s", name);
	return (c);
}

/* :register as name with key: the answer names the key's fingerprint. */
static void
do_register(struct tclient *c, const char *name, ssh_key key)
{
	char *fp = sc_fingerprint(key);

	SEND(c, ":register");
	EXPECT(c, MSG_REGISTERED "\r\n", name, fp);
	EXPECT(c, MSG_PROMPT);
	free(fp);
}

/* Send cmd and return everything up to prompt (malloc'd). */
static char *
reply_until(struct tclient *c, const char *cmd, const char *prompt)
{
	char *text;

	SEND(c, "%s", cmd);
	ck_assert_msg(tc_expect(c, prompt, T_WAIT) == 0,
	    "%s: no prompt after %s", c->label, cmd);
	text = strndup(c->last, c->lastlen);
	ck_assert(text != NULL);
	return (text);
}

/* chatsockctl -s ADMIN a1 [a2 [a3 [a4]]]; 0 if it ran. */
static int
ctl(struct run_result *r, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	const char *argv[] = { getenv("CHATSOCKCTL"), "-s", td.admin, a1, a2,
	    a3, a4, NULL };

	return (run_program(argv, NULL, r));
}

/* chatsockctl that must succeed. */
static void
ctl_ok(const char *a1, const char *a2, const char *a3, const char *a4)
{
	struct run_result r;

	ck_assert(ctl(&r, a1, a2, a3, a4) == 0);
	ck_assert_msg(r.status == 0, "chatsockctl %s %s exited %d: %s%s", a1,
	    a2 != NULL ? a2 : "", r.status, r.out, r.err);
	run_result_free(&r);
}

/* The line of text whose first word is first (malloc'd), or NULL. */
static char *
row_of(const char *text, const char *first)
{
	const char *p = text, *w;
	size_t n = strlen(first);

	while (*p != '\0') {
		w = p + strspn(p, " ");
		if (strncmp(w, first, n) == 0 && strchr(" \t*\r\n",
		    w[n]) != NULL)
			return (strndup(p, strcspn(p, "\r\n")));
		p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
	}
	return (NULL);
}

/*
 * chatsockd -t on a config of json's members (plus an admin socket and an
 * accounts file in a fresh dir, *path the config); 0 if it ran.
 */
static int
config_test(const char *json, struct run_result *r, char **path)
{
	char *dir = test_mkdtemp(), *text;
	const char *argv[] = { getenv("CHATSOCKD"), "-t", "-c", NULL, NULL };

	if (asprintf(path, "%s/chatsock.json", dir) < 0 ||
	    asprintf(&text, "{\"host\": \"127.0.0.1\", \"port\": 0, "
	    "\"adminSocket\": \"%s/admin.sock\", \"accountsFile\": "
	    "\"%s/accounts\"%s%s}\n", dir, dir, *json ? ", " : "", json) < 0)
		ck_abort_msg("asprintf");
	write_file(*path, text);
	free(text);
	free(dir);
	argv[3] = *path;
	return (run_program(argv, NULL, r));
}

/* The TCP ports pid listens on (its sockets in /proc/net/tcp*). */
static int
listening(pid_t pid, int *ports, int max)
{
	static const char *tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char path[T_PATH], link[128], line[512];
	unsigned long inodes[256], inode;
	unsigned port, st;
	struct dirent *de;
	size_t ni = 0, i, t;
	int n = 0;
	ssize_t len;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	ck_assert((d = opendir(path)) != NULL);
	while ((de = readdir(d)) != NULL && ni < 256) {
		snprintf(path, sizeof path, "/proc/%d/fd/%s", (int)pid,
		    de->d_name);
		if ((len = readlink(path, link, sizeof link - 1)) <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) == 1)
			inodes[ni++] = inode;
	}
	closedir(d);
	for (t = 0; t < 2; t++) {
		if ((f = fopen(tables[t], "r")) == NULL)
			continue;
		while (fgets(line, sizeof line, f) != NULL) {
			/* sl local rem st tx:rx tr:when retr uid timeout inode */
			if (sscanf(line, " %*s %*[0-9A-Fa-f]:%x %*s %x %*s %*s "
			    "%*s %*s %*s %lu", &port, &st, &inode) != 3 ||
			    st != 0x0A)
				continue;
			for (i = 0; i < ni; i++) {
				if (inodes[i] == inode && n < max)
					ports[n++] = (int)port;
			}
		}
		fclose(f);
	}
	return (n);
}

/*
 * Whether line is "TYPE BASE64 NAME REGISTERED SEEN" with dates as
 * 2026-11-29T14:05:00Z and SEEN possibly "-"; the name copied out.
 */
static int
valid_file_line(const char *line, char *name, size_t size)
{
	char type[64], b64[1024], nm[64], reg[64], seen[64], extra[8];
	struct tm tm;
	const char *end;

	if (sscanf(line, "%63s %1023s %63s %63s %63s %7s", type, b64, nm, reg,
	    seen, extra) != 5)
		return (0);
	if (strncmp(type, "ssh-", 4) != 0 ||
	    strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != strlen(b64))
		return (0);
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(reg, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return (0);
	if (strcmp(seen, "-") != 0 && ((end = strptime(seen,
	    "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end != '\0'))
		return (0);
	snprintf(name, size, "%s", nm);
	return (1);
}

/*
 * :register names the key; again says it is yours already; the key gets
 * the name back on the next connection, in its registered spelling.
 */
START_TEST(test_register_reconnect)
{
	ssh_key key = sc_keygen();
	struct tclient *a = ssh_in("Alice", key, "Alice");

	do_register(a, "Alice", key);
	SEND(a, ":register");
	EXPECT(a, MSG_REGISTER_ALREADY "\r\n", "Alice");
	tc_close(a);
	usleep(100000);
	a = ssh_in("Alice", key, "Alice");
	tc_close(a);
	usleep(100000);
	a = ssh_in("alice", key, "Alice");
	tc_close(a);
	ssh_key_free(key);
}
END_TEST

/* A telnet user cannot register: it is told to come over SSH. */
START_TEST(test_register_telnet)
{
	struct tclient *t = tc_user("bob");

	SEND(t, ":register");
	EXPECT(t, MSG_REGISTER_SSH "\r\n");
	EXPECT(t, MSG_PROMPT);
	SEND(t, ":whois bob");
	EXPECT(t, MSG_WHOIS_HEAD "\r\n", "bob", "guest", "telnet");
	tc_close(t);
}
END_TEST

/*
 * A registered name: refused to telnet (any case) and to another key,
 * each time with the name prompt again; a free name still works.
 */
START_TEST(test_refused_others)
{
	ssh_key key = sc_keygen();
	struct tclient *a = ssh_in("alice", key, "alice"), *t, *o;

	do_register(a, "alice", key);
	tc_close(a);
	usleep(100000);
	t = tc_connect(&td, "telnet");
	EXPECT(t, MSG_NAME_PROMPT);
	SEND(t, "alice");
	EXPECT(t, MSG_NAME_REGISTERED "\r\n", "alice");
	EXPECT(t, MSG_NAME_PROMPT);
	SEND(t, "ALICE");
	EXPECT(t, MSG_NAME_REGISTERED "\r\n", "alice");
	EXPECT(t, MSG_NAME_PROMPT);
	SEND(t, "alice2");
	EXPECT(t, MSG_NAME_OK "\r\n", "alice2");
	o = sc_open("alice", NULL, 0, 0);
	EXPECT(o, MSG_NAME_REGISTERED "\r\n", "alice");
	EXPECT(o, MSG_NAME_PROMPT);
	ck_assert_msg(strstr(o->last, "You are connected") == NULL,
	    "another key got in as alice");
	SEND(o, "mallory");
	EXPECT(o, MSG_NAME_OK "\r\n", "mallory");
	tc_close(o);
	tc_close(t);
	ssh_key_free(key);
}
END_TEST

/* The owner connecting a second time while online: the name is taken. */
START_TEST(test_owner_twice)
{
	ssh_key key = sc_keygen();
	struct tclient *a = ssh_in("alice", key, "alice"), *b;

	do_register(a, "alice", key);
	b = sc_open("alice", key, 0, 0);
	EXPECT(b, MSG_NAME_TAKEN "\r\n", "alice");
	EXPECT(b, MSG_NAME_PROMPT);
	tc_close(b);
	tc_close(a);
	ssh_key_free(key);
}
END_TEST

/*
 * :unregister asks; n keeps the name, y releases it (then telnet may use
 * it); a name not registered is said to be so.
 */
START_TEST(test_unregister)
{
	ssh_key key = sc_keygen();
	struct tclient *a = ssh_in("alice", key, "alice"), *t;

	SEND(a, ":unregister");
	EXPECT(a, MSG_UNREGISTER_NOT "\r\n", "alice");
	do_register(a, "alice", key);
	SEND(a, ":unregister");
	EXPECT(a, MSG_UNREGISTER_CONFIRM, "alice");
	SEND(a, "n");
	EXPECT(a, MSG_PROMPT);
	ck_assert_msg(strstr(a->last, "no longer") == NULL, "n released it");
	SEND(a, ":whois alice");
	EXPECT(a, MSG_WHOIS_HEAD "\r\n", "alice", "registered", "ssh");
	EXPECT(a, MSG_PROMPT);
	SEND(a, ":unregister");
	EXPECT(a, MSG_UNREGISTER_CONFIRM, "alice");
	SEND(a, "y");
	EXPECT(a, MSG_UNREGISTERED "\r\n", "alice");
	EXPECT(a, MSG_PROMPT);
	SEND(a, ":unregister");
	EXPECT(a, MSG_UNREGISTER_NOT "\r\n", "alice");
	tc_close(a);
	usleep(100000);
	t = tc_user("alice");
	tc_close(t);
	ssh_key_free(key);
}
END_TEST

/*
 * :whois: registered or guest, ssh or telnet, the key, the times, the room
 * if public; never a hidden room or a DM; offline and unknown names.
 */
START_TEST(test_whois)
{
	ssh_key key = sc_keygen();
	char *fp = sc_fingerprint(key), *text, want[160];
	struct tclient *a = ssh_in("alice", key, "alice");
	struct tclient *b = tc_user("bob"), *q = tc_user("quinn");
	long conn, idle;
	const char *p;

	do_register(a, "alice", key);
	tc_join(a, "general", NULL);
	tc_join(b, "secret", "pw");

	text = reply_until(q, ":whois ALICE", MSG_PROMPT);
	snprintf(want, sizeof want, MSG_WHOIS_HEAD "\r\n" MSG_WHOIS_KEY "\r\n",
	    "alice", "registered", "ssh", fp);
	ck_assert_msg(strstr(text, want) != NULL, "whois alice:\n%s", text);
	ck_assert_msg((p = strstr(text, "  connected ")) != NULL &&
	    sscanf(p, "  connected %lds ago, idle %lds\r\n", &conn, &idle) ==
	    2 && conn >= 0 && conn < 30 && idle >= 0 && idle <= conn + 1,
	    "whois alice times:\n%s", text);
	snprintf(want, sizeof want, MSG_WHOIS_ROOM "\r\n", "general");
	ck_assert_msg(strstr(text, want) != NULL, "no room:\n%s", text);
	free(text);

	text = reply_until(q, ":whois bob", MSG_PROMPT);
	snprintf(want, sizeof want, MSG_WHOIS_HEAD "\r\n", "bob", "guest",
	    "telnet");
	ck_assert_msg(strstr(text, want) != NULL, "whois bob:\n%s", text);
	ck_assert_msg(strstr(text, "SHA256:") == NULL &&
	    strstr(text, "  key") == NULL, "a telnet user has a key:\n%s",
	    text);
	ck_assert_msg(strstr(text, "  connected ") != NULL, "whois bob:\n%s",
	    text);
	ck_assert_msg(strstr(text, "secret") == NULL &&
	    strstr(text, "in room") == NULL, "a hidden room leaked:\n%s", text);
	free(text);

	/* A DM is not a room either. */
	SEND(a, ":close");
	EXPECT(a, MSG_PROMPT);
	SEND(a, ":dm quinn");
	EXPECT(a, MSG_DM_OPEN "\r\n", "quinn");
	tc_drain(q, 200);
	text = reply_until(b, ":whois alice", "]> ");
	/* (Not "dm" alone: a random key's fingerprint may hold it.) */
	ck_assert_msg(strstr(text, "in room") == NULL &&
	    strstr(text, "quinn") == NULL && strstr(text, "dm:") == NULL,
	    "a DM leaked:\n%s", text);
	free(text);

	/* Offline: registered, last seen; dora never seen; nobody. */
	tc_close(a);
	usleep(200000);
	text = reply_until(q, ":whois alice", MSG_PROMPT);
	snprintf(want, sizeof want, MSG_WHOIS_HEAD "\r\n  last seen ", "alice",
	    "registered", "not online");
	ck_assert_msg(strstr(text, want) != NULL, "offline alice:\n%s", text);
	free(text);
	text = reply_until(q, ":whois dora", MSG_PROMPT);
	snprintf(want, sizeof want, MSG_WHOIS_HEAD "\r\n", "dora",
	    "registered", "not online");
	ck_assert_msg(strstr(text, want) != NULL &&
	    strstr(text, "  not seen since registered on 2026-11-29") != NULL,
	    "never seen dora:\n%s", text);
	free(text);
	SEND(q, ":whois nobody");
	EXPECT(q, MSG_WHOIS_NONE "\r\n", "nobody");
	tc_close(b);
	tc_close(q);
	free(fp);
	ssh_key_free(key);
	free(own_dir);
}
END_TEST

/* :list and :listall mark registered names with '*'; :help explains it. */
START_TEST(test_list_marks)
{
	ssh_key key = sc_keygen();
	struct tclient *a = ssh_in("alice", key, "alice");
	struct tclient *b = tc_user("bob");
	char *text, *line;
	int i;

	do_register(a, "alice", key);
	tc_join(a, "general", NULL);
	tc_join(b, "general", NULL);
	for (i = 0; i < 2; i++) {
		text = reply_until(b, i == 0 ? ":list" : ":listall",
		    "[general/bob]> ");
		ck_assert_msg(strstr(text, "\r\n  alice*\r\n") != NULL,
		    "alice not marked:\n%s", text);
		ck_assert_msg(strstr(text, "\r\n  bob\r\n") != NULL,
		    "bob (a guest) marked or missing:\n%s", text);
		ck_assert_msg(strstr(text, MSG_LIST_REGISTERED "\r\n") != NULL,
		    "no \"" MSG_LIST_REGISTERED "\" line:\n%s", text);
		free(text);
	}
	text = reply_until(b, ":help", "[general/bob]> ");
	line = strstr(text, "*");
	ck_assert_msg(line != NULL, ":help does not explain the '*':\n%s",
	    text);
	line = strndup(line, strcspn(line, "\r\n"));
	ck_assert_msg(strstr(line, "registered") != NULL,
	    ":help's '*' line does not say registered: %s", line);
	free(line);
	free(text);
	tc_close(a);
	tc_close(b);
	ssh_key_free(key);
}
END_TEST

/* Registration closed: :register says to ask an operator. */
START_TEST(test_registration_closed)
{
	ssh_key key = sc_keygen();
	struct tclient *a = ssh_in("alice", key, "alice"), *t;

	SEND(a, ":register");
	EXPECT(a, MSG_REGISTER_CLOSED "\r\n");
	EXPECT(a, MSG_PROMPT);
	tc_close(a);
	usleep(100000);
	t = tc_user("alice");
	tc_close(t);
	ssh_key_free(key);
}
END_TEST

/*
 * Guests off: an unregistered name is refused over telnet and SSH alike,
 * a registered one over telnet; its owner gets in over SSH.
 */
START_TEST(test_guests_off)
{
	struct tclient *t = tc_connect(&td, "telnet"), *s, *a;

	EXPECT(t, MSG_NAME_PROMPT);
	SEND(t, "bob");
	EXPECT(t, MSG_NAME_GUESTS_OFF "\r\n");
	EXPECT(t, MSG_NAME_PROMPT);
	SEND(t, "alice");
	EXPECT(t, MSG_NAME_REGISTERED "\r\n", "alice");
	EXPECT(t, MSG_NAME_PROMPT);
	s = sc_open("carol", NULL, 0, 0);
	EXPECT(s, MSG_NAME_GUESTS_OFF "\r\n");
	EXPECT(s, MSG_NAME_PROMPT);
	ck_assert_msg(strstr(s->last, "You are connected") == NULL,
	    "a guest got in");
	a = ssh_in("alice", k_alice, "alice");
	tc_close(a);
	tc_close(s);
	tc_close(t);
	ssh_key_free(k_alice);
	free(own_dir);
}
END_TEST

/*
 * chatsockctl register from a .pub file and from an authorized_keys file
 * with two keys; accounts as a table and as JSON; unregister frees it;
 * listall shows VIA and KEY.
 */
START_TEST(test_operator_register)
{
	char *dir = test_mkdtemp(), *pub, *auth, *fp, *fp2, *fp3, *row;
	ssh_key ka = sc_keygen(), kb[2] = { sc_keygen(), sc_keygen() };
	struct tclient *a, *b, *t;
	struct run_result r;
	json_t *j, *acc, *e;
	json_error_t err;
	time_t t0 = time(NULL);
	size_t i;

	pub = pub_file(dir, "id_ed25519.pub", &ka, 1);
	auth = pub_file(dir, "authorized_keys", kb, 2);
	fp = sc_fingerprint(ka);
	fp2 = sc_fingerprint(kb[0]);
	fp3 = sc_fingerprint(kb[1]);
	ctl_ok("register", "alice", pub, NULL);
	ctl_ok("register", "bob", auth, NULL);

	ck_assert(ctl(&r, "--json", "accounts", NULL, NULL) == 0);
	ck_assert_msg(r.status == 0, "accounts --json: %s", r.err);
	j = json_loads(r.out, 0, &err);
	ck_assert_msg(j != NULL, "accounts --json is not JSON: %s", r.out);
	acc = json_object_get(j, "accounts");
	ck_assert_msg(json_is_array(acc) && json_array_size(acc) == 2,
	    "accounts: %s", r.out);
	json_array_foreach(acc, i, e) {
		const char *name = json_string_value(json_object_get(e,
		    "name"));
		json_t *keys = json_object_get(e, "keys");
		json_t *reg = json_object_get(e, "registered");

		ck_assert_msg(name != NULL && json_is_array(keys) &&
		    json_is_integer(reg) && json_integer_value(reg) >= t0 - 2 &&
		    json_integer_value(reg) <= time(NULL) + 2 &&
		    json_is_null(json_object_get(e, "seen")),
		    "account %zu: %s", i, r.out);
		if (strcmp(name, "alice") == 0)
			ck_assert_msg(json_array_size(keys) == 1 &&
			    strcmp(json_string_value(json_array_get(keys, 0)),
			    fp) == 0, "alice's keys: %s", r.out);
		else
			ck_assert_msg(strcmp(name, "bob") == 0 &&
			    json_array_size(keys) == 2 &&
			    strcmp(json_string_value(json_array_get(keys, 0)),
			    fp2) == 0 &&
			    strcmp(json_string_value(json_array_get(keys, 1)),
			    fp3) == 0, "bob's keys: %s", r.out);
	}
	json_decref(j);
	run_result_free(&r);

	/* Each of bob's keys gets bob; alice's key gets alice. */
	b = ssh_in("bob", kb[0], "bob");
	tc_close(b);
	usleep(100000);
	b = ssh_in("bob", kb[1], "bob");
	a = ssh_in("alice", ka, "alice");
	t = tc_user("carol");

	ck_assert(ctl(&r, "accounts", NULL, NULL, NULL) == 0);
	ck_assert_msg(r.status == 0, "accounts: %s", r.err);
	row = row_of(r.out, "NAME");
	ck_assert_msg(row != NULL && strstr(row, "KEYS") != NULL &&
	    strstr(row, "REGISTERED") != NULL && strstr(row, "SEEN") != NULL,
	    "accounts header:\n%s", r.out);
	free(row);
	ck_assert_msg((row = row_of(r.out, "alice")) != NULL,
	    "no alice in accounts:\n%s", r.out);
	free(row);
	ck_assert_msg((row = row_of(r.out, "bob")) != NULL,
	    "no bob in accounts:\n%s", r.out);
	free(row);
	run_result_free(&r);

	ck_assert(ctl(&r, "--json", "accounts", NULL, NULL) == 0);
	ck_assert_msg(strstr(r.out, "\"seen\": null") == NULL &&
	    strstr(r.out, "\"seen\":null") == NULL,
	    "seen still null after login: %s", r.out);
	run_result_free(&r);

	ck_assert(ctl(&r, "listall", NULL, NULL, NULL) == 0);
	row = row_of(r.out, "NAME");
	ck_assert_msg(row != NULL && strstr(row, "VIA") != NULL &&
	    strstr(row, "KEY") != NULL, "listall header:\n%s", r.out);
	free(row);
	row = row_of(r.out, "alice");
	ck_assert_msg(row != NULL && strstr(row, "ssh") != NULL &&
	    strstr(row, fp) != NULL, "alice in listall:\n%s", r.out);
	free(row);
	row = row_of(r.out, "carol");
	ck_assert_msg(row != NULL && strstr(row, "telnet") != NULL &&
	    strstr(row, "SHA256:") == NULL, "carol in listall:\n%s", r.out);
	free(row);
	run_result_free(&r);

	/* Unregister alice: telnet may take it once she has left. */
	tc_close(a);
	ctl_ok("unregister", "alice", NULL, NULL);
	ck_assert(ctl(&r, "unregister", "alice", NULL, NULL) == 0);
	ck_assert_msg(r.status != 0, "unregistering alice twice succeeded");
	ck_assert_msg(strstr(r.err, "alice") != NULL, "the error does not "
	    "name alice: %s", r.err);
	run_result_free(&r);
	usleep(100000);
	tc_close(tc_user("alice"));

	tc_close(b);
	tc_close(t);
	unlink(pub);
	unlink(auth);
	rmdir(dir);
	free(pub);
	free(auth);
	free(dir);
	free(fp);
	free(fp2);
	free(fp3);
	ssh_key_free(ka);
	ssh_key_free(kb[0]);
	ssh_key_free(kb[1]);
}
END_TEST

/*
 * A name a guest holds online: register is refused, --kick disconnects the
 * guest with a notice and registers it.
 */
START_TEST(test_operator_kick)
{
	char *dir = test_mkdtemp(), *pub;
	ssh_key key = sc_keygen();
	struct tclient *g = tc_user("carol"), *c;
	struct run_result r;

	pub = pub_file(dir, "carol.pub", &key, 1);
	ck_assert(ctl(&r, "register", "carol", pub, NULL) == 0);
	ck_assert_msg(r.status != 0, "a name held by a guest was registered");
	ck_assert_msg(strstr(r.err, "carol") != NULL,
	    "the refusal does not name carol: %s", r.err);
	fprintf(stderr, "register over a guest: %s", r.err);
	run_result_free(&r);
	SEND(g, ":whois carol");
	EXPECT(g, MSG_WHOIS_HEAD "\r\n", "carol", "guest", "telnet");
	EXPECT(g, MSG_PROMPT);

	ctl_ok("register", "carol", pub, "--kick");
	EXPECT(g, MSG_OPERATOR_TOOK "\r\n", "carol");
	EXPECT_CLOSED(g);
	tc_close(g);
	usleep(100000);
	c = ssh_in("carol", key, "carol");
	SEND(c, ":whois carol");
	EXPECT(c, MSG_WHOIS_HEAD "\r\n", "carol", "registered", "ssh");
	tc_close(c);
	unlink(pub);
	rmdir(dir);
	free(pub);
	free(dir);
	ssh_key_free(key);
}
END_TEST

/*
 * Registrations survive a restart; the file is 0600 and holds names, keys
 * and dates only: no chat text, no address.
 */
START_TEST(test_restart_and_file)
{
	ssh_key key = sc_keygen();
	struct tclient *a = ssh_in("alice", key, "alice"), *b, *t;
	char *text, *line, name[64];
	struct stat st;

	do_register(a, "alice", key);
	tc_join(a, "general", NULL);
	b = tc_chatter("bob", "general");
	SEND(a, ":chat");
	EXPECT(a, MSG_CHAT_ENTER, "general");
	SEND(a, "my secret plan 4711");
	EXPECT(b, "my secret plan 4711");
	SEND(b, "bob says zebra");
	EXPECT(a, "bob says zebra");
	tc_close(b);
	tc_close(a);
	usleep(200000);

	ck_assert_msg(stat(own_accounts, &st) == 0, "no %s", own_accounts);
	ck_assert_msg((st.st_mode & 07777) == 0600, "%s has mode %04o",
	    own_accounts, (unsigned)(st.st_mode & 07777));
	text = read_file(own_accounts);
	ck_assert(text != NULL);
	ck_assert_msg(strstr(text, "secret") == NULL &&
	    strstr(text, "4711") == NULL && strstr(text, "zebra") == NULL,
	    "chat text in the accounts file:\n%s", text);
	ck_assert_msg(strstr(text, "127.0.0.1") == NULL &&
	    strstr(text, "::1") == NULL, "an address in the accounts file:\n%s",
	    text);
	ck_assert_msg(strstr(text, " bob ") == NULL, "a guest in the accounts "
	    "file:\n%s", text);
	line = strndup(text, strcspn(text, "\n"));
	ck_assert_msg(valid_file_line(line, name, sizeof name) &&
	    strcmp(name, "alice") == 0 && strchr(text, '\n')[1] == '\0',
	    "not one \"TYPE KEY alice REGISTERED SEEN\" line:\n%s", text);
	free(line);
	free(text);

	/* Restart on the same file. */
	ssh_key_free(sc_hostkey);
	sc_hostkey = NULL;
	ssh_daemon_teardown();
	/* The last-seen time is written by the exit at the latest. */
	text = read_file(own_accounts);
	ck_assert(text != NULL);
	ck_assert_msg(strlen(text) > 2 && text[strlen(text) - 2] == 'Z',
	    "alice's last-seen time was not "
	    "written:\n%s", text);
	free(text);
	ssh_daemon_start(own_json);
	t = tc_connect(&td, "telnet");
	EXPECT(t, MSG_NAME_PROMPT);
	SEND(t, "alice");
	EXPECT(t, MSG_NAME_REGISTERED "\r\n", "alice");
	EXPECT(t, MSG_NAME_PROMPT);
	SEND(t, "tom");
	EXPECT(t, MSG_PROMPT);
	SEND(t, ":whois alice");
	EXPECT(t, MSG_WHOIS_HEAD "\r\n  last seen ", "alice", "registered",
	    "not online");
	a = ssh_in("alice", key, "alice");
	SEND(a, ":register");
	EXPECT(a, MSG_REGISTER_ALREADY "\r\n", "alice");
	tc_close(a);
	tc_close(t);
	ssh_key_free(key);
	unlink(own_accounts);
	rmdir(own_dir);
	free(own_dir);
}
END_TEST

/*
 * The crash test's killer: once told to go, it drains the events so far,
 * says it is ready, and kills the daemon with SIGKILL at the first create,
 * open or write of an accounts* file in the daemon's dir (or after 20 s).
 */
static void
killer_main(int go, int ready, int ino)
{
	char buf[4096] __attribute__((aligned(8))), c;
	struct pollfd pfd = { .fd = ino, .events = POLLIN };
	const struct inotify_event *ev;
	ssize_t len, off;

	/* No go (the burst ended early): kill now, the test then fails. */
	if (read(go, &c, 1) != 1) {
		kill(td.pid, SIGKILL);
		_exit(1);
	}
	while (read(ino, buf, sizeof buf) > 0)
		;
	if (write(ready, "r", 1) != 1)
		_exit(1);
	while (poll(&pfd, 1, 20000) == 1) {
		if ((len = read(ino, buf, sizeof buf)) <= 0)
			continue;
		for (off = 0; off < len; off += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (ev->len > 0 && strncmp(ev->name, "accounts", 8) ==
			    0) {
				kill(td.pid, SIGKILL);
				_exit(0);
			}
		}
	}
	kill(td.pid, SIGKILL);
	_exit(0);
}

/*
 * kill -9 during a burst of registrations: the file loads, holds whole
 * lines only, and every registration acknowledged before the kill.
 */
START_TEST(test_crash_burst)
{
	char *dir = test_mkdtemp(), *pubs[BURST], name[32], *text, *line,
	    *save = NULL, got[64];
	const char *argv[] = { getenv("CHATSOCKD"), "-t", "-c", td.config,
	    NULL };
	int acked[BURST], nacked = 0, i, status, found, ok, go[2], ready[2],
	    ino;
	struct run_result r;
	ssh_key key;
	pid_t killer;
	size_t n = 0;
	char c;
	char accounts[T_PATH];

	snprintf(accounts, sizeof accounts, "%s/accounts", td.dir);
	for (i = 0; i < BURST; i++) {
		key = sc_keygen();
		snprintf(name, sizeof name, "u%03d.pub", i);
		pubs[i] = pub_file(dir, name, &key, 1);
		ssh_key_free(key);
	}
	/*
	 * After KILL_AT acknowledged registrations the killer strikes at the
	 * daemon's next touch of a file in its dir (the start of a write).
	 */
	ck_assert(pipe(go) == 0 && pipe(ready) == 0);
	ck_assert((ino = inotify_init1(IN_NONBLOCK)) != -1);
	ck_assert(inotify_add_watch(ino, td.dir, IN_CREATE | IN_OPEN |
	    IN_MODIFY) != -1);
	ck_assert((killer = fork()) != -1);
	if (killer == 0)
		killer_main(go[0], ready[1], ino);
	close(go[0]);
	close(ready[1]);
	close(ino);
	for (i = 0; i < BURST; i++) {
		snprintf(name, sizeof name, "u%03d", i);
		ck_assert(ctl(&r, "register", name, pubs[i], NULL) == 0);
		ok = r.status == 0;
		run_result_free(&r);
		if (ok)
			acked[nacked++] = i;
		else if (nacked > 0)
			break;
		if (nacked == KILL_AT && ok) {
			ck_assert(write(go[1], "g", 1) == 1);
			ck_assert(read(ready[0], &c, 1) == 1);
		}
	}
	close(go[1]);
	close(ready[0]);
	ck_assert(waitpid(killer, &status, 0) == killer);
	ck_assert(waitpid(td.pid, &status, 0) == td.pid);
	td.pid = 0;
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "chatsockd was not killed (status 0x%x)", status);
	fprintf(stderr, "crash burst: %d registrations acknowledged before "
	    "kill -9\n", nacked);
	ck_assert_msg(nacked >= KILL_AT && nacked < BURST,
	    "%d registrations acknowledged", nacked);

	text = read_file(accounts);
	ck_assert_msg(text != NULL, "no accounts file after the crash");
	ck_assert_msg(*text == '\0' || text[strlen(text) - 1] == '\n',
	    "the file ends in a partial line");
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(valid_file_line(line, got, sizeof got),
		    "not a whole line: \"%s\"", line);
		ck_assert_msg(got[0] == 'u' && atoi(got + 1) < BURST,
		    "unexpected name %s", got);
		n++;
	}
	free(text);
	text = read_file(accounts);
	for (i = 0; i < nacked; i++) {
		snprintf(name, sizeof name, " u%03d ", acked[i]);
		found = strstr(text, name) != NULL;
		ck_assert_msg(found, "acknowledged u%03d is not in the file",
		    acked[i]);
	}
	free(text);
	ck_assert_msg(n >= (size_t)nacked, "%zu lines for %d registrations", n,
	    nacked);
	ck_assert(run_program(argv, NULL, &r) == 0);
	ck_assert_msg(r.status == 0, "the file left by the crash does not "
	    "load: %s", r.err);
	run_result_free(&r);
	for (i = 0; i < BURST; i++) {
		unlink(pubs[i]);
		free(pubs[i]);
	}
	rmdir(dir);
	free(dir);
}
END_TEST

/* chatsockd [-t] -c conf; 0 if it ran. */
static int
run_daemon(const char *conf, int test, struct run_result *r)
{
	const char *argv[] = { getenv("CHATSOCKD"), "-t", "-c", conf, NULL };

	if (!test) {
		argv[1] = "-c";
		argv[2] = conf;
		argv[3] = NULL;
	}
	return (run_program(argv, NULL, r));
}

/*
 * A missing file is an empty registry; a corrupt one is refused by -t and
 * by a start alike, naming file:line.
 */
START_TEST(test_corrupt_file)
{
	static const char *bad[] = {
		"ssh-ed25519 AAAA alice " REG_DATE " -\n",	/* bad key */
		"@KEY@ alice\n",				/* fields */
		"@KEY@ alice 2026-13-45 -\n",			/* date */
		"@KEY@ bad/name " REG_DATE " -\n",		/* name */
	};
	ssh_key key = sc_keygen();
	char *conf, accounts[T_PATH], where[T_PATH + 8], *klin, *dir;
	struct run_result r;
	size_t i;
	FILE *f;

	klin = key_line(key);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert(config_test("", &r, &conf) == 0);
		ck_assert_msg(r.status == 0, "-t refused a config whose "
		    "accounts file does not exist: %s", r.err);
		run_result_free(&r);
		dir = strndup(conf, strrchr(conf, '/') - conf);
		snprintf(accounts, sizeof accounts, "%s/accounts", dir);
		ck_assert((f = fopen(accounts, "w")) != NULL);
		fprintf(f, "# registry\n%s alice2 " REG_DATE " -\n", klin);
		if (strncmp(bad[i], "@KEY@", 5) == 0)
			fprintf(f, "%s%s", klin, bad[i] + 5);
		else
			fputs(bad[i], f);
		ck_assert(fclose(f) == 0);
		snprintf(where, sizeof where, "%s:3", accounts);

		ck_assert(run_daemon(conf, 1, &r) == 0);
		ck_assert_msg(r.status != 0, "-t accepted corrupt line %zu",
		    i);
		ck_assert_msg(strstr(r.err, where) != NULL, "-t does not name "
		    "%s: %s", where, r.err);
		run_result_free(&r);
		ck_assert(run_daemon(conf, 0, &r) == 0);
		ck_assert_msg(!r.timed_out && r.status > 0, "chatsockd "
		    "started with corrupt line %zu", i);
		ck_assert_msg(strstr(r.err, where) != NULL, "the start does "
		    "not name %s: %s", where, r.err);
		fprintf(stderr, "corrupt %zu: %s", i, r.err);
		run_result_free(&r);
		unlink(accounts);
		unlink(conf);
		rmdir(dir);
		free(dir);
		free(conf);
	}
	free(klin);
	ssh_key_free(key);
}
END_TEST

/* -t: no listener, guests off without ssh: errors; doubtful: warnings. */
START_TEST(test_configtest)
{
	static const struct {
		const char	*json;
		int		 ok;
		const char	*words[3];
	} cases[] = {
		{ "\"telnet\": false", 0, { "telnet", "no listener", NULL } },
		{ "\"guests\": false", 0, { "guests", "ssh", NULL } },
		{ "\"registration\": \"maybe\"", 0,
		    { "registration", "open", "closed" } },
		{ "\"guests\": false, \"registration\": \"closed\", "
		    "\"ssh\": {\"port\": 0, \"hostKey\": \"@DIR@/k\"}", 1,
		    { "warning", "telnet", NULL } },
		{ "\"guests\": false, \"telnet\": false, "
		    "\"ssh\": {\"port\": 0, \"hostKey\": \"@DIR@/k\"}", 1,
		    { "warning", "registration", NULL } },
	};
	struct run_result r;
	char *conf, *json, *p, *dir = test_mkdtemp();
	size_t i, w;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json = strdup(cases[i].json);
		if ((p = strstr(json, "@DIR@")) != NULL) {
			*p = '\0';
			if (asprintf(&p, "%s%s%s", json, dir, p + 5) < 0)
				ck_abort_msg("asprintf");
			free(json);
			json = p;
		}
		ck_assert(config_test(json, &r, &conf) == 0);
		fprintf(stderr, "-t with %s: %s", json, r.err);
		if (cases[i].ok)
			ck_assert_msg(r.status == 0, "-t refused %s: %s", json,
			    r.err);
		else {
			ck_assert_msg(r.status != 0, "-t accepted %s", json);
			ck_assert_msg(strstr(r.err, conf) != NULL,
			    "the error does not name %s: %s", conf, r.err);
		}
		for (w = 0; w < 3 && cases[i].words[w] != NULL; w++)
			ck_assert_msg(strstr(r.err, cases[i].words[w]) != NULL,
			    "-t with %s does not say \"%s\": %s", json,
			    cases[i].words[w], r.err);
		/* The warning about guests and telnet only with telnet on. */
		if (i == 4)
			ck_assert_msg(strstr(r.err, "warning: telnet") == NULL,
			    "a telnet warning with telnet off: %s", r.err);
		run_result_free(&r);
		p = strndup(conf, strrchr(conf, '/') - conf);
		unlink(conf);
		rmdir(p);
		free(p);
		free(conf);
		free(json);
	}
	rmdir(dir);
	free(dir);
}
END_TEST

/* telnet false: the daemon listens on the SSH port only, and SSH works. */
START_TEST(test_no_telnet)
{
	int ports[8], n;
	struct tclient *a;

	ck_assert_msg(td.port == 0, "a telnet port was written: %d", td.port);
	n = listening(td.pid, ports, 8);
	ck_assert_msg(n == 1 && ports[0] == td.ssh_port,
	    "chatsockd listens on %d TCP ports (first %d), expected only the "
	    "SSH port %d", n, n > 0 ? ports[0] : 0, td.ssh_port);
	a = sc_user("alice", 0, 0);
	tc_close(a);
}
END_TEST

/* No telnet listener. */
static void
setup_no_telnet(void)
{
	ssh_daemon_start(BASE ", \"telnet\": false");
}

static Suite *
accounts_suite(void)
{
	Suite *s = suite_create("accounts");
	TCase *tc;

	tc = tcase_ssh("register", setup);
	tcase_add_test(tc, test_register_reconnect);
	tcase_add_test(tc, test_register_telnet);
	tcase_add_test(tc, test_refused_others);
	tcase_add_test(tc, test_owner_twice);
	tcase_add_test(tc, test_unregister);
	tcase_add_test(tc, test_list_marks);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("whois", setup_rooms);
	tcase_add_test(tc, test_whois);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("closed", setup_closed);
	tcase_add_test(tc, test_registration_closed);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("guests", setup_guests_off);
	tcase_add_test(tc, test_guests_off);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("notelnet", setup_no_telnet);
	tcase_add_test(tc, test_no_telnet);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("operator", setup);
	tcase_add_test(tc, test_operator_register);
	tcase_add_test(tc, test_operator_kick);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("file", setup_own_file);
	tcase_add_test(tc, test_restart_and_file);
	suite_add_tcase(s, tc);

	tc = tcase_ssh("crash", setup);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_crash_burst);
	suite_add_tcase(s, tc);

	tc = tcase_create("configtest");
	tcase_set_timeout(tc, T_TCASE);
	tcase_add_checked_fixture(tc, setup_none, daemon_teardown);
	tcase_add_test(tc, test_corrupt_file);
	tcase_add_test(tc, test_configtest);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (run_suite(accounts_suite()));
}
