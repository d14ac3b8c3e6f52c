// seismic train / finetune: train EarthquakeCNN or SpectrogramCNN on a prepared dataset into a run folder.

import ArgumentParser
import Foundation
import SeismicNN
import SeismicTorch

/// The reference's training settings, every one a flag.
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Epochs.") var epochs: Int = 50
    @Option(parsing: .unconditional, help: "Windows per batch.") var batchSize: Int = 256
    @Option(parsing: .unconditional, help: "Adam learning rate.") var lr: Double = 1e-3
    @Option(parsing: .unconditional, help: "StepLR: epochs between learning-rate cuts.") var stepSize: Int = 7
    @Option(parsing: .unconditional, help: "StepLR: factor of each cut.") var gamma: Double = 0.5
    @Option(parsing: .unconditional, help: "Fraction of windows held out for validation.") var validation: Double = 0.2
    @Option(parsing: .unconditional, help: "Random seed (split, shuffling, dropout, initialisation).") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Dropout probability of the conv blocks (the reference: 0.1).") var dropout: Double = 0.1
    @Option(
        parsing: .unconditional,
        help:
            "Model replicas trained in parallel threads (default: one per core for EarthquakeCNN, one for SpectrogramCNN). Each count rounds differently; K threads give the results of K MPI ranks bit for bit."
    )
    var threads: Int?
    @Flag(help: "Continue an interrupted run from its last checkpoint in --out.") var resume = false

    func validate() throws {
        if let threads { try checkOption("threads", threads, .atLeast(1), .atMost(1024)) }
        try checkOption("epochs", epochs, .atLeast(1))
        try checkOption("batch-size", batchSize, .atLeast(1))
        try checkOption("lr", lr, .above(0))
        try checkOption("step-size", stepSize, .atLeast(1))
        try checkOption("gamma", gamma, .above(0), .atMost(1))
        try checkOption("validation", validation, .atLeast(0.01), .atMost(0.9))
        try checkOption("dropout", dropout, .atLeast(0), .below(1))
    }

    var configuration: TrainingConfiguration {
        var c = TrainingConfiguration()
        c.epochs = epochs; c.batchSize = batchSize; c.learningRate = lr; c.stepSize = stepSize; c.gamma = gamma; c.seed = seed
        c.threads = threads
        return c
    }
}

/// Ctrl-C, SIGTERM or SIGHUP (unless ignored, as under nohup): training finishes the epoch in progress, writes a consistent
/// checkpoint and stops; the monitor classifies what is complete, writes its state and prints
/// its summary.
func installStopHandler() {
    signal(SIGINT) { _ in Seismic.context.stop.request() }
    signal(SIGTERM) { _ in Seismic.context.stop.request() }  // a service manager's stop: the same orderly end
    // The terminal closed: the same orderly end, nothing lost — unless SIGHUP is ignored (nohup).
    let previous = signal(SIGHUP, SIG_IGN).map { unsafeBitCast($0, to: Int.self) }
    if previous != unsafeBitCast(SIG_IGN, to: Int.self) { signal(SIGHUP) { _ in Seismic.context.stop.request() } }
}

/// A live in-epoch progress line on a terminal (silent in logs): windows done, rate, time left.
func batchProgress() -> (Int, Int) -> Void {
    guard isatty(STDERR_FILENO) != 0 else { return { _, _ in } }
    var epochStart = Date()
    var lastDone = Int.max
    return { done, total in
        if done < lastDone { epochStart = Date() }
        lastDone = done
        let rate = Double(done) / max(Date().timeIntervalSince(epochStart), 1e-9)
        let line =
            done == total
            ? "\r\u{1B}[K"
            : String(
                format: "\r\u{1B}[K  %d/%d windows  %.0f windows/s  %.0f s left", done, total, rate,
                Double(total - done) / max(rate, 1e-9))
        writeStandardError(line)
    }
}

extension Seismic {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model on a prepared dataset (the reference's settings by default).",
            discussion: """
                Seeded 80/20 split, batches of 256 shuffled each epoch, Adam (lr 1e-3), StepLR(7, 0.5), \
                cross-entropy, 50 epochs; the best-validation weights are kept. Time-series windows get \
                the reference's amplitude chain first (drop tiny and huge windows, normalise, int16, \
                normalise). Writes to --out after every epoch: best.safetensors, last.safetensors, \
                history.csv, metrics.json, training_curves.svg, confusion_matrix.svg and report.html. \
                Ctrl-C (or SIGTERM) stops after the epoch in progress; --resume continues with the same result.

                Memory: about 4 × the dataset's windows (float32, 960 bytes each for EarthquakeCNN) \
                + 100 MB; a dataset that would not fit in the memory available (the machine's, the \
                cgroup's or ulimit -v) is refused before it is read.

                Example: seismic train --data data/stead/train.h5 --model earthquake --out runs/pretrain
                """)

