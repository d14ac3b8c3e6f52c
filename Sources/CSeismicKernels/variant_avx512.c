// The kernels for AVX-512 (AVX512F, which implies AVX2 and FMA): the widest vectors.
// Forced with SEISMIC_MAX_ISA=avx512; see dispatch.c.
#include "seismic_nhwc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#define SK_FN(name) name##_avx512
// Product tiles of 8 rows × 32 channels where the output has them (two blocks of 16): 16 of the 32
// vector registers hold accumulators and each broadcast of the input feeds two multiply-adds. On
// Zen 4, 8 × 16 measured near the sgemm peak (12 and 14 rows no faster); on Zen 5 the 8 × 16 tile
// was bound by its broadcasts: 8 × 32 made EarthquakeCNN's layers 2 and 3 1.3–1.5× faster (C
// harness, one core, alternating runs), with the same bits.
#define SK_GEMM_TILE_ROWS 8
#define SK_GEMM_BLOCKS 2
// The evaluation's pooled GELU takes both candidates' GELUs (bodies/nhwc.inc.h, measured on Zen 5).
#define SK_POOLED_GELU_TWICE
// No Winograd along rows (bodies/winograd_rows.inc.h): the direct 3×1 product is at the core's peak
// here. On EarthquakeCNN's layer 2 (16 inputs) F(4, 3) ran 0.97× the direct convolution; on layer 3
// (32) F(2, 3) 1.18× for 64 windows but 0.81× for one (C harness, one core, Zen 5, best of 5
// alternating runs), and with layer 3 alone taking it the network's one window was 6 % slower (7.72
// against 7.29 µs, batched 1.03×; seismic-bench, best of 8 alternating runs).
#define SK_WINOGRAD_ROWS_INPUTS PTRDIFF_MAX
#include "bodies/elementwise.inc.h"
#include "bodies/nhwc.inc.h"
#include "bodies/winograd.inc.h"
#include "bodies/winograd_rows.inc.h"
#include "bodies/gemv.inc.h"
#pragma clang attribute pop
#endif
