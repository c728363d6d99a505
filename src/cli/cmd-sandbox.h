/* cmd-sandbox.h: `conch sandbox doctor`. */
#ifndef CONCH_CMD_SANDBOX_H
#define CONCH_CMD_SANDBOX_H

/* argv[0] is "sandbox".  `conch sandbox doctor` prints what the kernel
 * offers and what enforces each property; exit 0 when sandboxed commands
 * can run, 1 when they would be refused, 2 on a usage error. */
int cmd_sandbox_main(int argc, char **argv);

#endif
