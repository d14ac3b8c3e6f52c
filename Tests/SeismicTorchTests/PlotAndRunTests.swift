// Plots parse as SVG and hold their series; a training run writes its files and resumes exactly.

import Foundation
import SeismicNN
import SeismicPlot
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Parses SVG text with Foundation's XML parser and collects the series names of polylines.
private final class SVGInspector: NSObject, XMLParserDelegate {
    var series: [String: Int] = [:]
    var texts: [String] = []
    private var inText = false
    func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if name == "polyline", let s = attributes["data-series"] {
            series[s] = (attributes["points"] ?? "").split(separator: " ").count
        }
        inText = name == "text"
        if inText { current = "" }
    }
    private var current = ""
    func parser(_ p: XMLParser, foundCharacters string: String) { if inText { current += string } }
    func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if inText { texts.append(current) }
        inText = false
    }
    static func inspect(_ svg: String) -> SVGInspector? {
        let i = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = i
        return parser.parse() ? i : nil
    }
}

@Suite struct PlotAndRunTests {
    @Test func ticksAreNiceAndCoverTheRange() {
        let t = Ticks(from: 0.13, to: 9.7)
        #expect(t.values.first! >= 0.13 - t.step && t.values.last! <= 9.7 + t.step)
        #expect([1.0, 2.0, 5.0].contains(t.step / pow(10, floor(log10(t.step)))))
        let flat = Ticks(from: 1e-3, to: 1e-3)
        #expect(flat.values.count >= 2 && flat.values.allSatisfy { abs($0 - 1e-3) < 1e-3 })
    }

    @Test func linePlotAndHeatmapParseWithTheirContent() throws {
        let plot = LinePlot(
            title: "T & <x>",
            panels: [
                Panel(
                    title: "Loss", xLabel: "Epoch", yLabel: "Loss",
                    series: [
                        Series(name: "train", x: [1, 2, 3], y: [1, 0.5, 0.25], color: Palette.blue),
                        Series(name: "validation", x: [1, 2, 3], y: [1.1, 0.7, 0.4], color: Palette.orange)
                    ])
            ])
        let i = try #require(SVGInspector.inspect(plot.svg()))
        #expect(i.series == ["train": 3, "validation": 3])
        #expect(i.texts.contains("T & <x>") && i.texts.contains("Epoch"))
        #expect(i.texts.compactMap(Double.init).count >= 6, "tick labels: \(i.texts)")
        let c = RunFilesTestData.confusion
        let h = try #require(SVGInspector.inspect(TrainingRun.confusionPlot(c, title: "Accuracy = 75.00 %")))
        #expect(h.texts.contains("Accuracy = 75.00 %") && h.texts.contains("P-wave") && h.texts.contains("1.00 (2)"))
    }

    /// The stop request and the cores come from the context the run is given, not from the
    /// process: a request made during epoch 1 of one run stops it after that epoch (written, and
    /// logged), while a run with its own context trains all its epochs; kernels started inside a
    /// context use its workers, outside it the machine's.
    @Test func aRunStopsOnItsOwnContextsRequestOnly() throws {
        let data = RunFilesTestData.dataset()
        var config = TrainingConfiguration()
        config.epochs = 3
        config.batchSize = 32
        let card = ModelCard(
            architecture: .earthquake(classCount: 3), classNames: data.classNames, samplingRateHz: 40,
            windowSamples: 80, componentOrder: ["E", "N", "Z"])
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("stop-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let stopped = JobContext(workers: 1), other = JobContext(workers: 1)
        var notes: [String] = []
        _ = try TrainingRun.run(
            context: stopped, model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/a",
            configuration: config, log: { notes.append($0) }, onBatch: { _, _ in stopped.stop.request() })
        #expect(notes.contains("stopped on request after epoch 1; resume with --resume"), "\(notes)")
        #expect(try String(contentsOfFile: base + "/a/" + RunFiles.history, encoding: .utf8).split(separator: "\n").count == 2)
        _ = try TrainingRun.run(
            context: other, model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/b",
            configuration: config, log: { _ in })
        #expect(try String(contentsOfFile: base + "/b/" + RunFiles.history, encoding: .utf8).split(separator: "\n").count == 4)
        #expect(stopped.stop.isRequested && !other.stop.isRequested)
        #expect(JobContext(workers: 1).run { Parallel.effectiveWorkers } == 1 && JobContext(workers: 0).workers == 1)
        #expect(Parallel.effectiveWorkers == Parallel.machineWorkers)
    }

    @Test func runWritesItsFilesAndResumesToTheSameResult() throws {
        let data = RunFilesTestData.dataset()
        var config = TrainingConfiguration()
        config.epochs = 4
        config.batchSize = 32
        config.seed = 2
        let card = ModelCard(
            architecture: .earthquake(classCount: 3), classNames: data.classNames, samplingRateHz: 40,
            windowSamples: 80, componentOrder: ["E", "N", "Z"])
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let full = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/full",
            configuration: config, log: { _ in })
        for f in [RunFiles.best, RunFiles.last, RunFiles.history, RunFiles.metrics, RunFiles.curves, RunFiles.confusion, RunFiles.report] {
            #expect(FileManager.default.fileExists(atPath: base + "/full/" + f), "\(f) missing")
        }
        #expect(try String(contentsOfFile: base + "/full/" + RunFiles.history, encoding: .utf8).split(separator: "\n").count == 5)
        // Interrupted after 2 epochs, then resumed: the same history and weights.
        var short = config
        short.epochs = 2
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/split",
            configuration: short, log: { _ in })
        let resumed = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/split",
            configuration: config, resume: true, log: { _ in })
        #expect(resumed.history.map(\.trainLoss) == full.history.map(\.trainLoss))
        let a = try Checkpoint.load(from: base + "/full/" + RunFiles.last).model.store
        let b = try Checkpoint.load(from: base + "/split/" + RunFiles.last).model.store
        #expect(Array(UnsafeBufferPointer(start: a.values, count: a.parameterCount)) == Array(UnsafeBufferPointer(start: b.values, count: b.parameterCount)))
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + "/full/" + RunFiles.metrics))) as! [String: Any]
        #expect(metrics["accuracy"] as? Double == full.bestValidationAccuracy)
    }
}

