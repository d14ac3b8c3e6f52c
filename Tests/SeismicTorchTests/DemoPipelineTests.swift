// The demo pipeline end to end on a small synthetic set; labelled folders.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

@Suite struct DemoPipelineTests {
    @Test func smallDemoRunsEndToEndAndWritesItsReport() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var settings = DemoPipeline.Settings()
        settings.qsisEvents = 40
        settings.qsisNoise = 40
        settings.steadEarthquakes = 400
        settings.pretrainEpochs = 3
        settings.finetuneEpochs = 3
        settings.realHeldOut = Fixtures.repository("data/real-heldout")
        var lines: [String] = []
        let accuracy = try DemoPipeline.run(context: JobContext(), folder: folder, settings: settings) { lines.append($0) }
        #expect((0...1).contains(accuracy))
        for f in [
            "report.html", "pretrain/best.safetensors", "finetune/best.safetensors", "data/qsis.h5", "example_windows.svg",
            "example_record.svg", "score_histograms.svg"
        ] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + f), "\(f) missing")
        }
        #expect(lines.contains { $0.contains("7/7") })
        // The synthetic and the real figures are printed side by side, each saying what it was measured on.
        #expect(lines.contains { $0.hasPrefix("accuracy of the fine-tuned demo model on SYNTHETIC records") })
        #expect(lines.contains { $0.hasPrefix("accuracy of the fine-tuned demo model on REAL records it never saw (96 windows, 24 records)") })
        // The pre-trained figure is the pre-trained checkpoint's (fine-tuning trains the model in
        // place; the figure must not be the fine-tuned one's), and the fine-tuned figure the fine-tuned's.
        let (pre, preCard) = try Checkpoint.load(from: folder + "/pretrain/best.safetensors")
        let (fine, fineCard) = try Checkpoint.load(from: folder + "/finetune/best.safetensors")
        let check = try DemoPipeline.realCheck(
            settings.realHeldOut!, model: fine, card: fineCard, pretrained: pre, pretrainedCard: preCard, seed: settings.seed)
        let preLine = String(format: "on the same REAL windows: %.2f %%", check.pretrainedModel.confusion.accuracy * 100)
        let fineLine = String(format: "(96 windows, 24 records): %.2f %%", check.demoModel.confusion.accuracy * 100)
        #expect(lines.contains { $0.hasPrefix("accuracy of the pre-trained demo model (synthetic broadband records only") && $0.hasSuffix(preLine) })
        #expect(lines.contains { $0.hasPrefix("accuracy of the fine-tuned demo model on REAL") && $0.hasSuffix(fineLine) })
        // data/real-heldout holds none of the built-in model's training stations: its figure is held out.
        #expect(
            lines.contains {
                $0.hasPrefix("accuracy of the built-in model earthquake-real (trained on real records of other stations) on the same REAL windows")
                    && !$0.contains("not held out")
            })
        let report = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(
            report.contains("<svg") && report.contains("Fine-tuning") && report.contains("on REAL held-out records")
                && report.contains("Pre-trained demo model on the same REAL windows"))
        // Without the held-out records the step says it is skipped.
        settings.realHeldOut = folder + "/none"
        settings.pretrainEpochs = 1
        settings.finetuneEpochs = 1
        lines = []
        try DemoPipeline.run(context: JobContext(), folder: folder, settings: settings) { lines.append($0) }
        #expect(lines.contains { $0.contains("real-data evaluation skipped") && $0.contains("--real") })
        #expect(lines.contains { $0 == "accuracy on real records: not measured (no held-out real records found; see step 6)" })
        // A path the user named must be a dataset.
        settings.realHeldOutRequired = true
        #expect(throws: SeisBenchError.self) { try DemoPipeline.run(context: JobContext(), folder: folder, settings: settings) { _ in } }
    }

    @Test func labelledFoldersGiveOneClassPerFolder() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("folders-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try SyntheticCorpus.writeQSIS(folder: base + "/eq", kind: .earthquake, count: 4, durationSeconds: 120, seed: 1)
        try SyntheticCorpus.writeQSIS(folder: base + "/shots", kind: .activeSource, count: 3, durationSeconds: 120, seed: 1)
        try SyntheticCorpus.writeQSIS(folder: base + "/quiet", kind: .noise, count: 5, durationSeconds: 120, seed: 1)
        var settings = QSISSettings()
        settings.minimumSamples = 6000
        let (data, summary) = QSIS.labelledFolders(
            [("earthquake", base + "/eq"), ("active-source", base + "/shots"), ("noise", base + "/quiet")],
            settings: settings)
        #expect(data.metadata.classNames == ["earthquake", "active-source", "noise"])
        #expect(summary.windowsPerClass == [4, 3, 5])
        #expect(data.labels == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2])
        #expect(data.provenance.allSatisfy { !$0.method.hasPrefix("noise:") || data.labels[data.provenance.firstIndex(of: $0)!] == 2 })
    }
}
