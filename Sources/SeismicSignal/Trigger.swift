// Trigger: on/off thresholds over a characteristic function, as ObsPy's trigger_onset.

/// Classical on/off triggering over a characteristic function (an STA/LTA ratio, a class
/// probability trace), as `obspy.signal.trigger.trigger_onset(charfct, thres1, thres2)`.
public enum Trigger {
    /// The triggers of `values`: each starts at a sample above `on` and lasts while the values stay
    /// above `off` (`off` ≤ `on`), ending at the last such sample — or at the last sample when the
    /// values never fall back (ObsPy closes an open trigger the same way). NaN is never above a
    /// threshold, so it ends a trigger. Ranges are sample indices, in order, never overlapping.
    /// Thresholds that are not finite, or `off` above `on`, give no triggers.
    public static func onsets(_ values: [Float], on: Float, off: Float) -> [ClosedRange<Int>] {
        guard on.isFinite, off.isFinite, off <= on else { return [] }
        var triggers: [ClosedRange<Int>] = []
        var i = 0
        while i < values.count {
            guard values[i] > on else { i += 1; continue }
            var end = i
            while end + 1 < values.count, values[end + 1] > off { end += 1 }
            triggers.append(i...end)
            i = end + 1
        }
        return triggers
    }
}
