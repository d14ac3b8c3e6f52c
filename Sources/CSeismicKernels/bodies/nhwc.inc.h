// Bodies of the channels-last convolution-block kernels: compiled once per instruction set by the
// variant_*.c files, which define SK_FN (the name suffix) and the target first. See dispatch.c.


#ifndef SK_GEMM_TILE_ROWS
#error "variant_*.c sets SK_GEMM_TILE_ROWS (the product's tile rows for its instruction set) before including this body"
#endif

// Channel loops are short (16–512 values): one vector per iteration, no interleaving, so that 16
// channels still run in the vector body. Inputs and outputs never overlap (callers' contract).
#if defined(__clang__)
#define SK_CHANNELS _Pragma("clang loop vectorize(assume_safety) interleave_count(1)")
#else
#define SK_CHANNELS
#endif


void SK_FN(sk_nhwc_im2col)(const float *restrict x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh,
                              ptrdiff_t kw, float *restrict cols) {
    const ptrdiff_t ho = h - kh + 1, wo = w - kw + 1, k = kh * kw * c;
    for (ptrdiff_t s = 0; s < n; s++)
        for (ptrdiff_t i = 0; i < ho; i++)
            for (ptrdiff_t j = 0; j < wo; j++) {
                float *row = cols + ((s * ho + i) * wo + j) * k;
                for (ptrdiff_t p = 0; p < kh; p++) {
                    // kw consecutive pixels of one input row are kw·c contiguous values.
                    const float *src = x + ((s * h + i + p) * w + j) * c;
                    float *dst = row + p * kw * c;
                    SK_CHANNELS
                    for (ptrdiff_t t = 0; t < kw * c; t++) dst[t] = src[t];
                }
            }
}

void SK_FN(sk_nhwc_col2im)(const float *restrict dcols, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                              ptrdiff_t kh, ptrdiff_t kw, float *restrict dx) {
    const ptrdiff_t ho = h - kh + 1, wo = w - kw + 1, k = kh * kw * c;
    memset(dx, 0, sizeof(float) * (size_t)(n * h * w * c));
    for (ptrdiff_t s = 0; s < n; s++)
        for (ptrdiff_t i = 0; i < ho; i++)
            for (ptrdiff_t j = 0; j < wo; j++) {
                const float *row = dcols + ((s * ho + i) * wo + j) * k;
                for (ptrdiff_t p = 0; p < kh; p++) {
                    float *dst = dx + ((s * h + i + p) * w + j) * c;
                    const float *src = row + p * kw * c;
                    SK_CHANNELS
                    for (ptrdiff_t t = 0; t < kw * c; t++) dst[t] += src[t];
                }
            }
}

// Column reductions: float partial sums over blocks of rows, flushed into double, channel-wise.
enum { SK_FLUSH_ROWS = 64, SK_MAX_LANES = 1024 };

// Σ_r f(x[r, ch]) per channel with f(v) = v, or (v − mean)² when `squared`: inlined with a constant
// `squared` so each use is one straight vector loop.
static inline __attribute__((always_inline)) void column_reduce(const float *restrict x, ptrdiff_t rows, ptrdiff_t c,
                                                                int squared, const double *restrict mean,
                                                                double *restrict out) {
    for (ptrdiff_t c0 = 0; c0 < c; c0 += SK_MAX_LANES) {
        const ptrdiff_t cc = c - c0 < SK_MAX_LANES ? c - c0 : SK_MAX_LANES;
        float part[SK_MAX_LANES], mu[SK_MAX_LANES];
        SK_CHANNELS
        for (ptrdiff_t t = 0; t < cc; t++) mu[t] = squared ? (float)mean[c0 + t] : 0.0f;
        for (ptrdiff_t r0 = 0; r0 < rows; r0 += SK_FLUSH_ROWS) {
            const ptrdiff_t r1 = rows - r0 < SK_FLUSH_ROWS ? rows : r0 + SK_FLUSH_ROWS;
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < cc; t++) part[t] = 0;
            for (ptrdiff_t r = r0; r < r1; r++)
                SK_CHANNELS
                for (ptrdiff_t t = 0; t < cc; t++) {
                    float d = x[r * c + c0 + t] - mu[t];
                    part[t] += squared ? d * d : d;
                }
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < cc; t++) out[c0 + t] += (double)part[t];
        }
        if (squared) {
            // Deviations were taken from the float mean μf: Σ(x − μ)² = Σ(x − μf)² − n(μ − μf)² over
            // all rows (the cross terms of the parts sum to zero), so each part subtracts its share.
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < cc; t++) {
                double e = mean[c0 + t] - (double)mu[t];
                out[c0 + t] -= (double)rows * e * e;
            }
        }
    }
}

void SK_FN(sk_column_sums)(const float *restrict x, ptrdiff_t rows, ptrdiff_t c, double *restrict sum) {
    column_reduce(x, rows, c, 0, NULL, sum);
}

void SK_FN(sk_column_squared_deviations)(const float *restrict x, ptrdiff_t rows, ptrdiff_t c,
                                            const double *restrict mean, double *restrict m2) {
    column_reduce(x, rows, c, 1, mean, m2);
}

void SK_FN(sk_column_sums_float)(const float *restrict x, ptrdiff_t rows, ptrdiff_t c, float *restrict sum) {
    for (ptrdiff_t r = 0; r < rows; r++)
        SK_CHANNELS
        for (ptrdiff_t t = 0; t < c; t++) sum[t] += x[r * c + t];
}

