/* exitcode.h: conch's process exit codes, documented in conch(1).  Every
 * front end and subcommand returns one of these, never a bare number. */
#ifndef CONCH_EXITCODE_H
#define CONCH_EXITCODE_H

enum {
	EXIT_DONE = 0,
	EXIT_TASK_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,
	EXIT_NO_PROVIDER = 4,
	EXIT_CONFLICT = 5,        /* conch rewind: files changed outside conch */
	EXIT_INPUT_TOO_BIG = 6, /* stdin over its cap */
	EXIT_INTERRUPTED = 130,
};

#endif
