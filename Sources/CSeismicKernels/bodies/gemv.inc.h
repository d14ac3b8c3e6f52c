// Body of the matrix-vector product for one or two rows through a fully connected layer (a single
// window's latency): compiled once per instruction set by the variant_*.c files, which define SK_FN
// (the name suffix) and the target first. See dispatch.c.
//
// Such a product reads every weight once and does one multiply-add with it: it is bound by memory,
// and what matters is how fast the weights stream in. For one row of x, rows of W are read as
// SK_GEMV_ROWS concurrent contiguous streams (two for a pair of x rows), 16 values at a time, each
// sum kept as 16 lane sums in registers. On SpectrogramCNN's fc1 (1280 × 32640, 167 MB), one row,
// both cores of a Zen 4 host (2 vCPUs), best of 20–30 calls in a C harness: while its cores read
// 48–51 GB/s together, OpenBLAS 0.3.21's sgemv read 26–27 GB/s and this loop 43–51 GB/s with AVX-512
// (38–41 GB/s with AVX2); when the host's memory was busy (a plain read at 27 GB/s), both ran at
// about the read rate. `seismic-bench gemm` states this loop's rate against a plain read's. The equal
// bits of AVX-512 and AVX2 rest on both fusing each multiply-add (-ffp-contract=fast permits it,
// KernelVariantTests checks it on AVX-512 hosts).

enum { SK_GEMV_ROWS = 4 };

// Outputs (r, s) for r < tile rows of w and s < pair rows of x (tile and pair compile-time constants
// after inlining: 1–4 and 1–2). Each output is summed in one fixed order whatever the tile and the
// pairing: lane l sums the terms q ≡ l (mod 16) of q < k − k mod 16 in increasing q, the 16 lanes are
// added in order, then the terms of the last k mod 16 values in order, then the bias.
static inline __attribute__((always_inline)) void gemv_tile(const float *restrict w, ptrdiff_t k,
                                                            const float *restrict x, const float *restrict bias,
                                                            float *restrict y, ptrdiff_t ldy, const int tile,
                                                            const int pair) {
    // 16 values as one value of the vector extension (one AVX-512 register, two AVX2, four SSE2),
    // loaded unaligned.
    typedef float v16 __attribute__((vector_size(64), aligned(4)));
    const ptrdiff_t k16 = k - k % 16;
    v16 acc[SK_GEMV_ROWS][2];
    for (int r = 0; r < tile; r++)
        for (int s = 0; s < pair; s++) acc[r][s] = (v16){0};
    for (ptrdiff_t q = 0; q < k16; q += 16) {
        v16 xv[2];
        for (int s = 0; s < pair; s++) xv[s] = *(const v16 *)(x + s * k + q);
        for (int r = 0; r < tile; r++) {
            const v16 wv = *(const v16 *)(w + r * k + q);
            for (int s = 0; s < pair; s++) acc[r][s] += wv * xv[s];
        }
    }
    for (int r = 0; r < tile; r++)
        for (int s = 0; s < pair; s++) {
            float sum = 0;
            for (int l = 0; l < 16; l++) sum += acc[r][s][l];
            for (ptrdiff_t q = k16; q < k; q++) sum += w[r * k + q] * x[s * k + q];
            y[s * ldy + r] = sum + bias[r];
        }
}

// Rows of x two at a time (one pass over w serves both; the tile's rows of w two at a time then, so
// that the four 16-lane sums fit AVX2's 16 registers, as eight), then a last lone row.
static inline __attribute__((always_inline)) void gemv_rows(const float *restrict w, ptrdiff_t k,
                                                            const float *restrict x, ptrdiff_t n,
                                                            const float *restrict bias, float *restrict y,
                                                            ptrdiff_t ldy, const int tile) {
    ptrdiff_t s = 0;
    for (; s + 2 <= n; s += 2)
        for (int h = 0; h < tile; h += 2)
            gemv_tile(w + h * k, k, x + s * k, bias + h, y + s * ldy + h, ldy, tile - h < 2 ? 1 : 2, 2);
    if (s < n) gemv_tile(w, k, x + s * k, bias, y + s * ldy, ldy, tile, 1);
}

void SK_FN(sk_gemv_bias)(const float *restrict w, ptrdiff_t rows, ptrdiff_t k, const float *restrict x, ptrdiff_t n,
                            const float *restrict bias, float *restrict y, ptrdiff_t ldy) {
    ptrdiff_t r = 0;
    for (; r + SK_GEMV_ROWS <= rows; r += SK_GEMV_ROWS) gemv_rows(w + r * k, k, x, n, bias + r, y + r, ldy, SK_GEMV_ROWS);
    for (; r < rows; r++) gemv_rows(w + r * k, k, x, n, bias + r, y + r, ldy, 1);
}
