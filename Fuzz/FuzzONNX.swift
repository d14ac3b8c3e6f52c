// libFuzzer target: ONNX file bytes → ONNXImport.load (protobuf decoding, graph matching, tensor
// data, model card). An imported model must be one the code can build: its card valid, its weights
// finite (variances ≥ 0), and logits of shape [1, classes] for an input of the card's shape. Finite
// weights large enough to overflow float32 may give NaN logits, as ONNX Runtime gives for the same
// file: that is ModelOutputError's case at classification time, not the importer's. Built by
// scripts/fuzz.sh (build_onnx) with SwiftProtobuf as its own module and the SeismicIO, SeismicNN,
// SeismicONNX sources plus the SeismicTorch files the import needs as one module; not part of the package.

import Foundation

/// One folder per process; the model is rewritten for each input. External data named by a
/// mutated model is looked up next to it, so the folder holds nothing else.
private let fuzzFolder: String = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-onnx-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Foundation's Data(contentsOf:) leaks its 4 KB read buffer for an empty file (swift-corelibs-
    // foundation, readBytesFromFile; LeakSanitizer's report); an empty model is refused anyway.
    guard size > 0 else { return 0 }
    let path = fuzzFolder + "/model.onnx"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    guard let (model, card) = try? ONNXImport.load(path: path) else { return 0 }
    do { try card.validate() } catch { fatalError("imported a model whose card is invalid: \(error)") }
    let shape = card.architecture.inputShape
    let count = shape.reduce(1, *)
    let input = Tensor(shape: [1] + shape, storage: (0..<count).map { Float($0 % 7) / 7 - 0.5 })
    do { try Checkpoint.validateValues(model, path: path) } catch { fatalError("imported unusable weights: \(error)") }
    let logits = model.forward(input, training: false)
    guard logits.shape == [1, card.classNames.count] else {
        fatalError("imported model: logits of shape \(logits.shape) for \(card.classNames.count) classes")
    }
    return 0
}
