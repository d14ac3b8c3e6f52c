// The model card's chain, run as classify, monitor and prep run it, against ObsPy on a real record.

import Foundation
import SeismicIO
import SeismicTorch
import TestSupport
import Testing

@Suite struct PreprocessingChainTests {
    /// `Preprocessing.reference.prepareRecord` on BW.RJOB (ObsPy's example stream) equals ObsPy's
    /// detrend('linear') → taper(0.05) → filter('highpass', 0.5, corners=4, zerophase=False) to
    /// 1e-5 of each component's peak — the bound SignalChainTests derives for these float32
    /// references (u·|value| plus ObsPy's float32 steps, measured 0.45u).
    @Test func referenceChainMatchesObsPy() throws {
        let (w, _, _) = try ThreeComponentRecord.read(Fixtures.path("sac/BW.RJOB..EHZ.sac"))
        let prepared = try Preprocessing.reference.prepareRecord(w)
        let reference = try Fixtures.npy("signal/rjob", "obspy_highpassed")
        let n = reference.shape.last!
        let want = stride(from: 0, to: reference.doubles.count, by: n).map { Array(reference.doubles[$0..<($0 + n)]) }
        #expect(prepared.components.count == want.count)
        for (got, ref) in zip(prepared.components, want) {
            let peak = ref.map(abs).max()!
            let worst = zip(got, ref).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-5 * peak, "worst \(worst) of peak \(peak)")
        }
    }

    /// `seismic sac prepare` on miniSEED: each channel's segment (here BW.RJOB's three channels,
    /// one with a gap: two segments) is prepared on its own and written as SAC named by its SEED id
    /// and start, its header holding them, its samples the chain's output in float32.
    @Test func preparedMiniSEEDSegmentsAreTheChainsOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sacprep-mseed-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (w, _, _) = try ThreeComponentRecord.read(Fixtures.path("sac/BW.RJOB..EHZ.sac"))
        var segments = w.componentCodes.enumerated().map { c, code in
            TraceSegment(
                id: SEEDIdentifier(network: "BW", station: "RJOB", location: "", channel: code), startTime: w.startTime,
                samplingRateHz: w.samplingRateHz, samples: w.components[c])
        }
        let z = segments.removeLast()
        segments.append(TraceSegment(id: z.id, startTime: z.startTime, samplingRateHz: z.samplingRateHz, samples: Array(z.samples[..<1000])))
        segments.append(
            TraceSegment(id: z.id, startTime: z.startTime + 15, samplingRateHz: z.samplingRateHz, samples: Array(z.samples[1500...])))
        try MiniSEED.write(segments, to: folder + "/rjob.mseed", encoding: .float64)
        let written = try PreparedSACRecord.write(recordAt: folder + "/rjob.mseed", scale: 1, preprocessing: .reference, into: folder + "/out")
        #expect(written.count == 4)
        for segment in segments {
            let name = "\(segment.id).\(UTCTime.compact(segment.startTime)).sac"
            let path = try #require(written.first { $0.hasSuffix("/" + name) }, "\(name)")
            let t = try SACTrace(contentsOf: path)
            let one = Waveform(components: [segment.samples], samplingRateHz: segment.samplingRateHz, startTime: segment.startTime)
            #expect(t.samples == (try Preprocessing.reference.prepareRecord(one)).components[0].map(Float.init))
            #expect(try SACTrace.seedIdentifier(path: path) == segment.id)
            #expect(abs((t.header.startTime ?? 0) - segment.startTime) < 1e-3)
        }
    }

    /// `seismic sac prepare`'s library call writes what `prepareRecord` gives, as float32, with
    /// DEPMIN/DEPMAX updated, and refuses to write over its input.
    @Test func preparedSACRecordIsTheChainsOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sacprep-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let written = try PreparedSACRecord.write(recordAt: Fixtures.path("sac/BW.RJOB..EHZ.sac"), scale: 2, preprocessing: .reference, into: folder)
        #expect(written.map { ($0 as NSString).lastPathComponent } == ["BW.RJOB..EHE.sac", "BW.RJOB..EHN.sac", "BW.RJOB..EHZ.sac"])
        let (w, _, _) = try ThreeComponentRecord.read(Fixtures.path("sac/BW.RJOB..EHZ.sac"))
        let expected = try Preprocessing.reference.prepareRecord(w.mapComponents { $0.map { $0 * 2 } })
        for (i, path) in written.enumerated() {
            let t = try SACTrace(contentsOf: path)
            #expect(t.samples == expected.components[i].map(Float.init))
            #expect(t.header.dependentMaximum == t.samples.max() && t.header.dependentMinimum == t.samples.min())
        }
        #expect(throws: OutputPathError.self) {
            try PreparedSACRecord.write(recordAt: written[0], scale: 1, preprocessing: .reference, into: folder)
        }
    }
}
