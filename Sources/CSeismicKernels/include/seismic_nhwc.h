// seismic_nhwc: the convolution blocks of the models in channels-last layout ([N, H, W, C]). Every
// per-position step is a loop over contiguous channels (16, 32, 64, … values), so it vectorises
// fully; the convolution itself is im2col + one GEMM whose output is already channels-last.
#ifndef SEISMIC_NHWC_H
#define SEISMIC_NHWC_H

#include "seismic_kernels.h"

/// cols[(s·ho + i)·wo + j, (p·kw + q)·c + ch] = x[s, i+p, j+q, ch] with ho = h−kh+1, wo = w−kw+1:
/// rows n·ho·wo, K = kh·kw·c (valid convolution, stride 1).
void sk_nhwc_im2col(const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,
                    float *cols);
/// The adjoint of im2col: dx [n, h, w, c] (overwritten) = the sum of dcols over every use of each input.
void sk_nhwc_col2im(const float *dcols, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,
                    float *dx);
/// out[r, o] = bias[o] + Σ_k a[r, k]·b[k, o] (a [rows, k], b [k, o]), register-blocked
/// (SK_GEMM_TILE_ROWS rows — 8 for AVX-512, 6 for AVX2, 2 baseline — × 16 channels): for the blocks' shapes (k = 3 … 864, o = 16 … 192) 1.4–3.5×
/// OpenBLAS 0.3.21's choice on this machine's AVX-512 cores (its Haswell kernel), and free of the
/// call overhead that dominates one window.
void sk_gemm_bias(const float *a, ptrdiff_t rows, ptrdiff_t k, const float *b, ptrdiff_t o, const float *bias,
                  float *out);
/// The weight gradient's product out [k, o] += aᵀ·b (a [rows, k], b [rows, o]; as cblas_sgemm with
/// transA and beta 1): tiles of SK_GEMM_TILE_ROWS rows of out × 16 channels sum in registers over
/// 256 rows of a and b at a time, then add into out. Each output sums its rows in order, in those
/// blocks, whatever the variant's tile, so its error is at most γ_(rows+1)·(|out| + Σ|terms|).
void sk_gemm_at_b_add(const float *a, ptrdiff_t rows, ptrdiff_t k, const float *b, ptrdiff_t o, float *out);
/// sk_gemm_bias with row r of a at a + r·rowStride: rows may overlap (rowStride < k), so sliding
/// windows of one series (rowStride = the hop) are read in place.
void sk_gemm_bias_strided(const float *a, ptrdiff_t rows, ptrdiff_t rowStride, ptrdiff_t k, const float *b, ptrdiff_t o,
                          const float *bias, float *out);
/// y[s, r] = bias[r] + Σ_q w[r, q]·x[s, q] for r < rows, s < n (w [rows, k] as torch.nn.Linear's
/// weight, x [n, k], y rows ldy apart): x·wᵀ + bias for one or two rows of x, w read once from memory
/// (see bodies/gemv.inc.h). Each output sums its terms in one order whatever n and rows, so a row's
/// result does not depend on what shares the call, and AVX-512 and AVX2 give the same bits (the
/// baseline, without fused multiply-adds, rounds otherwise). Error at most γ_(k+1)·(|bias| + Σ|terms|).
void sk_gemv_bias(const float *w, ptrdiff_t rows, ptrdiff_t k, const float *x, ptrdiff_t n, const float *bias, float *y,
                  ptrdiff_t ldy);
/// The convolution of n channels-last samples with a kernel of width 1 without im2col: out
/// [n·(h−kh+1)·w, o] = bias + the input rows read in place, b [kh·c, o] as for im2col. (Both
/// in-place convolutions keep one offset per tap on the stack: 32 KB for the 64 × 64 kernels
/// model cards allow at most.)
void sk_nhwc_conv_width1(const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh,
                         const float *b, ptrdiff_t o, const float *bias, float *out);
/// The weight gradient of sk_nhwc_conv_width1 without im2col: out [kh·c, o] += colsᵀ·dz, the rows of
/// cols read in place from x [n, h, w, c] and dz [n·(h−kh+1)·w, o]: the bits of sk_nhwc_im2col +
/// sk_gemm_at_b_add on the same n samples.
void sk_nhwc_conv_width1_weight_gradient(const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c,
                                         ptrdiff_t kh, const float *dz, ptrdiff_t o, float *out);
/// The convolution of n channels-last samples with any kernel without im2col,
/// one output row at a time: out [n·(h−kh+1)·(w−kw+1), o] = bias + the input read in place,
/// b [kh·kw·c, o] as for im2col. Each output sums its terms in im2col's order, so the results
/// are those of sk_nhwc_im2col + sk_gemm_bias, bit for bit.
void sk_nhwc_conv(const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,
                  const float *b, ptrdiff_t o, const float *bias, float *out);
