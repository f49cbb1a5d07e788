/*
 * The account registry. The file holds one line per key, authorized_keys
 * style with the name and the dates after the key:
 *
 *	ssh-ed25519 AAAAC3Nza... alice 2026-11-29T14:05:00Z 2026-11-30T09:12:44Z
 *
 * (type, key, name, registered, last seen or "-"). Names, keys and dates
 * only: never chat text, never addresses. The file is rewritten whole on
 * each change: a temporary file in the same directory, written, fsync'd,
 * renamed over the old one, then the directory fsync'd, so a crash or a
 * full disk leaves either the old file or the new one, never half of one.
 */
#include <sys/stat.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "accounts.h"
#include "config.h"
#include "limits.h"
#include "log.h"
#include "strmap.h"
#include "xmalloc.h"

struct account_key {
	char	*line;		/* "TYPE BASE64" */
	char	*fingerprint;	/* "SHA256:..." */
};

struct account {
	TAILQ_ENTRY(account)	 entry;
	char			 name[USERNAME_LIMIT_MAX + 1];
	time_t			 registered;
	time_t			 seen;
	size_t			 nkeys;
	struct account_key	 keys[ACCOUNT_KEYS_MAX];
};

TAILQ_HEAD(account_list, account);

static struct account_list	 accounts = TAILQ_HEAD_INITIALIZER(accounts);
static struct strmap		*by_name;	/* folded name -> account */
static struct strmap		*by_key;	/* fingerprint -> names owned */
static char			*accounts_path;
static int			 accounts_dirty;	/* a seen time not on disk */

static int	accounts_parse(char *line, struct account **a, char **cause);
static int	accounts_key(const char *type, const char *b64,
		    struct account_key *k, char **why);
static struct account *accounts_add(const char *name, time_t registered);
static int	accounts_add_key(struct account *a, struct account_key *k,
		    char **cause);
static void	accounts_drop(struct account *a);
static int	accounts_save(const struct account *skip, char **cause);
static int	accounts_write(FILE *f, const struct account *skip);
static void	accounts_time(time_t t, char *buf, size_t size);
static int	accounts_parse_time(const char *s, time_t *t);
static int	accounts_cmp(const void *a, const void *b);
static int	accounts_write_one(FILE *f, const struct account *a);

static void	(*accounts_hook)(const char *);

/* Load the registry from path, replacing what was loaded before. */
int
accounts_load(const char *path, char **cause)
{
	struct account *a = NULL;
	char *line = NULL, *why;
	size_t size = 0;
	unsigned n = 0;
	FILE *f;

	accounts_free();
	by_name = strmap_new(1);
	by_key = strmap_new(0);
	accounts_path = xstrdup(path);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (0);
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while (getline(&line, &size, f) != -1) {
		n++;
		if (accounts_parse(line, &a, &why) != 0) {
			xasprintf(cause, "%s:%u: %s", path, n, why);
			free(why);
			free(line);
			fclose(f);
			return (-1);
		}
	}
	free(line);
	fclose(f);
	return (0);
}

/*
 * One line: "TYPE BASE64 NAME REGISTERED SEEN"; blank lines and "#"
 * comments are skipped. A name's later lines add keys to it.
 */
static int
accounts_parse(char *line, struct account **ap, char **why)
{
	char *field[6], *save = NULL, *p;
	struct account_key k;
	struct account *a;
	time_t registered, seen;
	int n = 0;

	for (p = strtok_r(line, " \t\r\n", &save); p != NULL && n < 6;
	    p = strtok_r(NULL, " \t\r\n", &save))
		field[n++] = p;
	if (n == 0 || field[0][0] == '#')
		return (0);
	if (n != 5) {
		xasprintf(why, "expected \"TYPE KEY NAME REGISTERED SEEN\", "
		    "found %d field%s", n, n == 1 ? "" : "s");
		return (-1);
	}
	if (!config_valid_name(field[2], USERNAME_LIMIT_MAX)) {
		xasprintf(why, "expected a username of 1 to %d characters "
		    "of A-Z a-z 0-9 _ . -", USERNAME_LIMIT_MAX);
		return (-1);
	}
	if (accounts_parse_time(field[3], &registered) != 0 ||
	    (strcmp(field[4], "-") != 0 &&
	    accounts_parse_time(field[4], &seen) != 0)) {
		xasprintf(why, "expected dates as 2026-11-29T14:05:00Z "
		    "(and \"-\" for never seen)");
		return (-1);
	}
	if (strcmp(field[4], "-") == 0)
		seen = 0;
	if (accounts_key(field[0], field[1], &k, why) != 0)
		return (-1);
	if ((a = accounts_find(field[2])) == NULL)
		a = accounts_add(field[2], registered);
	if (seen > a->seen)
		a->seen = seen;
	*ap = a;
	return (accounts_add_key(a, &k, why));
}

