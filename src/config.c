/* The JSON configuration: defaults, strict parsing, validation. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config.h"
#include "limits.h"
#include "xmalloc.h"

/* What config_print shows instead of a password or password hash. */
#define CONFIG_SECRET_MASK	"********"

/* Longest piece of a bad value quoted back in an error message. */
#define CONFIG_QUOTE_MAX	64

/* Longest error message after "FILE: ". */
#define CONFIG_MSG_MAX		512

/* Text flags (conf_key.flags). */
#define CONF_MULTILINE	0x1	/* a text that may hold newlines */
#define CONF_CRYPT	0x2	/* a secret that must look like crypt(3) */

/*
 * Loading state. Errors name the file and the key; keys inside a room are
 * given as a path, "rooms.NAME.KEY", so prefix holds "rooms.NAME." there.
 */
struct conf_ctx {
	const char	*path;
	const char	*prefix;
	char		**cause;
};

/*
 * One configuration key: its JSON name, where it is stored (offset and size
 * of the member in struct config or struct room_conf), its limits, and the
 * functions that read it from and write it to JSON.
 */
struct conf_key {
	const char	*name;
	int		(*load)(struct conf_ctx *, const struct conf_key *,
			    json_t *, void *);
	json_t		*(*dump)(const struct conf_key *, const void *);
	size_t		 off;
	size_t		 size;
	long long	 min;
	long long	 max;
	int		 flags;
};

