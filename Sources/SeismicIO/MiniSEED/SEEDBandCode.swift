// SEEDBandCode: the band letter of a SEED channel code for a sampling rate.

/// SEED band codes (SEED manual, appendix A) by sampling rate.
public enum SEEDBandCode {
    /// The band code of a derived trace sampled at `samplingRateHz`, from the short-period column
    /// (no corner period applies to a probability): F ≥ 1000 Hz, C ≥ 250, E ≥ 80, S ≥ 10, M above
    /// 1 and below 10, L above 0.1 up to 1 (≈ 1 Hz), V above 0.01 up to 0.1, U at 0.01 and below.
    public static func forAnnotation(samplingRateHz rate: Double) -> Character {
        switch rate {
        case 1000...: return "F"
        case 250..<1000: return "C"
        case 80..<250: return "E"
        case 10..<80: return "S"
        case _ where rate > 1: return "M"
        case _ where rate > 0.1: return "L"
        case _ where rate > 0.01: return "V"
        default: return "U"
        }
    }
}