/* Check a public key and compute its fingerprint. */
static int
accounts_key(const char *type, const char *b64, struct account_key *k,
    char **why)
{
	enum ssh_keytypes_e kt = ssh_key_type_from_name(type);
	unsigned char *hash = NULL;
	ssh_key key = NULL;
	size_t hlen;
	char *fp;

	if (kt == SSH_KEYTYPE_UNKNOWN) {
		xasprintf(why, "expected an SSH public key type such as "
		    "ssh-ed25519, found \"%.32s\"", type);
		return (-1);
	}
	if (ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK) {
		xasprintf(why, "expected a public key of type %s in "
		    "base64", type);
		return (-1);
	}
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != SSH_OK ||
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
	    hlen)) == NULL) {
		ssh_clean_pubkey_hash(&hash);
		ssh_key_free(key);
		xasprintf(why, "cannot compute the key's fingerprint");
		return (-1);
	}
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	xasprintf(&k->line, "%s %s", type, b64);
	k->fingerprint = xstrdup(fp);
	ssh_string_free_char(fp);
	return (0);
}

/* A new, keyless account. */
static struct account *
accounts_add(const char *name, time_t registered)
{
	struct account *a = xcalloc(1, sizeof *a);

	snprintf(a->name, sizeof a->name, "%s", name);
	a->registered = registered;
	TAILQ_INSERT_TAIL(&accounts, a, entry);
	strmap_set(by_name, a->name, a);
	return (a);
}

/* Give a key to an account: not twice, and within the limits. */
static int
accounts_add_key(struct account *a, struct account_key *k, char **why)
{
	uintptr_t owned = (uintptr_t)strmap_get(by_key, k->fingerprint);
	size_t i;

	for (i = 0; i < a->nkeys; i++) {
		if (strcmp(a->keys[i].fingerprint, k->fingerprint) == 0) {
			free(k->line);
			free(k->fingerprint);
			return (0);
		}
	}
	if (a->nkeys == ACCOUNT_KEYS_MAX)
		xasprintf(why, "%s has %d keys already, the most a name may "
		    "have", a->name, ACCOUNT_KEYS_MAX);
	else if (owned >= ACCOUNT_NAMES_PER_KEY)
		xasprintf(why, "this key owns %d names already, the most a "
		    "key may own", ACCOUNT_NAMES_PER_KEY);
	if (a->nkeys == ACCOUNT_KEYS_MAX || owned >= ACCOUNT_NAMES_PER_KEY) {
		free(k->line);
		free(k->fingerprint);
		return (-1);
	}
	strmap_set(by_key, k->fingerprint, (void *)(owned + 1));
	a->keys[a->nkeys++] = *k;
	return (0);
}

/* Forget an account and its keys. */
static void
accounts_drop(struct account *a)
{
	uintptr_t owned;
	size_t i;

	for (i = 0; i < a->nkeys; i++) {
		owned = (uintptr_t)strmap_get(by_key, a->keys[i].fingerprint);
		if (owned <= 1)
			strmap_del(by_key, a->keys[i].fingerprint);
		else
			strmap_set(by_key, a->keys[i].fingerprint,
			    (void *)(owned - 1));
		free(a->keys[i].line);
		free(a->keys[i].fingerprint);
	}
	strmap_del(by_name, a->name);
	TAILQ_REMOVE(&accounts, a, entry);
	free(a);
}

/* Forget every account (at exit, or before a load). */
void
accounts_free(void)
{
	struct account *a;

	while ((a = TAILQ_FIRST(&accounts)) != NULL)
		accounts_drop(a);
	strmap_free(by_name);
	strmap_free(by_key);
	free(accounts_path);
	by_name = by_key = NULL;
	accounts_path = NULL;
}