        @Option(help: "Prepared dataset (.h5).") var data: String
        @Option(help: "earthquake (EarthquakeCNN) or spectrogram (SpectrogramCNN).") var model: ModelKind = .earthquake
        @Option(help: "Run folder.") var out: String
        @OptionGroup var options: TrainingOptions

        func validate() throws {
            try refuseOverwriting(inputs: [data], with: RunFiles.all.map { out + "/" + $0 } + [out + "/current"])
        }

        func run() throws {
            Seismic.prepareEngine()
            installStopHandler()
            try PreparedDataset.requireMemory(toLoad: data, for: "training on \(data)")
            let prepared = try PreparedDataset.load(from: data)
            let start = try TrainingStart(kind: model, dataset: prepared, seed: options.seed, dropout: Float(options.dropout))
            let card = start.card
            let result = try TrainingRun.run(
                context: Seismic.context, model: start.model, card: card, data: start.windows, folder: out, configuration: options.configuration,
                validationFraction: options.validation, resume: options.resume,
                title: "Training \(card.architecture.name) on \((data as NSString).lastPathComponent)",
                log: { print($0) }, onBatch: batchProgress())
            if Seismic.context.isLeader { printRunSummary(result, folder: out) }
            // Stopped by Ctrl-C: the run is resumable but not finished, so `train && …` stops here.
            if Seismic.context.stop.isRequested { throw ExitCode(130) }
        }
    }

    struct Finetune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune a pre-trained checkpoint on a new dataset.",
            discussion: """
                Starts from --from (ours, or a reference state dict saved with safetensors). The class \
                names of checkpoint and dataset are compared: if they differ, --replace-head trains a new \
                output layer (fc3) for the dataset's classes; otherwise the command stops. --freeze-conv \
                keeps the convolution and BatchNorm weights fixed.

                Memory: about 4 × the dataset's windows (float32, 960 bytes each for EarthquakeCNN) \
                + 100 MB; a dataset that would not fit in the memory available (the machine's, the \
                cgroup's or ulimit -v) is refused before it is read.

                Example: seismic finetune --from runs/pretrain/best.safetensors --data data/qsis.h5 --out runs/qsis
                """)

        @Option(help: "Pre-trained checkpoint, or a built-in model's name (seismic models).") var from: String
        @Option(help: "Prepared dataset (.h5).") var data: String
        @Option(help: "Run folder.") var out: String
        @Flag(help: "Replace the output layer when the dataset's classes differ from the checkpoint's.") var replaceHead = false
        @Flag(help: "Keep conv1–3 and bn1–3 weights fixed.") var freezeConv = false
        @OptionGroup var options: TrainingOptions

        func validate() throws {
            try refuseOverwriting(inputs: [from, data], with: RunFiles.all.map { out + "/" + $0 } + [out + "/current"])
        }

        func run() throws {
            Seismic.prepareEngine()
            installStopHandler()
            let (pretrained, pretrainedCard) = try Checkpoint.load(from: from)
            try PreparedDataset.requireMemory(toLoad: data, for: "fine-tuning on \(data)")
            let start = try FineTuning(
                pretrained: pretrained, card: pretrainedCard, checkpoint: from, dataset: try PreparedDataset.load(from: data), datasetPath: data,
                replaceHead: replaceHead, freezeConvolutions: freezeConv, seed: options.seed, dropout: Float(options.dropout))
            let card = start.card
            let result = try TrainingRun.run(
                context: Seismic.context, model: start.model, card: card, data: start.windows, folder: out, configuration: options.configuration,
                validationFraction: options.validation, frozen: start.frozen, resume: options.resume,
                title: "Fine-tuning \(card.architecture.name) on \((data as NSString).lastPathComponent)",
                log: { print($0) }, onBatch: batchProgress())
            if Seismic.context.isLeader { printRunSummary(result, folder: out) }
            // Stopped by Ctrl-C: the run is resumable but not finished, so `train && …` stops here.
            if Seismic.context.stop.isRequested { throw ExitCode(130) }
        }
    }
}

func printRunSummary(_ result: TrainingResult, folder: String) {
    print(String(format: "\nbest validation accuracy %.2f %% at epoch %d", result.bestValidationAccuracy * 100, result.bestEpoch + 1))
    let c = result.bestConfusion
    print("confusion matrix (rows: true class, columns: predicted):")
    for (i, name) in c.classNames.enumerated() {
        print("  " + name.padding(toLength: 14, withPad: " ", startingAt: 0) + c.counts[i].map { String(format: "%7d", $0) }.joined())
    }
    print("outputs in \(folder): \(RunFiles.best), \(RunFiles.last), \(RunFiles.history), \(RunFiles.metrics), \(RunFiles.report)")
}
