// Every layer's forward and backward against PyTorch (fixtures/layers/*).

import Foundation
import SeismicIO
import SeismicNN
import TestSupport
import Testing

/// A fixture array as a tensor.
func fixtureTensor(_ caseName: String, _ name: String) throws -> Tensor {
    let a = try Fixtures.npy(caseName, name)
    return Tensor(shape: a.shape, storage: a.floats)
}

/// Expects `got` to equal fixture array `name` exactly (operations without rounding: max pooling and
/// its gradient routing). Anything rounded is checked against its stated bound by `expectWithinBound`.
func expectEqual(_ got: [Float], _ caseName: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let tolerance: Float = 0
    let want = try fixtureTensor(caseName, name)
    #expect(got.count == want.count, "\(caseName)/\(name): \(got.count) values vs \(want.count)", sourceLocation: sourceLocation)
    guard got.count == want.count else { return }
    let (err, at) = maxRelativeError(got, want.storage)
    #expect(
        err <= tolerance, "\(caseName)/\(name): relative error \(err) at \(at) (\(got[max(at, 0)]) vs \(want.storage[max(at, 0)]))",
        sourceLocation: sourceLocation)
}

/// Expects every element of `got` within its own bound of fixture array `name`: |got − want| ≤ bound.
func expectWithinBound(
    _ got: [Float], _ caseName: String, _ name: String, bound: [Double],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let want = try fixtureTensor(caseName, name).storage
    #expect(
        got.count == want.count && bound.count == want.count,
        "\(caseName)/\(name): \(got.count) values, \(bound.count) bounds vs \(want.count)", sourceLocation: sourceLocation)
    guard got.count == want.count && bound.count == want.count else { return }
    let (ratio, at) = worstBoundRatio(got, want, bound: bound)
    #expect(
        ratio <= 1, "\(caseName)/\(name): error \(ratio)× its bound at \(at) (\(got[max(at, 0)]) vs \(want[max(at, 0)]), bound \(bound[max(at, 0)]))",
        sourceLocation: sourceLocation)
}

/// Loads `param_*` / `buffer_after_*` style arrays into a store entry.
func load(_ store: ParameterStore, _ entry: String, from caseName: String, _ name: String) throws {
    let t = try fixtureTensor(caseName, name)
    try store.set(entry, t.storage, shape: t.shape)
}

/// First-order bounds on |ours − PyTorch| for BatchNorm2d, per element, from the fixture's data: each
/// side's error, doubled. With m = N·H·W values per channel, A = mean|x|, istd = 1/√(var + ε) and
/// x̂ = (x − μ)·istd (μ, var from float64 in training, the running buffers in evaluation):
/// - the batch mean is off by at most dμ = γ_m·A (training; 0 in evaluation); the variance, one or two
///   passes over m values, relatively by γ_2m, so istd by dσ = ½γ_2m + 2u (3u in evaluation: add ε,
///   square root, divide);
/// - x̂ is then off by e = istd·(dμ + |x − μ|·dσ + 2u·(|x| + |μ|)), y = γ·x̂ + β by |γ|·e + 2u·(|γx̂| + |β|);
/// - grad_bias = Σdy by γ_m·Σ|dy|; grad_weight = Σdy·x̂ by γ_(m+1)·Σ|dy·x̂| + Σ|dy|·e;
/// - dx = γ·istd·(dy − Σdy/m − x̂·Σ(dy·x̂)/m) (training) by |γ|·istd·((|dy| + Σ|dy|/m + |x̂|·Σ|dy·x̂|/m)·(dσ + 6u)
///   + (γ_m·Σ|dy| + e·Σ|dy·x̂| + |x̂|·err(grad_weight))/m); in evaluation dx = dy·γ·istd, by |γ·istd·dy|·(dσ + 3u);
/// - the running mean 0.9·0 + 0.1·μ by 0.1·dμ + 2u·|0.1μ|, the running variance 0.9 + 0.1·var·m/(m − 1) by
///   0.1·γ_2m·var·m/(m − 1) + 3u of the result (training); in evaluation the buffers are untouched: exact.
/// PyTorch accumulates these reductions in double on the CPU and we in double too, so both sides sit
/// far inside this; it is the bound any float32 summation order would meet.
struct BatchNormBound {
    var y = [Double](), dx = [Double](), gradWeight = [Double](), gradBias = [Double](), runningMean = [Double](), runningVar = [Double]()

