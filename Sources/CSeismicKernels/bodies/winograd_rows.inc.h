// Body of the one-dimensional Winograd F(m, 3) along rows (Lavin & Gray 2016, the 1-D case): a
// kernel of 3 rows × 1 column (EarthquakeCNN's (3, 1)) gives m output rows of one column from
// m + 2 input rows as y = Aᵀ[(G g) ⊙ (Bᵀ d)], so the products over the input channels are m + 2
// matrix products [tiles, c]·[c, o] instead of the direct convolution's 3m (1.5× fewer for m = 2,
// 2× for m = 4). Compiled per instruction set after nhwc.inc.h (its product, gemm_bias_taps).
// F(2, 3), points 0, 1, −1, ∞:  Bᵀ, G and Aᵀ of bodies/winograd.inc.h.
// F(4, 3), points 0, 1, −1, 2, −2, ∞ (Lavin & Gray's table):
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
// Each transform sums its nonzero terms in index order from an exact zero, so a monomial of the
// weights passes at most 4 roundings (F(4, 3): the constant ⅙, 1/12 or 1/24, its product, 2
// additions; F(2, 3): 2 additions, the ½ and ¼ exact but for subnormals), of the input 3 (F(4, 3):
// rows 0 and 5 the product −5·d and 2 additions, rows 1–4 3 additions of exact products; F(2, 3):
// 1), of the output 4 (the factors 2, 4, 8 exact; F(2, 3): 2), then 1 for the bias.

#ifndef SK_WINOGRAD_ROWS_TABLES
#define SK_WINOGRAD_ROWS_TABLES
// Index [m == 4] of each table; rows and columns past m + 2 (F(2, 3)) are zero and never read.
static const float sk_rows_bt[2][6][6] = {
    {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
    {{4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0},
     {0, 4, 0, -5, 0, 1}}};
static const float sk_rows_g[2][6][3] = {
    {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}},
    {{0.25f, 0, 0}, {-1.f / 6, -1.f / 6, -1.f / 6}, {-1.f / 6, 1.f / 6, -1.f / 6}, {1.f / 24, 1.f / 12, 1.f / 6},
     {1.f / 24, -1.f / 12, 1.f / 6}, {0, 0, 1}}};
static const float sk_rows_at[2][4][6] = {
    {{1, 1, 1, 0}, {0, 1, -1, -1}},
    {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}}};
#endif

// The fewest input channels from which the variant takes Winograd along rows (variant_*.c may set it).
#ifndef SK_WINOGRAD_ROWS_INPUTS
#define SK_WINOGRAD_ROWS_INPUTS 16
#endif

void SK_FN(sk_winograd_rows_tile)(ptrdiff_t h, ptrdiff_t c, ptrdiff_t *restrict m) {
    *m = c < SK_WINOGRAD_ROWS_INPUTS || h < 3 ? 0 : (h - 2) % 4 == 0 ? 4 : 2;
}

void SK_FN(sk_winograd_rows_weights)(const float *restrict b, ptrdiff_t c, ptrdiff_t o, ptrdiff_t m,
                                        float *restrict u) {
    if (m != 2 && m != 4) return;
    const int f = m == 4, a = (int)m + 2;
    // g[p] = b[(p·c + ci)·o + oc]; u[(e·c + ci)·o + oc] = Σ_p G[e][p]·g[p].
    const ptrdiff_t plane = c * o, wide = o - o % 16;
    for (ptrdiff_t at = 0; at < plane; at++)
        for (int e = 0; e < a; e++) {
            float v = 0;
            for (int p = 0; p < 3; p++)
                if (sk_rows_g[f][e][p] != 0) v += sk_rows_g[f][e][p] * b[p * plane + at];
            u[e * plane + at] = v;
        }
    // Then each u[e]'s full 16-channel blocks again as contiguous panels (pack_panels' layout).
    for (int e = 0; e < a; e++) copy_panels(u + e * plane, c, o, u + a * plane + e * c * wide);
}

// V[e][t] = Σ_i Bᵀ[e][i]·d[i] for one column t of a tile (`f`, `a` compile-time constants after inlining).
static inline __attribute__((always_inline)) void rows_input_column(const float *restrict d, float *restrict v,
                                                                    ptrdiff_t stride, ptrdiff_t t, const int f,
                                                                    const int a) {
    for (int e = 0; e < a; e++) {
        float acc = 0;
        for (int i = 0; i < a; i++)
            if (sk_rows_bt[f][e][i] != 0) acc += sk_rows_bt[f][e][i] * d[i];
        v[e * stride + t] = acc;
    }
}

