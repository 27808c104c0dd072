/*  tui_model_private.h: what tui_model's two files share (tui/ only).

    tui_model is one class in two files to keep each short: tui_model.c
    holds the messages, events, counters and resync bookkeeping;
    tui_model_scroll.c the scroll position. Both see struct _tui_model_t.
*/
#ifndef TUI_MODEL_PRIVATE_H_INCLUDED
#define TUI_MODEL_PRIVATE_H_INCLUDED

#include "tui_model.h"

struct _tui_model_t {
    tui_msg_t **msgs;           //  arrival order
    size_t count;
    size_t first;               //  shown from here (/clear)
    zhashx_t *by_uuid;          //  uuid -> tui_msg_t (borrowed)
    bool evicted;               //  we have forgotten old messages
    tui_logs_t *logs [2];       //  per tui_pane_t
    size_t pending;             //  outgoing SENDING or SENT
    size_t failed;              //  outgoing FAILED
    char *token;                //  our newest SYNC token
    bool syncing;               //  SYNC sent, not done
    bool republishing;          //  after our marker, counting messages
    bool rebuild;               //  forget everything at our marker
    uint64_t expect;            //  messages the marker announced
    uint64_t got;
    uint64_t mark_pending;
    uint64_t mark_failed;
    unsigned generation;        //  of the current resync
    bool live;
    size_t anchor;              //  message on the bottom row (not live)
    size_t hidden;              //  its lines below the pane
};

#endif
