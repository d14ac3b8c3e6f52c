// Tests of HDF5 reading (the STEAD-layout fixture written by h5py) and writing.

import Foundation
import SeismicIO
import TestSupport
import Testing

@Suite struct HDF5FileTests {
    private let stead = Fixtures.path("stead_mini/merged.hdf5")

    @Test func readsSTEADTracesAndAttributes() throws {
        let f = try HDF5File(readingAt: stead)
        let names = try f.members(of: "data")
        let csv = try String(contentsOfFile: Fixtures.path("stead_mini/merged.csv"), encoding: .utf8)
        let csvNames = csv.split(whereSeparator: \.isNewline).dropFirst().map { String($0.split(separator: ",").last!) }
        #expect(names == csvNames.sorted())
        for name in names {
            let (values, shape) = try f.readFloats("data/\(name)")
            #expect(shape == [6000, 3])
            #expect(values.count == 18000)
            #expect(try f.stringAttribute("trace_name", of: "data/\(name)") == name)
            let category = try f.stringAttribute("trace_category", of: "data/\(name)")
            #expect(category == (name.hasSuffix("_EV") ? "earthquake_local" : "noise"))
            if name.hasSuffix("_EV") {
                #expect(try f.doubleAttribute("p_arrival_sample", of: "data/\(name)") != nil)
            }
        }
        let rows = try f.readFloatRows("data/\(names[0])", rows: 10..<20)
        #expect(rows == Array(try f.readFloats("data/\(names[0])").values[30..<60]))
    }

    @Test func namesMissingObjectsAndRefusesNonHDF5() throws {
        let f = try HDF5File(readingAt: stead)
        #expect(throws: HDF5Error.missing(path: stead, object: "data/nope")) { try f.readFloats("data/nope") }
        let sac = Fixtures.path("sac/test.sac")
        #expect(throws: HDF5Error.cannotOpen(path: sac)) { try HDF5File(readingAt: sac) }
    }

    /// hdf5/hostile.h5, written with h5py: dataset "small" (2×3 float32) whose attributes "rates"
    /// (3 float64), "names" (2 fixed-length strings) and "vnames" (3 variable-length strings) hold
    /// several values; "huge" (2^40 × 2^40 float32) and "hugestrings" (2^62 × S8), chunked, nothing stored.
    @Test func refusesAttributesOfSeveralValuesAndDatasetsBeyondMemory() throws {
        let path = Fixtures.path("hdf5/hostile.h5")
        let f = try HDF5File(readingAt: path)
        #expect(try f.readFloats("small").values == [0, 1, 2, 3, 4, 5])
        #expect(throws: HDF5Error.notScalar(path: path, object: "small@rates", count: 3)) { try f.doubleAttribute("rates", of: "small") }
        #expect(throws: HDF5Error.notScalar(path: path, object: "small@names", count: 2)) { try f.stringAttribute("names", of: "small") }
        #expect(throws: HDF5Error.notScalar(path: path, object: "small@vnames", count: 3)) { try f.stringAttribute("vnames", of: "small") }
        #expect(try f.shape(of: "huge") == [1 << 40, 1 << 40])
        #expect(throws: HDF5Error.tooLarge(path: path, object: "huge", shape: [1 << 40, 1 << 40], reason: "has more elements than Int can count")) {
            try f.readFloats("huge")
        }
        // One row of 2^40 float32 is 4 TiB, more than any machine this runs on.
        #expect { try f.readFloatRows("huge", rows: 0..<1) } throws: { error in
            guard case .tooLarge(let p, let o, _, let reason)? = error as? HDF5Error else { return false }
            return p == path && o == "huge" && reason.contains("more than this machine's")
        }
        #expect(try f.readFloatRows("huge", rows: 0..<0).isEmpty)
        #expect { try f.readStrings("hugestrings") } throws: { error in
            guard case .tooLarge(_, "hugestrings", [1 << 62], let reason)? = error as? HDF5Error else { return false }
            return reason.contains("needs")
        }
    }

    /// Files the hdf5 fuzz target found (Fixtures/fuzz/hdf5/) on which libhdf5 1.10 reads past a
    /// buffer or faults: refused before libhdf5 reads the values.
    @Test func malformedStorageAndTypesAreRefusedBeforeReading() throws {
        let compactPath = Fixtures.path("fuzz/hdf5/compact-size-overread-fdf21767")
        let compact = try HDF5File(readingAt: compactPath)
        #expect { try compact.readFloats("X") } throws: {
            "\($0)" == "\(compactPath): dataset X of shape [2, 80, 3] needs 1920 bytes, but its compact storage holds 1"
        }
        #expect(throws: HDF5Error.self) { try compact.readFloatRows("X", rows: 0..<1) }
        let bitOffsetPath = Fixtures.path("fuzz/hdf5/integer-bit-offset-sigbus-737e7f1a")
        let bitOffset = try HDF5File(readingAt: bitOffsetPath)
        #expect { try bitOffset.readFloats("y") } throws: {
            "\($0)" == "\(bitOffsetPath): y is not a standard integer (8–64 bit) or IEEE float (32/64 bit) type, as h5py and numpy write"
        }
        // The well-formed X of the same file still reads.
        #expect(try bitOffset.readFloats("X").shape == [2, 80, 3])
    }

    @Test func writeThenReadRoundTrips() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("h5-\(UUID()).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let f = try HDF5File(creatingAt: path)
            try f.write("windows/x", floats: (0..<24).map(Float.init), shape: [2, 4, 3])
            try f.write("windows/labels", int64s: [0, 2], shape: [2])
            try f.write("windows/q", int16s: [-32768, 32767], shape: [2])
            try f.setAttribute("classes", string: "P-wave,S-wave,Noise")
            try f.setAttribute("rate", of: "windows/x", double: 40)
        }
        let g = try HDF5File(readingAt: path)
        #expect(try g.readFloats("windows/x").shape == [2, 4, 3])
        #expect(try g.readFloats("windows/x").values == (0..<24).map(Float.init))
        #expect(try g.readInt64s("windows/labels").values == [0, 2])
        #expect(try g.readInt16s("windows/q").values == [-32768, 32767])
        #expect(try g.stringAttribute("classes", of: "/") == "P-wave,S-wave,Noise")
        #expect(try g.doubleAttribute("rate", of: "windows/x") == 40)
        #expect(try g.members(of: "windows") == ["labels", "q", "x"])
    }
}
