// Every C kernel of the fused ConvBlock (and of the channels-last layout and GELU) against its reference
// twin — the reference layers (Conv2d, DropoutMask) or naive loops over the kernel's contract — on
// seeded random shapes, under bounds from FloatBounds (γₙ·Σ|terms|). The kernels run the variant the
// dispatcher chose; scripts/test_kernel_variants.sh reruns this suite with every narrower one.

import CSeismicKernels
import Foundation
import SeismicNN
import TestSupport
import Testing

private func uniform(_ count: Int, _ rng: inout TestRNG, scale: Float = 1, offset: Float = 0) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1...1, using: &rng) * scale + offset }
}

/// The worst ratio of a kernel's error to its bound, printed so the margins are on record.
private func expectWithin(
    _ kernel: String, _ ratio: (ratio: Double, index: Int), _ shape: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    diagnostic("KernelReferenceTests: \(kernel) \(shape): worst error/bound \(ratio.ratio)")
    #expect(ratio.ratio <= 1, "\(kernel) \(shape): error \(ratio.ratio)× its bound at \(ratio.index)", sourceLocation: sourceLocation)
}

private let u = float32UnitRoundoff

/// GELU(v) = v·Φ(v) and GELU'(v) = Φ(v) + v·φ(v) in float64.
private func gelu(_ v: Double) -> Double { 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot())) }
private func geluDerivative(_ v: Double) -> (value: Double, cdf: Double, xpdf: Double) {
    let cdf = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())), xpdf = v * Foundation.exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
    return (cdf + xpdf, cdf, xpdf)
}
/// The float32 GELU kernels' error at an exact input x (KernelVariantTests, LayerFixtureTests): the
/// erf approximation (5e-7 absolute) and exp (3e-7 relative) plus the float operations around them.
private func geluError(_ x: Double) -> Double { abs(x) * (0.5 * 5e-7 + 4 * u) + 0x1p-149 }
private func geluDerivativeError(_ x: Double) -> Double {
    let (value, _, xpdf) = geluDerivative(x)
    return 0.5 * 5e-7 + 2 * u + abs(xpdf) * (3e-7 + u * x * x + 4 * u) + 2 * u * abs(value) + 0x1p-149
}
/// sup |GELU'| = 1.1289 and sup |GELU''| = 2φ(0) = 0.7979: how an input error moves GELU and GELU'.
private let geluLipschitz = 1.13, geluDerivativeLipschitz = 0.8

/// Max pooling of GELU(z·scale + shift) in float64, per pooled value (s, i, j, ch) in that order
/// (z [n, h, w, c], candidates in row-then-column order): the best and second-best GELU, the
/// first best's offset p·pw + q and its v, and the largest bound on a candidate's float32 error
/// (GELU's own plus the affine map's, 2u·(|z·scale| + |shift|), through GELU's Lipschitz constant).
private func pooledGELUReference(
    _ z: [Float], n: Int, h: Int, w: Int, c: Int, pool: (Int, Int), scale: [Float], shift: [Float]
) -> [(best: Double, second: Double, at: Int32, largest: Double, v: Double)] {
    let (ph, pw) = pool
    var out = [(best: Double, second: Double, at: Int32, largest: Double, v: Double)]()
    for s in 0..<n {
        for i in 0..<(h / ph) {
            for j in 0..<(w / pw) {
                for ch in 0..<c {
                    var best = -Double.infinity, second = -Double.infinity, at: Int32 = 0, largest = 0.0, vBest = 0.0
                    for p in 0..<ph {
                        for q in 0..<pw {
                            let zv = Double(z[((s * h + i * ph + p) * w + j * pw + q) * c + ch])
                            let v = zv * Double(scale[ch]) + Double(shift[ch])
                            let delta = 2 * u * (abs(zv * Double(scale[ch])) + abs(Double(shift[ch])))
                            largest = max(largest, geluLipschitz * delta + geluError(abs(v) + delta))
                            let g = gelu(v)
                            if g > best { second = best; best = g; at = Int32(p * pw + q); vBest = v } else { second = max(second, g) }
                        }
                    }
                    out.append((best, second, at, largest, vBest))
                }
            }
        }
    }
    return out
}

/// A reference Conv2d over a fresh store with random weight and bias.
private func randomConvolution(c: Int, o: Int, kernel: (Int, Int), _ rng: inout TestRNG)
    -> (conv: Conv2d, store: ParameterStore)
{
    let store = ParameterStore(Conv2d.specs("conv", inChannels: c, outChannels: o, kernel: kernel))
    for e in store.parameterEntries {
        let values = uniform(e.count, &rng, scale: 0.5)
        store.withMutableValues(of: e) { p in for i in 0..<e.count { p[i] = values[i] } }
    }
    return (Conv2d(store: store, prefix: "conv", inChannels: c, outChannels: o, kernel: kernel), store)
}

@Suite struct KernelReferenceTests {
    /// out = bias + A·B against the naive float loop: two float32 sums of the same k + 1 terms in
    /// different orders agree to 2γ_(k+1)·Σ|terms|.
    @Test(arguments: 0..<8)
    func gemmBiasMatchesTheNaiveProduct(seed: Int) {
        var rng = TestRNG(seed: UInt64(300 + seed))
        let (rows, k, o) = (Int.random(in: 1...40, using: &rng), Int.random(in: 1...300, using: &rng), Int.random(in: 1...80, using: &rng))
        let a = uniform(rows * k, &rng), b = uniform(k * o, &rng), bias = uniform(o, &rng)
        var out = [Float](repeating: .nan, count: rows * o)
        sk_gemm_bias(a, rows, k, b, o, bias, &out)
        var reference = [Float](repeating: 0, count: rows * o)
        for r in 0..<rows {
            for j in 0..<o {
                var acc = bias[j]
                for q in 0..<k { acc += a[r * k + q] * b[q * o + j] }
                reference[r * o + j] = acc
            }
        }
        let magnitude = TermMagnitudes.matrixProduct(a, b, rows: rows, inner: k, cols: o, bias: bias)
        expectWithin(
            "sk_gemm_bias", worstBoundRatio(out, reference, bound: magnitude.map { 2 * float32Gamma(k + 1) * $0 }),
            "rows \(rows) k \(k) o \(o)")
    }

