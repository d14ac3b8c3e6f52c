// TrainingRun: a training or fine-tuning run in a folder — checkpoints, history, metrics, plots, resume.

import Foundation
import SeismicIO
import SeismicNN
import SeismicPlot
import SeismicSignal

public enum TrainingRunError: Error, CustomStringConvertible {
    case classMismatch(checkpoint: [String], dataset: [String])
    case unsuitableData(String)
    case resume(String)
    case diverged(epoch: Int, trainLoss: Double, validationLoss: Double)

    public var description: String {
        switch self {
        case .classMismatch(let c, let d):
            return "the checkpoint's classes \(c) differ from the dataset's \(d); pass --replace-head to train a new output layer for the dataset's classes"
        case .unsuitableData(let r): return r
        case .resume(let r): return "cannot resume: \(r)"
        case .diverged(let e, let t, let v):
            return "training diverged in epoch \(e): training loss \(t), validation loss \(v); that epoch was not written "
                + "(the run folder keeps the previous one); try a smaller --lr"
        }
    }
}

/// What a run writes into its folder.
public enum RunFiles {
    public static let best = "best.safetensors", last = "last.safetensors", optimizer = "optimizer.safetensors"
    public static let history = "history.csv", metrics = "metrics.json", curves = "training_curves.svg"
    public static let confusion = "confusion_matrix.svg", report = "report.html", examples = "examples.svg"
    /// Every file a run writes (each a link into the current generation).
    public static let all = [best, last, optimizer, history, metrics, curves, confusion, report, examples]
}

public enum TrainingRun {
    /// Trains `model` on `data` in `folder`, writing after every epoch one consistent generation
    /// (`RunFolder`): last and best checkpoints, optimizer state, history.csv, metrics.json, the
    /// curves and confusion plots and report.html. With `resume`, continues from the folder's last
    /// checkpoint and optimizer state after checking that they are one generation.
    /// Throws `RunFolderError.inUse` when another training holds the folder, `.runExists` when it
    /// holds a run and `resume` is false, `.inconsistent` when a resume finds mismatched files, and
    /// any write failure (after the epoch, with the previous generation still current).
    /// `context` gives the cores, the data-parallel job (every rank trains; rank 0 alone logs and
    /// writes) and the stop request (checked after each epoch: the run stops with that epoch written).
    public static func run(
        context: JobContext, model: ConvNet, card baseCard: ModelCard, data: WindowDataset, folder: String,
        configuration: TrainingConfiguration, validationFraction: Double = 0.2,
        frozen: Set<String> = [], resume: Bool = false, title: String = "Training",
        log rawLog: (String) -> Void, onBatch: (Int, Int) -> Void = { _, _ in }
    ) throws -> TrainingResult {
        // In a data-parallel job every rank trains; rank 0 alone logs and writes the run's files.
        try context.run {
            try train(
                context: context, model: model, card: baseCard, data: data, folder: folder, configuration: configuration,
                validationFraction: validationFraction, frozen: frozen, resume: resume, title: title, log: rawLog, onBatch: onBatch)
        }
    }

