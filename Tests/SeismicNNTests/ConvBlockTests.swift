// The fused channels-last ConvBlock against the five reference layers one after the other
// (Conv2d → BatchNorm2d → GELU → MaxPool2d → Dropout, channels-first), forward and backward.

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
        BlockCase(n: 3, cin: 16, h: 26, w: 3, cout: 32, kernel: (3, 1), pool: (3, 1), dropout: 0.1),
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
    /// Σ|terms|); evaluation's Winograd convolutions (3×3 on 16 or more inputs) are within
    /// γ_(cin+11) of their absolute pipeline (KernelReferenceTests), which counts the monomials that
    /// cancel too (7× Σ|terms| on average for random data, 22× at worst per channel). BatchNorm's
    /// moments are summed in double on both sides (their difference is that of their inputs); the
    /// affine, GELU (1.13-Lipschitz) and max pool carry it through with a few u more. Measured worst,
    /// under the avx512, avx2 and baseline kernels alike: forward 3.8e-7 (6.3e-7 through Winograd,
    /// 20 inputs), running statistics 1.5e-7, gradients 3.8e-7, the conv-bias noise 3.4e-7 of the
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
            #expect(maxRelativeError(fy.storage, y.storage).error <= 1e-5, "forward, training \(training)")
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
