// ONNXExport: a ConvNet as an ONNX model (opset 17) — the reference's torch.onnx.export graph.

import Foundation
import SeismicIO
import SeismicNN
import SeismicONNX
import SwiftProtobuf

/// Writes a network as ONNX: input `modelInput` [batch, C, H, W] with a dynamic batch axis, output
/// `modelOutput` (logits), weights inside the file. Per block: Conv → BatchNormalization →
/// GELU (as x·½·(1 + Erf(x/√2)), opset 17 has no Gelu) → MaxPool; then Flatten and Gemm (transB)
/// layers with GELU between them. Dropout is the identity at inference and is not emitted. The
/// model card (classes, sampling, preprocessing) goes into `metadata_props`.
public enum ONNXExport {
    public static let opset: Int64 = 17
    public static let inputName = "modelInput", outputName = "modelOutput"

    static let floatType: Int32 = 1  // TensorProto.FLOAT

    static func tensor(_ name: String, _ values: [Float], _ dims: [Int]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = floatType
        t.dims = dims.map(Int64.init)
        t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian hosts
        return t
    }

    static func attribute(_ name: String, ints: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = ints.map(Int64.init)
        return a
    }

    static func attribute(_ name: String, int: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(int)
        return a
    }

    static func attribute(_ name: String, float: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = float
        return a
    }

    static func node(
        _ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [Onnx_AttributeProto] = [],
        name: String
    ) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.attribute = attributes
        n.name = name
        return n
    }

    static func valueInfo(_ name: String, dims: [Int?]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = floatType
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "batch" }
            return dim
        }
        t.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = t
        v.type = type
        return v
    }

    /// The ONNX model of `model` with `card` in its metadata.
    public static func model(_ model: ConvNet, card: ModelCard) -> Onnx_ModelProto {
        let store = model.store
        var graph = Onnx_GraphProto()
        graph.name = card.architecture.name
        var initializers: [Onnx_TensorProto] = []
        var nodes: [Onnx_NodeProto] = []
        func weight(_ name: String) -> String {
            initializers.append(tensor(name, store.tensor(name).storage, store.require(name).shape))
            return name
        }
        // Shared constants of the erf form of GELU.
        initializers.append(tensor("gelu.inv_sqrt2", [Float(0.70710678118654752)], []))
        initializers.append(tensor("gelu.one", [1], []))
        initializers.append(tensor("gelu.half", [0.5], []))
        func gelu(_ x: String, _ prefix: String) -> String {
            nodes.append(node("Mul", [x, "gelu.inv_sqrt2"], ["\(prefix).scaled"], name: "\(prefix).mul_inv_sqrt2"))
            nodes.append(node("Erf", ["\(prefix).scaled"], ["\(prefix).erf"], name: "\(prefix).erf"))
            nodes.append(node("Add", ["\(prefix).erf", "gelu.one"], ["\(prefix).one_plus"], name: "\(prefix).add_one"))
            nodes.append(node("Mul", [x, "\(prefix).one_plus"], ["\(prefix).x_phi2"], name: "\(prefix).mul_x"))
            nodes.append(node("Mul", ["\(prefix).x_phi2", "gelu.half"], ["\(prefix).out"], name: "\(prefix).mul_half"))
            return "\(prefix).out"
        }
        var current = inputName
        let arch = card.architecture
        for i in 1...arch.channels.count {
            let conv = "conv\(i)", bn = "bn\(i)"
            nodes.append(
                node(
                    "Conv", [current, weight("\(conv).weight"), weight("\(conv).bias")], ["\(conv).out"],
                    [
                        attribute("kernel_shape", ints: arch.kernel), attribute("strides", ints: [1, 1]),
                        attribute("pads", ints: [0, 0, 0, 0])
                    ], name: conv))
            nodes.append(
                node(
                    "BatchNormalization",
                    [
                        "\(conv).out", weight("\(bn).weight"), weight("\(bn).bias"),
                        weight("\(bn).running_mean"), weight("\(bn).running_var")
                    ], ["\(bn).out"],
                    [attribute("epsilon", float: 1e-5)], name: bn))
            let act = gelu("\(bn).out", "gelu\(i)")
            nodes.append(
                node(
                    "MaxPool", [act], ["pool\(i).out"], [attribute("kernel_shape", ints: arch.pool), attribute("strides", ints: arch.pool)],
                    name: "pool\(i)"))
            current = "pool\(i).out"
        }
        nodes.append(node("Flatten", [current], ["flatten.out"], [attribute("axis", int: 1)], name: "flatten"))
        current = "flatten.out"
        let layers = arch.hidden.count + 1
        for i in 1...layers {
            let fc = "fc\(i)"
            let out = i == layers ? outputName : "\(fc).out"
            nodes.append(node("Gemm", [current, weight("\(fc).weight"), weight("\(fc).bias")], [out], [attribute("transB", int: 1)], name: fc))
            current = i == layers ? out : gelu(out, "gelu_fc\(i)")
        }
        graph.node = nodes
        graph.initializer = initializers
        graph.input = [valueInfo(inputName, dims: [nil] + arch.inputShape)]
        graph.output = [valueInfo(outputName, dims: [nil, arch.classCount])]

        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "SeismicTorch"
        m.producerVersion = SeismicTorchVersion.current
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opset17
        m.opsetImport = [opset]
        m.graph = graph
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var props: [(String, String)] = [
            ("class_names", card.classNames.joined(separator: ",")),
            ("sampling_rate_hz", String(card.samplingRateHz)),
            ("window_samples", String(card.windowSamples)),
            ("component_order", card.componentOrder.joined(separator: ","))
        ]
        if let json = try? encoder.encode(card.preprocessing) { props.append(("preprocessing", String(decoding: json, as: UTF8.self))) }
        m.metadataProps = props.map { k, v in
            var e = Onnx_StringStringEntryProto()
            e.key = k
            e.value = v
            return e
        }
        return m
    }

    private static let opset17 = opset

    /// Serialises the model to `path` atomically.
    public static func write(_ model: ConvNet, card: ModelCard, to path: String) throws {
        let data: Data = try Self.model(model, card: card).serializedBytes()
        try AtomicFile.write(data, to: path)
    }
}
