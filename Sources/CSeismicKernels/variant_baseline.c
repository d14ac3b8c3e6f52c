// The kernels for the baseline instruction set of the build (SSE2 on x86-64, NEON on arm64).
// Forced with SEISMIC_MAX_ISA=baseline; see dispatch.c.
#include "seismic_nhwc.h"
#include <stdlib.h>
#include <string.h>

#define SK_FN(name) name##_baseline
#include "bodies/elementwise.inc.h"
#include "bodies/nhwc.inc.h"
