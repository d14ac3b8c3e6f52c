// RecordUnits: what the user says about the units of records that do not state their own
// (classify's --units, --sensitivity, --inventory, --scale), and the conversion of one record's
// channels to a model's units that follows from it.

import SeismicIO

/// The units of records whose headers do not state them, as the user gives them.
///
/// At most one way applies to a record, in this order: the units its SAC header states (IDEP = IACC,
/// unit in KUSER0), the `inventory`'s sensitivity of each channel at the record's start (counts →
/// the channel's input unit, as ObsPy's `Trace.remove_sensitivity`), `sensitivity` counts per
/// `units`, `units` alone, else the samples as read × `scale`.
public struct UnitOptions: Sendable {
    /// The records' samples are in this unit (`--units`), or, with `sensitivity`, the unit the
    /// sensitivity converts counts to.
    public var units: AccelerationUnit?
    /// Counts per `units` (`--sensitivity`), for records in counts; needs `units`.
    public var sensitivity: Double?
    /// Per-channel sensitivities of a StationXML inventory (`--inventory`).
    public var inventory: Inventory?
    /// A factor for records whose units nobody states (`--scale`; 1: as read).
    public var scale: Double

    public init(units: AccelerationUnit? = nil, sensitivity: Double? = nil, inventory: Inventory? = nil, scale: Double = 1) {
        self.units = units
        self.sensitivity = sensitivity
        self.inventory = inventory
        self.scale = scale
    }
}

/// How one record's samples were brought to the model's units: a factor per component (model
/// order) and, in words, what the samples were and who said so.
public struct UnitConversion: Sendable, Equatable {
    public var factors: [Double]
    /// E.g. "gal (SAC header: IDEP = IACC, KUSER0), to m/s^2", "counts (inventory
    /// sensitivity, M/S**2), to m/s^2", "as read: units not stated (no --units, --sensitivity or --inventory)".
    public var description: String
    /// False when the samples are taken as read because nothing states their units.
    public var unitsKnown: Bool

    /// The record with each component multiplied by its factor (itself when every factor is 1).
    public func apply(to waveform: Waveform) -> Waveform {
        guard factors.contains(where: { $0 != 1 }) else { return waveform }
        var w = waveform
        for c in w.components.indices { w.components[c] = w.components[c].map { $0 * factors[c] } }
        return w
    }

    /// Largest acceleration a converted record may hold: 100 g, beyond any earthquake record (the
    /// monitor's `MonitorRunner.plausibleAcceleration`).
    public static let plausibleMetersPerSecondSquared = 1000.0

    /// `apply(to:)`, then, when the units are known and `model` is an acceleration unit, a check
    /// that the result is plausible: every sample finite and within ±100 g.
    /// - Throws: `RecordUnitError.implausible` naming the peak and where the units came from.
    public func converted(_ waveform: Waveform, path: String, model: AccelerationUnit?) throws(RecordUnitError) -> Waveform {
        let w = apply(to: waveform)
        guard unitsKnown, let model else { return w }
        var peak = 0.0
        for component in w.components { peak = Self.peak(component[...], from: peak) }
        try checkPlausible(peak: peak, path: path, model: model)
        return w
    }

    /// The largest of `start` and the samples' |x|; infinite when one is NaN.
    public static func peak(_ samples: some Collection<Double>, from start: Double = 0) -> Double {
        var peak = start
        for x in samples where !(abs(x) <= peak) { peak = x.isNaN ? .infinity : abs(x) }
        return peak
    }

    /// Throws `RecordUnitError.implausible` (naming `path`) when `peak`, the largest |x| of a
    /// converted record in `model`'s unit, is beyond ±100 g.
    public func checkPlausible(peak: Double, path: String, model: AccelerationUnit) throws(RecordUnitError) {
        let metres = peak * model.toMetersPerSecondSquared
        guard metres <= Self.plausibleMetersPerSecondSquared else { throw .implausible(path: path, peak: metres, units: description) }
    }
}

/// A record whose units cannot be brought to the model's.
public enum RecordUnitError: Error, CustomStringConvertible, Equatable {
    /// The header states acceleration units and `--scale` was given too.
    case scaleWithStatedUnits(path: String, stated: AccelerationUnit, scale: Double)
    /// The header states units other than `--units`.
    case contradicts(path: String, stated: AccelerationUnit, given: AccelerationUnit)
    /// An inventory was given but the record names no channels (no SEED ids in its header or file names).
    case noChannelIDs(path: String)
    /// The inventory has the channel, but no epoch holding the record's start.
    case noResponse(path: String, channel: String, time: String)
    /// The inventory does not list the channel (network, station, location and channel codes).
    case channelNotInInventory(path: String, channel: String)
    case notAcceleration(path: String, channel: String, units: String)
    /// `--units`/`--sensitivity` (which say the samples are acceleration) for a channel whose SEED
    /// instrument code is a velocity sensor's (H high-gain seismometer, P geophone).
    case velocitySensor(path: String, channel: String)
    /// Samples beyond ±100 g once converted: a wrong sensitivity or unit.
    case implausible(path: String, peak: Double, units: String)

