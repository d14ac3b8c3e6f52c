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
        for p in paths {
            let fd = Foundation.open(p, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                for d in fds { close(d) }
                throw .cannotOpen(path: p, reason: reason)
            }
            fds.append(fd)
            // The file opened is the one whose header was read: its size still fits the header.
            var info = stat()
            let expected = SACHeader.byteCount + 4 * headers[fds.count - 1].npts
            if fstat(fd, &info) != 0 || Int(info.st_size) != expected {
                for d in fds { close(d) }
                throw .sizeMismatch(path: p, npts: headers[fds.count - 1].npts, expectedBytes: expected, actualBytes: Int(info.st_size))
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
        guard !range.isEmpty else { return }
        var raw = [UInt32](repeating: 0, count: range.count)
        let wanted = 4 * range.count
        var got = 0
        try raw.withUnsafeMutableBytes { bytes in
            while got < wanted {
                let n = pread(descriptors[component], bytes.baseAddress! + got, wanted - got, off_t(SACHeader.byteCount + 4 * range.lowerBound + got))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    if n < 0 { throw SACError.cannotRead(path: paths[component], reason: String(cString: strerror(errno))) }
                    // Cut short since it was opened: say how long it is now.
                    var info = stat()
                    let size = fstat(descriptors[component], &info) == 0 ? Int(info.st_size) : SACHeader.byteCount + 4 * range.lowerBound + got
                    throw SACError.sizeMismatch(
                        path: paths[component], npts: sampleCount, expectedBytes: SACHeader.byteCount + 4 * sampleCount, actualBytes: size)
                }
                got += n
            }
        }
        let little = byteOrders[component] == .littleEndian
        for i in 0..<range.count {
            let x = Double(Float(bitPattern: little ? UInt32(littleEndian: raw[i]) : UInt32(bigEndian: raw[i])))
            guard x.isFinite else {
                throw RecordError.nonFiniteSample(path: paths[component], component: componentCodes[component], index: range.lowerBound + i, value: x)
            }
            buffer[i] = x
        }
    }
}
