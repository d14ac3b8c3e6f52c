// The fused channels-last ConvBlock against the five reference layers one after the other
// (Conv2d → BatchNorm2d → GELU → MaxPool2d → Dropout, channels-first), forward and backward.

import CSeismicKernels
import SeismicNN
import TestSupport
import Testing

private func randomTensor(_ shape: [Int], _ rng: inout TestRNG, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) * scale })
}

private struct BlockCase: CustomTestStringConvertible, Sendable {
    let n, cin, h, w, cout: Int
    let kernel: (Int, Int), pool: (Int, Int)
    let dropout: Float
    /// Whether backward rebuilds the im2col rows instead of keeping them (large inputs).
    var rebuildColumns = false
    var testDescription: String {
        "[\(n),\(cin),\(h),\(w)]→\(cout) k\(kernel) p\(pool) dropout \(dropout)\(rebuildColumns ? ", im2col rebuilt" : "")"
    }
}

/// One block's state (conv + BatchNorm) with random values; two of them are filled identically.
private func makeStore(_ c: BlockCase, seed: UInt64) -> ParameterStore {
    let store = ParameterStore(
        Conv2d.specs("conv", inChannels: c.cin, outChannels: c.cout, kernel: c.kernel)
            + BatchNorm2d.specs("bn", channels: c.cout))
    var rng = TestRNG(seed: seed)
    for e in store.entries where e.kind != .counter {
        store.withMutableValues(of: e) { p in
            for i in 0..<e.count { p[i] = Float.random(in: -0.6...0.6, using: &rng) + (e.name == "bn.running_var" ? 1 : 0) }
        }
    }
    return store
}

@Suite struct ConvBlockTests {
    private static let cases = [
        // EarthquakeCNN's first block at a small batch, and its later shapes.
        BlockCase(n: 5, cin: 1, h: 80, w: 3, cout: 16, kernel: (3, 1), pool: (3, 1), dropout: 0),
        // EarthquakeCNN's layers 2 and 3: in evaluation, Winograd along rows with AVX2 and the baseline
        // (F(4, 3) on 24 output rows, F(2, 3) on 6), the direct convolution with AVX-512.
        BlockCase(n: 3, cin: 16, h: 26, w: 3, cout: 32, kernel: (3, 1), pool: (3, 1), dropout: 0.1),
        BlockCase(n: 4, cin: 32, h: 8, w: 3, cout: 64, kernel: (3, 1), pool: (3, 1), dropout: 0.1),
        // Floor mode (rows and columns left over), 2×2 pools, channel counts off the vector width.
        BlockCase(n: 2, cin: 3, h: 12, w: 10, cout: 17, kernel: (3, 3), pool: (2, 2), dropout: 0.25),
        BlockCase(n: 4, cin: 5, h: 9, w: 7, cout: 6, kernel: (2, 2), pool: (3, 2), dropout: 0),
        // One large image in evaluation: its pooled rows are split across the cores.
        BlockCase(n: 1, cin: 3, h: 61, w: 70, cout: 48, kernel: (3, 3), pool: (2, 2), dropout: 0.1),
        // 3×3 on 16 or more input channels: evaluation by Winograd F(2×2, 3×3), odd and even sizes,
        // and one large image split across the cores.
        BlockCase(n: 3, cin: 16, h: 13, w: 12, cout: 24, kernel: (3, 3), pool: (2, 2), dropout: 0.1),
        BlockCase(n: 1, cin: 20, h: 45, w: 52, cout: 48, kernel: (3, 3), pool: (2, 2), dropout: 0),
        // Backward rebuilding im2col rows group by group, as for SpectrogramCNN's large batches.
        BlockCase(n: 5, cin: 4, h: 13, w: 11, cout: 20, kernel: (3, 3), pool: (2, 2), dropout: 0.1, rebuildColumns: true),
        BlockCase(n: 3, cin: 16, h: 26, w: 3, cout: 32, kernel: (3, 1), pool: (3, 1), dropout: 0, rebuildColumns: true)
    ]