// V = Bᵀ d for one row of tiles: the `values` = w·c inputs of each of rows x0[i·values …], i < m + 2,
// rows from `inside` on taken as zero (the last tile of an output height that m does not divide).
// `f` and `a` are compile-time constants after inlining.
static inline __attribute__((always_inline)) void rows_input_transform(const float *restrict x0, ptrdiff_t values,
                                                                       ptrdiff_t inside, float *restrict v,
                                                                       ptrdiff_t stride, const int f, const int a) {
    if (inside >= a) {
        SK_CHANNELS
        for (ptrdiff_t t = 0; t < values; t++) {
            float d[6];
            for (int i = 0; i < a; i++) d[i] = x0[i * values + t];
            rows_input_column(d, v, stride, t, f, a);
        }
        return;
    }
    for (ptrdiff_t t = 0; t < values; t++) {
        float d[6];
        for (int i = 0; i < a; i++) d[i] = i < inside ? x0[i * values + t] : 0.f;
        rows_input_column(d, v, stride, t, f, a);
    }
}

// The convolution for m = 2 (f = 0) or 4 (f = 1), compile-time after inlining. A block of tiles is R
// whole rows of tiles (R·w tiles; a row of tiles is one sample's m output rows × all w columns, whose
// inputs and outputs are each contiguous channels-last), so the transforms run over w·c and w·o values.
static inline __attribute__((always_inline)) void rows_convolution(const float *restrict x, ptrdiff_t n, ptrdiff_t h,
                                                                   ptrdiff_t w, ptrdiff_t c, const float *restrict u,
                                                                   ptrdiff_t o, const float *restrict bias,
                                                                   float *restrict out, float *restrict scratch,
                                                                   const int f) {
    const int mm = f ? 4 : 2, a = mm + 2;
    const ptrdiff_t tb = sk_winograd_rows_block(n, h, w), rowsPerBlock = tb / w;
    const ptrdiff_t ho = h - 2, th = (ho + mm - 1) / mm, tileRows = n * th, wc = w * c, wo = w * o;
    const ptrdiff_t zeroOffset = 0, wide = o - o % 16;
    // scratch: v [a][tb][c] (transformed inputs), p [a][tb][o] (products), a zero bias [o], the bias per column [w·o].
    float *restrict v = scratch, *restrict p = v + a * tb * c, *restrict zero = p + a * tb * o, *restrict biasRow = zero + o;
    for (ptrdiff_t t = 0; t < o; t++) zero[t] = 0;
    for (ptrdiff_t t = 0; t < wo; t++) biasRow[t] = bias[t % o];
    for (ptrdiff_t r0 = 0; r0 < tileRows; r0 += rowsPerBlock) {
        const ptrdiff_t nr = tileRows - r0 < rowsPerBlock ? tileRows - r0 : rowsPerBlock;
        for (ptrdiff_t k = 0, s = r0 / th, ti = r0 % th; k < nr; k++) {
            rows_input_transform(x + (s * h + mm * ti) * wc, wc, h - mm * ti, v + k * wc, tb * c, f, a);
            if (++ti == th) ti = 0, s++;
        }
        // P[e] = V[e]·U[e]: a products of [nr·w, c]·[c, o] (the kernels' product, U[e]'s panels).
        for (int e = 0; e < a; e++)
            gemm_bias_taps(v + e * tb * c, nr * w, c, &zeroOffset, 1, c, u + e * c * o, o,
                           wide ? u + a * c * o + e * c * wide : NULL, zero, p + e * tb * o);
        // Y = Aᵀ P + bias, the rows inside the output written.
        for (ptrdiff_t k = 0, s = r0 / th, ti = r0 % th; k < nr; k++) {
            const ptrdiff_t keep = ho - mm * ti < mm ? ho - mm * ti : mm;
            float *y = out + (s * ho + mm * ti) * wo;
            const float *mk = p + k * wo;
            for (int r = 0; r < mm; r++) {
                if (r >= keep) break;
                SK_CHANNELS
                for (ptrdiff_t t = 0; t < wo; t++) {
                    float acc = 0;
                    for (int e = 0; e < a; e++)
                        if (sk_rows_at[f][r][e] != 0) acc += sk_rows_at[f][r][e] * mk[e * tb * o + t];
                    y[r * wo + t] = biasRow[t] + acc;
                }
            }
            if (++ti == th) ti = 0, s++;
        }
    }
}

void SK_FN(sk_nhwc_conv3x1_winograd)(const float *restrict x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                                        ptrdiff_t m, const float *restrict u, ptrdiff_t o, const float *restrict bias,
                                        float *restrict out, float *restrict scratch) {
    if (n <= 0 || h < 3 || w <= 0) return;
    if (m == 4) rows_convolution(x, n, h, w, c, u, o, bias, out, scratch, 1);
    else if (m == 2) rows_convolution(x, n, h, w, c, u, o, bias, out, scratch, 0);
}
