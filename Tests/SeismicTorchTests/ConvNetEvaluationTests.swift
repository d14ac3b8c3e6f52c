// ConvNet's evaluation with activations kept between calls: the same bits as a network that never
// evaluated before, whatever came before it (other batch sizes, training steps, a weight load).

import SeismicNN
import SeismicTorch
import TestSupport
import Testing

private func randomInput(_ arch: ConvNetArchitecture, batch: Int, _ rng: inout TestRNG) -> Tensor {
    let shape = [batch] + arch.inputShape
    return Tensor(shape: shape, storage: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -2...2, using: &rng) })
}

/// A network that has never evaluated, with `net`'s state: the reference for `net`'s next call.
private func freshCopy(of net: ConvNet) -> ConvNet {
    let fresh = ConvNet(net.architecture, seed: 99)
    fresh.store.copyState(from: net.store)
    return fresh
}

@Suite struct ConvNetEvaluationTests {
    /// Batches 1, 3, 1, 2 on one network: each call's logits are a fresh network's.
    @Test(arguments: ["EarthquakeCNN", "SpectrogramCNN"])
    func keptActivationsGiveAFreshNetworksBits(_ name: String) {
        let arch: ConvNetArchitecture = name == "EarthquakeCNN" ? .earthquake() : .spectrogram()
        let net = ConvNet(arch, seed: 5)
        net.dropoutProbability = 0.1
        var rng = TestRNG(seed: 6)
        for n in name == "EarthquakeCNN" ? [1, 3, 1, 2] : [1, 2, 1] {
            let x = randomInput(arch, batch: n, &rng)
            let logits = net.forward(x, training: false)
            #expect(logits.shape == [n, arch.classCount])
            #expect(logits.storage == freshCopy(of: net).forward(x, training: false).storage, "\(name) batch \(n)")
            #expect(net.keptActivationValues == n * net.activationValuesPerItem)
        }
    }

    /// The per-input activation counts `keptActivationLimit`'s documentation states.
    @Test func activationValuesPerItemAreTheDocumentedCounts() {
        #expect(ConvNet(.earthquake(), seed: 1).activationValuesPerItem == 2_944)
        #expect(ConvNet(.spectrogram(), seed: 1).activationValuesPerItem == 321_504)
    }

    /// Evaluation, a training step (new weights and running statistics), evaluation again, then a
    /// weight write through the store: every evaluation sees the state of its moment, not a kept one.
    @Test func evaluationFollowsTrainingStepsAndWeightWrites() {
        let arch = ConvNetArchitecture.earthquake()
        let net = ConvNet(arch, seed: 7)
        net.dropoutProbability = 0
        let adam = Adam(store: net.store)
        var rng = TestRNG(seed: 8)
        let x = randomInput(arch, batch: 2, &rng)
        let before = net.forward(x, training: false)
        for _ in 0..<2 {
            net.store.zeroGradients()
            let batch = randomInput(arch, batch: 16, &rng)
            net.backward(CrossEntropy.loss(logits: net.forward(batch, training: true), labels: (0..<16).map { $0 % 3 }).gradient)
            adam.update()
            let after = net.forward(x, training: false)
            #expect(after.storage == freshCopy(of: net).forward(x, training: false).storage)
            #expect(after.storage != before.storage)
        }
        // Running statistics alone (a buffer, not a parameter) and then a parameter.
        let runningVar = net.store.require("bn2.running_var")
        net.store.withMutableValues(of: runningVar) { $0[0] *= 4 }
        #expect(net.forward(x, training: false).storage == freshCopy(of: net).forward(x, training: false).storage)
        let weight = net.store.require("conv3.weight")
        net.store.withMutableValues(of: weight) { $0[5] += 0.5 }
        #expect(net.forward(x, training: false).storage == freshCopy(of: net).forward(x, training: false).storage)
    }

    /// A batch whose activations would exceed the limit keeps none (and drops those kept before); a
    /// small batch after it keeps its own again, with a fresh network's bits throughout.
    @Test func aLargeBatchKeepsNoActivations() {
        let arch = ConvNetArchitecture.earthquake()
        let net = ConvNet(arch, seed: 9)
        var rng = TestRNG(seed: 10)
        let small = randomInput(arch, batch: 1, &rng)
        _ = net.forward(small, training: false)
        let one = net.keptActivationValues
        #expect(one > 0)
        // EarthquakeCNN's activations: 2,944 values per window, so 400 windows pass 1 Mi.
        let large = randomInput(arch, batch: 400, &rng)
        let same = net.forward(large, training: false).storage == freshCopy(of: net).forward(large, training: false).storage
        #expect(same)
        #expect(net.keptActivationValues == 0)
        #expect(net.forward(small, training: false).storage == freshCopy(of: net).forward(small, training: false).storage)
        #expect(net.keptActivationValues == one)
    }
}
