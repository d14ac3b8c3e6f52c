// DueWindow: a monitor window prepared for the model and waiting for it, so that the windows due
// at many stations go through one model call (`MonitorEngine.predict`, `NetworkMonitor`).

/// A window an engine has cut and prepared (record chain, resampling, normalisation) but not yet
/// classified; `MonitorEngine.complete` turns its probabilities into a `MonitorLine`.
public struct DueWindow: Sendable {
    /// The prepared window, `[windowSamples × components]` of the model card, as the model takes it.
    public var input: [Float]
    /// The window's centre and its last sample's time (UTC s or stream time).
    public var time: Double, endTime: Double
    /// Peak composite acceleration after the record chain, gal.
    public var pgaGal: Double
    /// Samples filled in by interpolation.
    public var bridgedSamples: Int
}
