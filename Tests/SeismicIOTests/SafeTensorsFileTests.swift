// Tests of the safetensors reader against the format's specification: every malformed header is a
// typed error naming the file and the tensor.

import Foundation
import SeismicIO
import TestSupport
import Testing

/// A safetensors file from a header text and a data buffer (the header is not padded).
func safetensorsBytes(header: String, buffer: [UInt8]) -> Data {
    var out = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: Array(header.utf8))
    out.append(contentsOf: buffer)
    return out
}

@Suite struct SafeTensorsFileTests {
    private func load(_ header: String, _ bufferBytes: Int) throws -> SafeTensorsFile {
        try SafeTensorsFile(data: safetensorsBytes(header: header, buffer: [UInt8](repeating: 0, count: bufferBytes)), path: "m.safetensors")
    }

    private func expectBadTensor(
        _ header: String, _ bufferBytes: Int, tensor: String, saying text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(sourceLocation: sourceLocation) { try load(header, bufferBytes) } throws: { error in
            guard case .badTensor(let p, let t, let reason)? = error as? SafeTensorsError else { return false }
            return p == "m.safetensors" && t == tensor && reason.contains(text)
        }
    }

    private func expectMalformed(
        _ header: String, _ bufferBytes: Int, saying text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(sourceLocation: sourceLocation) { try load(header, bufferBytes) } throws: { error in
            guard case .malformed(let p, let reason)? = error as? SafeTensorsError else { return false }
            return p == "m.safetensors" && reason.contains(text)
        }
    }

