// SeisBench datasets written by SeisBench's own WaveformDataWriter (Tests/Fixtures/seisbench,
// scripts/make_seisbench_fixture.py): every trace read by trace_name equals what SeisBench's
// WaveformDataset returns (expected.json); trace names, chunk discovery and data_format as SeisBench
// reads them; clean errors for what is not a dataset; a fuzz run over trace names.

import Foundation
import SeismicIO
import TestSupport
import Testing

@Suite struct SeisBenchReaderTests {
    /// expected.json, decoded with JSONDecoder: it parses numbers correctly rounded, where
    /// Foundation's JSONSerialization on Linux is off by a few ulps (216.68515014648438 reads as
    /// …446), which would hide or fake a one-ulp difference.
    private struct Expected: Decodable {
        struct DataFormat: Decodable { var dimension_order: String; var component_order: String; var sampling_rate: Double; var unit: String }
        struct Stats: Decodable { var first4: [Double]; var last: Double; var sum: Double; var sumsq: Double }
        struct Trace: Decodable {
            var chunk: String
            var trace_name: String
            var hdf5_dataset: String
            var source_component_order: String
            var shape: [Int]
            var components: [String: Stats]
        }
        struct Dataset: Decodable { var chunks: [String]; var data_format: DataFormat; var traces: [Trace] }
        var datasets: [String: Dataset]
    }

