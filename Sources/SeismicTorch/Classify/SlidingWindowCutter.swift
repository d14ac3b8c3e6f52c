// SlidingWindowCutter: a record's sliding windows, each resampled to the model's length, all at once.

import SeismicNN
import SeismicSignal

/// Windows of `sourceSamples` every `step` samples of a record, each resampled to `targetSamples`
/// as `scipy.signal.resample` does (the same map as `WindowCutter.cut`), in one matrix product per
/// component: the resampling is linear, so its matrix (`FourierResampler.matrix`, built in double
/// precision, used in float32) applied to the windows read in place from the record replaces one
/// pair of FFTs per window and component. Against the exact map (double precision throughout)
/// each output is within γ_{k+2}·Σ_q |R_tq·x_q| (k = sourceSamples terms summed in float32, and
/// the matrix and the samples rounded to float32; γ_n = n·u/(1 − n·u), u = 2⁻²⁴). Long windows
/// (sourceSamples · targetSamples² over 2²⁶, where building the matrix and its products cost more
/// than transforms) and windows of equal lengths are cut one by one by `WindowCutter`.
public struct SlidingWindowCutter: Sendable {
    public let sourceSamples: Int, targetSamples: Int
    /// The resampling matrix transposed, [sourceSamples, targetSamples] float32; nil at equal
    /// lengths and for long windows, which `WindowCutter` cuts one by one.
    private let weights: [Float]?
    private let zeros: [Float]

    public init(sourceSamples: Int, targetSamples: Int) {
        precondition(sourceSamples > 0 && targetSamples > 0, "window lengths must be positive")
        self.sourceSamples = sourceSamples
        self.targetSamples = targetSamples
        zeros = [Float](repeating: 0, count: targetSamples)
        // n·num² over 2²⁶: building the matrix and its products cost more than transforms.
        if sourceSamples == targetSamples || sourceSamples * targetSamples > (1 << 26) / targetSamples {
            weights = nil
        } else {
            let r = FourierResampler(from: sourceSamples, to: targetSamples).matrix()
            weights = (0..<(sourceSamples * targetSamples)).map { i in Float(r[(i % targetSamples) * sourceSamples + i / targetSamples]) }
        }
    }

    /// `count` windows of `components` (equal lengths), the first at sample `first`, then every
    /// `step` samples, written sample-major at `out`: [count, targetSamples, components] float32,
    /// the model's layout. Every window must lie in the components.
    public func cut(_ components: [[Double]], first: Int, step: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        let span = (count - 1) * step + sourceSamples
        let comps = components.count
        precondition(first >= 0 && step >= 1 && components.allSatisfy { first + span <= $0.count }, "windows leave the record")
        let size = targetSamples * comps
        guard let weights else {
            // One window at a time (its transforms keep state: one cutter per call, calls run in parallel).
            let one = WindowCutter(sourceSamples: sourceSamples, targetSamples: targetSamples)
            for w in 0..<count {
                one.cut(components: components, start: first + w * step).withUnsafeBufferPointer {
                    (out + w * size).update(from: $0.baseAddress!, count: size)
                }
            }
            return
        }
        let samples = UnsafeMutablePointer<Float>.allocate(capacity: span)
        let resampled = UnsafeMutablePointer<Float>.allocate(capacity: count * targetSamples)
        defer {
            samples.deallocate()
            resampled.deallocate()
        }
        for (c, component) in components.enumerated() {
            component.withUnsafeBufferPointer { x in for i in 0..<span { samples[i] = Float(x[first + i]) } }
            weights.withUnsafeBufferPointer { b in
                zeros.withUnsafeBufferPointer { bias in
                    MatrixProduct.slidingRows(
                        samples, rows: count, rowStride: step, k: sourceSamples, times: b.baseAddress!, o: targetSamples,
                        bias: bias.baseAddress!, into: resampled)
                }
            }
            for w in 0..<count {
                let window = out + w * size
                for t in 0..<targetSamples { window[t * comps + c] = resampled[w * targetSamples + t] }
            }
        }
    }
}