    @Test func writtenFilesReadBack() throws {
        let file = SafeTensorsFile(
            tensors: [
                "b": .init(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3]), "a": .init(int64: 7),
                "empty": .init(float32: [], shape: [0, 4])
            ],
            metadata: ["card": "{\"x\": 1}", "é": "ü\u{1F600}"])
        let back = try SafeTensorsFile(data: file.encoded())
        #expect(back.tensors == file.tensors)
        #expect(back.metadata == file.metadata)
    }

    @Test func theIssuesOffsetOfMinusTwoToTheSixtyThreeIsATypedError() {
        expectBadTensor(
            #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-9223372036854775808,4]}}"#, 4,
            tensor: "w", saying: "data_offsets [-9223372036854775808, 4] are not a range inside the 4-byte data buffer")
        // Beyond Int64 (u64 offsets) is not an integer here.
        expectBadTensor(
            #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}"#, 4,
            tensor: "w", saying: "expected two integers")
    }

    @Test func shapeProductsThatOverflowAreTypedErrors() {
        expectBadTensor(
            #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, 4,
            tensor: "w", saying: "overflows the byte count")
        expectBadTensor(
            #"{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,4]}}"#, 4,
            tensor: "w", saying: "overflows")
    }

    @Test func shapesAndOffsetsMustBeJSONIntegers() {
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[3.0],"data_offsets":[0,12]}}"#, 12, tensor: "w", saying: "has 3.0")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[-3],"data_offsets":[0,12]}}"#, 12, tensor: "w", saying: "integers ≥ 0")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,1.2e1]}}"#, 12, tensor: "w", saying: "expected two integers")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0]}}"#, 12, tensor: "w", saying: "expected two integers")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":"3","data_offsets":[0,12]}}"#, 12, tensor: "w", saying: "expected a list")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[3]}}"#, 12, tensor: "w", saying: "no data_offsets")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12],"x":1}}"#, 12, tensor: "w", saying: "unknown field 'x'")
        expectBadTensor(#"{"w":[1]}"#, 0, tensor: "w", saying: "expected an object")
    }

    @Test func byteLengthMustEqualDTypeTimesShape() {
        expectBadTensor(
            #"{"conv1.weight":{"dtype":"F32","shape":[16,1,3,1],"data_offsets":[0,4]}}"#, 4,
            tensor: "conv1.weight", saying: "data_offsets [0, 4] hold 4 bytes, but F32 × [16, 1, 3, 1] needs 192")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,4]}}"#, 8, tensor: "w", saying: "not a range")
        expectBadTensor(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 4, tensor: "w", saying: "inside the 4-byte")
    }

    @Test func rangesMustNotOverlapAndMustCoverTheBuffer() {
        expectBadTensor(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4,
            tensor: "b", saying: "overlap tensor 'a'")
        expectBadTensor(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8,
            tensor: "b", saying: "overlap")
        expectMalformed(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, saying: "bytes 0..<4 of the data buffer belong to no tensor")
        expectMalformed(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 12, saying: "has 12 bytes but the tensors cover only 4")
        expectMalformed(#"{}"#, 1, saying: "cover only 0")
        // Zero-length tensors at the same place as another tensor's start are fine.
        #expect(
            (try? load(#"{"z":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4))?.tensors.count == 2)
    }

    @Test func dtypesOtherThanTheSupportedOnesAreNamed() {
        #expect(throws: SafeTensorsError.unsupportedDType(path: "m.safetensors", tensor: "w", dtype: "BF16")) {
            try load(#"{"w":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}"#, 2)
        }
        expectBadTensor(#"{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, 4, tensor: "w", saying: "dtype is 4")
    }

    @Test func headerLengthAndJSONAreChecked() throws {
        var huge = Data()
        withUnsafeBytes(of: UInt64.max.littleEndian) { huge.append(contentsOf: $0) }
        huge.append(contentsOf: Array("{}".utf8))
        #expect(throws: SafeTensorsError.malformed(path: "x", reason: "header length 18446744073709551615 exceeds the limit of 100000000 bytes")) {
            try SafeTensorsFile(data: huge, path: "x")
        }
        var long = safetensorsBytes(header: "{}", buffer: [])
        long[0] = 9
        #expect(throws: SafeTensorsError.malformed(path: "x", reason: "header length 9 runs past the end of the 10-byte file")) {
            try SafeTensorsFile(data: long, path: "x")
        }
        expectMalformed(" {}", 0, saying: "does not begin with '{'")
        expectMalformed("{} x", 0, saying: "unexpected text after the JSON value")
        expectMalformed(
            #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#, 0,
            saying: "name \"a\" appears twice")
        expectMalformed("{\"a\":" + String(repeating: "[", count: 100_000), 0, saying: "nested deeper than")
        expectMalformed(#"{"__metadata__":{"k":1}}"#, 0, saying: "__metadata__ 'k' is 1, expected a string")
        expectMalformed(#"{"__metadata__":["k"]}"#, 0, saying: "expected an object of strings")
        expectMalformed("{\"a\u{01}\":1}", 0, saying: "control character")
        // Trailing spaces (the writers' 8-byte padding) are allowed.
        #expect((try? load("{}      ", 0))?.tensors.isEmpty == true)
    }

    /// The fuzzer's seeds, written by a Python writer following the specification (header
    /// padded to 8 bytes, __metadata__ first, I64 scalar, an empty tensor), must load.
    @Test func pythonWrittenSeedFilesLoad() throws {
        let dir = Fixtures.path("fuzz-seeds/safetensors")
        let conv = try SafeTensorsFile(contentsOf: dir + "/conv.safetensors")
        #expect(conv.tensors["conv1.weight"]?.shape == [2, 1, 3, 1])
        #expect(conv.tensors["conv1.weight"]?.floats == [0, 1, 2, 3, 4, 5])
        #expect(conv.tensors["bn.num_batches_tracked"]?.firstInteger == 3)
        #expect(conv.metadata["card"] == "{\"classes\": [\"Event\", \"Noise\"]}")
        let dtypes = try SafeTensorsFile(contentsOf: dir + "/dtypes.safetensors")
        #expect(dtypes.tensors["b"]?.dtype == .i32 && dtypes.tensors["b"]?.floats == [0, 1, 2, 3])
        #expect(dtypes.tensors["empty"]?.shape == [0, 3] && dtypes.tensors["empty"]?.bytes.isEmpty == true)
        #expect(try SafeTensorsFile(contentsOf: dir + "/empty.safetensors").tensors.isEmpty)
    }
}
