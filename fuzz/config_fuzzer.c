/*
 * libFuzzer harness for the configuration loader: the input is the file.
 * It lives in a memfd opened by path, so no run touches the disk.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "limits.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_warn(const char *msg, void *arg);

static int	 fuzz_fd = -1;
static char	 fuzz_path[64];
static FILE	*fuzz_null;

/* The memfd and a sink for config_print(). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fuzz_fd = memfd_create("chatsock-fuzz.json", 0)) == -1)
		abort();
	snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
	if ((fuzz_null = fopen("/dev/null", "w")) == NULL)
		abort();
	return (0);
}

/* Warnings must be short single lines. */
static void
fuzz_warn(const char *msg, void *arg)
{
	(void)arg;
	if (strchr(msg, '\n') != NULL)
		abort();
}

/* Load; a config is printed, checked and freed, an error must say why. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;
	char *cause = NULL;
	size_t i;

	if (ftruncate(fuzz_fd, 0) != 0 ||
	    pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		abort();
	cfg = config_load(fuzz_path, &cause);
	if (cfg == NULL) {
		if (cause == NULL || *cause == '\0')
			abort();
		free(cause);
		return (0);
	}
	if (cause != NULL)
		abort();
	config_warn(cfg, fuzz_warn, NULL);
	config_print(cfg, fuzz_null);
	/* Validation promises: rooms sorted, named, and findable. */
	for (i = 0; i < cfg->nrooms; i++) {
		if (!config_valid_name(cfg->rooms[i].name, ROOM_NAME_MAX))
			abort();
		if (i > 0 && strcasecmp(cfg->rooms[i - 1].name,
		    cfg->rooms[i].name) >= 0)
			abort();
		if (config_find_room(cfg, cfg->rooms[i].name) !=
		    &cfg->rooms[i])
			abort();
	}
	if (cfg->username_limit > USERNAME_LIMIT_MAX ||
	    cfg->message_limit > MESSAGE_LIMIT_MAX ||
	    cfg->chatview_max > CHATVIEW_MAX_MAX || cfg->port > 65535)
		abort();
	config_free(cfg);
	return (0);
}
