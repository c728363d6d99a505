/* request.h: the one-message provider request the provider suites send. */
#ifndef CONCH_TESTS_REQUEST_H
#define CONCH_TESTS_REQUEST_H

#include <string.h>

#include "conv/conv.h"
#include "provider/provider.h"

/* Make `req` a request with the system prompt `system`, the tools
 * `tools[0..ntools)` and the conversation `c` (initialised here, freed by
 * the caller) of one user message `user`. */
static inline void
request_one(struct provider_request *req, struct conv *c, const char *system,
	    const char *user, const struct conv_tool_spec *tools, size_t ntools)
{
	conv_init(c);
	conv_msg_add_text(conv_add(c, CONV_USER), user);
	memset(req, 0, sizeof *req);
	req->system = system;
	req->conv = c;
	req->tools = tools;
	req->ntools = ntools;
}

#endif