// GELU falls on (−∞, m] and rises on [m, ∞), m = −0.7517915… (GELU(m) = −0.16997…; scipy's root of
// GELU'). So the largest GELU over a pooling window is that of its largest input hi or of its
// smallest lo — two GELUs per pooled value, as the AVX-512 variant takes them (SK_POOLED_GELU_TWICE).
// More exactly, it is GELU(hi) when lo ≥ m or hi ≥ 0 (GELU(hi) ≥ 0 ≥ GELU(lo)), GELU(lo) when
// hi ≤ m, and the larger of the two only when lo < m < hi < 0: 5–10 % of EarthquakeCNN's pooled
// values (trained and fresh weights, random windows). The narrower variants take one GELU per value
// and set those few aside (their lo and their index) for a second, batched pass, with any lo = −∞
// (GELU(−∞) is NaN, as PyTorch's, and a NaN wins the window as in training). Measured on Zen 5
// (C harness over this kernel on the models' layer shapes, one core, alternating runs), one GELU
// against two in the same kernel: AVX2 5–10 % faster (EarthquakeCNN's layers; SpectrogramCNN's 3–8 %),
// the baseline 0–13 %, AVX-512 6–45 % slower (its second GELU costs less than the set-aside and the
// extra pass over the values). Where AVX2's tail goes (EarthquakeCNN's layer 1, Zen 5, same harness):
// about 35 % in the GELUs, bound by the multiply pipes (15 multiplies or multiply-adds per 8 values),
// the rest in the pooling and the set-aside. Tried there and not taken, each within the runs' 2–5 %
// spread: a bitmap of the set-aside lanes scanned afterwards instead of the permutation below, and
// the pooling's NaN test moved from every candidate to one scaled sum per window.
#define SK_GELU_ARGMIN (-0.75179154f)
// The set-aside list: the values waiting for their GELU are taken (and the list emptied) once they
// pass SK_LOWER_CAPACITY − 16, so the list, at most one entry per value, never holds more than
// SK_LOWER_CAPACITY; 16 more slots take one vector's whole store past the count.
enum { SK_LOWER_CAPACITY = 1024 };
typedef struct {
    float lo[SK_LOWER_CAPACITY + 16];
    int32_t at[SK_LOWER_CAPACITY + 16];
} sk_lower_list;

#if defined(SK_LOWER_LANES_AVX2)
// Lane order of an 8-bit mask's set bits, one byte each, low lane first (entry m packs, at byte
// popcount(m & (2^u − 1)), lane u for every set bit u of m), and their count: the AVX2 form of a
// compress, by permutation.
#define SK_LANE_AT(m, u) ((((m) >> (u)) & 1) ? ((uint64_t)(u) << (8 * __builtin_popcount((m) & ((1u << (u)) - 1)))) : 0)
#define SK_LANES(m)                                                                                                 \
    (SK_LANE_AT(m, 0) | SK_LANE_AT(m, 1) | SK_LANE_AT(m, 2) | SK_LANE_AT(m, 3) | SK_LANE_AT(m, 4) |               \
     SK_LANE_AT(m, 5) | SK_LANE_AT(m, 6) | SK_LANE_AT(m, 7))
#define SK_LANES4(m) SK_LANES(m), SK_LANES((m) + 1), SK_LANES((m) + 2), SK_LANES((m) + 3)
#define SK_LANES16(m) SK_LANES4(m), SK_LANES4((m) + 4), SK_LANES4((m) + 8), SK_LANES4((m) + 12)
#define SK_LANES64(m) SK_LANES16(m), SK_LANES16((m) + 16), SK_LANES16((m) + 32), SK_LANES16((m) + 48)
static const uint64_t sk_lane_order[256] = {SK_LANES64(0u), SK_LANES64(64u), SK_LANES64(128u), SK_LANES64(192u)};
#define SK_COUNT4(m) __builtin_popcount(m), __builtin_popcount((m) + 1), __builtin_popcount((m) + 2), __builtin_popcount((m) + 3)
#define SK_COUNT16(m) SK_COUNT4(m), SK_COUNT4((m) + 4), SK_COUNT4((m) + 8), SK_COUNT4((m) + 12)
#define SK_COUNT64(m) SK_COUNT16(m), SK_COUNT16((m) + 16), SK_COUNT16((m) + 32), SK_COUNT16((m) + 48)
static const uint8_t sk_lane_count[256] = {SK_COUNT64(0u), SK_COUNT64(64u), SK_COUNT64(128u), SK_COUNT64(192u)};
#endif

// Appends to `list` from position k the lanes u < count with lo[u] < m < hi[u] and hi[u] < 0 or
// lo[u] = −∞: lo[u] and at + u.
// Returns the new count. Branch-free: AVX2 moves a vector's lanes into place by the permutation
// sk_lane_order gives and stores it whole (slots past the count are scratch).
static inline __attribute__((always_inline)) ptrdiff_t set_aside_lower(const float *restrict hi,
                                                                       const float *restrict lo, ptrdiff_t count,
                                                                       int32_t at, sk_lower_list *restrict list,
                                                                       ptrdiff_t k) {
#if defined(SK_LOWER_LANES_AVX2)
    if (count == 16) {
        const __m256 m = _mm256_set1_ps(SK_GELU_ARGMIN), zero = _mm256_setzero_ps(), minusInf = _mm256_set1_ps(-__builtin_inff());
        for (int half = 0; half < 2; half++) {
            const __m256 l = _mm256_loadu_ps(lo + 8 * half), g = _mm256_loadu_ps(hi + 8 * half);
            const __m256 negative = _mm256_or_ps(_mm256_cmp_ps(g, zero, _CMP_LT_OQ), _mm256_cmp_ps(l, minusInf, _CMP_EQ_OQ));
            const __m256 both = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(l, m, _CMP_LT_OQ), _mm256_cmp_ps(g, m, _CMP_GT_OQ)), negative);
            const int bits = _mm256_movemask_ps(both);
            const __m256i order = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)&sk_lane_order[bits]));
            _mm256_storeu_ps(list->lo + k, _mm256_permutevar8x32_ps(l, order));
            _mm256_storeu_si256((__m256i *)(list->at + k), _mm256_add_epi32(order, _mm256_set1_epi32(at + 8 * half)));
            k += sk_lane_count[bits];
        }
        return k;
    }
#endif
    for (ptrdiff_t u = 0; u < count; u++) {
        list->lo[k] = lo[u];
        list->at[k] = at + (int32_t)u;
        k += (lo[u] < SK_GELU_ARGMIN) & (hi[u] > SK_GELU_ARGMIN) & ((hi[u] < 0.0f) | (lo[u] == -__builtin_inff()));
    }
    return k;
}

