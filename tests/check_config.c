/* Tests for the configuration: fixtures in $TESTDATA and chatsockd -t. */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "config.h"
#include "helpers.h"
#include "limits.h"

/* A bad fixture and what its error message must mention. */
struct bad_case {
	const char	*file;
	const char	*key;		/* the key or key path, quoted */
	const char	*expected;	/* what was expected */
};

/* A fixture jansson refuses, the line it names and a word of its text. */
struct parse_case {
	const char	*file;
	int		 line;
	const char	*text;		/* after "FILE:LINE:" */
};

static char	*fixture(const char *);
static char	*bundled(void);
static struct config *load_ok(const char *);
static char	*print_config(const struct config *);
static void	 count_warning(const char *, void *);
static int	 daemon_available(void);
static void	 run_check(const char *, int, struct run_result *);

static const struct bad_case bad_cases[] = {
	{ "bad-unknown-key.json", "unknown key \"prot\"", "" },
	{ "bad-unknown-room-key.json", "unknown key \"rooms.general.topic\"",
	    "" },
	{ "bad-type-port-string.json", "key \"port\"",
	    "expected an integer from 0 to 65535, got a string" },
	{ "bad-type-port-real.json", "key \"port\"",
	    "expected an integer from 0 to 65535, got a real number" },
	{ "bad-type-bool.json", "key \"connectionTimeout\"",
	    "expected true or false, got an integer" },
	{ "bad-type-text.json", "key \"welcomeMessage\"",
	    "expected a text without control characters but newlines, "
	    "got an array" },
	{ "bad-type-rate.json", "key \"floodRate\"",
	    "expected a number from 0 to 10000, got a string" },
	{ "bad-type-rooms.json", "key \"rooms\"",
	    "expected an object of room names to room objects, got an array" },
	{ "bad-type-room.json", "key \"rooms.general\"",
	    "expected a room object, got a string" },
	{ "bad-type-room-public.json", "key \"rooms.general.public\"",
	    "expected true or false, got a string" },
	{ "bad-type-room-limit.json", "key \"rooms.general.limit\"",
	    "expected an integer from 0 to 1000000, got a string" },
	{ "bad-type-room-password.json", "key \"rooms.general.password\"",
	    "expected a password string, \"\" for none, got null" },
	{ "bad-type-host.json", "key \"host\"",
	    "expected an IPv4 or IPv6 address literal, got an integer" },
	{ "bad-type-admin-group.json", "key \"adminGroup\"",
	    "expected a non-empty group name, got null" },
	{ "bad-range-port.json", "key \"port\"",
	    "expected an integer from 0 to 65535, got 70000" },
	{ "bad-range-username-limit.json", "key \"usernameLimit\"",
	    "expected an integer from 1 to 32, got 33" },
	{ "bad-range-message-limit.json", "key \"messageLimit\"",
	    "expected an integer from 1 to 500, got 0" },
	{ "bad-range-chatview-max.json", "key \"chatviewMax\"",
	    "expected an integer from 1 to 1000, got 1001" },
	{ "bad-range-max-clients.json", "key \"maxClients\"",
	    "expected an integer from 1 to 1000000, got 0" },
	{ "bad-range-shutdown-grace.json", "key \"shutdownGrace\"",
	    "expected an integer from 0 to 3600, got 3601" },
	{ "bad-range-flood-rate.json", "key \"floodRate\"",
	    "expected a number from 0 to 10000, got -0.5" },
	{ "bad-range-flood-burst.json", "key \"floodBurst\"",
	    "expected an integer from 1 to 10000, got 0" },
	{ "bad-range-output-limit.json", "key \"outputLimit\"",
	    "expected an integer from 4096 to 67108864, got 1024" },
	{ "bad-range-keepalive.json", "key \"keepalive\"",
	    "expected an integer from 0 to 86400, got -1" },
	{ "bad-range-room-limit.json", "key \"rooms.general.limit\"",
	    "expected an integer from 0 to 1000000, got 1000001" },
	{ "bad-host.json", "key \"host\"",
	    "expected an IPv4 or IPv6 address literal, got \"localhost\"" },
	{ "bad-admin-socket-relative.json", "key \"adminSocket\"",
	    "expected an absolute path shorter than 108 bytes, "
	    "got \"run/admin.sock\"" },
	{ "bad-admin-socket-long.json", "key \"adminSocket\"",
	    "expected an absolute path shorter than 108 bytes" },
	{ "bad-admin-group-empty.json", "key \"adminGroup\"",
	    "expected a non-empty group name, got \"\"" },
	{ "bad-room-name.json", "key \"rooms.bad name\"",
	    "expected a room name of 1 to 32 characters of A-Z a-z 0-9 _ . -" },
	{ "bad-room-name-long.json", "key \"rooms.rrrrrrrrrrrrrrrrrrrrrrrrrrrr",
	    "expected a room name of 1 to 32 characters" },
	{ "bad-room-duplicate-case.json", "key \"rooms.general\"",
	    "expected room names unique regardless of case, "
	    "but \"General\" is also a room" },
	{ "bad-password-hash.json", "key \"rooms.staff.passwordHash\"",
	    "expected a crypt(3) string starting with '$'" },
	{ "bad-welcome-control.json", "key \"welcomeMessage\"",
	    "expected a text without control characters but newlines, "
	    "got a control character" },
	{ "bad-shutdown-newline.json", "key \"shutdownMessage\"",
	    "expected a one-line text without control characters, "
	    "got a control character" },
	{ "bad-text-long.json", "key \"rooms.general.description\"",
	    "expected a text of at most 4096 bytes, got 4097 bytes" },
	{ "bad-top-level-array.json", "",
	    "expected a JSON object at the top level, got an array" },
};

