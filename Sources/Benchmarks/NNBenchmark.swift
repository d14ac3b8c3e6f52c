// NNBenchmark: training and inference throughput of both models (windows/s, images/s), one input's latency.

import Foundation
import SeismicNN
import SeismicTorch

struct NNResult {
    let model: String
    let metric: String
    let value: Double
    let unit: String
    /// Arithmetic rate of the measure (convolutions and linear layers), when it has one.
    var gflops: Double? = nil
}

enum NNBenchmark {
    static func randomInput(_ arch: ConvNetArchitecture, batch: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let n = batch * arch.inputShape.reduce(1, *)
        return Tensor(shape: [batch] + arch.inputShape, storage: (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 })
    }

    /// One training step: zero the gradients, forward, cross-entropy, backward, Adam.
    static func trainingStep(_ model: ConvNet, _ adam: Adam, _ x: Tensor, _ labels: [Int]) {
        model.store.zeroGradients()
        model.backward(CrossEntropy.loss(logits: model.forward(x, training: true), labels: labels).gradient)
        adam.update()
    }

    /// Seconds per call of `body`, the best of `rounds` timings of `iterations` calls.
    static func time(iterations: Int, rounds: Int = 3, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations { body() }
            let t1 = DispatchTime.now().uptimeNanoseconds
            best = min(best, Double(t1 - t0) / 1e9 / Double(iterations))
        }
        return best
    }

    /// What one input of the model is called: "image" (SpectrogramCNN) or "window".
    static func inputName(_ arch: ConvNetArchitecture) -> String { arch.name == "SpectrogramCNN" ? "image" : "window" }

    static func run(_ arch: ConvNetArchitecture, quick: Bool) -> [NNResult] {
        var out: [NNResult] = []
        let model = ConvNet(arch, seed: 1)
        let adam = Adam(store: model.store)
        let spectrogram = arch.name == "SpectrogramCNN"
        let item = inputName(arch)
        for batch in [256, 32] {
            let b = spectrogram && quick ? min(batch, 32) : batch
            let x = randomInput(arch, batch: b, seed: 2)
            let labels = (0..<b).map { $0 % arch.classCount }
            let step = { trainingStep(model, adam, x, labels) }
            step()
            // (iterations, rounds) as scripts/bench_pytorch.py's TRAIN_REPEATS: rounds of half a
            // second or more, the best counts.
            let (iterations, rounds) = spectrogram ? (1, batch == 256 ? 2 : 3) : (batch == 256 ? 60 : 300, 5)
            let s = time(iterations: iterations, rounds: rounds, step)
            out.append(
                NNResult(
                    model: arch.name, metric: "train batch \(b)", value: Double(b) / s, unit: "\(item)s/s",
                    gflops: 2 * Double(arch.trainingMultiplyAddsPerItem * b) / s / 1e9))
        }
        let inferBatch = spectrogram ? 32 : 1024
        let xi = randomInput(arch, batch: inferBatch, seed: 3)
        _ = model.forward(xi, training: false)
        let si = time(iterations: spectrogram ? 3 : 60, rounds: spectrogram ? 3 : 5) { _ = model.forward(xi, training: false) }
        let forward = 2 * Double(arch.multiplyAddsPerItem)
        out.append(
            NNResult(
                model: arch.name, metric: "inference batch \(inferBatch)", value: Double(inferBatch) / si, unit: "\(item)s/s",
                gflops: forward * Double(inferBatch) / si / 1e9))
        let x1 = randomInput(arch, batch: 1, seed: 4)
        _ = model.forward(x1, training: false)
        let s1 = time(iterations: spectrogram ? 3 : 2000, rounds: 3) { _ = model.forward(x1, training: false) }
        out.append(NNResult(model: arch.name, metric: "latency 1 \(item)", value: s1 * 1e6, unit: "µs", gflops: forward / s1 / 1e9))
        return out
    }
}