// Whether the variant sets values aside (one GELU per pooled value) or takes two GELUs per window.
#if defined(SK_POOLED_GELU_TWICE)
enum { SK_SETS_ASIDE = 0 };
#else
enum { SK_SETS_ASIDE = 1 };
#endif

// When setting aside: GELU of out[0, count), in place, then the set-aside values (k of them):
// out[at] = the larger of it and GELU(lo), NaN winning (GELU(−∞) is NaN, as PyTorch's). One long
// loop of independent GELUs, not one per window: a GELU is a chain of ~20 dependent operations, and
// a window's 16 channels alone leave the machine waiting on it.
static void pooled_gelu(float *restrict out, ptrdiff_t count, sk_lower_list *restrict list, ptrdiff_t k) {
#if defined(SK_POOLED_GELU_TWICE)
    (void)out, (void)count, (void)list, (void)k;  // window_argument wrote the pooled values
#else
    for (ptrdiff_t u = 0; u < count; u++) out[u] = sk_gelu(out[u]);
    for (ptrdiff_t u = 0; u < k; u++) list->lo[u] = sk_gelu(list->lo[u]);
    for (ptrdiff_t u = 0; u < k; u++) {
        const float g = list->lo[u], o = out[list->at[u]];
        out[list->at[u]] = ((g > o) | (g != g)) ? g : o;
    }
#endif
}

// One window's channels [t0, t1): with SK_POOLED_GELU_TWICE their pooled GELU, max(GELU(hi),
// GELU(lo)); otherwise the GELU argument, hi or lo when hi ≤ m, with the lanes needing both set aside
// in `list` (at = the value's index from the pending stretch of out). A NaN input makes hi NaN, hence
// the result. Returns the list's new count.
static inline __attribute__((always_inline)) ptrdiff_t window_argument(const float *restrict first, ptrdiff_t rowStep,
                                                                       ptrdiff_t colStep, ptrdiff_t ph, ptrdiff_t pw,
                                                                       ptrdiff_t t0, ptrdiff_t t1,
                                                                       const float *restrict scale,
                                                                       const float *restrict shift, float *restrict out,
                                                                       int32_t at, sk_lower_list *restrict list,
                                                                       ptrdiff_t k) {
    float hi[16], lo[16];
    SK_CHANNELS
    for (ptrdiff_t u = 0; u < t1 - t0; u++) {
        const ptrdiff_t t = t0 + u;
        hi[u] = lo[u] = first[t] * scale[t] + shift[t];
    }
    for (ptrdiff_t p = 0; p < ph; p++)
        for (ptrdiff_t q = 0; q < pw; q++) {
            if (p == 0 && q == 0) continue;
            const float *cand = first + p * rowStep + q * colStep;
            SK_CHANNELS
            for (ptrdiff_t u = 0; u < t1 - t0; u++) {
                const ptrdiff_t t = t0 + u;
                float v = cand[t] * scale[t] + shift[t];
                hi[u] = ((v > hi[u]) | (v != v)) ? v : hi[u];
                lo[u] = v < lo[u] ? v : lo[u];
            }
        }
#if defined(SK_POOLED_GELU_TWICE)
    (void)at;
    (void)list;
    SK_CHANNELS
    for (ptrdiff_t u = 0; u < t1 - t0; u++) {
        const float gh = sk_gelu(hi[u]), gl = sk_gelu(lo[u]);
        out[t0 + u] = ((gl > gh) | (gl != gl)) ? gl : gh;
    }
    return k;
#else
    SK_CHANNELS
    for (ptrdiff_t u = 0; u < t1 - t0; u++) out[t0 + u] = hi[u] <= SK_GELU_ARGMIN ? lo[u] : hi[u];
    return set_aside_lower(hi, lo, t1 - t0, at + (int32_t)t0, list, k);
#endif
}

// The evaluation's pooled GELU (no winners kept), per sample: each pooled value's GELU argument,
// then their GELUs in stretches of at most SK_LOWER_CAPACITY values (so the set-aside list, which
// holds at most one entry per value of the stretch, cannot overflow).
static inline __attribute__((always_inline)) void evaluation_body(const float *restrict z, ptrdiff_t n, ptrdiff_t h,
                                                                   ptrdiff_t w, ptrdiff_t c, ptrdiff_t ph, ptrdiff_t pw,
                                                                   const float *restrict scale,
                                                                   const float *restrict shift, float *restrict y) {
    const ptrdiff_t ho = h / ph, wo = w / pw, pooled = ho * wo;
    const ptrdiff_t c16 = c - c % 16, rowStep = w * c;
    sk_lower_list list;
    for (ptrdiff_t s = 0; s < n; s++) {
        float *ys = y + s * pooled * c;
        ptrdiff_t k = 0, pending = 0;  // the stretch ys[pending, ·) awaits its GELUs
        for (ptrdiff_t i = 0; i < ho; i++)
            for (ptrdiff_t j = 0; j < wo; j++) {
                const float *first = z + ((s * h + i * ph) * w + j * pw) * c;
                const ptrdiff_t o = (i * wo + j) * c;
                for (ptrdiff_t t0 = 0; t0 < c; t0 += t0 < c16 ? 16 : 1) {
                    const ptrdiff_t t1 = t0 < c16 ? t0 + 16 : t0 + 1;
                    const int32_t at = (int32_t)(o - pending);
                    k = t0 < c16 ? window_argument(first, rowStep, c, ph, pw, t0, t0 + 16, scale, shift, ys + o, at, &list, k)
                                 : window_argument(first, rowStep, c, ph, pw, t0, t0 + 1, scale, shift, ys + o, at, &list, k);
                    if (SK_SETS_ASIDE && o + t1 - pending > SK_LOWER_CAPACITY - 16) {
                        pooled_gelu(ys + pending, o + t1 - pending, &list, k);
                        k = 0;
                        pending = o + t1;
                    }
                }
            }
        pooled_gelu(ys + pending, pooled * c - pending, &list, k);
    }
}

