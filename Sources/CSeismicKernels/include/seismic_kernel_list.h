// The kernels compiled once per instruction set, as an X-macro list: SK_KERNEL(name, parameters,
// arguments). dispatch.c expands it into the public functions of seismic_kernels.h and
// seismic_nhwc.h; variant_*.c compile the bodies under each target.
#define SK_KERNELS                                                                                                  \
    SK_KERNEL(sk_gelu_forward, (const float *x, float *y, ptrdiff_t n), (x, y, n))                                  \
    SK_KERNEL(sk_gelu_backward, (const float *x, const float *dy, float *dx, ptrdiff_t n), (x, dy, dx, n))          \
    SK_KERNEL(sk_nhwc_im2col,                                                                                       \
              (const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,      \
               float *cols),                                                                                        \
              (x, n, h, w, c, kh, kw, cols))                                                                        \
    SK_KERNEL(sk_nhwc_col2im,                                                                                       \
              (const float *dcols, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,  \
               float *dx),                                                                                          \
              (dcols, n, h, w, c, kh, kw, dx))                                                                      \
    SK_KERNEL(sk_gemm_bias,                                                                                         \
              (const float *a, ptrdiff_t rows, ptrdiff_t k, const float *b, ptrdiff_t o, const float *bias,         \
               float *out),                                                                                         \
              (a, rows, k, b, o, bias, out))                                                                        \
    SK_KERNEL(sk_gemm_bias_strided,                                                                                 \
              (const float *a, ptrdiff_t rows, ptrdiff_t rowStride, ptrdiff_t k, const float *b, ptrdiff_t o,       \
               const float *bias, float *out),                                                                      \
              (a, rows, rowStride, k, b, o, bias, out))                                                             \
    SK_KERNEL(sk_gemv_bias,                                                                                         \
              (const float *w, ptrdiff_t rows, ptrdiff_t k, const float *x, ptrdiff_t n, const float *bias, float *y, \
               ptrdiff_t ldy),                                                                                      \
              (w, rows, k, x, n, bias, y, ldy))                                                                     \
    SK_KERNEL(sk_gemm_at_b_add,                                                                                     \
              (const float *a, ptrdiff_t rows, ptrdiff_t k, const float *b, ptrdiff_t o, float *out),               \
              (a, rows, k, b, o, out))                                                                              \
    SK_KERNEL(sk_nhwc_conv_width1_weight_gradient,                                                                  \
              (const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, const float *dz,   \
               ptrdiff_t o, float *out),                                                                            \
              (x, n, h, w, c, kh, dz, o, out))                                                                      \
    SK_KERNEL(sk_nhwc_conv_width1,                                                                                  \
              (const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, const float *b,    \
               ptrdiff_t o, const float *bias, float *out),                                                         \
              (x, n, h, w, c, kh, b, o, bias, out))                                                                 \
    SK_KERNEL(sk_nhwc_conv,                                                                                         \
              (const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw,      \
               const float *b, ptrdiff_t o, const float *bias, float *out),                                         \
              (x, n, h, w, c, kh, kw, b, o, bias, out))                                                             \
    SK_KERNEL(sk_column_sums, (const float *x, ptrdiff_t rows, ptrdiff_t c, double *sum), (x, rows, c, sum))        \
    SK_KERNEL(sk_column_squared_deviations,                                                                         \
              (const float *x, ptrdiff_t rows, ptrdiff_t c, const double *mean, double *m2), (x, rows, c, mean, m2)) \
    SK_KERNEL(sk_column_sums_float, (const float *x, ptrdiff_t rows, ptrdiff_t c, float *sum), (x, rows, c, sum))   \
    SK_KERNEL(sk_nhwc_block_forward,                                                                                \
              (const float *z, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t ph, ptrdiff_t pw,      \
               const float *scale, const float *shift, float *y, int32_t *arg, float *gain, float *zwin,            \
               const sk_dropout_params *drop),                                                                      \
              (z, n, h, w, c, ph, pw, scale, shift, y, arg, gain, zwin, drop))                                      \
    SK_KERNEL(sk_nhwc_block_backward_sums,                                                                          \
              (const float *dy, const float *gain, const float *zwin, ptrdiff_t rows, ptrdiff_t c, const float *mean, \
               const float *istd, float *dv, double *sumDy, double *sumDyXhat),                                     \
              (dy, gain, zwin, rows, c, mean, istd, dv, sumDy, sumDyXhat))                                          \
    SK_KERNEL(sk_nhwc_block_backward_dx,                                                                            \
              (const float *z, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t ph, ptrdiff_t pw,      \
               const float *dv, const int32_t *arg, const float *mean, const float *istd, const float *k,           \
               const float *a, const float *b, float *dz, float *dbias),                                            \
              (z, n, h, w, c, ph, pw, dv, arg, mean, istd, k, a, b, dz, dbias))                                     \
    SK_KERNEL(sk_winograd_weights, (const float *b, ptrdiff_t c, ptrdiff_t o, float *u), (b, c, o, u))             \
    SK_KERNEL(sk_nhwc_conv3x3_winograd,                                                                             \
              (const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, const float *u, ptrdiff_t o,     \
               const float *bias, float *out, float *scratch),                                                      \
              (x, n, h, w, c, u, o, bias, out, scratch))                                                            \
    SK_KERNEL(sk_winograd_rows_tile, (ptrdiff_t h, ptrdiff_t c, ptrdiff_t *m), (h, c, m))                            \
    SK_KERNEL(sk_winograd_rows_weights, (const float *b, ptrdiff_t c, ptrdiff_t o, ptrdiff_t m, float *u),            \
              (b, c, o, m, u))                                                                                      \
    SK_KERNEL(sk_nhwc_conv3x1_winograd,                                                                             \
              (const float *x, ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t m, const float *u,     \
               ptrdiff_t o, const float *bias, float *out, float *scratch),                                         \
              (x, n, h, w, c, m, u, o, bias, out, scratch))                                                         \
    SK_KERNEL(sk_conv_weight_matrix, (const float *w, ptrdiff_t o, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw, float *m), \
              (w, o, c, kh, kw, m))                                                                                 \
    SK_KERNEL(sk_conv_weight_gradient_add,                                                                          \
              (const float *dm, ptrdiff_t o, ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw, float *dw), (dm, o, c, kh, kw, dw)) \
    SK_KERNEL(sk_channels_first, (const float *x, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t c, float *y),         \
              (x, n, positions, c, y))                                                                              \
    SK_KERNEL(sk_channels_last, (const float *x, ptrdiff_t n, ptrdiff_t positions, ptrdiff_t c, float *y),          \
              (x, n, positions, c, y))
