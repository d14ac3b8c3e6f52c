// SACDependentVariable: what a SAC trace's samples measure (header IDEP), and the unit word we store.

/// The SAC header's IDEP enumeration (SAC manual, "enumerated header values"): the physical
/// quantity of the samples. SAC's nominal units are nm, nm/s and nm/s²; files in other units
/// (the QSIS records are in gal) state theirs in KUSER0 (see `SACHeader.unitWord`).
public enum SACDependentVariable: Int32, Sendable, CaseIterable {
    /// IUNKN: unknown.
    case unknown = 5
    /// IDISP: displacement (nominally nm).
    case displacement = 6
    /// IVEL: velocity (nominally nm/s).
    case velocity = 7
    /// IACC: acceleration (nominally nm/s²).
    case acceleration = 8
    /// IVOLTS: velocity in volts.
    case volts = 50

    public var name: String {
        switch self {
        case .unknown: return "IUNKN"
        case .displacement: return "IDISP"
        case .velocity: return "IVEL"
        case .acceleration: return "IACC"
        case .volts: return "IVOLTS"
        }
    }
}

extension SACHeader {
    /// IDEP as an enumeration value; nil when undefined (-12345) or not one SAC defines.
    public var dependentVariable: SACDependentVariable? {
        int("idep").flatMap { SACDependentVariable(rawValue: Int32(clamping: $0)) }
    }

    /// The raw IDEP word, for messages about values SAC does not define.
    public var dependentVariableCode: Int? { int("idep") }

    public mutating func setDependentVariable(_ value: SACDependentVariable?) {
        setInt("idep", value.map { Int($0.rawValue) })
    }

    /// The unit of the samples as a word in KUSER0 ("gal", "m/s2", "g"), our convention for units
    /// SAC's IDEP cannot express; nil when KUSER0 is undefined.
    public var unitWord: String? { string("kuser0") }

    public mutating func setUnitWord(_ word: String?) { setString("kuser0", word) }
}
