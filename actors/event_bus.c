/*  event_bus.c: the event bus actor, an XSUB -> XPUB forwarding proxy.

    Every actor publishes events on its own PUB socket, connected to the
    bus's inproc XSUB frontend; observers (the ui, tests) connect SUB
    sockets to the inproc XPUB backend, and other processes (dtchat-tap)
    to the external endpoint bound on the same XPUB. Data frames flow
    downstream, subscription messages upstream, so publishers filter at
    the source. The creator talks to the actor over its pipe: START binds,
    STATS counts, $TERM ends. Every socket drops at DTCHAT_BUS_HWM. An
    ipc:// external endpoint must live in a directory only the user can
    open: a socket file there is the door to every chat text.
*/
#include "dtchat.h"
#include "event_bus.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

//  Messages forwarded per socket per wakeup, so the pipe is not starved.
#define S_BATCH  256

typedef struct {
    zsock_t *pipe;              //  the creator
    zpoller_t *poller;
    zsock_t *xsub;              //  frontend: publishers connect here
    zsock_t *xpub;              //  backend and external endpoint
    uint64_t forwarded;         //  data messages passed downstream
    uint64_t subscriptions;     //  subscribe messages passed upstream
    bool terminated;
} self_t;

//  Create the actor state; sockets are made on START.
static self_t *
s_self_new (zsock_t *pipe)
{
    self_t *self = (self_t *) zmalloc (sizeof (self_t));
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->poller = zpoller_new (pipe, NULL);
    if (!self->poller) {
        free (self);
        return NULL;
    }
    return self;
}

//  Close every socket and free the state; idempotent.
static void
s_self_destroy (self_t **self_p)
{
    assert (self_p);
    self_t *self = *self_p;
    if (self) {
        zpoller_destroy (&self->poller);
        zsock_destroy (&self->xsub);
        zsock_destroy (&self->xpub);
        free (self);
        *self_p = NULL;
    }
}

//  Set both high-water marks of SOCK to the bus HWM.
static void
s_set_hwm (zsock_t *sock)
{
    zsock_set_sndhwm (sock, DTCHAT_BUS_HWM);
    zsock_set_rcvhwm (sock, DTCHAT_BUS_HWM);
}

//  Check that DIR is a real directory owned by us that nobody else can
//  open. Returns 0, or -1 with a reason.
static int
s_check_private_dir (const char *dir, char *reason, size_t reason_size)
{
    struct stat st;
    if (lstat (dir, &st) == -1) {
        snprintf (reason, reason_size, "%s: %s", dir, strerror (errno));
        return -1;
    }
    if (!S_ISDIR (st.st_mode)) {
        snprintf (reason, reason_size, "%s: not a directory", dir);
        return -1;
    }
    if (st.st_uid != geteuid ()) {
        snprintf (reason, reason_size,
                  "%s: owned by uid %u, not by us (uid %u)", dir,
                  (unsigned) st.st_uid, (unsigned) geteuid ());
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf (reason, reason_size,
                  "%s: mode %03o lets other users in (chmod 700 it)", dir,
                  (unsigned) (st.st_mode & 0777));
        return -1;
    }
    return 0;
}

//  True if a process listens on the Unix socket at PATH: libzmq would
//  unlink it and steal the address silently, so we ask first.
static bool
s_ipc_in_use (const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t length = strlen (path);
    if (length >= sizeof (addr.sun_path))
        return false;           //  bind will fail with a reason anyway
    memcpy (addr.sun_path, path, length + 1);
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return false;
    int rc = connect (fd, (struct sockaddr *) &addr, sizeof (addr));
    //  EAGAIN: a listener whose backlog is full is still a listener
    bool in_use = rc == 0 || errno == EAGAIN || errno == EINPROGRESS;
    close (fd);
    return in_use;
}