    private static func train(
        context: JobContext, model: ConvNet, card baseCard: ModelCard, data: WindowDataset, folder: String,
        configuration: TrainingConfiguration, validationFraction: Double, frozen: Set<String>, resume: Bool,
        title: String, log rawLog: (String) -> Void, onBatch: (Int, Int) -> Void
    ) throws -> TrainingResult {
        let leader = context.isLeader
        func log(_ line: String) { if leader { rawLog(line) } }
        if let dropped = data.droppedSummary { log(dropped) }
        guard data.count >= 5 else {
            throw TrainingRunError.unsuitableData("only \(data.count) windows: too few to train and validate" + (data.droppedSummary.map { " (\($0))" } ?? ""))
        }
        // Rank 0 owns the folder: its lock keeps a second training out while this one runs.
        let runFolder = leader ? try RunFolder(path: folder) : nil
        defer { runFolder?.release() }
        if let runFolder, !resume, let done = runFolder.completedEpochs() {
            throw RunFolderError.runExists(folder: folder, epochs: done)
        }
        // --resume of a run killed before its first epoch was written: nothing to resume, so it starts.
        var resume = resume
        if resume, let runFolder, runFolder.completedEpochs() == nil,
            !FileManager.default.fileExists(atPath: runFolder.stateFile(RunFiles.last))
        {
            log("nothing to resume in \(folder) (no epoch was completed): starting from the first epoch")
            resume = false
        }
        let (train, validation) = data.split(validationFraction: validationFraction, seed: configuration.seed)
        // What a resume must find unchanged: everything that decides the next epoch but the epoch count.
        let settings =
            leader
            ? [
                "batch size": "\(configuration.batchSize)", "learning rate": "\(configuration.learningRate)",
                "StepLR step size": "\(configuration.stepSize)", "StepLR gamma": "\(configuration.gamma)", "seed": "\(configuration.seed)",
                "threads": configuration.threads.map(String.init) ?? "default", "validation fraction": "\(validationFraction)",
                "dropout": "\(model.dropoutProbability)", "frozen": frozen.sorted().joined(separator: ","),
                "data": "\(data.count) windows, checksum \(data.checksum)"
            ] : [:]
        let trainer = Trainer(model: model, configuration: configuration, frozen: frozen)
        trainer.collective = context.collective
        if let c = context.collective { log("data-parallel over \(c.size) processes (synchronised BatchNorm)") }
        var previous: [EpochRecord] = []
        if resume {
            // Read from the current generation itself (rank 0's view; other ranks read the links).
            func state(_ name: String) -> String { runFolder?.stateFile(name) ?? folder + "/" + name }
            let last = state(RunFiles.last)
            guard FileManager.default.fileExists(atPath: last) else { throw TrainingRunError.resume("\(last) does not exist") }
            let (saved, card) = try Checkpoint.load(from: last)
            guard saved.architecture == model.architecture else { throw TrainingRunError.resume("\(last) holds another architecture") }
            model.store.copyState(from: saved.store)
            previous = card.history
            if FileManager.default.fileExists(atPath: state(RunFiles.best)) {
                trainer.best.store.copyState(from: try Checkpoint.load(from: state(RunFiles.best)).model.store)
            }
            try restoreOptimizer(trainer, from: state(RunFiles.optimizer))
            try runFolder?.verifyCurrent(lastEpochs: previous.count, optimizerStep: trainer.optimizer.step, settings: settings)
            guard previous.count < configuration.epochs else {
                log("the run in \(folder) has already completed \(previous.count) of \(configuration.epochs) epochs; nothing to do")
                return TrainingResult(
                    history: previous, bestEpoch: previous.max { $0.validationAccuracy < $1.validationAccuracy }?.epoch ?? -1,
                    bestValidationAccuracy: previous.map(\.validationAccuracy).max() ?? 0,
                    bestConfusion: ConfusionMatrix(classNames: data.classNames))
            }
            log("resuming after epoch \(previous.count) of \(configuration.epochs)")
        }
        log("training on \(train.count) windows, validating on \(validation.count); classes \(data.classNames.joined(separator: ", "))")
        let examples = leader ? examplesPlot(data, componentOrder: baseCard.componentOrder) : ""
        log("epoch  train loss  train acc  val loss  val acc       lr       s   validation confusion (rows: true class)")
        var card = baseCard
        // The card carries the whole history, so a resumed run's files describe every epoch.
        card.history = previous
        var writeFailure: Error?
        let result = trainer.fit(
            data, train: train, validation: validation, startEpoch: previous.count, previous: previous,
            onBatch: onBatch
        ) { record, confusion in
            let previousBest = card.history.map(\.validationAccuracy).max() ?? -1
            guard record.trainLoss.isFinite, record.validationLoss.isFinite else {
                writeFailure = TrainingRunError.diverged(
                    epoch: record.epoch + 1, trainLoss: record.trainLoss,
                    validationLoss: record.validationLoss)
                return false
            }
            card.history.append(record)
            log(
                String(
                    format: "%5d  %10.4f  %8.2f%%  %8.4f  %6.2f%%  %.1e  %6.2f", record.epoch + 1, record.trainLoss,
                    record.trainAccuracy * 100, record.validationLoss, record.validationAccuracy * 100, record.learningRate, record.seconds)
                    + "   confusion " + confusion.counts.map { "[" + $0.map(String.init).joined(separator: " ") + "]" }.joined(separator: " "))
            if let runFolder {
                do {
                    // Every file of this epoch goes into one generation, made current at once.
                    let g = try runFolder.beginGeneration(epochs: card.history.count)
                    if runFolder.currentGeneration == nil { try AtomicFile.write(examples, to: g.path(RunFiles.examples)) }
                    try Checkpoint.save(model: model, card: card, to: g.path(RunFiles.last))
                    try saveOptimizer(trainer, to: g.path(RunFiles.optimizer))
                    // Same rule as the trainer's snapshot: strictly better than every earlier epoch.
                    if record.validationAccuracy > previousBest {
                        try Checkpoint.save(model: trainer.best, card: card, to: g.path(RunFiles.best))
                        try writeConfusion(confusion, to: g.path(RunFiles.confusion), epoch: record.epoch)
                        try writeMetrics(confusion, epoch: record.epoch, dropped: data.dropped, to: g.path(RunFiles.metrics))
                    }
                    try writeHistory(card.history, to: g.path(RunFiles.history))
                    try writeCurves(card.history, to: g.path(RunFiles.curves), title: title)
                    try Report.write(folder: g.folder, title: title, card: card, configuration: configuration)
                    try runFolder.commit(g, optimizerStep: trainer.optimizer.step, settings: settings)
                } catch {
                    log("error: writing the files of epoch \(record.epoch + 1) failed: \(error)")
                    writeFailure = error
                    return false
                }
            }
            if context.stop.isRequested {
                log("stopped on request after epoch \(record.epoch + 1); resume with --resume")
                return false
            }
            return true
        }
        if let writeFailure { throw writeFailure }
        return result
    }

