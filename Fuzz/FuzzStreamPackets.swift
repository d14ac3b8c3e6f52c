// libFuzzer target: the bytes of a Raspberry Shake UDP datagram, or of a `time,x,y,z` stdin line →
// StreamParsing; a parsed packet must have a short channel code, a finite time and samples.
// Built with SeismicIO's sources and Sources/SeismicTorch/Monitor/StreamPackets.swift (which needs
// only Foundation) into one module by scripts/fuzz.sh; not part of the package.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStreamPackets(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let p = StreamParsing.shakePacket(text) {
        guard p.time.isFinite, !p.samples.isEmpty, !p.channel.isEmpty, p.channel.count <= 8 else {
            fatalError("accepted a packet with channel '\(p.channel)', time \(p.time), \(p.samples.count) samples")
        }
    }
    if let (t, values) = StreamParsing.csvLine(text) {
        guard t.isFinite, !values.isEmpty else { fatalError("accepted a line with time \(t) and \(values.count) values") }
    }
    return 0
}
