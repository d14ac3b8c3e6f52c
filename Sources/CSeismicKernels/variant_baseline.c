// The kernels for the baseline instruction set of the build (SSE2 on x86-64, NEON on arm64).
// Forced with SEISMIC_MAX_ISA=baseline; see dispatch.c.
#include "seismic_nhwc.h"
#include <stdlib.h>
#include <string.h>

#define SK_FN(name) name##_baseline
// Product tiles of 2 rows × 16 channels: 8 of SSE2's 16 registers hold accumulators (4 rows spilled:
// 22 against 37 GFLOP/s on Zen 4). Not measured on arm64, whose NEON has 32 registers.
#define SK_GEMM_TILE_ROWS 2
// Winograd along rows (bodies/winograd_rows.inc.h) from 16 input channels (the default): EarthquakeCNN's
// layer 2 1.44× faster by F(4, 3), layer 3 1.36× by F(2, 3) for 64 windows (C harness, one core, Zen 5).
#include "bodies/elementwise.inc.h"
#include "bodies/nhwc.inc.h"
#include "bodies/winograd.inc.h"
#include "bodies/winograd_rows.inc.h"
#include "bodies/gemv.inc.h"