    init(x: Tensor, dy: Tensor, gamma: [Float], beta: [Float], running: (mean: [Float], variance: [Float])?) {
        let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let m = n * plane, u = float32UnitRoundoff
        y = [Double](repeating: 0, count: x.count)
        dx = y
        for ch in 0..<c {
            var idx: [Int] = []
            for s in 0..<n { idx += Array(((s * c + ch) * plane)..<((s * c + ch + 1) * plane)) }
            let xs: [Double] = idx.map { Double(x.storage[$0]) }, dys: [Double] = idx.map { Double(dy.storage[$0]) }
            let batchMean = xs.reduce(0, +) / Double(m)
            let squares: [Double] = xs.map { (v: Double) -> Double in (v - batchMean) * (v - batchMean) }
            let batchVar: Double = squares.reduce(0, +) / Double(m)
            let mu: Double = running.map { Double($0.mean[ch]) } ?? batchMean
            let variance: Double = running.map { Double($0.variance[ch]) } ?? batchVar
            let istd: Double = 1 / (variance + 1e-5).squareRoot()
            let meanAbs: Double = xs.map { abs($0) }.reduce(0, +) / Double(m)
            let dMu: Double = running == nil ? float32Gamma(m) * meanAbs : 0
            let dSigma: Double = running == nil ? 0.5 * float32Gamma(2 * m) + 2 * u : 3 * u
            let g: Double = abs(Double(gamma[ch])), bt: Double = abs(Double(beta[ch]))
            let xhat: [Double] = xs.map { (v: Double) -> Double in (v - mu) * istd }
            let e: [Double] = xs.map { (v: Double) -> Double in
                let spread: Double = abs(v - mu) * dSigma + 2 * u * (abs(v) + abs(mu))
                return istd * (dMu + spread)
            }
            let s1: Double = dys.map { abs($0) }.reduce(0, +)
            let s2: Double = zip(dys, xhat).map { (a: Double, b: Double) -> Double in abs(a * b) }.reduce(0, +)
            let propagated: Double = zip(dys, e).map { (a: Double, b: Double) -> Double in abs(a) * b }.reduce(0, +)
            let gradWeightError: Double = float32Gamma(m + 1) * s2 + propagated
            gradBias.append(2 * float32Gamma(m) * s1)
            gradWeight.append(2 * gradWeightError)
            for (k, i) in idx.enumerated() {
                let ek: Double = e[k], ak: Double = abs(xhat[k]), gk: Double = abs(dys[k])
                y[i] = 2 * (g * ek + 2 * u * (g * ak + bt))
                if running == nil {
                    let mean = Double(m)
                    let direct: Double = (gk + s1 / mean + ak * s2 / mean) * (dSigma + 6 * u)
                    let reduced: Double = (float32Gamma(m) * s1 + ek * s2 + ak * gradWeightError) / mean
                    dx[i] = 2 * g * istd * (direct + reduced)
                } else {
                    dx[i] = 2 * g * istd * gk * (dSigma + 3 * u)
                }
            }
            if running == nil {
                let unbiased: Double = batchVar * Double(m) / Double(m - 1)
                runningMean.append(2 * (0.1 * dMu + 2 * u * abs(0.1 * batchMean)))
                runningVar.append(2 * (0.1 * float32Gamma(2 * m) * unbiased + 3 * u * abs(0.9 + 0.1 * unbiased)))
            } else {
                runningMean.append(0)
                runningVar.append(0)
            }
        }
    }
}

