// Waveform: one record's components sampled together ([component × sample], rate, start time).

/// Why samples cannot form a `Waveform`: the checks `Waveform(validating:…)` makes on data from files.
public enum WaveformError: Error, CustomStringConvertible, Equatable {
    case noComponents
    case componentCodeCount(codes: Int, components: Int)
    case lengthsDiffer(counts: [Int])
    case badSamplingRate(Double)
    case badStartTime(Double)
    /// Component `component` (its channel code) has a NaN or ±inf at sample `index` (0-based).
    case nonFiniteSample(component: String, index: Int, value: Double)

    public var description: String {
        switch self {
        case .noComponents: return "a waveform needs at least one component"
        case .componentCodeCount(let c, let n): return "\(c) component codes for \(n) components"
        case .lengthsDiffer(let counts): return "components differ in length: \(counts)"
        case .badSamplingRate(let r): return "sampling rate \(r) Hz; it must be finite and positive"
        case .badStartTime(let t): return "start time \(t) s; it must be finite"
        case .nonFiniteSample(let c, let i, let v):
            return "component \(c): sample \(i) is \(v); every sample must be finite"
        }
    }
}

/// A multi-component record: equal-length components sampled at one rate from one start time.
/// Components are ordered as `componentCodes` (E, N, Z or X, Y, Z for the reference's data).
public struct Waveform: Equatable, Sendable {
    /// Samples per component: `components[c][i]`.
    public var components: [[Double]]
    /// Channel codes of the components, e.g. ["HLX", "HLY", "HLZ"].
    public var componentCodes: [String]
    public var samplingRateHz: Double
    /// Time of the first sample, seconds since 1970-01-01 UTC (0 when unknown).
    public var startTime: Double

    /// A waveform from samples the program made itself (synthetic records, benchmarks), whose
    /// lengths and rate are right by construction: a violation is a programming error and traps.
    /// Data read from files goes through `init(validating:…)`.
    public init(
        components: [[Double]], componentCodes: [String]? = nil, samplingRateHz: Double,
        startTime: Double = 0
    ) {
        precondition(!components.isEmpty, "a waveform needs at least one component")
        precondition(
            Set(components.map(\.count)).count == 1,
            "components differ in length: \(components.map(\.count))")
        precondition(samplingRateHz > 0 && samplingRateHz.isFinite, "bad sampling rate \(samplingRateHz)")
        self.components = components
        self.componentCodes = componentCodes ?? components.indices.map { "C\($0)" }
        self.samplingRateHz = samplingRateHz
        self.startTime = startTime
    }

    /// A waveform from untrusted data (files, packets): `components` [component × sample], equal
    /// lengths; `samplingRateHz` finite and positive; `startTime` (s since the epoch) finite; every
    /// sample finite (NaN or ±inf is refused with the component's code and the sample index, as
    /// ObsPy's detrend refuses it). Throws the first violation found.
    public init(
        validating components: [[Double]], componentCodes: [String]? = nil, samplingRateHz: Double,
        startTime: Double = 0
    ) throws(WaveformError) {
        guard !components.isEmpty else { throw .noComponents }
        let codes = componentCodes ?? components.indices.map { "C\($0)" }
        guard codes.count == components.count else {
            throw .componentCodeCount(codes: codes.count, components: components.count)
        }
        let counts = components.map(\.count)
        guard counts.allSatisfy({ $0 == counts[0] }) else { throw .lengthsDiffer(counts: counts) }
        guard samplingRateHz.isFinite, samplingRateHz > 0 else { throw .badSamplingRate(samplingRateHz) }
        guard startTime.isFinite else { throw .badStartTime(startTime) }
        for (c, samples) in components.enumerated() {
            if let i = samples.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteSample(component: codes[c], index: i, value: samples[i])
            }
        }
        self.components = components
        self.componentCodes = codes
        self.samplingRateHz = samplingRateHz
        self.startTime = startTime
    }

    public var componentCount: Int { components.count }
    /// Samples per component.
    public var sampleCount: Int { components[0].count }
    public var durationSeconds: Double { Double(sampleCount) / samplingRateHz }
    /// Time of the last sample (seconds since 1970-01-01 UTC), as ObsPy's `Stats.endtime`.
    public var endTime: Double { startTime + Double(max(sampleCount - 1, 0)) / samplingRateHz }

    /// Applies `body` to every component.
    public func mapComponents(_ body: ([Double]) -> [Double]) -> Waveform {
        var copy = self
        copy.components = components.map(body)
        return copy
    }

    /// Samples `range` of every component (the start time moves with it).
    public func slice(_ range: Range<Int>) -> Waveform {
        precondition(range.lowerBound >= 0 && range.upperBound <= sampleCount, "slice \(range) outside 0..<\(sampleCount)")
        var copy = self
        copy.components = components.map { Array($0[range]) }
        copy.startTime = startTime + Double(range.lowerBound) / samplingRateHz
        return copy
    }

    /// √(Σ components²) per sample: the composite amplitude the reference thresholds and picks on.
    public var compositeAmplitude: [Double] {
        var out = [Double](repeating: 0, count: sampleCount)
        for c in components { for i in 0..<sampleCount { out[i] += c[i] * c[i] } }
        for i in 0..<sampleCount { out[i] = out[i].squareRoot() }
        return out
    }
}
