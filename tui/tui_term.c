/*  tui_term.c: the terminal under the curses ui (see tui_term.h).

    The curses ui (tui_app.c, for ui_curses.c) starts one on its input
    and output descriptors; the actor polls the input, tui_term_winch_fd
    and tui_term_stderr_fd with its sockets. Curses is not thread-safe:
    only the actor's thread calls it.
    The process blocks SIGINT and SIGTERM (dtchat's main takes them from a
    signalfd), so raw mode hands us Ctrl-C as a key. SIGWINCH is caught
    here, before curses starts (so curses installs no handler of its own),
    and becomes a byte on a self-pipe: an idle ui sleeps in zmq_poll and
    still wakes for a resize. A signal handler and atexit get no context
    argument, so the few things they need sit in one static struct, set
    while a terminal is in use: the only mutable file-scope state in
    dtchat, and there is only one terminal.
*/
#define NCURSES_WIDECHAR 1
#include "tui_term.h"
#include "tui_draw.h"
#include "tui_keys.h"
#include <fcntl.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

#define S_ESC_DELAY_MS  25      //  a lone Esc waits this long for more
#define S_ROWS_MAX      400     //  a larger claimed size is cut to this
#define S_COLS_MAX      1000

//  What the signal handlers and atexit need (see the comment above).
static struct {
    atomic_int winch_fd;        //  write end of the self-pipe, or -1
    atomic_bool active;         //  curses owns the terminal
    atomic_int err_saved;       //  the real stderr while it is caught
    int err_pipe;               //  what stderr got meanwhile
    int out_fd;                 //  for the crash reset
    int in_fd;
    struct termios saved;       //  the terminal as we found it
    bool have_saved;
    char reset [256];           //  terminfo strings that undo our modes
    size_t reset_size;
} s_term = { -1, false, -1, -1, -1, -1, { 0 }, false, { 0 }, 0 };

static pthread_once_t s_once = PTHREAD_ONCE_INIT;

struct _tui_term_t {
    FILE *in, *out;             //  dups of the descriptors, for newterm
    int in_fd, out_fd;
    SCREEN *screen;
    int pipe [2];               //  SIGWINCH self-pipe
    int err_pipe;               //  read end of the caught stderr, or -1
    int err_saved;              //  the real stderr, while caught, or -1
    struct sigaction old_winch;
    bool ended;
    tui_keys_t keys;            //  this terminal's extra key codes
};

//  SIGWINCH: wake the actor. Only async-signal-safe calls here.
static void
s_on_winch (int signal_number)
{
    int saved = errno;
    int fd = atomic_load (&s_term.winch_fd);
    if (fd >= 0) {
        ssize_t rc = write (fd, "w", 1);
        (void) rc;              //  a full pipe already says "resized"
    }
    errno = saved;
}

//  A crash while curses owns the terminal: restore it, then die as the
//  signal wanted. Only async-signal-safe calls here.
static void
s_on_crash (int signal_number)
{
    if (atomic_exchange (&s_term.active, false)) {
        if (s_term.reset_size) {
            ssize_t rc = write (s_term.out_fd, s_term.reset,
                                s_term.reset_size);
            (void) rc;
        }
        if (s_term.have_saved)
            tcsetattr (s_term.in_fd, TCSANOW, &s_term.saved);
        //  The crash's own message (an assert's) went into the pipe
        int saved = atomic_exchange (&s_term.err_saved, -1);
        if (saved != -1) {
            dup2 (saved, STDERR_FILENO);
            char buf [1024];
            ssize_t size;
            while ((size = read (s_term.err_pipe, buf, sizeof buf)) > 0)
                if (write (STDERR_FILENO, buf, (size_t) size) != size)
                    break;
        }
    }
    signal (signal_number, SIG_DFL);
    raise (signal_number);
}

//  At exit, if some path left curses running: give the terminal back.
static void
s_at_exit (void)
{
    if (atomic_exchange (&s_term.active, false))
        endwin ();
}

//  Once per process: the atexit net and the crash handlers (only where
//  nobody, e.g. a sanitizer, handles those signals already).
static void
s_install_once (void)
{
    atexit (s_at_exit);
    int crashes [] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
    for (size_t index = 0; index < sizeof crashes / sizeof *crashes;
         index++) {
        struct sigaction old;
        if (sigaction (crashes [index], NULL, &old) == 0
        &&  old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO)) {
            struct sigaction action;
            memset (&action, 0, sizeof action);
            action.sa_handler = s_on_crash;
            sigemptyset (&action.sa_mask);
            action.sa_flags = SA_RESETHAND;
            sigaction (crashes [index], &action, NULL);
        }
    }
}

