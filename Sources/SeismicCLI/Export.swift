// seismic export: a checkpoint as an ONNX model.

import ArgumentParser
import Foundation
import SeismicTorch

extension Seismic {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a checkpoint as ONNX (opset 17, dynamic batch) for ONNX Runtime and friends.",
            discussion: """
                Input modelInput [batch, 1, 80, 3] (SpectrogramCNN: [batch, 3, 100, 150]), output \
                modelOutput (logits), weights inside the file; class names, sampling and preprocessing in \
                metadata_props. scripts/check_onnx.py checks it with onnx.checker and ONNX Runtime.

                Example: seismic export --model runs/qsis/best.safetensors -o model.onnx
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case onnx }

        @Option(help: "Checkpoint (.safetensors), or a built-in model's name (seismic models).") var model: String
        @Option(help: "Output format.") var format: Format = .onnx
        @Option(name: [.short, .customLong("output")], help: "File to write.") var output: String

        func validate() throws { try refuseOverwriting(inputs: [model], with: output) }

        func run() throws {
            let (net, card) = try Checkpoint.load(from: model)
            try ONNXExport.write(net, card: card, to: output)
            let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            print("wrote \(output): \(card.architecture.name), ONNX opset \(ONNXExport.opset), \(size / 1024) KiB")
        }
    }
}
