// Classifying records: window placement, the card's preprocessing, probabilities, refusals.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import Testing
import TestSupport

@Suite struct ClassifierTests {
    private func record(seconds: Double, seed: UInt64) -> Waveform {
        var rng = SeededGenerator(seed: seed)
        return SyntheticRecord.generate(kind: .earthquake, durationSeconds: seconds, using: &rng).waveform
    }

    @Test func slidesWindowsAndMatchesTheModelOnAManuallyPreparedWindow() throws {
        let card = ModelCard.earthquakePretraining()
        let model = ConvNet(card.architecture, seed: 3)
        let w = record(seconds: 60, seed: 1)
        let result = try Classifier(model: model, card: card, strideSeconds: 0.5).classify(w, source: "x")
        #expect(result.predictions.count == Int((60.0 - 2.0) / 0.5) + 1)
        #expect(result.predictions.allSatisfy { abs($0.probabilities.reduce(0, +) - 1) < 1e-5 })
        #expect(result.predictions[3].startSeconds == 1.5)
        // Window 10 by hand: the record chain, 200 samples from 5 s, resampled to 80, normalise → int16 → normalise.
        let prepared = try w.preparedLikeReference()
        let cut = prepared.slice(500..<700).resampled(to: 80).sampleMajorFloats()
        let chain = WindowBatch(values: cut, count: 1, length: 80, components: 3)
        let x = WindowBatch(values: chain.normalized().quantized().map(Float.init), count: 1, length: 80, components: 3).normalized()
        let p = CrossEntropy.softmax(model.forward(Tensor(shape: [1, 1, 80, 3], storage: x.values), training: false))
        #expect(maxRelativeError(result.predictions[10].probabilities, p.storage).error < 1e-5)
    }

    @Test func refusesShortRecordsAndWrongComponentCounts() {
        let card = ModelCard.earthquakePretraining()
        let c = Classifier(model: ConvNet(card.architecture), card: card)
        #expect(throws: Classifier.ClassifyError.self) { try c.classify(self.record(seconds: 60, seed: 2).slice(0..<150)) }
        let one = Waveform(components: [[Double](repeating: 0, count: 1000)], samplingRateHz: 100)
        #expect { try c.classify(one) } throws: { "\($0)".contains("1 components") }
    }
}
