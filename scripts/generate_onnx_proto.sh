#!/usr/bin/env bash
# Regenerates Sources/SeismicONNX/onnx.pb.swift from the official onnx.proto (shipped in the `onnx`
# pip package) with protoc and swift-protobuf's protoc-gen-swift. Run by hand when ONNX changes;
# the generated file is committed, so neither CI nor users ever build the plugin.
# Needs: protoc (Debian protobuf-compiler), a protoc-gen-swift built from swift-protobuf 1.39.0.
set -euo pipefail
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift)}
proto_dir=$(python3 -c "import onnx, os; print(os.path.dirname(onnx.__file__))")
protoc --plugin=protoc-gen-swift="$plugin" --swift_out=Sources/SeismicONNX --swift_opt=Visibility=Public \
  -I "$proto_dir" "$proto_dir/onnx.proto"
echo "wrote Sources/SeismicONNX/onnx.pb.swift from $proto_dir/onnx.proto"
