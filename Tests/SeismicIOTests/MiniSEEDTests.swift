// miniSEED 2 through libmseed: every encoding written and read back, record lengths, records out
// of order, gaps and overlaps, formats told apart, refusals; and a mutation fuzz of the reader.

import Foundation
import SeismicIO
import TestSupport
import Testing

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("mseed-\(UUID())-\(name)").path
}

private let start = 1_562_383_193.04  // 2019-07-06T03:19:53.04Z

/// `count` whole-number samples of a channel: a chirp of amplitude `amplitude` plus a ramp.
private func segment(_ id: String, count: Int = 3000, rate: Double = 100, at time: Double = start, amplitude: Double = 20000) -> TraceSegment {
    TraceSegment(
        id: SEEDIdentifier(id)!, startTime: time, samplingRateHz: rate,
        samples: (0..<count).map { i in (amplitude * sin(Double(i * i) / 5000) + Double(i % 97) - 48).rounded() })
}

/// `MiniSEED.index` of `path` against `MiniSEED.read`: the same segments (ids, start times,
/// rates and, decoded, samples), or nil; returns whether it indexed.
@discardableResult
private func expectIndexMatchesRead(_ path: String, _ what: String) throws -> Bool {
    let read = try MiniSEED.read(path).segments
    guard let indexed = try MiniSEED.index(path) else { return false }
    #expect(indexed.map(\.id) == read.map(\.id), "\(what)")
    #expect(indexed.map(\.startTime) == read.map(\.startTime) && indexed.map(\.samplingRateHz) == read.map(\.samplingRateHz), "\(what)")
    #expect(indexed.map(\.sampleCount) == read.map(\.samples.count), "\(what)")
    // (Bit patterns: a NaN sample must come back as the same NaN.)
    #expect(try indexed.map { try $0.decoded().map(\.bitPattern) } == read.map { $0.samples.map(\.bitPattern) }, "\(what)")
    return true
}

@Suite struct MiniSEEDTests {
    /// Every encoding and two record lengths: the samples, SEED id, start time (to the
    /// microsecond) and rate come back; integer encodings exactly, float32 to its precision.
    @Test func everyEncodingRoundTrips() throws {
        let path = temporaryPath("rt.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for encoding in MiniSEEDEncoding.allCases {
            for length in [512, 4096] {
                let s = segment("CI.PASC.00.HHZ", amplitude: encoding == .int16 ? 30000 : 2_000_000)
                try MiniSEED.write([s], to: path, encoding: encoding, recordLength: length)
                let v = try MiniSEED.read(path)
                #expect(v.segments.count == 1 && v.gaps.isEmpty, "\(encoding) \(length)")
                let r = try #require(v.segments.first)
                #expect(r.id == s.id && r.samplingRateHz == 100 && abs(r.startTime - start) < 1e-6)
                #expect(try expectIndexMatchesRead(path, "\(encoding) \(length)"))
                #expect(v.encodings == [encoding.rawValue])
                if encoding == .float32 {
                    // float32 holds 24 bits: whole numbers up to 2^24 exactly, beyond within half an ulp.
                    #expect(zip(r.samples, s.samples).allSatisfy { abs($0 - $1) <= abs($1) * 0x1p-24 })
                } else {
                    #expect(r.samples == s.samples, "\(encoding) \(length)")
                }
            }
        }
    }

