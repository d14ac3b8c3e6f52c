// Butterworth: digital Butterworth filters as second-order sections (scipy iirfilter + zpk2sos, ObsPy filter).

import ComplexModule
import Foundation

/// A cascade of second-order sections, run causally in direct form II transposed
/// (reference: `scipy.signal.sosfilt`, zero initial state).
public struct SOSFilter: Sendable, Equatable {
    /// Each section as (b0, b1, b2, a1, a2) with a0 = 1.
    public var sections: [[Double]]

    public init(sections: [[Double]]) {
        precondition(sections.allSatisfy { $0.count == 5 }, "a section is (b0, b1, b2, a1, a2)")
        self.sections = sections
    }

    /// Filters up to four equal-length series at once, one per SIMD lane: the recursion is
    /// latency-bound along time, so the lanes come for free. Same results as `apply` on each.
    /// The series go through in blocks of `blockSamples` (the sections' states carried from block
    /// to block, so the arithmetic is the same as in one pass): the lanes' buffer stays in cache,
    /// and memory holds the outputs only.
    public func apply(components: [[Double]]) -> [[Double]] {
        let blockSamples = 8_192
        var out: [[Double]] = []
        var start = 0
        while start < components.count {
            let group = Array(components[start..<min(start + 4, components.count)])
            let n = group[0].count
            precondition(group.allSatisfy { $0.count == n }, "series differ in length")
            var outputs = group.map { _ in [Double](repeating: 0, count: n) }
            var stream = Stream(self)
            var lanes = [SIMD4<Double>](repeating: .zero, count: min(n, blockSamples))
            var first = 0
            while first < n {
                let count = min(blockSamples, n - first)
                lanes.withUnsafeMutableBytes { raw in
                    let p = raw.bindMemory(to: Double.self).baseAddress!
                    for (c, series) in group.enumerated() {
                        series.withUnsafeBufferPointer { src in for i in 0..<count { p[i * 4 + c] = src[first + i] } }
                    }
                }
                lanes.withUnsafeMutableBufferPointer { stream.run(UnsafeMutableBufferPointer(rebasing: $0[0..<count])) }
                lanes.withUnsafeBytes { raw in
                    let p = raw.bindMemory(to: Double.self).baseAddress!
                    for c in 0..<group.count {
                        outputs[c].withUnsafeMutableBufferPointer { dst in for i in 0..<count { dst[first + i] = p[i * 4 + c] } }
                    }
                }
                first += count
            }
            out += outputs
            start += 4
        }
        return out
    }

    /// Up to four series filtered together, one per SIMD lane, a block at a time: the sections'
    /// states are carried from block to block, so blocks give the same results as one pass.
    public struct Stream: Sendable {
        public let filter: SOSFilter
        /// Each section's two state values, per lane (section k's z0, z1 at 2k, 2k + 1).
        private var state: [SIMD4<Double>]

        /// The filter from zero initial conditions.
        public init(_ filter: SOSFilter) {
            self.filter = filter
            state = [SIMD4<Double>](repeating: .zero, count: 2 * filter.sections.count)
        }

        /// Filters `lanes` in place: the next samples of each series, series c in lane c.
        public mutating func run(_ lanes: UnsafeMutableBufferPointer<SIMD4<Double>>) {
            let f = filter
            state.withUnsafeMutableBufferPointer { f.filter(lanes, $0) }
        }
    }

    /// Runs the sections over `buf` in place, from and into `state` (section k's z0, z1 at 2k, 2k + 1).
    private func filter(_ buf: UnsafeMutableBufferPointer<SIMD4<Double>>, _ state: UnsafeMutableBufferPointer<SIMD4<Double>>) {
        // Sections two at a time in one pass: each recursion is latency-bound, and the second
        // section's chain overlaps the first's.
        var k = 0
        while k < sections.count {
            let s = sections[k]
            let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[3], s[4])
            var z0 = state[2 * k], z1 = state[2 * k + 1]
            if k + 1 < sections.count {
                let t = sections[k + 1]
                let (c0, c1, c2, d1, d2) = (t[0], t[1], t[2], t[3], t[4])
                var w0 = state[2 * k + 2], w1 = state[2 * k + 3]
                for i in 0..<buf.count {
                    let xi = buf[i]
                    let yi = b0 * xi + z0
                    z0 = b1 * xi - a1 * yi + z1
                    z1 = b2 * xi - a2 * yi
                    let ui = c0 * yi + w0
                    w0 = c1 * yi - d1 * ui + w1
                    w1 = c2 * yi - d2 * ui
                    buf[i] = ui
                }
                (state[2 * k + 2], state[2 * k + 3]) = (w0, w1)
                (state[2 * k], state[2 * k + 1]) = (z0, z1)
                k += 2
            } else {
                for i in 0..<buf.count {
                    let xi = buf[i]
                    let yi = b0 * xi + z0
                    z0 = b1 * xi - a1 * yi + z1
                    z1 = b2 * xi - a2 * yi
                    buf[i] = yi
                }
                (state[2 * k], state[2 * k + 1]) = (z0, z1)
                k += 1
            }
        }
    }

    /// Filters `x` from zero initial conditions.
    public func apply(_ x: [Double]) -> [Double] {
        var y = x
        y.withUnsafeMutableBufferPointer { buf in
            for s in sections {
                let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[3], s[4])
                var z0 = 0.0, z1 = 0.0
                for i in 0..<buf.count {
                    let xi = buf[i]
                    let yi = b0 * xi + z0
                    z0 = b1 * xi - a1 * yi + z1
                    z1 = b2 * xi - a2 * yi
                    buf[i] = yi
                }
            }
        }
        return y
    }
}

