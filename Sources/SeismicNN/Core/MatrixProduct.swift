// MatrixProduct: the kernels' register-blocked float product, for callers outside the layers.

import CSeismicKernels

/// Float matrix products through `sk_gemm_bias` (the convolutions' product, compiled for every
/// instruction set and chosen at load time).
public enum MatrixProduct {
    /// out[r, j] = bias[j] + Σ_q a[r·rowStride + q]·b[q, j] for r < rows, q < k, j < o, with b
    /// [k, o] and out [rows, o] row-major. Rows may overlap (rowStride < k): the sliding windows
    /// of one series, rowStride the hop, are read in place. Each output sums its k terms in order
    /// (with or without fused multiply-adds, by instruction set).
    public static func slidingRows(
        _ a: UnsafePointer<Float>, rows: Int, rowStride: Int, k: Int, times b: UnsafePointer<Float>, o: Int,
        bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        precondition(rows >= 0 && rowStride >= 0 && k >= 0 && o >= 0, "negative size")
        sk_gemm_bias_strided(a, rows, rowStride, k, b, o, bias, out)
    }
}
