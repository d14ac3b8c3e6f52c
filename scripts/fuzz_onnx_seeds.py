#!/usr/bin/env python3
"""Writes the ONNX fuzz seeds in Tests/Fixtures/fuzz-seeds/onnx/: the reference EarthquakeCNN graph built with
onnx.helper (random weights), once with Gelu (opset 20) and once with the erf GELU pattern (opset 17)."""
import numpy as np, onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T
rng = np.random.default_rng(3)
def build(opset, erf):
    nodes, inits = [], []
    def init(name, shape, scale=0.3, positive=False):
        a = rng.uniform(0.5, 1.5, shape) if positive else rng.standard_normal(shape) * scale
        inits.append(nh.from_array(a.astype(np.float32), name))
        return name
    def gelu(x, tag):
        if not erf:
            nodes.append(h.make_node("Gelu", [x], [tag + "_g"], name=tag + "_gelu")); return tag + "_g"
        inits.append(nh.from_array(np.array(1.4142135, np.float32), tag + "_sqrt2"))
        inits.append(nh.from_array(np.array(1.0, np.float32), tag + "_one"))
        inits.append(nh.from_array(np.array(0.5, np.float32), tag + "_half"))
        nodes.extend([h.make_node("Div", [x, tag + "_sqrt2"], [tag + "_d"], name=tag + "_div"),
                      h.make_node("Erf", [tag + "_d"], [tag + "_e"], name=tag + "_erf"),
                      h.make_node("Add", [tag + "_e", tag + "_one"], [tag + "_a"], name=tag + "_add"),
                      h.make_node("Mul", [x, tag + "_a"], [tag + "_m"], name=tag + "_mul"),
                      h.make_node("Mul", [tag + "_m", tag + "_half"], [tag + "_g"], name=tag + "_mul2")])
        return tag + "_g"
    x, c = "modelInput", [1, 16, 32, 64]
    for i in range(3):
        k = f"conv{i+1}"
        nodes.append(h.make_node("Conv", [x, init(k + ".weight", (c[i+1], c[i], 3, 1)), init(k + ".bias", (c[i+1],))], [k], name=k,
                                 kernel_shape=[3, 1], strides=[1, 1], pads=[0, 0, 0, 0], dilations=[1, 1], group=1))
        b = f"bn{i+1}"
        nodes.append(h.make_node("BatchNormalization", [k, init(b + ".weight", (c[i+1],), positive=True), init(b + ".bias", (c[i+1],)),
                                 init(b + ".running_mean", (c[i+1],)), init(b + ".running_var", (c[i+1],), positive=True)], [b], name=b, epsilon=1e-5))
        g = gelu(b, f"act{i+1}")
        p = f"pool{i+1}"
        nodes.append(h.make_node("MaxPool", [g], [p], name=p, kernel_shape=[3, 1], strides=[3, 1]))
        x = p
    nodes.append(h.make_node("Flatten", [x], ["flat"], name="flatten", axis=1)); x = "flat"
    dims = [384, 64, 16, 3]
    for i in range(3):
        f = f"fc{i+1}"
        out = "modelOutput" if i == 2 else f
        nodes.append(h.make_node("Gemm", [x, init(f + ".weight", (dims[i+1], dims[i]), 0.1), init(f + ".bias", (dims[i+1],))], [out], name=f, transB=1))
        x = out if i == 2 else gelu(f, f"fcact{i+1}")
    g = h.make_graph(nodes, "EarthquakeCNN", [h.make_tensor_value_info("modelInput", T.FLOAT, ["batch", 1, 80, 3])],
                     [h.make_tensor_value_info("modelOutput", T.FLOAT, ["batch", 3])], inits)
    m = h.make_model(g, opset_imports=[h.make_operatorsetid("", opset)], producer_name="fuzz-seed")
    onnx.checker.check_model(m)
    return m
onnx.save(build(20, False), "Tests/Fixtures/fuzz-seeds/onnx/earthquake-gelu-opset20.onnx")
onnx.save(build(17, True), "Tests/Fixtures/fuzz-seeds/onnx/earthquake-erf-opset17.onnx")
