// seismic import: an ONNX file of the PyTorch reference as our checkpoint.

import ArgumentParser
import Foundation
import SeismicTorch

extension Seismic {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import an ONNX model exported from the PyTorch reference into a checkpoint.",
            discussion: """
                Matches the graph (Conv, BatchNormalization or BatchNorm folded into Conv, GELU as Gelu or \
                its Erf pattern, MaxPool, Flatten/Reshape, Gemm or MatMul+Add); other graphs are refused \
                with the list of operators that do not fit. Class names come from metadata_props when \
                present, else the reference's.

                Example: seismic import reference.onnx -o reference.safetensors
                """)

        @Argument(help: "ONNX file.") var input: String
        @Option(name: [.short, .customLong("output")], help: "Checkpoint to write (.safetensors).") var output: String

        func validate() throws { try refuseOverwriting(inputs: [input], with: output) }

        func run() throws {
            // The external data files (model.onnx.data) are inputs too.
            try refuseOverwriting(inputs: ONNXImport.inputFiles(path: input), with: output)
            let (model, card) = try ONNXImport.load(path: input)
            try Checkpoint.save(model: model, card: card, to: output)
            print("wrote \(output): \(card.architecture.name), classes \(card.classNames.joined(separator: ", "))")
        }
    }
}