static const struct parse_case parse_cases[] = {
	{ "bad-syntax.json", 4, "3: missing comma or closing brace '}' before "
	    "\"welcomeMessage\"" },
	{ "bad-duplicate-key.json", 3, "duplicate object key near \"port\": "
	    "each key may appear once" },
	{ "bad-text-nul.json", 1, "\\u0000 is not allowed in a string" },
	{ "bad-syntax-trailing-comma.json", 5, "3: a comma with no member after "
	    "it before '}' (remove that comma)" },
	{ "bad-syntax-colon.json", 2, "10: missing colon ':' between a key and "
	    "its value, before '22222'" },
	{ "bad-syntax-true.json", 2, "24: 'True' is not a JSON value (text "
	    "goes in double quotes; true, false and null are lower case" },
	{ "bad-syntax-unclosed.json", 4, "the file ends before the closing "
	    "brace '}' of an object" },
	{ "bad-syntax-unquoted.json", 2, "3: expected a key in double quotes "
	    "or '}', found 'port'" },
};

/* The path of a fixture in $TESTDATA (default tests/data); free it. */
static char *
fixture(const char *name)
{
	const char	*dir = getenv("TESTDATA");
	char		*path;

	if (dir == NULL || *dir == '\0')
		dir = "tests/data";
	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	return (path);
}

/* The path of the bundled data/chatsock.json ($DATADIR, default data). */
static char *
bundled(void)
{
	const char	*dir = getenv("DATADIR");
	char		*path;

	if (dir == NULL || *dir == '\0')
		dir = "data";
	ck_assert_int_ge(asprintf(&path, "%s/chatsock.json", dir), 0);
	return (path);
}

/* Load a fixture that must be valid. */
static struct config *
load_ok(const char *name)
{
	struct config	*cfg;
	char		*path, *cause = NULL;

	path = fixture(name);
	cfg = config_load(path, &cause);
	ck_assert_msg(cfg != NULL, "%s: %s", name, cause);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(cfg->path, path);
	free(path);
	return (cfg);
}

/* What config_print writes, as a string to free. */
static char *
print_config(const struct config *cfg)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	config_print(cfg, f);
	ck_assert_int_eq(fclose(f), 0);
	return (buf);
}

