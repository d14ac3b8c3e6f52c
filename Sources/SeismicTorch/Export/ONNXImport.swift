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
    /// An initializer or constant whose dims, bytes or values are unusable.
    case badTensor(path: String, tensor: String, reason: String)
    /// A tensor stored as external data that cannot be read safely.
    case externalData(path: String, tensor: String, reason: String)
    /// An operator attribute this importer does not honour (or an unknown one).
    case attribute(path: String, node: String, op: String, attribute: String, value: String, expected: String)
    /// The imported network is not one this code can build, or holds unusable weights.
    case invalidModel(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): not a readable ONNX model: \(r)"
        case .unsupportedOps(let p, let ops):
            return "\(p): the graph uses operators this importer does not map to EarthquakeCNN/SpectrogramCNN: \(ops.joined(separator: ", "))"
        case .unrecognised(let p, let r): return "\(p): not the reference's network: \(r)"
        case .badTensor(let p, let t, let r): return "\(p): tensor '\(t)': \(r)"
        case .externalData(let p, let t, let r): return "\(p): tensor '\(t)': external data: \(r)"
        case .attribute(let p, let n, let op, let a, let v, let e):
            return "\(p): \(op) node '\(n)': attribute '\(a)' is \(v); expected \(e)"
        case .invalidModel(let p, let r): return "\(p): \(r)"
        }
    }
}

/// Reads the reference network from ONNX by following the graph from its input: three blocks of
/// Conv → BatchNormalization (or BatchNorm already folded into the Conv) → GELU → MaxPool, with
/// Dropout/Identity allowed between layers; Flatten (axis 1) or Reshape; then Gemm (or MatMul + Add)
/// layers with GELU between them. GELU is the `Gelu` operator (opset 20, `approximate` "none") or its
/// erf pattern x · (1 + Erf(x / √2)) · ½ (the division may be a multiplication by 1/√2, the ½ may be
/// applied to x first). Every attribute of every operator is checked: the importer honours
/// Conv strides 1, pads 0, dilations 1, group 1, auto_pad NOTSET/VALID, kernel_shape equal to the
/// weights'; MaxPool strides equal to kernel_shape, pads 0, dilations 1, ceil_mode 0; Gemm alpha 1,
/// beta 1, transA 0, transB 0/1; BatchNormalization epsilon finite in [0, 1], training_mode 0
/// (momentum is irrelevant at inference); Flatten axis 1. Any other value, unknown attribute,
/// operator off the path, or a node the network does not use is refused, so an imported model
/// computes what ONNX Runtime computes or is not imported.
public enum ONNXImport {
    static let structural: Set<String> = [
        "Conv", "BatchNormalization", "MaxPool", "Gemm", "MatMul", "Add", "Mul", "Div", "Erf",
        "Gelu", "Flatten", "Reshape", "Dropout", "Identity", "Constant", "Shape", "Gather",
        "Unsqueeze", "Concat", "Cast", "Slice", "Squeeze"
    ]
    /// Operators allowed only to compute a Reshape's target shape.
    static let shapeOps: Set<String> = ["Constant", "Shape", "Gather", "Unsqueeze", "Concat", "Cast", "Slice", "Squeeze"]
    /// BatchNormalization epsilon accepted.
    public static let epsilonRange: ClosedRange<Float> = 0...1

