// HDF5File: typed reading and writing of HDF5 datasets, groups and attributes through libhdf5.

import CHDF5
import Foundation

public enum HDF5Error: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String)
    case cannotCreate(path: String)
    case missing(path: String, object: String)
    case wrongType(path: String, object: String, expected: String)
    case readFailed(path: String, object: String)
    case writeFailed(path: String, object: String)
    /// A dataset whose shape × element size overflows or exceeds this machine's memory.
    case tooLarge(path: String, object: String, shape: [UInt64], reason: String)
    /// An attribute read as one value that holds `count` values.
    case notScalar(path: String, object: String, count: Int64)

    public var description: String {
        switch self {
        case .cannotOpen(let p): return "\(p): cannot open as HDF5 (missing, unreadable or not an HDF5 file)"
        case .cannotCreate(let p): return "\(p): cannot create the HDF5 file"
        case .missing(let p, let o): return "\(p): no object \(o)"
        case .wrongType(let p, let o, let e): return "\(p): \(o) is not \(e)"
        case .readFailed(let p, let o): return "\(p): reading \(o) failed"
        case .writeFailed(let p, let o): return "\(p): writing \(o) failed"
        case .tooLarge(let p, let o, let shape, let r): return "\(p): dataset \(o) of shape \(shape) \(r)"
        case .notScalar(let p, let o, let n): return "\(p): attribute \(o) holds \(n) values, expected one"
        }
    }
}

/// The class of the values a dataset stores (before libhdf5 converts them to the type read).
public enum HDF5ValueClass: Sendable, Equatable {
    case integer, float, string, other
}

/// An open HDF5 file. Closed when the value is released. Not for concurrent use from several
/// threads (serial libhdf5); open one per task instead.
public final class HDF5File {
    public let path: String
    private let id: hid_t

    /// Opens an existing file read-only (or read-write).
    public init(readingAt path: String, writable: Bool = false) throws(HDF5Error) {
        seismic_h5_quiet()
        self.path = path
        let fid = H5Fopen(path, writable ? seismic_h5f_acc_rdwr() : seismic_h5f_acc_rdonly(), seismic_h5p_default())
        guard fid >= 0 else { throw .cannotOpen(path: path) }
        id = fid
    }

    /// Creates (truncates) a file.
    public init(creatingAt path: String) throws(HDF5Error) {
        seismic_h5_quiet()
        self.path = path
        let fid = H5Fcreate(path, seismic_h5f_acc_trunc(), seismic_h5p_default(), seismic_h5p_default())
        guard fid >= 0 else { throw .cannotCreate(path: path) }
        id = fid
    }

    deinit { H5Fclose(id) }

    /// Flushes buffered writes to disk.
    public func flush() { H5Fflush(id, H5F_SCOPE_GLOBAL) }

    // MARK: Structure