/* config_warn callback: keep the last message in *arg. */
static void
count_warning(const char *msg, void *arg)
{
	char	**last = arg;

	free(*last);
	*last = strdup(msg);
}

START_TEST(test_defaults)
{
	struct config	*cfg = load_ok("good-minimal.json");

	ck_assert_str_eq(cfg->host, "0.0.0.0");
	ck_assert_uint_eq(cfg->port, 22222);
	ck_assert_uint_eq(cfg->nrooms, 1);
	ck_assert_str_eq(cfg->rooms[0].name, "general");
	ck_assert_int_eq(cfg->rooms[0].public, 1);
	ck_assert_ptr_null(cfg->rooms[0].password);
	ck_assert_ptr_null(cfg->rooms[0].password_hash);
	ck_assert_str_eq(cfg->rooms[0].description, "General chat");
	ck_assert_uint_eq(cfg->rooms[0].limit, 0);
	ck_assert_str_eq(cfg->welcome_message, "Welcome to chatsock!");
	ck_assert_int_eq(cfg->connection_timeout, 0);
	ck_assert_uint_eq(cfg->chatview_max, 20);
	ck_assert_uint_eq(cfg->username_limit, 10);
	ck_assert_uint_eq(cfg->message_limit, 150);
	ck_assert_uint_eq(cfg->max_clients, 1000);
	ck_assert_uint_eq(cfg->max_clients_per_address, 20);
	ck_assert_str_eq(cfg->admin_socket, "/run/chatsock/admin.sock");
	ck_assert_ptr_null(cfg->admin_group);
	ck_assert_str_eq(cfg->shutdown_message, "");
	ck_assert_uint_eq(cfg->shutdown_grace, 5);
	ck_assert_uint_eq(cfg->flood_burst, 10);
	ck_assert_double_eq(cfg->flood_rate, 2.0);
	ck_assert_uint_eq(cfg->output_limit, 262144);
	ck_assert_uint_eq(cfg->name_timeout, 120);
	ck_assert_uint_eq(cfg->keepalive, 300);
	config_free(cfg);
}
END_TEST

START_TEST(test_every_key)
{
	struct config	*cfg = load_ok("good-values.json");

	ck_assert_str_eq(cfg->host, "::1");
	ck_assert_uint_eq(cfg->port, 0);
	ck_assert_str_eq(cfg->welcome_message, "Hello\nthere, caf\xc3\xa9");
	ck_assert_int_eq(cfg->connection_timeout, 1);
	ck_assert_uint_eq(cfg->chatview_max, CHATVIEW_MAX_MAX);
	ck_assert_uint_eq(cfg->username_limit, USERNAME_LIMIT_MAX);
	ck_assert_uint_eq(cfg->message_limit, MESSAGE_LIMIT_MAX);
	ck_assert_uint_eq(cfg->max_clients, 1);
	ck_assert_uint_eq(cfg->max_clients_per_address, 0);
	ck_assert_str_eq(cfg->admin_socket, "/tmp/x/admin.sock");
	ck_assert_str_eq(cfg->admin_group, "chatsock");
	ck_assert_str_eq(cfg->shutdown_message, "Back soon");
	ck_assert_uint_eq(cfg->shutdown_grace, 0);
	ck_assert_uint_eq(cfg->flood_burst, 10000);
	ck_assert_double_eq(cfg->flood_rate, 0.5);
	ck_assert_uint_eq(cfg->output_limit, 4096);
	ck_assert_uint_eq(cfg->name_timeout, 0);
	ck_assert_uint_eq(cfg->keepalive, 86400);
	config_free(cfg);
}
END_TEST

