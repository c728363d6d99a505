/* display.h: text the user must approve, shown so that what is shown is
 * all that runs. */
#ifndef CONCH_DISPLAY_H
#define CONCH_DISPLAY_H

#include <stddef.h>

/* `s` (a command or summary the user is asked to approve) rendered for an
 * approval prompt: every byte of it shown, nothing cut.  Control
 * characters are spelled out (\r \e \x01 ...), as are invisible and
 * direction-changing code points (\u{202e}) and invalid UTF-8 bytes;
 * runs of 8 or more blanks become "[N blanks]"; a newline is shown as \n
 * and starts a new line.  With `width` > 0, lines are wrapped at that many
 * columns (continuations indented by two spaces); 0: no wrapping.  Used by
 * the plain UI, `conch tool` and the ncurses dialogs.  Caller frees. */
char *display_approval_text(const char *s, size_t width);
/* The same for a block of text shown in an approval (a diff): newlines,
 * tabs and spaces kept, control characters and invisible code points
 * spelled out.  Caller frees. */
char *display_approval_block(const char *s);

#endif
