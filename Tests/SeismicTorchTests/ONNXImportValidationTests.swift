// ONNX import on mutated exports: external data, initializer sizes, finite weights, every operator attribute, GELU forms.

import Foundation
import SeismicNN
import SeismicONNX
import SeismicTorch
import SwiftProtobuf
import TestSupport
import Testing

/// A temporary folder holding model.onnx (and external data), removed by `clean()`.
private struct Folder {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-\(UUID())").path
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    var model: String { path + "/model.onnx" }
    func clean() { try? FileManager.default.removeItem(atPath: path) }
    func write(_ m: Onnx_ModelProto) throws {
        let bytes: Data = try m.serializedBytes()
        try bytes.write(to: URL(fileURLWithPath: model))
    }
}

/// The exported network (a fresh copy each time: ConvNet is not Sendable), with non-default BatchNorm statistics.
private func network() -> ConvNet {
    let net = ConvNet(.earthquake(), seed: 8)
    for i in 0..<net.store.bufferCount { net.store.buffers[i] = 0.5 + Float(i % 5) * 0.1 }
    return net
}

private var input: Tensor {
    var rng = SeededGenerator(seed: 2)
    return Tensor(shape: [4, 1, 80, 3], storage: (0..<960).map { _ in rng.nextUnitFloat() - 0.5 })
}

private func exported() -> Onnx_ModelProto { ONNXExport.model(network(), card: .earthquakePretraining()) }