    /// Tolerances (constants, relative to the largest magnitude): the fused block sums the same
    /// convolution products as Conv2d in another order, so each convolution output differs by at most
    /// 2γₙ·Σ|terms| (n = cin·kh·kw + 1 ≤ 49 for the direct convolutions here: 2γ₄₉ = 5.8e-6 of
    /// Σ|terms|); evaluation's Winograd convolutions (3×3 on 16 or more inputs; 3×1 on 16 or more with
    /// AVX2 and the baseline) are within γ_(cin+11) (3×1: γ_(cin+12) for F(4, 3), γ_(cin+6) for F(2, 3))
    /// of their absolute pipeline (KernelReferenceTests), which counts the monomials that cancel too
    /// (3×3: 7× Σ|terms| on average for random data, 22× at worst per channel; F(4, 3): 5.9, 6.1, 9.1
    /// and 18.8× by output row, F(2, 3) 2.8×, averages over 20,000 random tiles in float64). BatchNorm's
    /// moments are summed in double on both sides (their difference is that of their inputs); the
    /// affine, GELU (1.13-Lipschitz) and max pool carry it through with a few u more. Measured worst,
    /// under the avx512, avx2 and baseline kernels alike: forward 3.8e-7 (6.3e-7 through Winograd 3×3,
    /// 20 inputs; 1.0e-6 through F(4, 3), 16 inputs, avx2 and baseline; 4.0e-7 through F(2, 3)),
    /// running statistics 1.5e-7, gradients 3.8e-7, the conv-bias noise 3.4e-7 of the
    /// weight-gradient scale. 1e-5 (and 1e-6 for the running statistics, one reduction deep) keep the
    /// order of 2γ₄₉ without a per-element bound through the batch statistics; they are the original
    /// constants, not loosened.
    @Test(arguments: cases)
    fileprivate func fusedBlockEqualsTheLayers(_ c: BlockCase) {
        var rng = TestRNG(seed: UInt64(c.n * 1000 + c.cout))
        let ref = makeStore(c, seed: 7), fused = makeStore(c, seed: 7)
        func layers(_ s: ParameterStore) -> (Conv2d, BatchNorm2d, MaxPool2d, Dropout) {
            (
                Conv2d(store: s, prefix: "conv", inChannels: c.cin, outChannels: c.cout, kernel: c.kernel),
                BatchNorm2d(store: s, prefix: "bn", channels: c.cout), MaxPool2d(kernel: c.pool),
                Dropout(probability: c.dropout, seed: 3)
            )
        }
        let (conv, bn, pool, drop) = layers(ref)
        let gelu = GELU()
        let block = ConvBlock(
            store: fused, convolution: "conv", normalisation: "bn", inChannels: c.cin, outChannels: c.cout,
            kernel: c.kernel, pool: c.pool, dropout: c.dropout, seed: 3)
        if c.rebuildColumns { block.keptColumnsLimit = 0 }
        let x = randomTensor([c.n, c.cin, c.h, c.w], &rng, scale: 2)
        for training in [true, false, true] {
            var y = conv.forward(x, training: training)
            y = bn.forward(y, training: training)
            y = gelu.forward(y, training: training)
            y = pool.forward(y, training: training)
            y = drop.forward(y, training: training)
            let fy = block.forward(x.channelsLast(), training: training).channelsFirst()
            #expect(fy.shape == y.shape)
            let forwardError = maxRelativeError(fy.storage, y.storage).error
            diagnostic("ConvBlockTests: \(c) forward error, training \(training): \(forwardError)")
            #expect(forwardError <= 1e-5, "forward, training \(training)")
            for name in ["bn.running_mean", "bn.running_var"] {
                #expect(maxRelativeError(fused.tensor(name).storage, ref.tensor(name).storage).error <= 1e-6, "\(name)")
            }
        }
        // Backward after the last (training) forward.
        let dy = randomTensor(pool.outputShape(conv.outputShape(x.shape)), &rng)
        ref.zeroGradients()
        fused.zeroGradients()
        let dx = conv.backward(bn.backward(gelu.backward(pool.backward(drop.backward(dy)))))
        let fdx = block.backward(dy.channelsLast()).channelsFirst()
        #expect(maxRelativeError(fdx.storage, dx.storage).error <= 1e-5, "input gradient")
        // A convolution bias right before BatchNorm has an analytically zero gradient (the batch mean
        // absorbs it): both sides hold rounding noise, held to the scale of the weight gradient.
        let weightScale = ref.gradientTensor("conv.weight").storage.map(abs).max() ?? 1
        let biasNoise = zip(fused.gradientTensor("conv.bias").storage, ref.gradientTensor("conv.bias").storage).map { abs($0 - $1) }
        #expect((biasNoise.max() ?? 0) <= 1e-4 * weightScale, "conv.bias gradient beyond rounding noise")
        for e in ref.parameterEntries where e.name != "conv.bias" {
            let err = maxRelativeError(fused.gradientTensor(e.name).storage, ref.gradientTensor(e.name).storage)
            #expect(err.error <= 1e-5, "\(e.name) gradient")
        }
    }

