/*  bus_event.h: events on the bus, their codec and their printed forms.

    Every actor publishes on its own PUB socket (connected to the bus's
    inproc frontend) with the helpers here; the ui, dtchat-tap and tests
    decode with bus_event_recv / bus_event_decode and print with
    bus_event_json / bus_event_text. This and chat_msg.c are the only
    modules that see generated protobuf headers. Like chat_msg_t, a
    bus_event_t is a plain value object with public fields.
*/
#ifndef BUS_EVENT_H_INCLUDED
#define BUS_EVENT_H_INCLUDED

#include "dtchat.h"

#include <stdarg.h>

typedef enum {
    MSG_STATUS_UNKNOWN = 0,
    MSG_SENDING = 1,
    MSG_SENT = 2,
    MSG_ACKED = 3,
    MSG_FAILED = 4,
    MSG_RECEIVED = 5
} msg_status_t;

//  czmq.h pulls in <syslog.h>, whose LOG_INFO macro (6) would turn the
//  enum below into "6 = 0"; our level names win in dtchat sources.
#ifdef LOG_INFO
#   undef LOG_INFO
#endif
typedef enum {
    LOG_INFO = 0,
    LOG_WARN = 1,
    LOG_ERROR = 2
} log_level_t;

typedef enum {
    BUS_EVENT_MSG,          //  topic "msg"
    BUS_EVENT_LOG,          //  topics "net" and "app"
    BUS_EVENT_SYS           //  topic "sys"
} bus_event_kind_t;

typedef struct {
    char topic [16];        //  "msg", "net", "app", "sys"
    bus_event_kind_t kind;
    //  BUS_EVENT_MSG
    char *uuid;
    char *sender;
    char *room;
    char *text;
    msg_status_t status;
    int64_t send_time;      //  ms since epoch, 0 = none
    int64_t receive_time;   //  ms since epoch, 0 = none
    char *peer;
    char *reason;
    bool outgoing;
    uint32_t attempts;
    //  BUS_EVENT_LOG (text is shared with MSG)
    log_level_t level;
    char *endpoint;
    //  BUS_EVENT_SYS
    char *sys_kind;         //  "sync", "hello", "stats"
    char *token;
    uint64_t pending;
    uint64_t failed;
    uint64_t total;
} bus_event_t;

//  New empty event. Destroy is idempotent and nulls *self_p.
bus_event_t *
    bus_event_new (bus_event_kind_t kind, const char *topic);
void
    bus_event_destroy (bus_event_t **self_p);

//  "SENDING", "SENT", "ACKED", "FAILED", "RECEIVED" ("UNKNOWN" otherwise).
const char *
    msg_status_name (msg_status_t status);

//  Publish SELF on PUB as two frames (topic, encoded body). Never blocks:
//  a PUB socket drops at its high-water mark. Returns 0 or -1.
int
    bus_event_publish (const bus_event_t *self, zsock_t *pub);

//  Publish a "msg" event straight from borrowed fields (NULL strings are
//  sent as ""), in the order of MsgEvent's fields: the same two frames
//  bus_event_publish sends for a bus_event_t with these values, without
//  building one (no copies). Never blocks. Returns 0 or -1.
int
    bus_event_publish_msg (zsock_t *pub, const char *uuid,
                           const char *sender, const char *room,
                           const char *text, msg_status_t status,
                           int64_t send_time, int64_t receive_time,
                           const char *peer, const char *reason,
                           bool outgoing, uint32_t attempts);

//  Shortcut: publish a LogEvent on TOPIC ("net" or "app") with a
//  printf-style text. Returns 0 or -1.
int
    bus_log (zsock_t *pub, const char *topic, log_level_t level,
             const char *endpoint, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));

//  bus_log with a va_list, for a caller's own printf-style wrapper.
int
    bus_vlog (zsock_t *pub, const char *topic, log_level_t level,
              const char *endpoint, const char *format, va_list args)
    __attribute__ ((format (printf, 5, 0)));

//  Decode a body received on TOPIC. NULL with a reason if it is not a
//  valid event of that topic (the bus crosses process boundaries: treat
//  it as input).
bus_event_t *
    bus_event_decode (const char *topic, const byte *data, size_t size,
                      char *reason, size_t reason_size);

//  Receive one event from a SUB socket (blocking; use a poller first).
//  Returns NULL on interrupt or on an undecodable message.
bus_event_t *
    bus_event_recv (zsock_t *sub);

//  One JSON object, no newline, caller frees. For "msg":
//  {"event":"msg","status":"ACKED","uuid":..,"sender":..,"room":..,
//   "text":..,"send_time":N|null,"receive_time":N|null,"peer":..,
//   "outgoing":bool,"attempts":N[,"reason":..]}
//  For "net"/"app": {"event":"net","level":"error","text":..[,"endpoint"..]}
//  For "sys": {"event":"sys","kind":..,"token":..,"pending":N,...}.
//  WITH_TOPIC adds "topic":<topic> (dtchat-tap --json).
char *
    bus_event_json (const bus_event_t *self, bool with_topic);

//  One human-readable line, no newline, caller frees, e.g.
//  "[ACKED]    12:01:02.345 alice: hello (acked 12:01:02.346 local)".
char *
    bus_event_text (const bus_event_t *self);

//  Write S as a JSON string literal (with quotes, escaped; invalid UTF-8
//  bytes become U+FFFD) to a new string the caller frees.
char *
    json_quote (const char *s);

#endif
