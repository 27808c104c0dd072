/*  bus_event.c: the events on the bus and their protobuf codec.

    Every actor publishes events with bus_event_publish or bus_log on its
    own PUB socket; the ui, dtchat-tap and the tests read them back with
    bus_event_recv. A bus message is two frames, the topic and the body
    encoded with proto/events.proto. The bus may cross a process boundary
    (dtchat-tap attaches over ipc://), so a received body is decoded as
    hostile input. The printed forms (JSON, one text line) live in
    bus_event_print.c, which needs no generated code.
*/
#include "bus_event.h"
#include "pb_arena.h"
#include "events.pb-c.h"

//  Longest topic frame we accept ("msg", "net", "app", "sys").
#define S_TOPIC_MAX 15

//  Kind of event a topic carries; -1 if the topic is unknown.
static int
s_topic_kind (const char *topic)
{
    if (!topic)
        return -1;
    if (streq (topic, TOPIC_MSG))
        return BUS_EVENT_MSG;
    if (streq (topic, TOPIC_NET) || streq (topic, TOPIC_APP))
        return BUS_EVENT_LOG;
    if (streq (topic, TOPIC_SYS))
        return BUS_EVENT_SYS;
    return -1;
}

//  New empty event of KIND on TOPIC (NULL: the kind's usual topic).
bus_event_t *
bus_event_new (bus_event_kind_t kind, const char *topic)
{
    bus_event_t *self = (bus_event_t *) calloc (1, sizeof (bus_event_t));
    if (!self)
        return NULL;
    self->kind = kind;
    if (!topic)
        topic = kind == BUS_EVENT_MSG? TOPIC_MSG:
                kind == BUS_EVENT_SYS? TOPIC_SYS: TOPIC_APP;
    snprintf (self->topic, sizeof self->topic, "%s", topic);
    return self;
}

//  Destroy an event; idempotent, nulls *SELF_P.
void
bus_event_destroy (bus_event_t **self_p)
{
    assert (self_p);
    bus_event_t *self = *self_p;
    if (!self)
        return;
    free (self->uuid);
    free (self->sender);
    free (self->room);
    free (self->text);
    free (self->peer);
    free (self->reason);
    free (self->endpoint);
    free (self->sys_kind);
    free (self->token);
    free (self);
    *self_p = NULL;
}

//  Name of a message status.
const char *
msg_status_name (msg_status_t status)
{
    switch (status) {
        case MSG_SENDING:  return "SENDING";
        case MSG_SENT:     return "SENT";
        case MSG_ACKED:    return "ACKED";
        case MSG_FAILED:   return "FAILED";
        case MSG_RECEIVED: return "RECEIVED";
        default:           return "UNKNOWN";
    }
}

//  protobuf-c wants "" rather than NULL for an absent proto3 string.
static char *
s_str (const char *s)
{
    //  protobuf-c only reads the strings of a message it packs
    return (char *) (s? s: "");
}

//  Copy a decoded string (NULL stays NULL, "" becomes NULL).
static int
s_dup (char **dest_p, const char *src)
{
    *dest_p = NULL;
    if (!src || !*src)
        return 0;
    *dest_p = strdup (src);
    return *dest_p? 0: -1;
}

//  Send TOPIC and the encoded BODY on PUB as two frames. The body is
//  packed straight into the frame libzmq sends (one allocation, no copy)
//  and the frames go out with zmq_msg_send: a CZMQ picture would parse
//  the picture, build a zmsg_t and copy the bytes once more. Returns 0
//  or -1; PUB never blocks, it drops at its high-water mark.
static int
s_send (zsock_t *pub, const char *topic, const ProtobufCMessage *body)
{
    void *handle = zsock_resolve (pub);
    assert (handle);
    size_t size = protobuf_c_message_get_packed_size (body);
    zmq_msg_t frame;
    if (zmq_msg_init_size (&frame, size))
        return -1;
    size_t packed = protobuf_c_message_pack (body,
                                             (byte *) zmq_msg_data (&frame));
    assert (packed == size);
    if (zmq_send (handle, topic, strlen (topic), ZMQ_SNDMORE) < 0
    ||  zmq_msg_send (&frame, handle, 0) < 0) {
        zmq_msg_close (&frame);
        return -1;
    }
    return 0;
}