// A one-column window's rows of w·c values: scale and shift repeated w times, up to SK_ROW_LIMIT.
enum { SK_ROW_LIMIT = 512 };
static inline int pools_rows(ptrdiff_t w, ptrdiff_t c, ptrdiff_t pw) { return pw == 1 && w > 1 && w * c <= SK_ROW_LIMIT; }
static void repeat_per_column(const float *restrict scale, const float *restrict shift, ptrdiff_t w, ptrdiff_t c,
                              float *restrict scaleRow, float *restrict shiftRow) {
    for (ptrdiff_t j = 0; j < w; j++)
        for (ptrdiff_t t = 0; t < c; t++) {
            scaleRow[j * c + t] = scale[t];
            shiftRow[j * c + t] = shift[t];
        }
}

// The evaluation's forward. The models' pooling windows, (3, 1) and (2, 2), as constants: their
// candidate loops unroll and a window's largest and smallest stay in registers. A window of one
// column (pw = 1) pools the rows of [h, w·c] as it pools those of [h, w, c], with scale and shift
// repeated w times: EarthquakeCNN's rows of 3 × 16–64 values become one window each, not three.
static void block_forward_evaluation(const float *restrict z, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                                     ptrdiff_t ph, ptrdiff_t pw, const float *restrict scale,
                                     const float *restrict shift, float *restrict y, const sk_dropout_params *drop) {
    if (pools_rows(w, c, pw)) {
        float scaleRow[SK_ROW_LIMIT], shiftRow[SK_ROW_LIMIT];
        repeat_per_column(scale, shift, w, c, scaleRow, shiftRow);
        if (ph == 3) evaluation_body(z, n, h, 1, w * c, 3, 1, scaleRow, shiftRow, y);
        else evaluation_body(z, n, h, 1, w * c, ph, 1, scaleRow, shiftRow, y);
    } else if (ph == 2 && pw == 2) {
        evaluation_body(z, n, h, w, c, 2, 2, scale, shift, y);
    } else {
        evaluation_body(z, n, h, w, c, ph, pw, scale, shift, y);
    }
    if (drop == NULL || drop->threshold == 0) return;
    const ptrdiff_t pooled = (h / ph) * (w / pw);
    const uint64_t key = drop->key;
    const uint32_t threshold = drop->threshold;
    const float keepScale = drop->scale;
    for (ptrdiff_t s = 0; s < n; s++) {
        const int64_t base = drop->first + (int64_t)s * drop->stride;
        for (ptrdiff_t at = 0; at < pooled; at++) {
            float *out = y + (s * pooled + at) * c;
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < c; t++)
                out[t] *= sk_dropout_keep((uint64_t)(base + at + (int64_t)t * pooled), key, threshold) ? keepScale : 0.0f;
        }
    }
}

// Training's windows of sample s: the winner of GELU(z·scale + shift) over each window (first
// maximum; a NaN wins), its z and its offset p·pw + q, every candidate evaluated. The winner's erf
// is kept in gain (the caller turns it into the backward factor). Inlined with constant windows
// (see block_forward_evaluation; a one-column window pools rows of w·c values the same way, with the
// same offsets p).
static inline __attribute__((always_inline)) void training_windows(const float *restrict z, ptrdiff_t s, ptrdiff_t h,
                                                                    ptrdiff_t w, ptrdiff_t c, ptrdiff_t ph,
                                                                    ptrdiff_t pw, const float *restrict scale,
                                                                    const float *restrict shift, float *restrict y,
                                                                    int32_t *restrict arg, float *restrict gain,
                                                                    float *restrict zwin) {
    const ptrdiff_t ho = h / ph, wo = w / pw, rowStep = w * c;
    for (ptrdiff_t i = 0; i < ho; i++)
        for (ptrdiff_t j = 0; j < wo; j++) {
            const ptrdiff_t at = ((s * ho + i) * wo + j) * c;
            const float *first = z + ((s * h + i * ph) * w + j * pw) * c;
            float *restrict out = y + at, *restrict zo = zwin + at, *restrict go = gain + at;
            int32_t *restrict ao = arg + at;
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < c; t++) {
                const float v = first[t] * scale[t] + shift[t], e = sk_erf(sk_gelu_erf_argument(v));
                out[t] = sk_gelu_from_erf(v, e);
                go[t] = e;
                zo[t] = first[t];
                ao[t] = 0;
            }
            for (ptrdiff_t p = 0; p < ph; p++)
                for (ptrdiff_t q = 0; q < pw; q++) {
                    if (p == 0 && q == 0) continue;
                    const float *cand = first + p * rowStep + q * c;
                    const int32_t offset = (int32_t)(p * pw + q);
                    SK_CHANNELS
                    for (ptrdiff_t t = 0; t < c; t++) {
                        // Values loaded first: selecting between two addresses makes a gather.
                        const float z1 = cand[t], best = out[t], bz = zo[t], be = go[t];
                        const int32_t ba = ao[t];
                        const float v = z1 * scale[t] + shift[t], e = sk_erf(sk_gelu_erf_argument(v));
                        float g = sk_gelu_from_erf(v, e);
                        int take = (g > best) | (g != g);
                        out[t] = take ? g : best;
                        go[t] = take ? e : be;
                        zo[t] = take ? z1 : bz;
                        ao[t] = take ? offset : ba;
                    }
                }
        }
}

