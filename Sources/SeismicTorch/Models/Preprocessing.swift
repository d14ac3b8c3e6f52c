// Preprocessing: the chain a model's input goes through, as typed values that are the chain itself —
// the record steps (detrend, taper, high-pass) and the window steps (amplitude chain).

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal

/// How a record is detrended before tapering.
public enum DetrendMethod: String, Codable, Sendable, CaseIterable {
    /// The least-squares line removed (ObsPy `Trace.detrend('linear')`).
    case linear

    /// - Throws: `ModelCardError` naming the field for a method this code does not run.
    public init(from decoder: Decoder) throws {
        let word = try decoder.singleValueContainer().decode(String.self)
        guard let method = Self(rawValue: word) else {
            throw ModelCardError(field: fieldPath(decoder), value: "'\(word)'", expected: Self.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or "))
        }
        self = method
    }
}

/// The JSON path of the value a decoder is at, as `ModelCardError` names fields.
private func fieldPath(_ decoder: Decoder) -> String { decoder.codingPath.map(\.stringValue).joined(separator: ".") }

/// The amplitude steps every model input goes through, in order.
public enum AmplitudeChain: Codable, Equatable, Sendable, CaseIterable {
    /// Time-series windows: normalise by the signed maximum → int16 → normalise (the seed's chain).
    case timeSeries
    /// Spectrogram images: the image is the spectrogram, 100 × 150 (`SpectrogramImage`).
    case spectrogramImage

    /// The steps as checkpoints store them (`preprocessing.amplitudeChain` in the card's JSON).
    public var steps: [String] {
        switch self {
        case .timeSeries: return ["normalize", "quantize_int16", "normalize"]
        case .spectrogramImage: return ["spectrogram", "image_100x150"]
        }
    }

    public init(from decoder: Decoder) throws {
        let steps = try decoder.singleValueContainer().decode([String].self)
        guard let chain = Self.allCases.first(where: { $0.steps == steps }) else {
            throw ModelCardError(field: fieldPath(decoder), value: "\(steps)", expected: "one of \(Self.allCases.map(\.steps))")
        }
        self = chain
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(steps)
    }
}

/// A model's preprocessing: what `prepareRecord` and `prepareWindows` do, as the model card stores
/// it. Defaults are the seed's: linear detrend, Hann taper 5 % at each end, causal Butterworth
/// high-pass 0.5 Hz with 4 corners, 2 s windows cut at 100 Hz (200 samples) before Fourier
/// resampling, the time-series amplitude chain. (The samples' units are the input contract's.)
public struct Preprocessing: Codable, Equatable, Sendable {
    public var detrend: DetrendMethod = .linear
    /// Hann taper fraction at each end of the record (ObsPy `taper(max_percentage)`).
    public var taperFraction: Double = 0.05
    public var highpassCornerHz: Double = 0.5
    public var highpassCorners: Int = 4
    /// Samples cut around an arrival at the record's rate, before Fourier resampling.
    public var sourceWindowSamples: Int = 200
    public var sourceSamplingRateHz: Double = 100
    /// Amplitude steps applied to each window, in order.
    public var amplitudeChain: AmplitudeChain = .timeSeries

    public init() {}

    /// The seed's preprocessing (the defaults).
    public static let reference = Preprocessing()

    private enum CodingKeys: String, CodingKey {
        case detrend, taperFraction, highpassCornerHz, highpassCorners, sourceWindowSamples, sourceSamplingRateHz, amplitudeChain
    }

    /// Reads the card's JSON; a value this code cannot run (an unknown detrend or amplitude chain)
    /// is a decoding error naming it, so such a checkpoint is refused at load time. (Cards written
    /// before units were part of the input contract hold them here; `ModelCard` reads them.)
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        detrend = try c.decode(DetrendMethod.self, forKey: .detrend)
        taperFraction = try c.decode(Double.self, forKey: .taperFraction)
        highpassCornerHz = try c.decode(Double.self, forKey: .highpassCornerHz)
        highpassCorners = try c.decode(Int.self, forKey: .highpassCorners)
        sourceWindowSamples = try c.decode(Int.self, forKey: .sourceWindowSamples)
        sourceSamplingRateHz = try c.decode(Double.self, forKey: .sourceSamplingRateHz)
        amplitudeChain = try c.decode(AmplitudeChain.self, forKey: .amplitudeChain)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(detrend, forKey: .detrend)
        try c.encode(taperFraction, forKey: .taperFraction)
        try c.encode(highpassCornerHz, forKey: .highpassCornerHz)
        try c.encode(highpassCorners, forKey: .highpassCorners)
        try c.encode(sourceWindowSamples, forKey: .sourceWindowSamples)
        try c.encode(sourceSamplingRateHz, forKey: .sourceSamplingRateHz)
        try c.encode(amplitudeChain, forKey: .amplitudeChain)
    }

