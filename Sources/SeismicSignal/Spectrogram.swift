// Spectrogram: power spectral density over sliding segments (scipy.signal.spectrogram defaults).

/// A spectrogram: `power[f][t]` with its frequency and time axes.
public struct Spectrogram: Sendable, Equatable {
    public var frequenciesHz: [Double]
    public var timesSeconds: [Double]
    /// Power spectral density, one row per frequency, one column per segment.
    public var power: [[Double]]
}

extension Spectrogram {
    /// As `scipy.signal.spectrogram(x, fs, nperseg, noverlap)` with its defaults: periodic Tukey(0.25)
    /// window, constant (mean) detrend per segment, one-sided density scaling
    /// `|X|² / (fs Σw²)`, doubled except at DC and (even `nperseg`) Nyquist.
    public static func compute(
        _ x: [Double], samplingRateHz fs: Double, segmentLength nperseg: Int = 256,
        overlap noverlap: Int = 128
    ) -> Spectrogram {
        precondition(nperseg > 0 && noverlap >= 0 && noverlap < nperseg, "bad segment \(nperseg)/\(noverlap)")
        precondition(x.count >= nperseg, "series of \(x.count) samples is shorter than one segment (\(nperseg))")
        let window = WindowFunction.tukey(nperseg, alpha: 0.25, symmetric: false)
        let scale = 1.0 / (fs * window.reduce(0) { $0 + $1 * $1 })
        let step = nperseg - noverlap
        let segments = (x.count - noverlap) / step
        let bins = nperseg / 2 + 1
        let plan = FFTPlan(count: nperseg)
        var power = [[Double]](repeating: [Double](repeating: 0, count: segments), count: bins)
        var segment = [Double](repeating: 0, count: nperseg)
        for s in 0..<segments {
            let start = s * step
            var mean = 0.0
            for i in 0..<nperseg { mean += x[start + i] }
            mean /= Double(nperseg)
            for i in 0..<nperseg { segment[i] = (x[start + i] - mean) * window[i] }
            let (re, im) = plan.transform(real: segment)
            for f in 0..<bins {
                var p = (re[f] * re[f] + im[f] * im[f]) * scale
                if f != 0 && !(nperseg % 2 == 0 && f == nperseg / 2) { p *= 2 }
                power[f][s] = p
            }
        }
        return Spectrogram(
            frequenciesHz: (0..<bins).map { Double($0) * fs / Double(nperseg) },
            timesSeconds: (0..<segments).map { (Double(nperseg) / 2 + Double($0 * step)) / fs },
            power: power)
    }
}