void SK_FN(sk_nhwc_block_forward)(const float *restrict z, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                                     ptrdiff_t ph, ptrdiff_t pw, const float *restrict scale,
                                     const float *restrict shift, float *restrict y, int32_t *restrict arg,
                                     float *restrict gain, float *restrict zwin, const sk_dropout_params *drop) {
    if (!arg) {
        block_forward_evaluation(z, n, h, w, c, ph, pw, scale, shift, y, drop);
        return;
    }
    const ptrdiff_t pooled = (h / ph) * (w / pw);
    const int dropping = drop != NULL && drop->threshold != 0;
    // Dropout parameters as locals: a select between a loaded field and a constant becomes a gather.
    const uint64_t key = dropping ? drop->key : 0;
    const uint32_t threshold = dropping ? drop->threshold : 0;
    const float keepScale = dropping ? drop->scale : 1.0f;
    const int64_t maskFirst = dropping ? drop->first : 0, maskStride = dropping ? drop->stride : 0;
    const int rows = pools_rows(w, c, pw);
    float scaleRow[SK_ROW_LIMIT], shiftRow[SK_ROW_LIMIT];
    if (rows) repeat_per_column(scale, shift, w, c, scaleRow, shiftRow);
    for (ptrdiff_t s = 0; s < n; s++) {
        if (rows && ph == 3) training_windows(z, s, h, 1, w * c, 3, 1, scaleRow, shiftRow, y, arg, gain, zwin);
        else if (rows) training_windows(z, s, h, 1, w * c, ph, 1, scaleRow, shiftRow, y, arg, gain, zwin);
        else if (ph == 2 && pw == 2) training_windows(z, s, h, w, c, 2, 2, scale, shift, y, arg, gain, zwin);
        else training_windows(z, s, h, w, c, ph, pw, scale, shift, y, arg, gain, zwin);
        // The backward factor at each winner: dropout factor · GELU'(pre-activation).
        for (ptrdiff_t at = 0; at < pooled; at++) {
            float *restrict out = y + (s * pooled + at) * c, *restrict go = gain + (s * pooled + at) * c;
            const float *restrict zo = zwin + (s * pooled + at) * c;
            if (dropping) {
                const int64_t base = maskFirst + (int64_t)s * maskStride + (int64_t)at;
                SK_CHANNELS
                for (ptrdiff_t t = 0; t < c; t++) {
                    float m = sk_dropout_keep((uint64_t)(base + (int64_t)t * pooled), key, threshold) ? keepScale : 0.0f;
                    out[t] *= m;
                    go[t] = sk_gelu_derivative_from_erf(zo[t] * scale[t] + shift[t], go[t]) * m;
                }
            } else {
                SK_CHANNELS
                for (ptrdiff_t t = 0; t < c; t++) go[t] = sk_gelu_derivative_from_erf(zo[t] * scale[t] + shift[t], go[t]);
            }
        }
    }
}

void SK_FN(sk_nhwc_block_backward_sums)(const float *restrict dy, const float *restrict gain,
                                           const float *restrict zwin, ptrdiff_t rows, ptrdiff_t c,
                                           const float *restrict mean, const float *restrict istd, float *restrict dv,
                                           double *restrict sumDy, double *restrict sumDyXhat) {
    for (ptrdiff_t c0 = 0; c0 < c; c0 += SK_MAX_LANES) {
        const ptrdiff_t cc = c - c0 < SK_MAX_LANES ? c - c0 : SK_MAX_LANES;
        float s0[SK_MAX_LANES], s1[SK_MAX_LANES];
        for (ptrdiff_t r0 = 0; r0 < rows; r0 += SK_FLUSH_ROWS) {
            const ptrdiff_t r1 = rows - r0 < SK_FLUSH_ROWS ? rows : r0 + SK_FLUSH_ROWS;
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < cc; t++) { s0[t] = 0; s1[t] = 0; }
            for (ptrdiff_t r = r0; r < r1; r++) {
                const ptrdiff_t o = r * c + c0;
                SK_CHANNELS
                for (ptrdiff_t t = 0; t < cc; t++) {
                    float d = dy[o + t] * gain[o + t];
                    dv[o + t] = d;
                    s0[t] += d;
                    s1[t] += d * ((zwin[o + t] - mean[c0 + t]) * istd[c0 + t]);
                }
            }
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < cc; t++) { sumDy[c0 + t] += (double)s0[t]; sumDyXhat[c0 + t] += (double)s1[t]; }
        }
    }
}

void SK_FN(sk_nhwc_block_backward_dx)(const float *restrict z, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                                         ptrdiff_t ph, ptrdiff_t pw, const float *restrict dv,
                                         const int32_t *restrict arg, const float *restrict mean,
                                         const float *restrict istd, const float *restrict k,
                                         const float *restrict a, const float *restrict b, float *restrict dz,
                                         float *restrict dbias) {
    const ptrdiff_t ho = h / ph, wo = w / pw;
    for (ptrdiff_t s = 0; s < n; s++)
        for (ptrdiff_t yy = 0; yy < h; yy++)
            for (ptrdiff_t xx = 0; xx < w; xx++) {
                const ptrdiff_t o = ((s * h + yy) * w + xx) * c;
                // Positions past the last whole pooling window had no winner: their d is 0.
                const int pooledHere = yy < ho * ph && xx < wo * pw;
                const ptrdiff_t at = pooledHere ? ((s * ho + yy / ph) * wo + xx / pw) * c : 0;
                const int32_t offset = pooledHere ? (int32_t)((yy % ph) * pw + xx % pw) : -1;
                SK_CHANNELS
                for (ptrdiff_t t = 0; t < c; t++) {
                    float d = pooledHere && arg[at + t] == offset ? dv[at + t] : 0.0f;
                    float g = k[t] * (d - a[t] - (z[o + t] - mean[t]) * istd[t] * b[t]);
                    dz[o + t] = g;
                    if (dbias) dbias[t] += g;
                }
            }
}

void SK_FN(sk_channels_first)(const float *restrict x, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t c,
                                 float *restrict y) {
    for (ptrdiff_t s = 0; s < n; s++)
        for (ptrdiff_t t = 0; t < positions; t++)
            for (ptrdiff_t ch = 0; ch < c; ch++) y[(s * c + ch) * positions + t] = x[(s * positions + t) * c + ch];
}

void SK_FN(sk_channels_last)(const float *restrict x, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t c,
                                float *restrict y) {
    for (ptrdiff_t s = 0; s < n; s++)
        for (ptrdiff_t t = 0; t < positions; t++)
            for (ptrdiff_t ch = 0; ch < c; ch++) y[(s * positions + t) * c + ch] = x[(s * c + ch) * positions + t];
}

void SK_FN(sk_conv_weight_matrix)(const float *restrict w, ptrdiff_t o, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,
                                     float *restrict m) {
    for (ptrdiff_t oc = 0; oc < o; oc++)
        for (ptrdiff_t ic = 0; ic < c; ic++)
            for (ptrdiff_t p = 0; p < kh; p++)
                for (ptrdiff_t q = 0; q < kw; q++) m[((p * kw + q) * c + ic) * o + oc] = w[((oc * c + ic) * kh + p) * kw + q];
}

