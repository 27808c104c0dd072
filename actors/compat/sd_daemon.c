/*  sd_daemon.c: the three sd-daemon calls libczmq makes, for the static
    build.

    Debian's libczmq supports systemd socket activation (ZSYS_AUTO_USE_FD)
    and so calls sd_listen_fds, sd_is_socket_inet and sd_is_socket_unix.
    Linked shared, that is why it loads libsystemd and its six libraries
    (lzma, zstd, lz4, gcrypt, gpg-error, cap): ~0.7 MiB of dtchat's idle
    RSS for a feature dtchat never uses. When CMake links libczmq.a
    (DTCHAT_STATIC_DEPS), it compiles this file into each program instead
    of linking libsystemd. Written from the sd_listen_fds(3) and
    sd_is_socket(3) manual pages, so socket activation still works:
    LISTEN_PID / LISTEN_FDS are honoured, descriptors checked as
    documented. Not part of dtchat_core (actors/compat/ is not globbed).
*/
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>

//  Prototypes as sd-daemon.h declares them (we do not need its header).
int sd_listen_fds (int unset_environment);
int sd_is_socket_inet (int fd, int family, int type, int listening,
                       uint16_t port);
int sd_is_socket_unix (int fd, int type, int listening, const char *path,
                       size_t length);

//  First descriptor the service manager passes.
#define S_LISTEN_FDS_START  3

//  Parse TEXT as a whole decimal number >= 0; -1 if it is not one.
static long
s_number (const char *text)
{
    if (!text || !*text)
        return -1;
    char *end = NULL;
    errno = 0;
    long value = strtol (text, &end, 10);
    return errno || *end || value < 0? -1: value;
}

//  How many descriptors the service manager passed us (0 if none or not
//  for this process), each made close-on-exec; negative errno on error.
int
sd_listen_fds (int unset_environment)
{
    int result = 0;
    long pid = s_number (getenv ("LISTEN_PID"));
    long count = s_number (getenv ("LISTEN_FDS"));
    if (pid != -1 && count != -1 && pid == (long) getpid ()) {
        if (count > INT16_MAX)
            result = -EINVAL;
        else
            for (long fd = S_LISTEN_FDS_START;
                 result >= 0 && fd < S_LISTEN_FDS_START + count; fd++) {
                int flags = fcntl ((int) fd, F_GETFD);
                if (flags < 0
                ||  fcntl ((int) fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                    result = -errno;
            }
        if (result == 0)
            result = (int) count;
    }
    if (unset_environment) {
        unsetenv ("LISTEN_PID");
        unsetenv ("LISTEN_FDS");
        unsetenv ("LISTEN_FDNAMES");
    }
    return result;
}

//  1 if FD is a socket of TYPE (0 = any) in the LISTENING state asked
//  (< 0 = either), 0 if not, negative errno on error.
static int
s_is_socket (int fd, int type, int listening)
{
    int value = 0;
    socklen_t size = sizeof value;
    if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &value, &size) < 0)
        return -errno;
    if (type != 0 && value != type)
        return 0;
    if (listening >= 0) {
        size = sizeof value;
        if (getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &size) < 0)
            return -errno;
        if ((value != 0) != (listening != 0))
            return 0;
    }
    return 1;
}

//  sd_is_socket_inet(3): an AF_INET/AF_INET6 socket (or FAMILY), bound
//  to PORT unless it is 0.
int
sd_is_socket_inet (int fd, int family, int type, int listening,
                   uint16_t port)
{
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
        return -EINVAL;
    int rc = s_is_socket (fd, type, listening);
    if (rc <= 0)
        return rc;
    struct sockaddr_storage addr;
    socklen_t size = sizeof addr;
    memset (&addr, 0, sizeof addr);
    if (getsockname (fd, (struct sockaddr *) &addr, &size) < 0)
        return -errno;
    if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)
        return 0;
    if (family != AF_UNSPEC && addr.ss_family != family)
        return 0;
    if (port == 0)
        return 1;
    uint16_t bound = addr.ss_family == AF_INET
        ? ((struct sockaddr_in *) &addr)->sin_port
        : ((struct sockaddr_in6 *) &addr)->sin6_port;
    return ntohs (bound) == port;
}

//  sd_is_socket_unix(3): an AF_UNIX socket, bound to PATH unless it is
//  NULL (LENGTH 0: a file system path; else an abstract address of
//  LENGTH bytes).
int
sd_is_socket_unix (int fd, int type, int listening, const char *path,
                   size_t length)
{
    int rc = s_is_socket (fd, type, listening);
    if (rc <= 0)
        return rc;
    struct sockaddr_un addr;
    socklen_t size = sizeof addr;
    memset (&addr, 0, sizeof addr);
    if (getsockname (fd, (struct sockaddr *) &addr, &size) < 0)
        return -errno;
    if (addr.sun_family != AF_UNIX)
        return 0;
    if (!path)
        return 1;
    size_t offset = offsetof (struct sockaddr_un, sun_path);
    size_t bound = size > offset? size - offset: 0;
    if (length == 0) {
        length = strlen (path);
        return bound >= length && addr.sun_path [0] != 0
            && strncmp (addr.sun_path, path, length) == 0
            && (bound == length || addr.sun_path [length] == 0);
    }
    return bound == length && memcmp (addr.sun_path, path, length) == 0;
}
