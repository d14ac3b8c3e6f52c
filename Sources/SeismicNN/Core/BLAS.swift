// BLAS: the one matrix product SeismicNN needs (sgemm), from OpenBLAS on Linux, Accelerate on Apple.

#if canImport(Accelerate)
    import Accelerate
#else
    import CBLAS
#endif

/// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C, with op(A) M×K and op(B) K×N.
@inline(__always)
func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// BLAS threading: SeismicNN splits work across cores itself, so each BLAS call runs on one thread.
public enum BLASThreads {
    public static func useSingleThreadPerCall() {
        #if !canImport(Accelerate)
            seismic_blas_set_threads(1)
        #endif
    }
}