void SK_FN(sk_conv_weight_gradient_add)(const float *restrict dm, ptrdiff_t o, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,
                                           float *restrict dw) {
    for (ptrdiff_t oc = 0; oc < o; oc++)
        for (ptrdiff_t ic = 0; ic < c; ic++)
            for (ptrdiff_t p = 0; p < kh; p++)
                for (ptrdiff_t q = 0; q < kw; q++) dw[((oc * c + ic) * kh + p) * kw + q] += dm[((p * kw + q) * c + ic) * o + oc];
}

#ifndef SK_GEMM_BLOCKS
#define SK_GEMM_BLOCKS 1
#endif

// Rows [0, tile) × channels [t0, t0 + blocks·16) of the product, accumulators in registers (`tile` and `blocks`
// compile-time constants after inlining). Block g reads b's columns t0 + 16g … in place, or its packed panel.
static inline __attribute__((always_inline)) void gemm_blocks(const float *restrict a, ptrdiff_t rowStride,
                                                              const ptrdiff_t *restrict offsets, ptrdiff_t taps,
                                                              ptrdiff_t width, const float *restrict b, ptrdiff_t o,
                                                              const float *restrict packed, const float *restrict bias,
                                                              float *restrict out, const int tile, ptrdiff_t t0,
                                                              const int blocks) {
    enum { L = 16 };
    const ptrdiff_t bs = packed ? L : o, kTotal = taps * width;
    float acc[SK_GEMM_TILE_ROWS][SK_GEMM_BLOCKS * L];
    for (int rr = 0; rr < tile; rr++)
        for (int t = 0; t < blocks * L; t++) acc[rr][t] = bias[t0 + t];
    for (ptrdiff_t tap = 0; tap < taps; tap++) {
        const float *at = a + offsets[tap];
        for (ptrdiff_t q = 0; q < width; q++) {
            const ptrdiff_t row = (tap * width + q) * bs;
            for (int rr = 0; rr < tile; rr++) {
                const float av = at[rr * rowStride + q];
                for (int g = 0; g < blocks; g++) {
                    const float *bq = (packed ? packed + (t0 + g * L) * kTotal : b + t0 + g * L) + row;
                    for (int t = 0; t < L; t++) acc[rr][g * L + t] += av * bq[t];
                }
            }
        }
    }
    for (int rr = 0; rr < tile; rr++)
        for (int t = 0; t < blocks * L; t++) out[rr * o + t0 + t] = acc[rr][t];
}

// One tile of `tile` ≤ SK_GEMM_TILE_ROWS rows (a compile-time constant after inlining) × all output channels, 16 at a
// time (64 for a lone row), accumulators in registers. Channel block t0 reads b[(tap·width + q)·o + t0 …], or, when `packed` is given
// (pack_panels), the same 16 values at packed[t0·K + (tap·width + q)·16 …]: one contiguous panel per block.
static inline __attribute__((always_inline)) void gemm_tile(const float *restrict a, ptrdiff_t rowStride,
                                                            const ptrdiff_t *restrict offsets, ptrdiff_t taps,
                                                            ptrdiff_t width, const float *restrict b, ptrdiff_t o,
                                                            const float *restrict packed, const float *restrict bias,
                                                            float *restrict out, const int tile) {
    enum { L = 16, G = 4 };
    const ptrdiff_t bs = packed ? L : o, kTotal = taps * width;
    ptrdiff_t t0 = 0;
    // One row alone (a single window through a fully connected layer, a tile's last row): G blocks
    // at a time, so G·16 accumulators are in flight instead of 16 — a lone row's sums are chains of
    // dependent multiply-adds, and more chains hide their latency. Same terms, same order per output.
    if (tile == 1)
        for (; t0 + G * L <= o; t0 += G * L) {
            float acc[G * L];
            for (int t = 0; t < G * L; t++) acc[t] = bias[t0 + t];
            for (ptrdiff_t tap = 0; tap < taps; tap++) {
                const float *at = a + offsets[tap];
                for (ptrdiff_t q = 0; q < width; q++) {
                    const float av = at[q];
                    for (int g = 0; g < G; g++) {
                        const float *bq = (packed ? packed + (t0 + g * L) * kTotal : b + t0 + g * L) + (tap * width + q) * bs;
                        for (int t = 0; t < L; t++) acc[g * L + t] += av * bq[t];
                    }
                }
            }
            for (int t = 0; t < G * L; t++) out[t0 + t] = acc[t];
        }
    // SK_GEMM_BLOCKS blocks of 16 channels per tile where the output has them (each broadcast of a
    // feeds that many multiply-adds), then single blocks.
    for (; t0 + SK_GEMM_BLOCKS * L <= o; t0 += SK_GEMM_BLOCKS * L)
        gemm_blocks(a, rowStride, offsets, taps, width, b, o, packed, bias, out, tile, t0, SK_GEMM_BLOCKS);
    for (; t0 + L <= o; t0 += L) gemm_blocks(a, rowStride, offsets, taps, width, b, o, packed, bias, out, tile, t0, 1);
    for (; t0 < o; t0++)
        for (int rr = 0; rr < tile; rr++) {
            float acc = bias[t0];
            for (ptrdiff_t tap = 0; tap < taps; tap++)
                for (ptrdiff_t q = 0; q < width; q++) acc += a[rr * rowStride + offsets[tap] + q] * b[(tap * width + q) * o + t0];
            out[rr * o + t0] = acc;
        }
}

// b [k, o] row-major into `panels` as o/16 panels of k × 16 (panel j: b's columns 16j … 16j + 15, row after row),
// (o − o % 16)·k floats: the layout the product reads when given `packed` (pack_panels, the Winograd weights).
static void copy_panels(const float *restrict b, ptrdiff_t k, ptrdiff_t o, float *restrict panels) {
    enum { L = 16 };
    for (ptrdiff_t j = 0; j < o / L; j++)
        for (ptrdiff_t r = 0; r < k; r++) memcpy(panels + (j * k + r) * L, b + r * o + j * L, sizeof(float) * L);
}

