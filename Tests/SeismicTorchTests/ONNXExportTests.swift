// ONNX export: the graph's structure, shapes and weights (ONNX Runtime numbers: scripts/check_onnx.py).

import Foundation
import SeismicNN
import SeismicONNX
import SeismicTorch
import SwiftProtobuf
import Testing

@Suite struct ONNXExportTests {
    @Test func earthquakeGraphHasTheReferenceLayoutAndWeights() throws {
        let net = ConvNet(.earthquake(), seed: 4)
        let card = ModelCard.earthquakePretraining()
        let bytes: Data = try ONNXExport.model(net, card: card).serializedBytes()
        let model = try Onnx_ModelProto(serializedBytes: bytes)
        #expect(model.opsetImport.first?.version == 17)
        let g = model.graph
        #expect(g.input.map(\.name) == ["modelInput"] && g.output.map(\.name) == ["modelOutput"])
        let inputDims = g.input[0].type.tensorType.shape.dim
        #expect(inputDims[0].dimParam == "batch" && inputDims.dropFirst().map(\.dimValue) == [1, 80, 3])
        let ops = g.node.map(\.opType)
        #expect(ops.filter { $0 == "Conv" }.count == 3 && ops.filter { $0 == "BatchNormalization" }.count == 3)
        #expect(ops.filter { $0 == "Erf" }.count == 5 && ops.filter { $0 == "Gemm" }.count == 3 && ops.contains("Flatten"))
        #expect(!ops.contains("Dropout"))
        // Every parameter and running statistic is an initializer with the same bits.
        let initializers = Dictionary(uniqueKeysWithValues: g.initializer.map { ($0.name, $0) })
        for e in net.store.entries where e.kind != .counter {
            let t = try #require(initializers[e.name], "\(e.name) missing")
            #expect(t.dims == e.shape.map(Int64.init))
            let values = t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            #expect(values == net.store.tensor(e.name).storage)
        }
        let meta = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        #expect(meta["class_names"] == "P-wave,S-wave,Noise" && meta["sampling_rate_hz"] == "40.0")
    }
}

@Suite struct ONNXImportTests {
    @Test func importsOurOwnExportWithTheSameLogits() throws {
        let net = ConvNet(.earthquake(), seed: 6)
        // Non-default BatchNorm statistics, as after training.
        for i in 0..<net.store.bufferCount { net.store.buffers[i] = 0.5 + Float(i % 7) * 0.1 }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ONNXExport.write(net, card: .earthquakePretraining(), to: path)
        let (back, card) = try ONNXImport.load(path: path)
        #expect(card.classNames == ["P-wave", "S-wave", "Noise"])
        var rng = SeededGenerator(seed: 1)
        let x = Tensor(shape: [6, 1, 80, 3], storage: (0..<1440).map { _ in rng.nextUnitFloat() - 0.5 })
        #expect(back.forward(x, training: false) == net.forward(x, training: false))
    }

    @Test func refusesOtherGraphsListingTheirOperators() throws {
        var model = Onnx_ModelProto()
        var node = Onnx_NodeProto()
        node.opType = "Sigmoid"
        var other = Onnx_NodeProto()
        other.opType = "LSTM"
        model.graph.node = [node, other]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes: Data = try model.serializedBytes()
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect { try ONNXImport.load(path: path) } throws: { "\($0)".contains("LSTM, Sigmoid") }
        try Data("not onnx".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ONNXImportError.self) { try ONNXImport.load(path: path) }
    }
}
