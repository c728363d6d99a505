#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

static void __attribute__((format(printf, 2, 0)))
vlog(const char *kind, const char *fmt, va_list ap)
{
	char line[4096];
	vsnprintf(line, sizeof line, fmt, ap);
	fprintf(stderr, "conch: %s%s\n", kind, line);
}

#define LOGFN(fn, kind)                                   \
	void fn(const char *fmt, ...)                     \
	{                                                 \
		va_list ap;                               \
		va_start(ap, fmt);                        \
		vlog(kind, fmt, ap);                      \
		va_end(ap);                               \
	}

LOGFN(log_error, "error: ")
LOGFN(log_warn, "warning: ")
LOGFN(log_info, "")

void
log_debug(const char *fmt, ...)
{
	va_list ap;
	if (!getenv("CONCH_DEBUG"))
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}
