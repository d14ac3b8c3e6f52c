// Tests of the SAC reader and writer against real files and the header values ObsPy reads.

import Foundation
import SeismicIO
import TestSupport
import Testing

nonisolated(unsafe) private let headers = try! Fixtures.json("sac/obspy_headers.json") as! [String: [String: Any]]
private let readable = headers.filter { $0.value["error"] == nil }.keys.sorted()

@Suite struct SACTraceTests {
    @Test(arguments: readable)
    func readsHeaderValuesAsObsPy(name: String) throws {
        let expected = headers[name]!
        let trace = try SACTrace(contentsOf: Fixtures.path("sac/\(name)"))
        #expect(trace.samples.count == expected["npts"] as! Int)
        #expect(trace.header.samplingIntervalSeconds == expected["delta"] as! Double)
        let fields = expected["header"] as! [String: Any]
        for (key, raw) in fields {
            let text = "\(raw)"
            if SACHeader.floatNames.contains(key) {
                #expect(trace.header.float(key) == Float(text)!, "\(name) \(key)")
            } else if SACHeader.intNames.contains(key) {
                #expect(trace.header.int(key) == Int(text)!, "\(name) \(key)")
            } else if key == "kevnm" {
                // ObsPy reads KEVNM as two 8-byte words and strips each ("FUNCGEN: SINE" ->
                // "FUNCGEN:SINE"); we keep the 16-byte field whole, so compare word by word.
                let raw = trace.header.stringBytes[1]
                let words = [raw[0..<8], raw[8..<16]].map {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                }
                let obspy = words.map { $0 == "-12345" ? "" : $0 }.joined()
                #expect(obspy == text, "\(name) kevnm")
            } else if SACHeader.stringNames.contains(key) {
                let value = trace.header.string(key)
                #expect(value == text || (text.isEmpty && value == nil), "\(name) \(key): \(String(describing: value)) vs \(text)")
            }
        }
        let first5 = (expected["first5"] as! [Double]).map(Float.init)
        #expect(Array(trace.samples.prefix(5)) == first5)
        let sum = trace.samples.reduce(0.0) { $0 + Double($1) }
        let want = expected["sum"] as! Double
        #expect(abs(sum - want) <= 1e-9 * max(1, abs(want)), "\(name) sum \(sum) vs \(want)")
    }

    @Test func readsBothByteOrdersAlike() throws {
        let little = try SACTrace(contentsOf: Fixtures.path("sac/test.sac"))
        let big = try SACTrace(contentsOf: Fixtures.path("sac/test.sac.swap"))
        #expect(little.byteOrder == .littleEndian)
        #expect(big.byteOrder == .bigEndian)
        #expect(little.samples == big.samples)
        #expect(little.header.floats[0...8] == big.header.floats[0...8])
    }

    @Test(arguments: readable)
    func writeThenReadIsBitExact(name: String) throws {
        let path = Fixtures.path("sac/\(name)")
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let trace = try SACTrace(contentsOf: path)
        #expect(trace.encoded() == original, "re-encoding \(name) changed its bytes")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID()).sac").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try trace.write(to: tmp, byteOrder: trace.byteOrder == .littleEndian ? .bigEndian : .littleEndian)
        let back = try SACTrace(contentsOf: tmp)
        #expect(back.header == trace.header)
        #expect(back.samples.map(\.bitPattern) == trace.samples.map(\.bitPattern))
    }

    @Test func undefinedValuesAreNil() throws {
        let trace = try SACTrace(contentsOf: Fixtures.path("sac/test.sac"))
        #expect(trace.header.float("evla") == nil)
        #expect(trace.header.int("norid") == nil)
        #expect(trace.header.string("kuser0") == nil)
        var h = SACHeader()
        h.setFloat("stla", 12.5)
        #expect(h.float("stla") == 12.5)
        h.setFloat("stla", nil)
        #expect(h.floats[SACHeader.floatNames.firstIndex(of: "stla")!] == SACHeader.undefinedFloat)
    }

    @Test func stringsStopAtNul() throws {
        let trace = try SACTrace(contentsOf: Fixtures.path("sac/null_terminated.sac"))
        #expect(trace.header.station == "PIN1")
        #expect(trace.header.channelCode == "LYE")
    }

