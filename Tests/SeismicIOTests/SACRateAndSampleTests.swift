// Tests of SAC sampling intervals finer than a microsecond, refused DELTA values, and records
// refused for non-finite samples (file, channel code, sample index).

import Foundation
import SeismicIO
import TestSupport
import Testing

/// Writes the three components `S.HH{E,N,Z}.sac` into a fresh folder; returns the folder.
private func writeTriple(delta: Float, samples: [String: [Float]]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rate-\(UUID())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for c in ["E", "N", "Z"] {
        var header = SACHeader()
        header.setString("kcmpnm", "HH\(c)")
        try SACTrace(samples: samples[c] ?? [Float](repeating: 1, count: 16), delta: delta, header: header)
            .write(to: "\(dir)/S.HH\(c).sac")
    }
    return dir
}

@Suite struct SACRateAndSampleTests {
    @Test func deltaFinerThanAMicrosecondKeepsItsRate() throws {
        // 4e-7 s (2.5 MHz) used to round to 0 µs: rate inf.
        let t = try SACTrace(bytes: SACTrace(samples: [1, 2, 3], delta: 4e-7).encoded(), path: "fast.sac")
        #expect(t.header.samplingIntervalSeconds == 4e-7)
        // 1 / 4e-7 in double precision: within one rounding (2^-52 relative) of 2.5e6.
        #expect(abs(t.samplingRateHz - 2.5e6) <= 2.5e6 * 0x1p-52)
        // 1.5 µs must not become 2 µs.
        let t2 = SACTrace(samples: [1], delta: 1.5e-6)
        #expect(t2.header.samplingIntervalSeconds == 1.5e-6)
    }

    @Test func microsecondRoundingStillRemovesFloat32Error() {
        #expect(SACTrace(samples: [1], delta: 0.01).samplingRateHz == 100)
        // Some writers store the float32 just below the nearest one (ObsPy #3408); still 25 Hz.
        #expect(SACTrace(samples: [1], delta: Float(0.04).nextDown).samplingRateHz == 25)
        #expect(SACTrace(samples: [1], delta: Float(0.04).nextUp).samplingRateHz == 25)
        // Rounding by up to 0.01 % is ObsPy's: 0.05000016 (II.TLY) is 20 Hz; 1.0004e-3 s (0.04 % from 1 ms) is not 1 kHz.
        #expect(SACTrace(samples: [1], delta: 0.05000016).samplingRateHz == 20)
        #expect(SACTrace(samples: [1], delta: 1.0004e-3).header.samplingIntervalSeconds == 1.0004e-3)
    }

    @Test(arguments: [Float(0), -0.01, .nan, .infinity, -.infinity, -Float.leastNonzeroMagnitude, Float.leastNonzeroMagnitude, 1e-20, 2e6])
    func refusesDeltaThatIsNotFinitePositive(delta: Float) throws {
        var t = SACTrace(samples: [1, 2, 3], delta: 0.01)
        t.header.setFloat("delta", delta)
        #expect {
            try SACTrace(bytes: t.encoded(), path: "bad.sac")
        } throws: { error in
            guard case .invalidDelta(let p, let d)? = error as? SACError else { return false }
            return p == "bad.sac" && d.bitPattern == delta.bitPattern && "\(error)".contains("bad.sac: DELTA = ")
        }
    }

    @Test func recordAtTwoAndAHalfMegahertzReads() throws {
        let dir = try writeTriple(delta: 4e-7, samples: [:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (w, _, _) = try ThreeComponentRecord.read("\(dir)/S.HHZ.sac")
        #expect(abs(w.samplingRateHz - 2.5e6) <= 2.5e6 * 0x1p-52)
        #expect(w.sampleCount == 16)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func recordWithANonFiniteSampleIsRefusedNamingFileComponentAndIndex(bad: Float) throws {
        var z = [Float](repeating: 0.5, count: 16)
        z[5] = bad
        let dir = try writeTriple(delta: 0.01, samples: ["Z": z])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect {
            try ThreeComponentRecord.read("\(dir)/S.HHE.sac")
        } throws: { error in
            guard case .nonFiniteSample(let p, let c, let i, let v)? = error as? RecordError else { return false }
            return p == "\(dir)/S.HHZ.sac" && c == "HHZ" && i == 5 && (v.isNaN ? bad.isNaN : v == Double(bad))
                && "\(error)".contains("S.HHZ.sac: component HHZ: sample 5 is")
        }
        // The header-only reader still reads the file (`sac info`).
        let t = try SACTrace(contentsOf: "\(dir)/S.HHZ.sac")
        #expect(t.header.npts == 16 && t.header.channelCode == "HHZ")
    }

    /// B of inf, or so large that the start lies beyond the year 9999 (1e30 s) or before 1000.
    @Test(arguments: [Float.infinity, -Float.infinity, 1e30, -1e12])
    func recordWithABeginOutsideTheDateRangeIsRefusedNamingTheFile(b: Float) throws {
        let dir = try writeTriple(delta: 0.01, samples: [:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var n = try SACTrace(contentsOf: "\(dir)/S.HHN.sac")
        n.header.setFloat("b", b)
        try n.write(to: "\(dir)/S.HHN.sac")
        #expect(throws: RecordError.nonFiniteStart(path: "\(dir)/S.HHN.sac", b: b)) {
            try ThreeComponentRecord.read("\(dir)/S.HHZ.sac")
        }
    }

    @Test func validatingInitializerRefusesWhatTheTrappingOneWouldTrapOn() {
        #expect(throws: WaveformError.noComponents) { try Waveform(validating: [], samplingRateHz: 1) }
        #expect(throws: WaveformError.lengthsDiffer(counts: [2, 3])) {
            try Waveform(validating: [[1, 2], [1, 2, 3]], samplingRateHz: 1)
        }
        #expect(throws: WaveformError.componentCodeCount(codes: 1, components: 2)) {
            try Waveform(validating: [[1], [2]], componentCodes: ["Z"], samplingRateHz: 1)
        }
        for rate in [0, -1, Double.infinity] {
            #expect(throws: WaveformError.badSamplingRate(rate)) { try Waveform(validating: [[1]], samplingRateHz: rate) }
        }
        #expect(throws: WaveformError.self) { try Waveform(validating: [[1]], samplingRateHz: .nan) }
        #expect(throws: WaveformError.badStartTime(-.infinity)) {
            try Waveform(validating: [[1]], samplingRateHz: 1, startTime: -.infinity)
        }
        #expect(throws: WaveformError.nonFiniteSample(component: "N", index: 2, value: .infinity)) {
            try Waveform(validating: [[1, 2, 3], [1, 2, .infinity]], componentCodes: ["E", "N"], samplingRateHz: 1)
        }
        let w = try? Waveform(validating: [[1, 2], [3, 4]], componentCodes: ["E", "N"], samplingRateHz: 2.5e6, startTime: 5)
        #expect(w == Waveform(components: [[1, 2], [3, 4]], componentCodes: ["E", "N"], samplingRateHz: 2.5e6, startTime: 5))
    }
}

