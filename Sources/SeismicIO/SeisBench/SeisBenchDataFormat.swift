// SeisBenchDataFormat: the `data_format` group of a SeisBench waveforms.hdf5.

import Foundation

/// How a SeisBench waveforms file stores its traces (the `data_format` group: one scalar dataset
/// per key, as SeisBench's `WaveformDataWriter` writes it).
public struct SeisBenchDataFormat: Equatable, Sendable {
    /// "CW" (components × samples, SeisBench's default) or "WC".
    public var dimensionOrder: String
    /// One letter per stored component, in storage order, e.g. "ZNE"; nil when the file does not
    /// say (then every trace needs a `trace_component_order`, as SeisBench requires).
    public var componentOrder: String?
    /// Samples per second; nil when the file does not say (a metadata column may).
    public var samplingRateHz: Double?
    /// "velocity", "acceleration", … as written; nil when absent.
    public var measurement: String?
    /// "counts", "m/s", "mps2", … as written; nil when absent.
    public var unit: String?
    /// "not restituted", "restituted", … as written; nil when absent.
    public var instrumentResponse: String?

    public init(
        dimensionOrder: String = "CW", componentOrder: String? = nil, samplingRateHz: Double? = nil, measurement: String? = nil,
        unit: String? = nil, instrumentResponse: String? = nil
    ) {
        self.dimensionOrder = dimensionOrder
        self.componentOrder = componentOrder
        self.samplingRateHz = samplingRateHz
        self.measurement = measurement
        self.unit = unit
        self.instrumentResponse = instrumentResponse
    }

    /// Reads the group of `file`; an absent dimension order is "CW" (SeisBench's default), other
    /// absent keys are nil.
    /// - Throws: `SeisBenchError.dataFormat` for an order that is not C and W once each, a
    ///   component order with a repeated letter, a rate that is not a positive number; `HDF5Error`.
    public static func read(from file: HDF5File) throws -> SeisBenchDataFormat {
        func text(_ key: String) throws -> String? {
            try file.scalarText("data_format/\(key)")?.trimmingCharacters(in: .whitespaces)
        }
        var format = SeisBenchDataFormat()
        if let d = try text("dimension_order") { format.dimensionOrder = d }
        if let c = try text("component_order") { format.componentOrder = c }
        if let r = try text("sampling_rate") {
            guard let v = Double(r), v.isFinite, v > 0 else {
                throw SeisBenchError.dataFormat(path: file.path, reason: "sampling_rate \"\(r)\" is not a positive number")
            }
            format.samplingRateHz = v
        }
        format.measurement = try text("measurement")
        format.unit = try text("unit")
        format.instrumentResponse = try text("instrument_response")
        try format.validate(path: file.path)
        return format
    }

    /// Throws `SeisBenchError.dataFormat` unless the orders are usable.
    public func validate(path: String) throws(SeisBenchError) {
        guard dimensionOrder.count == 2, Set(dimensionOrder) == ["C", "W"] else {
            throw .dataFormat(path: path, reason: "dimension_order \"\(dimensionOrder)\" is not CW or WC")
        }
        if let c = componentOrder, c.isEmpty || Set(c).count != c.count {
            throw .dataFormat(path: path, reason: "component_order \"\(c)\" is empty or repeats a component")
        }
    }

    /// A trace's values (as read, in `dimensionOrder`, of shape [C, W] or [W, C]) as one array of
    /// samples per stored component.
    /// - Throws: `SeisBenchError.badTrace` when the shape is not two axes with `componentOrder`'s
    ///   count of components, or no component order is known.
    public func components(of values: [Float], shape: [Int], path: String, trace: String) throws(SeisBenchError) -> [[Float]] {
        guard let order = componentOrder else {
            throw .badTrace(path: path, trace: trace, reason: "no component order (data_format/component_order or a trace_component_order column)")
        }
        let c = order.count
        guard shape.count == 2 else {
            throw .badTrace(path: path, trace: trace, reason: "shape \(shape) is not [components, samples] or [samples, components]")
        }
        let channelsFirst = dimensionOrder == "CW"
        let (nc, nw) = channelsFirst ? (shape[0], shape[1]) : (shape[1], shape[0])
        guard nc == c else {
            throw .badTrace(path: path, trace: trace, reason: "\(nc) components where component_order \"\(order)\" names \(c)")
        }
        if channelsFirst { return (0..<nc).map { Array(values[($0 * nw)..<(($0 + 1) * nw)]) } }
        return (0..<nc).map { k in (0..<nw).map { values[$0 * nc + k] } }
    }
}
