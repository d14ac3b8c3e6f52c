// RecordSamples: a record's samples read a span at a time, whether held in memory or read from its
// files as they are needed.

/// A multi-component record read a span at a time: a `Waveform` in memory, or `SACRecordSamples`
/// reading its files on demand, so processing a long record need not hold all of it.
public protocol RecordSamples {
    var componentCount: Int { get }
    /// Samples per component.
    var sampleCount: Int { get }
    var samplingRateHz: Double { get }
    /// Time of the first sample, seconds since 1970-01-01 UTC.
    var startTime: Double { get }
    /// Channel codes of the components, in component order.
    var componentCodes: [String] { get }
    /// Samples `range` (within `0..<sampleCount`) of component `component` into `buffer`
    /// (`range.count` values).
    /// - Throws: what reading the record's files throws (a file cut short since it was opened, a
    ///   sample that is not finite); a record in memory never throws.
    func read(component: Int, _ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws
}

extension Waveform: RecordSamples {
    public func read(component: Int, _ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) {
        components[component].withUnsafeBufferPointer { src in
            _ = buffer.initialize(from: UnsafeBufferPointer(rebasing: src[range]))
        }
    }
}