    // MARK: Optimizer state (so a resumed run equals an uninterrupted one)

    static func saveOptimizer(_ trainer: Trainer, to path: String) throws {
        let n = trainer.model.store.parameterCount
        var file = SafeTensorsFile()
        file.tensors["adam.m"] = .init(float32: Array(UnsafeBufferPointer(start: trainer.optimizer.firstMoment, count: n)), shape: [n])
        file.tensors["adam.v"] = .init(float32: Array(UnsafeBufferPointer(start: trainer.optimizer.secondMoment, count: n)), shape: [n])
        file.metadata["adam.step"] = String(trainer.optimizer.step)
        let generators = trainer.model.dropoutGenerators
        file.metadata["dropout.generators"] = String(decoding: try JSONEncoder().encode(generators), as: UTF8.self)
        try file.write(to: path)
    }

    static func restoreOptimizer(_ trainer: Trainer, from path: String) throws {
        let file = try SafeTensorsFile(contentsOf: path)
        guard let m = file.tensors["adam.m"]?.floats, let v = file.tensors["adam.v"]?.floats,
            let step = file.metadata["adam.step"].flatMap({ Int($0) }), m.count == trainer.model.store.parameterCount
        else {
            throw TrainingRunError.resume("\(path) is not this model's optimizer state")
        }
        trainer.optimizer.restore(step: step, first: m, second: v)
        if let json = file.metadata["dropout.generators"],
            let generators = try? JSONDecoder().decode([SeededGenerator].self, from: Data(json.utf8)),
            generators.count == trainer.model.blocks.count
        {
            trainer.model.dropoutGenerators = generators
        }
    }

    // MARK: Outputs

    /// Two example inputs per class: time-series windows as three lines, images as grey pictures.
    public static func examplesPlot(_ data: WindowDataset, componentOrder: [String]) -> String {
        let size = data.windows.windowSize
        func values(_ i: Int) -> [Float] { Array(data.windows.values[(i * size)..<((i + 1) * size)]) }
        var picks: [(Int, Int)] = []
        for c in data.classNames.indices { for i in data.labels.indices.filter({ data.labels[$0] == c }).prefix(2) { picks.append((c, i)) } }
        if data.inputShape.count == 3 && data.inputShape[0] > 1 {
            let (ch, h, w) = (data.inputShape[0], data.inputShape[1], data.inputShape[2])
            let onePerClass = data.classNames.indices.compactMap { c in picks.first { $0.0 == c } }
            let images = onePerClass.flatMap { c, i -> [(title: String, rows: Int, cols: Int, values: [Float])] in
                let v = values(i)
                return (0..<ch).map { k in
                    ("\(data.classNames[c]) #\(i) — \(componentOrder[safe: k] ?? "channel \(k)")", h, w, Array(v[(k * h * w)..<((k + 1) * h * w)]))
                }
            }
            return ImagePlot(title: "Example spectrogram images (low frequencies at the bottom)", images: images).svg()
        }
        let length = data.windows.length, comps = data.windows.components
        let t = (0..<length).map { Double($0) }
        let panels = picks.map { c, i -> Panel in
            let v = values(i)
            return Panel(
                title: "\(data.classNames[c]) #\(i)", xLabel: "Sample", yLabel: "Normalised amplitude",
                series: (0..<comps).map { k in
                    Series(name: componentOrder[safe: k] ?? "C\(k)", x: t, y: (0..<length).map { Double(v[$0 * comps + k]) }, color: Palette.cycle[k % 6])
                })
        }
        return LinePlot(title: "Example inputs per class", panels: panels, columns: 2).svg()
    }

