// AccelerationUnit: the unit of acceleration samples — a model card's, a record's, a monitor's stream's.

import Foundation
import SeismicIO

/// Units acceleration samples may carry (a model's input, a record, a live stream), converted to m/s².
public enum AccelerationUnit: String, Sendable, CaseIterable {
    case g, mps2 = "m/s2", gal

    public var toMetersPerSecondSquared: Double {
        switch self {
        case .g: return 9.81
        case .mps2: return 1
        case .gal: return 0.01
        }
    }

    /// A unit from its usual spellings: "g", "gal", "m/s2", "m/s^2", "m/s**2" (any case); nil otherwise.
    public init?(name: String) {
        switch name.trimmingCharacters(in: .whitespaces).lowercased() {
        case "g": self = .g
        case "gal": self = .gal
        case "m/s2", "m/s^2", "m/s**2", "m/s/s", "m s-2", "m s**-2": self = .mps2
        case "cm/s2", "cm/s^2", "cm/s**2", "cm/s/s": self = .gal
        default: return nil
        }
    }

    /// The units a SAC record states: IDEP = IACC (acceleration) with the unit word in KUSER0.
    /// Nil when the record says nothing (IDEP undefined or IUNKN, no KUSER0).
    /// - Throws: `AccelerationUnitError` when the record is not acceleration (IDISP, IVEL, IVOLTS),
    ///   its unit word is not one of ours, or its components disagree.
    public static func stated(by traces: [SACTrace], path: String) throws(AccelerationUnitError) -> AccelerationUnit? {
        try stated(by: traces.map(\.header), path: path)
    }

    /// `stated(by:path:)` from the files' headers alone.
    public static func stated(by headers: [SACHeader], path: String) throws(AccelerationUnitError) -> AccelerationUnit? {
        var found: [AccelerationUnit?] = []
        for h in headers {
            let idep = h.dependentVariable
            if let idep, idep != .acceleration, idep != .unknown {
                throw .notAcceleration(path: path, idep: idep.name)
            }
            if idep == nil, let code = h.dependentVariableCode {
                throw .notAcceleration(path: path, idep: "\(code)")
            }
            guard let word = h.unitWord else { found.append(nil); continue }
            guard let unit = AccelerationUnit(name: word) else { throw .unknownUnitWord(path: path, word: word) }
            found.append(unit)
        }
        let units = Set(found.compactMap { $0 })
        guard units.count <= 1, units.isEmpty || !found.contains(nil) else {
            throw .componentsDisagree(path: path, units: found.map { $0?.rawValue ?? "none" })
        }
        return units.first
    }

    /// Where a monitor's samples come from, as far as their units are concerned.
    public enum Source: Sendable, Equatable {
        /// Raspberry Shake UDP packets: counts, converted by the gain, never by a unit.
        case udp
        /// `time,x,y,z` lines: no unit metadata.
        case stdin
    }

    /// The units of a monitor's live samples, and why: the user's `given` units; else, for stdin,
    /// the model card's units when they name an acceleration unit. (A replayed record's units:
    /// `StreamSources.replayedRecord`.) Never a guess: with none it throws and says how to pass `--units`.
    /// - Returns: nil for UDP (counts × gain), else the units and a note saying where they came from.
    /// - Throws: `AccelerationUnitError.notForUDP`, `.missing`.
    public static func resolve(given: AccelerationUnit?, source: Source, card: ModelCard) throws(AccelerationUnitError) -> (
        units: AccelerationUnit, from: String
    )? {
        switch source {
        case .udp:
            if let given { throw .notForUDP(given: given.rawValue) }
            return nil
        case .stdin:
            if let given { return (given, "--units") }
            guard let units = card.units.acceleration else {
                throw .missing(source: "standard input", hint: "the model card's units are \(card.units.name), not an acceleration unit")
            }
            return (units, "the model card (units \(units.rawValue))")
        }
    }
}

/// Units the monitor cannot take or cannot find.
public enum AccelerationUnitError: Error, CustomStringConvertible, Equatable {
    case notAcceleration(path: String, idep: String)
    case unknownUnitWord(path: String, word: String)
    case componentsDisagree(path: String, units: [String])
    case notForUDP(given: String)
    case missing(source: String, hint: String)
    /// A replayed record without units for a model that takes counts: the model would take it as
    /// read, but the monitor's PGA and triggers are acceleration.
    case missingForPGA(source: String)

    /// Whether options are what is wrong (units given where they do not apply, or missing where
    /// only an option can give them: a usage error, exit status 64), rather than the record.
    public var isUsageError: Bool {
        switch self {
        case .notForUDP, .missing, .missingForPGA: return true
        case .notAcceleration, .unknownUnitWord, .componentsDisagree: return false
        }
    }

    public var description: String {
        let choices = AccelerationUnit.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .notAcceleration(let p, let i):
            return "\(p): SAC IDEP is \(i), not IACC: the model takes acceleration"
        case .unknownUnitWord(let p, let w):
            return "\(p): SAC KUSER0 says the unit is '\(w)'; expected one of \(choices)"
        case .componentsDisagree(let p, let u):
            return "\(p): the components state different units (\(u.joined(separator: ", ")))"
        case .notForUDP(let g):
            return "--units \(g) does not apply to udp:// sources: Raspberry Shake packets are counts, converted by --gain"
        case .missing(let s, let h):
            return "the units of \(s) are unknown: \(h). Pass them, e.g. --units gal (one of \(choices))"
        case .missingForPGA(let s):
            return "the units of \(s) are unknown (SAC IDEP = IACC with the unit in KUSER0 states them; miniSEED never does). "
                + "The model takes counts as read, but the monitor's PGA and triggers are in gal: give --inventory station.xml, "
                + "or --units m/s2 with --sensitivity (counts per m/s2) — an accelerometer's channels: a velocity sensor's records "
                + "give no acceleration. seismic classify picks a record as read."
        }
    }
}
