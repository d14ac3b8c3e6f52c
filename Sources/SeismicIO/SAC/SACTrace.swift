// SACTrace: one component of a record as a binary SAC file: header + float32 samples, read and written.

import Foundation

/// Byte order of a binary file.
public enum ByteOrder: Sendable, Equatable {
    case littleEndian, bigEndian
    public static var native: ByteOrder {
        1.littleEndian == 1 ? .littleEndian : .bigEndian
    }
}

/// A binary SAC trace: the header and its evenly spaced float32 samples.
///
/// Reading detects the byte order from NVHDR (6 in one of the two orders), checks the file size
/// against NPTS, and refuses files that are not evenly sampled time series. Writing is atomic and,
/// in the same byte order, reproduces what was read bit for bit.
public struct SACTrace: Equatable, Sendable {
    public var header: SACHeader
    public var samples: [Float]
    /// The byte order the trace was read in (and is written in unless told otherwise).
    public var byteOrder: ByteOrder

    /// A new trace from samples, with NPTS, DELTA, B, E and the amplitude summary set.
    public init(
        samples: [Float], delta: Float, begin: Float = 0, header: SACHeader = SACHeader(),
        byteOrder: ByteOrder = .littleEndian
    ) {
        self.samples = samples
        self.header = header
        self.byteOrder = byteOrder
        self.header.setInt("npts", samples.count)
        self.header.setFloat("delta", delta)
        self.header.setFloat("b", begin)
        self.header.setFloat("e", begin + delta * Float(max(samples.count - 1, 0)))
        if !samples.isEmpty {
            self.header.setFloat("depmin", samples.min()!)
            self.header.setFloat("depmax", samples.max()!)
            self.header.setFloat("depmen", Float(samples.reduce(0.0) { $0 + Double($1) } / Double(samples.count)))
        }
    }

    init(header: SACHeader, samples: [Float], byteOrder: ByteOrder) {
        self.header = header
        self.samples = samples
        self.byteOrder = byteOrder
    }

    /// Samples per second, 1 / `header.samplingIntervalSeconds` (DELTA rounded to microseconds as
    /// ObsPy does, unless the interval is finer than that). Finite and positive for a trace read
    /// from a file.
    public var samplingRateHz: Double { 1.0 / header.samplingIntervalSeconds }

    // MARK: Reading

