// DemoPipeline: the main job on built-in data — synthesise, prepare, pre-train, fine-tune, evaluate, report.

import Foundation
import SeismicIO
import SeismicNN
import SeismicPlot
import SeismicSignal

/// `seismic demo` / `make demo`: synthetic QSIS-like records and a mini STEAD → prepared datasets →
/// EarthquakeCNN pre-trained on the STEAD part (P / S / Noise) → fine-tuned on the QSIS part →
/// evaluated → report. Every step says what it wrote.
public enum DemoPipeline {
    public struct Settings: Sendable {
        public var qsisEvents = 600, qsisNoise = 600, steadEarthquakes = 3000
        public var pretrainEpochs = 12, finetuneEpochs = 10
        public var seed: UInt64 = 1
        /// Held-out real records (a SeisBench dataset: the repository's data/real-heldout) the
        /// fine-tuned model is also evaluated on; nil or missing: that step says so and is skipped.
        public var realHeldOut: String? = "data/real-heldout"
        /// Whether `realHeldOut` was named by the user: then a path that is not a dataset is an
        /// error, not a skipped step.
        public var realHeldOutRequired = false
        public init() {}
    }

    /// Accuracy on the held-out real records' windows: the demo's two models (trained on synthetic
    /// records only: pre-trained on broadband-seismometer records, fine-tuned on MEMS ones) and the
    /// built-in model trained on real records, side by side.
    public struct RealCheck: Sendable {
        public var windows: Int
        public var records: Int
        public var demoModel: Evaluation
        public var pretrainedModel: Evaluation
        public var builtin: Evaluation
        public var builtinName: String
        /// Records from stations the built-in model was trained on (its figure is then not held out).
        public var recordsFromBuiltinTrainingStations: Int
    }

