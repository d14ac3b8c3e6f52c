// Body of the Winograd F(2×2, 3×3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016): each 2×2 block of outputs from a 4×4 block of input as
// Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, so the products over the input channels are 16 matrix products
// [tiles, c]·[c, o] instead of the direct convolution's 36 multiply-adds per tile and channel pair
// (2.25× fewer). Compiled per instruction set after nhwc.inc.h (its product, gemm_bias_taps).
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]

// G·(a0, a1, a2) → four values. The ½ multiplies a sum and is exact (but for subnormals), so whether
// the compiler fuses it into a later add changes no bit.
#define SK_WINOGRAD_G(a0, a1, a2, r0, r1, r2, r3)                                                      \
    do {                                                                                               \
        (r0) = (a0);                                                                                   \
        (r1) = 0.5f * ((a0) + (a1) + (a2));                                                            \
        (r2) = 0.5f * ((a0) - (a1) + (a2));                                                            \
        (r3) = (a2);                                                                                   \
    } while (0)

void SK_FN(sk_winograd_weights)(const float *restrict b, ptrdiff_t c, ptrdiff_t o, float *restrict u) {
    // g[p][q] = b[((p·3 + q)·c + ci)·o + oc]; u[(e·c + ci)·o + oc], e = 4·row + column of G g Gᵀ.
    const ptrdiff_t plane = c * o;
    for (ptrdiff_t at = 0; at < plane; at++) {
        float g[3][3], gg[4][3];
        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++) g[p][q] = b[(p * 3 + q) * plane + at];
        for (int q = 0; q < 3; q++) SK_WINOGRAD_G(g[0][q], g[1][q], g[2][q], gg[0][q], gg[1][q], gg[2][q], gg[3][q]);
        for (int r = 0; r < 4; r++) {
            float v0, v1, v2, v3;
            SK_WINOGRAD_G(gg[r][0], gg[r][1], gg[r][2], v0, v1, v2, v3);
            u[(4 * r + 0) * plane + at] = v0;
            u[(4 * r + 1) * plane + at] = v1;
            u[(4 * r + 2) * plane + at] = v2;
            u[(4 * r + 3) * plane + at] = v3;
        }
    }
    // Then each u[e]'s full 16-channel blocks again as contiguous panels (pack_panels' layout), so
    // the products stream their weights instead of striding through rows of o.
    const ptrdiff_t wide = o - o % 16;
    for (int e = 0; e < 16; e++) copy_panels(u + e * plane, c, o, u + 16 * plane + e * c * wide);
}

// Tile `tile` of n samples' th × tw tiles: its sample s and tile row and column (ti, tj).
static inline void winograd_tile(ptrdiff_t tile, ptrdiff_t th, ptrdiff_t tw, ptrdiff_t *s, ptrdiff_t *ti, ptrdiff_t *tj) {
    *s = tile / (th * tw);
    *ti = tile / tw % th;
    *tj = tile % tw;
}

void SK_FN(sk_nhwc_conv3x3_winograd)(const float *restrict x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                                        const float *restrict u, ptrdiff_t o, const float *restrict bias,
                                        float *restrict out, float *restrict scratch) {
    enum { TB = SK_WINOGRAD_TILES };
    const ptrdiff_t ho = h - 2, wo = w - 2, th = (ho + 1) / 2, tw = (wo + 1) / 2, tiles = n * th * tw;
    const ptrdiff_t zeroOffset = 0, wide = o - o % 16;
    // scratch: v [16][TB][c] (transformed inputs), m [16][TB][o] (products), a zero bias [o].
    float *restrict v = scratch, *restrict m = scratch + 16 * TB * c, *restrict zero = m + 16 * TB * o;
    for (ptrdiff_t t = 0; t < o; t++) zero[t] = 0;
    for (ptrdiff_t t0 = 0; t0 < tiles; t0 += TB) {
        const ptrdiff_t nt = tiles - t0 < TB ? tiles - t0 : TB;
        // V = Bᵀ d B per tile and channel. A tile past the last row or column (an odd output size)
        // reads the last row or column again instead: those inputs reach only the outputs dropped
        // below (output row 0 of a tile uses input rows 0–2 only, exactly, as does column 0).
        for (ptrdiff_t k = 0; k < nt; k++) {
            ptrdiff_t s, ti, tj;
            winograd_tile(t0 + k, th, tw, &s, &ti, &tj);
            const float *rows[4];
            ptrdiff_t cols[4];
            for (int i = 0; i < 4; i++) {
                const ptrdiff_t r = 2 * ti + i < h ? 2 * ti + i : h - 1, q = 2 * tj + i < w ? 2 * tj + i : w - 1;
                rows[i] = x + (s * h + r) * w * c;
                cols[i] = q * c;
            }
            float *vk = v + k * c;
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < c; t++) {
                float d[4][4], e[4][4];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) d[i][j] = rows[i][cols[j] + t];
                for (int j = 0; j < 4; j++) {
                    e[0][j] = d[0][j] - d[2][j];
                    e[1][j] = d[1][j] + d[2][j];
                    e[2][j] = d[2][j] - d[1][j];
                    e[3][j] = d[1][j] - d[3][j];
                }
                for (int i = 0; i < 4; i++) {
                    vk[(4 * i + 0) * TB * c + t] = e[i][0] - e[i][2];
                    vk[(4 * i + 1) * TB * c + t] = e[i][1] + e[i][2];
                    vk[(4 * i + 2) * TB * c + t] = e[i][2] - e[i][1];
                    vk[(4 * i + 3) * TB * c + t] = e[i][1] - e[i][3];
                }
            }
        }
        // M[e] = V[e]·U[e]: 16 products of [nt, c]·[c, o] (the kernels' product, U[e]'s panels).
        for (int e = 0; e < 16; e++)
            gemm_bias_taps(v + e * TB * c, nt, c, &zeroOffset, 1, c, u + e * c * o, o,
                           wide ? u + 16 * c * o + e * c * wide : NULL, zero, m + e * TB * o);
        // Y = Aᵀ M A + bias, the outputs inside the image written.
        for (ptrdiff_t k = 0; k < nt; k++) {
            ptrdiff_t s, ti, tj;
            winograd_tile(t0 + k, th, tw, &s, &ti, &tj);
            const int lowerRow = 2 * ti + 1 < ho, rightColumn = 2 * tj + 1 < wo;
            float *y0 = out + ((s * ho + 2 * ti) * wo + 2 * tj) * o;
            const float *mk = m + k * o;
            SK_CHANNELS
            for (ptrdiff_t t = 0; t < o; t++) {
                float f[4][4], r[2][4];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) f[i][j] = mk[(4 * i + j) * TB * o + t];
                for (int j = 0; j < 4; j++) {
                    r[0][j] = f[0][j] + f[1][j] + f[2][j];
                    r[1][j] = f[1][j] - f[2][j] - f[3][j];
                }
                y0[t] = bias[t] + (r[0][0] + r[0][1] + r[0][2]);
                if (rightColumn) y0[o + t] = bias[t] + (r[0][1] - r[0][2] - r[0][3]);
                if (lowerRow) {
                    float *y1 = y0 + wo * o;
                    y1[t] = bias[t] + (r[1][0] + r[1][1] + r[1][2]);
                    if (rightColumn) y1[o + t] = bias[t] + (r[1][1] - r[1][2] - r[1][3]);
                }
            }
        }
    }
}