@Suite struct LayerFixtureTests {
    @Test(arguments: ["layers/conv2d_k3x1", "layers/conv2d_k3x3"])
    func conv2dMatchesPyTorch(caseName: String) throws {
        let w = try fixtureTensor(caseName, "param_weight")
        let store = ParameterStore(Conv2d.specs("conv", inChannels: w.shape[1], outChannels: w.shape[0], kernel: (w.shape[2], w.shape[3])))
        let conv = Conv2d(store: store, prefix: "conv", inChannels: w.shape[1], outChannels: w.shape[0], kernel: (w.shape[2], w.shape[3]))
        try load(store, "conv.weight", from: caseName, "param_weight")
        try load(store, "conv.bias", from: caseName, "param_bias")
        let x = try fixtureTensor(caseName, "x"), dy = try fixtureTensor(caseName, "dy")
        let y = conv.forward(x, training: true)
        #expect(y.shape == Fixtures.declaredShape(caseName, "y"))
        // PyTorch and we sum the same float32 products in different orders: each side is within
        // γₙ·Σ|terms| of the exact sum, so they agree to 2γₙ·Σ|terms| per element.
        let forward = TermMagnitudes.convForward(x: x, weight: w, bias: try fixtureTensor(caseName, "param_bias").storage)
        try expectWithinBound(y.storage, caseName, "y", bound: forward.magnitude.map { 2 * float32Gamma(forward.terms) * $0 })
        let dx = conv.backward(dy)
        let input = TermMagnitudes.convInputGradient(dy: dy, weight: w, inputShape: x.shape)
        try expectWithinBound(dx.storage, caseName, "dx", bound: input.magnitude.map { 2 * float32Gamma(input.terms) * $0 })
        let params = TermMagnitudes.convParameterGradients(x: x, dy: dy, kernel: (w.shape[2], w.shape[3]))
        try expectWithinBound(
            store.gradientTensor("conv.weight").storage, caseName, "grad_weight",
            bound: params.weight.map { 2 * float32Gamma(params.terms) * $0 })
        try expectWithinBound(
            store.gradientTensor("conv.bias").storage, caseName, "grad_bias",
            bound: params.bias.map { 2 * float32Gamma(params.terms) * $0 })
    }

    @Test(arguments: [("layers/batchnorm2d_train", true), ("layers/batchnorm2d_eval", false)])
    func batchNormMatchesPyTorch(caseName: String, training: Bool) throws {
        let gamma = try fixtureTensor(caseName, "param_weight")
        let c = gamma.count
        let store = ParameterStore(BatchNorm2d.specs("bn", channels: c))
        let bn = BatchNorm2d(store: store, prefix: "bn", channels: c)
        bn.resetToDefaults()
        try load(store, "bn.weight", from: caseName, "param_weight")
        try load(store, "bn.bias", from: caseName, "param_bias")
        if !training {
            try load(store, "bn.running_mean", from: caseName, "buffer_after_running_mean")
            try load(store, "bn.running_var", from: caseName, "buffer_after_running_var")
        }
        let xt = try fixtureTensor(caseName, "x"), dyt = try fixtureTensor(caseName, "dy")
        let y = bn.forward(xt, training: training)
        let dx = bn.backward(dyt)
        let b = BatchNormBound(
            x: xt, dy: dyt, gamma: gamma.storage, beta: try fixtureTensor(caseName, "param_bias").storage,
            running: training
                ? nil
                : (
                    try fixtureTensor(caseName, "buffer_after_running_mean").storage,
                    try fixtureTensor(caseName, "buffer_after_running_var").storage
                ))
        try expectWithinBound(y.storage, caseName, "y", bound: b.y)
        try expectWithinBound(dx.storage, caseName, "dx", bound: b.dx)
        try expectWithinBound(store.gradientTensor("bn.weight").storage, caseName, "grad_weight", bound: b.gradWeight)
        try expectWithinBound(store.gradientTensor("bn.bias").storage, caseName, "grad_bias", bound: b.gradBias)
        try expectWithinBound(store.tensor("bn.running_mean").storage, caseName, "buffer_after_running_mean", bound: b.runningMean)
        try expectWithinBound(store.tensor("bn.running_var").storage, caseName, "buffer_after_running_var", bound: b.runningVar)
        #expect(store.counter("bn.num_batches_tracked") == (training ? 1 : 0))
    }