static void	conf_error(struct conf_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	conf_key_error(struct conf_ctx *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static const char *conf_kind(const json_t *);
static const char *conf_clean(const char *, char *, size_t);
static int	conf_walk(struct conf_ctx *, const struct conf_key *, size_t,
		    json_t *, void *);
static const struct conf_key *conf_lookup(const struct conf_key *, size_t,
		    const char *);
static void	conf_store_uint(void *, size_t, unsigned long long);
static unsigned long long conf_fetch_uint(const void *, size_t);
static const char *conf_string(struct conf_ctx *, const struct conf_key *,
		    json_t *, const char *);
static void	conf_set_string(void *, const struct conf_key *, const char *);
static int	conf_text_ok(const char *, int);
static int	conf_load_uint(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_bool(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_real(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_host(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_socket(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_group(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_text(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_secret(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_rooms(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_room(struct conf_ctx *, const char *, json_t *,
		    struct room_conf *);
static int	conf_check_rooms(struct conf_ctx *, const struct config *);
static int	conf_load_object(struct conf_ctx *, const struct conf_key *,
		    json_t *, const char *, const struct conf_key *, size_t,
		    void *, const char *);
static int	conf_load_ssh(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_path(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static json_t	*conf_dump_ssh(const struct conf_key *, const void *);
static int	conf_load_cluster(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static json_t	*conf_dump_cluster(const struct conf_key *, const void *);
static int	conf_load_redis(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_node(struct conf_ctx *, const struct conf_key *,
		    json_t *, void *);
static int	conf_load_registration(struct conf_ctx *,
		    const struct conf_key *, json_t *, void *);
static json_t	*conf_dump_registration(const struct conf_key *,
		    const void *);
static int	conf_validate(struct conf_ctx *, const struct config *);
static json_t	*conf_dump_uint(const struct conf_key *, const void *);
static json_t	*conf_dump_bool(const struct conf_key *, const void *);
static json_t	*conf_dump_real(const struct conf_key *, const void *);
static json_t	*conf_dump_string(const struct conf_key *, const void *);
static json_t	*conf_dump_secret(const struct conf_key *, const void *);
static json_t	*conf_dump_rooms(const struct conf_key *, const void *);
static json_t	*conf_dump_keys(const struct conf_key *, size_t,
		    const void *);
static json_t	*conf_parse(struct conf_ctx *);
static void	conf_defaults(struct config *);
static void	conf_free_room(struct room_conf *);
static int	conf_room_cmp(const void *, const void *);
static int	conf_room_find_cmp(const void *, const void *);

#define CONF_FIELD(type, member) \
	offsetof(type, member), sizeof(((type *)0)->member)
#define CF(member)	CONF_FIELD(struct config, member)
#define RF(member)	CONF_FIELD(struct room_conf, member)
#define SF(member)	CONF_FIELD(struct ssh_conf, member)
#define KF(member)	CONF_FIELD(struct cluster_conf, member)

/* The top-level keys, in the order config_print shows them (README order). */
static const struct conf_key conf_keys[] = {
	{ "host", conf_load_host, conf_dump_string, CF(host), 0, 0, 0 },
	{ "port", conf_load_uint, conf_dump_uint, CF(port), 0, 65535, 0 },
	{ "rooms", conf_load_rooms, conf_dump_rooms, 0, 0, 0, 0, 0 },
	{ "welcomeMessage", conf_load_text, conf_dump_string,
	    CF(welcome_message), 0, TEXT_MAX, CONF_MULTILINE },
	{ "connectionTimeout", conf_load_bool, conf_dump_bool,
	    CF(connection_timeout), 0, 1, 0 },
	{ "chatviewMax", conf_load_uint, conf_dump_uint, CF(chatview_max),
	    1, CHATVIEW_MAX_MAX, 0 },
	{ "usernameLimit", conf_load_uint, conf_dump_uint, CF(username_limit),
	    1, USERNAME_LIMIT_MAX, 0 },
	{ "messageLimit", conf_load_uint, conf_dump_uint, CF(message_limit),
	    1, MESSAGE_LIMIT_MAX, 0 },
	{ "maxClients", conf_load_uint, conf_dump_uint, CF(max_clients),
	    1, 1000000, 0 },
	{ "maxClientsPerAddress", conf_load_uint, conf_dump_uint,
	    CF(max_clients_per_address), 0, 1000000, 0 },
	{ "adminSocket", conf_load_socket, conf_dump_string, CF(admin_socket),
	    0, 0, 0 },
	{ "adminGroup", conf_load_group, conf_dump_string, CF(admin_group),
	    0, 0, 0 },
	{ "shutdownMessage", conf_load_text, conf_dump_string,
	    CF(shutdown_message), 0, TEXT_MAX, 0 },
	{ "shutdownGrace", conf_load_uint, conf_dump_uint, CF(shutdown_grace),
	    0, SHUTDOWN_GRACE_MAX, 0 },
	{ "floodBurst", conf_load_uint, conf_dump_uint, CF(flood_burst),
	    1, 10000, 0 },
	{ "floodRate", conf_load_real, conf_dump_real, CF(flood_rate),
	    0, 10000, 0 },
	{ "outputLimit", conf_load_uint, conf_dump_uint, CF(output_limit),
	    4096, 67108864, 0 },
	{ "nameTimeout", conf_load_uint, conf_dump_uint, CF(name_timeout),
	    0, 86400, 0 },
	{ "keepalive", conf_load_uint, conf_dump_uint, CF(keepalive),
	    0, 86400, 0 },
	{ "dmLimit", conf_load_uint, conf_dump_uint, CF(dm_limit),
	    1, DM_LIMIT_MAX, 0 },
	{ "ssh", conf_load_ssh, conf_dump_ssh, 0, 0, 0, 0, 0 },
	{ "sshLoginGrace", conf_load_uint, conf_dump_uint,
	    CF(ssh_login_grace), 1, 3600, 0 },
	{ "sshMaxStartups", conf_load_uint, conf_dump_uint,
	    CF(ssh_max_startups), 1, 100000, 0 },
	{ "registration", conf_load_registration, conf_dump_registration,
	    CF(registration_open), 0, 1, 0 },
	{ "guests", conf_load_bool, conf_dump_bool, CF(guests), 0, 1, 0 },
	{ "telnet", conf_load_bool, conf_dump_bool, CF(telnet), 0, 1, 0 },
	{ "accountsFile", conf_load_path, conf_dump_string, CF(accounts_file),
	    0, 0, 0 },
	{ "reusePort", conf_load_bool, conf_dump_bool, CF(reuse_port),
	    0, 1, 0 },
	{ "cluster", conf_load_cluster, conf_dump_cluster, 0, 0, 0, 0, 0 },
	{ "clusterLease", conf_load_uint, conf_dump_uint, CF(cluster_lease),
	    CLUSTER_LEASE_MIN, CLUSTER_LEASE_MAX, 0 },
};

/* The keys of the "cluster" object. */
static const struct conf_key conf_cluster_keys[] = {
	{ "redis", conf_load_redis, conf_dump_string, KF(redis), 0, 0, 0 },
	{ "node", conf_load_node, conf_dump_string, KF(node), 0, 0, 0 },
	{ "password", conf_load_secret, conf_dump_secret, KF(password),
	    0, 0, 0 },
};

/* The keys of the "ssh" object. */
static const struct conf_key conf_ssh_keys[] = {
	{ "host", conf_load_host, conf_dump_string, SF(host), 0, 0, 0 },
	{ "port", conf_load_uint, conf_dump_uint, SF(port), 0, 65535, 0 },
	{ "hostKey", conf_load_path, conf_dump_string, SF(host_key),
	    0, 0, 0 },
};

/* The keys of one room object. */
static const struct conf_key conf_room_keys[] = {
	{ "public", conf_load_bool, conf_dump_bool, RF(public), 0, 1, 0 },
	{ "password", conf_load_secret, conf_dump_secret, RF(password),
	    0, 0, 0 },
	{ "passwordHash", conf_load_secret, conf_dump_secret,
	    RF(password_hash), 0, 0, CONF_CRYPT },
	{ "description", conf_load_text, conf_dump_string, RF(description),
	    0, TEXT_MAX, 0 },
	{ "limit", conf_load_uint, conf_dump_uint, RF(limit), 0, 1000000, 0 },
};

#define NKEYS(t)	(sizeof (t) / sizeof (t)[0])

/* Set *cause to "FILE: " followed by the formatted message. */
static void
conf_error(struct conf_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[CONFIG_MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	xasprintf(ctx->cause, "%s: %s", ctx->path, msg);
}

/* Set *cause to "FILE: key "PREFIXNAME": " and the formatted message. */
static void
conf_key_error(struct conf_ctx *ctx, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[CONFIG_MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	xasprintf(ctx->cause, "%s: key \"%s%s\": %s", ctx->path, ctx->prefix,
	    name, msg);
}

/* Describe the type of a JSON value for "got ..." in error messages. */
static const char *
conf_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return ("an object");
	case JSON_ARRAY:
		return ("an array");
	case JSON_STRING:
		return ("a string");
	case JSON_INTEGER:
		return ("an integer");
	case JSON_REAL:
		return ("a real number");
	case JSON_TRUE:
		return ("true");
	case JSON_FALSE:
		return ("false");
	case JSON_NULL:
		return ("null");
	}
	return ("an unknown value");
}

/*
 * Copy s into buf to be quoted in an error message: controls, quotes and
 * backslashes become '?', and a long value is cut with "...".
 */
static const char *
conf_clean(const char *s, char *buf, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; s[i] != '\0' && n + 4 < len; i++) {
		if (i == CONFIG_QUOTE_MAX) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '"' || s[i] == '\\')
			buf[n++] = '?';
		else
			buf[n++] = s[i];
	}
	buf[n] = '\0';
	return (buf);
}

/* Find a key by its exact name in a key table. */
static const struct conf_key *
conf_lookup(const struct conf_key *keys, size_t nkeys, const char *name)
{
	size_t	i;

	for (i = 0; i < nkeys; i++) {
		if (strcmp(keys[i].name, name) == 0)
			return (&keys[i]);
	}
	return (NULL);
}

/* Load every member of a JSON object through a key table into base. */
static int
conf_walk(struct conf_ctx *ctx, const struct conf_key *keys, size_t nkeys,
    json_t *obj, void *base)
{
	const struct conf_key	*key;
	const char		*name;
	json_t			*value;
	char			 q[CONFIG_QUOTE_MAX * 2];

	json_object_foreach(obj, name, value) {
		if ((key = conf_lookup(keys, nkeys, name)) == NULL) {
			conf_error(ctx, "unknown key \"%s%s\"", ctx->prefix,
			    conf_clean(name, q, sizeof q));
			return (-1);
		}
		if (key->load(ctx, key, value, base) != 0)
			return (-1);
	}
	return (0);
}

/* Store an unsigned value into a member of the given size. */
static void
conf_store_uint(void *p, size_t size, unsigned long long v)
{
	unsigned	u = (unsigned)v;
	size_t		z = (size_t)v;

	if (size == sizeof u)
		memcpy(p, &u, size);
	else if (size == sizeof z)
		memcpy(p, &z, size);
}

/* Read an unsigned member of the given size. */
static unsigned long long
conf_fetch_uint(const void *p, size_t size)
{
	unsigned	u = 0;
	size_t		z = 0;

	if (size == sizeof u) {
		memcpy(&u, p, size);
		return (u);
	}
	memcpy(&z, p, size);
	return (z);
}

/*
 * Return the string in v, or NULL with an error naming what was expected.
 * Jansson has checked it is UTF-8 without NUL (no JSON_ALLOW_NUL).
 */
static const char *
conf_string(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    const char *expected)
{
	if (!json_is_string(v)) {
		conf_key_error(ctx, key->name, "expected %s, got %s", expected,
		    conf_kind(v));
		return (NULL);
	}
	return (json_string_value(v));
}

/* Replace the string member of base described by key with a copy of s. */
static void
conf_set_string(void *base, const struct conf_key *key, const char *s)
{
	char	**p = (char **)((char *)base + key->off);

	free(*p);
	*p = (s == NULL) ? NULL : xstrdup(s);
}

/* Whether s holds no control characters (C0, DEL, C1), newline aside. */
static int
conf_text_ok(const char *s, int multiline)
{
	const unsigned char	*u = (const unsigned char *)s;

	for (; *u != '\0'; u++) {
		if (*u == '\n' && multiline)
			continue;
		if (*u < 0x20 || *u == 0x7f)
			return (0);
		if (*u == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
			return (0);
	}
	return (1);
}

/* An integer from key->min to key->max. */
static int
conf_load_uint(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	json_int_t	n;

	if (!json_is_integer(v)) {
		conf_key_error(ctx, key->name, "expected an integer from %lld "
		    "to %lld, got %s", key->min, key->max, conf_kind(v));
		return (-1);
	}
	n = json_integer_value(v);
	if (n < key->min || n > key->max) {
		conf_key_error(ctx, key->name, "expected an integer from %lld "
		    "to %lld, got %" JSON_INTEGER_FORMAT, key->min, key->max,
		    n);
		return (-1);
	}
	conf_store_uint((char *)base + key->off, key->size,
	    (unsigned long long)n);
	return (0);
}

/* true or false. */
static int
conf_load_bool(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	int	b;

	if (!json_is_boolean(v)) {
		conf_key_error(ctx, key->name, "expected true or false, got %s",
		    conf_kind(v));
		return (-1);
	}
	b = json_is_true(v);
	memcpy((char *)base + key->off, &b, sizeof b);
	return (0);
}

/* A number, integer or real, from key->min to key->max. */
static int
conf_load_real(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	double	d;

	if (!json_is_number(v)) {
		conf_key_error(ctx, key->name, "expected a number from %lld to "
		    "%lld, got %s", key->min, key->max, conf_kind(v));
		return (-1);
	}
	d = json_number_value(v);
	if (d < key->min || d > key->max) {
		conf_key_error(ctx, key->name, "expected a number from %lld to "
		    "%lld, got %g", key->min, key->max, d);
		return (-1);
	}
	memcpy((char *)base + key->off, &d, sizeof d);
	return (0);
}

/* An IPv4 or IPv6 address literal. */
static int
conf_load_host(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	static const char	*expected = "an IPv4 or IPv6 address literal";
	struct in6_addr		 a6;
	struct in_addr		 a4;
	const char		*s;
	char			 q[CONFIG_QUOTE_MAX * 2];

	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		return (-1);
	if (inet_pton(AF_INET, s, &a4) != 1 &&
	    inet_pton(AF_INET6, s, &a6) != 1) {
		conf_key_error(ctx, key->name, "expected %s, got \"%s\"",
		    expected, conf_clean(s, q, sizeof q));
		return (-1);
	}
	conf_set_string(base, key, s);
	return (0);
}

/* An absolute path that fits in sun_path. */
static int
conf_load_socket(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	struct sockaddr_un	 sun;
	const char		*s;
	char			*expected, q[CONFIG_QUOTE_MAX * 2];
	int			 rc = -1;

	xasprintf(&expected, "an absolute path shorter than %zu bytes",
	    sizeof sun.sun_path);
	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		goto out;
	if (s[0] != '/' || strlen(s) >= sizeof sun.sun_path) {
		conf_key_error(ctx, key->name, "expected %s, got \"%s\"",
		    expected, conf_clean(s, q, sizeof q));
		goto out;
	}
	conf_set_string(base, key, s);
	rc = 0;
out:
	free(expected);
	return (rc);
}

/* A non-empty group name. */
static int
conf_load_group(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	static const char	*expected = "a non-empty group name";
	const char		*s;
	char			 q[CONFIG_QUOTE_MAX * 2];

	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		return (-1);
	if (*s == '\0' || !conf_text_ok(s, 0)) {
		conf_key_error(ctx, key->name, "expected %s, got \"%s\"",
		    expected, conf_clean(s, q, sizeof q));
		return (-1);
	}
	conf_set_string(base, key, s);
	return (0);
}

/* A text of at most key->max bytes without control characters. */
static int
conf_load_text(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	const char	*s, *expected;

	if (key->flags & CONF_MULTILINE)
		expected = "a text without control characters but newlines";
	else
		expected = "a one-line text without control characters";
	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		return (-1);
	if (strlen(s) > (size_t)key->max) {
		conf_key_error(ctx, key->name, "expected a text of at most "
		    "%lld bytes, got %zu bytes", key->max, strlen(s));
		return (-1);
	}
	if (!conf_text_ok(s, key->flags & CONF_MULTILINE)) {
		conf_key_error(ctx, key->name, "expected %s, got a control "
		    "character", expected);
		return (-1);
	}
	conf_set_string(base, key, s);
	return (0);
}

/* A password or crypt(3) hash; "" means none. Never quoted back. */
static int
conf_load_secret(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	const char	*s, *expected;

	if (key->flags & CONF_CRYPT)
		expected = "a crypt(3) string starting with '$' "
		    "(chatsockctl hash-password) or \"\"";
	else
		expected = "a password string, \"\" for none";
	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		return (-1);
	if (*s != '\0' && (key->flags & CONF_CRYPT) && *s != '$') {
		conf_key_error(ctx, key->name, "expected %s", expected);
		return (-1);
	}
	if (*s != '\0' && !conf_text_ok(s, 0)) {
		conf_key_error(ctx, key->name, "expected %s without control "
		    "characters", expected);
		return (-1);
	}
	if (strchr(s, ' ') != NULL) {		/* :join takes one word */
		conf_key_error(ctx, key->name, "expected %s without spaces",
		    expected);
		return (-1);
	}
	conf_set_string(base, key, *s == '\0' ? NULL : s);
	return (0);
}

/* The "rooms" object: replaces the default rooms, then sorts and checks. */
static int
conf_load_rooms(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	struct config	*cfg = base;
	const char	*name;
	json_t		*room;
	size_t		 i;

	if (!json_is_object(v)) {
		conf_key_error(ctx, key->name, "expected an object of room "
		    "names to room objects, got %s", conf_kind(v));
		return (-1);
	}
	if (json_object_size(v) > ROOMS_MAX) {
		conf_key_error(ctx, key->name, "expected at most %d rooms, "
		    "got %zu", ROOMS_MAX, json_object_size(v));
		return (-1);
	}
	for (i = 0; i < cfg->nrooms; i++)
		conf_free_room(&cfg->rooms[i]);
	free(cfg->rooms);
	cfg->rooms = xcalloc(json_object_size(v), sizeof *cfg->rooms);
	cfg->nrooms = 0;
	json_object_foreach(v, name, room) {
		if (conf_load_room(ctx, name, room,
		    &cfg->rooms[cfg->nrooms++]) != 0)
			return (-1);
	}
	qsort(cfg->rooms, cfg->nrooms, sizeof *cfg->rooms, conf_room_cmp);
	return (conf_check_rooms(ctx, cfg));
}

/* One room: its name, then its keys over the room defaults. */
static int
conf_load_room(struct conf_ctx *ctx, const char *name, json_t *v,
    struct room_conf *rc)
{
	const char	*saved = ctx->prefix;
	char		*prefix, q[CONFIG_QUOTE_MAX * 2];
	int		 error = -1;

	rc->name = xstrdup(name);
	rc->public = 1;
	rc->description = xstrdup("");
	ctx->prefix = "rooms.";
	if (!config_valid_name(name, ROOM_NAME_MAX)) {
		conf_key_error(ctx, conf_clean(name, q, sizeof q),
		    "expected a room name of 1 to %d characters of "
		    "A-Z a-z 0-9 _ . -", ROOM_NAME_MAX);
	} else if (!json_is_object(v)) {
		conf_key_error(ctx, name, "expected a room object, got %s",
		    conf_kind(v));
	} else {
		xasprintf(&prefix, "rooms.%s.", name);
		ctx->prefix = prefix;
		error = conf_walk(ctx, conf_room_keys, NKEYS(conf_room_keys),
		    v, rc);
		free(prefix);
	}
	ctx->prefix = saved;
	return (error);
}

/*
 * An object of keys (such as "ssh" or "cluster") over its defaults in
 * base, named prefix in messages; what it holds is said by expected.
 */
static int
conf_load_object(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    const char *prefix, const struct conf_key *keys, size_t nkeys,
    void *base, const char *expected)
{
	const char	*saved = ctx->prefix;
	int		 error;

	if (!json_is_object(v)) {
		conf_key_error(ctx, key->name, "expected an object with %s, "
		    "got %s", expected, conf_kind(v));
		return (-1);
	}
	ctx->prefix = prefix;
	error = conf_walk(ctx, keys, nkeys, v, base);
	ctx->prefix = saved;
	return (error);
}

/* The SSH listener: its keys over the defaults, enabled by being there. */
static int
conf_load_ssh(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	struct config	*cfg = base;

	cfg->ssh.enabled = 1;
	return (conf_load_object(ctx, key, v, "ssh.", conf_ssh_keys,
	    NKEYS(conf_ssh_keys), &cfg->ssh,
	    "\"host\", \"port\" and \"hostKey\""));
}

/* The cluster link: "redis" and "node" are required, "password" is not. */
static int
conf_load_cluster(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	struct config	*cfg = base;
	const char	*saved = ctx->prefix;
	int		 error;

	cfg->cluster.enabled = 1;
	if ((error = conf_load_object(ctx, key, v, "cluster.",
	    conf_cluster_keys, NKEYS(conf_cluster_keys), &cfg->cluster,
	    "\"redis\", \"node\" and optionally \"password\"")) != 0)
		return (error);
	ctx->prefix = "cluster.";
	if (cfg->cluster.redis == NULL) {
		conf_key_error(ctx, "redis", "missing: expected \"HOST:PORT\" "
		    "or \"unix:/PATH\" of the Redis server");
		error = -1;
	} else if (cfg->cluster.node == NULL) {
		conf_key_error(ctx, "node", "missing: expected a node name of "
		    "1 to %d characters of A-Z a-z 0-9 _ . - unique in the "
		    "cluster", CLUSTER_NODE_MAX);
		error = -1;
	}
	ctx->prefix = saved;
	return (error);
}

/* The "cluster" object, or nothing without one. */
static json_t *
conf_dump_cluster(__attribute__((unused)) const struct conf_key *key,
    const void *base)
{
	const struct config	*cfg = base;

	if (!cfg->cluster.enabled)
		return (NULL);
	return (conf_dump_keys(conf_cluster_keys, NKEYS(conf_cluster_keys),
	    &cfg->cluster));
}

/* "HOST:PORT" (an address literal, IPv6 in brackets) or "unix:/PATH". */
static int
conf_load_redis(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	static const char	*expected = "\"HOST:PORT\" with an IP address "
	    "literal (IPv6 in brackets) or \"unix:/PATH\" of a socket";
	const char		*s;
	char			 host[PATH_BYTES_MAX], q[CONFIG_QUOTE_MAX * 2];
	unsigned		 port;

	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		return (-1);
	if (config_redis_address(s, host, sizeof host, &port) != 0) {
		conf_key_error(ctx, key->name, "expected %s, got \"%s\"",
		    expected, conf_clean(s, q, sizeof q));
		return (-1);
	}
	conf_set_string(base, key, s);
	return (0);
}

/* A node name: like a room name. */
static int
conf_load_node(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	const char	*s;
	char		*expected, q[CONFIG_QUOTE_MAX * 2];
	int		 rc = -1;

	xasprintf(&expected, "a node name of 1 to %d characters of "
	    "A-Z a-z 0-9 _ . -", CLUSTER_NODE_MAX);
	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		goto out;
	if (!config_valid_name(s, CLUSTER_NODE_MAX)) {
		conf_key_error(ctx, key->name, "expected %s, got \"%s\"",
		    expected, conf_clean(s, q, sizeof q));
		goto out;
	}
	conf_set_string(base, key, s);
	rc = 0;
out:
	free(expected);
	return (rc);
}

/* "open" (users register themselves) or "closed" (only the operator). */
static int
conf_load_registration(struct conf_ctx *ctx, const struct conf_key *key,
    json_t *v, void *base)
{
	const char	*s;
	int		 open;

	if (!json_is_string(v) || ((s = json_string_value(v)),
	    strcmp(s, "open") != 0 && strcmp(s, "closed") != 0)) {
		conf_key_error(ctx, key->name, "expected \"open\" or "
		    "\"closed\", got %s", json_is_string(v) ?
		    "another string" : conf_kind(v));
		return (-1);
	}
	open = strcmp(s, "open") == 0;
	memcpy((char *)base + key->off, &open, sizeof open);
	return (0);
}

/* "open" or "closed". */
static json_t *
conf_dump_registration(const struct conf_key *key, const void *base)
{
	int	open;

	memcpy(&open, (const char *)base + key->off, sizeof open);
	return (json_string(open ? "open" : "closed"));
}

/* Settings that contradict each other: nobody could get in. */
static int
conf_validate(struct conf_ctx *ctx, const struct config *cfg)
{
	if (!cfg->telnet && !cfg->ssh.enabled) {
		conf_key_error(ctx, "telnet", "false leaves no listener at "
		    "all: expected an \"ssh\" object, or \"telnet\": true");
		return (-1);
	}
	if (!cfg->guests && !cfg->ssh.enabled) {
		conf_key_error(ctx, "guests", "false admits registered names "
		    "only, which connect over SSH: expected an \"ssh\" "
		    "object, or \"guests\": true");
		return (-1);
	}
	return (0);
}

/* A non-empty file path without control characters. */
static int
conf_load_path(struct conf_ctx *ctx, const struct conf_key *key, json_t *v,
    void *base)
{
	static const char	*expected = "a file path";
	const char		*s;
	char			 q[CONFIG_QUOTE_MAX * 2];

	if ((s = conf_string(ctx, key, v, expected)) == NULL)
		return (-1);
	if (*s == '\0' || strlen(s) >= PATH_BYTES_MAX || !conf_text_ok(s, 0)) {
		conf_key_error(ctx, key->name, "expected %s, got \"%s\"",
		    expected, conf_clean(s, q, sizeof q));
		return (-1);
	}
	conf_set_string(base, key, s);
	return (0);
}

/* Room names must be unique regardless of case; the array is sorted. */
static int
conf_check_rooms(struct conf_ctx *ctx, const struct config *cfg)
{
	const char	*saved = ctx->prefix;
	size_t		 i;

	for (i = 1; i < cfg->nrooms; i++) {
		if (strcasecmp(cfg->rooms[i - 1].name,
		    cfg->rooms[i].name) != 0)
			continue;
		ctx->prefix = "rooms.";
		conf_key_error(ctx, cfg->rooms[i].name, "expected room names "
		    "unique regardless of case, but \"%s\" is also a room",
		    cfg->rooms[i - 1].name);
		ctx->prefix = saved;
		return (-1);
	}
	return (0);
}

/* Order rooms by name regardless of case, then exactly (to be stable). */
static int
conf_room_cmp(const void *a, const void *b)
{
	const struct room_conf	*ra = a, *rb = b;
	int			 c;

	if ((c = strcasecmp(ra->name, rb->name)) != 0)
		return (c);
	return (strcmp(ra->name, rb->name));
}

/* Compare a name with a room, regardless of case, for bsearch. */
static int
conf_room_find_cmp(const void *key, const void *elem)
{
	const struct room_conf	*r = elem;

	return (strcasecmp(key, r->name));
}

/* An unsigned member as a JSON integer. */
static json_t *
conf_dump_uint(const struct conf_key *key, const void *base)
{
	return (json_integer((json_int_t)conf_fetch_uint(
	    (const char *)base + key->off,
	    key->size)));
}

/* An int member as a JSON boolean. */
static json_t *
conf_dump_bool(const struct conf_key *key, const void *base)
{
	int	b;

	memcpy(&b, (const char *)base + key->off, sizeof b);
	return (json_boolean(b));
}

/* A double member as a JSON real. */
static json_t *
conf_dump_real(const struct conf_key *key, const void *base)
{
	double	d;

	memcpy(&d, (const char *)base + key->off, sizeof d);
	return (json_real(d));
}

/* A string member as a JSON string, or NULL (key left out) if unset. */
static json_t *
conf_dump_string(const struct conf_key *key, const void *base)
{
	char	*s;

	memcpy(&s, (const char *)base + key->off, sizeof s);
	return (s == NULL ? NULL : json_string(s));
}

/* A password or hash, masked: "********" if set, "" if not. */
static json_t *
conf_dump_secret(const struct conf_key *key, const void *base)
{
	char	*s;

	memcpy(&s, (const char *)base + key->off, sizeof s);
	return (json_string(s == NULL ? "" : CONFIG_SECRET_MASK));
}

/* The rooms as an object of name to room object. */
static json_t *
conf_dump_rooms(__attribute__((unused)) const struct conf_key *key,
    const void *base)
{
	const struct config	*cfg = base;
	json_t			*rooms;
	size_t			 i;

	rooms = json_object();
	for (i = 0; i < cfg->nrooms; i++) {
		json_object_set_new(rooms, cfg->rooms[i].name,
		    conf_dump_keys(conf_room_keys, NKEYS(conf_room_keys),
		    &cfg->rooms[i]));
	}
	return (rooms);
}

/* The "ssh" object, or nothing when SSH is off. */
static json_t *
conf_dump_ssh(__attribute__((unused)) const struct conf_key *key,
    const void *base)
{
	const struct config	*cfg = base;

	if (!cfg->ssh.enabled)
		return (NULL);
	return (conf_dump_keys(conf_ssh_keys, NKEYS(conf_ssh_keys),
	    &cfg->ssh));
}

/* Every key of a table, read from base, as a JSON object. */
static json_t *
conf_dump_keys(const struct conf_key *keys, size_t nkeys, const void *base)
{
	json_t	*obj, *v;
	size_t	 i;

	obj = json_object();
	for (i = 0; i < nkeys; i++) {
		if ((v = keys[i].dump(&keys[i], base)) != NULL)
			json_object_set_new(obj, keys[i].name, v);
	}
	return (obj);
}

/* Fill cfg with the defaults of the README, including the "general" room. */
static void
conf_defaults(struct config *cfg)
{
	cfg->host = xstrdup("0.0.0.0");
	cfg->port = 22222;
	cfg->rooms = xcalloc(1, sizeof *cfg->rooms);
	cfg->nrooms = 1;
	cfg->rooms[0].name = xstrdup("general");
	cfg->rooms[0].public = 1;
	cfg->rooms[0].description = xstrdup("General chat");
	cfg->welcome_message = xstrdup("Welcome to chatsock!");
	cfg->connection_timeout = 0;
	cfg->chatview_max = 20;
	cfg->username_limit = 10;
	cfg->message_limit = 150;
	cfg->max_clients = 1000;
	cfg->max_clients_per_address = 20;
	cfg->admin_socket = xstrdup("/run/chatsock/admin.sock");
	cfg->admin_group = NULL;
	cfg->shutdown_message = xstrdup("");
	cfg->shutdown_grace = 5;
	cfg->flood_burst = 10;
	cfg->flood_rate = 2.0;
	cfg->output_limit = 262144;
	cfg->name_timeout = 120;
	cfg->keepalive = 300;
	cfg->ssh.host = xstrdup("0.0.0.0");
	cfg->ssh.port = 2222;
	cfg->ssh.host_key = xstrdup("/var/lib/chatsock/ssh_host_ed25519_key");
	cfg->ssh_login_grace = 20;
	cfg->ssh_max_startups = 50;
	cfg->registration_open = 1;
	cfg->guests = 1;
	cfg->telnet = 1;
	cfg->accounts_file = xstrdup("/var/lib/chatsock/accounts");
	cfg->dm_limit = 20;
	cfg->cluster_lease = 10;
	cfg->reuse_port = 0;
}

/* Free the strings of one room (not the room itself). */
static void
conf_free_room(struct room_conf *rc)
{
	free(rc->name);
	free(rc->password);
	free(rc->password_hash);
	free(rc->description);
}

/*
 * jansson's complaints in words a person can act on: the start of its text,
 * the token it names (NULL: any; "": end of file), and what to say instead,
 * with %s for that token. The first entry that matches is used.
 */
static const struct {
	const char	*jansson;
	const char	*near;
	const char	*words;
} conf_syntax[] = {
	{ "'}' expected", "", "the file ends before the closing brace '}' "
	    "of an object" },
	{ "'}' expected", NULL, "missing comma or closing brace '}' before %s" },
	{ "']' expected", "", "the file ends before the closing bracket ']' "
	    "of an array" },
	{ "']' expected", NULL, "missing comma or closing bracket ']' before "
	    "%s" },
	{ "string or '}' expected", "'}'", "a comma with no member after it "
	    "before '}' (remove that comma)" },
	{ "string or '}' expected", "", "the file ends where a key in double "
	    "quotes should be" },
	{ "string or '}' expected", NULL, "expected a key in double quotes or "
	    "'}', found %s" },
	{ "':' expected", NULL, "missing colon ':' between a key and its "
	    "value, before %s" },
	{ "unexpected token", "']'", "a comma with no value after it before "
	    "']' (remove that comma)" },
	{ "unexpected token", "", "the file ends where a value should be" },
	{ "unexpected token", NULL, "expected a value, found %s" },
	{ "invalid token", NULL, "%s is not a JSON value (text goes in double "
	    "quotes; true, false and null are lower case; numbers have no "
	    "leading zeros; there are no comments)" },
	{ "'[' or '{' expected", "", "the file is empty; expected a JSON "
	    "object, { ... }" },
	{ "'[' or '{' expected", NULL, "expected a JSON object, { ... }, "
	    "found %s" },
	{ "end of file expected", NULL, "text after the end of the top-level "
	    "object: %s" },
	{ "unexpected newline", NULL, "a string runs to the end of its line: "
	    "missing closing '\"'" },
	{ "premature end of input", NULL, "the file ends inside a string: "
	    "missing closing '\"'" },
	{ "invalid escape", NULL, "invalid backslash escape in a string "
	    "(valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)" },
	{ "unable to decode byte", NULL, "the file is not UTF-8 text" },
	{ "\\u0000 is not allowed", NULL, "\\u0000 is not allowed in a "
	    "string" },
	{ "duplicate object key", NULL, "duplicate object key near %s: each "
	    "key may appear once" },
};

/*
 * FILE:LINE:COLUMN: and what is wrong, from jansson's error. jansson points
 * at the end of the token it could not use; the column given is its start.
 */
static void
conf_syntax_error(struct conf_ctx *ctx, const json_error_t *err)
{
	const char	*near, *text = err->text, *p;
	char		 token[JSON_ERROR_TEXT_LENGTH], words[512];
	size_t		 i, len, n;
	int		 column = err->column;

	token[0] = '\0';
	if ((near = strstr(text, " near ")) != NULL) {
		near += 6;
		len = strlen(near);
		if (strcmp(near, "end of file") == 0)
			near = "";
		else if (len >= 2 && near[0] == '\'' && near[len - 1] == '\'') {
			/* A token in quotes: count its characters back. */
			memcpy(token, near + 1, len - 2);
			token[len - 2] = '\0';
			for (p = token, n = 0; *p != '\0'; p++)
				n += ((u_char)*p & 0xc0) != 0x80;
			if ((int)n <= column)
				column = column - (int)n + 1;
		} else
			near = NULL;
	}
	for (i = 0; i < (sizeof conf_syntax / sizeof conf_syntax[0]); i++) {
		if (strncmp(text, conf_syntax[i].jansson,
		    strlen(conf_syntax[i].jansson)) != 0)
			continue;
		if (conf_syntax[i].near == NULL)
			break;
		if (near != NULL && strcmp(conf_syntax[i].near, near) == 0)
			break;
	}
	if (i == (sizeof conf_syntax / sizeof conf_syntax[0])) {
		xasprintf(ctx->cause, "%s:%d:%d: %s", ctx->path, err->line,
		    err->column, text);
		return;
	}
	if (near != NULL && *near != '\0' && token[0] != '"') {
		/* Bare tokens get quotes; strings have their own. */
		snprintf(words, sizeof words, "'%s'", token);
		memcpy(token, words, sizeof token - 1);
		token[sizeof token - 1] = '\0';
	}
	if (strstr(conf_syntax[i].words, "%s") != NULL && near != NULL &&
	    *near != '\0')
		snprintf(words, sizeof words, conf_syntax[i].words, token);
	else if (strstr(conf_syntax[i].words, "%s") != NULL)
		snprintf(words, sizeof words, "%s", text);
	else
		snprintf(words, sizeof words, "%s", conf_syntax[i].words);
	if (strncmp(text, "unable to decode byte", 21) == 0)
		xasprintf(ctx->cause, "%s:%d:%d: %s (%.26s)", ctx->path,
		    err->line, column, words, text);
	else
		xasprintf(ctx->cause, "%s:%d:%d: %s", ctx->path, err->line,
		    column, words);
}

/* Read and parse path as JSON; NULL and an error if that fails. */
static json_t *
conf_parse(struct conf_ctx *ctx)
{
	struct stat	 sb;
	json_error_t	 err;
	json_t		*root;
	FILE		*f;

	if ((f = fopen(ctx->path, "r")) == NULL) {
		conf_error(ctx, "%s", strerror(errno));
		return (NULL);
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		conf_error(ctx, "%s", strerror(EISDIR));
		fclose(f);
		return (NULL);
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	if (root == NULL)
		conf_syntax_error(ctx, &err);
	return (root);
}

/* Read and check path; NULL and an allocated *cause on any error. */
struct config *
config_load(const char *path, char **cause)
{
	struct conf_ctx	 ctx = { .path = path, .prefix = "", .cause = cause };
	struct config	*cfg;
	json_t		*root;

	*cause = NULL;
	if ((root = conf_parse(&ctx)) == NULL)
		return (NULL);
	if (!json_is_object(root)) {
		conf_error(&ctx, "expected a JSON object at the top level, "
		    "got %s", conf_kind(root));
		json_decref(root);
		return (NULL);
	}
	cfg = xcalloc(1, sizeof *cfg);
	cfg->path = xstrdup(path);
	conf_defaults(cfg);
	if (conf_walk(&ctx, conf_keys, NKEYS(conf_keys), root, cfg) != 0 ||
	    conf_validate(&ctx, cfg) != 0) {
		config_free(cfg);
		cfg = NULL;
	}
	json_decref(root);
	return (cfg);
}

/* Free a configuration and everything it holds; NULL is ignored. */
void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nrooms; i++)
		conf_free_room(&cfg->rooms[i]);
	free(cfg->rooms);
	free(cfg->path);
	free(cfg->host);
	free(cfg->welcome_message);
	free(cfg->admin_socket);
	free(cfg->admin_group);
	free(cfg->shutdown_message);
	free(cfg->ssh.host);
	free(cfg->ssh.host_key);
	free(cfg->accounts_file);
	free(cfg->cluster.redis);
	free(cfg->cluster.node);
	free(cfg->cluster.password);
	free(cfg);
}

/* Print the effective configuration as JSON, passwords masked. */
void
config_print(const struct config *cfg, FILE *f)
{
	json_t	*obj;

	obj = conf_dump_keys(conf_keys, NKEYS(conf_keys), cfg);
	json_dumpf(obj, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(obj);
}

/* Report doubtful but valid settings through warn; return how many. */
int
config_warn(const struct config *cfg, void (*warn)(const char *, void *),
    void *arg)
{
	const struct room_conf	*rc;
	char			*msg;
	size_t			 i;
	int			 n = 0;

	if (cfg->nrooms == 0) {
		warn("rooms: no rooms are configured; users can only send "
		    "direct messages", arg);
		n++;
	}
	if (!cfg->guests && cfg->telnet) {
		warn("telnet: with guests off every telnet user is refused "
		    "(registered names connect over SSH only)", arg);
		n++;
	}
	if (!cfg->guests && cfg->registration_open) {
		warn("registration: open does nothing with guests off (only "
		    "registered names get in to register); register names "
		    "with chatsockctl register", arg);
		n++;
	}
	for (i = 0; i < cfg->nrooms; i++) {
		rc = &cfg->rooms[i];
		if (rc->public || rc->password != NULL ||
		    rc->password_hash != NULL)
			continue;
		xasprintf(&msg, "rooms.%s: private room with no password or "
		    "passwordHash is closed to everyone", rc->name);
		warn(msg, arg);
		free(msg);
		n++;
	}
	return (n);
}

/* Find a room by name regardless of case; NULL if there is none. */
const struct room_conf *
config_find_room(const struct config *cfg, const char *name)
{
	return (bsearch(name, cfg->rooms, cfg->nrooms, sizeof *cfg->rooms,
	    conf_room_find_cmp));
}

/* Whether name is 1 to max characters of A-Z a-z 0-9 _ . - */
int
config_valid_name(const char *name, size_t max)
{
	size_t	i;
	char	c;

	for (i = 0; name[i] != '\0'; i++) {
		c = name[i];
		if (i == max)
			return (0);
		if ((c < 'a' || c > 'z') && (c < 'A' || c > 'Z') &&
		    (c < '0' || c > '9') && c != '_' && c != '.' && c != '-')
			return (0);
	}
	return (i > 0);
}

/* Split "HOST:PORT" or "unix:/PATH" (port 0); -1 if it is neither. */
int
config_redis_address(const char *s, char *host, size_t hostlen,
    unsigned *port)
{
	struct sockaddr_un	 sun;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	const char		*colon, *h;
	char			*end;
	unsigned long		 n;
	size_t			 len;

	if (strncmp(s, "unix:", 5) == 0) {
		s += 5;
		if (s[0] != '/' || strlen(s) >= sizeof sun.sun_path ||
		    strlen(s) >= hostlen || !conf_text_ok(s, 0))
			return (-1);
		snprintf(host, hostlen, "%s", s);
		*port = 0;
		return (0);
	}
	if ((colon = strrchr(s, ':')) == NULL || colon[1] == '\0')
		return (-1);
	errno = 0;
	n = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || n == 0 || n > 65535 ||
	    colon[1] < '0' || colon[1] > '9')
		return (-1);
	h = s;
	len = colon - s;
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
		h++;
		len -= 2;
	}
	if (len == 0 || len >= hostlen)
		return (-1);
	memcpy(host, h, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, &a4) != 1 &&
	    (h == s || inet_pton(AF_INET6, host, &a6) != 1))
		return (-1);
	*port = n;
	return (0);
}