/* How many names are registered. */
size_t
accounts_count(void)
{
	return (by_name == NULL ? 0 : strmap_count(by_name));
}

/* The account of a name, any case. */
struct account *
accounts_find(const char *name)
{
	return (by_name == NULL ? NULL : strmap_get(by_name, name));
}

/* Whether the key with this fingerprint owns a. */
int
accounts_owns(const struct account *a, const char *fingerprint)
{
	size_t i;

	if (fingerprint == NULL)
		return (0);
	for (i = 0; i < a->nkeys; i++) {
		if (strcmp(a->keys[i].fingerprint, fingerprint) == 0)
			return (1);
	}
	return (0);
}

/* The owner is here now. */
void
accounts_seen(struct account *a)
{
	a->seen = time(NULL);
	accounts_dirty = 1;
}

/* At exit: write the last-seen times if they changed. */
void
accounts_sync(void)
{
	char *cause = NULL;

	if (!accounts_dirty || accounts_path == NULL)
		return;
	if (accounts_save(NULL, &cause) != 0)
		free(cause);
}

/* Register name to keys (or add keys to it); on disk before it counts. */
int
accounts_register(const char *name, const char *const *keys, size_t nkeys,
    char **cause)
{
	struct account_key k[ACCOUNT_KEYS_MAX];
	struct account *a;
	char *copy, *type, *b64, *save;
	size_t i, added = 0;
	int fresh;

	if (nkeys == 0 || nkeys > ACCOUNT_KEYS_MAX) {
		xasprintf(cause, "expected 1 to %d keys", ACCOUNT_KEYS_MAX);
		return (-1);
	}
	for (i = 0; i < nkeys; i++) {
		copy = xstrdup(keys[i]);
		save = NULL;
		type = strtok_r(copy, " \t", &save);
		b64 = strtok_r(NULL, " \t", &save);
		if (type == NULL || b64 == NULL ||
		    accounts_key(type, b64, &k[added], cause) != 0) {
			if (type == NULL || b64 == NULL)
				xasprintf(cause, "expected an OpenSSH public "
				    "key line (TYPE BASE64 [COMMENT])");
			free(copy);
			goto fail;
		}
		added++;
		free(copy);
	}
	fresh = (a = accounts_find(name)) == NULL;
	if (fresh)
		a = accounts_add(name, time(NULL));
	for (i = 0; i < added; i++) {
		if (accounts_add_key(a, &k[i], cause) == 0)
			continue;
		/* k[i] is freed; the ones after it are not taken. */
		while (++i < added) {
			free(k[i].line);
			free(k[i].fingerprint);
		}
		if (fresh)
			accounts_drop(a);
		return (-1);
	}
	if (accounts_save(NULL, cause) != 0) {
		/* Not on disk: not registered. */
		if (fresh)
			accounts_drop(a);
		return (-1);
	}
	log_info("account %s registered (%zu key%s)", a->name, a->nkeys,
	    a->nkeys == 1 ? "" : "s");
	if (accounts_hook != NULL)
		accounts_hook(a->name);
	return (0);

fail:
	for (i = 0; i < added; i++) {
		free(k[i].line);
		free(k[i].fingerprint);
	}
	return (-1);
}

/* Release a name; on disk before it counts. */
int
accounts_unregister(const char *name, char **cause)
{
	struct account *a = accounts_find(name);
	char gone[USERNAME_LIMIT_MAX + 1];

	if (a == NULL) {
		xasprintf(cause, "%s is not registered", name);
		return (-1);
	}
	/* Written without it first; a failure keeps it. */
	if (accounts_save(a, cause) != 0)
		return (-1);
	log_info("account %s unregistered", a->name);
	snprintf(gone, sizeof gone, "%s", a->name);
	accounts_drop(a);
	if (accounts_hook != NULL)
		accounts_hook(gone);
	return (0);
}

