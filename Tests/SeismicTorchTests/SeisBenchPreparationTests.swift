// prep seisbench on datasets written by SeisBench's own writer (Tests/Fixtures/seisbench): windows
// cut where the metadata's arrivals say, from the trace's own samples; splits by the split column or
// by station; the seed's cleaning rules as options; units the models cannot take refused.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

@Suite struct SeisBenchPreparationTests {
    private func copyOfFixture(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sb-prep-\(UUID())").path
        try FileManager.default.copyItem(atPath: Fixtures.path("seisbench/\(name)"), toPath: folder)
        return folder
    }

    private func allParts(_ parts: [SeisBench.Part]) -> [(split: String, window: Int, provenance: WindowProvenance, label: Int)] {
        parts.flatMap { p in p.dataset.provenance.indices.map { (p.name, $0, p.dataset.provenance[$0], p.dataset.labels[$0]) } }
    }

    /// With windows centred on the arrival and no shift, each P and S window is the trace's own
    /// samples (read by trace_name, E/N/Z from Z/N/E) through the record chain, cut at
    /// round(arrival) − 100 and resampled to 80; its provenance time is the trace's start + that
    /// offset. The row without S gives a P window only; noise traces give two windows each.
    @Test func windowsAreCutFromTheTracesOwnSamplesAtTheArrivals() throws {
        let dataset = try SeisBenchDataset(path: Fixtures.path("seisbench/plain"))
        var settings = SeisBenchSettings()
        settings.placement = .arrival
        settings.arrivalShiftSeconds = 0
        let (parts, method) = try SeisBench.prepare(dataset, settings: settings)
        #expect(method == "the metadata's split column")
        #expect(parts.map(\.name) == ["train", "dev", "test"])
        let rows = try SeisBench.rows(of: dataset, chunk: "")
        let waveforms = try SeisBenchWaveforms(path: dataset.waveformsPath(""))
        let windows = allParts(parts)
        let cutter = settings.preprocessing.windowCutter(windowSamples: 80)
        var checked = 0
        for row in rows where !row.isNoise {
            let stored = try waveforms.components(of: SeisBenchTraceName(parsing: row.traceName))  // Z, N, E
            let record = try settings.preprocessing.prepareRecord(
                Waveform(components: [2, 1, 0].map { stored[$0].map(Double.init) }, componentCodes: ["E", "N", "Z"], samplingRateHz: 100))
            for (label, arrival) in [(0, row.pArrivalSample), (1, row.sArrivalSample)] {
                let mine = windows.filter { $0.provenance.source.hasSuffix(":" + row.traceName) && $0.label == label }
                guard let arrival else {
                    #expect(mine.isEmpty)
                    continue
                }
                let start = Int(arrival.rounded()) - 100
                let w = try #require(mine.first, "\(row.traceName) label \(label)")
                #expect(mine.count == 1)
                let part = try #require(parts.first { $0.name == w.split })
                let values = Array(part.dataset.values[(w.window * 240)..<((w.window + 1) * 240)])
                #expect(values == cutter.cut(record, start: start), "\(row.traceName) label \(label)")
                #expect(abs(w.provenance.startTime - (try #require(row.startTime) + Double(start) / 100)) < 1e-6)
                #expect(w.provenance.station == row.traceID)
                #expect(w.split == row.split)
                checked += 1
            }
        }
        #expect(checked == 13)  // 7 earthquakes, one without S
        #expect(windows.filter { $0.label == 2 }.count == 6)  // 3 noise traces × 2
    }

    /// A trace stored at 50 Hz (trace_sampling_rate_hz) is resampled to 100 Hz and its arrival
    /// samples scaled (SeisBench: P 1000 → 2000); a trace holding only Z is skipped, said.
    @Test func tracesAtAnotherRateAreResampledAndSingleComponentsSkipped() throws {
        let dataset = try SeisBenchDataset(path: Fixtures.path("seisbench/wc_enz"))
        var settings = SeisBenchSettings()
        settings.placement = .arrival
        settings.arrivalShiftSeconds = 0
        let (parts, _) = try SeisBench.prepare(dataset, settings: settings)
        let rows = try SeisBench.rows(of: dataset, chunk: "")
        let slow = try #require(rows.first { $0.samplingRateHz == 50 })
        let p = try #require(allParts(parts).first { $0.provenance.source.hasSuffix(":" + slow.traceName) && $0.label == 0 })
        #expect(abs(p.provenance.startTime - (try #require(slow.startTime) + Double(2000 - 100) / 100)) < 1e-6)
        let skipped = parts.flatMap(\.summary.skipped)
        #expect(skipped.contains { $0.key == "not three components (E, N, Z or 1, 2, Z)" && $0.value == 1 })
    }

