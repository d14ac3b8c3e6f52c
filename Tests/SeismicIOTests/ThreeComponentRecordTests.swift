// Tests of finding and reading a record's three SAC components.

import Foundation
import SeismicIO
import TestSupport
import Testing

@Suite struct ThreeComponentRecordTests {
    @Test func findsENZSiblingsOfRJOB() throws {
        let paths = try ThreeComponentRecord.siblingPaths(of: Fixtures.path("sac/BW.RJOB..EHN.sac"))
        #expect(paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["BW.RJOB..EHE.sac", "BW.RJOB..EHN.sac", "BW.RJOB..EHZ.sac"])
    }

    @Test func findsXYZSiblingsLikeTheReference() throws {
        let existing: Set<String> = ["/d/ST01.HLX.2020.sac", "/d/ST01.HLY.2020.sac", "/d/ST01.HLZ.2020.sac"]
        let paths = try ThreeComponentRecord.siblingPaths(of: "/d/ST01.HLZ.2020.sac") { existing.contains($0) }
        #expect(paths == ["/d/ST01.HLX.2020.sac", "/d/ST01.HLY.2020.sac", "/d/ST01.HLZ.2020.sac"])
    }

    @Test func namesTheMissingSibling() {
        #expect(throws: RecordError.missingComponent(path: "/d/A.HLX.sac", expected: "/d/A.HLY.sac")) {
            try ThreeComponentRecord.siblingPaths(of: "/d/A.HLX.sac") { $0 == "/d/A.HLX.sac" || $0 == "/d/A.HLZ.sac" }
        }
        // A Z file alone could be of any family: each one's missing files are named, none as if known.
        #expect(
            throws: RecordError.missingComponent(
                path: "/d/A.HNZ.sac",
                expected: "/d/A.HNX.sac and /d/A.HNY.sac, or A.HNE.sac and A.HNN.sac, or A.HN2.sac and A.HN1.sac, or A.HN3.sac and A.HN2.sac")
        ) {
            try ThreeComponentRecord.siblingPaths(of: "/d/A.HNZ.sac") { $0 == "/d/A.HNZ.sac" }
        }
        // With HNE there, the E/N/Z family is the one meant: only HNN is missing.
        #expect(throws: RecordError.missingComponent(path: "/d/A.HNZ.sac", expected: "/d/A.HNN.sac")) {
            try ThreeComponentRecord.siblingPaths(of: "/d/A.HNZ.sac") { $0 == "/d/A.HNZ.sac" || $0 == "/d/A.HNE.sac" }
        }
        // The file named is looked for first: its absence is not a missing sibling.
        #expect(throws: RecordError.fileNotFound(path: "/d/A.HNZ.sac")) {
            try ThreeComponentRecord.siblingPaths(of: "/d/A.HNZ.sac") { $0 != "/d/A.HNZ.sac" }
        }
        #expect(throws: RecordError.noComponentCode(path: "/d/record.sac")) {
            try ThreeComponentRecord.siblingPaths(of: "/d/record.sac") { _ in true }
        }
    }

    @Test func readsWaveformOfThreeComponents() throws {
        let (w, traces, _) = try ThreeComponentRecord.read(Fixtures.path("sac/BW.RJOB..EHZ.sac"))
        #expect(w.componentCount == 3)
        #expect(w.componentCodes == ["EHE", "EHN", "EHZ"])
        #expect(w.samplingRateHz == 100)
        #expect(w.sampleCount == traces[0].samples.count)
        let raw = try Fixtures.npy("signal/rjob", "raw")
        #expect(raw.shape == [3, w.sampleCount])
        #expect(w.components.flatMap { $0.map(Float.init) } == raw.floats)
    }

    @Test func refusesComponentsOfDifferentLength() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (c, n) in [("E", 10), ("N", 10), ("Z", 11)] {
            try SACTrace(samples: [Float](repeating: 1, count: n), delta: 0.01).write(to: "\(dir)/S.HH\(c).sac")
        }
        #expect(throws: RecordError.self) { try ThreeComponentRecord.read("\(dir)/S.HHE.sac") }
    }
}
