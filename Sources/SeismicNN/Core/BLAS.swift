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
    BLASThreads.ensureSingleThreadPerCall()
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// BLAS threading: SeismicNN splits work across cores itself, so each BLAS call runs on one thread.
/// Front ends call `useSingleThreadPerCall` before heavy work (the CLI's `prepareEngine`); SeismicNN's
/// first product makes sure of it too, for any other caller (a library user, the test process):
/// chunks and data-parallel replicas call sgemm at the same time, and with OpenBLAS's own threads
/// as well, training under load now and then came out in other bits (RunFolderTests' resumed run
/// against the uninterrupted one and DataParallelTests' processes against threads, about one run
/// in seven beside two busy loops; none in 20 with OPENBLAS_NUM_THREADS=1).
public enum BLASThreads {
    public static func useSingleThreadPerCall() {
        #if !canImport(Accelerate)
            seismic_blas_set_threads(1)
        #endif
    }

    /// `useSingleThreadPerCall()` once per process (thread-safe: a lazily initialised static).
    private static let singleThreaded: Void = useSingleThreadPerCall()

    @inline(__always)
    static func ensureSingleThreadPerCall() { _ = singleThreaded }
}