/// The reference-time rules of docs/DATA.md ("SAC reference time"), one test per rule.
@Suite struct SACReferenceTimeTests {
    private func header(_ year: Int, _ jday: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0, _ msec: Int = 0) -> SACHeader {
        var h = SACHeader()
        for (name, v) in [("nzyear", year), ("nzjday", jday), ("nzhour", hour), ("nzmin", minute), ("nzsec", second), ("nzmsec", msec)] {
            h.setInt(name, v)
        }
        return h
    }

    /// Reads `h` back from SAC bytes, as a file would be.
    private func read(_ h: SACHeader) throws -> SACTrace {
        try SACTrace(bytes: SACTrace(samples: [1, 2], delta: 0.01, header: h).encoded(), path: "t.sac")
    }

    @Test func validTimesAreTheCalendarDates() throws {
        #expect(try read(header(2020, 366, 23, 59, 59, 500)).header.referenceTime == 1_609_459_199.5)  // 2020-12-31T23:59:59.5
        #expect(try read(header(2019, 365)).header.referenceTime == 1_577_750_400)  // 2019-12-31
        #expect(try read(header(2000, 60)).header.referenceTime == 951_782_400)  // 2000-02-29 (leap by 400)
        #expect(try read(header(1969, 365, 23)).header.referenceTime == -3600)
    }

    @Test func twoDigitYearsAreNineteenHundreds() throws {
        let t = try read(header(99, 1))
        #expect(t.header.referenceTime == 915_148_800)  // 1999-01-01
        #expect(t.header.hasTwoDigitYear)
        #expect(try read(header(0, 1)).header.referenceTime == -2_208_988_800)  // 1900-01-01
        // 1900 is not a leap year, so two-digit 0 has no day 366; 96 (1996) has.
        #expect(throws: SACError.invalidReferenceTime(path: "t.sac", SACReferenceTimeError(field: "NZJDAY", value: 366, expected: "1…365 in 1900"))) {
            try read(header(0, 366))
        }
        #expect(try read(header(96, 366)).header.referenceTime == 851_990_400)  // 1996-12-31
    }

    @Test(arguments: [(2019, 366, "1…365 in 2019"), (2020, 367, "1…366 in 2020"), (2020, 0, "1…366 in 2020"), (2021, -1, "1…365 in 2021")])
    func dayOfYearOutsideTheYearIsRefused(year: Int, jday: Int, expected: String) throws {
        let error = SACReferenceTimeError(field: "NZJDAY", value: jday, expected: expected)
        #expect(throws: SACError.invalidReferenceTime(path: "t.sac", error)) { try read(header(year, jday)) }
        #expect("\(SACError.invalidReferenceTime(path: "t.sac", error))" == "t.sac: reference time NZJDAY = \(jday); expected \(expected)")
        #expect(header(year, jday).referenceTime == nil)
    }

    @Test(arguments: [100, 999, -1, 10000, Int(Int32.max), Int(Int32.min)])
    func yearsObsPyCannotBuildAreRefused(year: Int) throws {
        #expect(
            throws: SACError.invalidReferenceTime(path: "t.sac", SACReferenceTimeError(field: "NZYEAR", value: year, expected: "0…99 (1900…1999) or 1000…9999"))
        ) {
            try read(header(year, 1))
        }
    }

    @Test func clockFieldsOutOfRangeAreRefused() throws {
        let cases: [(SACHeader, String, Int, String)] = [
            (header(2020, 1, 24), "NZHOUR", 24, "0…23"), (header(2020, 1, 0, 60), "NZMIN", 60, "0…59"),
            (header(2020, 1, 0, 0, 60), "NZSEC", 60, "0…59"), (header(2020, 1, 0, 0, 0, 1000), "NZMSEC", 1000, "0…999"),
            (header(2020, 1, -1), "NZHOUR", -1, "0…23"), (header(2020, 1, 0, 0, 0, -5), "NZMSEC", -5, "0…999")
        ]
        for (h, field, value, expected) in cases {
            #expect(throws: SACError.invalidReferenceTime(path: "t.sac", SACReferenceTimeError(field: field, value: value, expected: expected))) {
                try read(h)
            }
        }
    }

    @Test func anyUndefinedFieldMeansNoReferenceTime() throws {
        var h = header(2020, 1)
        h.setInt("nzmsec", nil)
        let t = try read(h)
        #expect(t.header.referenceTime == nil)
        #expect(t.header.startTime == nil)
    }
}