    /// A NaN in the input poisons exactly the pooled values whose windows it reaches, as in PyTorch
    /// (3 input channels: the direct convolution; 16: Winograd's, whose transforms mix a tile's
    /// inputs yet reach only the outputs the direct one does).
    @Test(arguments: [3, 16])
    func nanPropagatesLikeTheLayers(inputChannels: Int) {
        let c = BlockCase(n: 2, cin: inputChannels, h: 12, w: 10, cout: 17, kernel: (3, 3), pool: (2, 2), dropout: 0)
        var rng = TestRNG(seed: 5)
        let ref = makeStore(c, seed: 9), fused = makeStore(c, seed: 9)
        let conv = Conv2d(store: ref, prefix: "conv", inChannels: c.cin, outChannels: 17, kernel: (3, 3))
        let bn = BatchNorm2d(store: ref, prefix: "bn", channels: 17)
        let block = ConvBlock(
            store: fused, convolution: "conv", normalisation: "bn", inChannels: c.cin, outChannels: 17,
            kernel: (3, 3), pool: (2, 2), dropout: 0, seed: 1)
        var x = randomTensor([2, c.cin, 12, 10], &rng)
        x.storage[37] = .nan
        let y = MaxPool2d(kernel: (2, 2)).forward(
            GELU().forward(
                bn.forward(conv.forward(x, training: false), training: false),
                training: false), training: false)
        let fy = block.forward(x.channelsLast(), training: false).channelsFirst()
        #expect(fy.storage.map(\.isNaN) == y.storage.map(\.isNaN))
        #expect(y.storage.contains(where: \.isNaN) && y.storage.contains(where: { !$0.isNaN }))
        let finite = zip(fy.storage, y.storage).filter { !$0.1.isNaN }
        #expect(maxRelativeError(finite.map(\.0), finite.map(\.1)).error <= 1e-5)
    }

    /// A NaN through a 3×1 convolution on 16 or 32 inputs poisons exactly the pooled values the
    /// variant's form reaches (sk_winograd_rows_tile; seismic_nhwc.h): the direct convolution's and
    /// F(2, 3)'s, conv rows r − 2 … r for input row r; F(4, 3)'s, in each tile holding r at i = r − 4t,
    /// row 4t (i = 0), 4t + 3 (i = 5) or all four (i = 1 … 4), a superset. Input row 5 of 26: the
    /// direct way conv rows 3–5 (pooled row 1), F(4, 3) rows 3–7 (pooled rows 1 and 2); row 3 of 8:
    /// conv rows 1–3 (pooled rows 0 and 1). Values not poisoned match the layers.
    @Test(arguments: [(16, 26, 5), (32, 8, 3)])
    func nanPropagatesAlongRowsAsTheFormSays(inputChannels: Int, height: Int, nanRow: Int) {
        let c = BlockCase(n: 2, cin: inputChannels, h: height, w: 3, cout: 32, kernel: (3, 1), pool: (3, 1), dropout: 0)
        var rng = TestRNG(seed: 6)
        let ref = makeStore(c, seed: 9), fused = makeStore(c, seed: 9)
        let conv = Conv2d(store: ref, prefix: "conv", inChannels: c.cin, outChannels: c.cout, kernel: c.kernel)
        let bn = BatchNorm2d(store: ref, prefix: "bn", channels: c.cout)
        let block = ConvBlock(
            store: fused, convolution: "conv", normalisation: "bn", inChannels: c.cin, outChannels: c.cout,
            kernel: c.kernel, pool: c.pool, dropout: 0, seed: 1)
        var x = randomTensor([c.n, c.cin, c.h, c.w], &rng)
        x.storage[((1 * c.cin + 0) * c.h + nanRow) * c.w + 1] = .nan  // sample 1, channel 0, column 1
        let y = MaxPool2d(kernel: c.pool).forward(
            GELU().forward(bn.forward(conv.forward(x, training: false), training: false), training: false), training: false)
        let fy = block.forward(x.channelsLast(), training: false).channelsFirst()
        var m = 0
        sk_winograd_rows_tile(c.h, c.cin, &m)
        let ho = c.h - 2, hp = ho / 3
        var convRows = Set((nanRow - 2)...nanRow)
        if m == 4 {
            convRows = []
            for t in 0...(ho / 4) where 4 * t <= nanRow && nanRow <= 4 * t + 5 {
                let i = nanRow - 4 * t
                convRows.formUnion(i == 0 ? [4 * t] : i == 5 ? [4 * t + 3] : Array((4 * t)..<(4 * t + 4)))
            }
        }
        let pooledRows = Set(convRows.filter { $0 >= 0 && $0 < ho }.map { $0 / 3 }.filter { $0 < hp })
        var expected = [Bool](repeating: false, count: fy.storage.count)
        for ch in 0..<c.cout { for row in pooledRows { expected[((1 * c.cout + ch) * hp + row) * c.w + 1] = true } }
        #expect(fy.storage.map(\.isNaN) == expected, "m \(m): poisoned pooled rows \(pooledRows.sorted())")
        #expect(zip(fy.storage, y.storage).allSatisfy { !$0.1.isNaN || $0.0.isNaN }, "the layers' NaNs are a subset")
        let finite = zip(fy.storage, y.storage).filter { !$0.0.isNaN }
        #expect(maxRelativeError(finite.map(\.0), finite.map(\.1)).error <= 1e-5)
    }

