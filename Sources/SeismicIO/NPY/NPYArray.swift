// NPYArray: NumPy .npy files (format 1.0–3.0, C order; float32, float64, int16, int32, int64, bool).

import Foundation

/// Element types a `.npy` file may hold here, with their NumPy descriptors.
public enum NPYDType: String, Sendable, CaseIterable {
    case float32 = "f4", float64 = "f8", int16 = "i2", int32 = "i4", int64 = "i8", uint8 = "u1", bool = "b1"
    public var byteWidth: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .int16: return 2
        case .uint8, .bool: return 1
        }
    }
}

public enum NPYError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case badMagic(path: String)
    case badHeader(path: String, reason: String)
    case unsupportedDType(path: String, descr: String)
    case fortranOrder(path: String)
    case sizeMismatch(path: String, expectedBytes: Int, actualBytes: Int)
    case cannotWrite(path: String, reason: String)
    /// Element `index` (C order) is a float with no Int value (NaN, ±inf, beyond Int's range).
    case notAnInteger(index: Int, value: Double)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "\(p): cannot open: \(r)"
        case .badMagic(let p): return "\(p): not a .npy file (no \\x93NUMPY magic)"
        case .badHeader(let p, let r): return "\(p): malformed .npy header: \(r)"
        case .unsupportedDType(let p, let d):
            return "\(p): dtype \(d) is not supported (use float32, float64, int16, int32, int64, uint8 or bool)"
        case .fortranOrder(let p): return "\(p): Fortran-ordered arrays are not supported; save with C order"
        case .sizeMismatch(let p, let e, let a): return "\(p): data should be \(e) bytes but is \(a)"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        case .notAnInteger(let i, let v): return "element \(i) is \(v), which is not an integer value"
        }
    }
}

/// An n-dimensional array from or for a `.npy` file: shape, dtype and the raw little-endian bytes.
public struct NPYArray: Equatable, Sendable {
    public var shape: [Int]
    public var dtype: NPYDType
    /// Element bytes in C order, little-endian.
    public var bytes: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    public init(shape: [Int], dtype: NPYDType, bytes: [UInt8]) {
        precondition(bytes.count == shape.reduce(1, *) * dtype.byteWidth, "byte count does not match shape")
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
    }