    /// out += aᵀ·b (the weight gradient's product) against float64 sums: out's old value and `rows`
    /// products summed in float32 in any order are within γ_(rows+1)·(|out| + Σ|terms|) of the exact
    /// sum, and the float64 reference's own error is far below that. Rows past 256 cross the
    /// kernel's register blocks; o not a multiple of 16 takes its one-channel path; k past 256
    /// (seed 0) its second slice of column offsets.
    @Test(arguments: 0..<8)
    func gradientProductMatchesFloat64Sums(seed: Int) {
        var rng = TestRNG(seed: UInt64(350 + seed))
        let (rows, k, o) = (
            Int.random(in: 1...700, using: &rng), seed == 0 ? 300 : Int.random(in: 1...40, using: &rng), Int.random(in: 1...70, using: &rng)
        )
        let a = uniform(rows * k, &rng), b = uniform(rows * o, &rng), start = uniform(k * o, &rng)
        var out = start
        sk_gemm_at_b_add(a, rows, k, b, o, &out)
        var exact = [Double](repeating: 0, count: k * o), bound = [Double](repeating: 0, count: k * o)
        for q in 0..<k {
            for j in 0..<o {
                var sum = Double(start[q * o + j]), magnitude = abs(sum)
                for r in 0..<rows {
                    let term = Double(a[r * k + q]) * Double(b[r * o + j])
                    sum += term
                    magnitude += abs(term)
                }
                exact[q * o + j] = sum
                bound[q * o + j] = float32Gamma(rows + 1) * magnitude
            }
        }
        expectWithin("sk_gemm_at_b_add", worstBoundRatio(out.map(Double.init), exact, bound: bound), "rows \(rows) k \(k) o \(o)")
    }