//  Prepare an ipc:// endpoint for binding: private directory, no live
//  listener, stale socket file removed. Returns 0, or -1 with a reason.
static int
s_prepare_ipc (const char *endpoint, char *reason, size_t reason_size)
{
    const char *path = endpoint + strlen ("ipc://");
    if (*path == '@' || *path == 0) {
        snprintf (reason, reason_size,
                  "%s: give a file path (abstract sockets cannot be "
                  "made private)", endpoint);
        return -1;
    }
    char dir [PATH_MAX];
    const char *slash = strrchr (path, '/');
    if (!slash)
        strcpy (dir, ".");
    else
    if (slash == path)
        strcpy (dir, "/");
    else
        snprintf (dir, sizeof (dir), "%.*s", (int) (slash - path), path);
    if (s_check_private_dir (dir, reason, reason_size))
        return -1;

    struct stat st;
    if (lstat (path, &st) == 0) {
        if (!S_ISSOCK (st.st_mode)) {
            snprintf (reason, reason_size,
                      "%s: exists and is not a socket", endpoint);
            return -1;
        }
        if (s_ipc_in_use (path)) {
            snprintf (reason, reason_size,
                      "%s: Address already in use (another dtchat?)",
                      endpoint);
            return -1;
        }
        //  Nobody listens: a dead process's leftover
        unlink (path);
    }
    return 0;
}

//  Bind the external endpoint on the XPUB. Returns 0, or -1 with a reason.
static int
s_bind_external (self_t *self, const char *external, char *reason,
                 size_t reason_size)
{
    bool ipc = strncmp (external, "ipc://", 6) == 0;
    if (ipc && s_prepare_ipc (external, reason, reason_size))
        return -1;
    if (zsock_bind (self->xpub, "%s", external) == -1) {
        snprintf (reason, reason_size, "%s: %s", external,
                  zmq_strerror (zmq_errno ()));
        return -1;
    }
    //  Belt and braces: the directory already keeps others out
    if (ipc)
        chmod (external + 6, 0600);
    return 0;
}

//  START: create and bind the sockets. Returns 0, or -1 with a reason.
static int
s_self_start (self_t *self, const char *frontend, const char *backend,
              const char *external, char *reason, size_t reason_size)
{
    if (self->xsub) {
        snprintf (reason, reason_size, "event bus already started");
        return -1;
    }
    if (!frontend || !*frontend || !backend || !*backend) {
        snprintf (reason, reason_size, "event bus: no frontend or backend");
        return -1;
    }
    self->xsub = zsock_new (ZMQ_XSUB);
    self->xpub = zsock_new (ZMQ_XPUB);
    if (!self->xsub || !self->xpub) {
        snprintf (reason, reason_size, "event bus: %s",
                  zmq_strerror (zmq_errno ()));
        goto failed;
    }
    s_set_hwm (self->xsub);
    s_set_hwm (self->xpub);
    if (zsock_bind (self->xsub, "%s", frontend) == -1
    ||  zsock_bind (self->xpub, "%s", backend) == -1) {
        snprintf (reason, reason_size, "event bus: %s",
                  zmq_strerror (zmq_errno ()));
        goto failed;
    }
    if (external && *external
    &&  s_bind_external (self, external, reason, reason_size))
        goto failed;
    if (zpoller_add (self->poller, self->xsub)
    ||  zpoller_add (self->poller, self->xpub)) {
        snprintf (reason, reason_size, "event bus: cannot poll");
        goto failed;
    }
    return 0;

failed:
    zsock_destroy (&self->xsub);
    zsock_destroy (&self->xpub);
    return -1;
}

//  Handle one command from the creator.
static void
s_self_handle_pipe (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->pipe);
    if (!msg) {
        self->terminated = true;        //  interrupted
        return;
    }
    char *verb = zmsg_popstr (msg);
    if (verb && streq (verb, VERB_TERM))
        self->terminated = true;
    else
    if (verb && streq (verb, VERB_START)) {
        char *frontend = zmsg_popstr (msg);
        char *backend = zmsg_popstr (msg);
        char *external = zmsg_popstr (msg);
        char reason [512] = "";
        if (s_self_start (self, frontend, backend, external, reason,
                          sizeof (reason)) == 0) {
            const char *bound = "";
            char *last = NULL;
            if (external && *external) {
                last = zsock_last_endpoint (self->xpub);
                bound = last? last: external;
            }
            zsock_send (self->pipe, "is", 0, bound);
            zstr_free (&last);
        }
        else
            zsock_send (self->pipe, "is", -1, reason);
        zstr_free (&frontend);
        zstr_free (&backend);
        zstr_free (&external);
    }
    else
    if (verb && streq (verb, VERB_STATS))
        zsock_send (self->pipe, "88", self->forwarded, self->subscriptions);
    else
        //  Only our own code talks on this pipe
        assert (false);
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  Move up to S_BATCH whole messages from FROM to TO, frame by frame,
//  without copying. UPSTREAM counts subscribe messages; else data.
static void
s_forward (self_t *self, zsock_t *from, zsock_t *to, bool upstream)
{
    void *src = zsock_resolve (from);
    void *dst = zsock_resolve (to);
    for (int count = 0; count < S_BATCH; count++) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, src, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close (&frame);
            break;
        }
        if (upstream) {
            const byte *data = (const byte *) zmq_msg_data (&frame);
            if (zmq_msg_size (&frame) > 0 && data [0] == 1)
                self->subscriptions++;
        }
        else
            self->forwarded++;
        //  The rest of a multipart message is already here
        bool more = true;
        while (more) {
            more = zmq_msg_more (&frame);
            int flags = ZMQ_DONTWAIT | (more? ZMQ_SNDMORE: 0);
            //  XPUB drops at its HWM rather than fail; XSUB never blocks
            if (zmq_msg_send (&frame, dst, flags) == -1)
                zmq_msg_close (&frame);
            if (more) {
                zmq_msg_init (&frame);
                if (zmq_msg_recv (&frame, src, 0) == -1) {
                    zmq_msg_close (&frame);
                    return;             //  context is ending
                }
            }
        }
    }
}

