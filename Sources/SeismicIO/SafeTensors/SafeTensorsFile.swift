// SafeTensorsFile: the safetensors format (8-byte header length, JSON header, raw little-endian data).

import Foundation

/// Element types we read and write.
public enum SafeTensorsDType: String, Sendable, Codable {
    case f32 = "F32", f64 = "F64", i64 = "I64", i32 = "I32", i16 = "I16"
    public var byteWidth: Int {
        switch self {
        case .f32, .i32: return 4
        case .f64, .i64: return 8
        case .i16: return 2
        }
    }
}

public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .malformed(let p, let r): return "\(p): not a valid safetensors file: \(r)"
        case .unsupportedDType(let p, let t, let d): return "\(p): tensor \(t) has dtype \(d); F32, F64, I64, I32 and I16 are supported"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        }
    }
}

/// A set of named tensors plus string metadata, as `safetensors.torch.save_file` writes them.
public struct SafeTensorsFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public var dtype: SafeTensorsDType
        public var shape: [Int]
        /// Little-endian element bytes.
        public var bytes: [UInt8]

        public init(dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) {
            precondition(bytes.count == shape.reduce(1, *) * dtype.byteWidth, "bytes do not match shape")
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        public init(float32 values: [Float], shape: [Int]) {
            self.init(dtype: .f32, shape: shape, bytes: values.withUnsafeBytes { Array($0) })
        }

        public init(int64 value: Int64) {
            self.init(dtype: .i64, shape: [], bytes: withUnsafeBytes(of: value.littleEndian) { Array($0) })
        }

        /// Values as Float (F32 exactly, F64 rounded, integers converted).
        public var floats: [Float] {
            let n = shape.reduce(1, *)
            return bytes.withUnsafeBytes { raw in
                (0..<n).map { i -> Float in
                    switch dtype {
                    case .f32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    case .f64: return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    case .i64: return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                    case .i32: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                    case .i16: return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                    }
                }
            }
        }

        /// The first value as an integer (for int64 counters).
        public var firstInteger: Int64? {
            guard !bytes.isEmpty else { return nil }
            return bytes.withUnsafeBytes { raw in
                switch dtype {
                case .i64: return Int64(littleEndian: raw.loadUnaligned(as: Int64.self))
                case .i32: return Int64(Int32(littleEndian: raw.loadUnaligned(as: Int32.self)))
                case .i16: return Int64(Int16(littleEndian: raw.loadUnaligned(as: Int16.self)))
                default: return nil
                }
            }
        }
    }

    public var tensors: [String: Entry]
    public var metadata: [String: String]

    public init(tensors: [String: Entry] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    // MARK: Reading

    public init(contentsOf path: String) throws(SafeTensorsError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw .cannotOpen(path: path, reason: error.localizedDescription)
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<memory>") throws(SafeTensorsError) {
        guard data.count >= 8 else { throw .malformed(path: path, reason: "\(data.count) bytes, too short for the header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw .malformed(path: path, reason: "header length \(headerLength) exceeds the file size \(data.count)")
        }
        let start = data.startIndex + 8
        let headerData = data[start..<(start + Int(headerLength))]
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw .malformed(path: path, reason: "the header is not a JSON object")
        }
        let base = start + Int(headerLength)
        let payload = data.count - 8 - Int(headerLength)
        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw .malformed(path: path, reason: "__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw .malformed(path: path, reason: "metadata \(k) is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2
            else { throw .malformed(path: path, reason: "tensor \(name) lacks dtype, shape or data_offsets") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw .unsupportedDType(path: path, tensor: name, dtype: dtypeName)
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw .malformed(path: path, reason: "tensor \(name) has shape \(shape)") }
            let (count, overflow) = shape.reduce(1, *).multipliedReportingOverflow(by: dtype.byteWidth)
            guard !overflow, offsets[0] >= 0, offsets[1] - offsets[0] == count, offsets[1] <= payload else {
                throw .malformed(path: path, reason: "tensor \(name): offsets \(offsets) do not fit shape \(shape) and the \(payload)-byte payload")
            }
            tensors[name] = Entry(dtype: dtype, shape: shape, bytes: Array(data[(base + offsets[0])..<(base + offsets[1])]))
        }
        self.init(tensors: tensors, metadata: metadata)
    }

    // MARK: Writing

    /// The file's bytes: tensors in name order, header padded with spaces to 8 bytes.
    public func encoded() -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let e = tensors[name]!
            header[name] = ["dtype": e.dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]] as [String: Any]
            offset += e.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names { out.append(contentsOf: tensors[name]!.bytes) }
        return out
    }

    /// Writes atomically: a temporary file in the same folder, renamed into place.
    public func write(to path: String) throws(SafeTensorsError) {
        do { try encoded().write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
