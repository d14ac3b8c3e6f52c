// Waveform: one record's components sampled together ([component × sample], rate, start time).

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

    public init(components: [[Double]], componentCodes: [String]? = nil, samplingRateHz: Double,
                startTime: Double = 0) {
        precondition(!components.isEmpty, "a waveform needs at least one component")
        precondition(Set(components.map(\.count)).count == 1,
                     "components differ in length: \(components.map(\.count))")
        precondition(samplingRateHz > 0 && samplingRateHz.isFinite, "bad sampling rate \(samplingRateHz)")
        self.components = components
        self.componentCodes = componentCodes ?? components.indices.map { "C\($0)" }
        self.samplingRateHz = samplingRateHz
        self.startTime = startTime
    }

    public var componentCount: Int { components.count }
    /// Samples per component.
    public var npts: Int { components[0].count }
    public var durationSeconds: Double { Double(npts) / samplingRateHz }

    /// Applies `body` to every component.
    public func mapComponents(_ body: ([Double]) -> [Double]) -> Waveform {
        var copy = self
        copy.components = components.map(body)
        return copy
    }

    /// Samples `range` of every component (the start time moves with it).
    public func slice(_ range: Range<Int>) -> Waveform {
        precondition(range.lowerBound >= 0 && range.upperBound <= npts, "slice \(range) outside 0..<\(npts)")
        var copy = self
        copy.components = components.map { Array($0[range]) }
        copy.startTime = startTime + Double(range.lowerBound) / samplingRateHz
        return copy
    }

    /// √(Σ components²) per sample: the composite amplitude the reference thresholds and picks on.
    public var compositeAmplitude: [Double] {
        var out = [Double](repeating: 0, count: npts)
        for c in components { for i in 0..<npts { out[i] += c[i] * c[i] } }
        for i in 0..<npts { out[i] = out[i].squareRoot() }
        return out
    }
}
