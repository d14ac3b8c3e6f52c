// Evaluation into kept outputs: `Tensor.prepareOutput`, `ScratchArena`, and each layer's
// `evaluate(_:into:)` against its `forward(_:training: false)`, bit for bit.

import SeismicNN
import TestSupport
import Testing

private func randomTensor(_ shape: [Int], _ rng: inout TestRNG, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) * scale })
}

/// A store for `specs` with every float entry random (running variances positive).
private func randomStore(_ specs: [(name: String, shape: [Int], kind: StateKind)], seed: UInt64) -> ParameterStore {
    let store = ParameterStore(specs)
    var rng = TestRNG(seed: seed)
    for e in store.entries where e.kind != .counter {
        store.withMutableValues(of: e) { p in
            for i in 0..<e.count { p[i] = Float.random(in: -0.6...0.6, using: &rng) + (e.name.hasSuffix("running_var") ? 1 : 0) }
        }
    }
    return store
}

private func address(_ t: Tensor) -> UnsafeRawPointer? { t.storage.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }

@Suite struct EvaluationIntoTests {
    @Test func prepareOutputKeepsTheStorageOfAsManyValuesAndReplacesAnyOther() {
        var t = Tensor(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
        let before = address(t)
        t.prepareOutput(shape: [3, 2])
        #expect(t.shape == [3, 2] && t.count == 6)
        #expect(address(t) == before)
        t.prepareOutput(shape: [2, 2, 2])
        #expect(t.shape == [2, 2, 2] && t.count == 8)
        t.prepareOutput(shape: [0, 5])
        #expect(t.shape == [0, 5] && t.count == 0)
    }

    @Test func prepareOutputNeverWritesThroughAnotherHoldersCopy() {
        var t = Tensor(shape: [4], storage: [1, 2, 3, 4])
        let held = t
        t.prepareOutput(shape: [2, 2])
        t.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 9) }
        #expect(held.storage == [1, 2, 3, 4])
    }

    @Test func scratchArenaKeepsSmallRequestsAndAlignsEveryArea() {
        let arena = ScratchArena(keptLimit: 1_000)
        let first = arena.withValues(100) { p -> UnsafeMutablePointer<Float> in
            p.update(repeating: 1, count: 100)
            return p
        }
        #expect(Int(bitPattern: first) % 64 == 0)
        #expect(arena.keptCount == 100)
        // The same memory again while it is large enough.
        #expect(arena.withValues(60) { $0 } == first)
        // Grown for a larger request within the limit, and kept.
        let grown = arena.withValues(800) { p -> UnsafeMutablePointer<Float> in
            p.update(repeating: 2, count: 800)
            return p
        }
        #expect(arena.keptCount == 800 && Int(bitPattern: grown) % 64 == 0)
        #expect(arena.withValues(800) { $0 } == grown)
        // Beyond the limit: memory of the call's own, the kept memory untouched.
        let own = arena.withValues(5_000) { p -> UnsafeMutablePointer<Float> in
            p.update(repeating: 3, count: 5_000)
            return p
        }
        #expect(own != grown && Int(bitPattern: own) % 64 == 0)
        #expect(arena.keptCount == 800)
        #expect(arena.withValues(0) { $0 } == grown)
        for count in [0, 1, 15, 16, 17, 100] {
            #expect(ScratchArena.lineRounded(count) % 16 == 0 && ScratchArena.lineRounded(count) >= count)
            #expect(ScratchArena.lineRounded(count) < count + 16)
        }
    }

    private struct BlockShape: CustomTestStringConvertible, Sendable {
        let cin, h, w, cout: Int
        let kernel: (Int, Int), pool: (Int, Int)
        var testDescription: String { "\(cin)×\(h)×\(w)→\(cout) k\(kernel) p\(pool)" }
    }

    /// EarthquakeCNN's three blocks (the direct convolution, then Winograd along rows with AVX2 and
    /// the baseline), a 3×3 block with Winograd F(2×2, 3×3), and a large image split by rows.
    private static let blocks = [
        BlockShape(cin: 1, h: 80, w: 3, cout: 16, kernel: (3, 1), pool: (3, 1)),
        BlockShape(cin: 16, h: 26, w: 3, cout: 32, kernel: (3, 1), pool: (3, 1)),
        BlockShape(cin: 32, h: 8, w: 3, cout: 64, kernel: (3, 1), pool: (3, 1)),
        BlockShape(cin: 16, h: 13, w: 12, cout: 24, kernel: (3, 3), pool: (2, 2)),
        BlockShape(cin: 3, h: 61, w: 70, cout: 48, kernel: (3, 3), pool: (2, 2))
    ]

    /// One output tensor through batches of 1, 5 (a larger output), 1 again (its storage reused) and
    /// 2: every call the bits of `forward(_:training: false)` on a block of its own. With one worker
    /// and with three (three chunks, each with its own area of the kept working memory, whatever
    /// the machine's cores).
    @Test(arguments: blocks, [1, 3]) private func convBlockEvaluateIntoAKeptOutputEqualsForward(_ s: BlockShape, workers: Int) {
        Parallel.withWorkers(workers) { evaluateIntoAKeptOutput(s) }
    }

    private func evaluateIntoAKeptOutput(_ s: BlockShape) {
        let specs = ConvBlock.specs(convolution: "conv", normalisation: "bn", inChannels: s.cin, outChannels: s.cout, kernel: s.kernel)
        func block(_ store: ParameterStore) -> ConvBlock {
            ConvBlock(
                store: store, convolution: "conv", normalisation: "bn", inChannels: s.cin, outChannels: s.cout,
                kernel: s.kernel, pool: s.pool, dropout: 0.1, seed: 3)
        }
        let kept = block(randomStore(specs, seed: 11))
        var rng = TestRNG(seed: 12)
        var output = Tensor(shape: [1], storage: [0])
        for n in [1, 5, 1, 2] {
            let x = randomTensor([n, s.h, s.w, s.cin], &rng, scale: 2)
            let reference = block(randomStore(specs, seed: 11)).forward(x, training: false)
            kept.evaluate(x, into: &output)
            // Compared first: a failing #expect on the arrays themselves would print every value.
            let same = output.storage == reference.storage
            #expect(output.shape == reference.shape)
            #expect(same, "batch \(n)")
        }
    }

    @Test func linearAndGELUEvaluateIntoAKeptOutputEqualForward() {
        var rng = TestRNG(seed: 21)
        // fc1 of EarthquakeCNN and a weight past the row-independent limit (the batch-dependent paths).
        for (i, o) in [(384, 64), (1_100, 1_000)] {
            let specs = Linear.specs("fc", inFeatures: i, outFeatures: o)
            let kept = Linear(store: randomStore(specs, seed: 22), prefix: "fc", inFeatures: i, outFeatures: o)
            let fresh = Linear(store: randomStore(specs, seed: 22), prefix: "fc", inFeatures: i, outFeatures: o)
            var output = Tensor(shape: [7], storage: [Float](repeating: 0, count: 7))
            for n in [1, 3, 1, 70] {
                let x = randomTensor([n, i], &rng)
                kept.evaluate(x, into: &output)
                let reference = fresh.forward(x, training: false)
                let same = output.storage == reference.storage
                #expect(output.shape == [n, o])
                #expect(same, "Linear(\(i)→\(o)) batch \(n)")
            }
        }
        let gelu = GELU()
        var output = Tensor(shape: [1], storage: [0])
        for shape in [[1, 64], [4, 16], [1, 64], [3, 20_000]] {
            let x = randomTensor(shape, &rng, scale: 4)
            gelu.evaluate(x, into: &output)
            let same = output.storage == GELU().forward(x, training: false).storage
            #expect(output.shape == shape)
            #expect(same, "GELU \(shape)")
        }
    }

    @Test func channelsFirstIntoAKeptOutputEqualsChannelsFirst() {
        var rng = TestRNG(seed: 31)
        var output = Tensor(shape: [1], storage: [0])
        for shape in [[1, 2, 3, 64], [3, 4, 5, 7], [2, 3, 4, 1], [1, 2, 3, 64]] {
            let x = randomTensor(shape, &rng)
            x.channelsFirst(into: &output)
            let reference = x.channelsFirst()
            let same = output.shape == reference.shape && output.storage == reference.storage
            #expect(same, "\(shape)")
        }
    }
}