START_TEST(test_rooms_sorted)
{
	struct config	*cfg = load_ok("good-values.json");

	ck_assert_uint_eq(cfg->nrooms, 3);
	ck_assert_str_eq(cfg->rooms[0].name, "Alpha");
	ck_assert_int_eq(cfg->rooms[0].public, 0);
	ck_assert_ptr_null(cfg->rooms[0].password);
	ck_assert_ptr_nonnull(cfg->rooms[0].password_hash);
	ck_assert_int_eq(cfg->rooms[0].password_hash[0], '$');
	ck_assert_str_eq(cfg->rooms[0].description, "");
	ck_assert_str_eq(cfg->rooms[1].name, "beta");
	ck_assert_str_eq(cfg->rooms[1].password, "s3cret");
	ck_assert_ptr_null(cfg->rooms[1].password_hash);
	ck_assert_str_eq(cfg->rooms[1].description, "Second room");
	ck_assert_str_eq(cfg->rooms[2].name, "zeta");
	ck_assert_int_eq(cfg->rooms[2].public, 1);
	ck_assert_uint_eq(cfg->rooms[2].limit, 3);
	config_free(cfg);
}
END_TEST

START_TEST(test_empty_rooms)
{
	struct config	*cfg = load_ok("good-empty-rooms.json");
	char		*last = NULL;

	ck_assert_uint_eq(cfg->nrooms, 0);
	ck_assert_ptr_null(config_find_room(cfg, "general"));
	ck_assert_int_eq(config_warn(cfg, count_warning, &last), 1);
	ck_assert_str_eq(last, "rooms: no rooms are configured; users can "
	    "only send direct messages");
	free(last);
	config_free(cfg);
}
END_TEST

START_TEST(test_rate_integer)
{
	struct config	*cfg = load_ok("good-rate-integer.json");

	ck_assert_double_eq(cfg->flood_rate, 0.0);
	ck_assert_uint_eq(cfg->flood_burst, 1);
	config_free(cfg);
}
END_TEST

START_TEST(test_bundled)
{
	const struct room_conf	*rc;
	struct config		*cfg;
	char			*path, *cause = NULL, *last = NULL;

	path = bundled();
	cfg = config_load(path, &cause);
	ck_assert_msg(cfg != NULL, "%s", cause);
	ck_assert_str_eq(cfg->host, "127.0.0.1");
	ck_assert_uint_eq(cfg->port, 22222);
	ck_assert_str_eq(cfg->admin_socket, "/tmp/chatsock/admin.sock");
	ck_assert_ptr_nonnull(strchr(cfg->welcome_message, '\n'));
	ck_assert_uint_eq(cfg->nrooms, 4);
	ck_assert_str_eq(cfg->rooms[0].name, "general");
	ck_assert_str_eq(cfg->rooms[1].name, "help");
	ck_assert_str_eq(cfg->rooms[2].name, "random");
	ck_assert_uint_eq(cfg->rooms[2].limit, 10);
	ck_assert_str_eq(cfg->rooms[2].description, "Anything goes");
	rc = config_find_room(cfg, "staff");
	ck_assert_ptr_nonnull(rc);
	ck_assert_int_eq(rc->public, 0);
	ck_assert_str_eq(rc->password, "letmein");
	ck_assert_str_eq(rc->description, "Operators only");
	ck_assert_int_eq(config_warn(cfg, count_warning, &last), 0);
	ck_assert_ptr_null(last);
	config_free(cfg);
	free(path);
}
END_TEST

START_TEST(test_find_room)
{
	struct config		*cfg = load_ok("good-values.json");
	const struct room_conf	*rc;

	rc = config_find_room(cfg, "ALPHA");
	ck_assert_ptr_nonnull(rc);
	ck_assert_str_eq(rc->name, "Alpha");
	ck_assert_ptr_eq(config_find_room(cfg, "alpha"), rc);
	ck_assert_ptr_eq(config_find_room(cfg, "Alpha"), rc);
	rc = config_find_room(cfg, "Zeta");
	ck_assert_ptr_nonnull(rc);
	ck_assert_str_eq(rc->name, "zeta");
	ck_assert_ptr_nonnull(config_find_room(cfg, "BETA"));
	ck_assert_ptr_null(config_find_room(cfg, "gamma"));
	ck_assert_ptr_null(config_find_room(cfg, ""));
	ck_assert_ptr_null(config_find_room(cfg, "alph"));
	config_free(cfg);
}
END_TEST

