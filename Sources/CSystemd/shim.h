#ifndef PGTRACK_CSYSTEMD_SHIM_H
#define PGTRACK_CSYSTEMD_SHIM_H

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

/* si_status of a child's siginfo (a union member Swift does not import by name). */
static inline int pgtrack_siginfo_status(const siginfo_t *si) { return si->si_status; }

/* Starts argv[0] (found on PATH) with stdin from /dev/null and stdout and stderr on
 * `out`, in a process group of its own, with no signal blocked: the daemon blocks the
 * ones its loop handles, and a child must not inherit that. Returns 0 and the pid, or an errno value. */
static inline int pgtrack_spawn(pid_t *pid, char *const argv[], char *const envp[], int out) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none, all;
    int r;
    sigemptyset(&none);
    /* Handlers do not survive exec, but ignored signals do (SIGPIPE, which libraries set
     * to SIG_IGN): those go back to their default. */
    sigemptyset(&all);
    sigaddset(&all, SIGPIPE);
    sigaddset(&all, SIGHUP);
    sigaddset(&all, SIGINT);
    sigaddset(&all, SIGTERM);
    sigaddset(&all, SIGCHLD);
    if ((r = posix_spawn_file_actions_init(&actions)) != 0) return r;
    if ((r = posix_spawnattr_init(&attr)) != 0) { posix_spawn_file_actions_destroy(&actions); return r; }
    r = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (r == 0) r = posix_spawn_file_actions_adddup2(&actions, out, 1);
    if (r == 0) r = posix_spawn_file_actions_adddup2(&actions, out, 2);
    if (r == 0) r = posix_spawnattr_setsigmask(&attr, &none);
    if (r == 0) r = posix_spawnattr_setsigdefault(&attr, &all);
    if (r == 0) r = posix_spawnattr_setpgroup(&attr, 0);
    if (r == 0) r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    if (r == 0) r = posix_spawnp(pid, argv[0], &actions, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return r;
}

#endif
