// SampleUnit: what a window's samples measure — raw counts or an acceleration unit — as an input
// contract states it for a model and for a dataset.

import Foundation

/// The unit of a model's input samples before normalisation, or of a dataset's windows.
public enum SampleUnit: Equatable, Sendable, CustomStringConvertible {
    /// Digitiser counts: the instrument response was not removed (STEAD offline).
    case counts
    case acceleration(AccelerationUnit)

    /// Metres per second squared, the reference's unit.
    public static let metersPerSecondSquared = SampleUnit.acceleration(.mps2)

    /// From its written form: "counts" (also with a remark after it, as datasets before this
    /// type wrote "counts (response-free: …)"), or an acceleration unit's spelling
    /// (`AccelerationUnit(name:)`); nil otherwise.
    public init?(name: String) {
        let word = name.trimmingCharacters(in: .whitespaces)
        if word.lowercased() == "counts" || word.lowercased().hasPrefix("counts ") {
            self = .counts
        } else if let unit = AccelerationUnit(name: word) {
            self = .acceleration(unit)
        } else {
            return nil
        }
    }

    /// As checkpoints and datasets write it: "counts", "m/s^2", "gal" or "g".
    public var name: String {
        switch self {
        case .counts: return "counts"
        case .acceleration(let u): return u == .mps2 ? "m/s^2" : u.rawValue
        }
    }

    public var description: String { name }

    /// The acceleration unit, nil for counts.
    public var acceleration: AccelerationUnit? {
        if case .acceleration(let u) = self { return u }
        return nil
    }

    /// The spellings a card or dataset may use, for messages.
    public static let accepted = "counts, m/s^2, gal or g"
}
