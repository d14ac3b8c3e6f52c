// Property tests: analytic gradients against central finite differences on random shapes, and the
// reference convolution against the exact one.

import SeismicNN
import TestSupport
import Testing

private func randomTensor(_ shape: [Int], _ rng: inout TestRNG, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) * scale })
}

/// Checks ∂(Σ r·f(x))/∂x · v against the central difference along a random direction v, and the
/// same for every parameter of `store`, in double-checked float32 (ε = 1e-2, tolerance 2e-2 of scale).
/// The tolerance is a constant: the central difference is off by ε²/6·|f‴| (truncation, ≈ 2e-5·|f‴|)
/// plus the float32 rounding of the outputs y, at most γₙ·Σ|r·y|/ε (n the products per output); 2e-2
/// covers f‴ up to ~10³ of the scale, and a wrong gradient (a transposed kernel, a missing term) is off
/// by O(1). A constant, kept as it was.
private func checkGradients(_ layer: Layer, store: ParameterStore?, input: Tensor, training: Bool, rng: inout TestRNG) {
    let y = layer.forward(input, training: training)
    let r = randomTensor(y.shape, &rng)
    store?.zeroGradients()
    let dx = layer.backward(r)
    func objective(_ x: Tensor) -> Double {
        let out = layer.forward(x, training: training)
        return zip(out.storage, r.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    let eps: Float = 1e-2
    // Input direction.
    let v = randomTensor(input.shape, &rng)
    var plus = input, minus = input
    for i in 0..<input.count { plus.storage[i] += eps * v.storage[i]; minus.storage[i] -= eps * v.storage[i] }
    let numeric = (objective(plus) - objective(minus)) / Double(2 * eps)
    let analytic = zip(dx.storage, v.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(abs(numeric - analytic) <= 2e-2 * max(1, abs(analytic)), "input: numeric \(numeric) vs analytic \(analytic)")
    // Parameter directions.
    guard let store else { return }
    for e in store.parameterEntries {
        let g = store.gradient(e)
        let dir = (0..<e.count).map { _ in Float.random(in: -1...1, using: &rng) }
        let saved = Array(UnsafeBufferPointer(start: store.pointer(e), count: e.count))
        let analyticP = (0..<e.count).reduce(0.0) { $0 + Double(g[$1]) * Double(dir[$1]) }
        store.withMutableValues(of: e) { p in for i in 0..<e.count { p[i] = saved[i] + eps * dir[i] } }
        let fPlus = objective(input)
        store.withMutableValues(of: e) { p in for i in 0..<e.count { p[i] = saved[i] - eps * dir[i] } }
        let fMinus = objective(input)
        store.withMutableValues(of: e) { p in for i in 0..<e.count { p[i] = saved[i] } }
        let numericP = (fPlus - fMinus) / Double(2 * eps)
        #expect(abs(numericP - analyticP) <= 2e-2 * max(1, abs(analyticP)), "\(e.name): numeric \(numericP) vs analytic \(analyticP)")
    }
}

@Suite struct GradientCheckTests {
    @Test(arguments: 0..<6)
    func convGradientsMatchFiniteDifferences(seed: Int) {
        var rng = TestRNG(seed: UInt64(seed))
        let (n, c, o) = (Int.random(in: 1...4, using: &rng), Int.random(in: 1...4, using: &rng), Int.random(in: 1...5, using: &rng))
        let k = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
        let (h, w) = (k.0 + Int.random(in: 0...6, using: &rng), k.1 + Int.random(in: 0...6, using: &rng))
        let store = ParameterStore(Conv2d.specs("c", inChannels: c, outChannels: o, kernel: k))
        let conv = Conv2d(store: store, prefix: "c", inChannels: c, outChannels: o, kernel: k)
        for e in store.parameterEntries {
            store.withMutableValues(of: e) { p in for i in 0..<e.count { p[i] = Float.random(in: -0.5...0.5, using: &rng) } }
        }
        let x = randomTensor([n, c, h, w], &rng)
        checkGradients(conv, store: store, input: x, training: true, rng: &rng)
        // The reference's float32 loops against the float64 sum (the fused kernels are tested against
        // the reference in KernelReferenceTests).
        let reference = conv.forward(x, training: false)
        // Same float32 products summed in two orders: 2γₙ·Σ|terms| per element (FloatBounds).
        let terms = TermMagnitudes.convForward(x: x, weight: store.tensor("c.weight"), bias: store.tensor("c.bias").storage)
        let ratio = worstBoundRatio(
            reference.storage.map(Double.init), terms.exact,
            bound: terms.magnitude.map { 2 * float32Gamma(terms.terms) * $0 })
        #expect(ratio.ratio <= 1, "reference convolution: error \(ratio.ratio)× the inner-product bound at \(ratio.index)")
    }

    @Test(arguments: 0..<4)
    func batchNormGradientsMatchFiniteDifferences(seed: Int) {
        var rng = TestRNG(seed: UInt64(100 + seed))
        let c = Int.random(in: 1...4, using: &rng)
        let shape = [Int.random(in: 2...4, using: &rng), c, Int.random(in: 1...5, using: &rng), Int.random(in: 2...5, using: &rng)]
        let store = ParameterStore(BatchNorm2d.specs("bn", channels: c))
        let bn = BatchNorm2d(store: store, prefix: "bn", channels: c)
        bn.resetToDefaults()
        for e in store.parameterEntries {
            store.withMutableValues(of: e) { p in for i in 0..<e.count { p[i] += Float.random(in: -0.3...0.3, using: &rng) } }
        }
        checkGradients(bn, store: store, input: randomTensor(shape, &rng, scale: 2), training: true, rng: &rng)
        checkGradients(bn, store: store, input: randomTensor(shape, &rng, scale: 2), training: false, rng: &rng)
    }

    @Test(arguments: 0..<4)
    func linearGeluPoolGradientsMatchFiniteDifferences(seed: Int) {
        var rng = TestRNG(seed: UInt64(200 + seed))
        let (n, i, o) = (Int.random(in: 1...70, using: &rng), Int.random(in: 1...40, using: &rng), Int.random(in: 1...90, using: &rng))
        let store = ParameterStore(Linear.specs("fc", inFeatures: i, outFeatures: o))
        let fc = Linear(store: store, prefix: "fc", inFeatures: i, outFeatures: o)
        for e in store.parameterEntries {
            store.withMutableValues(of: e) { p in for k in 0..<e.count { p[k] = Float.random(in: -0.5...0.5, using: &rng) } }
        }
        checkGradients(fc, store: store, input: randomTensor([n, i], &rng), training: true, rng: &rng)
        checkGradients(GELU(), store: nil, input: randomTensor([n, i], &rng, scale: 3), training: true, rng: &rng)
        let kernel = (Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
        // Max pooling is differentiable away from ties: distinct values 0.1 apart, shuffled, so a
        // 1e-2 step never changes which element wins.
        let poolShape = [2, 3, kernel.0 * 3 + 1, kernel.1 * 2 + 1]
        let distinct = (0..<poolShape.reduce(1, *)).map { Float($0) * 0.1 }.shuffled(using: &rng)
        checkGradients(
            MaxPool2d(kernel: kernel), store: nil, input: Tensor(shape: poolShape, storage: distinct),
            training: true, rng: &rng)
    }

    @Test func crossEntropyGradientMatchesFiniteDifferences() {
        var rng = TestRNG(seed: 9)
        let logits = randomTensor([6, 4], &rng, scale: 3)
        let labels = (0..<6).map { _ in Int.random(in: 0..<4, using: &rng) }
        let (_, grad) = CrossEntropy.loss(logits: logits, labels: labels)
        for i in 0..<logits.count {
            var p = logits, m = logits
            p.storage[i] += 1e-2
            m.storage[i] -= 1e-2
            let numeric = (CrossEntropy.loss(logits: p, labels: labels).loss - CrossEntropy.loss(logits: m, labels: labels).loss) / 2e-2
            // Constant: ε²/6·|f‴| ≤ 1e-4/6·(1/N)·max|softmax‴| (≤ 1) plus the float32 loss's rounding,
            // u·|loss|/ε ≈ 1e-5: about 3e-5; 1e-3 keeps that order with margin, and a wrong gradient is O(1/N).
            #expect(abs(numeric - grad.storage[i]) <= 1e-3)
        }
        let probs = CrossEntropy.softmax(logits)
        for r in 0..<6 { #expect(abs(probs.storage[(r * 4)..<(r * 4 + 4)].reduce(0, +) - 1) < 1e-6) }
        // Stable for huge logits.
        let (huge, g) = CrossEntropy.loss(logits: Tensor(shape: [1, 2], storage: [1e4, -1e4]), labels: [1])
        #expect(huge.isFinite && huge > 1e4 - 1 && g.storage.allSatisfy(\.isFinite))
    }

    @Test func sgdWithMomentumFollowsPyTorch() {
        let store = ParameterStore([("p", [2], .parameter)])
        store.withMutableParameters {
            $0[0] = 1; $0[1] = -1
        }
        let sgd = SGD(store: store, learningRate: 0.1, momentum: 0.9)
        // PyTorch: buf = g on the first step, then buf = 0.9 buf + g; p -= lr·buf.
        store.gradients[0] = 1; store.gradients[1] = 2
        sgd.update()
        #expect(store.values[0] == 0.9 && store.values[1] == -1.2)
        sgd.update()
        #expect(abs(store.values[0] - (0.9 - 0.1 * 1.9)) < 1e-6)
    }
}