enum RunFilesTestData {
    static var confusion: ConfusionMatrix {
        var c = ConfusionMatrix(classNames: ["P-wave", "S-wave", "Noise"])
        c.add(truth: 0, prediction: 0); c.add(truth: 0, prediction: 0); c.add(truth: 1, prediction: 1); c.add(truth: 2, prediction: 1)
        return c
    }

    static func dataset() -> WindowDataset {
        var rng = TestRNG(seed: 8)
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<240 {
            let label = i % 3
            for t in 0..<80 { for c in 0..<3 { values.append((c == label ? sin(Float(t) * 0.6) : 0) + Float.random(in: -0.3...0.3, using: &rng)) } }
            labels.append(label)
        }
        return WindowDataset(
            windows: WindowBatch(values: values, count: 240, length: 80, components: 3), labels: labels,
            classNames: ["P-wave", "S-wave", "Noise"])
    }
}

/// A run folder is one consistent generation at every moment: resumed runs keep their whole
/// history, a folder is trained into by one process at a time, and a resume refuses files that
/// are not of one generation.
@Suite struct RunFolderTests {
    private func setUp() -> (WindowDataset, ModelCard, TrainingConfiguration, String) {
        let data = RunFilesTestData.dataset()
        var config = TrainingConfiguration()
        config.epochs = 4
        config.batchSize = 32
        config.seed = 2
        let card = ModelCard(
            architecture: .earthquake(classCount: 3), classNames: data.classNames, samplingRateHz: 40,
            windowSamples: 80, componentOrder: ["E", "N", "Z"])
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("runfolder-\(UUID())").path
        return (data, card, config, base)
    }

    private func historyRows(_ folder: String) throws -> [String] {
        try String(contentsOfFile: folder + "/" + RunFiles.history, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func resumingTwiceKeepsTheWholeHistoryAndTheUninterruptedFiles() throws {
        let (data, card, config, base) = setUp()
        defer { try? FileManager.default.removeItem(atPath: base) }
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/full",
            configuration: config, log: { _ in })
        for epochs in [1, 3, 4, 4] {  // interrupted after 1 and 3 epochs, then resumed; the last resume has nothing to do
            var c = config
            c.epochs = epochs
            _ = try TrainingRun.run(
                context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/split",
                configuration: c, resume: epochs > 1, log: { _ in })
        }
        let full = try historyRows(base + "/full"), split = try historyRows(base + "/split")
        #expect(split.count == 5)
        // The same rows but for the seconds column.
        #expect(split.map { $0.split(separator: ",").dropLast() } == full.map { $0.split(separator: ",").dropLast() })
        let (a, cardA) = try Checkpoint.load(from: base + "/full/" + RunFiles.best)
        let (b, cardB) = try Checkpoint.load(from: base + "/split/" + RunFiles.best)
        #expect(cardA.history.count == cardB.history.count)
        #expect(
            Array(UnsafeBufferPointer(start: a.store.values, count: a.store.parameterCount))
                == Array(UnsafeBufferPointer(start: b.store.values, count: b.store.parameterCount)))
        let metricsA = try String(contentsOfFile: base + "/full/" + RunFiles.metrics, encoding: .utf8)
        let metricsB = try String(contentsOfFile: base + "/split/" + RunFiles.metrics, encoding: .utf8)
        #expect(metricsA == metricsB)
        // One generation is kept; the names users open lead into it.
        let entries = try FileManager.default.contentsOfDirectory(atPath: base + "/split")
        #expect(entries.filter { $0.hasPrefix("state-") } == ["state-000004"])
    }