START_TEST(test_warn)
{
	struct config	*cfg;
	char		*last = NULL;

	cfg = load_ok("good-private-without-password.json");
	ck_assert_int_eq(config_warn(cfg, count_warning, &last), 1);
	ck_assert_str_eq(last, "rooms.staff: private room with no password "
	    "or passwordHash is closed to everyone");
	free(last);
	config_free(cfg);

	last = NULL;
	cfg = load_ok("good-values.json");
	ck_assert_int_eq(config_warn(cfg, count_warning, &last), 0);
	ck_assert_ptr_null(last);
	config_free(cfg);
}
END_TEST

START_TEST(test_print_masks_secrets)
{
	struct config	*cfg;
	json_error_t	 err;
	json_t		*root, *rooms;
	char		*path, *cause = NULL, *out;

	path = bundled();
	cfg = config_load(path, &cause);
	ck_assert_msg(cfg != NULL, "%s", cause);
	out = print_config(cfg);
	ck_assert_ptr_null(strstr(out, "letmein"));
	root = json_loads(out, 0, &err);
	ck_assert_msg(root != NULL, "%s", err.text);
	rooms = json_object_get(root, "rooms");
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(rooms, "staff"), "password")), "********");
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(rooms, "general"), "password")), "");
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(rooms, "random"), "limit")), 10);
	ck_assert_str_eq(json_string_value(json_object_get(root, "host")),
	    "127.0.0.1");
	ck_assert_double_eq(json_number_value(json_object_get(root,
	    "floodRate")), 2.0);
	ck_assert(json_is_false(json_object_get(root, "connectionTimeout")));
	ck_assert_ptr_null(json_object_get(root, "adminGroup"));
	json_decref(root);
	free(out);
	config_free(cfg);
	free(path);

	cfg = load_ok("good-values.json");
	out = print_config(cfg);
	ck_assert_ptr_null(strstr(out, "s3cret"));
	ck_assert_ptr_null(strstr(out, "$y$"));
	ck_assert_ptr_nonnull(strstr(out, "\"adminGroup\": \"chatsock\""));
	ck_assert_ptr_nonnull(strstr(out, "\"floodRate\": 0.5"));
	free(out);
	config_free(cfg);
}
END_TEST

START_TEST(test_print_reloads)
{
	struct config	*cfg, *again;
	char		 path[] = "/tmp/check_config.XXXXXX";
	char		*out, *cause = NULL;
	int		 fd;

	cfg = load_ok("good-private-without-password.json");
	out = print_config(cfg);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, out, strlen(out)), (ssize_t)strlen(out));
	close(fd);
	again = config_load(path, &cause);
	unlink(path);
	ck_assert_msg(again != NULL, "%s", cause);
	ck_assert_uint_eq(again->nrooms, cfg->nrooms);
	ck_assert_str_eq(again->rooms[1].name, "staff");
	ck_assert_int_eq(again->rooms[1].public, 0);
	ck_assert_str_eq(again->welcome_message, cfg->welcome_message);
	config_free(again);
	config_free(cfg);
	free(out);
}
END_TEST

/* Each fixture jansson refuses fails with FILE:LINE:COLUMN: and why. */
START_TEST(test_parse_error)
{
	const struct parse_case	*pc = &parse_cases[_i];
	char			*path, *cause = NULL, *want;

	path = fixture(pc->file);
	ck_assert_ptr_null(config_load(path, &cause));
	ck_assert_ptr_nonnull(cause);
	ck_assert_int_ge(asprintf(&want, "%s:%d:", path, pc->line), 0);
	ck_assert_msg(strncmp(cause, want, strlen(want)) == 0,
	    "want \"%s...\", got \"%s\"", want, cause);
	ck_assert_msg(strstr(cause, pc->text) != NULL,
	    "want \"%s\" in \"%s\"", pc->text, cause);
	ck_assert_msg(strstr(cause, " near '") == NULL && strstr(cause,
	    "expected near") == NULL, "jansson's words: %s", cause);
	free(want);
	free(cause);
	free(path);
}
END_TEST

