#pragma once
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>
#include <strings.h>

/* libmicrohttpd's variadic entry points, behind fixed-argument wrappers (Swift makes no
 * variadic C calls). */

/* Starts a daemon on an already listening socket, with no thread of its own: the caller
 * runs it from its event loop (MHD_USE_EPOLL; MHD_get_timeout, MHD_run). With a key and a
 * certificate (PEM, in memory) it speaks TLS. */
static inline struct MHD_Daemon *pgtrack_mhd_start(unsigned int flags, int listen_fd, unsigned int connection_limit,
                                                   unsigned int connection_timeout, size_t memory_limit,
                                                   MHD_AccessHandlerCallback handler, void *cls,
                                                   const char *tls_key, const char *tls_cert) {
    if (tls_key && tls_cert)
        return MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, handler, cls,
                                MHD_OPTION_LISTEN_SOCKET, listen_fd,
                                MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                                MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit,
                                MHD_OPTION_HTTPS_MEM_KEY, tls_key,
                                MHD_OPTION_HTTPS_MEM_CERT, tls_cert,
                                MHD_OPTION_END);
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, cls,
                            MHD_OPTION_LISTEN_SOCKET, listen_fd,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit,
                            MHD_OPTION_END);
}

/* The epoll descriptor a daemon started with MHD_USE_EPOLL waits on; -1 if none. */
static inline int pgtrack_mhd_epoll_fd(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
    return info ? info->epoll_fd : -1;
}

/* How many connections the daemon has open now. */
static inline unsigned int pgtrack_mhd_connections(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info ? info->num_connections : 0;
}

struct pgtrack_mhd_count { const char *name; unsigned int count; };

static enum MHD_Result pgtrack_mhd_count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind; (void)value;
    struct pgtrack_mhd_count *c = cls;
    if (key && strcasecmp(key, c->name) == 0) c->count++;
    return MHD_YES;
}

/* How many times the request on `connection` carries the header `name` (any case). */
static inline unsigned int pgtrack_mhd_header_count(struct MHD_Connection *connection, const char *name) {
    struct pgtrack_mhd_count c = { name, 0 };
    MHD_get_connection_values(connection, MHD_HEADER_KIND, pgtrack_mhd_count_header, &c);
    return c.count;
}

/* A response holding its own copy of `size` bytes at `data`. */
static inline struct MHD_Response *pgtrack_mhd_response_copy(size_t size, const void *data) {
    return MHD_create_response_from_buffer(size, (void *)data, MHD_RESPMEM_MUST_COPY);
}

/* A response of unknown length whose body `reader` produces as it comes (chunked on
 * HTTP/1.1); `done` runs when libmicrohttpd is finished with it. */
static inline struct MHD_Response *pgtrack_mhd_response_stream(MHD_ContentReaderCallback reader, void *cls,
                                                               MHD_ContentReaderFreeCallback done) {
    return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, cls, done);
}

/* The end of a streamed body. */
static inline ssize_t pgtrack_mhd_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