    /// The kernel-width-1 weight gradient reads the input in place: the bits of im2col followed by
    /// sk_gemm_at_b_add, its rows crossing samples in the same blocks.
    @Test(arguments: 0..<6)
    func widthOneWeightGradientIsIm2colAndTheProduct(seed: Int) {
        var rng = TestRNG(seed: UInt64(370 + seed))
        // Seed 0: kh·c = 258 columns, past the kernel's slice of 256 offsets.
        let (n, c, o) = (Int.random(in: 1...9, using: &rng), seed == 0 ? 86 : Int.random(in: 1...33, using: &rng), Int.random(in: 1...40, using: &rng))
        let kh = seed == 0 ? 3 : Int.random(in: 1...4, using: &rng)
        let (h, w) = (kh + Int.random(in: 0...60, using: &rng), Int.random(in: 1...4, using: &rng))
        let (positions, k) = ((h - kh + 1) * w, kh * c)
        let x = uniform(n * h * w * c, &rng), dz = uniform(n * positions * o, &rng), start = uniform(k * o, &rng)
        var cols = [Float](repeating: .nan, count: n * positions * k)
        sk_nhwc_im2col(x, n, h, w, c, kh, 1, &cols)
        var viaColumns = start, inPlace = start
        sk_gemm_at_b_add(cols, n * positions, k, dz, o, &viaColumns)
        sk_nhwc_conv_width1_weight_gradient(x, n, h, w, c, kh, dz, o, &inPlace)
        #expect(
            inPlace.map(\.bitPattern) == viaColumns.map(\.bitPattern),
            "[\(n),\(h),\(w),\(c)]→\(o) kh \(kh): not the bits of im2col + sk_gemm_at_b_add")
    }

    /// The block's convolution — weight matrix, im2col and GEMM, or the in-place kernel-width-1
    /// product — against the reference Conv2d: 2γₙ·Σ|terms| with n = C_in·kH·kW + 1; im2col itself
    /// and the weight matrix are copies, equal to the index formulas exactly.
    @Test(arguments: 0..<8)
    func blockConvolutionMatchesTheReferenceConv2d(seed: Int) {
        var rng = TestRNG(seed: UInt64(400 + seed))
        let (n, c, o) = (Int.random(in: 1...4, using: &rng), Int.random(in: 1...20, using: &rng), Int.random(in: 1...40, using: &rng))
        let (kh, kw) = (Int.random(in: 1...4, using: &rng), seed % 2 == 0 ? 1 : Int.random(in: 1...3, using: &rng))
        let (h, w) = (kh + Int.random(in: 0...12, using: &rng), kw + Int.random(in: 0...8, using: &rng))
        let (ho, wo, k) = (h - kh + 1, w - kw + 1, kh * kw * c)
        let shape = "[\(n),\(c),\(h),\(w)]→\(o) k(\(kh),\(kw))"
        let (conv, store) = randomConvolution(c: c, o: o, kernel: (kh, kw), &rng)
        let x = Tensor(shape: [n, c, h, w], storage: uniform(n * c * h * w, &rng))
        let reference = conv.forward(x, training: false)
        let weight = store.tensor("conv.weight"), bias = store.tensor("conv.bias").storage
        let xl = x.channelsLast().storage

        var matrix = [Float](repeating: .nan, count: k * o)
        sk_conv_weight_matrix(weight.storage, o, c, kh, kw, &matrix)
        var cols = [Float](repeating: .nan, count: n * ho * wo * k)
        sk_nhwc_im2col(xl, n, h, w, c, kh, kw, &cols)
        var copiesExact = true
        for f in 0..<o {
            for ch in 0..<c {
                for p in 0..<kh {
                    for q in 0..<kw {
                        copiesExact = copiesExact && matrix[((p * kw + q) * c + ch) * o + f] == weight.storage[((f * c + ch) * kh + p) * kw + q]
                    }
                }
            }
        }
        for s in 0..<n {
            for i in 0..<ho {
                for j in 0..<wo {
                    for p in 0..<kh {
                        for q in 0..<kw {
                            for ch in 0..<c {
                                copiesExact =
                                    copiesExact && cols[((s * ho + i) * wo + j) * k + (p * kw + q) * c + ch] == xl[((s * h + i + p) * w + j + q) * c + ch]
                            }
                        }
                    }
                }
            }
        }
        #expect(copiesExact, "sk_conv_weight_matrix / sk_nhwc_im2col \(shape): not the index formula")

        let terms = TermMagnitudes.convForward(x: x, weight: weight, bias: bias)
        let bound = terms.magnitude.map { 2 * float32Gamma(terms.terms) * $0 }
        var z = [Float](repeating: .nan, count: n * ho * wo * o)
        sk_gemm_bias(cols, n * ho * wo, k, matrix, o, bias, &z)
        let viaColumns = Tensor(shape: [n, ho, wo, o], storage: z).channelsFirst()
        expectWithin("sk_nhwc_im2col + sk_gemm_bias", worstBoundRatio(viaColumns.storage, reference.storage, bound: bound), shape)
        if kw == 1 {
            var z1 = [Float](repeating: .nan, count: n * ho * wo * o)
            sk_nhwc_conv_width1(xl, n, h, w, c, kh, matrix, o, bias, &z1)
            let inPlace = Tensor(shape: [n, ho, wo, o], storage: z1).channelsFirst()
            expectWithin("sk_nhwc_conv_width1", worstBoundRatio(inPlace.storage, reference.storage, bound: bound), shape)
        }
        // Any kernel read in place, row by row: the same terms in the same order as im2col + the
        // product, so the same bits.
        var zTaps = [Float](repeating: .nan, count: n * ho * wo * o)
        sk_nhwc_conv(xl, n, h, w, c, kh, kw, matrix, o, bias, &zTaps)
        #expect(zTaps.map(\.bitPattern) == z.map(\.bitPattern), "sk_nhwc_conv \(shape): not the bits of im2col + sk_gemm_bias")
    }

    /// Winograd F(2×2, 3×3) against the exact convolution (float64). Each output is a sum of
    /// monomials coefficient·g·d, each through at most 2 roundings of the input transform, 4 of the
    /// weight transform (the ½ is exact), C_in of the product (it starts from an exact zero, so the
    /// first term is rounded once, fused or not), 4 of the output transform and 1 of the bias:
    /// c + 11 in all. So the error is at most γ_(c+11) times the pipeline of absolute values,
    /// |Aᵀ|((|G||g||Gᵀ|) ⊙ (|Bᵀ||d||B|))|A| summed over the input channels, plus |bias| (Higham
    /// §3.1's argument, term by term). Random shapes (channel counts off the vector width, more
    /// tiles than one block of SK_WINOGRAD_TILES), then fixed ones: the smallest image, both output
    /// sizes odd (a corner tile keeps one output of four), one channel in and out.
    @Test(arguments: 0..<11)
    func winogradConvolutionMatchesTheExactConvolution(seed: Int) {
        var rng = TestRNG(seed: UInt64(450 + seed))
        let fixed = [(1, 1, 1, 3, 3), (2, 1, 5, 7, 9), (1, 17, 16, 9, 11)]
        var (n, c, o) = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...40, using: &rng), Int.random(in: 1...40, using: &rng))
        var (h, w) =
            seed < 2
            ? (Int.random(in: 17...22, using: &rng), Int.random(in: 17...22, using: &rng))
            : (Int.random(in: 3...12, using: &rng), Int.random(in: 3...12, using: &rng))
        if seed >= 8 { (n, c, o, h, w) = fixed[seed - 8] }
        let (ho, wo) = (h - 2, w - 2)
        let shape = "[\(n),\(c),\(h),\(w)]→\(o)"
        let (_, store) = randomConvolution(c: c, o: o, kernel: (3, 3), &rng)
        let weight = store.tensor("conv.weight").storage, bias = store.tensor("conv.bias").storage
        let x = uniform(n * h * w * c, &rng)  // channels-last [n, h, w, c]
        var matrix = [Float](repeating: .nan, count: 9 * c * o), transformed = [Float](repeating: .nan, count: sk_winograd_weight_count(c, o))
        sk_conv_weight_matrix(weight, o, c, 3, 3, &matrix)
        sk_winograd_weights(matrix, c, o, &transformed)
        var out = [Float](repeating: .nan, count: n * ho * wo * o)
        var scratch = [Float](repeating: .nan, count: sk_winograd_scratch(c, o))
        sk_nhwc_conv3x3_winograd(x, n, h, w, c, transformed, o, bias, &out, &scratch)

        // |Bᵀ|, |G| and |Aᵀ| (the transforms' entries in absolute value).
        let bT: [[Double]] = [[1, 0, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 0, 1]]
        let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0, 0, 1]]
        let aT: [[Double]] = [[1, 1, 1, 0], [0, 1, 1, 1]]
        // |G||g||Gᵀ| per (input, output) channel: [ci][oc][16].
        var weightMagnitude = [[[Double]]](repeating: [[Double]](repeating: [], count: o), count: c)
        for ci in 0..<c {
            for oc in 0..<o {
                var m = [Double](repeating: 0, count: 16)
                for i in 0..<4 {
                    for j in 0..<4 {
                        for p in 0..<3 {
                            for q in 0..<3 { m[4 * i + j] += g[i][p] * Double(abs(weight[((oc * c + ci) * 3 + p) * 3 + q])) * g[j][q] }
                        }
                    }
                }
                weightMagnitude[ci][oc] = m
            }
        }
        var exact = [Double](repeating: 0, count: out.count), bound = exact
        let gamma = float32Gamma(c + 11)
        for s in 0..<n {
            for oi in 0..<ho {
                for oj in 0..<wo {
                    let (ti, tj, a, b) = (oi / 2, oj / 2, oi % 2, oj % 2)
                    // |Bᵀ||d||B| of this output's tile, per input channel (rows and columns past the
                    // image meet only zero coefficients of |Aᵀ| for an output inside it).
                    var inputMagnitude = [[Double]](repeating: [Double](repeating: 0, count: 16), count: c)
                    for ci in 0..<c {
                        for i in 0..<4 {
                            for j in 0..<4 {
                                var sum = 0.0
                                for p in 0..<4 where 2 * ti + p < h && bT[i][p] != 0 {
                                    for q in 0..<4 where 2 * tj + q < w && bT[j][q] != 0 {
                                        sum += Double(abs(x[((s * h + 2 * ti + p) * w + 2 * tj + q) * c + ci]))
                                    }
                                }
                                inputMagnitude[ci][4 * i + j] = sum
                            }
                        }
                    }
                    for oc in 0..<o {
                        var value = Double(bias[oc]), magnitude = Double(abs(bias[oc]))
                        for ci in 0..<c {
                            for p in 0..<3 {
                                for q in 0..<3 {
                                    value += Double(weight[((oc * c + ci) * 3 + p) * 3 + q]) * Double(x[((s * h + oi + p) * w + oj + q) * c + ci])
                                }
                            }
                            for i in 0..<4 where aT[a][i] != 0 {
                                for j in 0..<4 where aT[b][j] != 0 {
                                    magnitude += weightMagnitude[ci][oc][4 * i + j] * inputMagnitude[ci][4 * i + j]
                                }
                            }
                        }
                        let at = ((s * ho + oi) * wo + oj) * o + oc
                        exact[at] = value
                        bound[at] = gamma * magnitude
                    }
                }
            }
        }
        expectWithin("sk_nhwc_conv3x3_winograd", worstBoundRatio(out.map(Double.init), exact, bound: bound), shape)
    }

    /// Winograd F(m, 3) along rows (kernel 3×1) against the exact convolution (float64), m = 2 on even
    /// seeds and 4 on odd ones. Each output is a sum of monomials coefficient·g·d, each through at most
    /// 4 roundings of the weight transform (F(4, 3): the constant ⅙, its product and 2 additions; F(2,
    /// 3): 2 additions, the ½ exact), 3 of the input transform (F(4, 3): −5·d and 2 additions; F(2, 3):
    /// 1), C_in of the product (from an exact zero), 4 of the output transform (F(4, 3): the factors
    /// 2, 4, 8 exact; F(2, 3): 2) and 1 of the bias: c + 12 for m = 4, c + 6 for m = 2. So the error is
    /// at most γ of that count times the pipeline of absolute values |Aᵀ|((|G||g|) ⊙ (|Bᵀ||d|)) summed
    /// over the input channels, plus |bias| (Higham §3.1, term by term). Random shapes (output heights
    /// m does not divide, whose last tile reads zeros past the input; widths past one block of tiles),
    /// then fixed ones: the smallest input, EarthquakeCNN's layers 2 and 3 as evaluation calls them
    /// (64 windows), a width of 70 (more than SK_WINOGRAD_TILES tiles in one row). Reads past the input
    /// and writes past the output or the working memory are caught by guards.
    @Test(arguments: 0..<14)
    func winogradRowsConvolutionMatchesTheExactConvolution(seed: Int) {
        var rng = TestRNG(seed: UInt64(470 + seed))
        let m = seed % 2 == 0 ? 2 : 4
        let fixed = [
            (1, 1, 3, 1, 1), (1, 1, 3, 1, 1), (64, 16, 26, 3, 32), (64, 16, 26, 3, 32), (64, 32, 8, 3, 64),
            (2, 5, 11, 70, 17)
        ]
        var (n, c, o) = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...40, using: &rng), Int.random(in: 1...40, using: &rng))
        var (h, w) = (Int.random(in: 3...30, using: &rng), Int.random(in: 1...6, using: &rng))
        if seed >= 8 { (n, c, h, w, o) = fixed[seed - 8] }
        let ho = h - 2
        let shape = "[\(n),\(c),\(h),\(w)]→\(o) m \(m)"
        let (_, store) = randomConvolution(c: c, o: o, kernel: (3, 1), &rng)
        let weight = store.tensor("conv.weight").storage, bias = store.tensor("conv.bias").storage
        let x = uniform(n * h * w * c, &rng)  // channels-last [n, h, w, c]
        var matrix = [Float](repeating: .nan, count: 3 * c * o)
        var transformed = [Float](repeating: .nan, count: sk_winograd_rows_weight_count(c, o, m))
        sk_conv_weight_matrix(weight, o, c, 3, 1, &matrix)
        sk_winograd_rows_weights(matrix, c, o, m, &transformed)
        // Guards: NaN rows after the input (a read past it would poison the outputs), and a sentinel
        // after the output and after working memory sized for more samples than the call has (as
        // ConvBlock sizes it for its largest group), which must stay untouched.
        let guarded = x + [Float](repeating: .nan, count: 6 * w * c), sentinel: Float = 7.25
        var out = [Float](repeating: .nan, count: n * ho * w * o) + [Float](repeating: sentinel, count: 16)
        var scratch =
            [Float](repeating: .nan, count: sk_winograd_rows_scratch(n + 2, h, w, c, o, m)) + [Float](repeating: sentinel, count: 16)
        sk_nhwc_conv3x1_winograd(guarded, n, h, w, c, m, transformed, o, bias, &out, &scratch)
        #expect(out.suffix(16).allSatisfy { $0 == sentinel } && scratch.suffix(16).allSatisfy { $0 == sentinel }, "\(shape): wrote past")
        out.removeLast(16)

        // |Bᵀ|, |G| and |Aᵀ| (the transforms' entries in absolute value).
        let bT: [[Double]], g: [[Double]], aT: [[Double]]
        if m == 2 {
            bT = [[1, 0, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 0, 1]]
            g = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0, 0, 1]]
            aT = [[1, 1, 1, 0], [0, 1, 1, 1]]
        } else {
            bT = [
                [4, 0, 5, 0, 1, 0], [0, 4, 4, 1, 1, 0], [0, 4, 4, 1, 1, 0], [0, 2, 1, 2, 1, 0], [0, 2, 1, 2, 1, 0],
                [0, 4, 0, 5, 0, 1]
            ]
            g = [
                [0.25, 0, 0], [1 / 6, 1 / 6, 1 / 6], [1 / 6, 1 / 6, 1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, 1 / 12, 1 / 6],
                [0, 0, 1]
            ]
            aT = [[1, 1, 1, 1, 1, 0], [0, 1, 1, 2, 2, 0], [0, 1, 1, 4, 4, 0], [0, 1, 1, 8, 8, 1]]
        }
        let a = m + 2
        let gamma = float32Gamma(c + (m == 4 ? 12 : 6))
        var exact = [Double](repeating: 0, count: out.count), bound = exact
        for s in 0..<n {
            for oi in 0..<ho {
                let (ti, r) = (oi / m, oi % m)
                for j in 0..<w {
                    // |Bᵀ||d| of this output's tile per input channel (rows past the input are zeros).
                    var inputMagnitude = [[Double]](repeating: [Double](repeating: 0, count: a), count: c)
                    for ci in 0..<c {
                        for e in 0..<a {
                            for i in 0..<a where m * ti + i < h {
                                inputMagnitude[ci][e] += bT[e][i] * Double(abs(x[((s * h + m * ti + i) * w + j) * c + ci]))
                            }
                        }
                    }
                    for oc in 0..<o {
                        var value = Double(bias[oc]), magnitude = Double(abs(bias[oc]))
                        for ci in 0..<c {
                            var kernel = [Double](repeating: 0, count: 3)
                            for p in 0..<3 {
                                kernel[p] = Double(weight[(oc * c + ci) * 3 + p])
                                value += kernel[p] * Double(x[((s * h + oi + p) * w + j) * c + ci])
                            }
                            for e in 0..<a where aT[r][e] != 0 {
                                let weightMagnitude = (0..<3).reduce(0.0) { $0 + g[e][$1] * abs(kernel[$1]) }
                                magnitude += aT[r][e] * weightMagnitude * inputMagnitude[ci][e]
                            }
                        }
                        let at = ((s * ho + oi) * w + j) * o + oc
                        exact[at] = value
                        bound[at] = gamma * magnitude
                    }
                }
            }
        }
        expectWithin("sk_nhwc_conv3x1_winograd", worstBoundRatio(out.map(Double.init), exact, bound: bound), shape)
    }

    /// The block's convolution backward — dcols = dz·Wᵀ (sk_gemm_bias) folded back by sk_nhwc_col2im;
    /// the weight gradient's product by sk_gemm_at_b_add, added through sk_conv_weight_gradient_add; the bias gradient by
    /// sk_column_sums_float — against Conv2d.backward. Input gradient: the fused side sums C_out
    /// products, then kH·kW of those (γ_(C_out + kH·kW − 1) ≤ γ_(C_out·kH·kW)), the reference all
    /// C_out·kH·kW in one sum: 2γ_(C_out·kH·kW)·Σ|terms|. Parameter gradients: N·Ho·Wo terms each.
    @Test(arguments: 0..<6)
    func blockConvolutionBackwardMatchesTheReferenceConv2d(seed: Int) {
        var rng = TestRNG(seed: UInt64(500 + seed))
        let (n, c, o) = (Int.random(in: 1...4, using: &rng), Int.random(in: 1...12, using: &rng), Int.random(in: 1...40, using: &rng))
        let (kh, kw) = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
        let (h, w) = (kh + Int.random(in: 0...10, using: &rng), kw + Int.random(in: 0...8, using: &rng))
        let (ho, wo, k, rows) = (h - kh + 1, w - kw + 1, kh * kw * c, n * (h - kh + 1) * (w - kw + 1))
        let shape = "[\(n),\(c),\(h),\(w)]→\(o) k(\(kh),\(kw))"
        let (conv, store) = randomConvolution(c: c, o: o, kernel: (kh, kw), &rng)
        let x = Tensor(shape: [n, c, h, w], storage: uniform(n * c * h * w, &rng))
        let dy = Tensor(shape: [n, o, ho, wo], storage: uniform(n * o * ho * wo, &rng))
        _ = conv.forward(x, training: true)
        store.zeroGradients()
        let dx = conv.backward(dy)
        let weight = store.tensor("conv.weight")

        var matrix = [Float](repeating: .nan, count: k * o)
        sk_conv_weight_matrix(weight.storage, o, c, kh, kw, &matrix)
        let byOutput = TermMagnitudes.transposed(matrix, rows: k, cols: o)
        let dz = dy.channelsLast().storage
        var dcols = [Float](repeating: .nan, count: rows * k), dxl = [Float](repeating: .nan, count: n * h * w * c)
        sk_gemm_bias(dz, rows, o, byOutput, k, [Float](repeating: 0, count: k), &dcols)
        sk_nhwc_col2im(dcols, n, h, w, c, kh, kw, &dxl)
        let input = TermMagnitudes.convInputGradient(dy: dy, weight: weight, inputShape: x.shape)
        expectWithin(
            "sk_gemm_bias + sk_nhwc_col2im",
            worstBoundRatio(
                Tensor(shape: [n, h, w, c], storage: dxl).channelsFirst().storage,
                dx.storage, bound: input.magnitude.map { 2 * float32Gamma(input.terms) * $0 }), shape)

        // dm [K, C_out] = colsᵀ·dz (sk_gemm_at_b_add, as the block), then into [C_out, C_in, kH, kW].
        var cols = [Float](repeating: .nan, count: rows * k)
        sk_nhwc_im2col(x.channelsLast().storage, n, h, w, c, kh, kw, &cols)
        var dm = [Float](repeating: 0, count: k * o)
        sk_gemm_at_b_add(cols, rows, k, dz, o, &dm)
        var gw = [Float](repeating: 0, count: o * k), gb = [Float](repeating: 0, count: o)
        sk_conv_weight_gradient_add(dm, o, c, kh, kw, &gw)
        sk_column_sums_float(dz, rows, o, &gb)
        let params = TermMagnitudes.convParameterGradients(x: x, dy: dy, kernel: (kh, kw))
        expectWithin(
            "sk_conv_weight_gradient_add",
            worstBoundRatio(
                gw, store.gradientTensor("conv.weight").storage,
                bound: params.weight.map { 2 * float32Gamma(params.terms) * $0 }), shape)
        expectWithin(
            "sk_column_sums_float",
            worstBoundRatio(
                gb, store.gradientTensor("conv.bias").storage,
                bound: params.bias.map { 2 * float32Gamma(params.terms) * $0 }), shape)
    }

    /// BatchNorm's moments of the convolution output [rows, C] against float64 loops. Σx: float partial
    /// sums flushed into double, γ_rows·Σ|x|. Σ(x − μ)²: each term d² with d = x − μ_f (μ_f the mean
    /// rounded to float) is off by γ₃ of d², the sum by γ_rows more, and the kernel removes rows·(μ − μ_f)²
    /// (the cross terms vanish about the exact mean): γ_(rows+3)·(Σ(x − μ)² + rows·(μ − μ_f)²). The
    /// float64 reference's own error (rows·2⁻⁵³ of the same magnitudes) is added.
    @Test(arguments: 0..<8)
    func columnMomentsMatchFloat64Loops(seed: Int) {
        var rng = TestRNG(seed: UInt64(600 + seed))
        let (rows, c) = (Int.random(in: 1...400, using: &rng), Int.random(in: 1...70, using: &rng))
        // Channels far from zero mean, as a convolution's output before BatchNorm can be.
        let x = uniform(rows * c, &rng, scale: 2, offset: Float(seed) - 3)
        var sums = [Double](repeating: 0, count: c), squared = [Double](repeating: 0, count: c)
        sk_column_sums(x, rows, c, &sums)
        var mean = [Double](repeating: 0, count: c), exactSums = mean, sumBound = mean
        var exactSquared = [Double](repeating: 0, count: c), squaredBound = [Double](repeating: 0, count: c)
        let double = Double(rows) * 0x1p-53
        for ch in 0..<c {
            var s = 0.0, magnitude = 0.0
            for r in 0..<rows { s += Double(x[r * c + ch]); magnitude += abs(Double(x[r * c + ch])) }
            exactSums[ch] = s
            mean[ch] = s / Double(rows)
            sumBound[ch] = (float32Gamma(rows) + double) * magnitude
            var m2 = 0.0
            for r in 0..<rows { let d = Double(x[r * c + ch]) - mean[ch]; m2 += d * d }
            exactSquared[ch] = m2
            let e = mean[ch] - Double(Float(mean[ch]))
            squaredBound[ch] = (float32Gamma(rows + 3) + double) * (m2 + Double(rows) * e * e) + 0x1p-149
        }
        expectWithin("sk_column_sums", worstBoundRatio(sums, exactSums, bound: sumBound), "rows \(rows) c \(c)")
        sk_column_squared_deviations(x, rows, c, mean, &squared)
        expectWithin("sk_column_squared_deviations", worstBoundRatio(squared, exactSquared, bound: squaredBound), "rows \(rows) c \(c)")
    }

    /// The block's tail — BatchNorm as z·scale + shift, GELU, max pool (ph, pw), dropout — against a
    /// float64 reference whose dropout factors come from `DropoutMask` (the reference Dropout's).
    /// Per candidate, the affine is off by δ ≤ 2u·(|z·scale| + |shift|), which moves GELU by 1.13·δ;
    /// GELU's own error at v is |v|·(½·5e-7 + 4u) (KernelVariantTests). The max of perturbed values (or,
    /// in evaluation, the GELU of the perturbed smallest or largest input) is within the window's
    /// largest such bound; the dropout product adds u. Training also returns the winner, its z and the
    /// backward factor m·GELU'(v): where the exact winner leads the runner-up by more than twice the
    /// bound, the kernel's winner must be it and its z equal; the factor is off by GELU''s error
    /// (LayerFixtureTests) plus 0.8·δ, times m, plus u.
    @Test(arguments: 0..<8)
    func blockTailMatchesTheReference(seed: Int) {
        var rng = TestRNG(seed: UInt64(700 + seed))
        let (n, c) = (Int.random(in: 1...3, using: &rng), [1, 3, 16, 17, 40][seed % 5])
        let (ph, pw) = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...2, using: &rng))
        let (h, w) = (
            ph * Int.random(in: 1...5, using: &rng) + Int.random(in: 0...1, using: &rng),
            pw * Int.random(in: 1...4, using: &rng) + Int.random(in: 0...1, using: &rng)
        )
        let (ho, wo) = (h / ph, w / pw)
        let pooled = ho * wo
        let shape = "n \(n) [\(h),\(w)]×\(c) pool (\(ph),\(pw))"
        let z = uniform(n * h * w * c, &rng, scale: 3)
        let scale = uniform(c, &rng, scale: 1.5), shift = uniform(c, &rng)
        var masks = DropoutMasks(probability: seed % 3 == 0 ? 0 : 0.3, seed: UInt64(seed))
        masks.firstSample = seed % 4
        let mask = masks.next(training: true, itemSize: pooled * c)
        var drop =
            mask.map { sk_dropout_params(key: $0.key, threshold: $0.threshold, scale: $0.scale, first: Int64($0.first), stride: Int64($0.stride)) }
            ?? sk_dropout_params()

        let reference = pooledGELUReference(z, n: n, h: h, w: w, c: c, pool: (ph, pw), scale: scale, shift: shift)
        var exact = [Double](), bound = [Double](), factors = [Double]()
        for (t, r) in reference.enumerated() {
            let (s, ch) = (t / (pooled * c), t % c)
            let factor = Double(mask?.factor(s * pooled * c + ch * pooled + (t / c) % pooled) ?? 1)
            exact.append(r.best * factor)
            bound.append(r.largest * factor + u * abs(r.best * factor) + 0x1p-149)
            factors.append(factor)
        }
        let winner = reference.map(\.at), winnerV = reference.map(\.v)
        let leads = reference.map { $0.best - $0.second > 2 * $0.largest }

        var y = [Float](repeating: .nan, count: n * pooled * c)
        sk_nhwc_block_forward(z, n, h, w, c, ph, pw, scale, shift, &y, nil, nil, nil, &drop)
        expectWithin("sk_nhwc_block_forward (evaluation)", worstBoundRatio(y.map(Double.init), exact, bound: bound), shape)

        var arg = [Int32](repeating: -1, count: y.count), gain = [Float](repeating: .nan, count: y.count)
        var zwin = [Float](repeating: .nan, count: y.count)
        sk_nhwc_block_forward(z, n, h, w, c, ph, pw, scale, shift, &y, &arg, &gain, &zwin, &drop)
        expectWithin("sk_nhwc_block_forward (training)", worstBoundRatio(y.map(Double.init), exact, bound: bound), shape)
        var sameWinners = true, exactGains = [Double](), gainBounds = [Double](), keptGains = [Double]()
        for t in 0..<y.count where leads[t] {
            let ch = t % c, pixel = t / c, s = pixel / pooled, (i, j) = ((pixel % pooled) / wo, pixel % wo)
            let (p, q) = (Int(winner[t]) / pw, Int(winner[t]) % pw)
            let zAtWinner = z[((s * h + i * ph + p) * w + j * pw + q) * c + ch]
            sameWinners = sameWinners && arg[t] == winner[t] && zwin[t] == zAtWinner
            let v = winnerV[t], delta = 2 * u * (abs(Double(zAtWinner) * Double(scale[ch])) + abs(Double(shift[ch])))
            let d = geluDerivative(v).value * factors[t]
            exactGains.append(d)
            gainBounds.append((geluDerivativeError(v) + geluDerivativeLipschitz * delta) * factors[t] + u * abs(d) + 0x1p-149)
            keptGains.append(Double(gain[t]))
        }
        #expect(sameWinners, "sk_nhwc_block_forward \(shape): a clear winner not chosen, or its z not kept")
        #expect(exactGains.count * 2 >= y.count, "\(shape): only \(exactGains.count) of \(y.count) winners clear")
        expectWithin("sk_nhwc_block_forward (backward factor)", worstBoundRatio(keptGains, exactGains, bound: gainBounds), shape)
    }

    /// The evaluation's pooled GELU where most windows need both candidates' GELUs (lo < m < hi < 0,
    /// m = GELU's minimum): the narrower variants set those aside and take them in a second pass,
    /// the list emptied every ~1,000 values, so these samples hold 1,020–12,800 pooled values, a
    /// half or more of them set aside. Shapes reach each form of the kernel: one-column windows
    /// (3, 1) and (2, 1) over rows of w·c ≤ 512 values (pooled as one window), with and without a
    /// tail of fewer than 16 lanes; (2, 2) with a channel tail; (2, 1) over rows too wide for that;
    /// and a single column. Scale takes both signs. A NaN input makes its pooled value NaN, and so
    /// does −∞ (GELU(−∞) is NaN, as PyTorch's), whether the window's largest is above m or not.
    /// Bounds as above.
    @Test(arguments: 0..<6)
    func blockEvaluationTakesBothCandidatesWhereNeeded(seed: Int) {
        var rng = TestRNG(seed: UInt64(900 + seed))
        let shapes = [
            (2, 121, 3, 16, 3, 1), (2, 24, 21, 17, 2, 2), (1, 40, 20, 32, 2, 1), (2, 90, 1, 40, 3, 1), (2, 80, 5, 17, 2, 1),
            (2, 60, 3, 17, 3, 1)
        ]
        let (n, h, w, c, ph, pw) = shapes[seed]
        let (ho, wo) = (h / ph, w / pw)
        let shape = "n \(n) [\(h),\(w)]×\(c) pool (\(ph),\(pw))"
        let scale = (0..<c).map { $0 % 2 == 0 ? Float(1) : -1 }, shift = scale.map { $0 > 0 ? Float(0) : -1.35 }
        // v = z·scale + shift in [−1.45, 0.1] for either sign of scale.
        var z = uniform(n * h * w * c, &rng, scale: 0.775, offset: -0.675)
        // Windows (s, i, j, ch) given a NaN; −∞ with the rest above m; −∞ with the rest below m.
        let poisoned = [(0, 0, wo - 1, 1), (n - 1, 0, wo - 1, c - 1), (0, ho - 1, 0, 0)]
        for (k, (s, i, j, ch)) in poisoned.enumerated() {
            for p in 0..<ph {
                for q in 0..<pw {
                    let v: Float = p + q == 0 ? (k == 0 ? .nan : -.infinity) : (k == 1 ? -0.3 : -1.2)
                    z[((s * h + i * ph + p) * w + j * pw + q) * c + ch] = (v - shift[ch]) * scale[ch]
                }
            }
        }
        let reference = pooledGELUReference(z, n: n, h: h, w: w, c: c, pool: (ph, pw), scale: scale, shift: shift)
        var y = [Float](repeating: 0, count: reference.count)
        var drop = sk_dropout_params()
        sk_nhwc_block_forward(z, n, h, w, c, ph, pw, scale, shift, &y, nil, nil, nil, &drop)

        let nanAt = Set(poisoned.map { s, i, j, ch in ((s * ho + i) * wo + j) * c + ch })
        for at in nanAt.sorted() { #expect(y[at].isNaN, "\(shape): a window holding a NaN or −∞ gave \(y[at]), not NaN") }
        let kept = y.indices.filter { !nanAt.contains($0) }
        let m = -0.7517915246935646
        let both = kept.filter { t in
            let (s, ch, pixel) = (t / (ho * wo * c), t % c, (t / c) % (ho * wo))
            let (i, j) = (pixel / wo, pixel % wo)
            var vs = [Double]()
            for p in 0..<ph {
                for q in 0..<pw { vs.append(Double(z[((s * h + i * ph + p) * w + j * pw + q) * c + ch]) * Double(scale[ch]) + Double(shift[ch])) }
            }
            return vs.min()! < m && vs.max()! > m && vs.max()! < 0
        }
        #expect(both.count * 3 > kept.count && both.count > 1024, "\(shape): only \(both.count) of \(kept.count) need both")
        expectWithin(
            "sk_nhwc_block_forward (evaluation, both candidates)",
            worstBoundRatio(
                kept.map { Double(y[$0]) }, kept.map { reference[$0].best },
                bound: kept.map { reference[$0].largest + u * abs(reference[$0].best) + 0x1p-149 }), shape)
    }

    /// The block's backward through the tail and BatchNorm. Sums: dv = dy·gain is one product (equal
    /// bits); Σdv over `rows` values is off by γ_rows·Σ|dv|, Σdv·x̂ with x̂ = (zwin − mean)·istd (three
    /// float operations per term) by γ_(rows+3)·Σ|dv·x̂|. dz = k·(d − a − (z − mean)·istd·b), d = dv at
    /// the winner (else 0), six float operations: γ₆·|k|·(|d| + |a| + |(z − mean)·istd·b|).
    @Test(arguments: 0..<6)
    func blockBackwardKernelsMatchFloat64Loops(seed: Int) {
        var rng = TestRNG(seed: UInt64(800 + seed))
        let (n, c) = (Int.random(in: 1...3, using: &rng), [1, 5, 16, 33, 64, 100][seed])
        let (ph, pw) = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...2, using: &rng))
        let (h, w) = (
            ph * Int.random(in: 1...6, using: &rng) + Int.random(in: 0...1, using: &rng),
            pw * Int.random(in: 1...4, using: &rng) + Int.random(in: 0...1, using: &rng)
        )
        let (ho, wo) = (h / ph, w / pw)
        let rows = n * ho * wo
        let shape = "n \(n) [\(h),\(w)]×\(c) pool (\(ph),\(pw))"
        let dy = uniform(rows * c, &rng), gain = uniform(rows * c, &rng, scale: 1.2), zwin = uniform(rows * c, &rng, scale: 3)
        let mean = uniform(c, &rng), istd = uniform(c, &rng, scale: 2, offset: 2.5)
        var dv = [Float](repeating: .nan, count: rows * c)
        var sumDy = [Double](repeating: 0, count: c), sumDyXhat = [Double](repeating: 0, count: c)
        sk_nhwc_block_backward_sums(dy, gain, zwin, rows, c, mean, istd, &dv, &sumDy, &sumDyXhat)
        #expect(dv == zip(dy, gain).map { $0 * $1 }, "sk_nhwc_block_backward_sums \(shape): dv is not dy·gain")
        var exactDy = [Double](repeating: 0, count: c), exactDyXhat = exactDy, boundDy = exactDy, boundDyXhat = exactDy
        for r in 0..<rows {
            for ch in 0..<c {
                let d = Double(dy[r * c + ch] * gain[r * c + ch])
                let term = d * (Double(zwin[r * c + ch]) - Double(mean[ch])) * Double(istd[ch])
                exactDy[ch] += d
                exactDyXhat[ch] += term
                boundDy[ch] += float32Gamma(rows) * abs(d)
                boundDyXhat[ch] += float32Gamma(rows + 3) * abs(term)
            }
        }
        expectWithin("sk_nhwc_block_backward_sums (Σdv)", worstBoundRatio(sumDy, exactDy, bound: boundDy.map { $0 + 0x1p-149 }), shape)
        expectWithin("sk_nhwc_block_backward_sums (Σdv·x̂)", worstBoundRatio(sumDyXhat, exactDyXhat, bound: boundDyXhat.map { $0 + 0x1p-149 }), shape)

        let z = uniform(n * h * w * c, &rng, scale: 3)
        let arg = (0..<(rows * c)).map { _ in Int32.random(in: 0..<Int32(ph * pw), using: &rng) }
        let k = uniform(c, &rng), a = uniform(c, &rng, scale: 0.1), b = uniform(c, &rng, scale: 0.1)
        var dz = [Float](repeating: .nan, count: n * h * w * c)
        var dbias = uniform(c, &rng), noBias = [Float](repeating: .nan, count: n * h * w * c)
        var sums = dbias
        sk_nhwc_block_backward_dx(z, n, h, w, c, ph, pw, dv, arg, mean, istd, k, a, b, &dz, &dbias)
        sk_nhwc_block_backward_dx(z, n, h, w, c, ph, pw, dv, arg, mean, istd, k, a, b, &noBias, nil)
        sk_column_sums_float(dz, n * h * w, c, &sums)
        #expect(noBias.map(\.bitPattern) == dz.map(\.bitPattern), "sk_nhwc_block_backward_dx \(shape): dz depends on dbias")
        #expect(dbias.map(\.bitPattern) == sums.map(\.bitPattern), "sk_nhwc_block_backward_dx \(shape): dbias is not sk_column_sums_float of dz")
        var exactDz = [Double](), boundDz = [Double]()
        for s in 0..<n {
            for yy in 0..<h {
                for xx in 0..<w {
                    for ch in 0..<c {
                        var d = 0.0
                        if yy < ho * ph && xx < wo * pw {
                            let at = ((s * ho + yy / ph) * wo + xx / pw) * c + ch
                            if Int(arg[at]) == (yy % ph) * pw + xx % pw { d = Double(dv[at]) }
                        }
                        let hat = (Double(z[((s * h + yy) * w + xx) * c + ch]) - Double(mean[ch])) * Double(istd[ch]) * Double(b[ch])
                        exactDz.append(Double(k[ch]) * (d - Double(a[ch]) - hat))
                        boundDz.append(float32Gamma(6) * abs(Double(k[ch])) * (abs(d) + abs(Double(a[ch])) + abs(hat)) + 0x1p-149)
                    }
                }
            }
        }
        expectWithin("sk_nhwc_block_backward_dx", worstBoundRatio(dz.map(Double.init), exactDz, bound: boundDz), shape)
    }

    /// The C dropout hash (used inside sk_nhwc_block_forward) is `DropoutMask.keeps`, bit for bit,
    /// including indices past 2³² (large global batches).
    @Test func dropoutHashEqualsTheReference() {
        var rng = TestRNG(seed: 900)
        var differ = 0
        for trial in 0..<200_000 {
            let key = rng.next(), threshold = UInt32.random(in: 0...UInt32.max, using: &rng)
            let i = trial % 2 == 0 ? UInt64.random(in: 0..<(1 << 20), using: &rng) : rng.next() >> 20
            if (sk_dropout_keep(i, key, threshold) != 0) != DropoutMask.keeps(i, key: key, threshold: threshold) { differ += 1 }
        }
        #expect(differ == 0, "sk_dropout_keep and DropoutMask.keeps differ on \(differ) of 200000 draws")
    }

    /// GELU' against the float64 derivative, under the bound LayerFixtureTests derives.
    @Test func geluBackwardMatchesTheDerivative() {
        var rng = TestRNG(seed: 901)
        let x = (-60_000...60_000).map { Float($0) * 1e-4 }
        let dy = uniform(x.count, &rng, scale: 2)
        var dx = [Float](repeating: .nan, count: x.count)
        sk_gelu_backward(x, dy, &dx, x.count)
        let exact = x.indices.map { Double(dy[$0]) * geluDerivative(Double(x[$0])).value }
        let bound = x.indices.map { abs(Double(dy[$0])) * geluDerivativeError(Double(x[$0])) + u * abs(exact[$0]) + 0x1p-149 }
        expectWithin("sk_gelu_backward", worstBoundRatio(dx.map(Double.init), exact, bound: bound), "x in [-6, 6]")
    }

    /// sk_channels_last and sk_channels_first are the index permutations, exactly.
    @Test(arguments: 0..<4)
    func layoutKernelsArePermutations(seed: Int) {
        var rng = TestRNG(seed: UInt64(950 + seed))
        let (n, c, positions) = (Int.random(in: 1...4, using: &rng), Int.random(in: 2...40, using: &rng), Int.random(in: 1...50, using: &rng))
        let x = uniform(n * c * positions, &rng)
        var last = [Float](repeating: .nan, count: x.count), back = last
        sk_channels_last(x, n, positions, c, &last)
        sk_channels_first(last, n, positions, c, &back)
        var permuted = true
        for s in 0..<n {
            for ch in 0..<c {
                for t in 0..<positions {
                    permuted = permuted && last[(s * positions + t) * c + ch] == x[(s * c + ch) * positions + t]
                }
            }
        }
        #expect(permuted && back == x, "n \(n) c \(c) positions \(positions)")
    }
}
