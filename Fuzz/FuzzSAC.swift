// libFuzzer target: SAC bytes → SACTrace (and, when it loads, a one-component Waveform).
// Built with SeismicIO's sources into one module by scripts/fuzz.sh; not part of the package.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSAC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let t = try? SACTrace(bytes: Data(bytes: data, count: size), path: "fuzz.sac") else { return 0 }
    guard t.samples.count == t.header.npts, !t.samples.isEmpty else { fatalError("\(t.samples.count) samples, NPTS \(t.header.npts)") }
    guard t.samplingRateHz.isFinite, t.samplingRateHz > 0 else { fatalError("sampling rate \(t.samplingRateHz)") }
    if let r = t.header.referenceTime, !r.isFinite { fatalError("reference time \(r)") }
    if let w = try? Waveform(
        validating: [t.samples.map(Double.init)], componentCodes: [t.header.channelCode ?? "?"],
        samplingRateHz: t.samplingRateHz, startTime: t.header.startTime ?? 0)
    {
        guard w.sampleCount == t.samples.count, w.components[0].allSatisfy(\.isFinite) else { fatalError("waveform inconsistent") }
    }
    return 0
}
