// Instruction-set dispatch for the kernels: each is compiled three times (variant_*.c) and the
// public function calls the variant chosen once, when the library is loaded: the widest the CPU
// supports, capped by the environment variable SEISMIC_MAX_ISA (avx512, avx2 or baseline, in
// either case, as oneDNN's ONEDNN_MAX_CPU_ISA), so a machine of one generation can run the other
// generations' code paths — the test suite does (Makefile `test`). An unknown value is reported
// on standard error and ignored; a value above what the CPU has is capped to what it has.
#include "seismic_variants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) && defined(__clang__)
#define SK_HAS_X86_VARIANTS 1
#endif

static int sk_level = SK_ISA_BASELINE;

int sk_isa_supported(int level) {
    if (level == SK_ISA_BASELINE) return 1;
#if SK_HAS_X86_VARIANTS
    __builtin_cpu_init();
    if (level == SK_ISA_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (level == SK_ISA_AVX512) return __builtin_cpu_supports("avx512f") && sk_isa_supported(SK_ISA_AVX2);
#endif
    return 0;
}

int sk_isa(void) { return sk_level; }

const char *sk_isa_name(int level) {
    switch (level) {
    case SK_ISA_AVX512: return "avx512";
    case SK_ISA_AVX2: return "avx2";
    default: return "baseline";
    }
}

__attribute__((constructor)) static void sk_choose_isa(void) {
    int cap = SK_ISA_AVX512;
    const char *requested = getenv("SEISMIC_MAX_ISA");
    if (requested && *requested) {
        if (strcasecmp(requested, "avx512") == 0) cap = SK_ISA_AVX512;
        else if (strcasecmp(requested, "avx2") == 0) cap = SK_ISA_AVX2;
        else if (strcasecmp(requested, "baseline") == 0) cap = SK_ISA_BASELINE;
        else fprintf(stderr, "seismic: SEISMIC_MAX_ISA=%s is not avx512, avx2 or baseline; ignored\n", requested);
    }
    int level = cap;
    while (level > SK_ISA_BASELINE && !sk_isa_supported(level)) level--;
    sk_level = level;
}

#if SK_HAS_X86_VARIANTS
#define SK_KERNEL(name, params, args)                                                                               \
    void name params {                                                                                              \
        switch (sk_level) {                                                                                         \
        case SK_ISA_AVX512: name##_avx512 args; return;                                                             \
        case SK_ISA_AVX2: name##_avx2 args; return;                                                                 \
        default: name##_baseline args; return;                                                                      \
        }                                                                                                           \
    }
#else
#define SK_KERNEL(name, params, args) void name params { name##_baseline args; }
#endif
SK_KERNELS
#undef SK_KERNEL