    @Test func geluMatchesPyTorch() throws {
        let c = "layers/gelu"
        let gelu = GELU()
        let x = try fixtureTensor(c, "x").storage.map(Double.init), dy = try fixtureTensor(c, "dy").storage.map(Double.init)
        let u = float32UnitRoundoff
        // |ours − PyTorch| ≤ |ours − exact| + |exact − PyTorch|, the exact value in float64 from the
        // fixture's x. PyTorch's own error is data (its erf is not ours to bound), measured here.
        // Ours, forward: the erf approximation's 5e-7 absolute (FastMathTests) times ½|x|, plus the
        // four float operations around it: |x|·(½·5e-7 + 4u) (as KernelVariantTests).
        let exactY = x.map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        let wantY = try fixtureTensor(c, "y").storage
        try expectWithinBound(
            gelu.forward(try fixtureTensor(c, "x"), training: true).storage, c, "y",
            bound: x.indices.map { abs(x[$0]) * (0.5 * 5e-7 + 4 * u) + abs(Double(wantY[$0]) - exactY[$0]) + 0x1p-149 })
        // Backward, dx = dy·(Φ(x) + x·φ(x)) with Φ from erf and φ from exp: Φ's error ½·5e-7 plus 2u
        // for ½(1 + erf(x/√2)); x·φ(x)'s relative error 3e-7 (FastMath.exp, FastMathTests) plus u·x²
        // (the rounded argument −x²/2 of exp) plus 4u (its products); then the sum and the product
        // with dy, 2u of |dy|·|Φ + xφ|.
        let wantDx = try fixtureTensor(c, "dx").storage
        var bound = [Double](), exactDx = [Double]()
        for (xi, g) in zip(x, dy) {
            let cdf = 0.5 * (1 + Foundation.erf(xi / 2.0.squareRoot())), xpdf = xi * Foundation.exp(-0.5 * xi * xi) / (2 * Double.pi).squareRoot()
            exactDx.append(g * (cdf + xpdf))
            bound.append(abs(g) * (0.5 * 5e-7 + 2 * u + abs(xpdf) * (3e-7 + u * xi * xi + 4 * u) + 2 * u * abs(cdf + xpdf)))
        }
        try expectWithinBound(
            gelu.backward(try fixtureTensor(c, "dy")).storage, c, "dx",
            bound: bound.indices.map { bound[$0] + abs(Double(wantDx[$0]) - exactDx[$0]) + 0x1p-149 })
    }

    @Test(arguments: ["layers/maxpool_3x1", "layers/maxpool_2x2"])
    func maxPoolMatchesPyTorch(caseName: String) throws {
        let x = try fixtureTensor(caseName, "x")
        let y0 = Fixtures.declaredShape(caseName, "y")!
        // Kernel from the shapes: floor(H / kH) = Ho; the fixtures use kH ∈ {2, 3}, kW ∈ {1, 2}.
        let kernel = caseName.hasSuffix("3x1") ? (3, 1) : (2, 2)
        #expect(x.shape[2] / kernel.0 == y0[2] && x.shape[3] / kernel.1 == y0[3])
        let pool = MaxPool2d(kernel: kernel)
        let y = pool.forward(x, training: true)
        #expect(y.shape == y0)
        try expectEqual(y.storage, caseName, "y")
        try expectEqual(pool.backward(try fixtureTensor(caseName, "dy")).storage, caseName, "dx")
    }

    /// Every forward path of Linear — one or two rows (matrix-vector products), a few rows through
    /// a large W (the kernels' product on Wᵀ's transpose), many rows (OpenBLAS) — within the
    /// inner-product bound γ_{in+1}·Σ|terms| of the exact result, on a W of 1.2 million weights.
    @Test(arguments: [1, 2, 3, 17, 64, 65, 130])
    func linearForwardPathsAreWithinTheInnerProductBound(batch: Int) throws {
        let (inputs, outputs) = (2_003, 600)  // 2,003 = 125·16 + 3: the product kernels' 16-wide blocks and a tail
        var rng = TestRNG(seed: UInt64(batch))
        let store = ParameterStore(Linear.specs("fc", inFeatures: inputs, outFeatures: outputs))
        let fc = Linear(store: store, prefix: "fc", inFeatures: inputs, outFeatures: outputs)
        let w = (0..<(inputs * outputs)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<outputs).map { _ in Float.random(in: -1...1, using: &rng) }
        try store.set("fc.weight", w, shape: [outputs, inputs])
        try store.set("fc.bias", b, shape: [outputs])
        let x = (0..<(batch * inputs)).map { _ in Float.random(in: -1...1, using: &rng) }
        let y = fc.forward(Tensor(shape: [batch, inputs], storage: x), training: false).storage
        let (exact, magnitude) = TermMagnitudes.exactProduct(
            x, TermMagnitudes.transposed(w, rows: outputs, cols: inputs), rows: batch, inner: inputs, cols: outputs, bias: b)
        let worst = worstBoundRatio(y.map(Double.init), exact, bound: magnitude.map { float32Gamma(inputs + 1) * $0 }).ratio  // NaN: infinite
        #expect(worst <= 1, "batch \(batch): error \(worst)× the bound")
    }

