// ComponentMapping: which channel of an instrument feeds which component a model takes — the
// documented rule that lets a model trained on E/N/Z read Z/1/2, Z/2/3 or X/Y/Z channels.

/// The rule (SeisBench's `flexible_horizontal_components`, extended to the accelerometers'
/// X/Y): every orientation letter is vertical (Z), north-like (N, 1, Y) or east-like (E, 2, X).
/// An instrument's channels are one of the orientation sets the field uses — ZNE, Z12, Z23
/// (2 north-like, 3 east-like) or ZXY — tried in that order; each component the model takes is
/// fed by the channel of the same kind in the first set the instrument has complete. So an E/N/Z
/// model reads HH1 as N and HH2 as E (as SeisBench), and an X/Y/Z model reads E as X and N as Y
/// (X east, Y north: the right-handed sensor frame).
public enum ComponentMapping {
    /// Orientation sets, each as (vertical, north-like, east-like), in the order they are tried.
    public static let orientationSets: [(name: String, vertical: Character, north: Character, east: Character)] = [
        ("ZNE", "Z", "N", "E"), ("Z12", "Z", "1", "2"), ("Z23", "Z", "2", "3"), ("ZXY", "Z", "Y", "X")
    ]

    /// The kind of a model's component letter: 0 vertical, 1 north-like, 2 east-like; nil for a
    /// letter the rule does not know.
    public static func kind(of letter: Character) -> Int? {
        switch letter {
        case "Z": return 0
        case "N", "1", "Y": return 1
        case "E", "2", "X": return 2
        default: return nil
        }
    }

    /// For a model taking components `modelOrder` (letters such as ["E", "N", "Z"]) and an
    /// instrument with channels of orientation letters `available`, the orientation letter to
    /// read for each model component, in the model's order, and the set used ("ZNE", …).
    /// - Throws: `ComponentMappingError` saying which letters are missing for the nearest set,
    ///   or that a model letter is outside the rule.
    public static func select(available: Set<Character>, modelOrder: [String]) throws(ComponentMappingError) -> (letters: [Character], set: String) {
        let kinds = try modelOrder.map { code throws(ComponentMappingError) -> Int in
            guard let letter = code.last, let k = kind(of: letter) else { throw .unknownModelComponent(code) }
            return k
        }
        for set in orientationSets {
            let letters = kinds.map { [set.vertical, set.north, set.east][$0] }
            if letters.allSatisfy(available.contains) { return (letters, set.name) }
        }
        // The set that lacks fewest letters names what is missing.
        let nearest = orientationSets.min { a, b in
            missing(kinds, a, available).count < missing(kinds, b, available).count
        }!
        throw .missingComponents(found: String(available.sorted()), missing: String(missing(kinds, nearest, available)), set: nearest.name)
    }

    private static func missing(_ kinds: [Int], _ set: (name: String, vertical: Character, north: Character, east: Character), _ available: Set<Character>)
        -> [Character]
    {
        kinds.map { [set.vertical, set.north, set.east][$0] }.filter { !available.contains($0) }
    }
}

/// An instrument whose channels cannot feed the model.
public enum ComponentMappingError: Error, Equatable, CustomStringConvertible {
    case missingComponents(found: String, missing: String, set: String)
    case unknownModelComponent(String)

    public var description: String {
        switch self {
        case .missingComponents(let found, let missing, let set):
            return
                "components \(found.isEmpty ? "none" : found) only; the model needs three (the nearest set, \(set), lacks \(missing.map(String.init).joined(separator: ", ")))"
        case .unknownModelComponent(let c):
            return "the model's component '\(c)' is not Z, N/1/Y or E/2/X, so no channel can be chosen for it"
        }
    }
}