//  The actor: see event_bus.h.
void
event_bus_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe);
    zsock_signal (pipe, self? 0: -1);
    while (self && !self->terminated) {
        zsock_t *which = (zsock_t *) zpoller_wait (self->poller, -1);
        if (which == self->pipe)
            s_self_handle_pipe (self);
        else
        if (which && which == self->xsub)
            s_forward (self, self->xsub, self->xpub, false);
        else
        if (which && which == self->xpub)
            s_forward (self, self->xpub, self->xsub, true);
        else
        if (zpoller_terminated (self->poller))
            break;
    }
    s_self_destroy (&self);
}

//  A PUB connected to FRONTEND (or to each of a comma-separated list)
//  with the bus HWM, or NULL.
zsock_t *
event_bus_publisher (const char *frontend)
{
    if (!frontend || !*frontend)
        return NULL;
    zsock_t *pub = zsock_new (ZMQ_PUB);
    if (!pub)
        return NULL;
    s_set_hwm (pub);
    if (zsock_attach (pub, frontend, false) == -1)
        zsock_destroy (&pub);
    return pub;
}

//  A SUB connected to BACKEND (bound there if it starts with "@") with
//  the bus HWM, subscribed to TOPICS.
zsock_t *
event_bus_subscriber (const char *backend, const char **topics)
{
    if (!backend || !*backend)
        return NULL;
    zsock_t *sub = zsock_new (ZMQ_SUB);
    if (!sub)
        return NULL;
    s_set_hwm (sub);
    if (topics)
        for (const char **topic = topics; *topic; topic++)
            zsock_set_subscribe (sub, *topic);
    else
        zsock_set_subscribe (sub, "");
    if (zsock_attach (sub, backend, false) == -1)
        zsock_destroy (&sub);
    return sub;
}

//  $XDG_RUNTIME_DIR/dtchat, else /tmp/dtchat-UID.
char *
event_bus_runtime_dir (void)
{
    const char *xdg = getenv ("XDG_RUNTIME_DIR");
    if (xdg && *xdg)
        return zsys_sprintf ("%s/dtchat", xdg);
    return zsys_sprintf ("/tmp/dtchat-%u", (unsigned) geteuid ());
}

//  ipc://DIR/PID.bus in a private DIR, made if missing.
char *
event_bus_default_endpoint (int pid, char *reason, size_t reason_size)
{
    char *dir = event_bus_runtime_dir ();
    if (!dir) {
        snprintf (reason, reason_size, "out of memory");
        return NULL;
    }
    if (mkdir (dir, 0700) == -1 && errno != EEXIST) {
        snprintf (reason, reason_size, "cannot create %s: %s", dir,
                  strerror (errno));
        zstr_free (&dir);
        return NULL;
    }
    char *endpoint = NULL;
    if (s_check_private_dir (dir, reason, reason_size) == 0) {
        endpoint = zsys_sprintf ("ipc://%s/%d.bus", dir, pid);
        if (!endpoint)
            snprintf (reason, reason_size, "out of memory");
    }
    zstr_free (&dir);
    return endpoint;
}