//  Append terminfo capability NAME to the crash reset string.
static void
s_add_reset (const char *name)
{
    char *value = tigetstr (name);
    if (!value || value == (char *) -1)
        return;
    size_t size = strlen (value);
    if (s_term.reset_size + size < sizeof s_term.reset) {
        memcpy (s_term.reset + s_term.reset_size, value, size);
        s_term.reset_size += size;
    }
}

//  Catch stderr in a pipe while curses draws, if it is our terminal:
//  banners and library warnings would corrupt the screen. The write end
//  does not block: a ui that does not read loses text, never hangs.
static void
s_catch_stderr (tui_term_t *self)
{
    struct stat err, out;
    if (fstat (STDERR_FILENO, &err) || fstat (self->out_fd, &out)
    ||  !S_ISCHR (err.st_mode) || err.st_rdev != out.st_rdev)
        return;
    int fds [2];
    if (pipe2 (fds, O_CLOEXEC | O_NONBLOCK))
        return;
    fflush (stderr);
    self->err_saved = fcntl (STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (self->err_saved == -1 || dup2 (fds [1], STDERR_FILENO) == -1) {
        if (self->err_saved != -1)
            close (self->err_saved);
        self->err_saved = -1;
        close (fds [0]);
        close (fds [1]);
        return;
    }
    close (fds [1]);
    self->err_pipe = fds [0];
    s_term.err_pipe = fds [0];
    atomic_store (&s_term.err_saved, self->err_saved);
}

//  Put stderr back and write out what was caught and not yet read.
static void
s_release_stderr (tui_term_t *self)
{
    if (self->err_saved == -1)
        return;
    fflush (stderr);
    atomic_store (&s_term.err_saved, -1);
    dup2 (self->err_saved, STDERR_FILENO);
    close (self->err_saved);
    self->err_saved = -1;
    char buf [4096];
    ssize_t size;
    while ((size = read (self->err_pipe, buf, sizeof buf)) > 0)
        if (write (STDERR_FILENO, buf, (size_t) size) != size)
            break;
    close (self->err_pipe);
    self->err_pipe = -1;
}

//  Start curses: see tui_term.h.
tui_term_t *
tui_term_new (int in_fd, int out_fd, char *reason, size_t reason_size)
{
    tui_term_t *self = (tui_term_t *) calloc (1, sizeof (tui_term_t));
    if (!self) {
        snprintf (reason, reason_size, "ui: out of memory");
        return NULL;
    }
    self->pipe [0] = self->pipe [1] = -1;
    self->err_pipe = self->err_saved = -1;
    self->in_fd = in_fd;
    self->out_fd = out_fd;
    self->ended = true;
    if (atomic_load (&s_term.active)) {
        snprintf (reason, reason_size, "ui: the terminal is in use");
        free (self);
        return NULL;
    }
    if (!isatty (in_fd) || !isatty (out_fd)) {
        snprintf (reason, reason_size, "ui: the curses ui needs a "
                  "terminal on its input and output");
        free (self);
        return NULL;
    }
    pthread_once (&s_once, s_install_once);
    int in_dup = dup (in_fd), out_dup = dup (out_fd);
    self->in = in_dup >= 0? fdopen (in_dup, "r"): NULL;
    self->out = out_dup >= 0? fdopen (out_dup, "w"): NULL;
    if (!self->in && in_dup >= 0)
        close (in_dup);
    if (!self->out && out_dup >= 0)
        close (out_dup);
    if (!self->in || !self->out
    ||  pipe2 (self->pipe, O_NONBLOCK | O_CLOEXEC)) {
        snprintf (reason, reason_size, "ui: %s", strerror (errno));
        tui_term_destroy (&self);
        return NULL;
    }
    s_term.have_saved = tcgetattr (in_fd, &s_term.saved) == 0;
    s_term.in_fd = in_fd;
    s_term.out_fd = out_fd;
    //  Our SIGWINCH handler first: curses then leaves SIGWINCH alone
    atomic_store (&s_term.winch_fd, self->pipe [1]);
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_winch;
    sigemptyset (&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction (SIGWINCH, &action, &self->old_winch);

    use_tioctl (TRUE);          //  the terminal's size beats $LINES
    self->screen = newterm (NULL, self->out, self->in);
    if (!self->screen) {
        const char *term = getenv ("TERM");
        snprintf (reason, reason_size, "ui: cannot use the terminal "
                  "(TERM=%.64s): try --no-tui", term? term: "unset");
        tui_term_destroy (&self);
        return NULL;
    }
    set_term (self->screen);
    self->ended = false;
    atomic_store (&s_term.active, true);
    char *address = tigetstr ("cup");
    if (!address || address == (char *) -1) {
        //  A terminal that cannot place the cursor ("dumb"): line mode
        const char *term = getenv ("TERM");
        snprintf (reason, reason_size, "ui: the terminal (TERM=%.64s) "
                  "cannot place the cursor: try --no-tui",
                  term? term: "unset");
        tui_term_destroy (&self);
        return NULL;
    }
    raw ();
    noecho ();
    nonl ();
    intrflush (stdscr, FALSE);
    keypad (stdscr, TRUE);
    nodelay (stdscr, TRUE);
    set_escdelay (S_ESC_DELAY_MS);
    s_term.reset_size = 0;
    s_add_reset ("sgr0");
    s_add_reset ("cnorm");
    s_add_reset ("rmkx");
    s_add_reset ("rmcup");
    tui_keys_setup (&self->keys);
    tui_draw_setup ();
    s_catch_stderr (self);
    return self;
}

//  Give the terminal back now.
void
tui_term_end (tui_term_t *self)
{
    if (self->ended)
        return;
    self->ended = true;
    if (atomic_exchange (&s_term.active, false))
        endwin ();
    s_release_stderr (self);
}

//  Free everything; idempotent.
void
tui_term_destroy (tui_term_t **self_p)
{
    tui_term_t *self = *self_p;
    if (!self)
        return;
    tui_term_end (self);
    if (self->screen)
        delscreen (self->screen);
    if (self->pipe [1] >= 0) {
        atomic_store (&s_term.winch_fd, -1);
        sigaction (SIGWINCH, &self->old_winch, NULL);
    }
    if (self->in)
        fclose (self->in);
    if (self->out)
        fclose (self->out);
    if (self->pipe [0] >= 0)
        close (self->pipe [0]);
    if (self->pipe [1] >= 0)
        close (self->pipe [1]);
    free (self);
    *self_p = NULL;
}

//  True until tui_term_end.
bool
tui_term_active (tui_term_t *self)
{
    return !self->ended;
}

//  The descriptor to poll for resizes.
int
tui_term_winch_fd (tui_term_t *self)
{
    return self->pipe [0];
}

//  Take the new size after a SIGWINCH.
bool
tui_term_winched (tui_term_t *self)
{
    char drain [64];
    while (read (self->pipe [0], drain, sizeof drain) > 0)
        ;
    struct winsize size;
    if (self->ended || ioctl (self->out_fd, TIOCGWINSZ, &size) != 0
    ||  size.ws_row == 0 || size.ws_col == 0)
        return false;
    int rows = size.ws_row < S_ROWS_MAX? size.ws_row: S_ROWS_MAX;
    int cols = size.ws_col < S_COLS_MAX? size.ws_col: S_COLS_MAX;
    if (rows == LINES && cols == COLS)
        return false;
    resizeterm (rows, cols);
    return true;
}

//  True if the input descriptor says hang-up or error.
static bool
s_input_gone (tui_term_t *self)
{
    struct pollfd item = { self->in_fd, POLLIN, 0 };
    return poll (&item, 1, 0) == 1
        && (item.revents & (POLLHUP | POLLERR | POLLNVAL));
}

//  Read one key press without waiting.
int
tui_term_read (tui_term_t *self, tui_press_t *press)
{
    memset (press, 0, sizeof *press);
    if (self->ended)
        return 0;
    int rc = tui_keys_read (&self->keys, press);
    return rc == 0 && s_input_gone (self)? -1: rc;
}

//  The screen size.
void
tui_term_size (tui_term_t *self, int *rows, int *cols)
{
    *rows = self->ended? 0: LINES;
    *cols = self->ended? 0: COLS;
}

//  The read end of the caught stderr.
int
tui_term_stderr_fd (tui_term_t *self)
{
    return self->err_pipe;
}

//  Read what stderr got.
size_t
tui_term_stderr_read (tui_term_t *self, char *buf, size_t size)
{
    if (self->err_pipe == -1)
        return 0;
    ssize_t rc = read (self->err_pipe, buf, size);
    return rc > 0? (size_t) rc: 0;
}

//  Ring the bell.
void
tui_term_beep (tui_term_t *self)
{
    if (!self->ended)
        beep ();
}

//  Paint everything at the next draw.
void
tui_term_repaint (tui_term_t *self)
{
    if (!self->ended)
        clearok (curscr, TRUE);
}
