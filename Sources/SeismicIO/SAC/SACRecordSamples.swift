// SACRecordSamples: a three-component SAC record whose samples are read from its files as they
// are needed (ThreeComponentRecord.open).

import Foundation

/// The three SAC files of a record (checked to agree by `ThreeComponentRecord.open`), their
/// samples read span by span with `pread`: memory holds the spans asked for, not the record.
public final class SACRecordSamples: RecordSamples, @unchecked Sendable {
    /// The files, one per component, in component order.
    public let paths: [String]
    /// Their headers (as `SACTrace.header(contentsOf:)` reads them).
    public let headers: [SACHeader]
    public let componentCodes: [String]
    public let sampleCount: Int
    public let samplingRateHz: Double
    public let startTime: Double
    private let byteOrders: [ByteOrder]
    /// Open descriptors of `paths` (read-only; `pread` needs no shared offset, so reads from several
    /// threads are safe).
    private let descriptors: [Int32]

    public var componentCount: Int { paths.count }

    init(
        paths: [String], headers: [SACHeader], byteOrders: [ByteOrder], componentCodes: [String], samplingRateHz: Double, startTime: Double
    ) throws(SACError) {
        var fds: [Int32] = []
        for (p, header) in zip(paths, headers) {
            do { fds.append(try Self.open(p, npts: header.npts)) } catch {
                for d in fds { close(d) }
                throw error
            }
        }
        self.paths = paths
        self.headers = headers
        self.byteOrders = byteOrders
        self.componentCodes = componentCodes
        self.sampleCount = headers[0].npts
        self.samplingRateHz = samplingRateHz
        self.startTime = startTime
        descriptors = fds
    }

    deinit { for d in descriptors { close(d) } }

    /// Samples `range` of component `component`, float32 from the file widened to double.
    /// - Throws: `SACError.sizeMismatch` when the file has been cut short since it was opened,
    ///   `.cannotRead` when reading fails; `RecordError.nonFiniteSample` for a NaN or ±inf sample, naming the file, its
    ///   channel and the sample's index.
    public func read(component: Int, _ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws {
        precondition(range.lowerBound >= 0 && range.upperBound <= sampleCount && buffer.count >= range.count)
        try Self.readSpan(
            descriptor: descriptors[component], path: paths[component], npts: sampleCount, byteOrder: byteOrders[component], range,
            channel: componentCodes[component], into: buffer)
    }

    /// A read-only descriptor of the SAC file `path`, checked to be the file whose header was read
    /// (its size still 632 + 4 × `npts` bytes); the caller closes it.
    /// - Throws: `SACError.cannotOpen`, `.sizeMismatch`.
    static func open(_ path: String, npts: Int) throws(SACError) -> Int32 {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        let expected = SACHeader.byteCount + 4 * npts
        guard fstat(fd, &info) == 0, Int(info.st_size) == expected else {
            close(fd)
            throw .sizeMismatch(path: path, npts: npts, expectedBytes: expected, actualBytes: Int(info.st_size))
        }
        return fd
    }

    /// Samples `range` of the SAC file open as `descriptor` (`path`, of `npts` samples in
    /// `byteOrder`), float32 widened to double, into `buffer`.
    /// - Throws: `SACError.sizeMismatch` when the file is shorter than its header says (cut short
    ///   since it was opened), `.cannotRead` when reading fails; `RecordError.nonFiniteSample` for a
    ///   NaN or ±inf sample, naming the file, its channel `channel` and the sample's index.
    static func readSpan(
        descriptor: Int32, path: String, npts: Int, byteOrder: ByteOrder, _ range: Range<Int>, channel: String,
        into buffer: UnsafeMutableBufferPointer<Double>
    ) throws {
        guard !range.isEmpty else { return }
        var raw = [UInt32](repeating: 0, count: range.count)
        let wanted = 4 * range.count
        var got = 0
        try raw.withUnsafeMutableBytes { bytes in
            while got < wanted {
                let n = pread(descriptor, bytes.baseAddress! + got, wanted - got, off_t(SACHeader.byteCount + 4 * range.lowerBound + got))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    if n < 0 { throw SACError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
                    // Cut short since it was opened: say how long it is now.
                    var info = stat()
                    let size = fstat(descriptor, &info) == 0 ? Int(info.st_size) : SACHeader.byteCount + 4 * range.lowerBound + got
                    throw SACError.sizeMismatch(path: path, npts: npts, expectedBytes: SACHeader.byteCount + 4 * npts, actualBytes: size)
                }
                got += n
            }
        }
        let little = byteOrder == .littleEndian
        for i in 0..<range.count {
            let x = Double(Float(bitPattern: little ? UInt32(littleEndian: raw[i]) : UInt32(bigEndian: raw[i])))
            guard x.isFinite else {
                throw RecordError.nonFiniteSample(path: path, component: channel, index: range.lowerBound + i, value: x)
            }
            buffer[i] = x
        }
    }
}