    /// Seconds of record a window spans: `sourceWindowSamples` ÷ `sourceSamplingRateHz` (2 s).
    public var windowSeconds: Double { Double(sourceWindowSamples) / sourceSamplingRateHz }

    /// Whether records at `rateHz` are what this chain cuts windows from (`sourceSamplingRateHz`,
    /// to a millionth): at another rate `sourceWindowSamples` would span another time.
    public func cutsWindows(atRateHz rateHz: Double) -> Bool { abs(rateHz - sourceSamplingRateHz) <= 1e-6 * sourceSamplingRateHz }

    /// The cutter of training windows: `sourceWindowSamples` around an arrival, resampled to
    /// `windowSamples` (the input contract's) — 200 → 80 for the reference.
    public func windowCutter(windowSamples: Int) -> WindowCutter { WindowCutter(sourceSamples: sourceWindowSamples, targetSamples: windowSamples) }

    /// The whole chain in one line, for messages: "detrend linear, taper 0.05 hann, highpass 0.5
    /// Hz 4 corners, 200-sample windows at 100.0 Hz, normalize → quantize_int16 → normalize".
    public var summary: String {
        "\(recordStepsDescription), \(sourceWindowSamples)-sample windows at \(sourceSamplingRateHz) Hz, \(amplitudeChain.steps.joined(separator: " → "))"
    }

    /// The reference's steps for windows of `windowSeconds`: the window cut at the reference's
    /// 100 Hz (`sourceWindowSamples` = round(100 × seconds), at least 1); `.reference` for 2 s.
    public static func reference(windowSeconds: Double) -> Preprocessing {
        var p = Preprocessing.reference
        let samples = (windowSeconds * p.sourceSamplingRateHz).rounded()
        if samples.isFinite, samples >= 1, samples <= Double(Int32.max) { p.sourceWindowSamples = Int(samples) }
        return p
    }

    /// The reference chain for spectrogram images (`amplitudeChain` `.spectrogramImage`).
    public static let spectrogramReference: Preprocessing = {
        var p = Preprocessing()
        p.amplitudeChain = .spectrogramImage
        return p
    }()

    /// The record steps in words, as dataset files note them: "detrend linear, taper 0.05 hann,
    /// highpass 0.5 Hz 4 corners".
    public var recordStepsDescription: String {
        "detrend \(detrend.rawValue), taper \(taperFraction) hann, highpass \(highpassCornerHz) Hz \(highpassCorners) corners"
    }

    /// The record steps, designed once for records of `count` samples at `samplingRateHz`.
    /// - Throws: `Butterworth.DesignError` when the high-pass corner does not fit the rate.
    public func recordChain(samplingRateHz: Double, count: Int) throws(Butterworth.DesignError) -> RecordChain {
        RecordChain(
            detrend: detrend,
            taperSides: Taper.obspyHannSides(count: count, maxPercentage: taperFraction),
            highpass: try recordHighpass(samplingRateHz: samplingRateHz))
    }

    /// The record chain's high-pass for records sampled at `samplingRateHz`.
    /// - Throws: `Butterworth.DesignError` when the corner does not fit the rate.
    public func recordHighpass(samplingRateHz: Double) throws(Butterworth.DesignError) -> SOSFilter {
        try Butterworth.highpass(order: highpassCorners, cornerHz: highpassCornerHz, samplingRateHz: samplingRateHz)
    }

    /// The record steps on a whole record: detrend → Hann taper → causal high-pass, each component
    /// (ObsPy `detrend('linear')`, `taper(taperFraction)`, `filter('highpass', corners, zerophase=False)`).
    /// - Throws: `Butterworth.DesignError` when the high-pass corner does not fit the record's rate.
    public func prepareRecord(_ record: Waveform) throws(Butterworth.DesignError) -> Waveform {
        var out = record
        out.components = try recordChain(samplingRateHz: record.samplingRateHz, count: record.sampleCount).apply(record.components)
        return out
    }

    /// The amplitude steps on windows [count, length, components] (images pass unchanged: their
    /// chain is the spectrogram itself, made when the dataset was prepared).
    public func prepareWindows(_ windows: WindowBatch) -> WindowBatch {
        switch amplitudeChain {
        case .timeSeries: return windows.quantizedNormalized()
        case .spectrogramImage: return windows
        }
    }
}