    public var description: String {
        switch self {
        case .scaleWithStatedUnits(let p, let u, let scale):
            return "\(p) states its samples are in \(u.rawValue) (SAC IDEP = IACC, KUSER0), converted to the model's units; "
                + "drop --scale \(scale) (it is for records that do not state their units)"
        case .contradicts(let p, let s, let g):
            return "\(p) states its samples are in \(s.rawValue) (SAC IDEP = IACC, KUSER0), but --units says \(g.rawValue); drop --units or fix the header"
        case .noChannelIDs(let p):
            return "\(p): the record names no SEED channels (header or NET.STA.LOC.CHA file name), so --inventory cannot give its sensitivities"
        case .noResponse(let p, let c, let t):
            return "\(p): the inventory lists \(c), but none of its epochs with an InstrumentSensitivity holds the record's start, \(t)"
        case .channelNotInInventory(let p, let c):
            return "\(p): the inventory has no channel \(c) with an InstrumentSensitivity (network, station, location and channel codes must all match)"
        case .notAcceleration(let p, let c, let u):
            return "\(p): the inventory gives \(c) in \(u), not an acceleration unit this tool converts (M/S**2, CM/S**2, G): the model takes acceleration"
        case .velocitySensor(let p, let c):
            return
                "\(p): \(c) is a velocity sensor by its SEED instrument code (H high-gain seismometer, P geophone), but --units says its samples are acceleration; "
                + "choose the accelerometer's channels (--channels HN?) or give --inventory"
        case .implausible(let p, let peak, let u):
            return
                "\(p): converted to the model's units the record peaks at \(String(format: "%.3g", peak)) m/s², beyond ±100 g (samples: \(u)); check --units, --sensitivity or the inventory"
        }
    }
}

extension UnitOptions {
    /// The conversion of a record to `model` units (nil: a model in counts, whose windows are
    /// normalised so only relative amplitudes matter: samples as read × `scale`).
    /// - Parameters:
    ///   - stated: the units the record's header states (SAC), nil when it states none.
    ///   - channels: the record's channels in component order (SEED ids; empty when unknown).
    ///   - time: the record's start, seconds since 1970-01-01 UTC (chooses the inventory epoch: the
    ///     first with start ≤ time < end, with a note when several hold it).
    ///   - end: the record's last sample's time, when known: a note says when an epoch changes before it.
    ///   - path: names the record in errors.
    /// - Throws: `RecordUnitError`.
    public func conversion(
        stated: AccelerationUnit?, channels: [SEEDIdentifier], components: Int, time: Double, end: Double? = nil, path: String,
        to model: AccelerationUnit?
    ) throws(RecordUnitError) -> UnitConversion {
        func uniform(_ f: Double, _ text: String, known: Bool = true) -> UnitConversion {
            UnitConversion(factors: Array(repeating: f, count: components), description: text, unitsKnown: known)
        }
        let scaled = scale == 1 ? "" : ", × \(scale) (--scale)"
        guard let model else {
            // Said, not silently dropped: the user asked for a conversion this model never makes.
            let ignored = [(units != nil, "--units"), (sensitivity != nil, "--sensitivity"), (inventory != nil, "--inventory")].filter(\.0).map(\.1)
            let note = ignored.isEmpty ? "" : ", so \(ignored.joined(separator: ", ")) \(ignored.count == 1 ? "does" : "do") not apply"
            return uniform(scale, "as read\(scaled) (the model takes counts\(note); windows are normalised)", known: false)
        }
        let target = SampleUnit.acceleration(model).name
        if let stated {
            if let units, units != stated { throw .contradicts(path: path, stated: stated, given: units) }
            guard scale == 1 else { throw .scaleWithStatedUnits(path: path, stated: stated, scale: scale) }
            let unused = [inventory != nil ? "--inventory" : nil, sensitivity != nil ? "--sensitivity" : nil].compactMap { $0 }
            return uniform(
                stated.toMetersPerSecondSquared / model.toMetersPerSecondSquared,
                "\(stated.rawValue) (SAC header: IDEP = IACC, KUSER0), to \(target)"
                    + (unused.isEmpty ? "" : "; \(unused.joined(separator: " and ")) not used: the header states the units"))
        }
        if let inventory {
            guard channels.count == components, channels.allSatisfy({ !$0.station.isEmpty }) else { throw .noChannelIDs(path: path) }
            var factors: [Double] = []
            var inputs: [String] = [], notes: [String] = []
            for id in channels {
                guard inventory.channels.contains(where: { $0.id == id }) else { throw .channelNotInInventory(path: path, channel: id.description) }
                let holding = inventory.epochs(of: id, at: time)
                guard let s = holding.first else {
                    throw .noResponse(path: path, channel: id.description, time: UTCTime.iso8601(time, fractionDigits: 3))
                }
                if holding.count > 1 { notes.append("\(holding.count) epochs of \(id.channel) hold the start; the first is used") }
                if let end, let change = s.end, change <= end {
                    notes.append(
                        "\(id.channel)'s epoch ends at \(UTCTime.iso8601(change, fractionDigits: 3)), within the record; its start's sensitivity is used")
                }
                guard let input = AccelerationUnit(name: s.inputUnits) else { throw .notAcceleration(path: path, channel: id.description, units: s.inputUnits) }
                factors.append(input.toMetersPerSecondSquared / model.toMetersPerSecondSquared / s.value)
                inputs.append("\(id.channel) \(String(format: "%g", s.value)) counts per \(s.inputUnits)")
            }
            return UnitConversion(
                factors: factors,
                description: "counts (inventory: \(inputs.joined(separator: ", "))), to \(target)" + notes.map { "; " + $0 }.joined(),
                unitsKnown: true)
        }
        if units != nil, let velocity = channels.first(where: \.isVelocitySensor) {
            throw .velocitySensor(path: path, channel: velocity.description)
        }
        if let units, let sensitivity {
            return uniform(
                units.toMetersPerSecondSquared / model.toMetersPerSecondSquared / sensitivity,
                "counts (--sensitivity \(String(format: "%g", sensitivity)) counts per \(units.rawValue)), to \(target)")
        }
        if let units { return uniform(units.toMetersPerSecondSquared / model.toMetersPerSecondSquared, "\(units.rawValue) (--units), to \(target)") }
        return uniform(scale, "as read\(scaled): units not stated (no --units, --sensitivity or --inventory)", known: false)
    }
}
