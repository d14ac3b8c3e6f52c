// PetersonNoiseModel: the new low and high noise models (NLNM, NHNM) of Peterson (1993).

import Foundation

/// Peterson's (1993, USGS Open-File Report 93-322) new low and high noise models: the acceleration
/// power spectral density below which (NLNM) and above which (NHNM) few stations of the global
/// network record. Each model is straight lines in dB against log10(period), `A + B log10(T)` per
/// period band, as `obspy.signal.spectral_estimation.get_nlnm` / `get_nhnm` tabulate them (equal
/// to their 3-decimal tables). The microseism peak (4–20 s, strongest near 6 s) and the rise of
/// cultural noise above 1 Hz are in the high model.
public enum PetersonNoiseModel: String, CaseIterable, Sendable {
    case low, high

    /// Shortest and longest periods the models define, in seconds.
    public static let periodRange: ClosedRange<Double> = 0.1...100_000

    /// (period from which the band starts [s], A [dB], B [dB per decade]).
    private var bands: [(period: Double, a: Double, b: Double)] { self == .low ? Self.lowBands : Self.highBands }

    private static let lowBands: [(period: Double, a: Double, b: Double)] = [
        (0.10, -162.36, 5.64), (0.17, -166.70, 0), (0.40, -170.00, -8.30), (0.80, -166.40, 28.90),
        (1.24, -168.60, 52.48), (2.40, -159.98, 29.81), (4.30, -141.10, 0), (5.00, -71.36, -99.77),
        (6.00, -97.26, -66.49), (10.00, -132.18, -31.57), (12.00, -205.27, 36.16), (15.60, -37.65, -104.33),
        (21.90, -114.37, -47.10), (31.60, -160.58, -16.28), (45.00, -187.50, 0), (70.00, -216.47, 15.70),
        (101.00, -185.00, 0), (154.00, -168.34, -7.61), (328.00, -217.43, 11.90), (600.00, -258.28, 26.60),
        (10_000.00, -346.88, 48.75)
    ]

    private static let highBands: [(period: Double, a: Double, b: Double)] = [
        (0.10, -108.73, -17.23), (0.22, -150.34, -80.50), (0.32, -122.31, -23.87), (0.80, -116.85, 32.51),
        (3.80, -108.48, 18.08), (4.60, -74.66, -32.95), (6.30, 0.66, -127.18), (7.90, -93.37, -22.42),
        (15.40, 73.54, -162.98), (20.00, -151.52, 10.01), (354.80, -206.66, 31.63)
    ]

    /// The model's acceleration PSD in dB rel. 1 (m/s²)²/Hz at `periodSeconds`. Periods outside
    /// `periodRange` take the value at its nearer end (the models are undefined there: above
    /// 10 Hz the acceleration spectrum is held at its 10 Hz value).
    public func accelerationPSDdB(periodSeconds: Double) -> Double {
        let t = min(max(periodSeconds, Self.periodRange.lowerBound), Self.periodRange.upperBound)
        let band = bands.last { t >= $0.period } ?? bands[0]
        return band.a + band.b * log10(t)
    }

    /// `accelerationPSDdB` at `frequencyHz` (> 0) as a power spectral density in (m/s²)²/Hz.
    public func accelerationPSD(frequencyHz: Double) -> Double {
        pow(10, accelerationPSDdB(periodSeconds: 1 / frequencyHz) / 10)
    }

    /// A level between the two models: `fraction` 0 is the low model, 1 the high one, linear in dB
    /// between them (fractions outside 0…1 extrapolate). In (m/s²)²/Hz at `frequencyHz` (> 0).
    public static func accelerationPSD(frequencyHz: Double, fraction: Double) -> Double {
        let t = 1 / frequencyHz
        let low = Self.low.accelerationPSDdB(periodSeconds: t), high = Self.high.accelerationPSDdB(periodSeconds: t)
        return pow(10, (low + fraction * (high - low)) / 10)
    }
}