    /// Reads the SAC file at `path`. Throws `SACError` naming the file: not binary SAC version 6,
    /// too short, size not 632 + 4 × NPTS bytes, NPTS < 1, DELTA not finite and positive, not an
    /// evenly sampled time series, or a defined but invalid reference time. Samples are not checked
    /// (a NaN sample is read as NaN; `ThreeComponentRecord.read` refuses it).
    public init(contentsOf path: String) throws(SACError) {
        let data: Data
        try Self.refuseFolder(path)
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw .cannotOpen(path: path, reason: error.localizedDescription)
        }
        try self.init(bytes: data, path: path)
    }

    /// The header and byte order of the SAC file at `path`, read without its samples: 632 bytes,
    /// whatever the file's size (as ObsPy's `read(headonly=True)`). Throws what `init(contentsOf:)`
    /// throws for the header, including a file size that is not 632 + 4 × NPTS bytes.
    public static func header(contentsOf path: String) throws(SACError) -> (header: SACHeader, byteOrder: ByteOrder) {
        let prefix: Data
        let size: Int
        try refuseFolder(path)
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            size = Int(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
            prefix = try handle.read(upToCount: SACHeader.byteCount) ?? Data()
        } catch {
            throw .cannotOpen(path: path, reason: error.localizedDescription)
        }
        return try parseHeader(prefix, fileSize: size, path: path)
    }

    /// A folder named as a file gets its own reason, not Foundation's "could not be completed".
    private static func refuseFolder(_ path: String) throws(SACError) {
        if InputPaths.isFolder(path) { throw .cannotOpen(path: path, reason: InputPaths.folderReason(expected: "a SAC file")) }
    }

    /// Parses a SAC file held in memory; `path` is only used in error messages.
    public init(bytes data: Data, path: String = "<memory>") throws(SACError) {
        let (header, order) = try Self.parseHeader(data, fileSize: data.count, path: path)
        let npts = header.npts
        var samples = [Float](repeating: 0, count: npts)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            samples.withUnsafeMutableBufferPointer { out in
                for i in 0..<npts {
                    let bits = raw.loadUnaligned(fromByteOffset: SACHeader.byteCount + 4 * i, as: UInt32.self)
                    out[i] = Float(bitPattern: order == .littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
                }
            }
        }
        self.init(header: header, samples: samples, byteOrder: order)
    }

    /// The header of a file of `fileSize` bytes from its first bytes `data` (at least the 632 of
    /// the header when the file has them), with every check of `init(contentsOf:)` but the samples'.
    private static func parseHeader(_ data: Data, fileSize count: Int, path: String) throws(SACError) -> (SACHeader, ByteOrder) {
        guard count >= SACHeader.byteCount, data.count >= SACHeader.byteCount else { throw .tooShort(path: path, byteCount: count) }
        let nvhdrOffset = 70 * 4 + 6 * 4
        let little = Self.int32(data, nvhdrOffset, .littleEndian)
        let big = Self.int32(data, nvhdrOffset, .bigEndian)
        let order: ByteOrder
        if little == 6 {
            order = .littleEndian
        } else if big == 6 {
            order = .bigEndian
        } else {
            let looksLikeText = data.prefix(64).allSatisfy { $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) }
            let hint = looksLikeText ? "; the header is printable text, so this may be an alphanumeric (ASCII) SAC file" : ""
            // What the size check would say if the header were taken at face value (as ObsPy does).
            let nptsOffset = 280 + 9 * 4
            let sizes = [ByteOrder.littleEndian, .bigEndian].map { SACHeader.byteCount + 4 * Int(Self.int32(data, nptsOffset, $0)) }
            throw .notBinarySAC(
                path: path,
                reason: "header version NVHDR is \(little) (little-endian) or \(big) (big-endian), expected 6; "
                    + "read as binary, its NPTS would need \(sizes[0]) or \(sizes[1]) bytes but the file has \(count)\(hint)")
        }
        var floats = [Float](repeating: 0, count: 70)
        for i in 0..<70 { floats[i] = Float(bitPattern: UInt32(bitPattern: Self.int32(data, i * 4, order))) }
        var ints = [Int32](repeating: 0, count: 40)
        for i in 0..<40 { ints[i] = Self.int32(data, 280 + i * 4, order) }
        var strings: [[UInt8]] = []
        var offset = 440
        for i in SACHeader.stringNames.indices {
            let w = SACHeader.stringWidth(i)
            strings.append(Array(data[data.startIndex + offset..<data.startIndex + offset + w]))
            offset += w
        }
        let header = SACHeader(floats: floats, ints: ints, stringBytes: strings)
        let npts = header.npts
        let iftype = header.fileType
        let leven = ints[35]
        if iftype != SACHeader.iftypeTime || leven != 1 {
            throw .unevenlySampled(path: path, iftype: iftype, leven: leven)
        }
        guard npts > 0 else { throw .invalidNPTS(path: path, npts: npts) }
        let expected = SACHeader.byteCount + 4 * npts
        guard expected == count else {
            throw .sizeMismatch(path: path, npts: npts, expectedBytes: expected, actualBytes: count)
        }
        let delta = header.delta
        // 1 ns to 1e6 s: every instrument there is (2.5 MHz acoustic-emission records included),
        // with rates that every later computation (samples per packet, window lengths) can hold.
        guard delta.isFinite, delta >= 1e-9, delta <= 1e6, (1 / header.samplingIntervalSeconds).isFinite else {
            throw .invalidDelta(path: path, delta: delta)
        }
        do { _ = try header.checkedReferenceTime() } catch { throw .invalidReferenceTime(path: path, error) }
        return (header, order)
    }

    private static func int32(_ data: Data, _ offset: Int, _ order: ByteOrder) -> Int32 {
        let bits = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        return Int32(bitPattern: order == .littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
    }

    // MARK: Writing

    /// The file's bytes in `order` (default: the trace's own). NPTS is taken from `samples`.
    public func encoded(byteOrder order: ByteOrder? = nil) -> Data {
        let order = order ?? byteOrder
        var header = self.header
        header.setInt("npts", samples.count)
        var out = [UInt8]()
        out.reserveCapacity(SACHeader.byteCount + 4 * samples.count)
        func put(_ bits: UInt32) {
            let v = order == .littleEndian ? bits.littleEndian : bits.bigEndian
            withUnsafeBytes(of: v) { out.append(contentsOf: $0) }
        }
        for f in header.floats { put(f.bitPattern) }
        for i in header.ints { put(UInt32(bitPattern: i)) }
        for s in header.stringBytes { out.append(contentsOf: s) }
        for x in samples { put(x.bitPattern) }
        return Data(out)
    }

    /// Writes the trace atomically (a temporary file renamed into place).
    public func write(to path: String, byteOrder order: ByteOrder? = nil) throws(SACError) {
        do {
            try AtomicFile.write(encoded(byteOrder: order), to: path)
        } catch {
            throw .cannotWrite(path: path, reason: (error as? AtomicFileError)?.reason ?? error.localizedDescription)
        }
    }
}