START_TEST(test_empty_file)
{
	char	*path, *cause = NULL;

	path = fixture("bad-empty-file.json");
	ck_assert_ptr_null(config_load(path, &cause));
	ck_assert_msg(strncmp(cause, path, strlen(path)) == 0, "%s", cause);
	free(cause);
	free(path);
}
END_TEST

START_TEST(test_missing_file)
{
	char	*path, *cause = NULL, *want;

	path = fixture("does-not-exist.json");
	ck_assert_ptr_null(config_load(path, &cause));
	ck_assert_int_ge(asprintf(&want, "%s: No such file or directory",
	    path), 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	free(path);
}
END_TEST

START_TEST(test_directory)
{
	char	*path, *cause = NULL, *want;

	path = fixture(".");
	ck_assert_ptr_null(config_load(path, &cause));
	ck_assert_int_ge(asprintf(&want, "%s: Is a directory", path), 0);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	free(path);
}
END_TEST

/* Each bad fixture fails with FILE, the key and what was expected. */
START_TEST(test_bad_fixture)
{
	const struct bad_case	*bc = &bad_cases[_i];
	struct config		*cfg;
	char			*path, *cause = NULL, *want;

	path = fixture(bc->file);
	cfg = config_load(path, &cause);
	ck_assert_msg(cfg == NULL, "%s: loaded", bc->file);
	ck_assert_msg(cause != NULL, "%s: no cause", bc->file);
	ck_assert_int_ge(asprintf(&want, "%s: %s", path, bc->key), 0);
	ck_assert_msg(strncmp(cause, want, strlen(want)) == 0,
	    "want \"%s...\", got \"%s\"", want, cause);
	ck_assert_msg(strstr(cause, bc->expected) != NULL,
	    "want \"%s\" in \"%s\"", bc->expected, cause);
	ck_assert_ptr_null(strchr(cause, '\n'));
	free(want);
	free(cause);
	free(path);
}
END_TEST

START_TEST(test_valid_name)
{
	ck_assert_int_eq(config_valid_name("a", 32), 1);
	ck_assert_int_eq(config_valid_name("Az09_.-", 32), 1);
	ck_assert_int_eq(config_valid_name("abcdefghij", 10), 1);
	ck_assert_int_eq(config_valid_name("abcdefghijk", 10), 0);
	ck_assert_int_eq(config_valid_name("", 32), 0);
	ck_assert_int_eq(config_valid_name("a b", 32), 0);
	ck_assert_int_eq(config_valid_name("caf\xc3\xa9", 32), 0);
	ck_assert_int_eq(config_valid_name("a:b", 32), 0);
	ck_assert_int_eq(config_valid_name("a\n", 32), 0);
}
END_TEST

/*
 * Whether $CHATSOCKD is the real daemon: it exists and -V prints
 * "chatsock" (the placeholder prints nothing). Prints a note if not.
 */
static int
daemon_available(void)
{
	const char	*daemon = getenv("CHATSOCKD");
	const char	*argv[] = { daemon, "-V", NULL };
	struct run_result r;
	int		 ok;

	if (daemon == NULL || access(daemon, X_OK) != 0) {
		printf("daemon_t: skipped, $CHATSOCKD is not set or not "
		    "executable\n");
		return (0);
	}
	if (run_program(argv, NULL, &r) != 0)
		return (0);
	ok = strstr(r.out, "chatsock") != NULL ||
	    strstr(r.err, "chatsock") != NULL;
	run_result_free(&r);
	if (!ok)
		printf("daemon_t: skipped, %s -V does not say chatsock "
		    "(placeholder?)\n", daemon);
	return (ok);
}

/* Run chatsockd -t -c path and check its exit status. */
static void
run_check(const char *path, int want_status, struct run_result *r)
{
	const char	*argv[] = { getenv("CHATSOCKD"), "-t", "-c", path,
			    NULL };

	ck_assert_int_eq(run_program(argv, NULL, r), 0);
	ck_assert_msg(r->status == want_status,
	    "%s -t -c %s: exit %d, want %d; stderr: %s", argv[0], path,
	    r->status, want_status, r->err);
}

START_TEST(test_daemon_good)
{
	struct run_result r;
	char		*path;

	if (!daemon_available())
		return;
	path = fixture("good-minimal.json");
	run_check(path, 0, &r);
	ck_assert_msg(strstr(r.out, "\"port\": 22222") != NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"general\"") != NULL, "%s", r.out);
	run_result_free(&r);
	free(path);

	path = bundled();
	run_check(path, 0, &r);
	ck_assert_msg(strstr(r.out, "\"host\": \"127.0.0.1\"") != NULL, "%s",
	    r.out);
	ck_assert_msg(strstr(r.out, "\"staff\"") != NULL, "%s", r.out);
	ck_assert_ptr_null(strstr(r.out, "letmein"));
	ck_assert_ptr_null(strstr(r.err, "letmein"));
	run_result_free(&r);
	free(path);
}
END_TEST

