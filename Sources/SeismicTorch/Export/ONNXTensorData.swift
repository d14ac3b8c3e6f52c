// ONNXTensorData: the float32 values of an ONNX TensorProto — inline (raw_data / float_data) or external data — checked.

import Foundation
import SeismicIO
import SeismicONNX

/// Reads float tensors of one ONNX model file. External data (`data_location` EXTERNAL with
/// `location`, `offset`, `length` in `external_data`) is read from a file in the model's folder.
struct ONNXTensorData {
    /// The model file (for error messages) and its folder (external data locations are relative to it).
    let path: String
    let folder: String

    /// The largest tensor read (2²⁸ float32 values = 1 GiB).
    static let maximumValues = 1 << 28

    init(modelPath: String) {
        path = modelPath
        folder = URL(fileURLWithPath: modelPath).deletingLastPathComponent().path
    }

    private func bad(_ t: Onnx_TensorProto, _ reason: String) -> ONNXImportError {
        .badTensor(path: path, tensor: t.name, reason: reason)
    }

    /// Dims (each ≥ 0, product ≤ `maximumValues`) and values of a FLOAT tensor; the byte count must
    /// be exactly product(dims) × 4 and every value finite. Throws `ONNXImportError.badTensor`.
    func floats(_ t: Onnx_TensorProto) throws(ONNXImportError) -> (dims: [Int], values: [Float]) {
        guard t.dataType == 1 else { throw bad(t, "data type \(t.dataType); expected 1 (FLOAT)") }
        var count = 1
        for d in t.dims {
            guard d >= 0, d <= Int64(Self.maximumValues) else { throw bad(t, "dims \(t.dims); expected extents in 0…\(Self.maximumValues)") }
            let (p, o) = count.multipliedReportingOverflow(by: Int(d))
            guard !o, p <= Self.maximumValues else { throw bad(t, "dims \(t.dims) hold more than \(Self.maximumValues) values") }
            count = p
        }
        let byteCount = count * 4  // ≤ 2³⁰
        let values: [Float]
        if t.dataLocation == .external {
            guard t.rawData.isEmpty, t.floatData.isEmpty else { throw bad(t, "external data and inline data together") }
            values = Self.decode(try externalBytes(t, byteCount: byteCount))
        } else if !t.rawData.isEmpty {
            guard t.floatData.isEmpty else { throw bad(t, "both raw_data and float_data") }
            guard t.rawData.count == byteCount else {
                throw bad(t, "raw_data holds \(t.rawData.count) bytes, but FLOAT × \(t.dims) needs \(byteCount)")
            }
            values = Self.decode(t.rawData)
        } else {
            guard t.floatData.count == count else {
                throw bad(t, "float_data holds \(t.floatData.count) values, but dims \(t.dims) need \(count)")
            }
            values = t.floatData
        }
        if let i = values.firstIndex(where: { !$0.isFinite }) { throw bad(t, "value \(i) is \(values[i]); expected finite values") }
        return (t.dims.map { Int($0) }, values)
    }

    /// Little-endian float32 values of `bytes` (count a multiple of 4).
    private static func decode(_ bytes: Data) -> [Float] {
        bytes.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// The `byteCount` bytes an external tensor points at. `location` must be a relative path that
    /// stays inside the model's folder (no `..`, no symbolic link leading out), `offset` and `length`
    /// non-negative integers inside the file, and `length` (when given) equal to `byteCount`.
    private func externalBytes(_ t: Onnx_TensorProto, byteCount: Int) throws(ONNXImportError) -> Data {
        func fail(_ reason: String) -> ONNXImportError { .externalData(path: path, tensor: t.name, reason: reason) }
        var entries: [String: String] = [:]
        for e in t.externalData {
            guard ["location", "offset", "length", "checksum"].contains(e.key) else {
                throw fail("unknown external_data key '\(e.key)'; expected location, offset, length, checksum")
            }
            guard entries[e.key] == nil else { throw fail("external_data key '\(e.key)' given twice") }
            entries[e.key] = e.value
        }
        guard let location = entries["location"], !location.isEmpty else { throw fail("no location") }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw fail("location '\(location)' leaves the model's folder; expected a path relative to \(folder)")
        }
        let named = (folder as NSString).appendingPathComponent(location)
        // Resolved by the kernel's rules (realpath), and then only the resolved path is opened, so
        // what is checked is what is read.
        guard let realFolder = OutputPaths.realPath(folder.isEmpty ? "." : folder), let file = OutputPaths.realPath(named) else {
            throw fail("the external data file \(named) does not exist or cannot be read")
        }
        guard file.hasPrefix(realFolder.hasSuffix("/") ? realFolder : realFolder + "/") else {
            throw fail("location '\(location)' resolves to \(file), outside the model's folder \(realFolder)")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            let size = (attributes[.size] as? NSNumber)?.intValue
        else {
            throw fail("the external data file \(file) does not exist or cannot be read")
        }
        func integer(_ key: String) throws(ONNXImportError) -> Int? {
            guard let text = entries[key] else { return nil }
            guard let v = Int(text), v >= 0 else { throw fail("\(key) '\(text)'; expected a non-negative integer") }
            return v
        }
        let offset = try integer("offset") ?? 0
        let length = try integer("length") ?? byteCount
        guard length == byteCount else { throw fail("length \(length) bytes, but FLOAT × \(t.dims) needs \(byteCount)") }
        let (end, o) = offset.addingReportingOverflow(length)
        guard !o, end <= size else { throw fail("bytes \(offset)..<\(o ? Int.max : end) lie outside \(file) (\(size) bytes)") }
        guard let handle = FileHandle(forReadingAtPath: file) else { throw fail("cannot open \(file)") }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: length) ?? Data()
            guard data.count == length else { throw fail("read \(data.count) of \(length) bytes from \(file)") }
            return data
        } catch let e as ONNXImportError {
            throw e
        } catch {
            throw fail("cannot read \(file): \(error)")
        }
    }
}
