// Pick: a phase arrival found on a station's traces, as SeisBench's Pick, and its CSV form.

import Foundation

/// A phase pick as SeisBench's `seisbench.util.Pick`: the station it was made on, the trigger
/// (`startTime`…`endTime`, where the phase's probability stayed above the trigger's off
/// threshold), the moment of highest probability (`peakTime`, the pick time) and that probability.
/// Times are seconds since 1970-01-01 UTC.
public struct Pick: Sendable, Equatable, Comparable {
    /// "NET.STA.LOC", SeisBench's `trace_id` (ObsPy's SEED id without the channel).
    public var traceID: String
    public var startTime: Double
    public var peakTime: Double
    public var endTime: Double
    public var peakValue: Float
    /// The phase: "P", "S", or the class name for other classes.
    public var phase: String
    /// The instrument the pick was made on, "NET.STA.LOC.BI" (band and instrument code, as
    /// `SEEDIdentifier.instrumentID`), or empty when not known: what tells apart the picks of two
    /// instruments at one station and location (a broadband HH and a strong-motion HN), which
    /// share `traceID`. Not one of SeisBench's fields: the CSV's last column and QuakeML's resource
    /// identifiers carry it.
    public var instrumentID: String

    public init(
        traceID: String, startTime: Double, peakTime: Double, endTime: Double, peakValue: Float, phase: String, instrumentID: String = ""
    ) {
        self.traceID = traceID
        self.startTime = startTime
        self.peakTime = peakTime
        self.endTime = endTime
        self.peakValue = peakValue
        self.phase = phase
        self.instrumentID = instrumentID
    }

    /// Picks in time order (peak, then station, then phase, then instrument), as SeisBench sorts a
    /// `PickList`.
    public static func < (a: Pick, b: Pick) -> Bool {
        (a.peakTime, a.traceID, a.phase, a.instrumentID) < (b.peakTime, b.traceID, b.phase, b.instrumentID)
    }

    /// The columns of a pick table: SeisBench's `Pick` fields, then `instrument` (`instrumentID`,
    /// the record's own codes, which tell apart two instruments of one station and location, and
    /// the instruments of a record naming no station, whose `traceID` is empty; empty when not known).
    public static let csvHeader = ["trace_id", "start_time", "peak_time", "end_time", "peak_value", "phase", "instrument"]

    /// The pick as a row under `csvHeader`: times in UTC ISO 8601 to the microsecond (ObsPy's
    /// `str(UTCDateTime)`), the probability to 4 decimals.
    public var csvRow: [String] {
        [
            traceID, UTCTime.iso8601(startTime), UTCTime.iso8601(peakTime), UTCTime.iso8601(endTime), String(format: "%.4f", peakValue),
            phase, instrumentID
        ]
    }
}
