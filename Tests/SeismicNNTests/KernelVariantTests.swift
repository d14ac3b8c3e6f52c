// Every compiled variant of the C kernels (AVX-512, AVX2+FMA, baseline) that this CPU can run,
// called by name and compared with a double-precision reference under a stated error bound; and
// the dispatch honours SEISMIC_MAX_ISA (scripts/test_kernel_variants.sh reruns the numerical suites
// under each forced variant).

import CSeismicKernels
import Foundation
import SeismicNN
import TestSupport
import Testing

@Suite struct KernelVariantTests {
    typealias Gemm = (
        UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int, UnsafePointer<Float>?,
        UnsafeMutablePointer<Float>?
    ) -> Void
    typealias Elementwise = (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
    typealias Gemv = (
        UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int, UnsafePointer<Float>?,
        UnsafeMutablePointer<Float>?, Int
    ) -> Void

    #if arch(x86_64)
        nonisolated(unsafe) static let gemm: [(InstructionSet, Gemm)] = [
            (.baseline, sk_gemm_bias_baseline), (.avx2, sk_gemm_bias_avx2),
            (.avx512, sk_gemm_bias_avx512)
        ]
        nonisolated(unsafe) static let gelu: [(InstructionSet, Elementwise)] = [
            (.baseline, sk_gelu_forward_baseline),
            (.avx2, sk_gelu_forward_avx2), (.avx512, sk_gelu_forward_avx512)
        ]
        nonisolated(unsafe) static let gemv: [(InstructionSet, Gemv)] = [
            (.baseline, sk_gemv_bias_baseline), (.avx2, sk_gemv_bias_avx2), (.avx512, sk_gemv_bias_avx512)
        ]
    #else
        nonisolated(unsafe) static let gemm: [(InstructionSet, Gemm)] = [(.baseline, sk_gemm_bias_baseline)]
        nonisolated(unsafe) static let gelu: [(InstructionSet, Elementwise)] = [(.baseline, sk_gelu_forward_baseline)]
        nonisolated(unsafe) static let gemv: [(InstructionSet, Gemv)] = [(.baseline, sk_gemv_bias_baseline)]
    #endif

    static let u = float32UnitRoundoff

    @Test func dispatchHonoursSEISMIC_MAX_ISA() {
        let widest = InstructionSet.allCases.last { $0.isSupported } ?? .baseline
        let requested = ProcessInfo.processInfo.environment["SEISMIC_MAX_ISA"]
            .flatMap { name in InstructionSet.allCases.first { $0.description == name } }
        let expected = requested.map { InstructionSet(rawValue: min($0.rawValue, widest.rawValue))! } ?? widest
        diagnostic("kernels run the \(InstructionSet.active) variant (widest on this CPU: \(widest))")
        #expect(InstructionSet.active == expected)
        #expect(InstructionSet.baseline.isSupported)
    }

    /// out = bias + A·B for every variant, on shapes that hit every tile (the main tile of each
    /// variant, 8, 6 or 2 rows (`SK_GEMM_TILE_ROWS`), several times and with each 4/2/1-row tail;
    /// 16-channel blocks, a lone row's groups of four blocks and the leftover channels). Bound: the forward error of an inner product of n terms in
    /// any order, with or without fused multiply-adds, is at most γₙ·Σ|terms| with γₙ = n·u/(1 − n·u)
    /// (Higham, Accuracy and Stability of Numerical Algorithms, §3.1); here n = k + 1 with the bias.
    @Test func gemmBiasVariantsMatchTheReferenceWithinTheInnerProductBound() {
        var rng = SeededGenerator(seed: 11)
        for (isa, kernel) in Self.gemm where isa.isSupported {
            for rows in [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 31, 40] {
                for k in [1, 3, 9, 48, 130] {
                    for o in [1, 3, 16, 17, 48, 64, 81] {
                        let a = (0..<(rows * k)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                        let b = (0..<(k * o)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                        let bias = (0..<o).map { _ in rng.nextUnitFloat() * 2 - 1 }
                        var out = [Float](repeating: .nan, count: rows * o)
                        kernel(a, rows, k, b, o, bias, &out)
                        let (exact, magnitude) = TermMagnitudes.exactProduct(a, b, rows: rows, inner: k, cols: o, bias: bias)
                        // An output left NaN (not written) counts as an infinite ratio.
                        let worstRatio = worstBoundRatio(out.map(Double.init), exact, bound: magnitude.map { float32Gamma(k + 1) * $0 }).ratio
                        #expect(worstRatio <= 1, "\(isa) sk_gemm_bias rows \(rows) k \(k) o \(o): error \(worstRatio)× the bound")
                    }
                }
            }
        }
    }

    /// The product packs b into contiguous 16-channel panels when the rows repay the copy (four
    /// tiles or more) and reads b in place otherwise; both sum the same terms in the same order, so
    /// a product computed in one call must have the bits of the same rows computed one at a time.
    @Test func gemmBiasPackedPanelsGiveTheBitsOfTheUnpackedProduct() {
        var rng = SeededGenerator(seed: 12)
        for (isa, _) in Self.gemm where !isa.isSupported { diagnostic("sk_gemm_bias \(isa) not run: this CPU lacks it") }
        for (isa, kernel) in Self.gemm where isa.isSupported {
            // (o ≥ 64: a lone row takes four 16-channel blocks at a time, packed — the last row of
            // 53 = 8·6 + 4 + 1 or 6·8 + 4 + 1, packed for every variant (≥ 4 tiles) — and unpacked,
            // row by row; o = 150: two groups of four blocks, a block of 16 and 6 single channels.)
            for (rows, k, o) in [(40, 48, 48), (53, 130, 33), (96, 9, 16), (53, 48, 64), (53, 130, 97), (53, 20, 150), (7, 20, 150)] {
                let a = (0..<(rows * k)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                let b = (0..<(k * o)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                let bias = (0..<o).map { _ in rng.nextUnitFloat() * 2 - 1 }
                var whole = [Float](repeating: .nan, count: rows * o)
                kernel(a, rows, k, b, o, bias, &whole)
                var byRow = [Float](repeating: .nan, count: rows * o)
                a.withUnsafeBufferPointer { ap in
                    byRow.withUnsafeMutableBufferPointer { op in
                        for r in 0..<rows { kernel(ap.baseAddress! + r * k, 1, k, b, o, bias, op.baseAddress! + r * o) }
                    }
                }
                #expect(whole.map(\.bitPattern) == byRow.map(\.bitPattern), "\(isa) sk_gemm_bias rows \(rows) k \(k) o \(o)")
            }
        }
    }

    /// Whether this CPU runs AVX-512, so that `kernel`'s AVX-512 and AVX2 variants can be compared; if
    /// not, says so in the test log.
    private func canCompareAVX512WithAVX2(_ kernel: String) -> Bool {
        if !InstructionSet.avx512.isSupported { diagnostic("\(kernel) avx512 against avx2 not run: this CPU lacks AVX-512") }
        return InstructionSet.avx512.isSupported
    }

    /// The AVX-512 and AVX2 products differ in tile shape only (8 rows × 32 channels against 6 × 16,
    /// with fused multiply-adds on both) and sum each output's terms in the same order: the same
    /// bits, so a product gives the same numbers on either generation (a model too, but where the
    /// variants take different algorithms: EarthquakeCNN's evaluation, Winograd along rows on AVX2).
    @Test func gemmBiasGivesTheSameBitsOnAVX512AndAVX2() {
        guard canCompareAVX512WithAVX2("sk_gemm_bias") else { return }
        #if arch(x86_64)
            var rng = SeededGenerator(seed: 13)
            for (rows, k, o) in [(53, 48, 64), (17, 96, 32), (40, 27, 48), (9, 130, 33), (64, 864, 192), (3, 20, 150), (1, 384, 64)] {
                let a = (0..<(rows * k)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                let b = (0..<(k * o)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                let bias = (0..<o).map { _ in rng.nextUnitFloat() * 2 - 1 }
                var wide = [Float](repeating: .nan, count: rows * o), narrow = wide
                sk_gemm_bias_avx512(a, rows, k, b, o, bias, &wide)
                sk_gemm_bias_avx2(a, rows, k, b, o, bias, &narrow)
                #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "sk_gemm_bias rows \(rows) k \(k) o \(o)")
            }
        #endif
    }

    /// Winograd's transforms are additions and exact halvings, and its 16 products are the product
    /// kernel's (the same bits on AVX-512 and AVX2, above): so the whole convolution has the same
    /// bits on both, over several blocks of tiles and odd output sizes.
    @Test func winogradGivesTheSameBitsOnAVX512AndAVX2() {
        guard canCompareAVX512WithAVX2("sk_nhwc_conv3x3_winograd") else { return }
        #if arch(x86_64)
            var rng = SeededGenerator(seed: 14)
            for (n, h, w, c, o) in [(2, 21, 19, 48, 96), (1, 9, 12, 17, 33), (3, 5, 3, 16, 16)] {
                let x = (0..<(n * h * w * c)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                let b = (0..<(9 * c * o)).map { _ in rng.nextUnitFloat() - 0.5 }
                let bias = (0..<o).map { _ in rng.nextUnitFloat() - 0.5 }
                var uWide = [Float](repeating: .nan, count: sk_winograd_weight_count(c, o)), uNarrow = uWide
                sk_winograd_weights_avx512(b, c, o, &uWide)
                sk_winograd_weights_avx2(b, c, o, &uNarrow)
                #expect(uWide.map(\.bitPattern) == uNarrow.map(\.bitPattern), "sk_winograd_weights c \(c) o \(o)")
                var scratch = [Float](repeating: .nan, count: sk_winograd_scratch(c, o))
                var wide = [Float](repeating: .nan, count: n * (h - 2) * (w - 2) * o), narrow = wide
                sk_nhwc_conv3x3_winograd_avx512(x, n, h, w, c, uWide, o, bias, &wide, &scratch)
                sk_nhwc_conv3x3_winograd_avx2(x, n, h, w, c, uNarrow, o, bias, &narrow, &scratch)
                #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "sk_nhwc_conv3x3_winograd [\(n),\(h),\(w),\(c)]→\(o)")
            }
        #endif
    }

    /// Winograd along rows: the weight transform's constants and the input transform's products are
    /// contracted alike under AVX-512 and AVX2 (both fuse multiply-adds), and the products are the product
    /// kernel's: the same bits on both for F(2, 3) and F(4, 3), over several blocks of tiles, an output
    /// height neither m divides, and a width of more than one block.
    @Test func winogradRowsGivesTheSameBitsOnAVX512AndAVX2() {
        guard canCompareAVX512WithAVX2("sk_nhwc_conv3x1_winograd") else { return }
        #if arch(x86_64)
            var rng = SeededGenerator(seed: 15)
            for (n, h, w, c, o) in [(64, 26, 3, 16, 32), (64, 8, 3, 32, 64), (3, 13, 5, 17, 33), (1, 9, 70, 16, 16)] {
                for m in [2, 4] {
                    let x = (0..<(n * h * w * c)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                    let b = (0..<(3 * c * o)).map { _ in rng.nextUnitFloat() - 0.5 }
                    let bias = (0..<o).map { _ in rng.nextUnitFloat() - 0.5 }
                    var uWide = [Float](repeating: .nan, count: sk_winograd_rows_weight_count(c, o, m)), uNarrow = uWide
                    sk_winograd_rows_weights_avx512(b, c, o, m, &uWide)
                    sk_winograd_rows_weights_avx2(b, c, o, m, &uNarrow)
                    #expect(uWide.map(\.bitPattern) == uNarrow.map(\.bitPattern), "sk_winograd_rows_weights c \(c) o \(o) m \(m)")
                    var scratch = [Float](repeating: .nan, count: sk_winograd_rows_scratch(n, h, w, c, o, m))
                    var wide = [Float](repeating: .nan, count: n * (h - 2) * w * o), narrow = wide
                    sk_nhwc_conv3x1_winograd_avx512(x, n, h, w, c, m, uWide, o, bias, &wide, &scratch)
                    sk_nhwc_conv3x1_winograd_avx2(x, n, h, w, c, m, uNarrow, o, bias, &narrow, &scratch)
                    #expect(
                        wide.map(\.bitPattern) == narrow.map(\.bitPattern), "sk_nhwc_conv3x1_winograd [\(n),\(h),\(w),\(c)]→\(o) m \(m)")
                }
            }
        #endif
    }

    /// Which m each variant takes along rows (sk_winograd_rows_tile): AVX2 and the baseline from 16
    /// input channels, 4 when the output rows are a multiple of 4, else 2, none for fewer than 3 rows;
    /// AVX-512 never (its direct product is at the core's peak). An m other than 2 or 4 writes nothing.
    @Test func winogradRowsTileFollowsEachVariantsThreshold() {
        #if arch(x86_64)
            typealias Tile = (Int, Int, UnsafeMutablePointer<Int>?) -> Void
            let cases = [(26, 16, 4), (8, 32, 2), (26, 15, 0), (2, 16, 0), (3, 16, 2), (6, 64, 4), (10, 1 << 20, 4)]
            let variants: [(InstructionSet, Tile)] = [
                (.baseline, sk_winograd_rows_tile_baseline), (.avx2, sk_winograd_rows_tile_avx2),
                (.avx512, sk_winograd_rows_tile_avx512)
            ]
            for (isa, tile) in variants where isa.isSupported {
                for (h, c, expected) in cases {
                    var m = -1
                    tile(h, c, &m)
                    #expect(m == (isa == .avx512 ? 0 : expected), "sk_winograd_rows_tile \(isa) h \(h) c \(c)")
                }
            }
        #endif
        var out = [Float](repeating: .nan, count: 4 * 16)
        var u = [Float](repeating: 0, count: sk_winograd_rows_weight_count(16, 16, 4))
        var scratch = [Float](repeating: 0, count: sk_winograd_rows_scratch(1, 6, 1, 16, 16, 4))
        let x = [Float](repeating: 1, count: 6 * 16), bias = [Float](repeating: 0, count: 16)
        sk_winograd_rows_weights([Float](repeating: 1, count: 3 * 16 * 16), 16, 16, 3, &u)
        #expect(u.allSatisfy { $0 == 0 }, "sk_winograd_rows_weights m 3 wrote")
        sk_nhwc_conv3x1_winograd(x, 1, 6, 1, 16, 3, u, 16, bias, &out, &scratch)
        #expect(out.allSatisfy { $0.isNaN }, "sk_nhwc_conv3x1_winograd m 3 wrote")
    }

    /// y = x·wᵀ + bias through the matrix-vector product, for every variant, on shapes that hit each
    /// tile (four rows of w, then single rows; x rows in pairs, then a lone one) and each part of the
    /// sum (16-lane blocks and the k mod 16 tail). y's rows are wider than the output (ldy = rows + 3):
    /// the gaps, and guard cells before and after y, must stay untouched. Bound as for sk_gemm_bias: γ_(k+1)·Σ|terms| (Higham §3.1).
    @Test func gemvBiasVariantsMatchTheReferenceWithinTheInnerProductBound() {
        var rng = SeededGenerator(seed: 14)
        for (isa, kernel) in Self.gemv where isa.isSupported {
            for rows in [1, 2, 3, 4, 5, 7, 8, 9, 13] {
                for k in [1, 15, 16, 17, 48, 130, 384] {
                    for n in [1, 2, 3, 5] {
                        let w = (0..<(rows * k)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                        let x = (0..<(n * k)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                        let bias = (0..<rows).map { _ in rng.nextUnitFloat() * 2 - 1 }
                        // y starts `guardCells` into a NaN buffer that runs as far past its end.
                        let ldy = rows + 3, guardCells = 8
                        var buffer = [Float](repeating: .nan, count: n * ldy + 2 * guardCells)
                        buffer.withUnsafeMutableBufferPointer { kernel(w, rows, k, x, n, bias, $0.baseAddress! + guardCells, ldy) }
                        let y = Array(buffer[guardCells..<(guardCells + n * ldy)])
                        let wT = TermMagnitudes.transposed(w, rows: rows, cols: k)
                        let (exact, magnitude) = TermMagnitudes.exactProduct(x, wT, rows: n, inner: k, cols: rows, bias: bias)
                        let written = (0..<n).flatMap { s in y[(s * ldy)..<(s * ldy + rows)] }
                        var gaps: [Float] = Array(buffer[..<guardCells]) + Array(buffer[(guardCells + n * ldy)...])
                        for s in 0..<n { gaps += y[(s * ldy + rows)..<(s * ldy + ldy)] }
                        let worstRatio = worstBoundRatio(written.map(Double.init), exact, bound: magnitude.map { float32Gamma(k + 1) * $0 }).ratio
                        #expect(worstRatio <= 1, "\(isa) sk_gemv_bias rows \(rows) k \(k) n \(n): error \(worstRatio)× the bound")
                        #expect(gaps.allSatisfy { $0.isNaN }, "\(isa) sk_gemv_bias rows \(rows) k \(k) n \(n) wrote outside its rows")
                    }
                }
            }
        }
    }

    /// Each output of the matrix-vector product sums its terms in one order whatever the tile and the
    /// pairing of x's rows: a whole call must give the bits of the same outputs computed one row of w
    /// and one row of x at a time, so a window's scores do not depend on what shares its call; and
    /// AVX-512 and AVX2 (fused multiply-adds in the same order) give the same bits.
    @Test func gemvBiasGivesTheSameBitsWhateverTheTileThePairingAndAVX512OrAVX2() {
        var rng = SeededGenerator(seed: 15)
        for (isa, kernel) in Self.gemv where isa.isSupported {
            for (rows, k, n) in [(13, 130, 2), (8, 384, 3), (5, 17, 1), (9, 1000, 5), (6, 7, 4)] {
                let w = (0..<(rows * k)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                let x = (0..<(n * k)).map { _ in rng.nextUnitFloat() * 2 - 1 }
                let bias = (0..<rows).map { _ in rng.nextUnitFloat() * 2 - 1 }
                var whole = [Float](repeating: .nan, count: n * rows), single = whole
                kernel(w, rows, k, x, n, bias, &whole, rows)
                w.withUnsafeBufferPointer { wp in
                    x.withUnsafeBufferPointer { xp in
                        bias.withUnsafeBufferPointer { bp in
                            single.withUnsafeMutableBufferPointer { yp in
                                for r in 0..<rows {
                                    for s in 0..<n {
                                        kernel(
                                            wp.baseAddress! + r * k, 1, k, xp.baseAddress! + s * k, 1, bp.baseAddress! + r, yp.baseAddress! + s * rows + r, rows
                                        )
                                    }
                                }
                            }
                        }
                    }
                }
                #expect(whole.map(\.bitPattern) == single.map(\.bitPattern), "\(isa) sk_gemv_bias rows \(rows) k \(k) n \(n)")
                #if arch(x86_64)
                    if isa == .avx512 {
                        var narrow = [Float](repeating: .nan, count: n * rows)
                        sk_gemv_bias_avx2(w, rows, k, x, n, bias, &narrow, rows)
                        #expect(whole.map(\.bitPattern) == narrow.map(\.bitPattern), "sk_gemv_bias avx512 against avx2: rows \(rows) k \(k) n \(n)")
                    }
                #endif
            }
        }
        _ = canCompareAVX512WithAVX2("sk_gemv_bias")
    }

    /// GELU(x) = x·Φ(x) for every variant against the double-precision function. Bound: the erf
    /// approximation's error (< 5e-7 absolute, FastMathTests) times ½|x|, plus the rounding of the
    /// four float operations around it (x/√2, 1 + erf, ½x, the product): 4u relative to |x|.
    @Test func geluVariantsMatchTheErfDefinition() {
        let xs = (-60_000...60_000).map { Float($0) * 1e-4 }
        for (isa, kernel) in Self.gelu where isa.isSupported {
            var y = [Float](repeating: .nan, count: xs.count)
            kernel(xs, &y, xs.count)
            var worstRatio = 0.0
            for (x, v) in zip(xs, y) {
                let xd = Double(x)
                let exact = 0.5 * xd * (1 + Foundation.erf(xd / 2.0.squareRoot()))
                let bound = abs(xd) * (0.5 * 5e-7 + 4 * Self.u) + 0x1p-149
                worstRatio = max(worstRatio, abs(Double(v) - exact) / bound)
            }
            #expect(worstRatio <= 1, "\(isa) sk_gelu_forward: error \(worstRatio)× the bound")
        }
    }
}
