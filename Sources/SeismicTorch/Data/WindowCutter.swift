// WindowCutter: windows around arrivals as the reference cuts them (peak after the pick, shift, resample).

import SeismicIO
import SeismicNN
import SeismicSignal

/// Cuts fixed windows from prepared records the way the reference does: find the peak of the
/// composite acceleration within `searchSeconds` after an arrival (ending `guardSeconds` before a
/// later arrival), centre `sourceSamples` there, shift by up to ±`maxShift` samples with
/// probability `shiftProbability`, and Fourier-resample to `targetSamples`.
public struct WindowCutter {
    public var sourceSamples = 200
    public var targetSamples = 80
    public var searchSeconds = 12.0
    public var guardSeconds = 1.0
    public var maxShift = 80
    public var shiftProbability = 0.995
    private let resampler: FourierResampler

    public init(sourceSamples: Int = 200, targetSamples: Int = 80) {
        self.sourceSamples = sourceSamples
        self.targetSamples = targetSamples
        resampler = FourierResampler(from: sourceSamples, to: targetSamples)
    }

    /// Start index of the window around `arrival` (seconds from the first sample), or nil when the
    /// window would leave the record or an arrival is negative or not finite.
    public func windowStart(
        in w: Waveform, composite: [Double], arrival: Double, nextArrival: Double?,
        using rng: inout SeededGenerator
    ) -> Int? {
        let rate = w.samplingRateHz
        // Bounds are compared as Double first: an arrival of inf, NaN or 1e300 gives nil, not a trap.
        guard arrival.isFinite, arrival >= 0, nextArrival?.isFinite ?? true else { return nil }
        let fromSample = (arrival * rate).rounded(.towardZero)
        var toSample = min(((arrival + searchSeconds) * rate).rounded(.towardZero), Double(w.sampleCount))
        if let next = nextArrival { toSample = min(toSample, ((next - guardSeconds) * rate).rounded(.towardZero)) }
        guard fromSample < toSample else { return nil }
        let from = Int(fromSample), to = Int(toSample)
        var peak = from
        for i in from..<to where composite[i] > composite[peak] { peak = i }
        var start = peak - sourceSamples / 2
        if Double(rng.nextUnitFloat()) < shiftProbability {
            start += Int((rng.next() % UInt64(2 * maxShift + 1))) - maxShift
        }
        guard start >= 0, start + sourceSamples <= w.sampleCount else { return nil }
        return start
    }

    /// The window starting at `start`, resampled (unless the lengths agree), sample-major float32
    /// [targetSamples × components].
    public func cut(_ w: Waveform, start: Int) -> [Float] { cut(components: w.components, start: start) }

    /// `sourceSamples` of each of `components` from `start`, resampled to `targetSamples`
    /// (Fourier, as scipy.signal.resample; unchanged when the lengths are equal), sample-major
    /// float32 [targetSamples, components] — the model's window layout.
    public func cut(components: [[Double]], start: Int) -> [Float] {
        let comps = components.map { component in
            let source = Array(component[start..<(start + sourceSamples)])
            return sourceSamples == targetSamples ? source : resampler(source)
        }
        var out = [Float](repeating: 0, count: targetSamples * comps.count)
        for (c, series) in comps.enumerated() { for t in 0..<targetSamples { out[t * comps.count + c] = Float(series[t]) } }
        return out
    }
}
