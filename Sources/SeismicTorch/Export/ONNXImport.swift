// ONNXImport: an ONNX file exported from the PyTorch reference, read back into a ConvNet checkpoint.

import Foundation
import SeismicNN
import SeismicONNX
import SwiftProtobuf

/// Why an ONNX file could not be imported.
public enum ONNXImportError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unsupportedOps(path: String, ops: [String])
    case unrecognised(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): not a readable ONNX model: \(r)"
        case .unsupportedOps(let p, let ops):
            return "\(p): the graph uses operators this importer does not map to EarthquakeCNN/SpectrogramCNN: \(ops.joined(separator: ", "))"
        case .unrecognised(let p, let r): return "\(p): not the reference's network: \(r)"
        }
    }
}

/// Reads the reference network from ONNX by matching the graph: three Conv (each followed by
/// BatchNormalization, or with BatchNorm already folded into it), GELU as `Gelu` or its Erf
/// pattern, MaxPool, Dropout/Identity (ignored), Flatten or Reshape, and three Gemm (or MatMul +
/// Add). Exports of opset 10 to 20 from `torch.onnx.export` look like this.
public enum ONNXImport {
    static let structural: Set<String> = ["Conv", "BatchNormalization", "MaxPool", "Gemm", "MatMul", "Add", "Mul", "Div", "Erf",
                                          "Gelu", "Flatten", "Reshape", "Dropout", "Identity", "Constant", "Shape", "Gather",
                                          "Unsqueeze", "Concat", "Cast", "Sub", "Sqrt", "Pow", "Tanh"]