//  Publish a "msg" event from borrowed fields; see bus_event.h.
int
bus_event_publish_msg (zsock_t *pub, const char *uuid, const char *sender,
                       const char *room, const char *text,
                       msg_status_t status, int64_t send_time,
                       int64_t receive_time, const char *peer,
                       const char *reason, bool outgoing, uint32_t attempts)
{
    assert (pub);
    Dtchat__Events__MsgEvent ev = DTCHAT__EVENTS__MSG_EVENT__INIT;
    ev.uuid = s_str (uuid);
    ev.sender = s_str (sender);
    ev.room = s_str (room);
    ev.text = s_str (text);
    ev.status = (Dtchat__Events__Status) status;
    ev.send_time = send_time;
    ev.receive_time = receive_time;
    ev.peer = s_str (peer);
    ev.reason = s_str (reason);
    ev.outgoing = outgoing;
    ev.attempts = attempts;
    return s_send (pub, TOPIC_MSG, &ev.base);
}

//  Publish SELF on PUB as two frames: topic, body. Returns 0 or -1.
int
bus_event_publish (const bus_event_t *self, zsock_t *pub)
{
    assert (self);
    assert (pub);
    assert (s_topic_kind (self->topic) == (int) self->kind);
    if (self->kind == BUS_EVENT_MSG)
        return bus_event_publish_msg (pub, self->uuid, self->sender,
                                      self->room, self->text, self->status,
                                      self->send_time, self->receive_time,
                                      self->peer, self->reason,
                                      self->outgoing, self->attempts);
    if (self->kind == BUS_EVENT_LOG) {
        Dtchat__Events__LogEvent ev = DTCHAT__EVENTS__LOG_EVENT__INIT;
        ev.level = (Dtchat__Events__LogEvent__Level) self->level;
        ev.text = s_str (self->text);
        ev.endpoint = s_str (self->endpoint);
        return s_send (pub, self->topic, &ev.base);
    }
    assert (self->kind == BUS_EVENT_SYS);
    Dtchat__Events__SysEvent ev = DTCHAT__EVENTS__SYS_EVENT__INIT;
    ev.kind = s_str (self->sys_kind);
    ev.token = s_str (self->token);
    ev.pending = self->pending;
    ev.failed = self->failed;
    ev.total = self->total;
    return s_send (pub, self->topic, &ev.base);
}

//  Publish a LogEvent with a printf-style text. Returns 0 or -1.
int
bus_log (zsock_t *pub, const char *topic, log_level_t level,
         const char *endpoint, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int rc = bus_vlog (pub, topic, level, endpoint, format, args);
    va_end (args);
    return rc;
}

//  bus_log with a va_list.
int
bus_vlog (zsock_t *pub, const char *topic, log_level_t level,
          const char *endpoint, const char *format, va_list args)
{
    assert (pub);
    assert (topic && s_topic_kind (topic) == BUS_EVENT_LOG);
    bus_event_t *self = bus_event_new (BUS_EVENT_LOG, topic);
    if (!self)
        return -1;
    int rc = vasprintf (&self->text, format, args);
    if (rc < 0)
        self->text = NULL;
    self->level = level;
    if (endpoint && *endpoint)
        self->endpoint = strdup (endpoint);
    rc = bus_event_publish (self, pub);
    bus_event_destroy (&self);
    return rc;
}