    /// The held-out real records' windows (a P and an S window centred on each analyst pick, shifted
    /// by up to ±0.2 s, and two noise windows before P per record, as `seismic prep seisbench
    /// --placement arrival --noise-before-p 2` cuts them), evaluated with `model` and the built-in
    /// real-data model. The records are in counts and each window is normalised, so a model
    /// trained in acceleration sees them as it sees its own (the 2 g rule is not applied to counts).
    public static func realCheck(
        _ folder: String, model: ConvNet, card: ModelCard, pretrained: ConvNet, pretrainedCard: ModelCard, seed: UInt64
    ) throws -> RealCheck {
        var settings = SeisBenchSettings()
        settings.placement = .arrival
        settings.noiseWindowsBeforeP = 2
        settings.seed = seed
        let (parts, _) = try SeisBench.prepare(SeisBenchDataset(path: folder), settings: settings)
        guard !parts.isEmpty, case let data = PreparedDataset.concatenate(parts.map(\.dataset)), data.count > 0 else {
            throw DatasetError.noWindows(path: folder, reason: "no window was cut from the held-out records")
        }
        let builtinName = "earthquake-real"
        let (builtin, builtinCard) = try Checkpoint.load(from: builtinName)
        let trained = BuiltinModel.named(builtinName)?.trainingStations ?? []
        var traces: [String: String] = [:]  // source → NET.STA
        for p in data.provenance { traces[p.source] = p.station.split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: ".") }
        return RealCheck(
            windows: data.count, records: parts.map(\.summary.tracesRead).reduce(0, +),
            demoModel: try Evaluation.run(model: model, data: card.preprocessing.trainingWindows(of: data)),
            pretrainedModel: try Evaluation.run(model: pretrained, data: pretrainedCard.preprocessing.trainingWindows(of: data)),
            builtin: try Evaluation.run(model: builtin, data: builtinCard.preprocessing.trainingWindows(of: data)), builtinName: builtinName,
            recordsFromBuiltinTrainingStations: traces.values.filter { trained.contains($0) }.count)
    }

    /// Runs the pipeline in `folder` (its trainings in `context`); returns the final validation accuracy.
    @discardableResult
    public static func run(context: JobContext, folder: String, settings: Settings, log: (String) -> Void) throws -> Double {
        if settings.realHeldOutRequired, let path = settings.realHeldOut {
            _ = try SeisBenchDataset(path: path)  // before minutes of synthesis and training
        }
        let t0 = Date()
        func step(_ s: String) { log(String(format: "\n[%5.1f s] %@", Date().timeIntervalSince(t0), s)) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let synth = folder + "/synthetic", data = folder + "/data"
        try fm.createDirectory(atPath: data, withIntermediateDirectories: true)
        // The demo makes everything anew: runs of an earlier demo in this folder are replaced.
        for run in ["pretrain", "finetune"] { try? fm.removeItem(atPath: folder + "/" + run) }

        step("1/7 synthesising \(settings.qsisEvents) earthquake and \(settings.qsisNoise) noise records (QSIS layout, SAC) and a mini STEAD")
        try SyntheticCorpus.writeQSIS(folder: synth + "/data_QSIS_Event", kind: .earthquake, count: settings.qsisEvents, seed: settings.seed)
        log(String(format: "      %5.1f s  %d earthquake records (MEMS accelerometers)", Date().timeIntervalSince(t0), settings.qsisEvents))
        try SyntheticCorpus.writeQSIS(folder: synth + "/data_QSIS_Noise", kind: .noise, count: settings.qsisNoise, seed: settings.seed)
        log(String(format: "      %5.1f s  %d noise records", Date().timeIntervalSince(t0), settings.qsisNoise))
        try SyntheticCorpus.writeSTEAD(
            folder: synth + "/stead", earthquakes: settings.steadEarthquakes, noise: settings.steadEarthquakes,
            seed: settings.seed)
        log(
            String(
                format: "      %5.1f s  mini STEAD: %d earthquake and %d noise traces (broadband seismometers)", Date().timeIntervalSince(t0),
                settings.steadEarthquakes, settings.steadEarthquakes))
        log("      → \(synth)/data_QSIS_Event, data_QSIS_Noise, stead/merged.hdf5 + merged.csv")

        step("2/7 preparing windows (STEAD: clean, split by time; QSIS: PGA filter, ak135 arrivals, STA/LTA noise)")
        let catalogue = try STEAD.catalogue(csv: synth + "/stead/merged.csv")
        let (steadTrain, steadTest) = STEAD.split(catalogue, seed: settings.seed)
        let (steadTrainData, _) = try STEAD.prepare(steadTrain, hdf5: synth + "/stead/merged.hdf5", seed: settings.seed)
        let (steadTestData, _) = try STEAD.prepare(steadTest, hdf5: synth + "/stead/merged.hdf5", seed: settings.seed &+ 1)
        try steadTrainData.save(to: data + "/stead_train.h5")
        try steadTestData.save(to: data + "/stead_test.h5")
        var qsisSettings = QSISSettings()
        qsisSettings.seed = settings.seed
        let (events, eventSummary) = QSIS.prepare(folder: synth + "/data_QSIS_Event", event: true, settings: qsisSettings)
        qsisSettings.windowsPerNoiseRecord = 2
        let (noise, _) = QSIS.prepare(folder: synth + "/data_QSIS_Noise", event: false, settings: qsisSettings)
        let qsis = try PreparedDataset.merge([("events", events), ("noise", noise)], seed: settings.seed)
        try qsis.save(to: data + "/qsis.h5")
        log(
            "      → \(data)/stead_train.h5 (\(steadTrainData.count) windows), stead_test.h5 (\(steadTestData.count)), qsis.h5 (\(qsis.count); \(eventSummary.skipped.values.reduce(0, +)) event records skipped)"
        )

        step("3/7 pre-training EarthquakeCNN on STEAD (P-wave / S-wave / Noise)")
        var config = TrainingConfiguration()
        config.seed = settings.seed
        config.epochs = settings.pretrainEpochs
        var pretraining = try TrainingStart(
            kind: .earthquake, dataset: steadTrainData, seed: settings.seed, dropout: ConvNetArchitecture.earthquake().dropout)
        pretraining.card.notes = ["dataset": "synthetic STEAD (demo)"]
        let pre = try TrainingRun.run(
            context: context, model: pretraining.model, card: pretraining.card, data: pretraining.windows,
            folder: folder + "/pretrain", configuration: config, title: "Pre-training on synthetic STEAD",
            log: { log("      " + $0) })
        let (pretrained, pretrainedCard) = try Checkpoint.load(from: folder + "/pretrain/" + RunFiles.best)
        let steadEval = try Evaluation.run(model: pretrained, data: pretrainedCard.preprocessing.trainingWindows(of: steadTestData))
        log(
            String(
                format: "      → %@/pretrain (best validation %.2f %%; held-out STEAD test %.2f %%)", folder, pre.bestValidationAccuracy * 100,
                steadEval.confusion.accuracy * 100))

        step("4/7 fine-tuning on the QSIS windows")
        config.epochs = settings.finetuneEpochs
        let pretrainedPath = folder + "/pretrain/" + RunFiles.best
        var start = try FineTuning(
            pretrained: pretrained, card: pretrainedCard, checkpoint: pretrainedPath, dataset: qsis, datasetPath: data + "/qsis.h5",
            replaceHead: false, freezeConvolutions: false, seed: settings.seed, dropout: pretrained.dropoutProbability)
        start.card.notes = ["dataset": "synthetic QSIS (demo)", "fine-tuned from": pretrainedPath]
        let fine = try TrainingRun.run(
            context: context, model: start.model, card: start.card, data: start.windows,
            folder: folder + "/finetune", configuration: config, title: "Fine-tuning on synthetic QSIS",
            log: { log("      " + $0) })
        log(String(format: "      → %@/finetune (best validation %.2f %%)", folder, fine.bestValidationAccuracy * 100))

        step("5/7 evaluating, plotting and exporting ONNX")
        let (best, bestCard) = try Checkpoint.load(from: folder + "/finetune/" + RunFiles.best)
        let qsisWindows = bestCard.preprocessing.trainingWindows(of: qsis)
        let evaluation = try Evaluation.run(model: best, data: qsisWindows)
        try AtomicFile.write(evaluation.histogramPlot, to: folder + "/score_histograms.svg")
        try AtomicFile.write(
            TrainingRun.examplesPlot(qsisWindows, componentOrder: qsis.metadata.componentOrder),
            to: folder + "/example_windows.svg")
        if let record = QSIS.recordFiles(in: synth + "/data_QSIS_Event").first {
            try AtomicFile.write(try recordPlot(record), to: folder + "/example_record.svg")
        }
        log("      → \(folder)/example_windows.svg, example_record.svg, score_histograms.svg")
        try ONNXExport.write(best, card: try Checkpoint.load(from: folder + "/finetune/" + RunFiles.best).card, to: folder + "/model.onnx")
        log("      → \(folder)/model.onnx (ONNX opset \(ONNXExport.opset), the fine-tuned model for ONNX Runtime)")

        var real: RealCheck?
        let realPath = settings.realHeldOut ?? ""
        if !realPath.isEmpty, settings.realHeldOutRequired || FileManager.default.fileExists(atPath: realPath + "/metadata.csv") {
            step("6/7 evaluating on real records (\(realPath))")
            // Read again: fine-tuning trained the pre-trained model in place.
            let (preBest, preBestCard) = try Checkpoint.load(from: pretrainedPath)
            let r = try realCheck(realPath, model: best, card: bestCard, pretrained: preBest, pretrainedCard: preBestCard, seed: settings.seed)
            real = r
            log(
                String(
                    format: "      → %d windows of %d real records: pre-trained demo model %.2f %%, fine-tuned %.2f %%, built-in %@ %.2f %%", r.windows,
                    r.records, r.pretrainedModel.confusion.accuracy * 100, r.demoModel.confusion.accuracy * 100, r.builtinName,
                    r.builtin.confusion.accuracy * 100))
            if r.recordsFromBuiltinTrainingStations > 0 {
                log(
                    "      note: \(r.recordsFromBuiltinTrainingStations) of these records are from stations \(r.builtinName) was trained on: its figure here is not a held-out one"
                )
            }
        } else {
            step(
                "6/7 real-data evaluation skipped: no held-out real records at \(realPath.isEmpty ? "(none given)" : realPath) "
                    + "(run from the repository, or give --real REPOSITORY/data/real-heldout)")
        }

        step("7/7 writing the report")
        try writeReport(folder: folder, pretrain: pre, finetune: fine, steadTest: steadEval, evaluation: evaluation, real: real, settings: settings)
        log("      → \(folder)/report.html\n")
        log(String(format: "accuracy of the fine-tuned demo model on SYNTHETIC records (QSIS validation windows): %.2f %%", fine.bestValidationAccuracy * 100))
        if let dominant = Self.dominantPrediction(evaluation.confusion) {
            log("      note: the fine-tuned model predicts \(dominant) for nearly every window: it has not learnt the task (more epochs or records)")
        }
        if let real {
            let held = real.recordsFromBuiltinTrainingStations == 0
            log(
                String(
                    format: "accuracy of the fine-tuned demo model on REAL records it never saw (%d windows, %d records): %.2f %%", real.windows, real.records,
                    real.demoModel.confusion.accuracy * 100))
            log(
                String(
                    format:
                        "accuracy of the pre-trained demo model (synthetic broadband records only, before fine-tuning on MEMS ones) on the same REAL windows: %.2f %%",
                    real.pretrainedModel.confusion.accuracy * 100))
            log(
                String(
                    format: "accuracy of the built-in model %@ (trained on real records of other stations) on the same REAL windows: %.2f %%%@",
                    real.builtinName, real.builtin.confusion.accuracy * 100, held ? "" : " (not held out: see the note above)"))
        } else {
            log("accuracy on real records: not measured (no held-out real records found; see step 6)")
        }
        log(String(format: "total %.0f s", Date().timeIntervalSince(t0)))
        return fine.bestValidationAccuracy
    }

    /// The class a model predicts for at least 99 % of the windows of `confusion`, nil when none does.
    static func dominantPrediction(_ confusion: ConfusionMatrix) -> String? {
        let total = confusion.total
        guard total > 0 else { return nil }
        for c in confusion.classNames.indices where Double(confusion.counts.map { $0[c] }.reduce(0, +)) >= 0.99 * Double(total) {
            return confusion.classNames[c]
        }
        return nil
    }

    /// One record, three components, with its P and S picks marked as the windows' search bands.
    public static func recordPlot(_ path: String) throws -> String {
        let (w, traces, _) = try ThreeComponentRecord.read(path)
        let (p, s) = QSIS.headerPicks(traces[0].header)
        // At most 4,000 points a trace: each bucket of samples drawn by its smallest and largest
        // value, in their order, so no peak (a spike, an onset) is lost.
        let step = max(1, w.sampleCount / 2000)
        func envelope(_ x: [Double]) -> (t: [Double], y: [Double]) {
            var t: [Double] = [], y: [Double] = []
            for start in stride(from: 0, to: x.count, by: step) {
                let bucket = start..<min(start + step, x.count)
                let lo = bucket.min { x[$0] < x[$1] }!, hi = bucket.max { x[$0] < x[$1] }!
                for i in lo == hi ? [lo] : [min(lo, hi), max(lo, hi)] {
                    t.append(Double(i) / w.samplingRateHz)
                    y.append(x[i])
                }
            }
            return (t, y)
        }
        var bands: [Band] = []
        if let p { bands.append(Band(from: p, to: p + 12, label: "P", color: Palette.blue)) }
        if let s { bands.append(Band(from: s, to: s + 12, label: "S", color: Palette.red)) }
        let panels = w.components.enumerated().map { k, comp in
            let drawn = envelope(comp)
            return Panel(
                title: w.componentCodes[k], xLabel: "Time (s)", yLabel: "Acceleration (gal)",
                series: [Series(name: w.componentCodes[k], x: drawn.t, y: drawn.y, color: Palette.cycle[k])], bands: bands)
        }
        var plot = LinePlot(
            title: "\((path as NSString).lastPathComponent)" + (p == nil ? "" : " — arrivals and their 12 s search windows shaded"), panels: panels)
        plot.panelWidth = 900
        plot.panelHeight = 150
        return plot.svg()
    }

    static func writeReport(
        folder: String, pretrain: TrainingResult, finetune: TrainingResult, steadTest: Evaluation,
        evaluation: Evaluation, real: RealCheck?, settings: Settings
    ) throws {
        let realRows =
            real.map { r in
                """
                <tr><th>Fine-tuned demo model on REAL held-out records</th><td>\(String(format: "%.2f %%", r.demoModel.confusion.accuracy * 100)) on \(r.windows) windows of \(r.records) real records (\(Report.escape(settings.realHeldOut ?? ""))); the demo model has seen synthetic records only</td></tr>
                <tr><th>Pre-trained demo model on the same REAL windows</th><td>\(String(format: "%.2f %%", r.pretrainedModel.confusion.accuracy * 100)) (synthetic broadband-seismometer records only, before fine-tuning on synthetic MEMS records; most held-out records are from seismometers)</td></tr>
                <tr><th>Built-in \(r.builtinName) on the same REAL windows</th><td>\(String(format: "%.2f %%", r.builtin.confusion.accuracy * 100)) (trained on real records\(r.recordsFromBuiltinTrainingStations == 0 ? " of other stations" : "; \(r.recordsFromBuiltinTrainingStations) of these records are from its training stations, so this is not a held-out figure"); <code>seismic models \(r.builtinName)</code>)</td></tr>
                """
            } ?? "<tr><th>Real records</th><td>not evaluated: no held-out real records were found</td></tr>"
        let realTables =
            real.map { r in
                "<h2>Fine-tuned demo model on the held-out REAL windows</h2><pre>\(Report.escape(r.demoModel.table))</pre>"
                    + "<h2>Pre-trained demo model on the same REAL windows</h2><pre>\(Report.escape(r.pretrainedModel.table))</pre>"
                    + "<h2>Built-in \(r.builtinName) on the same REAL windows</h2><pre>\(Report.escape(r.builtin.table))</pre>"
            } ?? ""
        func svg(_ name: String) -> String { (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)).map { "<figure>\($0)</figure>" } ?? "" }
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>SeismicTorch demo</title>
            <style>body{font-family:Helvetica,Arial,sans-serif;margin:2em;max-width:1300px}table{border-collapse:collapse}
            th,td{border:1px solid #ccc;padding:4px 10px}pre{background:#f6f6f6;padding:1em}svg{max-width:100%;height:auto}</style></head><body>
            <h1>SeismicTorch demo run</h1>
            <table>
            <tr><th>Data</th><td>\(settings.qsisEvents) synthetic QSIS earthquake records, \(settings.qsisNoise) noise records, mini STEAD with \(settings.steadEarthquakes) earthquakes</td></tr>
            <tr><th>Pre-training (STEAD)</th><td>\(String(format: "%.2f %%", pretrain.bestValidationAccuracy * 100)) best validation; \(String(format: "%.2f %%", steadTest.confusion.accuracy * 100)) on the held-out later STEAD traces — <a href="pretrain/report.html">report</a></td></tr>
            <tr><th>Fine-tuning (QSIS)</th><td>\(String(format: "%.2f %%", finetune.bestValidationAccuracy * 100)) best validation on SYNTHETIC QSIS windows — <a href="finetune/report.html">report</a></td></tr>
            \(realRows)
            </table>
            <p>Each accuracy says what it was measured on: the synthetic figures come from records made by the same generator the models trained on; the real figures from real records of stations no model here was trained on.</p>
            <h2>Fine-tuned model on all (SYNTHETIC) QSIS windows, training and validation together (the score histograms and example windows are of these windows too)</h2><pre>\(Report.escape(evaluation.table))</pre>
            \(realTables)
            <h2>Pre-training curves</h2>\(svg("pretrain/" + RunFiles.curves))
            <h2>Fine-tuning curves</h2>\(svg("finetune/" + RunFiles.curves))
            <h2>Confusion matrix (fine-tuning, best epoch)</h2>\(svg("finetune/" + RunFiles.confusion))
            <h2>Score histograms</h2>\(svg("score_histograms.svg"))
            <h2>Example windows</h2>\(svg("example_windows.svg"))
            <h2>Example record</h2>\(svg("example_record.svg"))
            </body></html>
            """
        try AtomicFile.write(html, to: folder + "/" + RunFiles.report)
    }
}
