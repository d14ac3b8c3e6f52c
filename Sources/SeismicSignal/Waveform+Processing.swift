// Waveform+Processing: the record-level chain (detrend, taper, filter, resample) on every component.

import SeismicIO

extension Waveform {
    /// Linear detrend of every component (ObsPy `detrend('linear')`).
    public func detrended() -> Waveform { mapComponents(Detrend.linear) }

    /// Hann taper of `maxPercentage` at both ends (ObsPy `taper(maxPercentage)`).
    public func tapered(maxPercentage: Double = 0.05) -> Waveform {
        let sides = Taper.obspyHannSides(count: sampleCount, maxPercentage: maxPercentage)
        return mapComponents { Taper.obspyHann($0, sides: sides) }
    }

    /// Causal Butterworth high-pass (ObsPy `filter('highpass', freq, corners, zerophase=False)`).
    public func highpassed(cornerHz: Double = 0.5, corners: Int = 4) throws(Butterworth.DesignError) -> Waveform {
        let f = try Butterworth.highpass(order: corners, cornerHz: cornerHz, samplingRateHz: samplingRateHz)
        var out = self
        out.components = f.apply(components: components)
        return out
    }

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
