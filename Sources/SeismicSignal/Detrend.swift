// Detrend: remove the least-squares straight line from a series (ObsPy detrend('linear'), the seed's detrend).

/// Least-squares line removal.
public enum Detrend {
    /// `x` minus its least-squares line, as ObsPy `Trace.detrend('linear')` (scipy.signal.detrend).
    /// Computed in centred coordinates, so long records keep full double precision.
    public static func linear(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 1 else { return x.map { _ in 0 } }
        var fit = LineFit(count: n)
        x.withUnsafeBufferPointer { fit.add($0, at: 0) }
        let line = fit.line
        var out = x
        out.withUnsafeMutableBufferPointer { line.subtract(from: $0, at: 0) }
        return out
    }

    /// The seed's `detrend(X)`: projection on the basis {linspace(0, 1, N), 1} through the normal
    /// equations, `X - (X Aᵀ (A Aᵀ)⁻¹) A`. Mathematically the same line as `linear`.
    public static func referenceLeastSquares(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 1 else { return x.map { _ in 0 } }
        var s00 = 0.0, s01 = 0.0, r0 = 0.0, r1 = 0.0
        for i in 0..<n {
            let t = Double(i) / Double(n - 1)
            s00 += t * t
            s01 += t
            r0 += x[i] * t
            r1 += x[i]
        }
        let s11 = Double(n)
        let det = s00 * s11 - s01 * s01
        let c0 = (r0 * s11 - r1 * s01) / det
        let c1 = (r1 * s00 - r0 * s01) / det
        return (0..<n).map { x[$0] - (c0 * Double($0) / Double(n - 1) + c1) }
    }
}

extension Detrend {
    /// The least-squares line through a series of `count` samples, fed block by block (`add`), so
    /// a record read in pieces gets the line `linear` removes, bit for bit: Σx and Σ(i − t̄)·x in
    /// centred coordinates (t̄ = (count − 1)/2) with eight independent partial sums.
    public struct LineFit: Sendable {
        public let count: Int
        private var sx = SIMD8<Double>.zero, sxt = SIMD8<Double>.zero
        /// Samples after the last whole group of eight, summed one by one after the partial sums.
        private var tail: [Double] = []
        /// Samples added so far.
        public private(set) var added = 0

        public init(count: Int) {
            precondition(count >= 0)
            self.count = count
        }

        /// Adds the samples `block`, the series' samples `offset..<offset + block.count`: blocks
        /// come in order, each starting where the last ended, and all but the last are whole
        /// groups of eight samples long (any multiple of 8).
        public mutating func add(_ block: UnsafeBufferPointer<Double>, at offset: Int) {
            precondition(offset == added && tail.isEmpty && offset + block.count <= count, "blocks in order, all but the last a multiple of 8 long")
            let tMean = Double(count - 1) / 2
            let lanes = SIMD8<Double>(0, 1, 2, 3, 4, 5, 6, 7)
            let groups = block.count / 8
            for g in 0..<groups {
                var v = SIMD8<Double>()
                for k in 0..<8 { v[k] = block[g * 8 + k] }
                sx += v
                sxt += v * (lanes + Double(offset + g * 8) - tMean)
            }
            tail += block[(groups * 8)...]
            added += block.count
        }

        /// The fitted line once all `count` samples are added (the zero line for fewer than two).
        public var line: Line {
            precondition(added == count, "\(added) of \(count) samples added")
            guard count > 1 else { return Line(intercept: 0, slope: 0, zero: true) }
            let tMean = Double(count - 1) / 2
            var sumX = sx.sum(), sumXT = sxt.sum()
            for (k, x) in tail.enumerated() {
                sumX += x
                sumXT += x * (Double(count - tail.count + k) - tMean)
            }
            let xMean = sumX / Double(count)
            // Σ(i − t̄)² in closed form: n(n² − 1)/12.
            let stt = Double(count) * (Double(count) * Double(count) - 1) / 12
            let slope = sumXT / stt
            return Line(intercept: xMean - slope * tMean, slope: slope, zero: false)
        }
    }

    /// A fitted line a + b·i over sample indices i.
    public struct Line: Sendable, Equatable {
        public var intercept: Double, slope: Double
        /// A series of fewer than two samples: `subtract` gives zeros, as `linear`.
        var zero: Bool

        /// Replaces `block`, the series' samples `offset..<offset + block.count`, by their
        /// residuals x − (a + b·i).
        public func subtract(from block: UnsafeMutableBufferPointer<Double>, at offset: Int) {
            if zero {
                for i in block.indices { block[i] = 0 }
                return
            }
            for i in block.indices { block[i] -= intercept + slope * Double(offset + i) }
        }
    }
}
