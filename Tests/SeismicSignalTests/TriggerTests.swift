// Trigger on/off as ObsPy's trigger_onset: hand cases and the laws every trigger list obeys.

import SeismicSignal
import TestSupport
import Testing

@Suite struct TriggerTests {
    @Test func handCases() {
        // On above 0.7, off below 0.35: the dip to 0.4 does not end the first trigger.
        let v: [Float] = [0.1, 0.8, 0.9, 0.4, 0.8, 0.3, 0.2, 0.75, 0.36, 0.35, 0.9]
        #expect(Trigger.onsets(v, on: 0.7, off: 0.35) == [1...4, 7...8, 10...10])
        // Exactly at the threshold is not above it (ObsPy compares with >).
        #expect(Trigger.onsets([0.7, 0.7], on: 0.7, off: 0.35).isEmpty)
        // NaN ends a trigger and never starts one.
        #expect(Trigger.onsets([0.9, .nan, 0.9], on: 0.7, off: 0.35) == [0...0, 2...2])
        #expect(Trigger.onsets([], on: 0.5, off: 0.25).isEmpty)
    }

    /// For any values: triggers are in order and disjoint; each starts above `on` and holds values
    /// above `off` throughout; the sample after each is not above `off`; every sample above `on`
    /// is inside one.
    @Test func lawsHoldForRandomValues() {
        var rng = TestRNG(seed: 11)
        for _ in 0..<500 {
            let values = (0..<Int.random(in: 0...60, using: &rng)).map { _ in Float.random(in: 0...1, using: &rng) }
            let on = Float.random(in: 0.3...0.95, using: &rng)
            let off = on * Float.random(in: 0.2...1, using: &rng)
            let t = Trigger.onsets(values, on: on, off: off)
            for (a, b) in zip(t, t.dropFirst()) { #expect(a.upperBound < b.lowerBound) }
            for r in t {
                #expect(values[r.lowerBound] > on)
                #expect(r.allSatisfy { values[$0] > off })
                if r.upperBound + 1 < values.count { #expect(!(values[r.upperBound + 1] > off)) }
            }
            for (i, x) in values.enumerated() where x > on { #expect(t.contains { $0.contains(i) }) }
        }
    }
}