    private func expected() throws -> [String: Expected.Dataset] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("seisbench/expected.json")))
        return try JSONDecoder().decode(Expected.self, from: data).datasets
    }

    /// Σx with Neumaier's compensation: within a few ulps of the exact sum the fixture holds
    /// (math.fsum), so the comparison below needs no tolerance beyond that.
    private func compensatedSum(_ x: [Double]) -> Double {
        var s = 0.0, c = 0.0
        for v in x {
            let t = s + v
            c += abs(s) >= abs(v) ? (s - t) + v : (v - t) + s
            s = t
        }
        return s + c
    }

    /// Every trace of the three datasets (CW/ZNE blocks with padding, chunks with clashing bucket
    /// names, WC/ENZ with per-trace component orders and rates): shape and samples in E, N, Z
    /// order as SeisBench returns them. Samples are float32 stored and read as float32, so they are
    /// compared exactly; sums and sums of squares (over ≤ 6500 samples) to 4 ulps of the fixture's
    /// correctly rounded values (compensated summation errs by at most 2 ulps).
    @Test(arguments: ["plain", "chunked", "wc_enz"])
    func tracesMatchSeisBenchsReader(name: String) throws {
        let e = try #require(try expected()[name])
        let dataset = try SeisBenchDataset(path: Fixtures.path("seisbench/\(name)"))
        #expect(dataset.chunks == e.chunks)
        var files: [String: SeisBenchWaveforms] = [:]
        for t in e.traces {
            let file = try files[t.chunk] ?? SeisBenchWaveforms(path: dataset.waveformsPath(t.chunk))
            files[t.chunk] = file
            let traceName = try SeisBenchTraceName(parsing: t.trace_name)
            #expect("data/" + traceName.dataset == t.hdf5_dataset)
            let order = t.source_component_order
            let components = try file.components(of: traceName, componentOrder: order == file.format.componentOrder ? nil : order)
            #expect(components.count == order.count)
            #expect(components.allSatisfy { $0.count == t.shape[1] }, "\(traceName)")
            for letter in ["E", "N", "Z"] {
                let s = try #require(t.components[letter])
                guard let k = Array(order).firstIndex(of: Character(letter)) else {
                    // SeisBench pads a component the trace lacks with zeros.
                    #expect(s.sum == 0 && s.sumsq == 0)
                    continue
                }
                let x = components[k].map(Double.init)
                #expect(Array(x.prefix(4)) == s.first4, "\(traceName) \(letter)")
                #expect(x.last == s.last, "\(traceName) \(letter)")
                for (value, want, key) in [(compensatedSum(x), s.sum, "sum"), (compensatedSum(x.map { $0 * $0 }), s.sumsq, "sumsq")] {
                    #expect(abs(value - want) <= 4 * want.ulp.magnitude, "\(traceName) \(letter) \(key): \(value) vs \(want)")
                }
            }
        }
        let format = try #require(files.values.first?.format)
        #expect(format.dimensionOrder == e.data_format.dimension_order)
        #expect(format.componentOrder == e.data_format.component_order)
        #expect(format.samplingRateHz == e.data_format.sampling_rate)
        #expect(format.unit == e.data_format.unit)
    }

    @Test func traceNamesParseAsSeisBenchsLocator() throws {
        let a = try SeisBenchTraceName(parsing: "bucket3$12,:3,:6000")
        #expect(a.dataset == "bucket3")
        #expect(a.locator == [.position(12), .range(start: nil, stop: 3), .range(start: nil, stop: 6000)])
        let block = try a.block(in: [20, 3, 6500])
        #expect(block.start == [12, 0, 0] && block.count == [1, 3, 6000] && block.shape == [3, 6000])
        // Spaces ignored, negative positions from the end, ranges clipped as NumPy clips them,
        // axes not named taken whole.
        let b = try SeisBenchTraceName(parsing: "b$ -1 , 1:")
        let bb = try b.block(in: [5, 3, 100])
        #expect(bb.start == [4, 1, 0] && bb.count == [1, 2, 100] && bb.shape == [2, 100])
        #expect(try SeisBenchTraceName(parsing: "b$0,:3,:9999").block(in: [1, 3, 10]).shape == [3, 10])
        let plain = try SeisBenchTraceName(parsing: "ev1/st1")
        #expect(plain.dataset == "ev1/st1" && plain.locator == nil)
        #expect(try plain.block(in: [3, 40]).shape == [3, 40])
        for bad in ["", "$1", "a$1$2", "a$x", "a$1:2:3", "a$,1", "a//b", "/a"] {
            #expect(throws: SeisBenchError.self, "\(bad)") { try SeisBenchTraceName(parsing: bad) }
        }
        #expect(throws: SeisBenchError.self) { try SeisBenchTraceName(parsing: "b$7").block(in: [5, 3, 10]) }
        #expect(throws: SeisBenchError.self) { try SeisBenchTraceName(parsing: "b$1,2,3,4").block(in: [5, 3, 10]) }
    }

    /// Random locator strings: each parses and selects a block inside the array, or throws.
    @Test func traceNameFuzzSelectsInsideOrThrows() {
        var rng = TestRNG(seed: 44)
        let alphabet = Array("0123456789-:,$ b")
        var parsed = 0
        for _ in 0..<5000 {
            let text = "b$" + String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            guard let name = try? SeisBenchTraceName(parsing: text), let block = try? name.block(in: [6, 3, 50]) else { continue }
            parsed += 1
            let inside = zip(zip(block.start, block.count), [6, 3, 50]).allSatisfy { $0.0 >= 0 && $0.1 >= 0 && $0.0 + $0.1 <= $1 }
            #expect(inside, "\(text): \(block)")
        }
        #expect(parsed > 100)
    }

    /// Chunks as SeisBench finds them: from the chunks file; without it (or with an empty one) from
    /// the file names; a listed chunk without its files and folders that are no dataset refused.
    @Test func chunksAreFoundAsSeisBenchFindsThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sb-chunks-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: Fixtures.path("seisbench/chunked"), toPath: folder)
        #expect(try SeisBenchDataset(path: folder).chunks == ["_2010", "_2014"])
        try FileManager.default.removeItem(atPath: folder + "/chunks")
        #expect(try SeisBenchDataset(path: folder).chunks == ["_2010", "_2014"])
        try "\n\n".write(toFile: folder + "/chunks", atomically: true, encoding: .utf8)
        #expect(try SeisBenchDataset(path: folder).chunks == ["_2010", "_2014"])
        try "_2010\r\n_2018\r\n".write(toFile: folder + "/chunks", atomically: true, encoding: .utf8)
        #expect(throws: SeisBenchError.missingChunkFile(path: folder, chunk: "_2018", file: "metadata_2018.csv")) {
            try SeisBenchDataset(path: folder)
        }
        #expect(throws: SeisBenchError.self) { try SeisBenchDataset(path: folder + "/metadata_2010.csv") }
        #expect(throws: SeisBenchError.self) { try SeisBenchDataset(path: folder + "/nothing") }
        let empty = folder + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(throws: SeisBenchError.self) { try SeisBenchDataset(path: empty) }
    }

    /// data_format entries as scalar datasets, fixed-length strings as well as h5py's variable-length
    /// ones; each bad entry refused on its own; a file without component_order reads only traces
    /// that state their own order.
    @Test func dataFormatEntriesAreCheckedOneByOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sb-format-\(UUID()).hdf5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.copyItem(atPath: Fixtures.path("seisbench/plain/waveforms.hdf5"), toPath: path)
        func set(_ key: String, _ value: [String]) throws {
            let f = try HDF5File(readingAt: path, writable: true)
            try f.write("data_format/\(key)", strings: value)
        }
        try set("dimension_order", ["CW"])  // fixed-length, one value: read as h5py's are
        #expect(try SeisBenchWaveforms(path: path).format.dimensionOrder == "CW")
        try set("component_order", [])  // not one value
        #expect(throws: HDF5Error.self) { try SeisBenchWaveforms(path: path) }
        try set("component_order", ["ZNE"])
        try set("sampling_rate", ["fast"])
        #expect(throws: SeisBenchError.dataFormat(path: path, reason: "sampling_rate \"fast\" is not a positive number")) {
            try SeisBenchWaveforms(path: path)
        }
        try set("sampling_rate", ["100"])
        try set("dimension_order", ["CCW"])
        #expect(throws: SeisBenchError.dataFormat(path: path, reason: "dimension_order \"CCW\" is not CW or WC")) { try SeisBenchWaveforms(path: path) }
        try set("dimension_order", ["CW"])
        try set("component_order", ["ZNZ"])
        #expect(throws: SeisBenchError.dataFormat(path: path, reason: "component_order \"ZNZ\" is empty or repeats a component")) {
            try SeisBenchWaveforms(path: path)
        }
        // Without a component order: a trace needs its own.
        do {
            let f = try HDF5File(readingAt: path, writable: true)
            try f.removeLink("data_format/component_order")
        }
        let file = try SeisBenchWaveforms(path: path)
        #expect(file.format.componentOrder == nil)
        let name = try SeisBenchTraceName(parsing: "bucket0$0,:3,:4000")
        #expect(throws: SeisBenchError.self) { try file.components(of: name) }
        #expect(try file.components(of: name, componentOrder: "ZNE").count == 3)
    }

    @Test func scalarTextReadsStringsAndNumbers() throws {
        let f = try HDF5File(readingAt: Fixtures.path("seisbench/plain/waveforms.hdf5"))
        #expect(try f.scalarText("data_format/component_order") == "ZNE")
        #expect(try f.scalarText("data_format/sampling_rate") == "100")
        #expect(try f.scalarText("data_format/none") == nil)
        #expect(throws: HDF5Error.self) { try f.scalarText("data/bucket0") }
    }
}
