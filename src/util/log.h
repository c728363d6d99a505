/* log.h: diagnostics to stderr, prefixed "conch: ".  Debug lines print only
 * when CONCH_DEBUG is set in the environment.  Never pass model or tool
 * text as the format: use "%s". */
#ifndef CONCH_LOG_H
#define CONCH_LOG_H

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