    /// Along rows, the transformed weights depend on the tile's m, which follows the input's height:
    /// one block called on 26 rows (F(4, 3) where the variant takes Winograd), 24 (F(2, 3)) and 26
    /// again answers each time what a block built afresh computes, bit for bit.
    @Test func theRowsWinogradWeightsFollowTheInputHeight() {
        let c = BlockCase(n: 3, cin: 16, h: 26, w: 3, cout: 32, kernel: (3, 1), pool: (3, 1), dropout: 0)
        var rng = TestRNG(seed: 23)
        func block(_ s: ParameterStore) -> ConvBlock {
            ConvBlock(
                store: s, convolution: "conv", normalisation: "bn", inChannels: c.cin, outChannels: c.cout,
                kernel: c.kernel, pool: c.pool, dropout: 0, seed: 1)
        }
        let cached = block(makeStore(c, seed: 4))
        for h in [26, 24, 26] {
            let x = randomTensor([c.n, h, c.w, c.cin], &rng)
            #expect(cached.forward(x, training: false) == block(makeStore(c, seed: 4)).forward(x, training: false), "height \(h)")
        }
    }

    /// The block's weight-matrix cache is keyed on the store's version: after a forward has built it,
    /// every public way of writing parameters (set, scoped writes of one entry or of all, copyState,
    /// SGD and Adam steps, BatchNorm's reset) must give what a block built afresh from the new values
    /// computes — bit for bit, and not the old answer (4 input channels: the weight matrices; 16:
    /// Winograd's transformed weights too).
    @Test(arguments: [4, 16])
    func theWeightCacheFollowsEveryWriteOfTheParameters(inputChannels: Int) throws {
        let c = BlockCase(n: 3, cin: inputChannels, h: 11, w: 9, cout: 20, kernel: (3, 3), pool: (2, 2), dropout: 0)
        var rng = TestRNG(seed: 21)
        let x = randomTensor([c.n, c.h, c.w, c.cin], &rng)
        let store = makeStore(c, seed: 1)
        func block(_ s: ParameterStore) -> ConvBlock {
            ConvBlock(
                store: s, convolution: "conv", normalisation: "bn", inChannels: c.cin, outChannels: c.cout,
                kernel: c.kernel, pool: c.pool, dropout: 0, seed: 1)
        }
        let cached = block(store)
        func afresh() -> Tensor {
            let copy = makeStore(c, seed: 2)
            copy.copyState(from: store)
            return block(copy).forward(x, training: false)
        }
        let weight = store.require("conv.weight")
        let paths: [(String, () throws -> Void)] = [
            ("set", { try store.set("conv.weight", (0..<weight.count).map { Float($0 % 7) * 0.1 - 0.3 }, shape: weight.shape) }),
            ("withMutableValues(of:)", { store.withMutableValues(of: weight) { $0[5] += 2 } }),
            ("withMutableParameters", { store.withMutableParameters { for i in 0..<weight.count { $0[weight.offset + i] *= -1 } } }),
            ("copyState(from:)", { store.copyState(from: makeStore(c, seed: 3)) }),
            (
                "SGD.update",
                {
                    for i in 0..<store.parameterCount { store.gradients[i] = 0.5 }
                    SGD(store: store, learningRate: 0.1).update()
                }
            ),
            (
                "Adam.update",
                {
                    for i in 0..<store.parameterCount { store.gradients[i] = -0.5 }
                    Adam(store: store, learningRate: 0.1).update()
                }
            ),
            ("BatchNormStatistics.resetToDefaults", { cached.normalisation.resetToDefaults() })
        ]
        for (path, write) in paths {
            let before = cached.forward(x, training: false)
            #expect(before == afresh(), "before \(path)")
            try write()
            let after = cached.forward(x, training: false)
            #expect(after != before, "\(path) changed nothing the block computes")
            #expect(after == afresh(), "\(path): the block answers with its old weights")
        }
    }

    @Test func layoutRoundTrips() {
        var rng = TestRNG(seed: 11)
        for shape in [[2, 3, 4, 5], [1, 1, 7, 3], [3, 16, 2, 3]] {
            let x = randomTensor(shape, &rng)
            let last = x.channelsLast()
            #expect(last.shape == [shape[0], shape[2], shape[3], shape[1]])
            #expect(last.channelsFirst() == x)
            // [n, c, h, w] at (s, ch, i, j) is [n, h, w, c] at (s, i, j, ch).
            let (s, ch, i, j) = (shape[0] - 1, shape[1] - 1, shape[2] - 1, 0)
            #expect(
                last.storage[((s * shape[2] + i) * shape[3] + j) * shape[1] + ch]
                    == x.storage[((s * shape[1] + ch) * shape[2] + i) * shape[3] + j])
        }
    }
}
