// Every layer's forward and backward against PyTorch (fixtures/layers/*).

import SeismicIO
import SeismicNN
import Testing
import TestSupport

/// A fixture array as a tensor.
func fixtureTensor(_ caseName: String, _ name: String) throws -> Tensor {
    let a = try Fixtures.npy(caseName, name)
    return Tensor(shape: a.shape, storage: a.floats)
}

/// Expects `got` to match fixture array `name` to `tolerance` relative to its largest magnitude.
func expectMatches(_ got: [Float], _ caseName: String, _ name: String, tolerance: Float = 1e-5,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    let want = try fixtureTensor(caseName, name)
    #expect(got.count == want.count, "\(caseName)/\(name): \(got.count) values vs \(want.count)", sourceLocation: sourceLocation)
    guard got.count == want.count else { return }
    let (err, at) = maxRelativeError(got, want.storage)
    #expect(err <= tolerance, "\(caseName)/\(name): relative error \(err) at \(at) (\(got[max(at, 0)]) vs \(want.storage[max(at, 0)]))",
            sourceLocation: sourceLocation)
}

/// Loads `param_*` / `buffer_after_*` style arrays into a store entry.
func load(_ store: ParameterStore, _ entry: String, from caseName: String, _ name: String) throws {
    let t = try fixtureTensor(caseName, name)
    try store.set(entry, t.storage, shape: t.shape)
}

@Suite struct LayerFixtureTests {
    @Test(arguments: ["layers/conv2d_k3x1", "layers/conv2d_k3x3"])
    func conv2dMatchesPyTorch(caseName: String) throws {
        let w = try fixtureTensor(caseName, "param_weight")
        let store = ParameterStore(Conv2d.specs("conv", inChannels: w.shape[1], outChannels: w.shape[0], kernel: (w.shape[2], w.shape[3])))
        let conv = Conv2d(store: store, prefix: "conv", inChannels: w.shape[1], outChannels: w.shape[0], kernel: (w.shape[2], w.shape[3]))
        try load(store, "conv.weight", from: caseName, "param_weight")
        try load(store, "conv.bias", from: caseName, "param_bias")
        let y = conv.forward(try fixtureTensor(caseName, "x"), training: true)
        #expect(y.shape == Fixtures.declaredShape(caseName, "y"))
        try expectMatches(y.storage, caseName, "y")
        let dx = conv.backward(try fixtureTensor(caseName, "dy"))
        try expectMatches(dx.storage, caseName, "dx")
        try expectMatches(store.gradientTensor("conv.weight").storage, caseName, "grad_weight")
        try expectMatches(store.gradientTensor("conv.bias").storage, caseName, "grad_bias")
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
        let y = bn.forward(try fixtureTensor(caseName, "x"), training: training)
        try expectMatches(y.storage, caseName, "y")
        let dx = bn.backward(try fixtureTensor(caseName, "dy"))
        try expectMatches(dx.storage, caseName, "dx")
        try expectMatches(store.gradientTensor("bn.weight").storage, caseName, "grad_weight")
        try expectMatches(store.gradientTensor("bn.bias").storage, caseName, "grad_bias")
        try expectMatches(store.tensor("bn.running_mean").storage, caseName, "buffer_after_running_mean")
        try expectMatches(store.tensor("bn.running_var").storage, caseName, "buffer_after_running_var")
        #expect(store.counter("bn.num_batches_tracked") == (training ? 1 : 0))
    }

    @Test func geluMatchesPyTorch() throws {
        let c = "layers/gelu"
        let gelu = GELU()
        try expectMatches(gelu.forward(try fixtureTensor(c, "x"), training: true).storage, c, "y")
        try expectMatches(gelu.backward(try fixtureTensor(c, "dy")).storage, c, "dx")
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
        try expectMatches(y.storage, caseName, "y", tolerance: 0)
        try expectMatches(pool.backward(try fixtureTensor(caseName, "dy")).storage, caseName, "dx", tolerance: 0)
    }

    @Test func linearMatchesPyTorch() throws {
        let c = "layers/linear"
        let w = try fixtureTensor(c, "param_weight")
        let store = ParameterStore(Linear.specs("fc", inFeatures: w.shape[1], outFeatures: w.shape[0]))
        let fc = Linear(store: store, prefix: "fc", inFeatures: w.shape[1], outFeatures: w.shape[0])
        try load(store, "fc.weight", from: c, "param_weight")
        try load(store, "fc.bias", from: c, "param_bias")
        try expectMatches(fc.forward(try fixtureTensor(c, "x"), training: true).storage, c, "y")
        try expectMatches(fc.backward(try fixtureTensor(c, "dy")).storage, c, "dx")
        try expectMatches(store.gradientTensor("fc.weight").storage, c, "grad_weight")
        try expectMatches(store.gradientTensor("fc.bias").storage, c, "grad_bias")
    }

    @Test func crossEntropyMatchesPyTorch() throws {
        let c = "layers/cross_entropy"
        let labels = try Fixtures.npy(c, "labels").ints
        let (loss, grad) = CrossEntropy.loss(logits: try fixtureTensor(c, "logits"), labels: labels)
        try expectMatches([loss], c, "loss")
        try expectMatches(grad.storage, c, "dlogits")
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