START_TEST(test_daemon_bad)
{
	static const char *const files[] = {
		"bad-range-port.json", "bad-unknown-room-key.json",
		"bad-syntax.json", "bad-host.json",
	};
	static const char *const keys[] = {
		"\"port\"", "\"rooms.general.topic\"", ":4:", "\"host\"",
	};
	struct run_result r;
	char		*path;
	size_t		 i;

	if (!daemon_available())
		return;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		path = fixture(files[i]);
		run_check(path, 1, &r);
		ck_assert_msg(strstr(r.err, path) != NULL, "%s", r.err);
		ck_assert_msg(strstr(r.err, keys[i]) != NULL, "%s", r.err);
		run_result_free(&r);
		free(path);
	}
	path = fixture("does-not-exist.json");
	run_check(path, 1, &r);
	ck_assert_msg(strstr(r.err, path) != NULL, "%s", r.err);
	run_result_free(&r);
	free(path);
}
END_TEST

START_TEST(test_daemon_warns)
{
	struct run_result r;
	char		*path;

	if (!daemon_available())
		return;
	path = fixture("good-private-without-password.json");
	run_check(path, 0, &r);
	ck_assert_msg(strstr(r.err, "rooms.staff") != NULL, "%s", r.err);
	ck_assert_msg(strstr(r.err, "closed to everyone") != NULL, "%s",
	    r.err);
	ck_assert_msg(strstr(r.out, "\"staff\"") != NULL, "%s", r.out);
	run_result_free(&r);
	free(path);

	path = fixture("good-empty-rooms.json");
	run_check(path, 0, &r);
	ck_assert_msg(strstr(r.err, path) != NULL && strstr(r.err,
	    "warning: rooms: no rooms are configured") != NULL, "%s", r.err);
	run_result_free(&r);
	free(path);
}
END_TEST

/* The suite: config_load on fixtures, then chatsockd -t. */
static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("load");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_rooms_sorted);
	tcase_add_test(tc, test_empty_rooms);
	tcase_add_test(tc, test_rate_integer);
	tcase_add_test(tc, test_bundled);
	tcase_add_test(tc, test_find_room);
	tcase_add_test(tc, test_warn);
	tcase_add_test(tc, test_print_masks_secrets);
	tcase_add_test(tc, test_print_reloads);
	tcase_add_test(tc, test_valid_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_parse_error, 0,
	    sizeof parse_cases / sizeof parse_cases[0]);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory);
	tcase_add_loop_test(tc, test_bad_fixture, 0,
	    sizeof bad_cases / sizeof bad_cases[0]);
	suite_add_tcase(s, tc);

	tc = tcase_create("daemon_t");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_daemon_good);
	tcase_add_test(tc, test_daemon_bad);
	tcase_add_test(tc, test_daemon_warns);
	suite_add_tcase(s, tc);
	return (s);
}

/* Run the suite; exit status 0 if every test passed. */
int
main(void)
{
	return (run_suite(config_suite()));
}