    /// Whether a link `name` (e.g. "data/trace1") exists, checking each path component.
    public func exists(_ name: String) -> Bool {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if H5Lexists(id, prefix, seismic_h5p_default()) <= 0 { return false }
        }
        return true
    }

    /// Names of the members of group `group`, in name order.
    public func members(of group: String) throws(HDF5Error) -> [String] {
        let gid = H5Gopen2(id, group, seismic_h5p_default())
        guard gid >= 0 else { throw .missing(path: path, object: group) }
        defer { H5Gclose(gid) }
        var info = H5G_info_t()
        guard H5Gget_info(gid, &info) >= 0 else { throw .readFailed(path: path, object: group) }
        var names: [String] = []
        names.reserveCapacity(Int(info.nlinks))
        for i in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, seismic_h5p_default())
            guard size >= 0 else { throw .readFailed(path: path, object: group) }
            var buf = [CChar](repeating: 0, count: Int(size) + 1)
            H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(size) + 1, seismic_h5p_default())
            names.append(String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Removes the link `name` (a dataset or group) when present.
    /// - Throws: `HDF5Error.writeFailed` when the file refuses (opened read-only).
    public func removeLink(_ name: String) throws(HDF5Error) {
        guard exists(name) else { return }
        guard H5Ldelete(id, name, seismic_h5p_default()) >= 0 else { throw .writeFailed(path: path, object: name) }
    }

    /// Creates group `name` (and its parents) when missing.
    public func createGroup(_ name: String) throws(HDF5Error) {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if H5Lexists(id, prefix, seismic_h5p_default()) > 0 { continue }
            let gid = H5Gcreate2(id, prefix, seismic_h5p_default(), seismic_h5p_default(), seismic_h5p_default())
            guard gid >= 0 else { throw .writeFailed(path: path, object: prefix) }
            H5Gclose(gid)
        }
    }

    // MARK: Datasets

    /// Shape of dataset `name`.
    public func shape(of name: String) throws(HDF5Error) -> [Int] {
        let did = try openDataset(name)
        defer { H5Dclose(did) }
        return try dims(did, name)
    }

    /// The class of the values dataset `name` stores: reading a float dataset with `readInt64s`
    /// truncates each value toward zero, so callers that need whole numbers check this first.
    public func valueClass(of name: String) throws(HDF5Error) -> HDF5ValueClass {
        let did = try openDataset(name)
        defer { H5Dclose(did) }
        let type = H5Dget_type(did)
        guard type >= 0 else { throw .readFailed(path: path, object: name) }
        defer { H5Tclose(type) }
        switch H5Tget_class(type) {
        case H5T_INTEGER: return .integer
        case H5T_FLOAT: return .float
        case H5T_STRING: return .string
        default: return .other
        }
    }

    /// Reads dataset `name` converted to float32 (any numeric stored type), with its shape.
    public func readFloats(_ name: String) throws(HDF5Error) -> (values: [Float], shape: [Int]) {
        try read(name, memoryType: seismic_h5t_native_float(), zero: Float(0))
    }

    public func readDoubles(_ name: String) throws(HDF5Error) -> (values: [Double], shape: [Int]) {
        try read(name, memoryType: seismic_h5t_native_double(), zero: Double(0))
    }

    public func readInt64s(_ name: String) throws(HDF5Error) -> (values: [Int64], shape: [Int]) {
        try read(name, memoryType: seismic_h5t_native_int64(), zero: Int64(0))
    }

    public func readInt16s(_ name: String) throws(HDF5Error) -> (values: [Int16], shape: [Int]) {
        try read(name, memoryType: seismic_h5t_native_int16(), zero: Int16(0))
    }

    /// Reads rows `rows` of a dataset whose first axis is the row axis, converted to float32.
    public func readFloatRows(_ name: String, rows: Range<Int>) throws(HDF5Error) -> [Float] {
        let shape = try self.shape(of: name)
        guard !shape.isEmpty else { throw .readFailed(path: path, object: "\(name)[\(rows)]") }
        return try readFloats(name, start: [rows.lowerBound] + shape.dropFirst().map { _ in 0 }, count: [rows.count] + shape.dropFirst())
    }

    /// Reads the block of dataset `name` that starts at index `start` and holds `count` elements
    /// along each axis (a hyperslab, as h5py's `data[a:a+n, b:b+m, …]`), converted to float32, in
    /// row-major order. `start` and `count` have one entry per axis.
    /// - Throws: `HDF5Error.readFailed` for a block outside the dataset or of another rank,
    ///   `.wrongType` for a dataset that is not a standard number type, `.tooLarge`.
    public func readFloats(_ name: String, start: [Int], count: [Int]) throws(HDF5Error) -> [Float] {
        let did = try openDataset(name)
        defer { H5Dclose(did) }
        try requireStandardNumber(H5Dget_type(did), name)
        let shape = try dims(did, name)
        try requireStoredBytes(did, name, shape)
        let block = "\(name)[" + zip(start, count).map { "\($0):\($0 + $1)" }.joined(separator: ",") + "]"
        guard start.count == shape.count, count.count == shape.count,
            zip(zip(start, count), shape).allSatisfy({ $0.0 >= 0 && $0.1 >= 0 && $0.0 <= $1 && $0.1 <= $1 - $0.0 })
        else { throw .readFailed(path: path, object: "\(block) (the dataset's shape is \(shape))") }
        let n = try elementCount(count, bytesEach: MemoryLayout<Float>.size, name)
        if n == 0 { return [] }
        var out = [Float](repeating: 0, count: n)
        let fileSpace = H5Dget_space(did)
        defer { H5Sclose(fileSpace) }
        let first = start.map { hsize_t($0) }, sizes = count.map { hsize_t($0) }
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, first, nil, sizes, nil) >= 0 else { throw .readFailed(path: path, object: block) }
        let memSpace = H5Screate_simple(Int32(sizes.count), sizes, nil)
        defer { H5Sclose(memSpace) }
        let status = out.withUnsafeMutableBytes {
            H5Dread(did, seismic_h5t_native_float(), memSpace, fileSpace, seismic_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw .readFailed(path: path, object: block) }
        return out
    }

    /// The one value of dataset `name` as text: a string (fixed or variable length, as h5py writes
    /// a Python `str`) as it is, a number in Swift's shortest form ("100.0", "3"); nil when the
    /// dataset is absent. SeisBench stores its `data_format` entries this way.
    /// - Throws: `HDF5Error.notScalar` for a dataset of several values, `.wrongType` for another
    ///   kind of value, `.readFailed`.
    public func scalarText(_ name: String) throws(HDF5Error) -> String? {
        guard exists(name) else { return nil }
        let did = try openDataset(name)
        defer { H5Dclose(did) }
        let shape = try dims(did, name)
        let n = try elementCount(shape, bytesEach: 1, name)
        guard n == 1 else { throw .notScalar(path: path, object: name, count: Int64(n)) }
        let type = H5Dget_type(did)
        guard type >= 0 else { throw .readFailed(path: path, object: name) }
        defer { H5Tclose(type) }
        switch H5Tget_class(type) {
        case H5T_STRING:
            if H5Tis_variable_str(type) > 0 {
                var ptr: UnsafeMutablePointer<CChar>? = nil
                guard H5Dread(did, type, seismic_h5s_all(), seismic_h5s_all(), seismic_h5p_default(), &ptr) >= 0 else {
                    throw .readFailed(path: path, object: name)
                }
                defer { free(ptr) }
                return ptr.map { String(cString: $0) } ?? ""
            }
            let size = H5Tget_size(type)
            guard size > 0, size < 1 << 20 else { throw .readFailed(path: path, object: name) }
            var buf = [UInt8](repeating: 0, count: size + 1)
            guard H5Dread(did, type, seismic_h5s_all(), seismic_h5s_all(), seismic_h5p_default(), &buf) >= 0 else {
                throw .readFailed(path: path, object: name)
            }
            return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        case H5T_INTEGER, H5T_FLOAT:
            guard seismic_h5t_is_standard_number(type) == 1 else { throw .wrongType(path: path, object: name, expected: Self.standardNumber) }
            var v = 0.0
            guard H5Dread(did, seismic_h5t_native_double(), seismic_h5s_all(), seismic_h5s_all(), seismic_h5p_default(), &v) >= 0 else {
                throw .readFailed(path: path, object: name)
            }
            return H5Tget_class(type) == H5T_INTEGER && v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        default:
            throw .wrongType(path: path, object: name, expected: "a string or a number")
        }
    }

    public func write(_ name: String, floats: [Float], shape: [Int]) throws(HDF5Error) {
        try write(name, values: floats, shape: shape, type: seismic_h5t_native_float())
    }

    public func write(_ name: String, int64s: [Int64], shape: [Int]) throws(HDF5Error) {
        try write(name, values: int64s, shape: shape, type: seismic_h5t_native_int64())
    }

    public func write(_ name: String, int16s: [Int16], shape: [Int]) throws(HDF5Error) {
        try write(name, values: int16s, shape: shape, type: seismic_h5t_native_int16())
    }

    /// Writes `strings` as a fixed-length string dataset (h5py reads them as bytes).
    public func write(_ name: String, strings: [String]) throws(HDF5Error) {
        let width = max(strings.map { $0.utf8.count }.max() ?? 1, 1)
        var bytes = [UInt8](repeating: 0, count: strings.count * width)
        for (i, s) in strings.enumerated() {
            for (k, b) in s.utf8.enumerated() { bytes[i * width + k] = b }
        }
        let type = H5Tcopy(seismic_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, width)
        if let slash = name.lastIndex(of: "/"), slash != name.startIndex { try createGroup(String(name[..<slash])) }
        if exists(name) { H5Ldelete(id, name, seismic_h5p_default()) }
        var dims = [hsize_t(strings.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let did = H5Dcreate2(id, name, type, space, seismic_h5p_default(), seismic_h5p_default(), seismic_h5p_default())
        guard did >= 0 else { throw .writeFailed(path: path, object: name) }
        defer { H5Dclose(did) }
        if strings.isEmpty { return }
        guard H5Dwrite(did, type, seismic_h5s_all(), seismic_h5s_all(), seismic_h5p_default(), bytes) >= 0 else {
            throw .writeFailed(path: path, object: name)
        }
    }

    /// Reads a fixed-length string dataset.
    public func readStrings(_ name: String) throws(HDF5Error) -> [String] {
        let did = try openDataset(name)
        defer { H5Dclose(did) }
        let shape = try dims(did, name)
        let type = H5Dget_type(did)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING, H5Tis_variable_str(type) <= 0 else {
            throw .wrongType(path: path, object: name, expected: "a fixed-length string dataset")
        }
        let width = H5Tget_size(type)
        guard width > 0 else { throw .readFailed(path: path, object: name) }
        try requireStoredBytes(did, name, shape)
        let count = try elementCount(shape, bytesEach: 1, name)
        var bytes = [UInt8](repeating: 0, count: max(try elementCount([count, width], bytesEach: 1, name), 1))
        if count > 0 {
            guard H5Dread(did, type, seismic_h5s_all(), seismic_h5s_all(), seismic_h5p_default(), &bytes) >= 0 else {
                throw .readFailed(path: path, object: name)
            }
        }
        return (0..<count).map { i in
            String(decoding: bytes[(i * width)..<((i + 1) * width)].prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    public func write(_ name: String, doubles: [Double], shape: [Int]) throws(HDF5Error) {
        try write(name, values: doubles, shape: shape, type: seismic_h5t_native_double())
    }

    // MARK: Attributes

    /// A numeric attribute of `object` as Double, or nil when absent.
    public func doubleAttribute(_ attribute: String, of object: String) throws(HDF5Error) -> Double? {
        guard let aid = try openAttribute(attribute, of: object) else { return nil }
        defer { H5Aclose(aid) }
        try requireScalar(aid, "\(object)@\(attribute)")
        let type = H5Aget_type(aid)
        defer { H5Tclose(type) }
        let cls = H5Tget_class(type)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else {
            throw .wrongType(path: path, object: "\(object)@\(attribute)", expected: "a number")
        }
        guard seismic_h5t_is_standard_number(type) == 1 else {
            throw .wrongType(path: path, object: "\(object)@\(attribute)", expected: Self.standardNumber)
        }
        var v = 0.0
        guard H5Aread(aid, seismic_h5t_native_double(), &v) >= 0 else { throw .readFailed(path: path, object: attribute) }
        return v
    }

    /// A string attribute (fixed or variable length) of `object`, or nil when absent.
    public func stringAttribute(_ attribute: String, of object: String) throws(HDF5Error) -> String? {
        guard let aid = try openAttribute(attribute, of: object) else { return nil }
        defer { H5Aclose(aid) }
        try requireScalar(aid, "\(object)@\(attribute)")
        let type = H5Aget_type(aid)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else {
            throw .wrongType(path: path, object: "\(object)@\(attribute)", expected: "a string")
        }
        if H5Tis_variable_str(type) > 0 {
            var ptr: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(aid, type, &ptr) >= 0 else { throw .readFailed(path: path, object: attribute) }
            defer { free(ptr) }
            return ptr.map { String(cString: $0) } ?? ""
        }
        let size = H5Tget_size(type)
        guard size > 0, size < 1 << 30 else { throw .readFailed(path: path, object: "\(object)@\(attribute)") }
        var buf = [UInt8](repeating: 0, count: size + 1)
        guard H5Aread(aid, type, &buf) >= 0 else { throw .readFailed(path: path, object: attribute) }
        return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Sets a fixed-length string attribute on `object` ("/" for the file), replacing any old one.
    public func setAttribute(_ attribute: String, of object: String = "/", string value: String) throws(HDF5Error) {
        let type = H5Tcopy(seismic_h5t_c_s1())
        defer { H5Tclose(type) }
        let bytes = Array(value.utf8)
        H5Tset_size(type, max(bytes.count, 1))
        try writeAttribute(attribute, of: object, type: type, bytes: bytes.isEmpty ? [0] : bytes)
    }

    /// Removes `attribute` from `object` ("/" for the file); nothing when it has none.
    /// - Throws: `HDF5Error.writeFailed` when the file refuses (opened read-only).
    public func removeAttribute(_ attribute: String, of object: String = "/") throws(HDF5Error) {
        guard H5Aexists_by_name(id, object, attribute, seismic_h5p_default()) > 0 else { return }
        guard H5Adelete_by_name(id, object, attribute, seismic_h5p_default()) >= 0 else { throw .writeFailed(path: path, object: "\(object)@\(attribute)") }
    }

    /// Sets a float64 scalar attribute on `object`.
    public func setAttribute(_ attribute: String, of object: String = "/", double value: Double) throws(HDF5Error) {
        try withUnsafeBytes(of: value) { (raw) throws(HDF5Error) in
            try writeAttribute(attribute, of: object, type: seismic_h5t_native_double(), bytes: Array(raw))
        }
    }

    // MARK: Internals

    private func openDataset(_ name: String) throws(HDF5Error) -> hid_t {
        guard exists(name) else { throw .missing(path: path, object: name) }
        let did = H5Dopen2(id, name, seismic_h5p_default())
        guard did >= 0 else { throw .wrongType(path: path, object: name, expected: "a dataset") }
        return did
    }

    private func dims(_ did: hid_t, _ name: String) throws(HDF5Error) -> [Int] {
        let space = H5Dget_space(did)
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw .readFailed(path: path, object: name) }
        var d = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &d, nil) >= 0 else { throw .readFailed(path: path, object: name) }
        var shape: [Int] = []
        for n in d {
            guard let v = Int(exactly: n) else { throw .tooLarge(path: path, object: name, shape: d.map { UInt64($0) }, reason: "has a dimension beyond Int") }
            shape.append(v)
        }
        return shape
    }

    /// Elements in `shape`, checked: the product and its size in bytes (`bytesEach` per element)
    /// must not overflow, and the bytes must fit in this machine's physical memory.
    private func elementCount(_ shape: [Int], bytesEach: Int, _ name: String) throws(HDF5Error) -> Int {
        func tooLarge(_ reason: String) -> HDF5Error {
            .tooLarge(path: path, object: name, shape: shape.map { UInt64(clamping: $0) }, reason: reason)
        }
        var count = 1
        for n in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow, n >= 0 else { throw tooLarge("has more elements than Int can count") }
            count = p
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: bytesEach)
        let memory = ProcessInfo.processInfo.physicalMemory
        guard !overflow, UInt64(bytes) <= memory else {
            throw tooLarge("needs \(overflow ? "more than \(Int.max)" : String(bytes)) bytes, more than this machine's \(memory) bytes of memory")
        }
        return count
    }

    static let standardNumber = "a standard integer (8–64 bit) or IEEE float (32/64 bit) type, as h5py and numpy write"

    /// Throws unless `type` (closed here) is a standard integer or IEEE float type: libhdf5 1.10
    /// converts other, malformed types with a fault (SIGBUS in H5T__bit_copy reading an integer
    /// whose bit offset is beyond its size; Fixtures/fuzz/hdf5/).
    private func requireStandardNumber(_ type: hid_t, _ name: String) throws(HDF5Error) {
        guard type >= 0 else { throw .readFailed(path: path, object: name) }
        defer { H5Tclose(type) }
        let cls = H5Tget_class(type)
        guard cls == H5T_INTEGER || cls == H5T_FLOAT else { throw .wrongType(path: path, object: name, expected: "a numeric dataset") }
        guard seismic_h5t_is_standard_number(type) == 1 else { throw .wrongType(path: path, object: name, expected: Self.standardNumber) }
    }

    /// Throws unless an unchunked dataset's stored bytes are the shape's: a compact dataset's buffer
    /// holds exactly shape × element size bytes (libhdf5 1.10 reads past a shorter one), and a
    /// contiguous one, when allocated, that many bytes inside the file (so a few-kilobyte file cannot
    /// make us allocate gigabytes for a dataset it does not hold). Chunked data may be compressed
    /// or partly unwritten and is checked by libhdf5 as it reads.
    private func requireStoredBytes(_ did: hid_t, _ name: String, _ shape: [Int]) throws(HDF5Error) {
        let type = H5Dget_type(did)
        guard type >= 0 else { throw .readFailed(path: path, object: name) }
        let typeSize = H5Tget_size(type)
        H5Tclose(type)
        let plist = H5Dget_create_plist(did)
        guard plist >= 0 else { throw .readFailed(path: path, object: name) }
        let layout = H5Pget_layout(plist)
        H5Pclose(plist)
        guard layout == H5D_COMPACT || layout == H5D_CONTIGUOUS else { return }
        let needed = UInt64(try elementCount(shape, bytesEach: 1, name)).multipliedReportingOverflow(by: UInt64(typeSize))
        let stored = UInt64(H5Dget_storage_size(did))
        func mismatch(_ reason: String) -> HDF5Error {
            .tooLarge(path: path, object: name, shape: shape.map { UInt64($0) }, reason: reason)
        }
        guard !needed.overflow else { throw mismatch("has more bytes than UInt64 can count") }
        if layout == H5D_COMPACT {
            guard stored == needed.partialValue else {
                throw mismatch("needs \(needed.partialValue) bytes, but its compact storage holds \(stored)")
            }
            return
        }
        let offset = UInt64(H5Dget_offset(did))
        guard offset != UInt64.max, stored > 0 else { return }  // not allocated: libhdf5 returns fill values
        var fileSize: hsize_t = 0
        guard H5Fget_filesize(id, &fileSize) >= 0 else { throw .readFailed(path: path, object: name) }
        let end = offset.addingReportingOverflow(needed.partialValue)
        guard stored == needed.partialValue, !end.overflow, end.partialValue <= UInt64(fileSize) else {
            throw mismatch("needs \(needed.partialValue) bytes, but the file stores \(stored) at offset \(offset) of its \(fileSize)")
        }
    }

    /// Throws unless attribute `aid` holds exactly one value (reading more into one would overrun).
    private func requireScalar(_ aid: hid_t, _ object: String) throws(HDF5Error) {
        let space = H5Aget_space(aid)
        guard space >= 0 else { throw .readFailed(path: path, object: object) }
        defer { H5Sclose(space) }
        let n = H5Sget_simple_extent_npoints(space)
        guard n == 1 else { throw .notScalar(path: path, object: object, count: Int64(n)) }
    }

    private func read<T>(_ name: String, memoryType: hid_t, zero: T) throws(HDF5Error) -> (values: [T], shape: [Int]) {
        let did = try openDataset(name)
        defer { H5Dclose(did) }
        try requireStandardNumber(H5Dget_type(did), name)
        let shape = try dims(did, name)
        try requireStoredBytes(did, name, shape)
        var out = [T](repeating: zero, count: try elementCount(shape, bytesEach: MemoryLayout<T>.size, name))
        if out.isEmpty { return (out, shape) }
        let status = out.withUnsafeMutableBytes {
            H5Dread(did, memoryType, seismic_h5s_all(), seismic_h5s_all(), seismic_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw .readFailed(path: path, object: name) }
        return (out, shape)
    }

    private func write<T>(_ name: String, values: [T], shape: [Int], type: hid_t) throws(HDF5Error) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        if let slash = name.lastIndex(of: "/"), slash != name.startIndex {
            try createGroup(String(name[..<slash]))
        }
        if exists(name) { H5Ldelete(id, name, seismic_h5p_default()) }
        let dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        defer { H5Sclose(space) }
        let did = H5Dcreate2(id, name, type, space, seismic_h5p_default(), seismic_h5p_default(), seismic_h5p_default())
        guard did >= 0 else { throw .writeFailed(path: path, object: name) }
        defer { H5Dclose(did) }
        let status = values.withUnsafeBytes {
            H5Dwrite(did, type, seismic_h5s_all(), seismic_h5s_all(), seismic_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw .writeFailed(path: path, object: name) }
    }

    private func openAttribute(_ attribute: String, of object: String) throws(HDF5Error) -> hid_t? {
        guard object == "/" || exists(object) else { throw .missing(path: path, object: object) }
        guard H5Aexists_by_name(id, object, attribute, seismic_h5p_default()) > 0 else { return nil }
        let aid = H5Aopen_by_name(id, object, attribute, seismic_h5p_default(), seismic_h5p_default())
        guard aid >= 0 else { throw .readFailed(path: path, object: "\(object)@\(attribute)") }
        return aid
    }

    private func writeAttribute(_ attribute: String, of object: String, type: hid_t, bytes: [UInt8]) throws(HDF5Error) {
        if H5Aexists_by_name(id, object, attribute, seismic_h5p_default()) > 0 {
            H5Adelete_by_name(id, object, attribute, seismic_h5p_default())
        }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let aid = H5Acreate_by_name(id, object, attribute, type, space, seismic_h5p_default(), seismic_h5p_default(), seismic_h5p_default())
        guard aid >= 0 else { throw .writeFailed(path: path, object: "\(object)@\(attribute)") }
        defer { H5Aclose(aid) }
        guard H5Awrite(aid, type, bytes) >= 0 else { throw .writeFailed(path: path, object: "\(object)@\(attribute)") }
    }
}
