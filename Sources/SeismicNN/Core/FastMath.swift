// FastMath: branch-free erf and exp in float32 that the compiler can vectorise (GELU's hot path).

/// Float32 approximations without library calls, so loops over them vectorise.
public enum FastMath {
    /// erf(x) as a rational minimax approximation on [−4, 4] (outside, erf is ±1 in float32);
    /// absolute error below 5e-7 (tested against the C library's `erf`).
    @inline(__always)
    public static func erf(_ v: Float) -> Float {
        let x = min(max(v, -4), 4)
        let x2 = x * x
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        p = p * x
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return p / q
    }

    /// eˣ by range reduction to |r| ≤ ln2/2 and a degree-6 polynomial; relative error below 3e-7 (2.5 ulp)
    /// for x in [−87, 88] (inputs are clamped there).
    @inline(__always)
    public static func exp(_ v: Float) -> Float {
        let x = min(max(v, -87.3), 88.7)
        let n = (x * 1.44269504088896341).rounded(.toNearestOrEven)
        let r = (x - n * 0.693145751953125) - n * 1.42860682030941723212e-6
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Float(bitPattern: UInt32(bitPattern: Int32(n) + 127) << 23)
        return p * scale
    }
}
