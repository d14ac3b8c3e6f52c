// A model whose weights are finite but overflow float32 arithmetic, and a training whose loss
// diverges: refused with a typed error, never a trap, a NaN label or a written NaN run.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import Testing

@Suite struct OverflowingModelTests {
    @Test func aModelWithOverflowingWeightsIsRefusedByEvaluationAndClassification() throws {
        let data = RunFilesTestData.dataset()
        let model = ConvNet(.earthquake(classCount: 3), seed: 1)
        // Finite weights whose products overflow: inf − inf in the first convolution gives NaN.
        model.store.withMutableValues(of: model.store.require("conv1.weight")) { w in
            w[0] = 3e38
            w[1] = -3e38
        }
        #expect(throws: ModelOutputError.self) { try Evaluation.run(model: model, data: data, modelName: "huge.safetensors") }
        let card = ModelCard(
            architecture: .earthquake(classCount: 3), classNames: data.classNames, samplingRateHz: 40,
            windowSamples: 80, componentOrder: ["E", "N", "Z"])
        var rng = SeededGenerator(seed: 2)
        let record = SyntheticRecord.generate(event: true, durationSeconds: 30, using: &rng).waveform
        #expect { try Classifier(model: model, card: card, modelName: "huge.safetensors").classify(record, source: "r") } throws: {
            ($0 is ModelOutputError) && "\($0)".contains("huge.safetensors")
        }
    }

    /// `checkpoint logits` names the rows that are not finite: a NaN input poisons its own row only.
    @Test func nonFiniteRowsAreTheRowsHoldingNaNOrInfinity() throws {
        let model = ConvNet(.earthquake(classCount: 3), seed: 1)
        var rng = SeededGenerator(seed: 5)
        var x = Tensor(shape: [4, 1, 80, 3], storage: (0..<960).map { _ in Float.random(in: -1...1, using: &rng) })
        x.storage[2 * 240 + 17] = .nan
        x.storage[3 * 240] = .infinity
        #expect(ModelOutputError.nonFiniteRows(x) == [2, 3])
        let logits = model.forward(x, training: false)
        #expect(ModelOutputError.nonFiniteRows(logits) == [2, 3])
        #expect(ModelOutputError.nonFiniteRows(Tensor(shape: [0, 3], storage: [])).isEmpty)
    }

    @Test func aDivergingTrainingStopsWithAnErrorAndWritesNoNaNEpoch() throws {
        let data = RunFilesTestData.dataset()
        var config = TrainingConfiguration()
        config.epochs = 3
        config.batchSize = 32
        config.learningRate = 1e10
        let card = ModelCard(
            architecture: .earthquake(classCount: 3), classNames: data.classNames, samplingRateHz: 40,
            windowSamples: 80, componentOrder: ["E", "N", "Z"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("diverge-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            _ = try TrainingRun.run(
                context: JobContext(), model: ConvNet(card.architecture, seed: 1), card: card, data: data, folder: folder,
                configuration: config, log: { _ in })
            Issue.record("a diverging training finished without an error")
        } catch let error as TrainingRunError {
            guard case .diverged = error else { Issue.record("unexpected \(error)"); return }
        }
        // Whatever was written is a loadable checkpoint of finite epochs.
        if FileManager.default.fileExists(atPath: folder + "/" + RunFiles.last) {
            let (_, saved) = try Checkpoint.load(from: folder + "/" + RunFiles.last)
            #expect(saved.history.allSatisfy { $0.trainLoss.isFinite && $0.validationLoss.isFinite })
        }
    }
}
