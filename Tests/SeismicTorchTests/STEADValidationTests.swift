// STEAD preparation on bad catalogues: required columns, invalid arrivals dropped and counted, missing traces, empty results.

import Foundation
import SeismicIO
import SeismicTorch
import TestSupport
import Testing

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("stead-\(UUID())-\(name)").path
}

/// The fixture's merged.csv as header + rows of fields (it has no quoted fields).
private struct Catalogue {
    var header: [String]
    var rows: [[String]]

    static func fixture() throws -> Catalogue {
        let lines = try String(contentsOfFile: Fixtures.path("stead_mini/merged.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return Catalogue(header: lines[0], rows: Array(lines.dropFirst()))
    }

    func column(_ name: String) -> Int { header.firstIndex(of: name)! }

    mutating func set(_ row: Int, _ name: String, _ value: String) { rows[row][column(name)] = value }

    mutating func remove(_ name: String) {
        let c = column(name)
        header.remove(at: c)
        for r in rows.indices { rows[r].remove(at: c) }
    }

    func write(to path: String) throws {
        try ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}

@Suite struct STEADValidationTests {
    private let hdf5 = Fixtures.path("stead_mini/merged.hdf5")

    @Test func missingRequiredColumnsAreNamed() throws {
        let path = temporaryPath("merged.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var c = try Catalogue.fixture()
        c.remove("p_arrival_sample")
        c.remove("snr_db")
        try c.write(to: path)
        #expect { try STEAD.catalogue(csv: path) } throws: {
            "\($0)" == "\(path): missing columns p_arrival_sample, snr_db"
        }
    }

    @Test func cleaningCountsEachRule() throws {
        let traces = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv"))
        // The fixture's manifest: trace 3 fails SNR, 5 fails p_weight, 6 fails distance.
        #expect(STEAD.cleaningCounts(traces) == ["median SNR ≤ 40 dB": 1, "pick weight ≤ 0.75": 1, "epicentral distance ≥ 100 km": 1])
        var t = traces.first(where: \.passesReferenceCleaning)!
        t.sArrivalSample = .infinity
        #expect(t.cleaningFailure == "non-finite arrival, pick weight, distance or SNR")
    }

    @Test func startTimesParseAsUTCSecondsOrNotAtAll() throws {
        var t = try #require(try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv")).first)
        let cases: [(String, Double?)] = [
            ("2005-08-01 14:00:00.00", 1_122_904_800), ("2005-08-01T14:00:00", 1_122_904_800), ("2000-02-29 00:00:01.5", 951_782_401.5),
            ("1969-12-31 23:59:59", -1), ("1970-01-01 00:00:00.000001", 0.000001),
            ("", nil), ("x", nil), ("nan", nil), ("inf", nil), ("2005-08-01", nil), ("2005-13-01 00:00:00.00", nil),
            ("2005-02-29 00:00:00.00", nil), ("1900-02-29 00:00:00", nil), ("2005-04-31 00:00:00", nil), ("2005-08-00 00:00:00", nil),
            ("2005-08-01 24:00:00", nil), ("2005-08-01 14:60:00", nil), ("2005-08-01 14:00:61", nil), ("2005-08-01 14:00:00.", nil),
            ("2005-08-01 14:00:00.1e5", nil), ("2005-08-01 14:00:00.00 ", nil), ("2005-08-01 14:-1:00", nil), ("20050801 14:00:00.00", nil)
        ]
        for (text, seconds) in cases {
            t.startTime = text
            #expect(t.startTimeSeconds == seconds, "\(text)")
        }
    }

    /// A row whose trace_start_time does not parse cannot be placed in time: it is dropped (the row,
    /// not the file) and counted, whatever its category.
    @Test func unparsableStartTimesDropTheRowAndAreCounted() throws {
        let path = temporaryPath("merged.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var c = try Catalogue.fixture()
        let names = c.rows.map { $0[c.column("trace_name")] }
        c.set(0, "trace_start_time", "x")  // a clean earthquake
        c.set(7, "trace_start_time", "2005-02-29 14:07:00.00")  // a clean earthquake, a day 2005 does not have
        c.set(9, "trace_start_time", "")  // noise
        try c.write(to: path)
        let traces = try STEAD.catalogue(csv: path)
        #expect(
            STEAD.cleaningCounts(traces) == [
                "unparsable trace_start_time": 3, "median SNR ≤ 40 dB": 1, "pick weight ≤ 0.75": 1,
                "epicentral distance ≥ 100 km": 1
            ])
        let (train, test) = STEAD.split(traces, seed: 1)
        let used = Set((train + test).map(\.name))
        #expect(used.isDisjoint(with: [names[0], names[7], names[9]]))
        #expect(train.filter(\.isEarthquake).count + test.filter(\.isEarthquake).count == 3)
    }

    /// A trace listed twice (same trace_name, another start time) is used once and counted, so it can
    /// never be in both train and test.
    @Test func duplicateTraceNamesAreKeptOnceAndNeverInBothSplits() throws {
        let path = temporaryPath("merged.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var c = try Catalogue.fixture()
        var quake = c.rows[0], noise = c.rows[9], again = c.rows[4]
        quake[c.column("trace_start_time")] = "2005-08-20 14:00:00.00"  // the earliest earthquake, listed again after the split
        noise[c.column("trace_start_time")] = "2005-08-21 14:09:00.00"  // a training noise trace, listed again after the split
        c.rows += [quake, noise, again]  // and an identical row
        try c.write(to: path)
        let traces = try STEAD.catalogue(csv: path)
        #expect(STEAD.cleaningCounts(traces)["duplicate trace_name"] == 3)
        for seed in UInt64(0)..<20 {
            let (train, test) = STEAD.split(traces, seed: seed)
            #expect(Set(train.map(\.name)).isDisjoint(with: test.map(\.name)), "seed \(seed)")
            #expect(Set((train + test).map(\.name)).count == train.count + test.count, "seed \(seed)")
            #expect(train.contains { $0.name == quake[c.column("trace_name")] })
        }
    }

    /// A negative source_distance_km passes "within 100 km" in the reference; it is dropped by its own
    /// rule here, and a non-finite one by the non-finite rule.
    @Test func negativeAndNonFiniteDistancesAreDroppedAndCounted() throws {
        let path = temporaryPath("merged.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var c = try Catalogue.fixture()
        c.set(0, "source_distance_km", "-5")
        c.set(1, "source_distance_km", "-0.001")
        c.set(2, "source_distance_km", "nan")
        c.set(4, "source_distance_km", "-inf")
        try c.write(to: path)
        let traces = try STEAD.catalogue(csv: path)
        #expect(
            STEAD.cleaningCounts(traces) == [
                "negative epicentral distance": 2, "non-finite arrival, pick weight, distance or SNR": 2,
                "median SNR ≤ 40 dB": 1, "pick weight ≤ 0.75": 1, "epicentral distance ≥ 100 km": 1
            ])
        let (train, test) = STEAD.split(traces, seed: 1)
        // Of the clean earthquakes 0, 1, 2, 4 and 7 only 7 is left.
        #expect((train + test).filter(\.isEarthquake).map(\.name) == [c.rows[7][c.column("trace_name")]])
    }

    /// Arrivals that are not a sample of the trace are dropped by rule and counted, never cut.
    @Test func invalidArrivalsAreDroppedAndCounted() throws {
        let clean = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv")).filter { $0.isEarthquake && $0.passesReferenceCleaning }
        for (p, s) in [(Double.infinity, 2000.0), (1000, .nan), (-5, 2000), (1000, 6000), (1e300, 1e301), (7000, 7100)] {
            var t = clean[0]
            t.pArrivalSample = p
            t.sArrivalSample = s
            let (data, summary) = try STEAD.prepare([t, clean[1]], hdf5: hdf5, seed: 1)
            #expect(summary.skipped == ["arrival not a sample of the trace": 1], "P \(p), S \(s)")
            #expect(data.count == 2 && summary.windows == 2)
            #expect(Set(data.provenance.map(\.source)) == ["\(hdf5):data/\(clean[1].name)"])
        }
    }

    @Test func missingTracesAndOtherCategoriesAreCounted() throws {
        var traces = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv")).filter(\.isNoise)
        traces[0].name = "NOT.IN_THE_FILE"
        traces[1].category = "explosion"
        let (data, summary) = try STEAD.prepare(traces, hdf5: hdf5, seed: 1)
        #expect(summary.skipped == ["trace missing from the HDF5 file": 1, "category neither earthquake nor noise": 1])
        #expect(data.count == 2 * (traces.count - 2))
    }

    /// Waveforms in merged.hdf5 that are short, of another shape, or hold NaN/inf are counted, not used.
    @Test func badTracesInTheHDF5FileAreCounted() throws {
        let path = temporaryPath("merged.hdf5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let noise = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv")).filter(\.isNoise)
        let source = try HDF5File(readingAt: hdf5)
        let (good, shape) = try source.readFloats("data/\(noise[0].name)")
        do {
            let f = try HDF5File(creatingAt: path)
            try f.write("data/good", floats: good, shape: shape)
            var nan = good
            nan[3 * 1000 + 2] = .nan
            try f.write("data/nan", floats: nan, shape: shape)
            var inf = good
            inf[0] = -.infinity
            try f.write("data/inf", floats: inf, shape: shape)
            try f.write("data/short", floats: Array(good.prefix(199 * 3)), shape: [199, 3])
            try f.write("data/four", floats: Array(good.prefix(4000)), shape: [1000, 4])
            f.flush()
        }
        let traces = ["good", "nan", "inf", "short", "four", "absent"].map { name -> STEADTrace in
            var t = noise[0]
            t.name = name
            return t
        }
        let (data, summary) = try STEAD.prepare(traces, hdf5: path, seed: 1)
        #expect(
            summary.skipped == [
                "trace with non-finite samples": 2, "unreadable trace (not float [≥ 200, 3])": 2,
                "trace missing from the HDF5 file": 1
            ])
        #expect(data.count == 2 && summary.tracesRead == 1)
        #expect(data.values.allSatisfy { $0.isFinite })
    }

    @Test func anEmptyPreparationIsAnErrorListingTheRules() throws {
        var traces = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv")).filter(\.isNoise)
        for i in traces.indices { traces[i].name += "_MISSING" }
        let (data, summary) = try STEAD.prepare(traces, hdf5: hdf5, seed: 1)
        #expect(data.count == 0)
        #expect { try STEAD.requireWindows(data, path: "out/train.h5", catalogue: traces, summary: summary) } throws: {
            "\($0)"
                == "out/train.h5: the dataset has no windows: no window was cut; dropped: \(traces.count) × trace missing from the HDF5 file (nothing written)"
        }
    }

    /// Structure-aware fuzzing of merged.csv: columns removed, arrival / weight / distance / SNR / name
    /// fields set to extremes. Every case is refused with a CSVError, or prepares windows only from
    /// traces whose arrivals are samples of the trace, with every value finite.
    @Test func catalogueMutationsPrepareValidOrThrow() throws {
        let path = temporaryPath("merged.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base = try Catalogue.fixture()
        let fields = [
            "p_arrival_sample", "s_arrival_sample", "p_weight", "s_weight", "source_distance_km", "snr_db", "trace_name",
            "trace_category", "trace_start_time"
        ]
        let values = [
            "inf", "-inf", "nan", "-1", "0", "5999", "6000", "1e300", "-1e300", "9223372036854775807", "", "x", "[nan 50 50]",
            "[inf inf inf]", "noise", "earthquake_local"
        ]
        var rng = TestRNG(seed: 21)
        var refused = 0, windows = 0
        for round in 0..<200 {
            var c = base
            if round % 10 == 0 { c.remove(fields.randomElement(using: &rng)!) }
            if round % 10 == 5 { c.rows.append(c.rows[round % c.rows.count]) }  // a trace listed twice
            for _ in 0..<(1 + round % 4) {
                let f = fields.randomElement(using: &rng)!
                guard c.header.contains(f) else { continue }
                c.set(Int.random(in: 0..<c.rows.count, using: &rng), f, values.randomElement(using: &rng)!)
            }
            try c.write(to: path)
            let traces: [STEADTrace]
            do { traces = try STEAD.catalogue(csv: path) } catch is CSVError { refused += 1; continue }
            let (train, test) = STEAD.split(traces, seed: UInt64(round))
            #expect(Set(train.map(\.name)).isDisjoint(with: test.map(\.name)))
            for part in [train, test] {
                let (data, summary) = try STEAD.prepare(part, hdf5: hdf5, seed: 1)
                #expect(data.values.allSatisfy { $0.isFinite })
                #expect(data.count == summary.windows)
                windows += data.count
                let byName = Dictionary(part.map { ("\(hdf5):data/\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
                for (i, label) in data.labels.enumerated() where label < 2 {
                    let t = try #require(byName[data.provenance[i].source])
                    for a in [t.pArrivalSample, t.sArrivalSample] {
                        let a = try #require(a)
                        #expect(a.isFinite && a >= 0 && a < 6000, "a window cut at arrival \(a) of \(t.name)")
                    }
                }
            }
        }
        #expect(refused == 20)
        #expect(windows > 500)
    }

    /// Each window's provenance carries the UTC time of its first sample: the trace's start plus
    /// the window's offset, placed around its arrival for P and S windows.
    @Test func windowsCarryTheUTCTimeOfTheirFirstSample() throws {
        let hdf5 = Fixtures.path("stead_mini/merged.hdf5")
        let traces = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv"))
        let (data, _) = try STEAD.prepare(traces, hdf5: hdf5, seed: 3)
        let byName = Dictionary(traces.map { ("\(hdf5):data/\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(data.count > 0)
        for (i, p) in data.provenance.enumerated() {
            let t = try #require(byName[p.source])
            let t0 = try #require(t.startTimeSeconds)
            #expect(p.startTime >= t0 && p.startTime <= t0 + 60 - 2, "\(p)")
            // A P or S window is centred on the peak within `searchSeconds` after its arrival,
            // shifted by at most `maxShift` samples: its start lies in that range around the arrival.
            if data.labels[i] < 2, let arrival = data.labels[i] == 0 ? t.pArrivalSample : t.sArrivalSample {
                let c = WindowCutter()
                let offset = p.startTime - (t0 + arrival / 100)
                let earliest = -Double(c.sourceSamples / 2 + c.maxShift) / 100
                #expect(offset >= earliest - 1e-6 && offset <= c.searchSeconds, "\(p.method) window starts \(offset) s from its arrival")
            }
        }
    }
}
