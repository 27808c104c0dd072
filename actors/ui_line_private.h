/*  ui_line_private.h: what the line-mode ui's two files share.

    The ui_line actor is one class in two files to keep each short:
    ui_line.c holds its state, START, the loop, the chat-model's replies
    and the bus events it prints; ui_line_input.c reads input lines and
    runs the slash commands. Both see self_t, declared here; only the
    actor's thread touches it.
*/
#ifndef UI_LINE_PRIVATE_H_INCLUDED
#define UI_LINE_PRIVATE_H_INCLUDED

#include "ui.h"
#include "bus_event.h"

#define UI_LINE_MAX         (1024 * 1024)   //  longest input line, bytes
#define UI_LINE_REFUSALS    16      //  ERRORs whose bus copy is still due

typedef enum {
    UI_LINE_IDLE,       //  before START
    UI_LINE_HELLO,      //  waiting for our SYNC marker
    UI_LINE_READING,    //  reading input
    UI_LINE_DRAINING,   //  DRAIN sent, waiting for DRAINED and the marker
    UI_LINE_FINISHED    //  DONE sent; printing events until $TERM
} ui_line_state_t;

typedef struct {
    zsock_t *pipe;              //  our creator
    zsock_t *model;             //  PAIR to the chat-model
    zsock_t *sub;               //  SUB on the bus
    ui_args_t args;             //  copy; strings stay borrowed
    int in_flags;               //  in_fd's flags to restore, or -1
    ui_line_state_t state;
    bool terminated;
    bool quit;                  //  /quit was typed
    bool out_broken;            //  out_fd failed: print nothing more
    char *line;                 //  the line being assembled
    size_t line_size;
    bool skipping;              //  dropping the rest of a too-long line
    size_t line_number;
    unsigned hello_count;
    int64_t hello_next;         //  when to SYNC again
    int64_t hello_deadline;
    bool drained;               //  DRAINED came
    bool synced;                //  the drain marker came
    uint64_t replayed;          //  msg events of a late hello to skip
    int64_t drain_deadline;     //  0 = none
    int64_t sync_deadline;      //  0 = none
    //  ERROR texts printed, oldest first, whose "app" copy on the bus has
    //  not come yet (a copy the bus dropped ages out)
    char *refusals [UI_LINE_REFUSALS];
    size_t refusal_count;
    char room [DTCHAT_ID_MAX];  //  where texts go (/room); "" = default
} self_t;

//  ui_line.c
//  Print an "app" notice of our own (not on the bus: it is for our user).
void
    ui_line_note (self_t *self, log_level_t level, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));
//  Report DONE STATUS to our creator; input is over for us.
void
    ui_line_finish (self_t *self, int status);
//  Ask the model to drain; DONE comes when it has and the marker shows.
void
    ui_line_start_drain (self_t *self);

//  ui_line_input.c
//  Read what in_fd has and act on every complete line; EOF starts DRAIN.
void
    ui_line_read_input (self_t *self);

#endif