    /// Evaluation with a weight under `Linear.rowIndependentLimit`: every row of a batch has the
    /// bits of the same row run alone (one product, each output summed in one order whatever the
    /// batch), for batches on both sides of the inline/parallel switch (when there is more than one
    /// worker) and output counts that are
    /// and are not multiples of 16 (vector blocks and the remainder). The rows are also within the
    /// inner-product bound γ_{in+1}·Σ|terms| of the exact result, and a new weight written to the
    /// store is used by the next call (the cached Wᵀ follows the store's version).
    @Test(arguments: [(384, 64), (64, 16), (16, 3), (100, 19)])
    func linearEvaluationRowsDoNotDependOnTheBatch(inputs: Int, outputs: Int) throws {
        var rng = TestRNG(seed: UInt64(inputs * 1_000 + outputs))
        let store = ParameterStore(Linear.specs("fc", inFeatures: inputs, outFeatures: outputs))
        let fc = Linear(store: store, prefix: "fc", inFeatures: inputs, outFeatures: outputs)
        let rows = 300
        let x = (0..<(rows * inputs)).map { _ in Float.random(in: -1...1, using: &rng) }
        for round in 0..<2 {
            let w = (0..<(inputs * outputs)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<outputs).map { _ in Float.random(in: -1...1, using: &rng) }
            try store.set("fc.weight", w, shape: [outputs, inputs])
            try store.set("fc.bias", b, shape: [outputs])
            let alone = (0..<rows).flatMap { r in
                fc.forward(Tensor(shape: [1, inputs], storage: Array(x[(r * inputs)..<((r + 1) * inputs)])), training: false).storage
            }
            for batch in [2, 3, 7, 64, 300] {
                let y = fc.forward(Tensor(shape: [batch, inputs], storage: Array(x[0..<(batch * inputs)])), training: false).storage
                #expect(y.map(\.bitPattern) == alone[0..<(batch * outputs)].map(\.bitPattern), "round \(round), batch \(batch)")
            }
            let (exact, magnitude) = TermMagnitudes.exactProduct(
                x, TermMagnitudes.transposed(w, rows: outputs, cols: inputs), rows: rows, inner: inputs, cols: outputs, bias: b)
            let worst = worstBoundRatio(alone.map(Double.init), exact, bound: magnitude.map { float32Gamma(inputs + 1) * $0 }).ratio
            #expect(worst <= 1, "round \(round): error \(worst)× the bound")
        }
    }

    @Test func linearMatchesPyTorch() throws {
        let c = "layers/linear"
        let w = try fixtureTensor(c, "param_weight")
        let store = ParameterStore(Linear.specs("fc", inFeatures: w.shape[1], outFeatures: w.shape[0]))
        let fc = Linear(store: store, prefix: "fc", inFeatures: w.shape[1], outFeatures: w.shape[0])
        try load(store, "fc.weight", from: c, "param_weight")
        try load(store, "fc.bias", from: c, "param_bias")
        let x = try fixtureTensor(c, "x"), dy = try fixtureTensor(c, "dy")
        let (batch, inputs, outputs) = (x.shape[0], w.shape[1], w.shape[0])
        // Inner products in another order than PyTorch's: 2γₙ·Σ|terms| per element (see conv2d).
        let y = TermMagnitudes.matrixProduct(
            x.storage, TermMagnitudes.transposed(w.storage, rows: outputs, cols: inputs),
            rows: batch, inner: inputs, cols: outputs, bias: try fixtureTensor(c, "param_bias").storage)
        try expectWithinBound(fc.forward(x, training: true).storage, c, "y", bound: y.map { 2 * float32Gamma(inputs + 1) * $0 })
        let dx = TermMagnitudes.matrixProduct(dy.storage, w.storage, rows: batch, inner: outputs, cols: inputs)
        try expectWithinBound(fc.backward(dy).storage, c, "dx", bound: dx.map { 2 * float32Gamma(outputs) * $0 })
        let dw = TermMagnitudes.matrixProduct(
            TermMagnitudes.transposed(dy.storage, rows: batch, cols: outputs), x.storage,
            rows: outputs, inner: batch, cols: inputs)
        try expectWithinBound(store.gradientTensor("fc.weight").storage, c, "grad_weight", bound: dw.map { 2 * float32Gamma(batch) * $0 })
        let db = TermMagnitudes.matrixProduct([Float](repeating: 1, count: batch), dy.storage, rows: 1, inner: batch, cols: outputs)
        try expectWithinBound(store.gradientTensor("fc.bias").storage, c, "grad_bias", bound: db.map { 2 * float32Gamma(batch) * $0 })
    }

