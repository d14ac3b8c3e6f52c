// The kernels for AVX2 + FMA (Haswell and later, every x86-64 server of the last decade): exactly
// the two features the dispatcher checks, nothing more of Haswell (BMI, LZCNT, MOVBE).
// Forced with SEISMIC_MAX_ISA=avx2; see dispatch.c.
#include "seismic_nhwc.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SK_FN(name) name##_avx2
// Product tiles of 6 rows × 16 channels: 12 of the 16 vector registers hold accumulators, leaving
// room for the weight row and the broadcast (8 rows spilled: 1.8× slower on Zen 4, 58 vs 105 GFLOP/s).
#define SK_GEMM_TILE_ROWS 6
// The set-aside list of the evaluation's pooled GELU (bodies/nhwc.inc.h) appends by AVX2 permutation.
#define SK_LOWER_LANES_AVX2
// Winograd along rows (bodies/winograd_rows.inc.h) from 16 input channels: EarthquakeCNN's layer 2
// 1.26× faster by F(4, 3), layer 3 1.29× by F(2, 3) for 64 windows (0.95× and 0.98× for one; C
// harness, one core, Zen 5, best of 5 alternating runs); the network's batched inference 1.09–1.15×
// (seismic-bench, best of 6 alternating runs, three sessions). F(6, 3) on layer 3 (8 input rows,
// one tile; points 0, ±1, ±2, ±½) was tried and not taken: 1.04× F(2, 3) for 64 windows, 0.87× for
// one, with 5× the error (6.5e-7 against 1.2e-7 of Σ|terms|; C harness, one core, Zen 5, best of 7):
// its transforms, not its 1.5× fewer products, set the time.
#include "bodies/elementwise.inc.h"
#include "bodies/nhwc.inc.h"
#include "bodies/winograd.inc.h"
#include "bodies/winograd_rows.inc.h"
#include "bodies/gemv.inc.h"
#pragma clang attribute pop
#endif
