// SEEDBandCode: the band letter of a SEED channel code for a sampling rate.

/// SEED band codes (SEED manual, appendix A) by sampling rate.
public enum SEEDBandCode {
    /// The band code of a derived trace sampled at `samplingRateHz`, from the short-period column
    /// (no corner period applies to a probability): F ≥ 1000 Hz, C ≥ 250, E ≥ 80, S ≥ 10, M > 1,
    /// L ≈ 1, V ≈ 0.1, U ≈ 0.01 and below.
    public static func forAnnotation(samplingRateHz rate: Double) -> Character {
        switch rate {
        case 1000...: return "F"
        case 250..<1000: return "C"
        case 80..<250: return "E"
        case 10..<80: return "S"
        case 1.5..<10: return "M"
        case 0.5..<1.5: return "L"
        case 0.05..<0.5: return "V"
        default: return "U"
        }
    }
}
