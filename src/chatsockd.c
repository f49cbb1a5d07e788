/* chatsockd: options, signals, and the event loop (foreground; systemd supervises). */
#include <sys/resource.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "accounts.h"
#include "config.h"
#include "log.h"
#include "server.h"

static void	usage(FILE *f);
static void	raise_nofile(void);
static void	warn_cb(const char *msg, void *arg);
static int	check_config(const char *path);
static void	signal_cb(evutil_socket_t sig, short what, void *arg);

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "test", no_argument, NULL, 't' },
	{ "debug", no_argument, NULL, 'd' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* --help. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: chatsockd [-dhtV] [-c FILE]\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -t, --test         check the configuration, print it, exit\n"
	    "  -d, --debug        log debug lines\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         this text\n"
	    "Signals: TERM/INT shut down gracefully (twice: at once), "
	    "HUP reloads.\n", CONFIG_DEFAULT_PATH);
}

/* Each user is a descriptor: take the whole hard limit. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

/* config_warn() callback: one warning line on stderr. */
static void
warn_cb(const char *msg, void *arg)
{
	const char *path = arg;

	log_warnx("%s: warning: %s", path, msg);
}

/* -t: report and exit status. */
static int
check_config(const char *path)
{
	struct config *cfg;
	char *cause = NULL;

	if ((cfg = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "chatsockd: %s\n", cause);
		free(cause);
		return (1);
	}
	config_warn(cfg, warn_cb, (void *)path);
	config_print(cfg, stdout);
	if (accounts_load(cfg->accounts_file, &cause) != 0) {
		fprintf(stderr, "chatsockd: %s\n", cause);
		free(cause);
		config_free(cfg);
		return (1);
	}
	accounts_free();
	fprintf(stderr, "chatsockd: %s: configuration OK\n", path);
	config_free(cfg);
	return (0);
}

/* TERM/INT: graceful, then immediate; HUP: reload. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	char *cause = NULL;

	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		if (server_reload(&cause, NULL, NULL) != 0)
			free(cause);
		return;
	}
	if (server.shutting_down)
		server_exit_now();
	else
		server_shutdown(NULL);
}

int
main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	struct event *sigs[3];
	const int signums[3] = { SIGTERM, SIGINT, SIGHUP };
	struct config *cfg;
	char *cause = NULL;
	int ch, test = 0, debug = 0, i, status;

	while ((ch = getopt_long(argc, argv, "c:tdVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'V':
			printf("chatsock %s\n", PACKAGE_VERSION);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (2);
	}
	if (test)
		return (check_config(path));

	log_init("chatsockd", debug);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if ((cfg = config_load(path, &cause)) == NULL)
		fatalx("%s", cause);
	config_warn(cfg, warn_cb, (void *)path);
	if (server_init(cfg, &cause) != 0)
		fatalx("%s", cause);
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(server.base, signums[i], signal_cb, NULL);
		evsignal_add(sigs[i], NULL);
	}
	log_info("chatsock %s started", PACKAGE_VERSION);
	event_base_dispatch(server.base);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	/* The work is done: a late signal must not cut the clean exit short. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	status = server.exit_status;
	server_free();
	log_info("stopped");
	return (status);
}
