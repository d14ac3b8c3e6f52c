// Waveform+Processing: Fourier resampling and the sample-major layout of a whole record. (The
// record chain is the model card's `Preprocessing`, in SeismicTorch.)

import SeismicIO

extension Waveform {
    /// Fourier resampling of every component to `count` samples (scipy.signal.resample); the rate
    /// changes in proportion.
    public func resampled(to count: Int) -> Waveform {
        let r = FourierResampler(from: sampleCount, to: count)
        var out = mapComponents { r($0) }
        out.samplingRateHz = samplingRateHz * Double(count) / Double(sampleCount)
        return out
    }

    /// The components as one window, sample-major float32 (the reference's [length, components]).
    public func sampleMajorFloats() -> [Float] {
        var out = [Float](repeating: 0, count: sampleCount * componentCount)
        for (c, comp) in components.enumerated() { for t in 0..<sampleCount { out[t * componentCount + c] = Float(comp[t]) } }
        return out
    }
}