// b [k, o] row-major copied as o/16 panels of k × 16 (panel j: b's columns 16j … 16j + 15, row after row), so a tile
// reads each block's weights as one contiguous stream (the hardware prefetcher follows it; strided rows of a wide b
// stalled the AVX2 product on its weight loads, measured on Zen 3). NULL when o < 16, when the rows are too few to
// repay the copy, or when the memory is not there: the product then reads b in place, with the same results (the
// values and their order are the same).
static float *pack_panels(const float *restrict b, ptrdiff_t k, ptrdiff_t o, ptrdiff_t rows) {
    enum { L = 16 };
    const ptrdiff_t blocks = o / L;
    if (blocks == 0 || rows < 4 * SK_GEMM_TILE_ROWS) return NULL;
    size_t bytes = sizeof(float) * (size_t)(blocks * k * L);
    float *packed = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!packed) return NULL;
    copy_panels(b, k, o, packed);
    return packed;
}

// out[r, :] = bias + Σ_q A(r, q)·b[q, :] with A(r, tap·width + cc) = a[r·rowStride + offsets[tap] + cc]:
// tiles of SK_GEMM_TILE_ROWS rows (set per instruction set in variant_*.c: as many as the vector
// registers hold) × 16 output channels keep their accumulators in registers, each b row segment is
// loaded once per tile; the last rows go in tiles of 4, 2 and 1. Each output sums its terms in the
// same order whatever the tile, so the tile size does not change results. One tap of width k is an ordinary
// matrix; several taps read a convolution's input in place (kernel width 1, channels-last: tap p of
// row t is the input row t + p·w). `packed`: b as pack_panels made it, or NULL.
static inline __attribute__((always_inline)) void gemm_bias_taps(const float *restrict a, ptrdiff_t rows, ptrdiff_t rowStride,
                                  const ptrdiff_t *restrict offsets, ptrdiff_t taps, ptrdiff_t width,
                                  const float *restrict b, ptrdiff_t o, const float *restrict packed,
                                  const float *restrict bias, float *restrict out) {
    ptrdiff_t r0 = 0;
    for (; r0 + SK_GEMM_TILE_ROWS <= rows; r0 += SK_GEMM_TILE_ROWS)
        gemm_tile(a + r0 * rowStride, rowStride, offsets, taps, width, b, o, packed, bias, out + r0 * o, SK_GEMM_TILE_ROWS);
#if SK_GEMM_TILE_ROWS > 4
    if (r0 + 4 <= rows) { gemm_tile(a + r0 * rowStride, rowStride, offsets, taps, width, b, o, packed, bias, out + r0 * o, 4); r0 += 4; }
#endif
#if SK_GEMM_TILE_ROWS > 2
    if (r0 + 2 <= rows) { gemm_tile(a + r0 * rowStride, rowStride, offsets, taps, width, b, o, packed, bias, out + r0 * o, 2); r0 += 2; }
#endif
    if (r0 < rows) gemm_tile(a + r0 * rowStride, rowStride, offsets, taps, width, b, o, packed, bias, out + r0 * o, 1);
}

void SK_FN(sk_gemm_bias)(const float *restrict a, ptrdiff_t rows, ptrdiff_t k, const float *restrict b, ptrdiff_t o,
                            const float *restrict bias, float *restrict out) {
    const ptrdiff_t zero = 0;
    float *packed = pack_panels(b, k, o, rows);
    gemm_bias_taps(a, rows, k, &zero, 1, k, b, o, packed, bias, out);
    free(packed);
}

void SK_FN(sk_gemm_bias_strided)(const float *restrict a, ptrdiff_t rows, ptrdiff_t rowStride, ptrdiff_t k,
                                    const float *restrict b, ptrdiff_t o, const float *restrict bias, float *restrict out) {
    const ptrdiff_t zero = 0;
    float *packed = pack_panels(b, k, o, rows);
    gemm_bias_taps(a, rows, rowStride, &zero, 1, k, b, o, packed, bias, out);
    free(packed);
}

// Weight-gradient products out[q, :] += Σ_r A(r, q)·b[r, :] (Aᵀ·B) over the rows of n samples: row t of sample s
// has A(r, q) = a[s·sampleStride + t·rowStride + at[q]] and b row b[(s·positions + t)·o …]. A tile of `tile` ≤
// SK_GEMM_TILE_ROWS values of q × 16 channels keeps its sums in registers over SK_GRADIENT_ROWS rows (crossing
// samples), then adds them to out: each output sums its rows in order, in blocks of SK_GRADIENT_ROWS, whatever the
// tile, so the tile size does not change results.
enum { SK_GRADIENT_ROWS = 256 };
static inline __attribute__((always_inline)) void gradient_tile(const float *restrict a, ptrdiff_t n, ptrdiff_t positions,
                                                                ptrdiff_t sampleStride, ptrdiff_t rowStride,
                                                                const ptrdiff_t *restrict at, const float *restrict b,
                                                                ptrdiff_t o, ptrdiff_t t0, float *restrict out,
                                                                const int tile) {
    // 16 channels as one value of the vector extension (one AVX-512 register, two AVX2, four SSE2),
    // loaded unaligned: the row loop then keeps every sum in registers on each variant.
    typedef float v16 __attribute__((vector_size(64), aligned(4)));
    ptrdiff_t s = 0, t = 0;
    while (s < n) {
        v16 acc[SK_GEMM_TILE_ROWS];
        for (int u = 0; u < tile; u++) acc[u] = (v16){0};
        // SK_GRADIENT_ROWS rows, as runs of consecutive rows of one sample.
        for (ptrdiff_t left = SK_GRADIENT_ROWS; left > 0 && s < n;) {
            const ptrdiff_t run = positions - t < left ? positions - t : left;
            const float *ar = a + s * sampleStride + t * rowStride, *br = b + (s * positions + t) * o + t0;
            for (ptrdiff_t r = 0; r < run; r++) {
                const v16 bv = *(const v16 *)(br + r * o);
                for (int u = 0; u < tile; u++) acc[u] += ar[r * rowStride + at[u]] * bv;
            }
            left -= run;
            t += run;
            if (t == positions) { t = 0; s++; }
        }
        for (int u = 0; u < tile; u++) {
            v16 sum = *(v16 *)(out + u * o + t0);
            sum += acc[u];
            *(v16 *)(out + u * o + t0) = sum;
        }
    }
}

