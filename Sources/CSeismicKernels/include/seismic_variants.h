// seismic_variants: each kernel's per-instruction-set variants by name (sk_gemm_bias_avx2, …), for
// tests that compare every variant with a reference on one machine. Callers outside tests use
// the dispatched names of seismic_kernels.h and seismic_nhwc.h.
#ifndef SEISMIC_VARIANTS_H
#define SEISMIC_VARIANTS_H

#include "seismic_nhwc.h"
#include "seismic_kernel_list.h"

#define SK_KERNEL(name, params, args) void name##_baseline params;
SK_KERNELS
#undef SK_KERNEL
#if defined(__x86_64__) && defined(__clang__)
#define SK_KERNEL(name, params, args) void name##_avx512 params; void name##_avx2 params;
SK_KERNELS
#undef SK_KERNEL
#endif

#endif
