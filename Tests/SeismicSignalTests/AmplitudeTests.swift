// Tests of the seed's amplitude chain (fixtures/signal/amplitude_pipeline) and the augmentations' laws.

import SeismicSignal
import TestSupport
import Testing

private let pipeline = "signal/amplitude_pipeline"

@Suite struct AmplitudeTests {
    private func batch(_ name: String) throws -> WindowBatch {
        let a = try Fixtures.npy(pipeline, name)
        return WindowBatch(values: a.floats, count: a.shape[0], length: a.shape[1], components: a.shape[2])
    }

    @Test func chainMatchesSeedStepByStep() throws {
        let x = try batch("x")
        let keptSmall = x.indicesAboveSmallAmplitude(1e-8)
        #expect(keptSmall == (try Fixtures.npy(pipeline, "kept_after_small").ints))
        let afterSmall = x.selecting(keptSmall)
        let keptLarge = afterSmall.indicesBelowLargeAmplitude(2 * 9.81)
        #expect(keptLarge == (try Fixtures.npy(pipeline, "kept_after_large").ints))
        let normalized = afterSmall.selecting(keptLarge).normalized()
        let wantNormalized = try batch("normalized")
        // One correctly rounded float32 division of the same float32 values by the same float32 maximum,
        // as NumPy does: bit-identical, no tolerance.
        #expect(normalized.values == wantNormalized.values, "normalized: \(maxRelativeError(normalized.values, wantNormalized.values))")
        let q = normalized.quantized()
        #expect(q.map(Int.init) == (try Fixtures.npy(pipeline, "quantized").ints))
        let final = afterSmall.selecting(keptLarge).quantizedNormalized()
        // (The model card's `Preprocessing.trainingWindows` runs this chain; InputContractTests
        // checks it against the same fixture.)
        // Integers (the int16 values, exact in float32) divided by their maximum: bit-identical too.
        let wantFinal = try batch("final").values
        #expect(final.values == wantFinal, "final: \(maxRelativeError(final.values, wantFinal))")
    }

    /// The one-pass chain gives the bits of its three steps run one after the other, on random
    /// windows and on the awkward ones: all zeros, all negative, a single spike, tiny and huge
    /// amplitudes, an infinity, a NaN.
    @Test func oneBufferChainEqualsItsStepsBitForBit() {
        var rng = TestRNG(seed: 21)
        func unit() -> Float { Float.random(in: 0..<1, using: &rng) }
        let (length, components) = (80, 3)
        let size = length * components
        var windows: [[Float]] = (0..<40).map { w in
            let amplitude = [Float(1e-30), 1e-6, 1, 3e4, 1e30][w % 5]
            return (0..<size).map { _ in (unit() * 2 - 1) * amplitude }
        }
        windows.append([Float](repeating: 0, count: size))
        windows.append((0..<size).map { _ in -unit() - 0.1 })
        windows.append((0..<size).map { $0 == 17 ? 5 : 0 })
        windows.append((0..<size).map { $0 == 3 ? .infinity : unit() })
        windows.append((0..<size).map { $0 == 9 ? .nan : unit() })
        let b = WindowBatch(values: windows.flatMap { $0 }, count: windows.count, length: length, components: components)
        let steps = WindowBatch(values: b.normalized().quantized().map(Float.init), count: b.count, length: length, components: components)
            .normalized()
        let fused = b.quantizedNormalized()
        #expect(fused.values.map(\.bitPattern) == steps.values.map(\.bitPattern))
    }

    @Test func normalizeDividesBySignedMaximumAndLeavesZerosAlone() {
        let b = WindowBatch(values: [-4, 2, 0, 0, 0, 0], count: 2, length: 3, components: 1).normalized()
        #expect(b.values == [-2, 1, 0, 0, 0, 0])
    }

    @Test func augmentationsKeepTheirLaws() {
        var rng = TestRNG(seed: 11)
        for _ in 0..<200 {
            var w = (0..<240).map { _ in Float.random(in: -1...1, using: &rng) }
            let original = w
            let f = Augmentation.scaleAmplitude(&w, rate: 0.3, using: &rng)
            #expect((1.0 / 3.0...3.0).contains(Double(f)))
            #expect(zip(w, original).allSatisfy { abs($0 - $1 * f) <= 1e-6 })

            var g = original
            if let gap = Augmentation.addGaps(&g, components: 3, rate: 1, using: &rng) {
                #expect(gap.allSatisfy { t in (0..<3).allSatisfy { g[t * 3 + $0] == 0 } })
            }
            var d = original
            let keep = Augmentation.dropChannel(&d, components: 3, rate: 1, using: &rng)
            #expect(keep.contains(true))
            Augmentation.adjustAmplitudeForMultichannels(&d, components: 3)
            let live = keep.filter { $0 }.count
            for c in 0..<3 where keep[c] {
                #expect(abs(d[c] - original[c] * 3 / Float(live)) <= 1e-6)
            }

            var s = original
            let shift = Int.random(in: -100...100, using: &rng)
            let arrivals = Augmentation.shift(&s, components: 3, by: shift, arrivals: [10, 70])
            let length = 80
            let k = ((shift % length) + length) % length
            #expect(s[((5 + k) % length) * 3 + 1] == original[5 * 3 + 1])
            #expect(arrivals[0] == ((0..<80).contains(10 + shift) ? 10 + shift : nil))

            // shift_event: with rate 1 a rotation by 1 ≤ n < length − codaEnd, arrivals moved with it.
            var e = original
            let moved = Augmentation.shiftEvent(&e, components: 3, arrivals: [10, nil], codaEnd: 30, rate: 1, using: &rng)
            let n = moved[0]! - 10
            #expect((1..<50).contains(n) && moved[1] == nil)
            #expect(e[((5 + n) % length) * 3 + 2] == original[5 * 3 + 2])
            var unchanged = original
            #expect(Augmentation.shiftEvent(&unchanged, components: 3, arrivals: [10], codaEnd: 30, rate: 0, using: &rng) == [10])
            #expect(unchanged == original)
        }
    }

    @Test func seededAugmentationIsReproducible() {
        func run() -> [Float] {
            var rng = TestRNG(seed: 5)
            var w = [Float](repeating: 0.5, count: 240)
            Augmentation.addNoise(&w, components: 3, rate: 1, using: &rng)
            Augmentation.scaleAmplitude(&w, rate: 0.5, using: &rng)
            return w
        }
        #expect(run() == run())
        #expect(run() != [Float](repeating: 0.5, count: 240))
    }
}
