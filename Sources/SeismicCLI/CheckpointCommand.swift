// seismic checkpoint: create, inspect and run checkpoints (also how scripts talk to PyTorch).

import ArgumentParser
import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch

/// The two networks of the reference.
extension ModelKind: ExpressibleByArgument {}

extension Seismic {
    struct CheckpointCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Create, inspect and run model checkpoints (safetensors).",
            subcommands: [Init.self, Info.self, Logits.self])
    }
}

extension Seismic.CheckpointCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a freshly initialised model (PyTorch's default initialisation, seeded).",
            discussion: "Example: seismic checkpoint init --model earthquake --seed 1 -o init.safetensors")

        @Option(help: "earthquake (EarthquakeCNN) or spectrogram (SpectrogramCNN).") var model: ModelKind = .earthquake
        @Option(parsing: .unconditional, help: "Random seed of the initialisation.") var seed: UInt64 = 0
        @Option(name: [.short, .customLong("output")], help: "Checkpoint to write.") var output: String

        func run() throws {
            let card = model.referenceCard
            try Checkpoint.save(model: ConvNet(card.architecture, seed: seed), card: card, to: output)
            print(
                "wrote \(output): \(card.architecture.name), \(card.architecture.parameterCount) parameters, classes \(card.classNames.joined(separator: ", "))"
            )
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a checkpoint's model card and tensors.",
            discussion: """
                Prints the architecture and parameter count, the model card (classes, sampling rate, \
                window, components, units, preprocessing, training summary) and every tensor with its \
                PyTorch name, type and shape.

                Examples:
                  seismic checkpoint info runs/qsis/best.safetensors
                  seismic checkpoint info earthquake-real
                """)

        @Argument(help: "Checkpoint file, or a built-in model's name (seismic models).") var path: String

        func run() throws {
            let (model, card) = try Checkpoint.load(from: path)
            print("\(path): \(card.architecture.name), \(card.architecture.parameterCount) parameters")
            for line in cardSummary(card) { print("  " + line) }
            for e in model.store.entries {
                print("  \(e.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(e.kind == .counter ? "int64" : "float32") \(e.shape)")
            }
        }
    }

    struct Logits: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a checkpoint in evaluation mode on an .npy batch and save the logits.",
            discussion: "Example: seismic checkpoint logits --model best.safetensors --input x.npy -o logits.npy")

        @Option(help: "Checkpoint file, or a built-in model's name (seismic models).") var model: String
        @Option(help: ".npy of shape [N, C, H, W] matching the model (float32, or float64 and integers, converted), already prepared as the model's input.")
        var input: String
        @Option(name: [.short, .customLong("output")], help: "Where to write the [N, classes] logits (.npy).") var output: String

        func validate() throws { try refuseOverwriting(inputs: [model, input], with: output) }

        func run() throws {
            Seismic.prepareEngine()
            let (net, card) = try Checkpoint.load(from: model)
            let x = try NPYArray(contentsOf: input)
            guard Array(x.shape.dropFirst()) == card.architecture.inputShape else {
                throw UserFacingError(
                    "\(input): shape \(x.shape) does not fit \(card.architecture.name), which takes [N, \(card.architecture.inputShape.map(String.init).joined(separator: ", "))]"
                )
            }
            let batch = Tensor(shape: x.shape, storage: x.floats)
            let logits = net.forward(batch, training: false)
            try NPYArray(float32: logits.storage, shape: logits.shape).write(to: output)
            print("wrote \(output) \(logits.shape)")
            // Written as computed (as PyTorch would give them), but never silently: rows that are not finite are named.
            let bad = ModelOutputError.nonFiniteRows(logits)
            if !bad.isEmpty {
                let badInputs = Set(ModelOutputError.nonFiniteRows(batch))
                let fromFinite = bad.filter { !badInputs.contains($0) }.count
                let listed = bad.prefix(10).map(String.init).joined(separator: ", ") + (bad.count > 10 ? ", …" : "")
                let cause =
                    fromFinite == 0
                    ? "their inputs hold NaN or ±inf (as float32: larger float64 values become ±inf)"
                    : "\(fromFinite) of them from finite inputs: the arithmetic overflows float32 (weights or input magnitudes)"
                writeStandardError("warning: \(bad.count) of \(logits.shape[0]) rows of logits are not finite (NaN or ±inf; rows \(listed)); \(cause)\n")
            }
        }
    }
}

/// The lines `checkpoint info` and `models NAME` print about a card: classes, input, units,
/// preprocessing and, when it has a history, its training.
func cardSummary(_ card: ModelCard) -> [String] {
    var lines = [
        "classes    \(card.classNames.joined(separator: ", "))",
        "input      \(card.componentOrder.joined(separator: ",")) at \(String(format: "%g", card.samplingRateHz)) Hz, window \(card.windowSamples) samples, shape [N, \(card.architecture.inputShape.map(String.init).joined(separator: ", "))]",
        "units      \(card.units.name) (samples before normalisation)",
        "preprocess detrend \(card.preprocessing.detrend.rawValue), taper \(card.preprocessing.taperFraction), high-pass \(card.preprocessing.highpassCornerHz) Hz, then \(card.preprocessing.amplitudeChain.steps.joined(separator: " → "))"
    ]
    if let best = card.history.max(by: { $0.validationAccuracy < $1.validationAccuracy }) {
        lines.append(
            "trained    \(card.history.count) epochs, best validation accuracy \(String(format: "%.2f", best.validationAccuracy * 100)) % (epoch \(best.epoch))"
        )
    }
    return lines
}