    public static func load(path: String) throws -> (model: ConvNet, card: ModelCard) {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ONNXImportError.unreadable(path: path, reason: "\(error)")
        }
        let g = proto.graph
        let unsupported = Set(g.node.map(\.opType)).subtracting(structural)
        if !unsupported.isEmpty { throw ONNXImportError.unsupportedOps(path: path, ops: unsupported.sorted()) }
        // Constant tensors by name: initializers and Constant nodes.
        var constants: [String: (dims: [Int], values: [Float])] = [:]
        func decode(_ t: Onnx_TensorProto) -> (dims: [Int], values: [Float])? {
            guard t.dataType == 1 else { return nil }
            let values: [Float] = t.rawData.isEmpty ? t.floatData : t.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return (t.dims.map { Int($0) }, values)
        }
        for t in g.initializer { if let d = decode(t) { constants[t.name] = d } }
        for n in g.node where n.opType == "Constant" {
            if let a = n.attribute.first(where: { $0.name == "value" }), let d = decode(a.t), let out = n.output.first { constants[out] = d }
        }
        func attr(_ n: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? { n.attribute.first { $0.name == name } }

        var convs: [(w: (dims: [Int], values: [Float]), b: [Float]?)] = []
        var norms: [(g: [Float], b: [Float], m: [Float], v: [Float], eps: Float)?] = []
        var linears: [(w: (dims: [Int], values: [Float]), b: [Float]?, transposed: Bool)] = []
        var pools: [[Int]] = []
        var erfCount = 0, geluCount = 0
        for n in g.node {
            switch n.opType {
            case "Conv":
                guard n.input.count >= 2, let w = constants[n.input[1]], w.dims.count == 4 else {
                    throw ONNXImportError.unrecognised(path: path, reason: "a Conv without constant 4-D weights")
                }
                if let s = attr(n, "strides"), s.ints.contains(where: { $0 != 1 }) { throw ONNXImportError.unrecognised(path: path, reason: "a strided Conv") }
                if let p = attr(n, "pads"), p.ints.contains(where: { $0 != 0 }) { throw ONNXImportError.unrecognised(path: path, reason: "a padded Conv") }
                convs.append((w, n.input.count > 2 ? constants[n.input[2]]?.values : nil))
                norms.append(nil)
            case "BatchNormalization":
                guard n.input.count == 5, let s = constants[n.input[1]], let b = constants[n.input[2]], let m = constants[n.input[3]],
                      let v = constants[n.input[4]], !norms.isEmpty else {
                    throw ONNXImportError.unrecognised(path: path, reason: "a BatchNormalization that does not follow a Conv")
                }
                norms[norms.count - 1] = (s.values, b.values, m.values, v.values, attr(n, "epsilon")?.f ?? 1e-5)
            case "MaxPool":
                pools.append(attr(n, "kernel_shape").map { $0.ints.map { Int($0) } } ?? [])
            case "Gemm":
                guard n.input.count >= 2, let w = constants[n.input[1]], w.dims.count == 2 else {
                    throw ONNXImportError.unrecognised(path: path, reason: "a Gemm without constant weights")
                }
                linears.append((w, n.input.count > 2 ? constants[n.input[2]]?.values : nil, (attr(n, "transB")?.i ?? 0) == 1))
            case "MatMul":
                if let w = constants[n.input[1]], w.dims.count == 2 { linears.append((w, nil, false)) }
            case "Add":
                // MatMul + Add: the bias of the last linear layer.
                if let last = linears.last, last.b == nil, let b = n.input.compactMap({ constants[$0] }).first, b.dims.count <= 1,
                   b.values.count == (last.transposed ? last.w.dims[0] : last.w.dims[1]) {
                    linears[linears.count - 1].b = b.values
                }
            case "Erf": erfCount += 1
            case "Gelu": geluCount += 1
            default: break
            }
        }
        guard convs.count == 3, linears.count == 3 else {
            throw ONNXImportError.unrecognised(path: path, reason: "found \(convs.count) Conv and \(linears.count) fully connected layers; the reference has 3 and 3")
        }
        guard erfCount + geluCount >= 5 else {
            throw ONNXImportError.unrecognised(path: path, reason: "found \(erfCount + geluCount) GELU activations (Erf or Gelu); the reference has 5")
        }
        let conv1 = convs[0].w.dims
        let classes = linears[2].transposed ? linears[2].w.dims[0] : linears[2].w.dims[1]
        var card: ModelCard
        if conv1 == [16, 1, 3, 1] {
            card = .earthquakePretraining()
            card.architecture = .earthquake(classCount: classes)
        } else if conv1 == [48, 3, 3, 3] {
            card = .spectrogramEvents()
            card.architecture = .spectrogram(classCount: classes)
        } else {
            throw ONNXImportError.unrecognised(path: path, reason: "conv1 weights \(conv1); expected [16, 1, 3, 1] or [48, 3, 3, 3]")
        }
        if pools.count == 3, pools.contains(where: { $0 != card.architecture.pool }) {
            throw ONNXImportError.unrecognised(path: path, reason: "max-pool kernels \(pools), expected \(card.architecture.pool)")
        }
        let props = Dictionary(proto.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let names = props["class_names"]?.split(separator: ",").map(String.init)
        card.classNames = names?.count == classes ? names! : (classes == 3 ? ["P-wave", "S-wave", "Noise"] : (classes == 2 ? ["Event", "Noise"] : (0..<classes).map { "class\($0)" }))
        card.notes["source"] = "imported from ONNX \((path as NSString).lastPathComponent) (\(proto.producerName) \(proto.producerVersion))"

        let model = ConvNet(card.architecture)
        let store = model.store
        do {
            for (i, c) in convs.enumerated() {
                let p = "conv\(i + 1)", bn = "bn\(i + 1)"
                let out = c.w.dims[0]
                try store.set("\(p).weight", c.w.values, shape: c.w.dims)
                try store.set("\(p).bias", c.b ?? [Float](repeating: 0, count: out), shape: [out])
                if let n = norms[i] {
                    // ONNX epsilon may differ from 1e-5: fold the difference into the variance.
                    try store.set("\(bn).weight", n.g, shape: [out])
                    try store.set("\(bn).bias", n.b, shape: [out])
                    try store.set("\(bn).running_mean", n.m, shape: [out])
                    try store.set("\(bn).running_var", n.v.map { $0 + n.eps - 1e-5 }, shape: [out])
                } else {
                    // BatchNorm folded into the Conv: make ours the identity, √(var + ε) = 1.
                    try store.set("\(bn).weight", [Float](repeating: 1, count: out), shape: [out])
                    try store.set("\(bn).bias", [Float](repeating: 0, count: out), shape: [out])
                    try store.set("\(bn).running_mean", [Float](repeating: 0, count: out), shape: [out])
                    try store.set("\(bn).running_var", [Float](repeating: 1 - 1e-5, count: out), shape: [out])
                }
            }
            for (i, l) in linears.enumerated() {
                let p = "fc\(i + 1)"
                var w = l.w.values
                var dims = l.w.dims
                if !l.transposed {  // [in, out] → [out, in]
                    let (r, c) = (dims[0], dims[1])
                    w = (0..<(r * c)).map { k in l.w.values[(k % r) * c + k / r] }
                    dims = [c, r]
                }
                try store.set("\(p).weight", w, shape: dims)
                try store.set("\(p).bias", l.b ?? [Float](repeating: 0, count: dims[0]), shape: [dims[0]])
            }
        } catch {
            throw ONNXImportError.unrecognised(path: path, reason: "\(error)")
        }
        return (model, card)
    }
}