extension Preprocessing {
    /// Peak |x| at or below which a window carries no signal (the seed's `remove_small_amplitude`,
    /// 1e-8): such windows are never classified (a dead or constant channel) and never trained on.
    public static let silentPeak = WindowBatch.smallAmplitude

    /// The parts of `record` between its flat runs — stretches of at least `minimumSamples`
    /// samples in which every component holds one value (a gap filled with zeros, as ObsPy's
    /// `merge(fill_value=0)` and some archives write it, or a dead stretch) — as ascending,
    /// disjoint sample ranges; the whole record when it has none. Such a run is a gap in disguise:
    /// classify treats it as one (`Classifier.classify(_:source:instrumentID:units:)`).
    public static func partsBetweenFlatRuns(in record: Waveform, minimumSamples: Int) -> [Range<Int>] {
        var finder = FlatRunFinder(minimumSamples: minimumSamples, components: record.componentCount)
        record.components.withUnsafeBufferPointers { finder.add($0) }
        return finder.parts
    }

    /// Indices of the windows [count, length, components] that carry signal (peak |x| above
    /// `silentPeak`): the one rule training, classify and the monitor apply.
    public func windowsWithSignal(_ windows: WindowBatch) -> [Int] { windows.indicesAboveSmallAmplitude(Self.silentPeak) }

    /// The training-time window chain (the seed's `remove_small_amplitude`,
    /// `remove_large_amplitude`, then the amplitude chain): windows [count, length, components]
    /// whose peak |x| is at most 1e-8 (no signal) are dropped, and — for samples in an
    /// acceleration unit — those whose peak reaches 2 g (2·9.81 m/s², 1962 gal: clipped, or not
    /// ground motion); counts have no upper limit. The rest go through `prepareWindows`.
    /// Images (`.spectrogramImage`) pass unchanged, all kept.
    /// - Returns: the prepared windows and the indices of the kept ones in `windows`.
    public func trainingWindows(_ windows: WindowBatch, units: SampleUnit) -> (windows: WindowBatch, kept: [Int]) {
        let (prepared, kept, _) = trainingWindowsCounted(windows, units: units)
        return (prepared, kept)
    }

    /// `trainingWindows` with the number of windows that carry signal (the rest were dropped as
    /// silent; of those with signal, the ones not kept reached 2 g).
    private func trainingWindowsCounted(_ windows: WindowBatch, units: SampleUnit) -> (windows: WindowBatch, kept: [Int], withSignal: Int) {
        guard amplitudeChain == .timeSeries else { return (windows, Array(0..<windows.count), windows.count) }
        let withSignal = windowsWithSignal(windows)
        let large = units.acceleration.map { Float(2 * 9.81 / $0.toMetersPerSecondSquared) } ?? .infinity
        let kept = windows.selecting(withSignal).indicesBelowLargeAmplitude(large).map { withSignal[$0] }
        return (prepareWindows(windows.selecting(kept)), kept, withSignal.count)
    }

    /// A prepared dataset's windows as training or evaluation input: `trainingWindows` on its
    /// windows in its units, with the labels of the kept ones and the count of those dropped by
    /// reason (`WindowDataset.dropped`: "no_signal", "at_least_2g").
    public func trainingWindows(of prepared: PreparedDataset) -> WindowDataset {
        let all = prepared.windowDataset()
        let (windows, kept, withSignal) = trainingWindowsCounted(all.windows, units: prepared.metadata.units)
        var data = WindowDataset(windows: windows, labels: kept.map { all.labels[$0] }, classNames: all.classNames, inputShape: all.inputShape)
        if amplitudeChain == .timeSeries { data.dropped = ["no_signal": all.count - withSignal, "at_least_2g": withSignal - kept.count] }
        return data
    }
}

/// The record steps of a `Preprocessing` with the taper and filter designed for one record length
/// and rate: reused on every window of a live stream.
public struct RecordChain: Sendable {
    let detrend: DetrendMethod
    let taperSides: [Double]
    let highpass: SOSFilter

    /// Detrend → taper → high-pass of each component (each of the length the chain was made for).
    /// Long records (a minute or more at 100 Hz) detrend and taper their components in parallel.
    public func apply(_ components: [[Double]]) -> [[Double]] {
        func detrendAndTaper(_ c: [Double]) -> [Double] {
            switch detrend {
            case .linear:
                var x = Detrend.linear(c)
                Taper.obspyHann(&x, sides: taperSides)
                return x
            }
        }
        let tapered =
            (components.first?.count ?? 0) >= 6_000
            ? Parallel.map(components.count) { detrendAndTaper(components[$0]) } : components.map(detrendAndTaper)
        return highpass.apply(components: tapered)
    }
}