/// Imports `m` from `folder`: nil when it imports with the original logits, else the error text.
private func importOutcome(_ m: Onnx_ModelProto, _ folder: Folder, sameLogits: Bool = true) throws -> String? {
    try folder.write(m)
    do {
        let (back, _) = try ONNXImport.load(path: folder.model)
        let logits = back.forward(input, training: false)
        #expect(logits.storage.allSatisfy { $0.isFinite })
        if sameLogits { #expect(logits == network().forward(input, training: false), "an accepted model computes other logits") }
        return nil
    } catch let e as ONNXImportError {
        return e.description
    }
}

private func index(_ m: Onnx_ModelProto, node name: String) -> Int { m.graph.node.firstIndex { $0.name == name }! }
private func index(_ m: Onnx_ModelProto, initializer name: String) -> Int { m.graph.initializer.firstIndex { $0.name == name }! }

private func entry(_ k: String, _ v: String) -> Onnx_StringStringEntryProto {
    var e = Onnx_StringStringEntryProto()
    e.key = k
    e.value = v
    return e
}

/// Moves every initializer of more than 16 values to `file` in the folder (the layout `onnx.save_model(…,
/// save_as_external_data=True)` writes), returning the model.
private func externalised(_ folder: Folder, file: String = "model.onnx.data") throws -> Onnx_ModelProto {
    var m = exported()
    var blob = Data()
    for i in m.graph.initializer.indices where m.graph.initializer[i].rawData.count > 64 {
        var t = m.graph.initializer[i]
        blob.append(Data(repeating: 0, count: (4096 - blob.count % 4096) % 4096))  // aligned as onnx does
        t.externalData = [entry("location", file), entry("offset", String(blob.count)), entry("length", String(t.rawData.count))]
        blob.append(t.rawData)
        t.rawData = Data()
        t.dataLocation = .external
        m.graph.initializer[i] = t
    }
    try blob.write(to: URL(fileURLWithPath: folder.path + "/" + file))
    return m
}

@Suite struct ONNXImportValidationTests {
    @Test func externalDataIsReadRelativeToTheModel() throws {
        let folder = try Folder()
        defer { folder.clean() }
        let m = try externalised(folder)
        #expect(try importOutcome(m, folder) == nil)
        try FileManager.default.removeItem(atPath: folder.path + "/model.onnx.data")
        let message = try #require(try importOutcome(m, folder))
        #expect(message.contains("external data: the external data file \(folder.path)/model.onnx.data does not exist"), "\(message)")
    }

    /// What import reads, so that `seismic import m.onnx -o m.onnx.data` is refused: the model and
    /// its external data file, named once however many tensors it holds.
    @Test func theFilesAnImportReadsIncludeItsExternalData() throws {
        let folder = try Folder()
        defer { folder.clean() }
        try folder.write(exported())
        #expect(try ONNXImport.inputFiles(path: folder.model) == [folder.model])
        try folder.write(try externalised(folder))
        #expect(try ONNXImport.inputFiles(path: folder.model) == [folder.model, folder.path + "/model.onnx.data"])
    }

    @Test func externalDataOutsideTheFolderOrTheFileIsRefused() throws {
        let folder = try Folder()
        defer { folder.clean() }
        let base = try externalised(folder)
        let w = index(base, initializer: "fc1.weight")
        func with(_ entries: [(String, String)]) -> Onnx_ModelProto {
            var m = base
            m.graph.initializer[w].externalData = entries.map { entry($0.0, $0.1) }
            return m
        }
        let offset = base.graph.initializer[w].externalData.first { $0.key == "offset" }!.value
        let cases: [([(String, String)], String)] = [
            ([("location", "../model.onnx.data")], "leaves the model's folder"),
            ([("location", "/etc/passwd")], "leaves the model's folder"),
            ([("location", "model.onnx.data"), ("offset", "-4")], "offset '-4'; expected a non-negative integer"),
            ([("location", "model.onnx.data"), ("offset", "9223372036854775807")], "lie outside"),
            ([("location", "model.onnx.data"), ("offset", offset), ("length", "4")], "length 4 bytes, but FLOAT × [64, 384] needs 98304"),
            ([("location", "model.onnx.data"), ("offset", "1e3")], "offset '1e3'"),
            ([("location", "model.onnx.data"), ("offset", offset), ("secret", "x")], "unknown external_data key 'secret'"),
            ([("offset", offset)], "no location")
        ]
        for (entries, expected) in cases {
            let message = try #require(try importOutcome(with(entries), folder))
            #expect(message.hasPrefix("\(folder.model): tensor 'fc1.weight': external data: ") && message.contains(expected), "\(message)")
        }
        // A symbolic link inside the folder that leads out of it.
        let outside = try Folder()
        defer { outside.clean() }
        try FileManager.default.copyItem(atPath: folder.path + "/model.onnx.data", toPath: outside.path + "/weights.data")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.data", withDestinationPath: outside.path + "/weights.data")
        let message = try #require(try importOutcome(with([("location", "link.data"), ("offset", offset)]), folder))
        #expect(message.contains("outside the model's folder"), "\(message)")
    }

    /// Our exporter's metadata is taken back (rate, window, components, classes); metadata that
    /// contradicts the graph or is not a value, and a name defined twice, are refused.
    @Test func metadataIsUsedOrRefusedAndInitializerNamesAreUnique() throws {
        let folder = try Folder()
        defer { folder.clean() }
        var card = ModelCard.earthquakePretraining()
        card.samplingRateHz = 40
        card.componentOrder = ["X", "Y", "Z"]
        card.classNames = ["p", "s", "n"]
        try folder.write(ONNXExport.model(network(), card: card))
        let (_, back) = try ONNXImport.load(path: folder.model)
        #expect(back.componentOrder == ["X", "Y", "Z"] && back.classNames == ["p", "s", "n"] && back.samplingRateHz == 40)
        for (key, value, expected) in [
            ("class_names", "a,b", "3 comma-separated names"), ("sampling_rate_hz", "nan", "a finite rate"),
            ("window_samples", "x", "a positive number"), ("component_order", "E,N", "3 comma-separated")
        ] {
            var m = exported()
            m.metadataProps.removeAll { $0.key == key }
            m.metadataProps.append(entry(key, value))
            let outcome = try importOutcome(m, folder)
            #expect(outcome?.contains("metadata '\(key)' is '\(value)'; expected \(expected)") == true, "\(outcome ?? "accepted")")
        }
        var m = exported()
        m.metadataProps.append(entry("window_samples", "81"))
        #expect(try importOutcome(m, folder)?.contains("given twice") == true)
        m = exported()
        m.graph.initializer.append(m.graph.initializer[index(m, initializer: "fc1.weight")])
        #expect(try importOutcome(m, folder) == "\(folder.model): tensor 'fc1.weight': defined twice; initializer names must be unique")
    }

    @Test func initializerBytesMustMatchTheirDimsAndBeFinite() throws {
        let folder = try Folder()
        defer { folder.clean() }
        let base = exported()
        let w = index(base, initializer: "conv1.weight")
        var m = base
        m.graph.initializer[w].rawData = m.graph.initializer[w].rawData.prefix(4)
        #expect(try importOutcome(m, folder) == "\(folder.model): tensor 'conv1.weight': raw_data holds 4 bytes, but FLOAT × [16, 1, 3, 1] needs 192")
        m = base
        m.graph.initializer[w].dims = [16, -1, 3, 1]
        #expect(try importOutcome(m, folder)?.contains("dims [16, -1, 3, 1]; expected extents") == true)
        m = base
        m.graph.initializer[w].dims = [1 << 40, 1 << 40]
        #expect(try importOutcome(m, folder)?.contains("tensor 'conv1.weight': dims") == true)
        m = base
        m.graph.initializer[w].rawData = Data()
        m.graph.initializer[w].floatData = [1, 2, 3]
        #expect(try importOutcome(m, folder) == "\(folder.model): tensor 'conv1.weight': float_data holds 3 values, but dims [16, 1, 3, 1] need 48")
        m = base
        m.graph.initializer[w].rawData.replaceSubrange(8..<12, with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Data($0) })
        #expect(try importOutcome(m, folder) == "\(folder.model): tensor 'conv1.weight': value 2 is nan; expected finite values")
        m = base
        // All NaN.
        m.graph.initializer[index(m, initializer: "bn2.running_var")].rawData = Data(Array(repeating: [0x00, 0x00, 0xC0, 0x7F] as [UInt8], count: 32).joined())
        #expect(try importOutcome(m, folder)?.contains("tensor 'bn2.running_var': value 0 is nan") == true)
    }

    @Test func batchNormEpsilonMustBeFiniteInRange() throws {
        let folder = try Folder()
        defer { folder.clean() }
        for eps: Float in [.nan, .infinity, -1e-5, 2] {
            var m = exported()
            let n = index(m, node: "bn2")
            m.graph.node[n].attribute[0].f = eps
            #expect(
                try importOutcome(m, folder)
                    == "\(folder.model): BatchNormalization node 'bn2': attribute 'epsilon' is \(eps); expected a finite epsilon in 0…1")
        }
        // A valid epsilon other than 1e-5 is folded into the variance: the same as our model with that variance.
        var m = exported()
        m.graph.node[index(m, node: "bn2")].attribute[0].f = 1e-3
        try folder.write(m)
        let (back, _) = try ONNXImport.load(path: folder.model)
        let expected = ConvNet(.earthquake())
        expected.store.copyState(from: network().store)
        expected.store.withMutableValues(of: expected.store.require("bn2.running_var")) { v in
            for i in 0..<32 { v[i] += 1e-3 - 1e-5 }
        }
        // Bound: (var + 1e-3) and ((var + 1e-3 − 1e-5) + 1e-5) differ by at most two roundings of
        // the variance (2u relative), which moves 1/√(var + ε) by u and every logit by a few u
        // through the remaining layers; 1e-6 ≈ 17u leaves room for that propagation.
        #expect(maxRelativeError(back.forward(input, training: false).storage, expected.forward(input, training: false).storage).error < 1e-6)
    }

    /// Each attribute the importer does not implement is refused naming the operator, node and attribute.
    @Test func unimplementedAttributesAreRefused() throws {
        let folder = try Folder()
        defer { folder.clean() }
        func attribute(_ name: String, ints: [Int64]? = nil, int: Int64? = nil, float: Float? = nil, string: String? = nil) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            if let ints { a.type = .ints; a.ints = ints }
            if let int { a.type = .int; a.i = int }
            if let float { a.type = .float; a.f = float }
            if let string { a.type = .string; a.s = Data(string.utf8) }
            return a
        }
        let cases: [(String, Onnx_AttributeProto, String)] = [
            ("conv1", attribute("strides", ints: [2, 1]), "Conv node 'conv1': attribute 'strides' is [2, 1]; expected 1"),
            ("conv2", attribute("pads", ints: [1, 0, 1, 0]), "Conv node 'conv2': attribute 'pads' is [1, 0, 1, 0]; expected 0"),
            ("conv3", attribute("dilations", ints: [2, 1]), "attribute 'dilations' is [2, 1]; expected 1"),
            ("conv1", attribute("group", int: 2), "attribute 'group' is 2; expected 1"),
            ("conv1", attribute("auto_pad", string: "SAME_UPPER"), "attribute 'auto_pad' is 'SAME_UPPER'; expected NOTSET or VALID"),
            ("conv1", attribute("kernel_shape", ints: [3, 3]), "attribute 'kernel_shape' is [3, 3]; expected the weights' kernel [3, 1]"),
            ("conv1", attribute("fancy", int: 1), "Conv node 'conv1': attribute 'fancy' is present; expected only"),
            ("pool1", attribute("ceil_mode", int: 1), "MaxPool node 'pool1': attribute 'ceil_mode' is 1; expected 0 (floor)"),
            ("pool2", attribute("strides", ints: [1, 1]), "attribute 'strides' is [1, 1]; expected the kernel [3, 1]"),
            ("pool3", attribute("pads", ints: [0, 0, 1, 0]), "attribute 'pads' is [0, 0, 1, 0]; expected 0"),
            ("pool1", attribute("dilations", ints: [2, 1]), "attribute 'dilations' is [2, 1]; expected 1"),
            ("fc1", attribute("alpha", float: 2), "Gemm node 'fc1': attribute 'alpha' is 2.0; expected 1"),
            ("fc2", attribute("beta", float: 0), "attribute 'beta' is 0.0; expected 1"),
            ("fc3", attribute("transA", int: 1), "attribute 'transA' is 1; expected 0"),
            ("bn1", attribute("training_mode", int: 1), "attribute 'training_mode' is 1; expected 0 (inference mode)"),
            ("flatten", attribute("axis", int: 2), "Flatten node 'flatten': attribute 'axis' is 2; expected 1"),
            ("gelu1.erf", attribute("mode", int: 1), "Erf node 'gelu1.erf': attribute 'mode' is present; expected no attributes")
        ]
        for (node, a, expected) in cases {
            var m = exported()
            let n = index(m, node: node)
            m.graph.node[n].attribute.removeAll { $0.name == a.name }
            m.graph.node[n].attribute.append(a)
            let message = try #require(try importOutcome(m, folder), "\(node).\(a.name) accepted")
            #expect(message.hasPrefix(folder.model + ": ") && message.contains(expected), "\(message)")
        }
        // MaxPool without strides pools with stride 1: refused.
        var m = exported()
        m.graph.node[index(m, node: "pool1")].attribute.removeAll { $0.name == "strides" }
        #expect(try importOutcome(m, folder)?.contains("attribute 'strides' is absent (1)") == true)
    }

    /// GELU as PyTorch exports it (x / √2), as the opset-20 Gelu operator, and the tanh approximation refused.
    @Test func geluForms() throws {
        let folder = try Folder()
        defer { folder.clean() }
        // Div by √2 instead of Mul by 1/√2.
        var m = exported()
        var sqrt2 = m.graph.initializer[index(m, initializer: "gelu.inv_sqrt2")]
        sqrt2.name = "gelu.sqrt2"
        sqrt2.rawData = withUnsafeBytes(of: Float(2).squareRoot().bitPattern.littleEndian) { Data($0) }
        m.graph.initializer.append(sqrt2)
        for i in m.graph.node.indices where m.graph.node[i].name.hasSuffix(".mul_inv_sqrt2") {
            m.graph.node[i].opType = "Div"
            m.graph.node[i].input[1] = "gelu.sqrt2"
        }
        m.graph.initializer.remove(at: index(m, initializer: "gelu.inv_sqrt2"))
        #expect(try importOutcome(m, folder) == nil)
        // Opset 20: each erf pattern replaced by one Gelu node.
        func geluOperator(_ approximate: String?) -> Onnx_ModelProto {
            var m = exported()
            let prefixes = Set(m.graph.node.compactMap { n in n.name.hasSuffix(".erf") ? String(n.name.dropLast(4)) : nil })
            for p in prefixes {
                let first = index(m, node: "\(p).mul_inv_sqrt2")
                var g = Onnx_NodeProto()
                g.opType = "Gelu"
                g.name = p
                g.input = [m.graph.node[first].input[0]]
                g.output = ["\(p).out"]
                if let approximate {
                    var a = Onnx_AttributeProto()
                    a.name = "approximate"
                    a.type = .string
                    a.s = Data(approximate.utf8)
                    g.attribute = [a]
                }
                m.graph.node[first] = g
                m.graph.node.removeAll { $0.name.hasPrefix("\(p).") }
            }
            m.opsetImport[0].version = 20
            return m
        }
        #expect(try importOutcome(geluOperator(nil), folder) == nil)
        #expect(try importOutcome(geluOperator("none"), folder) == nil)
        let message = try #require(try importOutcome(geluOperator("tanh"), folder))
        #expect(
            message.contains("Gelu node 'gelu1': attribute 'approximate' is 'tanh'; expected 'none'") && message.contains("tanh approximation"), "\(message)")
        var old = geluOperator(nil)
        old.opsetImport[0].version = 17
        #expect(try importOutcome(old, folder)?.contains("a Gelu operator in a model of opset 17") == true)
        var contrib = exported()
        contrib.graph.node[index(contrib, node: "conv1")].domain = "com.example"
        #expect(try importOutcome(contrib, folder)?.contains("does not map to EarthquakeCNN/SpectrogramCNN: com.example.Conv") == true)
        // A wrong constant in the erf pattern.
        m = exported()
        m.graph.initializer[index(m, initializer: "gelu.half")].rawData = withUnsafeBytes(of: Float(0.6).bitPattern.littleEndian) { Data($0) }
        #expect(try importOutcome(m, folder)?.contains("something other than ½") == true)
    }

    /// Flatten written as Reshape to a constant shape: [0, -1] and [-1, 384] import, other shapes are refused.
    @Test func reshapeTargets() throws {
        let folder = try Folder()
        defer { folder.clean() }
        func reshaped(_ target: [Int64]) -> Onnx_ModelProto {
            var m = exported()
            let f = index(m, node: "flatten")
            m.graph.node[f].opType = "Reshape"
            m.graph.node[f].attribute = []
            m.graph.node[f].input.append("flatten.shape")
            var t = Onnx_TensorProto()
            t.name = "flatten.shape"
            t.dataType = 7
            t.dims = [Int64(target.count)]
            t.int64Data = target
            m.graph.initializer.append(t)
            return m
        }
        #expect(try importOutcome(reshaped([0, -1]), folder) == nil)
        #expect(try importOutcome(reshaped([-1, 384]), folder) == nil)
        #expect(try importOutcome(reshaped([-1, 96]), folder)?.contains("a Reshape to [N, 96]; the last block has 384 features") == true)
        for target: [Int64] in [[384, -1], [0, 0], [0, -1, 1]] {
            #expect(try importOutcome(reshaped(target), folder)?.contains("a Reshape to a shape other than [N, features]") == true, "\(target)")
        }
    }

    @Test func nodesOffThePathAreRefused() throws {
        let folder = try Folder()
        defer { folder.clean() }
        var m = exported()
        var extra = Onnx_NodeProto()
        extra.opType = "Mul"
        extra.name = "stray"
        extra.input = ["fc1.weight", "gelu.half"]
        extra.output = ["stray.out"]
        m.graph.node.append(extra)
        #expect(
            try importOutcome(m, folder) == "\(folder.model): not the reference's network: 1 node(s) are not part of the reference network, first Mul 'stray'")
        m = exported()
        m.graph.node[index(m, node: "gelu1.erf")].opType = "Tanh"
        #expect(try importOutcome(m, folder)?.contains("operators this importer does not map to EarthquakeCNN/SpectrogramCNN: Tanh") == true)
    }

    /// Structure-aware fuzzing: initializer dims, data type, bytes and values, and node attributes
    /// mutated. Each case is refused with an ONNXImportError, or imports with the original logits.
    @Test func initializerAndAttributeMutationsImportEqualOrThrow() throws {
        let folder = try Folder()
        defer { folder.clean() }
        let base = exported()
        var rng = TestRNG(seed: 33)
        let ints: [Int64] = [0, 1, 2, 3, -1, 1 << 40, .max, .min]
        let floats: [Float] = [0, 1, -1, 0.5, 1e-5, 1e30, .nan, .infinity, -.infinity]
        var refused = 0, accepted = 0
        for _ in 0..<1200 {
            var m = base
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                if Bool.random(using: &rng) {
                    let i = Int.random(in: 0..<m.graph.initializer.count, using: &rng)
                    var t = m.graph.initializer[i]
                    switch Int.random(in: 0..<6, using: &rng) {
                    case 0: if !t.dims.isEmpty { t.dims[Int.random(in: 0..<t.dims.count, using: &rng)] = ints.randomElement(using: &rng)! }
                    case 1: t.dims.append(ints.randomElement(using: &rng)!)
                    case 2: t.rawData = t.rawData.prefix(Int.random(in: 0..<max(t.rawData.count, 1), using: &rng))
                    case 3: t.dataType = [0, 2, 6, 7, 10, 11].randomElement(using: &rng)!
                    case 4:
                        let at = Int.random(in: 0..<(t.rawData.count / 4), using: &rng) * 4
                        let bad = [Float.nan, .infinity, -.infinity].randomElement(using: &rng)!
                        t.rawData.replaceSubrange(at..<(at + 4), with: withUnsafeBytes(of: bad.bitPattern.littleEndian) { Data($0) })
                    default: t.rawData.append(contentsOf: [0, 0, 0, 0])
                    }
                    m.graph.initializer[i] = t
                } else {
                    let n = Int.random(in: 0..<m.graph.node.count, using: &rng)
                    var node = m.graph.node[n]
                    if !node.attribute.isEmpty, Bool.random(using: &rng) {
                        let a = Int.random(in: 0..<node.attribute.count, using: &rng)
                        switch node.attribute[a].type {
                        case .ints: node.attribute[a].ints[Int.random(in: 0..<node.attribute[a].ints.count, using: &rng)] = ints.randomElement(using: &rng)!
                        case .int: node.attribute[a].i = ints.randomElement(using: &rng)!
                        case .float where node.attribute[a].name != "epsilon": node.attribute[a].f = floats.randomElement(using: &rng)!
                        default: node.attribute.remove(at: a)
                        }
                    } else {
                        var a = Onnx_AttributeProto()
                        a.name = ["strides", "pads", "axis", "alpha", "group", "ceil_mode", "approximate", "unknown"].randomElement(using: &rng)!
                        a.type = .int
                        a.i = ints.randomElement(using: &rng)!
                        node.attribute.append(a)
                    }
                    m.graph.node[n] = node
                }
            }
            if try importOutcome(m, folder) == nil { accepted += 1 } else { refused += 1 }
        }
        #expect(refused > 900, "\(refused) refused, \(accepted) accepted")
    }
}
