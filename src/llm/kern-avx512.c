/* kern-avx512.c: the kernel set for AVX-512 (F, BW, VL, VNNI), compiled
 * for that target whatever the build flags; picked at run time (kern.c).
 * vpdpbusd, 512-bit tiles for the 32-weight types, 256-bit ones with 32
 * registers for the K-quants. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <stdbool.h>
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")
#define KERN_SET llm_kern_avx512
#define KR 4
#define KT 4
#define KERN_VNNI 1
#define KERN_WIDE 1
#include "llm/kern-x86.h"
#include "llm/kern-x86w.h"
#include "llm/kern-x86e.h"
#pragma GCC pop_options
#endif