    @Test func refusesAlphanumericFileNamingIt() throws {
        let path = Fixtures.path("sac/testxy.sac")
        #expect {
            try SACTrace(contentsOf: path)
        } throws: { error in
            guard let e = error as? SACError, case .notBinarySAC(let p, let reason) = e else { return false }
            return p == path && reason.contains("NVHDR") && reason.contains("but the file has 3072") && "\(e)".contains("testxy.sac")
        }
    }

    @Test func refusesTruncatedData() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sac/test.sac")))
        #expect(throws: SACError.sizeMismatch(path: "t.sac", npts: 100, expectedBytes: 1032, actualBytes: 1000)) {
            try SACTrace(bytes: data.prefix(1000), path: "t.sac")
        }
        #expect(throws: SACError.tooShort(path: "t.sac", byteCount: 100)) {
            try SACTrace(bytes: data.prefix(100), path: "t.sac")
        }
    }

    /// The header alone (sac info): the full read's header and byte order, from 632 bytes, with
    /// the same refusals of a file whose size does not match NPTS or that is not SAC.
    @Test func readsTheHeaderAloneWithTheSameChecks() throws {
        for name in ["sac/test.sac", "sac/seism.sac"] {
            let path = Fixtures.path(name)
            let (header, order) = try SACTrace.header(contentsOf: path)
            let full = try SACTrace(contentsOf: path)
            #expect(header == full.header)
            #expect(order == full.byteOrder)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sac-header-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sac/test.sac")))
        try data.prefix(1000).write(to: URL(fileURLWithPath: folder + "/cut.sac"))
        #expect(throws: SACError.sizeMismatch(path: folder + "/cut.sac", npts: 100, expectedBytes: 1032, actualBytes: 1000)) {
            try SACTrace.header(contentsOf: folder + "/cut.sac")
        }
        try data.prefix(100).write(to: URL(fileURLWithPath: folder + "/short.sac"))
        #expect(throws: SACError.tooShort(path: folder + "/short.sac", byteCount: 100)) { try SACTrace.header(contentsOf: folder + "/short.sac") }
        #expect(throws: SACError.self) { try SACTrace.header(contentsOf: folder + "/missing.sac") }
        #expect(throws: SACError.cannotOpen(path: folder, reason: "it is a folder, not a SAC file")) { try SACTrace.header(contentsOf: folder) }
        #expect(throws: SACError.cannotOpen(path: folder, reason: "it is a folder, not a SAC file")) { try SACTrace(contentsOf: folder) }
        #expect(throws: SACError.cannotOpen(path: folder, reason: "it is a folder, not a SAC file")) { try ThreeComponentRecord.read(folder) }
        #expect(throws: SafeTensorsError.cannotOpen(path: folder, reason: "it is a folder, not a safetensors checkpoint")) {
            try SafeTensorsFile(contentsOf: folder)
        }
    }

    @Test func refusesBadNptsDeltaAndUnevenFiles() throws {
        var t = SACTrace(samples: [1, 2, 3], delta: 0.01)
        var bytes = t.encoded()
        bytes.replaceSubrange(280 + 9 * 4..<280 + 10 * 4, with: withUnsafeBytes(of: Int32(-4).littleEndian) { Data($0) })
        #expect(throws: SACError.invalidNPTS(path: "x", npts: -4)) { try SACTrace(bytes: bytes, path: "x") }
        t.header.setFloat("delta", .infinity)
        #expect(throws: SACError.invalidDelta(path: "x", delta: .infinity)) { try SACTrace(bytes: t.encoded(), path: "x") }
        t.header.setFloat("delta", 0.01)
        t.header.setInt("leven", 0)
        #expect(throws: SACError.unevenlySampled(path: "x", iftype: 1, leven: 0)) { try SACTrace(bytes: t.encoded(), path: "x") }
    }

    @Test func fuzzedBytesNeverCrash() throws {
        var rng = TestRNG(seed: 7)
        let real = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sac/seism.sac")))
        var accepted = 0
        for round in 0..<3000 {
            var bytes: Data
            switch round % 3 {
            case 0: bytes = Data((0..<Int.random(in: 0..<2000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            case 1: bytes = real.prefix(Int.random(in: 0..<real.count, using: &rng))
            default:
                bytes = real
                for _ in 0..<8 { bytes[Int.random(in: 0..<SACHeader.byteCount, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            if let t = try? SACTrace(bytes: bytes) {
                accepted += 1
                #expect(t.samples.count == t.header.npts)
            }
        }
        #expect(accepted < 3000)
    }

    @Test func nptsSetFromSamplesAndReferenceTimeRoundTrips() throws {
        var t = SACTrace(samples: [0, 1, 2, 3], delta: 0.025, begin: 2)
        t.header.setReferenceTime(1_577_836_800.5)  // 2020-01-01T00:00:00.5
        #expect(t.header.int("nzyear") == 2020 && t.header.int("nzjday") == 1 && t.header.int("nzmsec") == 500)
        #expect(t.header.startTime == 1_577_836_802.5)
        #expect(t.header.e == 2.075)
        let rjob = try SACTrace(contentsOf: Fixtures.path("sac/BW.RJOB..EHZ.sac"))
        var h = SACHeader()
        h.setReferenceTime(rjob.header.referenceTime!)
        #expect(h.referenceTime == rjob.header.referenceTime)
    }
}