    static func writeHistory(_ history: [EpochRecord], to path: String) throws {
        let rows = history.map { r in
            [String(r.epoch + 1), String(format: "%.6g", r.learningRate)]
                + [r.trainLoss, r.trainAccuracy, r.validationLoss, r.validationAccuracy].map { String(format: "%.6f", $0) }
                + [String(format: "%.3f", r.seconds)]
        }
        let table = CSVTable(header: ["epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"], rows: rows)
        try AtomicFile.write(table.text, to: path)
    }

    public static func metricsJSON(_ c: ConfusionMatrix, extra: [String: Any] = [:]) -> [String: Any] {
        var perClass: [String: Any] = [:]
        for (i, name) in c.classNames.enumerated() {
            perClass[name] = ["precision": c.precision(i), "recall": c.recall(i), "f1": c.f1(i), "support": c.counts[i].reduce(0, +)]
        }
        var out: [String: Any] = [
            "accuracy": c.accuracy, "classes": c.classNames, "confusion_matrix": c.counts,
            "confusion_matrix_row_normalized": c.rowNormalized, "per_class": perClass
        ]
        for (k, v) in extra { out[k] = v }
        return out
    }

    static func writeMetrics(_ c: ConfusionMatrix, epoch: Int, dropped: [String: Int], to path: String) throws {
        let json = metricsJSON(c, extra: ["best_epoch": epoch + 1, "best_validation_accuracy": c.accuracy, "dropped_windows": dropped])
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(String(decoding: data, as: UTF8.self), to: path)
    }

    public static func confusionPlot(_ c: ConfusionMatrix, title: String) -> String {
        let norm = c.rowNormalized
        return Heatmap(
            title: title, rowLabels: c.classNames, columnLabels: c.classNames, values: norm,
            cellText: c.counts.indices.map { i in c.counts[i].indices.map { j in String(format: "%.2f (%d)", norm[i][j], c.counts[i][j]) } }
        ).svg()
    }

    static func writeConfusion(_ c: ConfusionMatrix, to path: String, epoch: Int) throws {
        try AtomicFile.write(
            confusionPlot(c, title: String(format: "Validation, epoch %d — Accuracy = %.2f %%", epoch + 1, c.accuracy * 100)),
            to: path)
    }

    static func writeCurves(_ history: [EpochRecord], to path: String, title: String) throws {
        let epochs = history.map { Double($0.epoch + 1) }
        let plot = LinePlot(
            title: title,
            panels: [
                Panel(
                    title: "Loss", xLabel: "Epoch", yLabel: "Cross-entropy",
                    series: [
                        Series(name: "train", x: epochs, y: history.map(\.trainLoss), color: Palette.blue),
                        Series(name: "validation", x: epochs, y: history.map(\.validationLoss), color: Palette.orange)
                    ]),
                Panel(
                    title: "Accuracy", xLabel: "Epoch", yLabel: "Accuracy (%)",
                    series: [
                        Series(name: "train", x: epochs, y: history.map { $0.trainAccuracy * 100 }, color: Palette.blue),
                        Series(name: "validation", x: epochs, y: history.map { $0.validationAccuracy * 100 }, color: Palette.orange)
                    ]),
                Panel(
                    title: "Learning rate", xLabel: "Epoch", yLabel: "Learning rate",
                    series: [
                        Series(name: "lr", x: epochs, y: history.map(\.learningRate), color: Palette.green)
                    ])
            ], columns: 3)
        try AtomicFile.write(plot.svg(), to: path)
    }
}
