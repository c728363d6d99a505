/* clock.h: the monotonic clock, in milliseconds, for deadlines and
 * durations (never for dates). */
#ifndef CONCH_CLOCK_H
#define CONCH_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC since an arbitrary start. */
long long clock_mono_ms(void);

#endif
