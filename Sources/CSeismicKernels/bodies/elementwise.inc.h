// Bodies of the elementwise kernels (GELU, affine, pooling planes, BatchNorm sums, dropout, moments): compiled once per instruction set by the
// variant_*.c files, which define SK_FN (the name suffix) and the target first. See dispatch.c.


static inline float gelu(float x) { return sk_gelu(x); }
static inline float gelu_derivative(float x) { return sk_gelu_derivative(x); }

void SK_FN(sk_gelu_forward)(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = gelu(x[i]);
}

void SK_FN(sk_gelu_backward)(const float *restrict x, const float *restrict dy, float *restrict dx, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) dx[i] = dy[i] * gelu_derivative(x[i]);
}

void SK_FN(sk_affine)(const float *restrict x, float *restrict y, ptrdiff_t n, float scale, float shift) {
    for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * scale + shift;
}

static inline __attribute__((always_inline)) double sum(const float *restrict x, ptrdiff_t n) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += (double)x[i + k];
    double s = 0;
    for (int k = 0; k < 8; k++) s += acc[k];
    for (; i < n; i++) s += (double)x[i];
    return s;
}

static inline __attribute__((always_inline)) double sum_squared_deviation(const float *restrict x, ptrdiff_t n, double mean) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) { double d = (double)x[i + k] - mean; acc[k] += d * d; }
    double s = 0;
    for (int k = 0; k < 8; k++) s += acc[k];
    for (; i < n; i++) { double d = (double)x[i] - mean; s += d * d; }
    return s;
}

void SK_FN(sk_maxpool_plane)(const float *restrict src, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kh, ptrdiff_t kw,
                                float *restrict out, int32_t *restrict arg) {
    ptrdiff_t ho = h / kh, wo = w / kw;
    if (kw == 1 && kh == 3) {
        // The EarthquakeCNN case, unrolled: three candidates per output, two selects.
        for (ptrdiff_t i = 0; i < ho; i++) {
            for (ptrdiff_t j = 0; j < w; j++) {
                ptrdiff_t i0 = i * 3 * w + j, i1 = i0 + w, i2 = i1 + w;
                float b = src[i0], v1 = src[i1], v2 = src[i2];
                int32_t at = (int32_t)i0;
                int t1 = (v1 > b) | (v1 != v1);
                b = t1 ? v1 : b; at = t1 ? (int32_t)i1 : at;
                int t2 = (v2 > b) | (v2 != v2);
                b = t2 ? v2 : b; at = t2 ? (int32_t)i2 : at;
                out[i * w + j] = b;
                if (arg) arg[i * w + j] = at;
            }
        }
        return;
    }
    for (ptrdiff_t i = 0; i < ho; i++) {
        for (ptrdiff_t j = 0; j < wo; j++) {
            ptrdiff_t first = i * kh * w + j * kw;
            float best = src[first];
            int32_t at = (int32_t)first;
            for (ptrdiff_t p = 0; p < kh; p++) {
                for (ptrdiff_t q = 0; q < kw; q++) {
                    ptrdiff_t idx = first + p * w + q;
                    float v = src[idx];
                    int take = (v > best) | (v != v);
                    best = take ? v : best;
                    at = take ? (int32_t)idx : at;
                }
            }
            out[i * wo + j] = best;
            if (arg) arg[i * wo + j] = at;
        }
    }
}

void SK_FN(sk_bn_backward_sums)(const float *restrict x, const float *restrict dy, ptrdiff_t n, float mean, float istd,
                                   double *sums) {
    // 16 float lanes (vectorised without reassociating), flushed into double every 512 values.
    double a = 0, b = 0;
    float s0[16] = {0}, s1[16] = {0};
    ptrdiff_t i = 0, sinceFlush = 0;
    for (; i + 16 <= n; i += 16) {
        for (int k = 0; k < 16; k++) {
            float d = dy[i + k];
            s0[k] += d;
            s1[k] += d * ((x[i + k] - mean) * istd);
        }
        if ((sinceFlush += 16) == 512) {
            for (int k = 0; k < 16; k++) { a += (double)s0[k]; b += (double)s1[k]; s0[k] = 0; s1[k] = 0; }
            sinceFlush = 0;
        }
    }
    for (int k = 0; k < 16; k++) { a += (double)s0[k]; b += (double)s1[k]; }
    for (; i < n; i++) { float d = dy[i]; a += (double)d; b += (double)(d * ((x[i] - mean) * istd)); }
    sums[0] += a;
    sums[1] += b;
}

void SK_FN(sk_bn_backward_dx)(const float *restrict x, const float *restrict dy, float *restrict dx, ptrdiff_t n,
                                 float mean, float istd, float k, float a, float b) {
    for (ptrdiff_t i = 0; i < n; i++) dx[i] = k * (dy[i] - a - (x[i] - mean) * istd * b);
}


// ---------------------------------------------------------------------------------------------
// Convolution block tail: BatchNorm (as v = z·scale + shift) → GELU → max pool → dropout, fused.

void SK_FN(sk_dropout_mask)(float *restrict mask, ptrdiff_t n, int64_t first, uint64_t key, uint32_t threshold,
                               float scale) {
    for (ptrdiff_t i = 0; i < n; i++) mask[i] = sk_dropout_keep((uint64_t)(first + i), key, threshold) ? scale : 0.0f;
}

void SK_FN(sk_channel_moments)(const float *restrict x, ptrdiff_t n, ptrdiff_t stride, ptrdiff_t len, double *mean,
                                  double *sumSquaredDeviation) {
    double s = 0;
    for (ptrdiff_t i = 0; i < n; i++) s += sum(x + i * stride, len);
    double mu = (n * len) > 0 ? s / (double)(n * len) : 0;
    double ss = 0;
    for (ptrdiff_t i = 0; i < n; i++) ss += sum_squared_deviation(x + i * stride, len, mu);
    *mean = mu;
    *sumSquaredDeviation = ss;
}