    /// Without a split column, a share of the stations goes to test, the rest to train: no station
    /// in both, and the held-out count is the rounded share.
    @Test func withoutASplitColumnStationsAreHeldOutWhole() throws {
        let folder = try copyOfFixture("plain")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let table = try CSVTable(contentsOf: folder + "/metadata.csv")
        let keep = table.header.indices.filter { table.header[$0] != "split" }
        try CSVTable(header: keep.map { table.header[$0] }, rows: table.rows.map { r in keep.map { r[$0] } }).text.write(
            toFile: folder + "/metadata.csv", atomically: true, encoding: .utf8)
        var settings = SeisBenchSettings()
        settings.testFraction = 0.3
        settings.seed = 5
        let (parts, method) = try SeisBench.prepare(SeisBenchDataset(path: folder), settings: settings)
        #expect(method.hasPrefix("by station: 3 of 10 stations"))
        let stationsPerSplit = Dictionary(grouping: allParts(parts), by: \.split).mapValues {
            Set($0.map { $0.provenance.station.split(separator: ".").prefix(2).joined(separator: ".") })
        }
        let train = stationsPerSplit["train"] ?? [], test = stationsPerSplit["test"] ?? []
        #expect(train.isDisjoint(with: test))
        #expect(test.count == 3 && train.count == 7)
    }

    /// Cleaning rules keep exactly the earthquakes the rule admits (computed here from the metadata);
    /// a rule whose column the metadata lacks is refused before anything is read.
    @Test func cleaningRulesKeepWhatTheyAdmit() throws {
        let dataset = try SeisBenchDataset(path: Fixtures.path("seisbench/plain"))
        var settings = SeisBenchSettings()
        settings.cleaning.minimumSNRdB = 15
        settings.cleaning.maximumDistanceKm = 50
        let (parts, _) = try SeisBench.prepare(dataset, settings: settings)
        let rows = try SeisBench.rows(of: dataset, chunk: "")
        let admitted = rows.filter { r in
            guard !r.isNoise else { return false }
            let v = r.snrDb.sorted()
            return (r.distanceKm ?? .infinity) < 50 && !v.isEmpty && v[1] > 15
        }
        let read = parts.map(\.summary.tracesRead).reduce(0, +)
        #expect(read == admitted.count + rows.filter(\.isNoise).count)
        let failed = parts.flatMap(\.summary.skipped).filter { $0.key.hasPrefix("cleaning: ") }.map(\.value).reduce(0, +)
        #expect(failed == rows.filter { !$0.isNoise }.count - admitted.count)
        settings.cleaning = .reference
        #expect(throws: DatasetError.self) { try SeisBench.prepare(dataset, settings: settings) }
    }

