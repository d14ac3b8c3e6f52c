// Windows the training-time chain leaves out are counted by reason — in the dataset handed to
// training, in train's log and metrics.json, and in evaluate's table and JSON — never dropped silently.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite struct DroppedWindowsTests {
    /// 12 windows in m/s²: 2 all zero (no signal), 3 reaching 25 m/s² (over 2 g), 7 ordinary.
    private func dataset() -> PreparedDataset {
        var values: [Float] = []
        for w in 0..<12 {
            let peak: Float = w < 2 ? 0 : (w < 5 ? 25 : 0.3)
            for t in 0..<80 { for c in 0..<3 { values.append(peak * sin(Float(t * (c + 1) + w) * 0.37)) } }
        }
        let meta = DatasetMetadata(classNames: ["P-wave", "S-wave", "Noise"], samplingRateHz: 40, windowSamples: 80, componentOrder: ["E", "N", "Z"])
        return PreparedDataset(
            values: values, itemShape: [80, 3], labels: (0..<12).map { $0 % 3 },
            provenance: (0..<12).map { _ in WindowProvenance(source: "x", station: "ST", startTime: 0, method: "test") }, metadata: meta)
    }

    @Test func droppedWindowsAreCountedByReason() throws {
        let prepared = dataset()
        let card = ModelCard.earthquakePretraining()
        let data = card.preprocessing.trainingWindows(of: prepared)
        #expect(data.count == 7 && data.dropped == ["no_signal": 2, "at_least_2g": 3])
        #expect(data.droppedSummary?.hasPrefix("5 of 12 windows dropped by the training-time chain: 3 reaching 2 g") == true, "\(data.droppedSummary ?? "")")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropped-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // evaluate: the table and the JSON say what was left out.
        try prepared.save(to: folder + "/d.h5")
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 1), card: card, to: folder + "/m.safetensors")
        let evaluation = try Evaluation.run(checkpoint: folder + "/m.safetensors", dataset: folder + "/d.h5")
        #expect(evaluation.confusion.total == 7 && evaluation.table.contains("5 of 12 windows dropped"))
        #expect(evaluation.json["dropped_windows"] as? [String: Int] == ["no_signal": 2, "at_least_2g": 3])
        // train: its log and metrics.json.
        var config = TrainingConfiguration()
        config.epochs = 1
        var log: [String] = []
        _ = try TrainingRun.run(
            context: JobContext(workers: 1), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: folder + "/run",
            configuration: config, log: { log.append($0) })
        #expect(log.contains { $0.hasPrefix("5 of 12 windows dropped") }, "\(log)")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/run/" + RunFiles.metrics))) as? [String: Any]
        #expect(metrics?["dropped_windows"] as? [String: Int] == ["no_signal": 2, "at_least_2g": 3])
    }
}