/// Butterworth designs matching `scipy.signal.iirfilter(..., ftype='butter', output='zpk')`
/// followed by `zpk2sos` (nearest pairing), as ObsPy's `filter('highpass'|'lowpass')` uses.
public enum Butterworth {
    public enum DesignError: Error, CustomStringConvertible, Equatable {
        case cornerAboveNyquist(cornerHz: Double, nyquistHz: Double)
        case badOrder(Int)
        public var description: String {
            switch self {
            case .cornerAboveNyquist(let c, let n):
                return "corner frequency \(c) Hz must lie between 0 and the Nyquist frequency \(n) Hz"
            case .badOrder(let o): return "filter order \(o) must be at least 1"
            }
        }
    }

    /// High-pass of `order` corners at `cornerHz` for data sampled at `samplingRateHz`.
    public static func highpass(order: Int = 4, cornerHz: Double, samplingRateHz: Double) throws(DesignError) -> SOSFilter {
        try design(order: order, cornerHz: cornerHz, samplingRateHz: samplingRateHz, highpass: true)
    }

    /// Low-pass of `order` corners at `cornerHz`.
    public static func lowpass(order: Int = 4, cornerHz: Double, samplingRateHz: Double) throws(DesignError) -> SOSFilter {
        try design(order: order, cornerHz: cornerHz, samplingRateHz: samplingRateHz, highpass: false)
    }

    static func design(order n: Int, cornerHz: Double, samplingRateHz: Double, highpass: Bool) throws(DesignError) -> SOSFilter {
        guard n >= 1 else { throw .badOrder(n) }
        let nyquist = samplingRateHz / 2
        let wn = cornerHz / nyquist
        guard wn > 0, wn < 1 else { throw .cornerAboveNyquist(cornerHz: cornerHz, nyquistHz: nyquist) }
        // Analog prototype (buttap): poles on the left unit half circle, no zeros, gain 1.
        let proto = stride(from: -n + 1, to: n, by: 2).map { m -> Complex<Double> in
            -Complex(length: 1, phase: Double.pi * Double(m) / Double(2 * n))
        }
        // Pre-warp for the bilinear transform with fs = 2.
        let warped = 4 * tan(Double.pi * wn / 2)
        var zeros: [Complex<Double>]
        var poles: [Complex<Double>]
        var gain: Double
        if highpass {
            poles = proto.map { Complex(warped) / $0 }
            zeros = Array(repeating: .zero, count: n)
            gain = (Complex(1) / proto.reduce(Complex(1)) { $0 * -$1 }).real
        } else {
            poles = proto.map { $0 * Complex(warped) }
            zeros = []
            gain = pow(warped, Double(n))
        }
        // Bilinear transform (fs2 = 4).
        let fs2 = Complex<Double>(4)
        let num = zeros.reduce(Complex(1)) { $0 * (fs2 - $1) }
        let den = poles.reduce(Complex(1)) { $0 * (fs2 - $1) }
        gain *= (num / den).real
        zeros = zeros.map { (fs2 + $0) / (fs2 - $0) } + Array(repeating: Complex(-1), count: poles.count - zeros.count)
        poles = poles.map { (fs2 + $0) / (fs2 - $0) }
        return SOSFilter(sections: pairNearest(zeros: zeros, poles: poles, gain: gain))
    }

    /// zpk2sos with 'nearest' pairing: the pole pair nearest the unit circle goes to the last
    /// section with the zeros nearest it; the gain goes to the first section.
    static func pairNearest(zeros: [Complex<Double>], poles: [Complex<Double>], gain: Double) -> [[Double]] {
        let sectionCount = (max(zeros.count, poles.count) + 1) / 2
        var p = poles
        var z = zeros
        var sections = [[Double]](repeating: [], count: sectionCount)
        for si in stride(from: sectionCount - 1, through: 0, by: -1) {
            // Pole closest to the unit circle, and its conjugate when complex.
            let i = p.indices.min { abs(1 - p[$0].length) < abs(1 - p[$1].length) }!
            let p1 = p.remove(at: i)
            var pair = [p1]
            if abs(p1.imaginary) > 1e-12 * max(1, p1.length) {
                let j = p.indices.min { (p[$0] - p1.conjugate).length < (p[$1] - p1.conjugate).length }!
                pair.append(p.remove(at: j))
            } else if let j = p.indices.filter({ abs(p[$0].imaginary) <= 1e-12 }).min(by: {
                abs(1 - p[$0].length) < abs(1 - p[$1].length)
            }) {
                pair.append(p.remove(at: j))
            }
            var zpair: [Complex<Double>] = []
            for _ in 0..<pair.count where !z.isEmpty {
                let k = z.indices.min { (z[$0] - p1).length < (z[$1] - p1).length }!
                zpair.append(z.remove(at: k))
            }
            let b = realPoly(zpair)
            let a = realPoly(pair)
            sections[si] = [b[0], b[1], b[2], a[1], a[2]]
        }
        sections[0][0] *= gain
        sections[0][1] *= gain
        sections[0][2] *= gain
        return sections
    }

    /// Coefficients of Π(x − rᵢ) padded to degree 2, real parts.
    static func realPoly(_ roots: [Complex<Double>]) -> [Double] {
        var c: [Complex<Double>] = [Complex(1)]
        for r in roots {
            var next = [Complex<Double>](repeating: .zero, count: c.count + 1)
            for (k, v) in c.enumerated() {
                next[k] = next[k] + v
                next[k + 1] = next[k + 1] - v * r
            }
            c = next
        }
        while c.count < 3 { c.append(.zero) }
        return c.map(\.real)
    }
}