    /// Velocity (or any unit the models do not take) is refused, naming it.
    @Test func velocityDatasetsAreRefused() throws {
        let folder = try copyOfFixture("plain")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let f = try HDF5File(readingAt: folder + "/waveforms.hdf5", writable: true)
            try f.write("data_format/unit", strings: ["m/s"])
        }
        do {
            _ = try SeisBench.prepare(SeisBenchDataset(path: folder), settings: SeisBenchSettings())
            Issue.record("a velocity dataset was prepared")
        } catch let e as DatasetError {
            #expect("\(e)".contains("\"m/s\"") && "\(e)".contains("velocity"))
        }
    }

    /// Chunks are prepared in order with each chunk's own bucket names (both chunks hold a
    /// "bucket0"); the same seed gives the same windows.
    @Test func chunkedDatasetsAreReadChunkByChunkAndRepeatably() throws {
        let dataset = try SeisBenchDataset(path: Fixtures.path("seisbench/chunked"))
        var settings = SeisBenchSettings()
        settings.noiseWindowsBeforeP = 2
        let a = try SeisBench.prepare(dataset, settings: settings).parts
        let b = try SeisBench.prepare(dataset, settings: settings).parts
        #expect(a.map(\.dataset.values) == b.map(\.dataset.values))
        #expect(a.map(\.dataset.labels) == b.map(\.dataset.labels))
        let sources = Set(allParts(a).map(\.provenance.source))
        #expect(sources.count == 6)
        settings.seed = 1
        #expect(try SeisBench.prepare(dataset, settings: settings).parts.map(\.dataset.values) != a.map(\.dataset.values))
    }

    /// Fuzz: metadata cells replaced by hostile values (empty, NaN, huge, negative, names outside
    /// their bucket, unknown splits and component orders), columns dropped, and the waveforms file
    /// truncated: the preparation throws or returns windows that are finite with labels 0–2.
    @Test func mutatedDatasetsPrepareCleanlyOrThrow() throws {
        let folder = try copyOfFixture("plain")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = try CSVTable(contentsOf: folder + "/metadata.csv")
        let tokens = [
            "", "nan", "-1", "1e309", "-1e309", "0", "99999999999999999999", "4499", "4500", "bucket9$0", "bucket0$99,:3", "bucket0$0,:3,:99999",
            "bucket0$-1", "bucket0$0,:3,:4000,5", "a$b$c", "data", "../x", "test", "validation", "Z", "ZZE", "12Z", "NEZ", "[1 2 3]", "50", "0.001"
        ]
        var rng = TestRNG(seed: 77)
        var prepared = 0, refused = 0
        for n in 0..<250 {
            var header = original.header, rows = original.rows
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let r = Int(rng.next() % UInt64(rows.count)), c = Int(rng.next() % UInt64(header.count))
                rows[r][c] = tokens[Int(rng.next() % UInt64(tokens.count))]
            }
            if rng.next() % 5 == 0 {
                for extra in ["trace_sampling_rate_hz", "trace_component_order", "trace_dt_s"] where rng.next() % 2 == 0 {
                    header.append(extra)
                    for r in rows.indices { rows[r].append(tokens[Int(rng.next() % UInt64(tokens.count))]) }
                }
            }
            if rng.next() % 6 == 0 {
                let c = Int(rng.next() % UInt64(header.count))
                header.remove(at: c)
                for r in rows.indices { rows[r].remove(at: c) }
            }
            try CSVTable(header: header, rows: rows).text.write(toFile: folder + "/metadata.csv", atomically: true, encoding: .utf8)
            var settings = SeisBenchSettings()
            settings.noiseWindowsBeforeP = 1
            settings.placement = n % 2 == 0 ? .peak : .arrival
            do {
                let (parts, _) = try SeisBench.prepare(SeisBenchDataset(path: folder), settings: settings)
                prepared += 1
                for p in parts {
                    let finite = p.dataset.values.allSatisfy { $0.isFinite }
                    let labelled = p.dataset.labels.allSatisfy { (0...2).contains($0) }
                    let sized = p.dataset.values.count == p.dataset.labels.count * 240
                    #expect(finite && labelled && sized, "case \(n)")
                }
            } catch {
                refused += 1
            }
        }
        #expect(prepared > 100)
        try CSVTable(header: original.header, rows: original.rows).text.write(toFile: folder + "/metadata.csv", atomically: true, encoding: .utf8)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/waveforms.hdf5"))
        for k in 1...20 {
            try bytes.prefix(bytes.count * k / 21).write(to: URL(fileURLWithPath: folder + "/waveforms.hdf5"))
            if let (parts, _) = try? SeisBench.prepare(SeisBenchDataset(path: folder), settings: SeisBenchSettings()) {
                let finite = parts.allSatisfy { $0.dataset.values.allSatisfy { $0.isFinite } }
                #expect(finite)
            }
        }
        diagnostic("SeisBench metadata fuzz: \(prepared) prepared, \(refused) refused")
    }
}