//  Fill SELF from a decoded MsgEvent; returns 0 or -1 (out of memory).
static int
s_from_msg (bus_event_t *self, const Dtchat__Events__MsgEvent *ev)
{
    int status = (int) ev->status;
    self->status = status >= 0 && status <= (int) MSG_RECEIVED?
                   (msg_status_t) status: MSG_STATUS_UNKNOWN;
    self->send_time = ev->send_time;
    self->receive_time = ev->receive_time;
    self->outgoing = ev->outgoing != 0;
    self->attempts = ev->attempts;
    return s_dup (&self->uuid, ev->uuid)
         | s_dup (&self->sender, ev->sender)
         | s_dup (&self->room, ev->room)
         | s_dup (&self->text, ev->text)
         | s_dup (&self->peer, ev->peer)
         | s_dup (&self->reason, ev->reason);
}

//  Decode a body received on TOPIC; NULL with a reason if invalid.
bus_event_t *
bus_event_decode (const char *topic, const byte *data, size_t size,
                  char *reason, size_t reason_size)
{
    if (reason && reason_size)
        reason [0] = 0;
    int kind = s_topic_kind (topic);
    if (kind < 0) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "unknown topic '%.*s'",
                      S_TOPIC_MAX, topic? topic: "(null)");
        return NULL;
    }
    if (!data && size) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "no data for %s event", topic);
        return NULL;
    }
    bus_event_t *self = bus_event_new ((bus_event_kind_t) kind, topic);
    if (!self) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "out of memory");
        return NULL;
    }
    int rc = -1;
    const char *why = "undecodable";
    pb_arena_t arena;           //  no malloc per field: see pb_arena.h
    pb_arena_init (&arena);
    if (kind == BUS_EVENT_MSG) {
        Dtchat__Events__MsgEvent *ev =
            dtchat__events__msg_event__unpack (&arena.allocator, size,
                                                 data);
        if (ev) {
            rc = s_from_msg (self, ev);
            dtchat__events__msg_event__free_unpacked (ev, &arena.allocator);
        }
    }
    else
    if (kind == BUS_EVENT_LOG) {
        Dtchat__Events__LogEvent *ev =
            dtchat__events__log_event__unpack (&arena.allocator, size,
                                                 data);
        if (ev) {
            if ((int) ev->level < 0 || (int) ev->level > (int) LOG_ERROR)
                why = "bad level in";
            else {
                self->level = (log_level_t) ev->level;
                rc = s_dup (&self->text, ev->text)
                   | s_dup (&self->endpoint, ev->endpoint);
            }
            dtchat__events__log_event__free_unpacked (ev, &arena.allocator);
        }
    }
    else {
        Dtchat__Events__SysEvent *ev =
            dtchat__events__sys_event__unpack (&arena.allocator, size,
                                                 data);
        if (ev) {
            self->pending = ev->pending;
            self->failed = ev->failed;
            self->total = ev->total;
            rc = s_dup (&self->sys_kind, ev->kind)
               | s_dup (&self->token, ev->token);
            dtchat__events__sys_event__free_unpacked (ev, &arena.allocator);
        }
    }
    if (rc) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "%s %s event (%zu bytes)",
                      why, topic, size);
        bus_event_destroy (&self);
    }
    return self;
}

//  Receive one event (two frames) from SUB; NULL if interrupted or bad.
bus_event_t *
bus_event_recv (zsock_t *sub)
{
    assert (sub);
    //  zmsg_recv takes every frame of the message, so a malformed one
    //  (one frame, three frames) is consumed whole and cannot desync us
    zmsg_t *msg = zmsg_recv (sub);
    if (!msg)
        return NULL;
    bus_event_t *self = NULL;
    if (zmsg_size (msg) == 2) {
        zframe_t *topic_frame = zmsg_first (msg);
        zframe_t *body = zmsg_next (msg);
        size_t topic_size = zframe_size (topic_frame);
        if (topic_size > 0 && topic_size <= S_TOPIC_MAX) {
            char topic [S_TOPIC_MAX + 1];
            memcpy (topic, zframe_data (topic_frame), topic_size);
            topic [topic_size] = 0;
            self = bus_event_decode (topic, zframe_data (body),
                                     zframe_size (body), NULL, 0);
        }
    }
    zmsg_destroy (&msg);
    return self;
}
