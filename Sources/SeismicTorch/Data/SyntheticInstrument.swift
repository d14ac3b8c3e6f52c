// SyntheticInstrument: what a synthetic record is recorded on — the quantity of its samples and
// the instrument's own noise.

import Foundation
import SeismicSignal

/// The sensor a synthetic record is made for.
public enum SyntheticInstrument: String, Sendable, CaseIterable {
    /// A MEMS accelerometer, as the reference's QSIS stations: samples are ground acceleration
    /// (m/s²); its white self-noise (10–40 µg/√Hz, around low-noise ADXL355-class parts) lies
    /// far above the ground's noise at most sites.
    case memsAccelerometer = "mems-accelerometer"
    /// A broadband seismometer, as most of STEAD's traces (HH/BH): samples are ground velocity
    /// (m/s); its self-noise is below the low noise model, so none is added.
    case broadbandSeismometer = "broadband-seismometer"

    /// Whether the samples are velocity (else acceleration).
    public var recordsVelocity: Bool { self == .broadbandSeismometer }

    /// The SEED band and instrument codes of its channels: "HL" (high rate, accelerometer; QSIS's
    /// HLX/HLY/HLZ) or "HH" (high rate, high-gain seismometer).
    public var channelPrefix: String { recordsVelocity ? "HH" : "HL" }

    /// An acceleration spectrum (power, (m/s²)²/Hz, or amplitude, m/s² · s, by `power`) as this
    /// instrument's quantity at `frequencyHz`: unchanged for acceleration, divided by (2πf)² or
    /// 2πf for velocity.
    func fromAcceleration(_ value: Double, frequencyHz: Double, power: Bool) -> Double {
        guard recordsVelocity else { return value }
        let w = 2 * Double.pi * frequencyHz
        return power ? value / (w * w) : value / w
    }
}
