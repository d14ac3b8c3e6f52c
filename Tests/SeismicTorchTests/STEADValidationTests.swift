// STEAD preparation on bad catalogues: required columns, invalid arrivals dropped and counted, missing traces, empty results.

import Foundation
import SeismicIO
import SeismicTorch
import Testing
import TestSupport

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
        #expect(summary.skipped == ["trace with non-finite samples": 2, "unreadable trace (not float [≥ 200, 3])": 2,
                                    "trace missing from the HDF5 file": 1])
        #expect(data.count == 2 && summary.tracesRead == 1)
        #expect(data.values.allSatisfy { $0.isFinite })
    }

    @Test func anEmptyPreparationIsAnErrorListingTheRules() throws {
        var traces = try STEAD.catalogue(csv: Fixtures.path("stead_mini/merged.csv")).filter(\.isNoise)
        for i in traces.indices { traces[i].name += "_MISSING" }
        let (data, summary) = try STEAD.prepare(traces, hdf5: hdf5, seed: 1)
        #expect(data.count == 0)
        #expect { try STEAD.requireWindows(data, path: "out/train.h5", catalogue: traces, summary: summary) } throws: {
            "\($0)" == "out/train.h5: the dataset has no windows: no window was cut; dropped: \(traces.count) × trace missing from the HDF5 file (nothing written)"
        }
    }

    /// Structure-aware fuzzing of merged.csv: columns removed, arrival / weight / distance / SNR / name
    /// fields set to extremes. Every case is refused with a CSVError, or prepares windows only from
    /// traces whose arrivals are samples of the trace, with every value finite.
    @Test func catalogueMutationsPrepareValidOrThrow() throws {
        let path = temporaryPath("merged.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base = try Catalogue.fixture()
        let fields = ["p_arrival_sample", "s_arrival_sample", "p_weight", "s_weight", "source_distance_km", "snr_db", "trace_name",
                      "trace_category", "trace_start_time"]
        let values = ["inf", "-inf", "nan", "-1", "0", "5999", "6000", "1e300", "-1e300", "9223372036854775807", "", "x", "[nan 50 50]",
                      "[inf inf inf]", "noise", "earthquake_local"]
        var rng = TestRNG(seed: 21)
        var refused = 0, windows = 0
        for round in 0..<200 {
            var c = base
            if round % 10 == 0 { c.remove(fields.randomElement(using: &rng)!) }
            for _ in 0..<(1 + round % 4) {
                let f = fields.randomElement(using: &rng)!
                guard c.header.contains(f) else { continue }
                c.set(Int.random(in: 0..<c.rows.count, using: &rng), f, values.randomElement(using: &rng)!)
            }
            try c.write(to: path)
            let traces: [STEADTrace]
            do { traces = try STEAD.catalogue(csv: path) } catch is CSVError { refused += 1; continue }
            let (train, test) = STEAD.split(traces, seed: UInt64(round))
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
}
