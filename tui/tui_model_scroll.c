/*  tui_model_scroll.c: the message pane's scroll position.

    Part of tui_model (see tui_model_private.h). The position is the
    message on the bottom row and how many of its lines hide below the
    pane, so messages arriving while the user reads back do not move the
    view, and a resize keeps the same message in sight. Heights come from
    tui_layout_msg at the width the caller gives: what is scrolled is what
    tui_draw shows.
*/
#include "tui_model_private.h"

//  Lines message INDEX takes at WIDTH.
static size_t
s_height (tui_model_t *self, size_t index, int width)
{
    return tui_layout_msg (self->msgs [index], width, 0, NULL, 0);
}

//  Move the bottom of the view up (back) by LINES, stopping at the
//  first line of the first message shown.
static void
s_up (tui_model_t *self, size_t lines, int width)
{
    while (lines > 0) {
        size_t height = s_height (self, self->anchor, width);
        if (self->hidden + 1 < height) {
            size_t step = height - 1 - self->hidden;
            step = step < lines? step: lines;
            self->hidden += step;
            lines -= step;
        }
        else
        if (self->anchor > self->first) {
            self->anchor--;
            self->hidden = 0;
            lines--;
        }
        else
            break;
    }
}

//  Move the bottom of the view down by LINES; live at the end.
static void
s_down (tui_model_t *self, size_t lines, int width)
{
    while (lines > 0) {
        if (self->hidden > 0) {
            size_t step = self->hidden < lines? self->hidden: lines;
            self->hidden -= step;
            lines -= step;
        }
        else
        if (self->anchor + 1 < self->count) {
            self->anchor++;
            self->hidden = s_height (self, self->anchor, width) - 1;
            lines--;
        }
        else
            break;
    }
    if (self->anchor + 1 >= self->count && self->hidden == 0)
        self->live = true;
}

//  Scroll: see tui_model.h.
void
tui_model_scroll (tui_model_t *self, int lines, int width, int rows)
{
    if (self->count <= self->first || lines == 0)
        return;
    if (lines > 0) {
        if (self->live) {
            self->live = false;
            self->anchor = self->count - 1;
            self->hidden = 0;
        }
        s_up (self, (size_t) lines, width);
        //  A full pane from the first line down to the bottom row, or
        //  back down as far as needed
        size_t above = 0, index = self->anchor + 1;
        size_t height = s_height (self, self->anchor, width);
        if (self->hidden >= height)
            self->hidden = height - 1;
        above = height - self->hidden;
        index = self->anchor;
        while (above < (size_t) rows && index > self->first)
            above += s_height (self, --index, width);
        if (above < (size_t) rows)
            s_down (self, (size_t) rows - above, width);
    }
    else
    if (!self->live)
        s_down (self, (size_t) -lines, width);
}

//  Back to live.
void
tui_model_scroll_live (tui_model_t *self)
{
    self->live = true;
    self->hidden = 0;
}

//  True when live.
bool
tui_model_live (tui_model_t *self)
{
    return self->live;
}

//  The bottom of the view.
bool
tui_model_view (tui_model_t *self, int width, size_t *index,
                size_t *hidden)
{
    if (self->count <= self->first)
        return false;
    if (self->live) {
        *index = self->count - 1;
        *hidden = 0;
        return true;
    }
    size_t height = s_height (self, self->anchor, width);
    *index = self->anchor;
    *hidden = self->hidden < height? self->hidden: height - 1;
    return true;
}

//  Messages below the view.
size_t
tui_model_below (tui_model_t *self)
{
    return self->live? 0: self->count - 1 - self->anchor;
}