    /// The files `load(path:)` reads: the model and the external data files its initializers name
    /// (locations relative to the model's folder), so that a caller never writes over one of them.
    /// Throws `ONNXImportError.unreadable` when the model is not ONNX.
    public static func inputFiles(path: String) throws -> [String] {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ONNXImportError.unreadable(path: path, reason: "\(error)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let locations = proto.graph.initializer.filter { $0.dataLocation == .external }
            .compactMap { $0.externalData.first { $0.key == "location" }?.value }
        return [path] + Set(locations).sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

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
        // Operators of other domains share names, not semantics; Gelu exists from opset 20 on.
        if let n = g.node.first(where: { !["", "ai.onnx"].contains($0.domain) }) {
            throw ONNXImportError.unsupportedOps(path: path, ops: ["\(n.domain).\(n.opType)"])
        }
        let opset = proto.opsetImport.first { ["", "ai.onnx"].contains($0.domain) }?.version ?? 0
        if opset < 20, g.node.contains(where: { $0.opType == "Gelu" }) {
            throw ONNXImportError.unrecognised(path: path, reason: "a Gelu operator in a model of opset \(opset); Gelu exists from opset 20 on")
        }
        var matcher = try GraphMatcher(g, path: path)
        let network = try matcher.match()

        let conv1 = network.convs[0].w.dims
        let last = network.linears[network.linears.count - 1]
        let classes = last.w.dims[last.transposed ? 0 : 1]
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
        guard network.convs.count == card.architecture.channels.count, network.linears.count == card.architecture.hidden.count + 1 else {
            throw ONNXImportError.unrecognised(
                path: path, reason: "found \(network.convs.count) Conv and \(network.linears.count) fully connected layers; the reference has 3 and 3")
        }
        if let f = network.flattenedFeatures, f != card.architecture.flattenedFeatures {
            throw ONNXImportError.unrecognised(path: path, reason: "a Reshape to [N, \(f)]; the last block has \(card.architecture.flattenedFeatures) features")
        }
        if network.pools.contains(where: { $0 != card.architecture.pool }) {
            throw ONNXImportError.unrecognised(path: path, reason: "max-pool kernels \(network.pools), expected \(card.architecture.pool)")
        }
        // Metadata (as our exporter writes it) is used when present and refused when it contradicts
        // the graph; absent, the reference's values stand.
        var props: [String: String] = [:]
        for p in proto.metadataProps {
            guard props[p.key] == nil else { throw ONNXImportError.invalidModel(path: path, reason: "metadata '\(p.key)' is given twice") }
            props[p.key] = p.value
        }
        func badMetadata(_ key: String, _ expected: String) -> ONNXImportError {
            .invalidModel(path: path, reason: "metadata '\(key)' is '\(props[key] ?? "")'; expected \(expected)")
        }
        if let text = props["class_names"] {
            let names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard names.count == classes else { throw badMetadata("class_names", "\(classes) comma-separated names, one per output") }
            card.classNames = names
        } else {
            card.classNames = classes == 3 ? ["P-wave", "S-wave", "Noise"] : (classes == 2 ? ["Event", "Noise"] : (0..<classes).map { "class\($0)" })
        }
        if let text = props["sampling_rate_hz"] {
            guard let rate = Double(text), rate.isFinite, rate > 0 else { throw badMetadata("sampling_rate_hz", "a finite rate in Hz") }
            card.samplingRateHz = rate
        }
        if let text = props["window_samples"] {
            guard let n = Int(text), n > 0 else { throw badMetadata("window_samples", "a positive number of samples") }
            card.windowSamples = n
        }
        if let text = props["component_order"] {
            let codes = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard codes.count == card.componentOrder.count else {
                throw badMetadata("component_order", "\(card.componentOrder.count) comma-separated component codes")
            }
            card.componentOrder = codes
        }
        if let text = props["preprocessing"] {
            do { card.preprocessing = try JSONDecoder().decode(type(of: card.preprocessing), from: Data(text.utf8)) } catch {
                throw badMetadata("preprocessing", "the model card's preprocessing as JSON (\(error))")
            }
        }
        card.notes["source"] = "imported from ONNX \((path as NSString).lastPathComponent) (\(proto.producerName) \(proto.producerVersion))"
        do { try card.validate() } catch { throw ONNXImportError.invalidModel(path: path, reason: "\(error)") }

        let model = ConvNet(card.architecture)
        let store = model.store
        do {
            for (i, c) in network.convs.enumerated() {
                let p = "conv\(i + 1)", bn = "bn\(i + 1)"
                let out = c.w.dims[0]
                try store.set("\(p).weight", c.w.values, shape: c.w.dims)
                try store.set("\(p).bias", c.b ?? [Float](repeating: 0, count: out), shape: [out])
                if let n = network.norms[i] {
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
            for (i, l) in network.linears.enumerated() {
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
        do { try Checkpoint.validateValues(model, path: path) } catch {
            throw ONNXImportError.invalidModel(path: path, reason: "\(error)".replacingOccurrences(of: "\(path): ", with: ""))
        }
        return (model, card)
    }
}

/// The layers found by `GraphMatcher`, in order.
struct MatchedNetwork {
    typealias Constant = (dims: [Int], values: [Float])
    var convs: [(w: Constant, b: [Float]?)] = []
    var norms: [(g: [Float], b: [Float], m: [Float], v: [Float], eps: Float)?] = []
    var pools: [[Int]] = []
    var linears: [(w: Constant, b: [Float]?, transposed: Bool)] = []
    /// The feature count a constant Reshape target names, when it names one.
    var flattenedFeatures: Int?
}

/// Follows an ONNX graph from its input along the reference network's layers, checking every
/// operator's attributes and marking the nodes it uses; refuses anything else.
struct GraphMatcher {
    let graph: Onnx_GraphProto
    let path: String
    let tensors: ONNXTensorData
    /// Float constants by name (initializers and Constant nodes), decoded on first use.
    private var sources: [String: Onnx_TensorProto] = [:]
    private var decoded: [String: MatchedNetwork.Constant] = [:]
    private var producer: [String: Int] = [:]
    private var consumers: [String: [Int]] = [:]
    private var used = Set<Int>()

    init(_ graph: Onnx_GraphProto, path: String) throws(ONNXImportError) {
        self.graph = graph
        self.path = path
        tensors = ONNXTensorData(modelPath: path)
        for t in graph.initializer {
            guard sources[t.name] == nil else {
                throw .badTensor(path: path, tensor: t.name, reason: "defined twice; initializer names must be unique")
            }
            sources[t.name] = t
        }
        for (i, n) in graph.node.enumerated() {
            for o in n.output where !o.isEmpty { producer[o] = i }
            for input in n.input where !input.isEmpty { consumers[input, default: []].append(i) }
            if n.opType == "Constant" {
                for a in n.attribute where a.name != "value" {
                    throw attributeError(n, a.name, "present", "only 'value' on a Constant")
                }
                if let a = n.attribute.first(where: { $0.name == "value" }), let out = n.output.first { sources[out] = a.t }
            }
        }
    }

    private func unrecognised(_ reason: String) -> ONNXImportError { .unrecognised(path: path, reason: reason) }

    private func attributeError(_ n: Onnx_NodeProto, _ attribute: String, _ value: String, _ expected: String) -> ONNXImportError {
        .attribute(path: path, node: n.name.isEmpty ? n.output.first ?? "?" : n.name, op: n.opType, attribute: attribute, value: value, expected: expected)
    }

    /// A float constant by name, or nil when `name` is computed by the graph.
    private mutating func constant(_ name: String) throws(ONNXImportError) -> MatchedNetwork.Constant? {
        if let d = decoded[name] { return d }
        guard let t = sources[name] else { return nil }
        let d = try tensors.floats(t)
        decoded[name] = d
        if let p = producer[name] { used.insert(p) }
        return d
    }

    /// A single-valued float constant.
    private mutating func scalar(_ name: String) throws(ONNXImportError) -> Float? {
        guard let c = try constant(name), c.values.count == 1 else { return nil }
        return c.values[0]
    }

    /// Checks `n`'s attributes: each must be in `allowed`, of the right type, and accepted by its check.
    private func checkAttributes(_ n: Onnx_NodeProto, _ allowed: [String: (Onnx_AttributeProto) -> String?]) throws(ONNXImportError) {
        for a in n.attribute {
            guard let check = allowed[a.name] else {
                throw attributeError(n, a.name, "present", allowed.isEmpty ? "no attributes" : "only \(allowed.keys.sorted().joined(separator: ", "))")
            }
            if let expected = check(a) { throw attributeError(n, a.name, Self.show(a), expected) }
        }
    }

    static func show(_ a: Onnx_AttributeProto) -> String {
        switch a.type {
        case .float: return "\(a.f)"
        case .int: return "\(a.i)"
        case .string: return "'\(String(decoding: a.s, as: UTF8.self))'"
        case .ints: return "\(a.ints)"
        case .floats: return "\(a.floats)"
        default: return "of type \(a.type)"
        }
    }

    private static func ints(_ expected: @escaping ([Int64]) -> Bool, _ text: String) -> (Onnx_AttributeProto) -> String? {
        { a in a.type == .ints && expected(a.ints) ? nil : text }
    }
    private static func int(_ allowed: Set<Int64>, _ text: String) -> (Onnx_AttributeProto) -> String? {
        { a in a.type == .int && allowed.contains(a.i) ? nil : text }
    }
    private static func string(_ allowed: Set<String>, _ text: String) -> (Onnx_AttributeProto) -> String? {
        { a in a.type == .string && allowed.contains(String(decoding: a.s, as: UTF8.self)) ? nil : text }
    }
    private static var anything: (Onnx_AttributeProto) -> String? { { _ in nil } }

    /// The one unused node reading `tensor`, which must be of one of `ops`.
    private func soleConsumer(_ tensor: String, _ ops: Set<String>, _ what: String) throws(ONNXImportError) -> Int {
        let c = (consumers[tensor] ?? []).filter { !used.contains($0) }
        guard c.count == 1, ops.contains(graph.node[c[0]].opType) else {
            throw unrecognised("\(what): '\(tensor)' is read by \(c.map { graph.node[$0].opType }) instead of one \(ops.sorted().joined(separator: "/"))")
        }
        return c[0]
    }

    /// Skips Identity and inference-mode Dropout nodes after `tensor`.
    private mutating func skipIdentities(_ tensor: String) throws(ONNXImportError) -> String {
        var x = tensor
        while let c = consumers[x]?.filter({ !used.contains($0) }), c.count == 1, ["Identity", "Dropout"].contains(graph.node[c[0]].opType) {
            let n = graph.node[c[0]]
            if n.opType == "Dropout" {
                try checkAttributes(n, ["ratio": Self.anything, "seed": Self.anything, "is_test": Self.anything])
                // opset 12+: inputs (data, ratio, training_mode); a training_mode input could switch dropout on.
                guard n.input.count < 3 || n.input[2].isEmpty else { throw unrecognised("a Dropout with a training_mode input") }
                guard n.output.count == 1 || n.output.dropFirst().allSatisfy({ (consumers[$0] ?? []).isEmpty }) else {
                    throw unrecognised("a Dropout whose mask is used")
                }
            } else {
                try checkAttributes(n, [:])
            }
            used.insert(c[0])
            x = n.output[0]
        }
        return x
    }

    /// GELU after `x`: the Gelu operator or its erf pattern. Returns the activation's output.
    private mutating func gelu(_ x: String, _ what: String) throws(ONNXImportError) -> String {
        let readers = (consumers[x] ?? []).filter { !used.contains($0) }
        if readers.count == 1, graph.node[readers[0]].opType == "Gelu" {
            let n = graph.node[readers[0]]
            try checkAttributes(
                n,
                [
                    "approximate": Self.string(
                        ["none"],
                        "'none' (the model's GELU is the exact erf form; the tanh approximation differs and is not imported)")
                ])
            used.insert(readers[0])
            return n.output[0]
        }
        guard readers.count == 2 else { throw unrecognised("\(what): expected GELU (Gelu, or x · (1 + Erf(x / √2)) · ½) after '\(x)'") }
        let root2 = Float(2).squareRoot()
        // The scaling x / √2 (Div) or x · 1/√2 (Mul), and the other reader of x.
        var scaleNode: Int?
        for r in readers {
            let n = graph.node[r]
            guard n.input.count == 2, n.input.contains(x) else { continue }
            let other = n.input[0] == x ? n.input[1] : n.input[0]
            if n.opType == "Div", n.input[0] == x, let c = try scalar(other), abs(c - root2) <= 1e-6 { scaleNode = r }
            if n.opType == "Mul", let c = try scalar(other), abs(c - 1 / root2) <= 1e-6 { scaleNode = r }
        }
        guard let s = scaleNode else { throw unrecognised("\(what): no x / √2 of a GELU erf pattern after '\(x)'") }
        let otherReader = readers.first { $0 != s }!
        for i in [s] { try checkAttributes(graph.node[i], [:]); used.insert(i) }
        let erf = try soleConsumer(graph.node[s].output[0], ["Erf"], what)
        try checkAttributes(graph.node[erf], [:]); used.insert(erf)
        let add = try soleConsumer(graph.node[erf].output[0], ["Add"], what)
        let addNode = graph.node[add]
        guard addNode.input.count == 2, let one = try scalar(addNode.input[0] == graph.node[erf].output[0] ? addNode.input[1] : addNode.input[0]), one == 1
        else {
            throw unrecognised("\(what): the GELU erf pattern adds something other than 1")
        }
        try checkAttributes(addNode, [:]); used.insert(add)
        let onePlus = addNode.output[0]
        let xReader = graph.node[otherReader]
        guard xReader.opType == "Mul", xReader.input.count == 2 else { throw unrecognised("\(what): GELU erf pattern without x · (1 + erf)") }
        try checkAttributes(xReader, [:]); used.insert(otherReader)
        let xOther = xReader.input[0] == x ? xReader.input[1] : xReader.input[0]
        if xOther == onePlus {
            // x · (1 + erf), then · ½.
            let half = try soleConsumer(xReader.output[0], ["Mul"], what)
            let h = graph.node[half]
            guard h.input.count == 2, let c = try scalar(h.input[0] == xReader.output[0] ? h.input[1] : h.input[0]), c == 0.5 else {
                throw unrecognised("\(what): the GELU erf pattern multiplies by something other than ½")
            }
            try checkAttributes(h, [:]); used.insert(half)
            return h.output[0]
        }
        // (x · ½) · (1 + erf).
        guard let c = try scalar(xOther), c == 0.5 else { throw unrecognised("\(what): the GELU erf pattern multiplies x by something other than ½") }
        let product = try soleConsumer(onePlus, ["Mul"], what)
        let p = graph.node[product]
        guard p.input.count == 2, Set(p.input) == [onePlus, xReader.output[0]] else { throw unrecognised("\(what): GELU erf pattern without ½x · (1 + erf)") }
        try checkAttributes(p, [:]); used.insert(product)
        return p.output[0]
    }

    /// Marks the nodes that compute a Reshape's shape input (shape arithmetic only).
    private mutating func markShapeComputation(_ tensor: String) throws(ONNXImportError) {
        guard let p = producer[tensor], !used.contains(p) else { return }
        let n = graph.node[p]
        guard ONNXImport.shapeOps.contains(n.opType) else { throw unrecognised("a Reshape whose shape is computed by \(n.opType)") }
        used.insert(p)
        for i in n.input where !i.isEmpty && i != graph.input.first?.name { try markShapeComputation(i) }
    }

    mutating func match() throws(ONNXImportError) -> MatchedNetwork {
        let initializerNames = Set(graph.initializer.map(\.name))
        let inputs = graph.input.map(\.name).filter { !initializerNames.contains($0) }
        guard inputs.count == 1 else { throw unrecognised("\(inputs.count) graph inputs; the reference has one") }
        var net = MatchedNetwork()
        var x = try skipIdentities(inputs[0])
        // Convolution blocks: as many as there are Conv nodes on the path (the card check wants 3).
        while let c = consumers[x]?.filter({ !used.contains($0) }), c.count == 1, graph.node[c[0]].opType == "Conv" {
            let i = net.convs.count + 1
            let n = graph.node[c[0]]
            used.insert(c[0])
            guard n.input.count >= 2, n.input[0] == x, let w = try constant(n.input[1]), w.dims.count == 4 else {
                throw unrecognised("a Conv without constant 4-D weights")
            }
            let bias = n.input.count > 2 && !n.input[2].isEmpty ? try constant(n.input[2]) : nil
            if n.input.count > 2, !n.input[2].isEmpty, bias?.dims != [w.dims[0]] { throw unrecognised("Conv \(i): bias is not a constant [\(w.dims[0])]") }
            try checkAttributes(
                n,
                [
                    "kernel_shape": Self.ints({ $0 == [Int64(w.dims[2]), Int64(w.dims[3])] }, "the weights' kernel [\(w.dims[2]), \(w.dims[3])]"),
                    "strides": Self.ints({ $0.allSatisfy { $0 == 1 } }, "1 (only unit strides are implemented)"),
                    "pads": Self.ints({ $0.allSatisfy { $0 == 0 } }, "0 (no padding is implemented)"),
                    "dilations": Self.ints({ $0.allSatisfy { $0 == 1 } }, "1 (no dilation is implemented)"),
                    "group": Self.int([1], "1 (grouped convolution is not implemented)"),
                    "auto_pad": Self.string(["NOTSET", "VALID"], "NOTSET or VALID (no padding is implemented)")
                ])
            net.convs.append((w, bias?.values))
            net.norms.append(nil)
            x = try skipIdentities(n.output[0])
            if let b = consumers[x]?.filter({ !used.contains($0) }), b.count == 1, graph.node[b[0]].opType == "BatchNormalization" {
                let n = graph.node[b[0]]
                used.insert(b[0])
                guard n.input.count == 5, n.output.filter({ !$0.isEmpty }).count == 1 else {
                    throw unrecognised("BatchNormalization \(i): expected 5 inputs and 1 output (inference mode)")
                }
                var parts: [[Float]] = []
                for name in n.input[1...] {
                    guard let c = try constant(name), c.dims == [w.dims[0]] else {
                        throw unrecognised("BatchNormalization \(i): '\(name)' is not a constant [\(w.dims[0])]")
                    }
                    parts.append(c.values)
                }
                try checkAttributes(
                    n,
                    [
                        "epsilon": { a in a.type == .float && a.f.isFinite && ONNXImport.epsilonRange.contains(a.f) ? nil : "a finite epsilon in 0…1" },
                        "momentum": Self.anything,
                        "training_mode": Self.int([0], "0 (inference mode)"),
                        "spatial": Self.int([1], "1 (per-channel statistics)"),
                        "is_test": Self.anything
                    ])
                let eps = n.attribute.first { $0.name == "epsilon" }?.f ?? 1e-5
                net.norms[net.norms.count - 1] = (parts[0], parts[1], parts[2], parts[3], eps)
                x = try skipIdentities(n.output[0])
            }
            x = try skipIdentities(try gelu(x, "block \(i)"))
            let p = try soleConsumer(x, ["MaxPool"], "block \(i)")
            let pool = graph.node[p]
            used.insert(p)
            guard pool.output.filter({ !$0.isEmpty }).count == 1 else { throw unrecognised("MaxPool \(i): its indices output is used") }
            guard let k = pool.attribute.first(where: { $0.name == "kernel_shape" }), k.type == .ints, k.ints.count == 2 else {
                throw attributeError(pool, "kernel_shape", "missing", "a 2-D kernel")
            }
            let kernel = k.ints.map { Int($0) }
            try checkAttributes(
                pool,
                [
                    "kernel_shape": Self.anything,
                    "strides": Self.ints({ $0 == k.ints }, "the kernel \(k.ints) (non-overlapping pooling is implemented)"),
                    "pads": Self.ints({ $0.allSatisfy { $0 == 0 } }, "0 (no padding is implemented)"),
                    "dilations": Self.ints({ $0.allSatisfy { $0 == 1 } }, "1 (no dilation is implemented)"),
                    "ceil_mode": Self.int([0], "0 (floor)"),
                    "storage_order": Self.anything,  // affects only the Indices output, refused above
                    "auto_pad": Self.string(["NOTSET", "VALID"], "NOTSET or VALID (no padding is implemented)")
                ])
            guard pool.attribute.contains(where: { $0.name == "strides" }) || kernel == [1, 1] else {
                throw attributeError(pool, "strides", "absent (1)", "the kernel \(k.ints) (non-overlapping pooling is implemented)")
            }
            net.pools.append(kernel)
            x = try skipIdentities(pool.output[0])
        }
        guard !net.convs.isEmpty else { throw unrecognised("no Conv reads the graph input") }
        // Flatten to [N, features].
        let f = try soleConsumer(x, ["Flatten", "Reshape"], "after the last block")
        let flat = graph.node[f]
        used.insert(f)
        if flat.opType == "Flatten" {
            try checkAttributes(flat, ["axis": Self.int([1], "1 ([N, C·H·W])")])
        } else {
            try checkAttributes(flat, ["allowzero": Self.int([0], "0")])
            guard flat.input.count == 2 else { throw unrecognised("a Reshape without a shape") }
            if let shape = sources[flat.input[1]] {
                // A constant target: [0 or -1 (the batch), -1 or the feature count].
                let values: [Int64] =
                    shape.rawData.isEmpty
                    ? shape.int64Data
                    : shape.rawData.count == 16
                        ? shape.rawData.withUnsafeBytes { r in (0..<2).map { Int64(littleEndian: r.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) } }
                        : []
                guard shape.dataType == 7, shape.dims == [2], values.count == 2, [0, -1].contains(values[0]), values[1] == -1 || values[1] > 0 else {
                    throw unrecognised("a Reshape to a shape other than [N, features]")
                }
                if values[1] > 0 { net.flattenedFeatures = Int(values[1]) }
                if let p = producer[flat.input[1]] { used.insert(p) }
            } else {
                try markShapeComputation(flat.input[1])
            }
        }
        x = try skipIdentities(flat.output[0])
        // Fully connected layers, GELU between them; the last one's output is the graph's.
        let outputs = Set(graph.output.map(\.name))
        while true {
            let i = net.linears.count + 1
            let l = try soleConsumer(x, ["Gemm", "MatMul"], "fully connected layer \(i)")
            let n = graph.node[l]
            used.insert(l)
            guard n.input.count >= 2, n.input[0] == x, let w = try constant(n.input[1]), w.dims.count == 2 else {
                throw unrecognised("fully connected layer \(i) without constant 2-D weights")
            }
            var transposed = false
            var bias: [Float]?
            var out = n.output[0]
            if n.opType == "Gemm" {
                try checkAttributes(
                    n,
                    [
                        "alpha": { $0.type == .float && $0.f == 1 ? nil : "1" },
                        "beta": { $0.type == .float && $0.f == 1 ? nil : "1" },
                        "transA": Self.int([0], "0"), "transB": Self.int([0, 1], "0 or 1")
                    ])
                transposed = n.attribute.first { $0.name == "transB" }?.i == 1
                if n.input.count > 2, !n.input[2].isEmpty {
                    let outFeatures = w.dims[transposed ? 0 : 1]
                    guard let b = try constant(n.input[2]), b.dims == [outFeatures] || b.dims == [1, outFeatures] else {
                        throw unrecognised("Gemm \(i): bias is not a constant [\(outFeatures)]")
                    }
                    bias = b.values
                }
            } else {
                try checkAttributes(n, [:])
                if let a = consumers[out]?.filter({ !used.contains($0) }), a.count == 1, graph.node[a[0]].opType == "Add" {
                    let addNode = graph.node[a[0]]
                    let other = addNode.input.first { $0 != out } ?? ""
                    if addNode.input.count == 2, let b = try constant(other), b.dims == [w.dims[1]] {
                        try checkAttributes(addNode, [:])
                        used.insert(a[0])
                        bias = b.values
                        out = addNode.output[0]
                    }
                }
            }
            net.linears.append((w, bias, transposed))
            out = try skipIdentities(out)
            if outputs.contains(out) { break }
            x = try skipIdentities(try gelu(out, "after fully connected layer \(i)"))
        }
        let unused = graph.node.indices.filter { !used.contains($0) }
        if let u = unused.first {
            let n = graph.node[u]
            throw unrecognised("\(unused.count) node(s) are not part of the reference network, first \(n.opType) '\(n.name)'")
        }
        return net
    }
}