    /// A file with three channels of two stations, records shuffled: each channel is one segment
    /// again, sorted by id.
    @Test func channelsAndRecordsOutOfOrderAreSorted() throws {
        let path = temporaryPath("multi.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ids = ["CI.PASC.00.HHE", "CI.PASC.00.HHN", "CI.PASC.00.HHZ", "AZ.BZN..HNZ"]
        try MiniSEED.write(ids.map { segment($0) }, to: path, encoding: .steim2, recordLength: 512)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        var records = stride(from: 0, to: data.count, by: 512).map { data[$0..<($0 + 512)] }
        var rng = TestRNG(seed: 3)
        records.shuffle(using: &rng)
        data = Data(records.joined())
        try data.write(to: URL(fileURLWithPath: path))
        let v = try MiniSEED.read(path)
        #expect(v.segments.map(\.id.description) == ids.sorted())
        // Records out of time order are not indexed: read joins them.
        #expect(try !expectIndexMatchesRead(path, "shuffled"))
        try MiniSEED.write(ids.map { segment($0) }, to: path, encoding: .steim2, recordLength: 512)
        #expect(try expectIndexMatchesRead(path, "four channels in order"))
        #expect(v.segments.allSatisfy { $0.samples == segment($0.id.description).samples && abs($0.startTime - start) < 1e-6 })
        #expect(v.gaps.isEmpty)
    }

    /// A gap of 2.5 s and an overlap of 1 s in one channel: three segments, and the breaks listed
    /// with their signed lengths (as ObsPy's get_gaps).
    @Test func gapsAndOverlapsAreListed() throws {
        let path = temporaryPath("gaps.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = segment("XX.STA..BHZ", count: 1000)  // 10 s
        let b = segment("XX.STA..BHZ", count: 1000, at: start + 12.5)
        let c = segment("XX.STA..BHZ", count: 500, at: start + 21.5)
        try MiniSEED.write([a, b, c], to: path, encoding: .int32)
        let v = try MiniSEED.read(path)
        #expect(v.segments.count == 3)
        #expect(v.gaps.count == 2)
        #expect(abs(v.gaps[0].seconds - 2.5) < 1e-6 && abs(v.gaps[1].seconds - -1.0) < 1e-6)
        #expect(v.gaps[0].description.hasPrefix("XX.STA..BHZ gap of 2.500 s at 2019-07-06T03:20:03.040000Z"))
        #expect(v.gaps[1].description == "XX.STA..BHZ overlap of 1.000 s from 2019-07-06T03:20:14.540000Z")
        #expect(v.gaps.map(\.outcome) == ["the record is split there", "the earlier samples are kept"])
        // A change of sampling rate where the times join is named as such, not as a gap of 0 s;
        // with a gap as well, both.
        let joined = segment("XX.STA..BHZ", count: 500, rate: 50, at: start + 10)
        let afterGap = segment("XX.STA..BHZ", count: 500, rate: 50, at: start + 12.5)
        let early = segment("XX.STA..BHZ", count: 500, rate: 50, at: start + 9)
        for (second, expected) in [
            (joined, "XX.STA..BHZ sampling rate changes from 100 Hz to 50 Hz at 2019-07-06T03:20:03.040000Z"),
            (afterGap, "XX.STA..BHZ sampling rate changes from 100 Hz to 50 Hz at 2019-07-06T03:20:05.540000Z, after a gap of 2.500 s"),
            (early, "XX.STA..BHZ sampling rate changes from 100 Hz to 50 Hz at 2019-07-06T03:20:02.040000Z, overlapping the earlier segment by 1.000 s")
        ] {
            try MiniSEED.write([a, second], to: path, encoding: .int32)
            let rates = try MiniSEED.read(path)
            #expect(rates.segments.count == 2 && rates.gaps.count == 1)
            #expect(rates.gaps.first?.description == expected && rates.gaps.first?.outcome == "the record is split there")
        }
        try MiniSEED.write([a, b, c], to: path, encoding: .int32)
        // An overlap is not indexed; gaps, a change of rate and a jitter under half a sample are.
        #expect(try !expectIndexMatchesRead(path, "overlap"))
        // libmseed's heal joins a 100 Hz channel's 0.2 s gap when a 1 Hz channel with a gap sets its
        // tolerance (0.5 s), and cannot join int and float samples: both are left to read.
        let slow = [segment("XX.STA.00.LHZ", count: 100, rate: 1), segment("XX.STA.00.LHZ", count: 100, rate: 1, at: start + 130)]
        let fast = [segment("XX.STA.10.HHZ", count: 1000), segment("XX.STA.10.HHZ", count: 1000, at: start + 10.2)]
        try MiniSEED.write(slow + fast, to: path, encoding: .int32)
        #expect(try !expectIndexMatchesRead(path, "heal across rates"))
        try MiniSEED.write(fast, to: path, encoding: .int32)
        #expect(try expectIndexMatchesRead(path, "the 0.2 s gap alone"))
        try MiniSEED.write([fast[0]], to: path, encoding: .steim2)
        let ints = try Data(contentsOf: URL(fileURLWithPath: path))
        try MiniSEED.write([segment("XX.STA.10.HHZ", count: 1000, at: start + 10)], to: path, encoding: .float32)
        try (ints + Data(contentsOf: URL(fileURLWithPath: path))).write(to: URL(fileURLWithPath: path))
        #expect(try MiniSEED.index(path) == nil)
        #expect(throws: MiniSEEDError.self) { try MiniSEED.read(path) }
        let jitter = segment("XX.STA..BHZ", count: 700, at: start + 10.004)
        let slower = segment("XX.STA..BHZ", count: 300, rate: 50, at: start + 17.004)
        let late = segment("XX.STA..BHZ", count: 500, at: start + 40)
        for length in [256, 512, 4096] {
            try MiniSEED.write([a, jitter, slower, late], to: path, encoding: .steim1, recordLength: length)
            #expect(try expectIndexMatchesRead(path, "gaps, rate change, jitter, \(length)-byte records"))
        }
    }

    /// Indexing holds no file open: the records of many day files are opened as they are read.
    @Test func indexingHoldsNoDescriptors() throws {
        let paths = (0..<40).map { temporaryPath("fd\($0).mseed") }
        defer { for p in paths { try? FileManager.default.removeItem(atPath: p) } }
        for p in paths { try MiniSEED.write([segment("XX.STA..BHZ", count: 500)], to: p, encoding: .steim2) }
        let open = { try #require(try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count, "/proc/self/fd lists open descriptors (Linux)") }
        let before = try open()
        let segments = try paths.compactMap { try MiniSEED.index($0) }
        #expect(try segments.count == 40 && open() <= before + 2)  // (other tests may open a file meanwhile)
    }

    /// Files of other formats are named by what they look like; folders, missing files, empty
    /// files and truncated records are refused naming the file and the reason.
    @Test func otherFormatsAndBrokenFilesAreRefusedByName() throws {
        #expect(throws: MiniSEEDError.notMiniSEED(path: Fixtures.path("sac/test.sac"), format: .sac)) {
            try MiniSEED.read(Fixtures.path("sac/test.sac"))
        }
        #expect(throws: MiniSEEDError.notMiniSEED(path: Fixtures.path("hdf5/hostile.h5"), format: .hdf5)) {
            try MiniSEED.read(Fixtures.path("hdf5/hostile.h5"))
        }
        let samples: [(String, [UInt8], FileFormat)] = [
            ("mseed3", [0x4D, 0x53, 3, 0] + [UInt8](repeating: 0, count: 60), .miniSEED3),
            ("stationxml", Array("<?xml version=\"1.0\"?>\n<FDSNStationXML xmlns=\"http://www.fdsn.org/xml/station/1\">".utf8), .stationXML),
            ("quakeml", Array("<?xml version='1.0'?><q:quakeml xmlns:q=\"http://quakeml.org/xmlns/quakeml/1.2\">".utf8), .quakeML),
            ("gse2", Array("BEGIN GSE2.0\nMSG_TYPE DATA\n".utf8), .gse2),
            ("segy", [0xC3, 0x40, 0xF1, 0x40] + [UInt8](repeating: 0x40, count: 3600), .segy),
            ("text", Array("time,x,y,z\n1,2,3,4\n".utf8), .text),
            ("empty", [], .empty)
        ]
        for (name, bytes, format) in samples {
            #expect(FileFormat.detect(bytes, fileLength: bytes.count) == format, "\(name)")
            #expect(throws: MiniSEEDError.notMiniSEED(path: name, format: format)) { try MiniSEED.read(bytes: Data(bytes), path: name) }
        }
        #expect { try MiniSEED.read(bytes: Data(), path: "day.mseed") } throws: { "\($0)" == "day.mseed: not miniSEED 2: the file is empty (0 bytes)" }
        #expect { try MiniSEED.read(FileManager.default.temporaryDirectory.path) } throws: { "\($0)".contains("it is a folder") }
        #expect { try MiniSEED.read("/nonexistent/x.mseed") } throws: { "\($0)" == "/nonexistent/x.mseed: cannot open: no such file" }

        let path = temporaryPath("cut.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MiniSEED.write([segment("CI.PASC..HHZ", count: 5000)], to: path, encoding: .steim2, recordLength: 512)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = whole.prefix(whole.count - 200)
        #expect(throws: MiniSEEDError.badRecord(path: "cut", offset: whole.count - 512, reason: "truncated: the record is 512 bytes, 312 remain")) {
            try MiniSEED.read(bytes: cut, path: "cut")
        }
        // A record whose header is overwritten in the middle of the file.
        var broken = whole
        broken.replaceSubrange(1024..<1072, with: [UInt8](repeating: 0x41, count: 48))
        #expect { try MiniSEED.read(bytes: broken, path: "broken") } throws: { "\($0)".hasPrefix("broken: miniSEED record at byte 1024: ") }
        // Zero padding after the last record is allowed.
        let padded = try MiniSEED.read(bytes: whole + Data(count: 300), path: "padded")
        #expect(padded.segments.first?.samples.count == 5000)
    }

    /// Steim's integrity check (libmseed logs it; ObsPy warns): a record whose forward constant X0
    /// or reverse constant Xn was overwritten decodes to samples that do not end on Xn. It is a
    /// corrupt record — skipped and listed with the reason when skipping, refusing the file when not,
    /// and an error when an indexed record is decoded — never samples. Steim-1 and Steim-2, records
    /// in the middle (2) and first (0).
    @Test(arguments: [MiniSEEDEncoding.steim1, .steim2])
    func aRecordFailingSteimsIntegrityCheckIsCorrupt(encoding: MiniSEEDEncoding) throws {
        let path = temporaryPath("steim-check.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MiniSEED.write([segment("CI.PASC..HHZ", count: 5000)], to: path, encoding: encoding, recordLength: 512)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        func dataOffset(_ k: Int) -> Int { Int(whole[k * 512 + 44]) << 8 | Int(whole[k * 512 + 45]) }
        for (record, constant) in [(2, 4), (0, 8)] {  // X0 at bytes 4–7 of the first frame, Xn at 8–11
            var broken = whole
            let at = record * 512 + dataOffset(record) + constant
            broken[at] ^= 0x7F  // the constant's high byte
            let v = try MiniSEED.read(bytes: broken, path: "broken", skippingCorrupt: true)
            #expect(v.corrupt.map(\.offset) == [record * 512] && v.corrupt.map(\.length) == [512], "record \(record)")
            #expect(v.corrupt.first?.reason.contains("integrity check failed: the last sample decodes to") == true, "\(v.corrupt)")
            var kept = Data()
            for k in 0..<(whole.count / 512) where k != record { kept += whole[(k * 512)..<((k + 1) * 512)] }
            #expect(v.segments == (try MiniSEED.read(bytes: kept, path: "kept")).segments)
            #expect { try MiniSEED.read(bytes: broken, path: "broken") } throws: { "\($0)".contains("integrity check failed") }
            try broken.write(to: URL(fileURLWithPath: path))
            let indexed = try #require(try MiniSEED.index(path))
            #expect { try indexed.map { try $0.decoded() } } throws: { "\($0)".contains("integrity check failed") }
        }
        // The intact file passes: read and indexed alike.
        try whole.write(to: URL(fileURLWithPath: path))
        #expect(try MiniSEED.read(path).corrupt.isEmpty)
        #expect(try expectIndexMatchesRead(path, "intact \(encoding)"))
    }

    /// The check reads Xn in the byte order libmseed decodes the data in: blockette 1000's word
    /// order, else the header's. Little-endian Steim-1 and Steim-2 files written by ObsPy
    /// (Fixtures/mseed-byteorder) read whole with the samples written; without blockette 1000
    /// (libmseed takes Steim-1 in the header's order) every record a next one follows reads too,
    /// none failing the check; an X0 overwritten in the little-endian Steim-2 file still fails it.
    @Test func steimsCheckReadsXnInTheDataByteOrder() throws {
        let folder = Fixtures.path("mseed-byteorder")
        let written = segment("CI.PASC..HHZ", count: 5000).samples
        for name in ["le_STEIM1", "le_STEIM2"] {
            let v = try MiniSEED.read(folder + "/\(name).mseed")
            #expect(v.corrupt.isEmpty && v.segments.count == 1 && v.segments.first?.samples == written, "\(name)")
        }
        let stripped = try MiniSEED.read(folder + "/le_STEIM1_no1000.mseed", skippingCorrupt: true)
        #expect(!stripped.corrupt.contains { $0.reason.contains("integrity") }, "\(stripped.corrupt)")
        let samples = try #require(stripped.segments.first?.samples)
        #expect(samples.count >= 4_500 && samples == Array(written.prefix(samples.count)))
        var broken = try Data(contentsOf: URL(fileURLWithPath: folder + "/le_STEIM2.mseed"))
        let dataOffset = Int(broken[45]) << 8 | Int(broken[44])  // little-endian
        broken[dataOffset + 4] ^= 0x7F  // record 0's X0, its low byte first
        let b = try MiniSEED.read(bytes: broken, path: "broken", skippingCorrupt: true)
        #expect(b.corrupt.map(\.offset) == [0] && b.corrupt.first?.reason.contains("integrity check failed") == true, "\(b.corrupt)")
    }

    /// Skipping corrupt records (`read(_:skippingCorrupt:)`): a record whose header is overwritten,
    /// one claiming more samples than it holds and a last record cut short are skipped and listed
    /// (offset, length, reason; the overwritten header and the data after it up to the next record
    /// as one run of 512 bytes), and the samples are those of the file with those records removed:
    /// the channel has a gap where they were. `seismic info` lists the runs.
    @Test func corruptRecordsAreSkippedAsGaps() throws {
        let path = temporaryPath("corrupt.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MiniSEED.write([segment("CI.PASC..HHZ", count: 5000)], to: path, encoding: .steim2, recordLength: 512)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(whole.count >= 8 * 512)
        func removing(_ records: [Int]) -> Data {
            var d = Data()
            for k in 0..<(whole.count / 512) where !records.contains(k) { d += whole[(k * 512)..<((k + 1) * 512)] }
            return d
        }
        var broken = whole
        broken.replaceSubrange(1024..<1072, with: [UInt8](repeating: 0x41, count: 48))  // record 2's header
        broken[2048 + 30] = 0xFF  // record 4 claims 65,535 samples
        broken[2048 + 31] = 0xFF
        broken = broken.prefix(broken.count - 200)  // the last record cut short
        let last = whole.count / 512 - 1
        let v = try MiniSEED.read(bytes: broken, path: "broken", skippingCorrupt: true)
        #expect(v.corrupt.map(\.offset) == [1024, 2048, last * 512] && v.corrupt.map(\.length) == [512, 512, 312])
        #expect(v.corrupt.allSatisfy { $0.path == "broken" && !$0.reason.isEmpty })
        #expect(v.corrupt[2].reason == "truncated: the record is 512 bytes, 312 remain")
        let expected = try MiniSEED.read(bytes: removing([2, 4, last]), path: "expected")
        #expect(v.segments == expected.segments && v.segments.count == 3 && v.gaps.count == 2)
        #expect(v.records == expected.records)
        // Not skipping: the first corrupt record refuses the file, as before.
        #expect { try MiniSEED.read(bytes: broken, path: "broken") } throws: { "\($0)".hasPrefix("broken: miniSEED record at byte 1024: ") }
        // Nothing but corrupt bytes: no data, saying so.
        #expect { try MiniSEED.read(bytes: Data(whole.prefix(48)) + Data(repeating: 0x41, count: 1000), path: "junk", skippingCorrupt: true) } throws: {
            guard case MiniSEEDError.noData(_, let reason) = $0 else { return false }
            return reason.contains("corrupt bytes (at byte 0: ")
        }
        try broken.write(to: URL(fileURLWithPath: path))
        let lines = try FileSummary.lines(for: path)
        #expect(lines.contains { $0.hasPrefix("  skipped bytes 1024–1535 (512 bytes), corrupt: ") })
        #expect(lines.contains("  skipped bytes \(last * 512)–\(last * 512 + 311) (312 bytes), corrupt: truncated: the record is 512 bytes, 312 remain"))

        // The first record's header overwritten: still miniSEED by the headers after it (a file of
        // 4096-byte records too), read without that record when skipping, refused at byte 0 when not.
        var firstBroken = whole
        firstBroken.replaceSubrange(0..<48, with: [UInt8](repeating: 0x41, count: 48))
        #expect(FileFormat.detect([UInt8](firstBroken), fileLength: firstBroken.count) == .miniSEED2)
        let first = try MiniSEED.read(bytes: firstBroken, path: "first", skippingCorrupt: true)
        #expect(first.corrupt.map(\.offset) == [0] && first.corrupt.map(\.length) == [512])
        #expect(first.segments == (try MiniSEED.read(bytes: removing([0]), path: "expected")).segments)
        #expect { try MiniSEED.read(bytes: firstBroken, path: "first") } throws: { "\($0)".hasPrefix("first: miniSEED record at byte 0: ") }
        let bigPath = temporaryPath("first-4096.mseed")
        defer { try? FileManager.default.removeItem(atPath: bigPath) }
        try MiniSEED.write([segment("CI.PASC..HHZ", count: 20000)], to: bigPath, encoding: .steim2, recordLength: 4096)
        var big = try Data(contentsOf: URL(fileURLWithPath: bigPath))
        big.replaceSubrange(0..<48, with: [UInt8](repeating: 0x41, count: 48))
        try big.write(to: URL(fileURLWithPath: bigPath))
        #expect(FileFormat.detect(path: bigPath) == .miniSEED2)
        // Bytes that are no miniSEED stay unknown; one header-like run at a record boundary is not enough.
        var state: UInt64 = 46  // a fixed sequence (Knuth's 64-bit LCG, top byte): the same bytes every run
        var noise = (0..<8192).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        noise[0] = 0xFF
        #expect(FileFormat.detect(noise, fileLength: 100_000) == .unknown)
        noise.replaceSubrange(1024..<1072, with: [UInt8](whole[0..<48]))
        #expect(FileFormat.detect(noise, fileLength: 100_000) == .unknown)
        // A whole file of a damaged record and one good one is miniSEED.
        #expect(FileFormat.detect([UInt8](firstBroken.prefix(1024)), fileLength: 1024) == .miniSEED2)

        // Garbage of a length that is no multiple of 128, and a megabyte of zeros, between records:
        // skipped a byte at a time until the next record, which is read, as every one after it.
        let garbage = whole[0..<1536] + Data(repeating: 0x55, count: 77) + whole[1536...]
        let g = try MiniSEED.read(bytes: garbage, path: "garbage", skippingCorrupt: true)
        let intact = try MiniSEED.read(bytes: whole, path: "whole").segments
        #expect(g.corrupt.map(\.offset) == [1536] && g.corrupt.map(\.length) == [77] && g.segments == intact)
        let zeros = whole[0..<1536] + Data(count: 1 << 20) + whole[1536...]
        let z = try MiniSEED.read(bytes: zeros, path: "zeros", skippingCorrupt: true)
        #expect(z.corrupt.map(\.offset) == [1536] && z.corrupt.map(\.length) == [1 << 20] && z.segments == g.segments)

        // A damaged blockette 1000 claiming 4096 bytes on a record that still decodes: the records
        // inside the claimed length are not hidden (as they are in ObsPy). The record is corrupt for
        // its own 512 bytes, where the next header starts; read strictly, the file is refused.
        var claiming = whole
        let firstBlockette = 3 * 512 + Int(claiming[3 * 512 + 46]) << 8 + Int(claiming[3 * 512 + 47])
        #expect(claiming[firstBlockette] == 0x03 && claiming[firstBlockette + 1] == 0xE8, "blockette 1000 first")
        claiming[firstBlockette + 6] = 12  // record length 2¹² = 4096
        let c = try MiniSEED.read(bytes: claiming, path: "claiming", skippingCorrupt: true)
        #expect(c.corrupt.map(\.offset) == [1536] && c.corrupt.map(\.length) == [512])
        #expect(c.corrupt.first?.reason == "the record claims 4096 bytes, but a record header starts 512 bytes in")
        #expect(c.segments == (try MiniSEED.read(bytes: removing([3]), path: "expected")).segments && c.segments.count == 2)
        #expect { try MiniSEED.read(bytes: claiming, path: "claiming") } throws: {
            "\($0)".hasPrefix("claiming: miniSEED record at byte 1536: the record claims 4096 bytes")
        }

        // A float32 record decoding to NaN (garbage read as floats) is corrupt when skipping; read
        // strictly, its NaNs are samples (refused later, when a record is made of them).
        try MiniSEED.write([segment("CI.PASC..HHZ", count: 1000)], to: path, encoding: .float32, recordLength: 512)
        var floats = try Data(contentsOf: URL(fileURLWithPath: path))
        floats.replaceSubrange((512 + 64)..<1024, with: [UInt8](repeating: 0xFF, count: 448))
        let f = try MiniSEED.read(bytes: floats, path: "floats", skippingCorrupt: true)
        #expect(
            f.corrupt.map(\.offset) == [512] && f.corrupt.map(\.length) == [512] && f.corrupt.first?.reason.hasPrefix("sample ") == true
                && f.corrupt.first?.reason.hasSuffix(" of the record is NaN") == true, "\(f.corrupt)")
        #expect(f.segments.count == 2 && f.segments.allSatisfy { $0.samples.allSatisfy(\.isFinite) })
        #expect(try MiniSEED.read(bytes: floats, path: "floats").segments.first?.samples.contains { $0.isNaN } == true)

        // Samples of another type continuing a channel (float32, then Steim-2) are not corrupt: the
        // file is refused as before, skipping or not.
        try MiniSEED.write([segment("CI.PASC..HHZ", count: 300)], to: path, encoding: .float32, recordLength: 512)
        var mixed = try Data(contentsOf: URL(fileURLWithPath: path))
        try MiniSEED.write([segment("CI.PASC..HHZ", count: 300, at: start + 3)], to: path, encoding: .steim2, recordLength: 512)
        mixed += try Data(contentsOf: URL(fileURLWithPath: path))
        #expect { try MiniSEED.read(bytes: mixed, path: "mixed", skippingCorrupt: true) } throws: {
            guard case MiniSEEDError.cannotJoin = $0 else { return false }
            return "\($0)".hasPrefix("mixed: miniSEED record at byte ")
        }
    }

    /// Valid records whose samples or text look like a record header where a shorter record would
    /// end (found by a helper's attack on the check for a damaged blockette 1000): an int16 record
    /// whose bytes 128… read "\0\0\0\0\0\0D\0" with small hour, minute and second bytes, and
    /// a text record holding the line "000123D  status: ok" at byte 128. Both are read whole, nothing
    /// skipped: the search starts where a record's samples end.
    @Test func samplesThatLookLikeAHeaderAreSamples() throws {
        let path = temporaryPath("lookalike.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let probe = segment("XX.FP..HHZ", count: 10)
        try MiniSEED.write([probe], to: path, encoding: .int16, recordLength: 512)
        let header = try Data(contentsOf: URL(fileURLWithPath: path))
        let dataOffset = Int(header[44]) << 8 | Int(header[45])
        #expect(header[48] == 0x03 && header[49] == 0xE8 && dataOffset < 128, "blockette 1000 at byte 48, data before byte 128")
        let perRecord = (512 - dataOffset) / 2, at = (128 - dataOffset) / 2
        var samples = (0..<2000).map { Double($0 % 50) }
        let k = 2 * perRecord + at  // record 2, byte 128
        for i in k..<(k + 3) { samples[i] = 0 }
        samples[k + 3] = 17408  // 0x4400: "D", NUL
        samples[k + 12] = 5  // hour 0, minute 5
        samples[k + 13] = 7  // second 0
        let lookalike = TraceSegment(id: probe.id, startTime: start, samplingRateHz: 100, samples: samples)
        try MiniSEED.write([lookalike], to: path, encoding: .int16, recordLength: 512)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes[(1024 + 128)..<(1024 + 136)] == Data([0, 0, 0, 0, 0, 0, 0x44, 0]), "the header-like bytes where the test puts them")
        let v = try MiniSEED.read(bytes: bytes, path: "int16")
        #expect(v.corrupt.isEmpty && v.segments.map(\.samples) == [samples])

        // A text record: the int16 file's first record turned into 456 characters of text.
        var text = Data(bytes.prefix(512))
        text[52] = 0  // blockette 1000's encoding: text
        // (Bytes 24–26 after the line's start, "\n12", pass for hour 10, minute 49, second 50.)
        let line = Data("\n000123D  status: ok     \n12:00 uptime 3 days\n".utf8)
        var characters = Data(repeating: UInt8(ascii: "#"), count: 512 - dataOffset)
        characters.replaceSubrange((128 - dataOffset - 1)..<(128 - dataOffset - 1 + line.count), with: line)
        text.replaceSubrange(dataOffset..<512, with: characters)
        text[30] = UInt8((512 - dataOffset) >> 8)  // the sample count: every character
        text[31] = UInt8((512 - dataOffset) & 0xFF)
        let t = try MiniSEED.read(bytes: text + bytes, path: "text")
        #expect(t.corrupt.isEmpty && t.skippedRecords == ["ASCII text record": 1] && t.segments.map(\.samples) == [samples])
    }

    /// An overlap is at most the later segment's span (ObsPy's get_gaps): a segment lying wholly
    /// inside the one before is covered twice for its own length, not from its start to the end of
    /// the first.
    @Test func overlapsAreAtMostTheLaterSegment() {
        let a = segment("XX.STA..HHZ", count: 1000), inside = segment("XX.STA..HHZ", count: 410, at: start + 2)
        let gap = MiniSEED.gaps(in: [a, inside])
        // (Times near 1.6·10⁹ s round to a few ulps, 2.4·10⁻⁷ s each.)
        #expect(gap.count == 1 && abs(gap[0].seconds + 4.1) <= 4 * start.ulp, "\(gap)")
        let partial = segment("XX.STA..HHZ", count: 1000, at: start + 9)
        #expect(MiniSEED.gaps(in: [a, partial]).map { ($0.seconds * 100).rounded() } == [-100])
    }

    /// Writing refuses what it cannot write exactly: fractions or out-of-range values in an
    /// integer encoding, codes longer than SEED's fields, bad record lengths.
    @Test func writingRefusesWhatItCannotWriteExactly() throws {
        let path = temporaryPath("refuse.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = segment("CI.PASC..HHZ")
        s.samples[7] = 1.5
        #expect { try MiniSEED.write([s], to: path, encoding: .steim2) } throws: { "\($0)".contains("sample 7 is 1.5, not a whole number") }
        s.samples[7] = 40000
        #expect { try MiniSEED.write([s], to: path, encoding: .int16) } throws: { "\($0)".contains("sample 7 is 40000.0") }
        try MiniSEED.write([s], to: path, encoding: .int32)
        #expect { try MiniSEED.write([segment("CI.PASADENA..HHZ")], to: path) } throws: { "\($0)".contains("the station code 'PASADENA'") }
        #expect { try MiniSEED.write([segment("CI.PASC..HHZ")], to: path, recordLength: 1000) } throws: { "\($0)".contains("not a power of two") }
        s.samples[7] = .nan
        #expect { try MiniSEED.write([s], to: path, encoding: .float32) } throws: { "\($0)".contains("sample 7 is nan") }
    }

    /// Structure-aware mutations of a valid file (byte flips in headers and data, blockette 1000
    /// fields set to extremes, truncation at record boundaries and inside): each case loads with
    /// consistent segments or is refused with `MiniSEEDError`; a trap ends the run.
    @Test func mutatedFilesLoadConsistentlyOrAreRefused() throws {
        let path = temporaryPath("fuzz.mseed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bases: [Data] = []
        for (encoding, length) in [(MiniSEEDEncoding.steim1, 512), (.steim2, 512), (.int16, 256), (.float64, 1024), (.int32, 4096)] {
            try MiniSEED.write(
                [segment("CI.PASC..HHZ", count: 800, amplitude: 3000), segment("CI.PASC..HHN", count: 300, amplitude: 3000)], to: path, encoding: encoding,
                recordLength: length)
            bases.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        // A gap, and a 1 Hz channel beside the 100 Hz ones (what the index must leave to read or
        // join as read does).
        try MiniSEED.write(
            [
                segment("CI.PASC..HHZ", count: 400, amplitude: 3000), segment("CI.PASC..HHZ", count: 400, at: start + 4.5, amplitude: 3000),
                segment("CI.PASC..LHZ", count: 30, rate: 1, amplitude: 3000)
            ], to: path, encoding: .steim2, recordLength: 256)
        bases.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        // SEISMIC_FUZZ_SEED_DIR=Tests/Fixtures/fuzz-seeds/mseed writes these as the libFuzzer seeds (scripts/fuzz.sh).
        if let dir = ProcessInfo.processInfo.environment["SEISMIC_FUZZ_SEED_DIR"] {
            for (i, b) in bases.enumerated() { try b.write(to: URL(fileURLWithPath: "\(dir)/seed\(i).mseed")) }
        }
        var rng = TestRNG(seed: 2026)
        var loaded = 0, refused = 0, indexed = 0
        for n in 0..<3000 {
            var d = bases[n % bases.count]
            switch n % 4 {
            case 0:  // flips anywhere
                for _ in 0..<Int.random(in: 1...8, using: &rng) { d[Int.random(in: 0..<d.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            case 1:  // flips in the first record's header and blockettes
                for _ in 0..<Int.random(in: 1...4, using: &rng) { d[Int.random(in: 0..<64, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            case 2:  // blockette 1000's encoding, byte order and record length set to extremes
                d[52] = [0, 1, 3, 4, 5, 10, 11, 12, 30, 255].randomElement(using: &rng)!
                d[53] = UInt8.random(in: 0...2, using: &rng)
                d[54] = [0, 6, 7, 8, 12, 16, 20, 31, 255].randomElement(using: &rng)!
            default:  // truncated
                d = d.prefix(Int.random(in: 0..<d.count, using: &rng))
            }
            try d.write(to: URL(fileURLWithPath: path))
            // Skipping corrupt records never refuses a record: what is left is valid samples,
            // and a file read whole without skipping reads the same.
            let skipping: MiniSEEDVolume?
            do { skipping = try MiniSEED.read(bytes: d, path: "case \(n)", skippingCorrupt: true) } catch {
                skipping = nil
                if case .badRecord = error { Issue.record("case \(n): skipping corrupt records still refused one: \(error)") }
            }
            for s in skipping?.segments ?? [] {
                #expect(!s.samples.isEmpty && s.samplingRateHz > 0 && s.samplingRateHz.isFinite && s.startTime.isFinite, "case \(n)")
            }
            let v: MiniSEEDVolume
            do { v = try MiniSEED.read(bytes: d, path: "case \(n)") } catch {
                refused += 1
                // What is refused whole is refused by the index or by a record decoded from it,
                // or indexed without decoding what was refused (a text record): never a trap.
                if let indexed = try? MiniSEED.index(path) { _ = indexed.map { try? $0.decoded() } }
                continue
            }
            for s in v.segments {
                #expect(!s.samples.isEmpty && s.samplingRateHz > 0 && s.samplingRateHz.isFinite && s.startTime.isFinite, "case \(n)")
            }
            // (A float record holding NaN or ±inf is corrupt to the skipping read.)
            if v.segments.allSatisfy({ $0.samples.allSatisfy(\.isFinite) }) {
                #expect(skipping?.segments == v.segments && skipping?.corrupt == [], "case \(n)")
            }
            loaded += 1
            // What reads whole indexes to the same segments (or is left to read): an error here fails the test.
            if try expectIndexMatchesRead(path, "case \(n)") { indexed += 1 }
        }
        #expect(indexed > loaded / 2, "indexed \(indexed) of \(loaded) files read")
        #expect(loaded > 100 && refused > 100, "loaded \(loaded), refused \(refused)")
    }

    /// `seismic info`'s lines: each segment with its SEED id, rate, UTC span and samples, then the
    /// gaps; SAC files by their header; other formats named by what they look like.
    @Test func fileSummariesDescribeSegmentsGapsAndFormats() throws {
        let path = temporaryPath("info.mseed"), text = temporaryPath("notes.txt")
        defer { for p in [path, text] { try? FileManager.default.removeItem(atPath: p) } }
        try MiniSEED.write([segment("XX.STA..BHZ", count: 1000), segment("XX.STA..BHZ", count: 500, at: start + 12.5)], to: path, encoding: .steim2)
        let lines = try FileSummary.lines(for: path)
        #expect(lines[0].hasPrefix("\(path): miniSEED 2, ") && lines[0].hasSuffix(" records (Steim-2), 2 segments of 1 channels"))
        #expect(lines[1] == "  XX.STA..BHZ  100 Hz  2019-07-06T03:19:53.040000Z – 2019-07-06T03:20:03.030000Z  1000 samples")
        #expect(lines.last == "  XX.STA..BHZ gap of 2.500 s at 2019-07-06T03:20:03.040000Z")
        #expect(try FileSummary.lines(for: Fixtures.path("sac/test.sac"))[0] == Fixtures.path("sac/test.sac"))
        try "# Notes → ünïcode\na,b\n".write(toFile: text, atomically: true, encoding: .utf8)
        #expect { try FileSummary.lines(for: text) } throws: { "\($0)" == "\(text): the file looks like text, not miniSEED 2 or SAC" }
    }

    @Test func utcTimesPrintAsObsPyDoes() {
        #expect(UTCTime.iso8601(0) == "1970-01-01T00:00:00.000000Z")
        #expect(UTCTime.iso8601(start) == "2019-07-06T03:19:53.040000Z")
        #expect(UTCTime.iso8601(start, fractionDigits: 2) == "2019-07-06T03:19:53.04Z")
        #expect(UTCTime.iso8601(-0.5) == "1969-12-31T23:59:59.500000Z")
        #expect(UTCTime.iso8601(.nan) == "invalid time")
    }
}
