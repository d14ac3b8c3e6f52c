// seismic_kernels: SeismicNN's elementwise hot loops in C, compiled once per instruction set
// (AVX-512, AVX2+FMA, baseline) and picked at load time, so one binary is both portable and fast.
// SEISMIC_MAX_ISA=avx2|baseline caps the choice (dispatch.c), so every path can be tested anywhere.
#ifndef SEISMIC_KERNELS_H
#define SEISMIC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Instruction-set levels of the kernels, lowest first.
enum { SK_ISA_BASELINE = 0, SK_ISA_AVX2 = 1, SK_ISA_AVX512 = 2 };
/// The level the kernels run at in this process (chosen once at load; see dispatch.c).
int sk_isa(void);
/// Whether this CPU (and build) can run the kernels of `level`.
int sk_isa_supported(int level);
/// "avx512", "avx2" or "baseline".
const char *sk_isa_name(int level);

/// erf(x) as a rational minimax approximation on [-4, 4] (±1 outside); absolute error < 5e-7.
static inline float sk_erf(float v) {
    float x = v < -4.0f ? -4.0f : (v > 4.0f ? 4.0f : v);
    float x2 = x * x;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    p = p * x;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return p / q;
}

/// e^x by range reduction and a degree-6 polynomial; relative error < 3e-7 on [-87, 88].
static inline float sk_exp(float v) {
    float x = v < -87.3f ? -87.3f : (v > 88.7f ? 88.7f : v);
    float n = __builtin_rintf(x * 1.44269504088896341f);
    float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723212e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    union { uint32_t u; float f; } s = { (uint32_t)((int32_t)n + 127) << 23 };
    return p * s.f;
}

/// GELU(x) = x Φ(x) = ½ x (1 + erf(x/√2)) and its derivative Φ(x) + x φ(x). The `_from_erf` forms
/// take e = sk_erf(x/√2) already computed (the fused block keeps its pooling winner's), with the
/// same bits as the plain forms.
static inline float sk_gelu_erf_argument(float x) { return x * 0.70710678118654752f; }
static inline float sk_gelu_from_erf(float x, float e) { return 0.5f * x * (1.0f + e); }
static inline float sk_gelu_derivative_from_erf(float x, float e) {
    const float cdf = 0.5f * (1.0f + e);
    return cdf + x * sk_exp(-0.5f * x * x) * 0.39894228040143268f;
}
static inline float sk_gelu(float x) { return sk_gelu_from_erf(x, sk_erf(sk_gelu_erf_argument(x))); }
static inline float sk_gelu_derivative(float x) { return sk_gelu_derivative_from_erf(x, sk_erf(sk_gelu_erf_argument(x))); }

/// y[i] = GELU(x[i]) = x Φ(x) (exact-erf form).
void sk_gelu_forward(const float *x, float *y, ptrdiff_t n);
/// dx[i] = dy[i] · GELU'(x[i]).
void sk_gelu_backward(const float *x, const float *dy, float *dx, ptrdiff_t n);

/// Dropout: a value at flat index i survives when the hash of (i, key) is below
/// `threshold` (keep probability · 2³²; 0 turns dropout off) and is then multiplied by `scale`.
/// `first` is the flat NCHW index of the batch's first value and `stride` the values per sample,
/// so the fused blocks give the masks of SeismicNN's `DropoutMask` (its Swift twin, tested against it).
typedef struct {
    uint64_t key;
    uint32_t threshold;
    float scale;
    int64_t first;
    int64_t stride;
} sk_dropout_params;

/// Whether flat index i survives dropout under `key`: a counter-based hash (two rounds of a 32-bit
/// integer mixer), vectorisable and independent of the order in which values are visited.
static inline int sk_dropout_keep(uint64_t i, uint64_t key, uint32_t threshold) {
    uint32_t h = (uint32_t)i ^ (uint32_t)key;
    h ^= h >> 16; h *= 0x7feb352dU; h ^= h >> 15; h *= 0x846ca68bU; h ^= h >> 16;
    h += (uint32_t)(key >> 32) ^ (uint32_t)(i >> 32) * 0x9E3779B9U;
    h ^= h >> 16; h *= 0x7feb352dU; h ^= h >> 15; h *= 0x846ca68bU; h ^= h >> 16;
    return h < threshold;
}

#endif
