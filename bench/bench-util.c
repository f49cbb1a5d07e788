/*
 * The machine-side helpers the load generators share: the clock, process
 * CPU and memory from /proc, CPU pinning and the descriptor limit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/resource.h>
#include <sys/types.h>

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

int		 bench_ncpu = 1;
static const char *bench_name = "bench";

/* Name the program and count the CPUs. */
void
bench_program(const char *name)
{
	bench_name = name;
	bench_ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (bench_ncpu < 1)
		bench_ncpu = 1;
}

/* Seconds on the monotonic clock. */
double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* A fatal setup error. */
void
bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", bench_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* utime + stime of pid, in seconds. */
int
bench_proc_cpu(pid_t pid, double *cpu)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;

	*cpu = 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	p = fgets(buf, sizeof buf, f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return (-1);
	/* Fields after the command: state is 3, utime 14, stime 15. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &utime, &stime) != 2)
		return (-1);
	*cpu = (double)(utime + stime) / sysconf(_SC_CLK_TCK);
	return (0);
}

/* bench_proc_cpu() as a value, 0 if unreadable. */
double
bench_cpu(pid_t pid)
{
	double cpu;

	bench_proc_cpu(pid, &cpu);
	return (cpu);
}

/* VmRSS of pid in KiB. */
long
bench_proc_rss(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return (kb);
}

/* Soft descriptor limit up to the hard one. */
void
bench_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Pin this process to cpu. */
void
bench_pin(int cpu)
{
	cpu_set_t set;

	if (bench_ncpu < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

/* The load average, for the reader to judge a run by. */
void
bench_print_load(void)
{
	char buf[128];
	FILE *f;

	if ((f = fopen("/proc/loadavg", "r")) == NULL)
		return;
	if (fgets(buf, sizeof buf, f) != NULL)
		printf("  load average: %s", buf);
	fclose(f);
	fflush(stdout);
}

/* The CPU model, for the report. */
void
bench_cpu_model(char *buf, size_t size)
{
	char line[256];
	FILE *f;

	snprintf(buf, size, "?");
	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "model name", 10) == 0 &&
		    strchr(line, ':') != NULL) {
			snprintf(buf, size, "%s", strchr(line, ':') + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}
