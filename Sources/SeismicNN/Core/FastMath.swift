// FastMath: branch-free erf and exp in float32 that the compiler can vectorise (GELU's hot path).

import CSeismicKernels

/// Float32 approximations without library calls, so loops over them vectorise. The definitions
/// live in CSeismicKernels (one source for the C kernels and Swift callers).
public enum FastMath {
    /// erf(x) as a rational minimax approximation on [−4, 4] (outside, erf is ±1 in float32);
    /// absolute error below 5e-7 (tested against the C library's `erf`).
    @inline(__always)
    public static func erf(_ v: Float) -> Float { sk_erf(v) }

    /// eˣ by range reduction to |r| ≤ ln2/2 and a degree-6 polynomial; relative error below 3e-7
    /// (2.5 ulp) for x in [−87, 88] (inputs are clamped there).
    @inline(__always)
    public static func exp(_ v: Float) -> Float { sk_exp(v) }
}