/// sum[ch] += Σ_r x[r, ch] in double precision (x [rows, c]).
void sk_column_sums(const float *x, ptrdiff_t rows, ptrdiff_t c, double *sum);
/// m2[ch] += Σ_r (x[r, ch] − mean[ch])² in double precision.
void sk_column_squared_deviations(const float *x, ptrdiff_t rows, ptrdiff_t c, const double *mean, double *m2);
/// sum[ch] += Σ_r x[r, ch] in float (the bias gradient).
void sk_column_sums_float(const float *x, ptrdiff_t rows, ptrdiff_t c, float *sum);

/// Block tail forward for n samples: v = z·scale[ch] + shift[ch] (BatchNorm as an affine map),
/// GELU, max pool (ph, pw) with stride = kernel, floor mode, first maximum wins and a NaN always wins
/// (PyTorch's rule), dropout (drop may be NULL; mask index = the pooled tensor's flat NCHW index).
/// z [n, h, w, c] → y [n, h/ph, w/pw, c]. Training (arg, gain, zwin not NULL, laid out as y): the
/// winner's offset p·pw + q in its window, dropout factor · GELU'(v winner), and z at the winner.
/// Evaluation (arg NULL) needs only the value: GELU falls then rises, so the largest GELU of a window
/// is that of its smallest or largest input — at most two evaluations per window (one for most on
/// the AVX2 and baseline variants; see bodies/nhwc.inc.h). GELU(±∞) as the erf formula gives it:
/// NaN for −∞ (as PyTorch), +∞ for +∞.
void sk_nhwc_block_forward(const float *z, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t ph,
                           ptrdiff_t pw, const float *scale, const float *shift, float *y, int32_t *arg, float *gain,
                           float *zwin, const sk_dropout_params *drop);
/// Backward, first half, over `rows` pooled positions: dv = dy·gain, and per channel
/// sumDy += Σ dv, sumDyXhat += Σ dv·(zwin − mean)·istd (double precision).
void sk_nhwc_block_backward_sums(const float *dy, const float *gain, const float *zwin, ptrdiff_t rows, ptrdiff_t c,
                                 const float *mean, const float *istd, float *dv, double *sumDy, double *sumDyXhat);
/// Backward, second half: the BatchNorm input gradient dz [n, h, w, c] =
/// k·(dv at the winner, else 0) − k·(a + (z − mean)·istd·b), per channel coefficients; and, when
/// dbias is not NULL, the convolution's bias gradient dbias[ch] += Σ dz[·, ch] as it is written: the
/// bits of sk_column_sums_float over dz afterwards, without reading dz again.
void sk_nhwc_block_backward_dx(const float *z, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t ph,
                               ptrdiff_t pw, const float *dv, const int32_t *arg, const float *mean, const float *istd,
                               const float *k, const float *a, const float *b, float *dz, float *dbias);

/// Winograd F(2×2, 3×3) (Lavin & Gray 2016; bodies/winograd.inc.h), evaluation's 3×3 convolutions
/// with 2.25× fewer multiply-adds than sk_nhwc_conv. sk_winograd_weights: u [16, c, o] = G·g·Gᵀ of
/// each 3×3 kernel g, read from b [9·c, o] (sk_conv_weight_matrix's im2col order), followed by each
/// u[e]'s full 16-channel blocks as contiguous panels: sk_winograd_weight_count(c, o) floats.
/// sk_nhwc_conv3x3_winograd: out [n, h−2, w−2, o] = bias + the 3×3 convolution of x [n, h, w, c]
/// (h, w ≥ 3), the same values as sk_nhwc_conv with another rounding: each output within
/// γ_(c+11)·(the pipeline of absolute values: |Aᵀ|((|G||g||Gᵀ|) ⊙ (|Bᵀ||d||B|))|A| summed over c,
/// plus |bias|) of the exact convolution (KernelReferenceTests). A NaN input reaches the outputs the
/// direct convolution's would; an infinite one gives NaN where the direct gives ±∞ (its transforms
/// subtract it from itself). The tiles start at row and column 0 of x, so a call on a band of rows
/// starting at an odd row rounds differently from one on the whole image. `scratch` holds
/// sk_winograd_scratch(c, o) floats; nothing else is allocated.
enum { SK_WINOGRAD_TILES = 64 };
static inline ptrdiff_t sk_winograd_scratch(ptrdiff_t c, ptrdiff_t o) { return 16 * SK_WINOGRAD_TILES * (c + o) + o; }
static inline ptrdiff_t sk_winograd_weight_count(ptrdiff_t c, ptrdiff_t o) { return 16 * c * (2 * o - o % 16); }
void sk_winograd_weights(const float *b, ptrdiff_t c, ptrdiff_t o, float *u);
void sk_nhwc_conv3x3_winograd(const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, const float *u,
                              ptrdiff_t o, const float *bias, float *out, float *scratch);

