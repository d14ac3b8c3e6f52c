// Report: RUN/report.html — the run's parameters, metrics and plots on one page.

import Foundation
import SeismicIO
import SeismicPlot

public enum Report {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Writes report.html in `folder`, embedding the SVG files that exist there.
    public static func write(folder: String, title: String, card: ModelCard, configuration: TrainingConfiguration) throws {
        func embed(_ name: String) -> String {
            guard let svg = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) else { return "" }
            return "<figure>\(svg)<figcaption>\(escape(name))</figcaption></figure>"
        }
        let best = card.history.max { $0.validationAccuracy < $1.validationAccuracy }
        var rows = [
            ("Model", card.architecture.name), ("Parameters", "\(card.architecture.parameterCount)"),
            ("Classes", card.classNames.joined(separator: ", ")),
            ("Input", "\(card.componentOrder.joined(separator: ",")) at \(card.samplingRateHz) Hz, \(card.windowSamples) samples"),
            ("Epochs", "\(card.history.count) of \(configuration.epochs)"), ("Batch size", "\(configuration.batchSize)"),
            ("Optimizer", "Adam, lr \(configuration.learningRate), StepLR(\(configuration.stepSize), \(configuration.gamma))"),
            ("Seed", "\(configuration.seed)")
        ]
        if let b = best {
            rows.append(("Best validation accuracy", String(format: "%.2f %% (epoch %d)", b.validationAccuracy * 100, b.epoch + 1)))
        }
        for (k, v) in card.notes.sorted(by: { $0.key < $1.key }) { rows.append((k, v)) }
        let table = rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n")
        let history = card.history.map {
            String(
                format: "<tr><td>%d</td><td>%.4f</td><td>%.2f %%</td><td>%.4f</td><td>%.2f %%</td><td>%.1e</td><td>%.2f s</td></tr>",
                $0.epoch + 1, $0.trainLoss, $0.trainAccuracy * 100, $0.validationLoss, $0.validationAccuracy * 100, $0.learningRate, $0.seconds)
        }.joined(separator: "\n")
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font-family:Helvetica,Arial,sans-serif;margin:2em;max-width:1250px}table{border-collapse:collapse;margin:1em 0}
            th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}th{background:#f4f4f4}figure{margin:1em 0}
            figcaption{color:#666;font-size:12px}svg{max-width:100%;height:auto}</style></head><body>
            <h1>\(escape(title))</h1>
            <table>\(table)</table>
            <h2>Training curves</h2>\(embed(RunFiles.curves))
            <h2>Confusion matrix (best epoch)</h2>\(embed(RunFiles.confusion))
            <h2>Example inputs</h2>\(embed(RunFiles.examples))
            <h2>History</h2>
            <table><tr><th>Epoch</th><th>Train loss</th><th>Train acc.</th><th>Val. loss</th><th>Val. acc.</th><th>LR</th><th>Time</th></tr>
            \(history)</table>
            <p>Written by SeismicTorch \(SeismicTorchVersion.current).</p>
            </body></html>
            """
        try AtomicFile.write(html, to: folder + "/" + RunFiles.report)
    }
}
