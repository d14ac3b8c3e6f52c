// Plots parse as SVG and hold their series; a training run writes its files and resumes exactly.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SeismicNN
import SeismicPlot
import SeismicSignal
import SeismicTorch
import Testing
import TestSupport

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
        let plot = LinePlot(title: "T & <x>", panels: [Panel(title: "Loss", xLabel: "Epoch", yLabel: "Loss", series: [
            Series(name: "train", x: [1, 2, 3], y: [1, 0.5, 0.25], color: Palette.blue),
            Series(name: "validation", x: [1, 2, 3], y: [1.1, 0.7, 0.4], color: Palette.orange)])])
        let i = try #require(SVGInspector.inspect(plot.svg()))
        #expect(i.series == ["train": 3, "validation": 3])
        #expect(i.texts.contains("T & <x>") && i.texts.contains("Epoch"))
        #expect(i.texts.compactMap(Double.init).count >= 6, "tick labels: \(i.texts)")
        let c = RunFilesTestData.confusion
        let h = try #require(SVGInspector.inspect(TrainingRun.confusionPlot(c, title: "Accuracy = 75.00 %")))
        #expect(h.texts.contains("Accuracy = 75.00 %") && h.texts.contains("P-wave") && h.texts.contains("1.00 (2)"))
    }

    @Test func runWritesItsFilesAndResumesToTheSameResult() throws {
        let data = RunFilesTestData.dataset()
        var config = TrainingConfiguration()
        config.epochs = 4
        config.batchSize = 32
        config.seed = 2
        let card = ModelCard(architecture: .earthquake(classCount: 3), classNames: data.classNames, samplingRateHz: 40,
                             windowSamples: 80, componentOrder: ["E", "N", "Z"])
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let full = try TrainingRun.run(model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/full",
                                       configuration: config, log: { _ in })
        for f in [RunFiles.best, RunFiles.last, RunFiles.history, RunFiles.metrics, RunFiles.curves, RunFiles.confusion, RunFiles.report] {
            #expect(FileManager.default.fileExists(atPath: base + "/full/" + f), "\(f) missing")
        }
        #expect(try String(contentsOfFile: base + "/full/" + RunFiles.history, encoding: .utf8).split(separator: "\n").count == 5)
        // Interrupted after 2 epochs, then resumed: the same history and weights.
        var short = config
        short.epochs = 2
        _ = try TrainingRun.run(model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/split",
                                configuration: short, log: { _ in })
        let resumed = try TrainingRun.run(model: ConvNet(card.architecture, seed: 2), card: card, data: data, folder: base + "/split",
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
        return WindowDataset(windows: WindowBatch(values: values, count: 240, length: 80, components: 3), labels: labels,
                             classNames: ["P-wave", "S-wave", "Noise"])
    }
}
