/*  test_sd_daemon.c: the sd-daemon calls of the static build
    (actors/compat/sd_daemon.c), against their manual pages. With shared
    libraries libsystemd provides them and there is nothing to test.
*/
#include "testutil.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef DTCHAT_SD_SHIM
int sd_listen_fds (int unset_environment);
int sd_is_socket_inet (int fd, int family, int type, int listening,
                       uint16_t port);
int sd_is_socket_unix (int fd, int type, int listening, const char *path,
                       size_t length);

//  LISTEN_PID and LISTEN_FDS are honoured only for this process; the
//  passed descriptors become close-on-exec; unset_environment clears.
static void
test_listen_fds (void **state)
{
    unsetenv ("LISTEN_PID");
    unsetenv ("LISTEN_FDS");
    assert_int_equal (sd_listen_fds (0), 0);
    int sock = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (sock >= 0);
    //  fds 3 and 4 are what a service manager would pass
    int keep3 = dup (3), keep4 = dup (4);
    assert_int_equal (dup2 (sock, 3), 3);
    assert_int_equal (dup2 (sock, 4), 4);
    char pid [32];
    snprintf (pid, sizeof pid, "%d", (int) getpid ());
    setenv ("LISTEN_PID", pid, 1);
    setenv ("LISTEN_FDS", "2", 1);
    assert_int_equal (sd_listen_fds (0), 2);
    assert_true (fcntl (3, F_GETFD) & FD_CLOEXEC);
    assert_true (fcntl (4, F_GETFD) & FD_CLOEXEC);
    setenv ("LISTEN_FDS", "two", 1);
    assert_int_equal (sd_listen_fds (0), 0);
    setenv ("LISTEN_FDS", "1", 1);
    setenv ("LISTEN_PID", "1", 1);              //  not us
    assert_int_equal (sd_listen_fds (1), 0);
    assert_null (getenv ("LISTEN_PID"));
    assert_null (getenv ("LISTEN_FDS"));
    dup2 (keep3, 3);
    dup2 (keep4, 4);
    close (keep3);
    close (keep4);
    close (sock);
}

//  Family, type, listening state and port are each checked.
static void
test_is_socket_inet (void **state)
{
    int tcp = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    assert_int_equal (bind (tcp, (struct sockaddr *) &addr, sizeof addr), 0);
    assert_int_equal (listen (tcp, 1), 0);
    socklen_t size = sizeof addr;
    getsockname (tcp, (struct sockaddr *) &addr, &size);
    uint16_t port = ntohs (addr.sin_port);
    assert_int_equal (sd_is_socket_inet (tcp, AF_INET, SOCK_STREAM, 1, port),
                      1);
    assert_int_equal (sd_is_socket_inet (tcp, AF_UNSPEC, 0, -1, 0), 1);
    assert_int_equal (sd_is_socket_inet (tcp, AF_INET, SOCK_STREAM, 1,
                                         (uint16_t) (port + 1)), 0);
    assert_int_equal (sd_is_socket_inet (tcp, AF_INET, SOCK_STREAM, 0, 0),
                      0);
    assert_int_equal (sd_is_socket_inet (tcp, AF_INET6, 0, -1, 0), 0);
    assert_int_equal (sd_is_socket_inet (tcp, AF_INET, SOCK_DGRAM, -1, 0),
                      0);
    assert_int_equal (sd_is_socket_inet (tcp, AF_UNIX, 0, -1, 0), -EINVAL);
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    assert_int_equal (sd_is_socket_inet (fds [0], AF_UNSPEC, 0, -1, 0),
                      -ENOTSOCK);
    close (fds [0]);
    close (fds [1]);
    close (tcp);
}

//  An AF_UNIX socket, with or without its path.
static void
test_is_socket_unix (void **state)
{
    char path [64];
    snprintf (path, sizeof path, "/tmp/test_sd_daemon-%d.sock",
              (int) getpid ());
    unlink (path);
    int sock = socket (AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf (addr.sun_path, sizeof addr.sun_path, "%s", path);
    assert_int_equal (bind (sock, (struct sockaddr *) &addr, sizeof addr), 0);
    assert_int_equal (sd_is_socket_unix (sock, SOCK_STREAM, 0, path, 0), 1);
    assert_int_equal (sd_is_socket_unix (sock, 0, -1, NULL, 0), 1);
    assert_int_equal (sd_is_socket_unix (sock, 0, -1, "/tmp/other", 0), 0);
    assert_int_equal (sd_is_socket_unix (sock, SOCK_DGRAM, -1, NULL, 0), 0);
    int tcp = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = { .sin_family = AF_INET };
    bind (tcp, (struct sockaddr *) &in, sizeof in);
    assert_int_equal (sd_is_socket_unix (tcp, 0, -1, NULL, 0), 0);
    close (tcp);
    close (sock);
    unlink (path);
}
#endif

int
main (void)
{
#ifdef DTCHAT_SD_SHIM
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_listen_fds),
        cmocka_unit_test (test_is_socket_inet),
        cmocka_unit_test (test_is_socket_unix),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
#else
    printf ("test_sd_daemon: shared libraries: libsystemd's own, skipped\n");
    return 0;
#endif
}
