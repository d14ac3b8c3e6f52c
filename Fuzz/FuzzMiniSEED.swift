// libFuzzer target: miniSEED bytes → segments (libmseed's decoding, our joining and checks).
// Built with SeismicIO's sources into one module by scripts/fuzz.sh; not part of the package.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMiniSEED(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let v = try? MiniSEED.read(bytes: Data(bytes: data, count: size), path: "fuzz.mseed") else { return 0 }
    for s in v.segments {
        guard !s.samples.isEmpty, s.samplingRateHz.isFinite, s.samplingRateHz > 0, s.startTime.isFinite else { fatalError("segment \(s.id) inconsistent") }
    }
    let scan = InstrumentRecords.assemble(v.segments, componentOrder: ["E", "N", "Z"])
    for r in scan.records where r.waveform.componentCount != 3 || r.waveform.sampleCount == 0 { fatalError("record \(r.instrumentID) inconsistent") }
    return 0
}
