/* kern-avx2.c: the kernel set for AVX2 + FMA + F16C, compiled for that
 * target whatever the build flags; picked at run time (kern.c). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <stdbool.h>
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define KERN_SET llm_kern_avx2
#define KR 2
#define KT 4
#define KERN_VNNI 0
#define KERN_WIDE 0
#include "llm/kern-x86.h"
#include "llm/kern-x86e.h"
#pragma GCC pop_options
#endif
