#include "util/err.h"

const char *
cerr_str(enum cerr e)
{
	static const char *const names[C_ERR__COUNT] = {
		[C_OK] = "ok",
		[C_ERR_NOMEM] = "out of memory",
		[C_ERR_IO] = "input/output error",
		[C_ERR_INVAL] = "invalid argument",
		[C_ERR_NOTFOUND] = "not found",
		[C_ERR_EXISTS] = "already exists",
		[C_ERR_PERM] = "permission denied",
		[C_ERR_TOOBIG] = "too large",
		[C_ERR_PARSE] = "parse error",
		[C_ERR_CANCELLED] = "cancelled",
		[C_ERR_TIMEOUT] = "timed out",
		[C_ERR_UNSUPPORTED] = "not supported",
		[C_ERR_RETRYABLE] = "temporary provider failure",
		[C_ERR_AUTH] = "authentication or billing failure",
		[C_ERR_BADREQ] = "request rejected",
		[C_ERR_CONTEXT] = "context window exceeded",
		[C_ERR_PROVIDER] = "provider failure",
	};
	if ((unsigned)e >= C_ERR__COUNT || !names[e])
		return "unknown error";
	return names[e];
}