/// Winograd F(m, 3) along rows (Lavin & Gray 2016, the 1-D case; bodies/winograd_rows.inc.h),
/// evaluation's convolutions with a kernel of 3 rows × 1 column: m + 2 products where sk_nhwc_conv_width1
/// has 3m (F(4, 3): 2× fewer multiply-adds, F(2, 3): 1.5×). sk_winograd_rows_tile(h, c, &m): the m
/// the chosen instruction set takes for input height h and c input channels: 0 (the direct
/// convolution) below its variant's SK_WINOGRAD_ROWS_INPUTS channels (16 for AVX2 and the baseline;
/// never for AVX-512, whose direct product is at the core's peak) or for h < 3, else 4 when the h − 2
/// output rows are a multiple of 4, else 2 (the baseline's also on arm64, not measured there). So
/// EarthquakeCNN's evaluation rounds differently with AVX2 and the baseline than with AVX-512, within
/// the bound below. sk_winograd_rows_weights: u [m + 2, c, o] =
/// G·g of each kernel column g, read from b [3·c, o] (sk_conv_weight_matrix's order), followed by each
/// u[e]'s full 16-channel blocks as contiguous panels: sk_winograd_rows_weight_count(c, o, m) floats.
/// sk_nhwc_conv3x1_winograd: out [n, h−2, w, o] = bias + the 3×1 convolution of x [n, h, w, c]
/// (h ≥ 3), the values of sk_nhwc_conv_width1 with another rounding: each output within
/// γ_(c+12) (m = 4; γ_(c+6) for m = 2) of the pipeline of absolute values |Aᵀ|((|G||g|) ⊙ (|Bᵀ||d|))
/// summed over c, plus |bias|, from the exact convolution (KernelReferenceTests). Rows past the input
/// (an output height m does not divide) are read as zeros. A NaN input reaches, with F(2, 3), the
/// outputs the direct convolution's would (rows r − 2 … r of its column for input row r); with
/// F(4, 3) more: in each tile holding row r (output rows 4t … 4t + 3 from input rows 4t … 4t + 5)
/// at i = r − 4t, output row 4t if i = 0, 4t + 3 if i = 5, all four if i = 1 … 4. An infinite input
/// gives NaN where the direct gives ±∞. The tiles start at row 0 of each sample; w ≥ 1. `scratch` holds sk_winograd_rows_scratch(n, h, w, c, o, m) floats; nothing else is
/// allocated. Any m other than 2 and 4 writes nothing.
/// Tiles per block of the products for a call on n samples of h rows and w columns: whole rows of w
/// tiles, about SK_WINOGRAD_TILES, or all the call has (F(2, 3)'s count, the larger), so a single
/// window's working memory stays small.
static inline ptrdiff_t sk_winograd_rows_block(ptrdiff_t n, ptrdiff_t h, ptrdiff_t w) {
    if (w < 1) return 1;
    const ptrdiff_t perBlock = SK_WINOGRAD_TILES / w > 0 ? SK_WINOGRAD_TILES / w : 1, all = n * ((h - 1) / 2);
    return (all < perBlock ? (all > 0 ? all : 1) : perBlock) * w;
}
/// Working memory of a call with tiles of m rows on at most n samples of h rows.
static inline ptrdiff_t sk_winograd_rows_scratch(ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t o,
                                                 ptrdiff_t m) {
    return (m + 2) * sk_winograd_rows_block(n, h, w) * (c + o) + o + w * o;
}
static inline ptrdiff_t sk_winograd_rows_weight_count(ptrdiff_t c, ptrdiff_t o, ptrdiff_t m) {
    return (m + 2) * c * (2 * o - o % 16);
}
void sk_winograd_rows_tile(ptrdiff_t h, ptrdiff_t c, ptrdiff_t *m);
void sk_winograd_rows_weights(const float *b, ptrdiff_t c, ptrdiff_t o, ptrdiff_t m, float *u);
void sk_nhwc_conv3x1_winograd(const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t m,
                              const float *u, ptrdiff_t o, const float *bias, float *out, float *scratch);

/// A convolution weight [o, c, kh, kw] as the matrix m [kh·kw·c, o] (rows in im2col order p, q, c),
/// and the reverse accumulation dw [o, c, kh, kw] += dm (the weight gradient).
void sk_conv_weight_matrix(const float *w, ptrdiff_t o, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw, float *m);
void sk_conv_weight_gradient_add(const float *dm, ptrdiff_t o, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw, float *dw);

/// y[s, ch, t] = x[s, t, ch] for n items of `positions` × c values (channels-last → channels-first).
void sk_channels_first(const float *x, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t c, float *y);
/// y[s, t, ch] = x[s, ch, t] (channels-first → channels-last).
void sk_channels_last(const float *x, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t c, float *y);

#endif