    public init(float32 values: [Float], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], dtype: .float32, bytes: Self.rawBytes(values.map { $0.bitPattern.littleEndian }))
    }
    public init(float64 values: [Double], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], dtype: .float64, bytes: Self.rawBytes(values.map { $0.bitPattern.littleEndian }))
    }
    public init(int16 values: [Int16], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], dtype: .int16, bytes: Self.rawBytes(values.map { $0.littleEndian }))
    }
    public init(int64 values: [Int64], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], dtype: .int64, bytes: Self.rawBytes(values.map { $0.littleEndian }))
    }

    private static func rawBytes<T>(_ values: [T]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    private func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
        }
    }

    /// The values converted to Float (any numeric dtype).
    public var floats: [Float] {
        switch dtype {
        case .float32: return load(UInt32.self).map { Float(bitPattern: $0) }
        case .float64: return load(UInt64.self).map { Float(Double(bitPattern: $0)) }
        default: return doubles.map(Float.init)
        }
    }

    /// The values converted to Double (any numeric dtype).
    public var doubles: [Double] {
        switch dtype {
        case .float32: return load(UInt32.self).map { Double(Float(bitPattern: $0)) }
        case .float64: return load(UInt64.self).map { Double(bitPattern: $0) }
        case .int16: return load(Int16.self).map(Double.init)
        case .int32: return load(Int32.self).map(Double.init)
        case .int64: return load(Int64.self).map(Double.init)
        case .uint8, .bool: return bytes.map(Double.init)
        }
    }

    /// The values as Int (integer and bool dtypes; floats truncated toward zero). Throws
    /// `NPYError.notAnInteger` for a NaN, ±inf or a float beyond Int's range.
    public var ints: [Int] {
        get throws(NPYError) {
            switch dtype {
            case .int16: return load(Int16.self).map(Int.init)
            case .int32: return load(Int32.self).map(Int.init)
            case .int64: return load(Int64.self).map(Int.init)
            case .uint8, .bool: return bytes.map(Int.init)
            case .float32, .float64:
                let values = doubles
                var out = [Int]()
                out.reserveCapacity(values.count)
                for (i, v) in values.enumerated() {
                    guard let n = Int(exactly: v.rounded(.towardZero)) else { throw .notAnInteger(index: i, value: v) }
                    out.append(n)
                }
                return out
            }
        }
    }

    // MARK: Reading

    public init(contentsOf path: String) throws(NPYError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .cannotOpen(path: path, reason: error.localizedDescription)
        }
        try self.init(data: [UInt8](data), path: path)
    }

    public init(data: [UInt8], path: String = "<memory>") throws(NPYError) {
        guard data.count >= 10, data[0] == 0x93, Array(data[1..<6]) == Array("NUMPY".utf8) else {
            throw .badMagic(path: path)
        }
        let major = data[6]
        let headerLength: Int
        let start: Int
        if major == 1 {
            headerLength = Int(data[8]) | Int(data[9]) << 8
            start = 10
        } else if major == 2 || major == 3 {
            guard data.count >= 12 else { throw .badHeader(path: path, reason: "truncated") }
            headerLength = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
            start = 12
        } else {
            throw .badHeader(path: path, reason: "format version \(major) is unknown")
        }
        guard start + headerLength <= data.count else { throw .badHeader(path: path, reason: "header runs past the end of the file") }
        let header = String(decoding: data[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = Self.value(of: "descr", in: header)?.trimmingCharacters(in: "'\" ") else {
            throw .badHeader(path: path, reason: "no 'descr'")
        }
        guard let fortran = Self.value(of: "fortran_order", in: header) else {
            throw .badHeader(path: path, reason: "no 'fortran_order'")
        }
        if fortran == "True" { throw .fortranOrder(path: path) }
        guard fortran == "False" else {
            throw .badHeader(path: path, reason: "'fortran_order' is \(fortran), expected True or False")
        }
        guard let shapeText = Self.value(of: "shape", in: header) else { throw .badHeader(path: path, reason: "no 'shape'") }
        guard shapeText.first == "(", shapeText.last == ")", shapeText.filter({ $0 == "(" || $0 == ")" }).count == 2 else {
            throw .badHeader(path: path, reason: "'shape' is \(shapeText), expected a tuple of integers")
        }
        var shape: [Int] = []
        let parts = shapeText.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
        for (k, part) in parts.enumerated() {
            let t = part.trimmingCharacters(in: " ")
            // A trailing comma leaves one empty part, "(3,)" or "()"'s only part.
            if t.isEmpty, k == parts.count - 1 { continue }
            guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(t) else {
                throw .badHeader(path: path, reason: "'shape' is \(shapeText); dimensions are integers ≥ 0")
            }
            shape.append(n)
        }
        guard let order = descr.first else { throw .unsupportedDType(path: path, descr: descr) }
        let code = String(descr.dropFirst())
        guard let dtype = NPYDType(rawValue: code), order == "<" || order == "|" || (order == ">" && dtype.byteWidth == 1) || order == "=" else {
            throw .unsupportedDType(path: path, descr: descr)
        }
        var elements = dtype.byteWidth
        for n in shape {
            let (p, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow else {
                throw .badHeader(path: path, reason: "shape \(shape) × \(dtype.byteWidth) bytes overflows the byte count")
            }
            elements = p
        }
        let dataStart = start + headerLength
        guard data.count - dataStart == elements else {
            throw .sizeMismatch(path: path, expectedBytes: elements, actualBytes: data.count - dataStart)
        }
        self.init(shape: shape, dtype: dtype, bytes: Array(data[dataStart...]))
    }

    /// The text after `'key':` up to the next top-level comma (shape tuples kept whole).
    private static func value(of key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var out = ""
        for c in header[r.upperBound...] {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if (c == "," && depth == 0) || c == "}" { break }
            out.append(c)
        }
        return out.trimmingCharacters(in: " ")
    }

    // MARK: Writing

    /// The `.npy` bytes (format 1.0, header padded to a multiple of 64 bytes).
    public func encoded() -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let order = dtype.byteWidth == 1 ? "|" : "<"
        var header = "{'descr': '\(order)\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = header.utf8.count
        out += [UInt8(n & 0xff), UInt8(n >> 8)]
        out += Array(header.utf8)
        out += bytes
        return out
    }

    public func write(to path: String) throws(NPYError) {
        do { try AtomicFile.write(Data(encoded()), to: path) } catch {
            throw .cannotWrite(path: path, reason: (error as? AtomicFileError)?.reason ?? error.localizedDescription)
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
