// The kernels for AVX-512 (AVX512F, which implies AVX2 and FMA): the widest vectors.
// Forced with SEISMIC_MAX_ISA=avx512; see dispatch.c.
#include "seismic_nhwc.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#define SK_FN(name) name##_avx512
// Product tiles of 8 rows × 16 channels: 8 of the 32 vector registers hold accumulators (near the
// measured sgemm peak on Zen 4; 12 and 14 rows measured no faster).
#define SK_GEMM_TILE_ROWS 8
#include "bodies/elementwise.inc.h"
#include "bodies/nhwc.inc.h"
#pragma clang attribute pop
#endif