    @Test func crossEntropyMatchesPyTorch() throws {
        let c = "layers/cross_entropy"
        let labels = try Fixtures.npy(c, "labels").ints
        let logits = try fixtureTensor(c, "logits")
        let (loss, grad) = CrossEntropy.loss(logits: logits, labels: labels)
        // |ours − PyTorch| ≤ |ours − exact| + |exact − PyTorch| (PyTorch's error measured from the
        // fixture against float64). Ours, per row r with max m and lse = m + log Σ exp(l − m) in float32
        // (expf, logf within 1 ulp): exp of a rounded l − m is relatively off by u·|l − m| + 2u, the sum
        // of C terms by γ_C, log by 2u·|log s|, + m and − l_y by u of their results; so the row's loss
        // is off by δ_r = γ_C + u·(max|l − m| + 2 + 2|log s| + |lse| + |loss_r|), the mean by mean δ_r.
        // dlogits = (expf(l − lse) − [j = y]) / N: relative error δ_r + u·|l − lse| + 2u in p, then u of
        // the difference (N = 8 divides exactly).
        let (n, classes) = (logits.shape[0], logits.shape[1])
        let u = float32UnitRoundoff
        var exactLoss = 0.0, lossBound = 0.0, exactGrad = [Double](), gradBound = [Double]()
        for r in 0..<n {
            let l = (0..<classes).map { Double(logits.storage[r * classes + $0]) }
            let m = l.max()!, s = l.map { Foundation.exp($0 - m) }.reduce(0, +), lse = m + Foundation.log(s)
            let rowLoss = lse - l[labels[r]]
            let delta = float32Gamma(classes) + u * (l.map { m - $0 }.max()! + 2 + 2 * abs(Foundation.log(s)) + abs(lse) + abs(rowLoss))
            exactLoss += rowLoss / Double(n)
            lossBound += delta / Double(n)
            for j in 0..<classes {
                let p = Foundation.exp(l[j] - lse), d = p - (j == labels[r] ? 1 : 0)
                exactGrad.append(d / Double(n))
                gradBound.append((p * (delta + u * abs(l[j] - lse) + 2 * u) + u * abs(d)) / Double(n))
            }
        }
        let wantLoss = Double(try fixtureTensor(c, "loss").storage[0]), wantGrad = try fixtureTensor(c, "dlogits").storage
        try expectWithinBound([loss], c, "loss", bound: [lossBound + u * abs(exactLoss) + abs(wantLoss - exactLoss)])
        try expectWithinBound(
            grad.storage, c, "dlogits",
            bound: gradBound.indices.map { gradBound[$0] + abs(Double(wantGrad[$0]) - exactGrad[$0]) + 0x1p-149 })
    }

    @Test func dropoutScalesSurvivorsAndIsIdentityWhenOff() {
        let x = Tensor(shape: [4, 1000], storage: [Float](repeating: 1, count: 4000))
        let d = Dropout(probability: 0.25, seed: 1)
        let y = d.forward(x, training: true)
        let kept = y.storage.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        #expect(abs(Double(kept.count) / 4000 - 0.75) < 0.03)
        #expect(d.backward(x).storage == y.storage)
        #expect(d.forward(x, training: false) == x)
        #expect(Dropout(probability: 0, seed: 1).forward(x, training: true) == x)
    }
}
