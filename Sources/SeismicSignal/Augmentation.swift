// Augmentation: the seed's random window augmentations, driven by a generator the caller passes in.

import Foundation

/// Window augmentations of the reference (after EQTransformer's data generator). A window is
/// `length × components` float32 values, sample-major (the reference's [80, 3]). Every random
/// choice comes from the `rng` argument, so a seeded generator makes a run reproducible.
public enum Augmentation {
    /// A draw from N(0, 1) (Box–Muller).
    public static func gaussian(using rng: inout some RandomNumberGenerator) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        let u2 = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// With probability `rate` multiply by U(1, 3); with probability `rate` more divide by U(1, 3)
    /// (seed: `scale_amplitude`). Returns the factor applied.
    @discardableResult
    public static func scaleAmplitude(_ w: inout [Float], rate: Double, using rng: inout some RandomNumberGenerator) -> Float {
        let u = Double.random(in: 0..<1, using: &rng)
        var factor: Float = 1
        if u < rate { factor = Float.random(in: 1..<3, using: &rng) } else if u < 2 * rate { factor = 1 / Float.random(in: 1..<3, using: &rng) }
        if factor != 1 { for i in w.indices { w[i] *= factor } }
        return factor
    }

    /// Rotates the window right by `shift` samples (wrapping around), moving arrival sample
    /// indices with it; an arrival that leaves the window becomes nil (seed: `shift_event`).
    public static func shift(_ w: inout [Float], components: Int, by shift: Int, arrivals: [Int?]) -> [Int?] {
        let length = w.count / components
        let s = ((shift % length) + length) % length
        if s != 0 {
            let old = w
            for t in 0..<length {
                let dst = (t + s) % length
                for c in 0..<components { w[dst * components + c] = old[t * components + c] }
            }
        }
        return arrivals.map { a in a.flatMap { a in (0..<length).contains(a + shift) ? a + shift : nil } }
    }

    /// With probability `rate`, rotates by a random 1 ≤ n < length − codaEnd (seed: `shift_event`).
    public static func shiftEvent(
        _ w: inout [Float], components: Int, arrivals: [Int?], codaEnd: Int, rate: Double,
        using rng: inout some RandomNumberGenerator
    ) -> [Int?] {
        let length = w.count / components
        guard Double.random(in: 0..<1, using: &rng) < rate, length - codaEnd > 1 else { return arrivals }
        let n = Int.random(in: 1..<(length - codaEnd), using: &rng)
        return shift(&w, components: components, by: n, arrivals: arrivals)
    }

    /// Scales the window by components / (components with any non-zero value), so dropping a
    /// component keeps the overall energy (seed: `adjust_amplitude_for_multichannels`).
    public static func adjustAmplitudeForMultichannels(_ w: inout [Float], components: Int) {
        let length = w.count / components
        var live = 0
        for c in 0..<components where (0..<length).contains(where: { w[$0 * components + c] != 0 }) { live += 1 }
        guard live > 0 else { return }
        let f = Float(components) / Float(live)
        for i in w.indices { w[i] *= f }
    }

    /// With probability `rate`, keeps a random non-empty subset of components and zeroes the
    /// others (seed: `drop_channel`). Returns the keep mask.
    @discardableResult
    public static func dropChannel(
        _ w: inout [Float], components: Int, rate: Double,
        using rng: inout some RandomNumberGenerator
    ) -> [Bool] {
        var keep = [Bool](repeating: true, count: components)
        guard Double.random(in: 0..<1, using: &rng) < rate else { return keep }
        keep = (0..<components).map { _ in Bool.random(using: &rng) }
        guard keep.contains(true) else { return [Bool](repeating: true, count: components) }
        for t in 0..<(w.count / components) { for c in 0..<components where !keep[c] { w[t * components + c] = 0 } }
        return keep
    }

    /// With probability `rate`, adds Gaussian noise to each component with standard deviation
    /// U(0.01, 0.15) × that component's maximum (seed: `add_noise`).
    public static func addNoise(
        _ w: inout [Float], components: Int, rate: Double,
        using rng: inout some RandomNumberGenerator
    ) {
        guard Double.random(in: 0..<1, using: &rng) < rate else { return }
        let length = w.count / components
        for c in 0..<components {
            var peak = -Float.infinity
            for t in 0..<length { peak = max(peak, w[t * components + c]) }
            let sigma = Double.random(in: 0.01..<0.15, using: &rng) * Double(peak)
            for t in 0..<length { w[t * components + c] += Float(sigma * gaussian(using: &rng)) }
        }
    }

    /// With probability `rate`, zeroes a random span of samples on all components (seed:
    /// `add_gaps`). Returns the span.
    @discardableResult
    public static func addGaps(
        _ w: inout [Float], components: Int, rate: Double,
        using rng: inout some RandomNumberGenerator
    ) -> Range<Int>? {
        let length = w.count / components
        guard length > 1, Double.random(in: 0..<1, using: &rng) < rate else { return nil }
        let start = Int.random(in: 0..<(length - 1), using: &rng)
        let end = Int.random(in: (start + 1)...length, using: &rng)
        for i in (start * components)..<(end * components) { w[i] = 0 }
        return start..<end
    }
}