// The same sums for one output channel t0 (channels past the last block of 16).
static void gradient_column(const float *restrict a, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t sampleStride,
                            ptrdiff_t rowStride, ptrdiff_t aq, const float *restrict b, ptrdiff_t o, ptrdiff_t t0,
                            float *restrict out) {
    ptrdiff_t s = 0, t = 0;
    while (s < n) {
        float acc = 0;
        for (ptrdiff_t done = 0; done < SK_GRADIENT_ROWS && s < n; done++) {
            acc += a[s * sampleStride + t * rowStride + aq] * b[(s * positions + t) * o + t0];
            if (++t == positions) { t = 0; s++; }
        }
        *out += acc;
    }
}

// out [k, o] += Σ over n samples of positions rows: A(r, q)·b (see gradient_tile), q tiles of SK_GEMM_TILE_ROWS, then 4,
// 2 and 1, each over every block of 16 channels.
static void gradient_product(const float *restrict a, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t sampleStride,
                             ptrdiff_t rowStride, const ptrdiff_t *restrict at, ptrdiff_t k, const float *restrict b,
                             ptrdiff_t o, float *restrict out) {
    const ptrdiff_t o16 = o - o % 16;
    for (ptrdiff_t t0 = 0; t0 < o16; t0 += 16) {
        ptrdiff_t q = 0;
        for (; q + SK_GEMM_TILE_ROWS <= k; q += SK_GEMM_TILE_ROWS)
            gradient_tile(a, n, positions, sampleStride, rowStride, at + q, b, o, t0, out + q * o, SK_GEMM_TILE_ROWS);
#if SK_GEMM_TILE_ROWS > 4
        if (q + 4 <= k) { gradient_tile(a, n, positions, sampleStride, rowStride, at + q, b, o, t0, out + q * o, 4); q += 4; }
#endif
#if SK_GEMM_TILE_ROWS > 2
        if (q + 2 <= k) { gradient_tile(a, n, positions, sampleStride, rowStride, at + q, b, o, t0, out + q * o, 2); q += 2; }
#endif
        for (; q < k; q++) gradient_tile(a, n, positions, sampleStride, rowStride, at + q, b, o, t0, out + q * o, 1);
    }
    for (ptrdiff_t t0 = o16; t0 < o; t0++)
        for (ptrdiff_t q = 0; q < k; q++)
            gradient_column(a, n, positions, sampleStride, rowStride, at[q], b, o, t0, out + q * o + t0);
}

// The callers give gradient_product the offsets of at most SK_GRADIENT_SLICE values of q at a time, from the stack.
enum { SK_GRADIENT_SLICE = 256 };

void SK_FN(sk_gemm_at_b_add)(const float *restrict a, ptrdiff_t rows, ptrdiff_t k, const float *restrict b, ptrdiff_t o,
                                float *restrict out) {
    if (rows <= 0) return;
    ptrdiff_t at[SK_GRADIENT_SLICE];
    for (ptrdiff_t q0 = 0; q0 < k; q0 += SK_GRADIENT_SLICE) {
        const ptrdiff_t kk = k - q0 < SK_GRADIENT_SLICE ? k - q0 : SK_GRADIENT_SLICE;
        for (ptrdiff_t q = 0; q < kk; q++) at[q] = q0 + q;
        gradient_product(a, 1, rows, 0, k, at, kk, b, o, out + q0 * o);
    }
}

void SK_FN(sk_nhwc_conv_width1_weight_gradient)(const float *restrict x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w,
                                                   ptrdiff_t c, ptrdiff_t kh, const float *restrict dz, ptrdiff_t o,
                                                   float *restrict out) {
    const ptrdiff_t positions = (h - kh + 1) * w, k = kh * c;
    if (n <= 0 || positions <= 0) return;
    ptrdiff_t at[SK_GRADIENT_SLICE];
    for (ptrdiff_t q0 = 0; q0 < k; q0 += SK_GRADIENT_SLICE) {
        const ptrdiff_t kk = k - q0 < SK_GRADIENT_SLICE ? k - q0 : SK_GRADIENT_SLICE;
        // q = p·c + cc: tap p, input channel cc, read at input row t + p·w.
        for (ptrdiff_t q = 0; q < kk; q++) at[q] = (q0 + q) / c * w * c + (q0 + q) % c;
        gradient_product(x, n, positions, h * w * c, c, at, kk, dz, o, out + q0 * o);
    }
}

void SK_FN(sk_nhwc_conv_width1)(const float *restrict x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                                   ptrdiff_t kh, const float *restrict b, ptrdiff_t o, const float *restrict bias,
                                   float *restrict out) {
    ptrdiff_t offsets[kh];  // one per tap (a stack array of the kernel's size)
    const ptrdiff_t positions = (h - kh + 1) * w;
    for (ptrdiff_t p = 0; p < kh; p++) offsets[p] = p * w * c;
    float *packed = pack_panels(b, kh * c, o, n * positions);
    for (ptrdiff_t s = 0; s < n; s++)
        gemm_bias_taps(x + s * h * w * c, positions, c, offsets, kh, c, b, o, packed, bias, out + s * positions * o);
    free(packed);
}

void SK_FN(sk_nhwc_conv)(const float *restrict x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh,
                            ptrdiff_t kw, const float *restrict b, ptrdiff_t o, const float *restrict bias,
                            float *restrict out) {
    ptrdiff_t offsets[kh * kw];  // one per tap (a stack array of the kernel's size)
    const ptrdiff_t ho = h - kh + 1, wo = w - kw + 1;
    for (ptrdiff_t p = 0; p < kh; p++)
        for (ptrdiff_t q = 0; q < kw; q++) offsets[p * kw + q] = (p * w + q) * c;
    float *packed = pack_panels(b, kh * kw * c, o, n * ho * wo);
    for (ptrdiff_t s = 0; s < n; s++)
        for (ptrdiff_t i = 0; i < ho; i++)
            gemm_bias_taps(x + (s * h + i) * w * c, wo, c, offsets, kh * kw, c, b, o, packed, bias, out + (s * ho + i) * wo * o);
    free(packed);
}
