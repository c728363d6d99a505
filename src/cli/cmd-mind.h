/* cmd-mind.h: helpers shared by `conch memory` and `conch skills`. */
#ifndef CONCH_CMD_MIND_H
#define CONCH_CMD_MIND_H

/* Open `path` in $VISUAL, $EDITOR or vi (run through /bin/sh with the
 * path as "$1", on the user's terminal: an editor needs it, so this is
 * not a sandboxed tool command).  Returns the editor's exit status, or -1
 * when it could not run. */
int cli_edit_file(const char *path);

#endif
