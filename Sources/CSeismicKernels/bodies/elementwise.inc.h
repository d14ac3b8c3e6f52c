// Bodies of the elementwise kernels (GELU forward and backward): compiled once per instruction set by the
// variant_*.c files, which define SK_FN (the name suffix) and the target first. See dispatch.c.


static inline float gelu(float x) { return sk_gelu(x); }
static inline float gelu_derivative(float x) { return sk_gelu_derivative(x); }

void SK_FN(sk_gelu_forward)(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = gelu(x[i]);
}

void SK_FN(sk_gelu_backward)(const float *restrict x, const float *restrict dy, float *restrict dx, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) dx[i] = dy[i] * gelu_derivative(x[i]);
}
