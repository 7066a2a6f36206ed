#ifndef PGTRACK_CSYSTEMD_SHIM_H
#define PGTRACK_CSYSTEMD_SHIM_H

#include <errno.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#endif
