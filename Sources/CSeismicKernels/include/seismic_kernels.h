// seismic_kernels: SeismicNN's elementwise hot loops in C, compiled once per instruction set
// (AVX-512, AVX2+FMA, baseline) and picked at load time, so one binary is both portable and fast.
#ifndef SEISMIC_KERNELS_H
#define SEISMIC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

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

/// y[i] = GELU(x[i]) = x Φ(x) (exact-erf form).
void sk_gelu_forward(const float *x, float *y, ptrdiff_t n);
/// dx[i] = dy[i] · GELU'(x[i]).
void sk_gelu_backward(const float *x, const float *dy, float *dx, ptrdiff_t n);
/// y[i] = x[i] · scale + shift.
void sk_affine(const float *x, float *y, ptrdiff_t n, float scale, float shift);
/// y[i] = GELU(x[i] · scale + shift) and, when pre is not NULL, pre[i] = x[i] · scale + shift.
void sk_affine_gelu(const float *x, float *y, float *pre, ptrdiff_t n, float scale, float shift);
/// Σ x[i] and Σ (x[i] − mean)² in double precision.
double sk_sum(const float *x, ptrdiff_t n);
double sk_sum_squared_deviation(const float *x, ptrdiff_t n, double mean);

#endif

/// Max pooling of one [h, w] plane with kernel (kh, kw) = stride, floor mode. out is [h/kh, w/kw];
/// arg (may be NULL) receives each winner's index in the plane. The first maximum in row-then-
/// column order wins; a NaN always wins (PyTorch's rule).
void sk_maxpool_plane(const float *src, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kh, ptrdiff_t kw, float *out, int32_t *arg);

/// For one BatchNorm channel segment: adds Σ dy and Σ dy·x̂ (x̂ = (x − mean)·istd) to sums[0..1].
void sk_bn_backward_sums(const float *x, const float *dy, ptrdiff_t n, float mean, float istd, double *sums);
/// dx = k·(dy − a − x̂·b) with x̂ = (x − mean)·istd (training-mode BatchNorm input gradient).
void sk_bn_backward_dx(const float *x, const float *dy, float *dx, ptrdiff_t n, float mean, float istd, float k,
                       float a, float b);