/* Write the registry (but skip) to a new file in place of the old one. */
static int
accounts_save(const struct account *skip, char **cause)
{
	char *tmp, *dir;
	FILE *f = NULL;
	int fd, dfd, error = 0;

	if (accounts_path == NULL) {
		xasprintf(cause, "no accounts file");
		return (-1);
	}
	xasprintf(&tmp, "%s.tmp", accounts_path);
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		error = errno;
		if (fd != -1)
			close(fd);
		goto fail;
	}
	if (accounts_write(f, skip) != 0 || fflush(f) != 0 || fsync(fd) != 0)
		error = errno != 0 ? errno : EIO;
	if (fclose(f) != 0 && error == 0)
		error = errno;
	if (error != 0 || rename(tmp, accounts_path) != 0) {
		if (error == 0)
			error = errno;
		unlink(tmp);
		goto fail;
	}
	free(tmp);
	accounts_dirty = 0;
	dir = xstrdup(accounts_path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	return (0);

fail:
	xasprintf(cause, "cannot write %s: %s", accounts_path,
	    strerror(error));
	log_warnx("%s", *cause);
	unlink(tmp);
	free(tmp);
	return (-1);
}

/* Every key line of every account but skip. */
static int
accounts_write(FILE *f, const struct account *skip)
{
	struct account *a;

	errno = 0;
	TAILQ_FOREACH(a, &accounts, entry) {
		if (a != skip && accounts_write_one(f, a) != 0)
			return (-1);
	}
	return (0);
}

/* The lines of one account. */
static int
accounts_write_one(FILE *f, const struct account *a)
{
	char registered[32], seen[32];
	size_t i;

	accounts_time(a->registered, registered, sizeof registered);
	accounts_time(a->seen, seen, sizeof seen);
	for (i = 0; i < a->nkeys; i++) {
		if (fprintf(f, "%s %s %s %s\n", a->keys[i].line, a->name,
		    registered, seen) < 0)
			return (-1);
	}
	return (0);
}

/* 2026-11-29T14:05:00Z, or "-" for 0. */
static void
accounts_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Read 2026-11-29T14:05:00Z. */
static int
accounts_parse_time(const char *s, time_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
	    *end != '\0')
		return (-1);
	*t = timegm(&tm);
	return (0);
}

/* The registered spelling of the name. */
const char *
account_name(const struct account *a)
{
	return (a->name);
}

/* When the name was registered. */
time_t
account_registered(const struct account *a)
{
	return (a->registered);
}

/* When its owner was last online; 0 if never since it was registered. */
time_t
account_seen(const struct account *a)
{
	return (a->seen);
}

/* How many keys own the name. */
size_t
account_nkeys(const struct account *a)
{
	return (a->nkeys);
}

/* The fingerprint of key i. */
const char *
account_fingerprint(const struct account *a, size_t i)
{
	return (i < a->nkeys ? a->keys[i].fingerprint : NULL);
}

/* Order accounts by name, any case. */
static int
accounts_cmp(const void *a, const void *b)
{
	const struct account *const *x = a, *const *y = b;

	return (strcasecmp((*x)->name, (*y)->name));
}

/* All accounts sorted by name. */
struct account **
accounts_sorted(size_t *n)
{
	struct account **v, *a;
	size_t i = 0;

	*n = accounts_count();
	v = xcalloc(*n + 1, sizeof *v);
	TAILQ_FOREACH(a, &accounts, entry)
		v[i++] = a;
	qsort(v, *n, sizeof *v, accounts_cmp);
	return (v);
}

/* Who hears of changes (the cluster link). */
void
accounts_set_hook(void (*changed)(const char *))
{
	accounts_hook = changed;
}

/* One account's lines, as the file holds them. */
char *
accounts_record(const char *name)
{
	struct account *a = accounts_find(name);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (a == NULL || (f = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	if (accounts_write_one(f, a) != 0) {
		fclose(f);
		free(buf);
		return (NULL);
	}
	fclose(f);
	return (buf);
}

/* Replace name's account with record's lines (another node's word). */
int
accounts_apply(const char *name, const char *record, char **cause)
{
	struct account *a;
	char *copy, *line, *next, *why;
	int error = 0;

	if ((a = accounts_find(name)) != NULL)
		accounts_drop(a);
	a = NULL;
	copy = xstrdup(record != NULL ? record : "");
	for (line = copy; *line != '\0' && error == 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (accounts_parse(line, &a, &why) != 0) {
			xasprintf(cause, "account %s from the cluster: %s",
			    name, why);
			free(why);
			error = -1;
		}
	}
	free(copy);
	if (error != 0 && (a = accounts_find(name)) != NULL)
		accounts_drop(a);
	if (accounts_save(NULL, &why) != 0) {
		log_warnx("%s", why);
		free(why);
	}
	return (error);
}