    @Test func aSecondTrainingIntoTheSameFolderIsRefused() throws {
        let (data, card, config, base) = setUp()
        defer { try? FileManager.default.removeItem(atPath: base) }
        var one = config
        one.epochs = 1
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
            configuration: one, log: { _ in })
        #expect(throws: RunFolderError.runExists(folder: base, epochs: 1)) {
            _ = try TrainingRun.run(
                context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
                configuration: one, log: { _ in })
        }
        // While a training holds the folder, another is refused whatever it asks.
        let holder = try RunFolder(path: base)
        #expect(throws: RunFolderError.self) {
            _ = try TrainingRun.run(
                context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
                configuration: config, resume: true, log: { _ in })
        }
        holder.release()
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
            configuration: config, resume: true, log: { _ in })
    }

    /// A crash after `current` switched but before a name users open was linked: the resume reads
    /// the current generation itself and restores the link.
    @Test func aResumeReadsTheCurrentGenerationWhenALinkIsMissing() throws {
        let (data, card, config, base) = setUp()
        defer { try? FileManager.default.removeItem(atPath: base) }
        var two = config
        two.epochs = 2
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
            configuration: two, log: { _ in })
        try FileManager.default.removeItem(atPath: base + "/" + RunFiles.last)
        try FileManager.default.removeItem(atPath: base + "/" + RunFiles.optimizer)
        let resumed = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
            configuration: config, resume: true, log: { _ in })
        #expect(resumed.history.count == 4)
        #expect(try Checkpoint.load(from: base + "/" + RunFiles.last).card.history.count == 4)
    }

    @Test func aResumeWithOtherSettingsOrDataIsRefusedNamingThem() throws {
        let (data, card, config, base) = setUp()
        defer { try? FileManager.default.removeItem(atPath: base) }
        var two = config
        two.epochs = 2
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
            configuration: two, log: { _ in })
        var otherLR = config
        otherLR.learningRate = 0.1
        #expect {
            _ = try TrainingRun.run(
                context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
                configuration: otherLR, resume: true, log: { _ in })
        } throws: { "\($0)".contains("learning rate was 0.001, now 0.1") }
        var fewer = data
        fewer.labels[0] = (fewer.labels[0] + 1) % 3
        #expect {
            _ = try TrainingRun.run(
                context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: fewer, folder: base,
                configuration: config, resume: true, log: { _ in })
        } throws: { "\($0)".contains("data was") }
        // The run's own settings resume it.
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
            configuration: config, resume: true, log: { _ in })
    }

    @Test func aResumeRefusesFilesThatAreNotOfOneGeneration() throws {
        let (data, card, config, base) = setUp()
        defer { try? FileManager.default.removeItem(atPath: base) }
        var two = config
        two.epochs = 2
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
            configuration: two, log: { _ in })
        let generation = try #require(RunFolder(path: base).currentGeneration)
        // A checkpoint from another epoch put in place of the current one (what a kill between two
        // plain renames used to leave behind).
        var one = config
        one.epochs = 1
        _ = try TrainingRun.run(
            context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "-other",
            configuration: one, log: { _ in })
        defer { try? FileManager.default.removeItem(atPath: base + "-other") }
        let other = try #require(FileManager.default.contents(atPath: base + "-other/" + RunFiles.last))
        try FileManager.default.removeItem(atPath: generation + "/" + RunFiles.last)
        try other.write(to: URL(fileURLWithPath: generation + "/" + RunFiles.last))
        do {
            _ = try TrainingRun.run(
                context: JobContext(), model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base,
                configuration: config, resume: true, log: { _ in })
            Issue.record("a mismatched generation was resumed")
        } catch let error as RunFolderError {
            guard case .inconsistent(_, let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reason.contains(RunFiles.last))
        }
    }
}
