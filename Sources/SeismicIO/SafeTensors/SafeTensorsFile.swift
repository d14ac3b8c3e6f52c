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

/// Everything that can be wrong with a safetensors file from outside. Each case names the file;
/// problems of one tensor name the tensor too.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    /// The file as a whole: header length, header JSON, the data buffer's coverage.
    case malformed(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// One tensor's entry: dtype, shape or data_offsets do not describe its bytes.
    case badTensor(path: String, tensor: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .malformed(let p, let r): return "\(p): not a valid safetensors file: \(r)"
        case .unsupportedDType(let p, let t, let d): return "\(p): tensor '\(t)' has dtype \(d); F32, F64, I64, I32 and I16 are supported"
        case .badTensor(let p, let t, let r): return "\(p): tensor '\(t)': \(r)"
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
        if InputPaths.isFolder(path) { throw .cannotOpen(path: path, reason: InputPaths.folderReason(expected: "a safetensors checkpoint")) }
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw .cannotOpen(path: path, reason: error.localizedDescription)
        }
        try self.init(data: data, path: path)
    }

    /// Largest header the reader accepts, in bytes (the reference implementation's limit).
    public static let maxHeaderBytes: UInt64 = 100_000_000

    /// Parses a safetensors file held in memory; `path` is only used in error messages.
    ///
    /// Checks the file against the format's specification: an 8-byte little-endian header length
    /// that fits in the file (at most `maxHeaderBytes`); a UTF-8 JSON object beginning with `{`
    /// (trailing spaces allowed) without duplicate names; `__metadata__`, if present, a string →
    /// string map; every other member a tensor with exactly `dtype`, `shape` (JSON integers ≥ 0)
    /// and `data_offsets` (two JSON integers, begin ≤ end, inside the data buffer) whose byte
    /// length equals the element count × dtype width (computed with overflow checks); and the
    /// tensors' ranges, sorted, tile the data buffer exactly: no overlap, no hole, nothing after.
    /// Anything else throws `SafeTensorsError` naming the file and, where it applies, the tensor.
    public init(data: Data, path: String = "<memory>") throws(SafeTensorsError) {
        guard data.count >= 8 else { throw .malformed(path: path, reason: "\(data.count) bytes, too short for the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= Self.maxHeaderBytes else {
            throw .malformed(path: path, reason: "header length \(headerLength) exceeds the limit of \(Self.maxHeaderBytes) bytes")
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw .malformed(path: path, reason: "header length \(headerLength) runs past the end of the \(data.count)-byte file")
        }
        let start = data.startIndex + 8
        let base = start + Int(headerLength)
        let headerBytes = data[start..<base]
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw .malformed(path: path, reason: "the header does not begin with '{'")
        }
        let json: HeaderJSON
        do { json = try HeaderJSON.parse(headerBytes) } catch {
            throw .malformed(path: path, reason: "the header is not valid JSON: \(error)")
        }
        guard case .object(let members) = json else { throw .malformed(path: path, reason: "the header is not a JSON object") }
        let buffer = data.count - 8 - Int(headerLength)
        var metadata: [String: String] = [:]
        var ranges: [(name: String, begin: Int, end: Int)] = []
        var infos: [(name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let m) = value else {
                    throw .malformed(path: path, reason: "__metadata__ is \(value.text()), expected an object of strings")
                }
                for (k, v) in m {
                    guard case .string(let s) = v else {
                        throw .malformed(path: path, reason: "__metadata__ '\(k)' is \(v.text()), expected a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            let info = try Self.tensorInfo(name, value, bufferBytes: buffer, path: path)
            ranges.append((name, info.begin, info.end))
            infos.append((name, info.dtype, info.shape, info.begin, info.end))
        }
        // The ranges must tile the buffer: sorted by begin (then end), each begins where the last ended.
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        var previous: String? = nil
        for r in ranges {
            if r.begin < covered {
                throw .badTensor(
                    path: path, tensor: r.name, reason: "data_offsets [\(r.begin), \(r.end)] overlap tensor '\(previous ?? "")', which ends at \(covered)")
            }
            if r.begin > covered {
                throw .malformed(
                    path: path, reason: "bytes \(covered)..<\(r.begin) of the data buffer belong to no tensor (tensor '\(r.name)' begins at \(r.begin))")
            }
            covered = r.end
            previous = r.name
        }
        guard covered == buffer else {
            throw .malformed(path: path, reason: "the data buffer has \(buffer) bytes but the tensors cover only \(covered)")
        }
        // Copied only now that the ranges tile the buffer: the copies add up to the file's size.
        var tensors: [String: Entry] = [:]
        for info in infos {
            tensors[info.name] = Entry(dtype: info.dtype, shape: info.shape, bytes: Array(data[(base + info.begin)..<(base + info.end)]))
        }
        self.init(tensors: tensors, metadata: metadata)
    }

    /// One tensor's header entry, checked: dtype, shape and byte range inside a `bufferBytes` buffer.
    private static func tensorInfo(_ name: String, _ value: HeaderJSON, bufferBytes: Int, path: String)
        throws(SafeTensorsError) -> (dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int)
    {
        func bad(_ reason: String) -> SafeTensorsError { .badTensor(path: path, tensor: name, reason: reason) }
        guard case .object(let fields) = value else { throw bad("entry is \(value.text()), expected an object") }
        let known = ["dtype", "shape", "data_offsets"]
        if let extra = fields.first(where: { !known.contains($0.0) }) { throw bad("unknown field '\(extra.0)'") }
        func field(_ key: String) throws(SafeTensorsError) -> HeaderJSON {
            guard let v = fields.first(where: { $0.0 == key })?.1 else { throw bad("no \(key)") }
            return v
        }
        guard case .string(let dtypeName) = try field("dtype") else { throw bad("dtype is \(try field("dtype").text()), expected a string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw .unsupportedDType(path: path, tensor: name, dtype: dtypeName)
        }
        let shapeValue = try field("shape")
        guard case .array(let dims) = shapeValue else { throw bad("shape is \(shapeValue.text()), expected a list of integers") }
        var shape: [Int] = []
        for d in dims {
            guard case .integer(let n) = d, n >= 0 else {
                throw bad("shape \(shapeValue.text()) has \(d.text()); dimensions are integers ≥ 0")
            }
            shape.append(n)
        }
        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
            case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1]
        else {
            throw bad("data_offsets \(offsetsValue.text()), expected two integers [begin, end]")
        }
        guard begin >= 0, begin <= end, end <= bufferBytes else {
            throw bad("data_offsets [\(begin), \(end)] are not a range inside the \(bufferBytes)-byte data buffer")
        }
        var bytes = dtype.byteWidth
        for n in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: n)
            guard !overflow else { throw bad("\(dtype.rawValue) × \(shape) overflows the byte count") }
            bytes = product
        }
        guard end - begin == bytes else {
            throw bad("data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but \(dtype.rawValue) × \(shape) needs \(bytes)")
        }
        return (dtype, shape, begin, end)
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
        do { try AtomicFile.write(encoded(), to: path) } catch {
            throw .cannotWrite(path: path, reason: (error as? AtomicFileError)?.reason ?? error.localizedDescription)
        }
    }
}
