// Tests of .npy reading and writing.

import Foundation
import SeismicIO
import TestSupport
import Testing

@Suite struct NPYArrayTests {
    @Test func readsFixtureShapesFromManifest() throws {
        for name in Fixtures.arrayNames("layers/conv2d_k3x1") {
            let a = try Fixtures.npy("layers/conv2d_k3x1", name)
            #expect(a.shape == Fixtures.declaredShape("layers/conv2d_k3x1", name))
            #expect(a.dtype == .float32)
        }
        let q = try Fixtures.npy("signal/amplitude_pipeline", "quantized")
        #expect(q.dtype == .int16)
        let labels = try Fixtures.npy("layers/cross_entropy", "labels")
        #expect(labels.dtype == .int64)
    }

    @Test func roundTripsEveryDType() throws {
        var rng = TestRNG(seed: 3)
        let values = (0..<60).map { _ in Double.random(in: -1000...1000, using: &rng) }
        let arrays = [
            NPYArray(float32: values.map(Float.init), shape: [3, 4, 5]),
            NPYArray(float64: values, shape: [60]),
            NPYArray(int16: values.map { Int16($0) }, shape: [6, 10]),
            NPYArray(int64: values.map { Int64($0) }, shape: [2, 30]),
            NPYArray(float32: [], shape: [0, 3])
        ]
        for a in arrays {
            let bytes = a.encoded()
            #expect((bytes.count - a.bytes.count) % 64 == 0)
            #expect(try NPYArray(data: bytes) == a)
        }
    }

    @Test func numpyReadsWhatWeWriteWhenPythonIsThere() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NPYArray(float32: [1.5, -2, 3], shape: [3, 1]).write(to: dir + "/a.npy")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", "-c", "import numpy as n,sys; a=n.load(sys.argv[1]); assert a.shape==(3,1) and a.dtype==n.float32 and a[0,0]==1.5", dir + "/a.npy"
        ]
        guard (try? p.run()) != nil else { return }
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            check.arguments = ["python3", "-c", "import numpy"]
            try check.run(); check.waitUntilExit()
            #expect(check.terminationStatus != 0, "numpy could not read our .npy file")
        }
    }

    /// A version-1 .npy file from a header dictionary text and data bytes.
    private func npy(_ header: String, data: [UInt8] = []) -> [UInt8] {
        let h = Array(header.utf8)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xff), UInt8(h.count >> 8)] + h + data
    }

    @Test func refusesHeadersThatUsedToTrap() throws {
        // descr empty (was a force unwrap), ")(" shape (was a reversed range), overflowing shape product.
        #expect(throws: NPYError.unsupportedDType(path: "x", descr: "")) {
            try NPYArray(data: npy("{'descr': '', 'fortran_order': False, 'shape': (1,), }"), path: "x")
        }
        #expect(throws: NPYError.badHeader(path: "x", reason: "'shape' is )1,(, expected a tuple of integers")) {
            try NPYArray(data: npy("{'descr': '<f4', 'fortran_order': False, 'shape': )1,(, }"), path: "x")
        }
        #expect(throws: NPYError.badHeader(path: "x", reason: "shape [4611686018427387904, 4] × 4 bytes overflows the byte count")) {
            try NPYArray(data: npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"), path: "x")
        }
        #expect(throws: NPYError.badHeader(path: "x", reason: "'shape' is (99999999999999999999,); dimensions are integers ≥ 0")) {
            try NPYArray(data: npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"), path: "x")
        }
        for bad in ["(-1,)", "(3.0,)", "(1,,2)", "(+3,)", "(a,)"] {
            #expect(throws: NPYError.badHeader(path: "x", reason: "'shape' is \(bad); dimensions are integers ≥ 0")) {
                try NPYArray(data: npy("{'descr': '<f4', 'fortran_order': False, 'shape': \(bad), }"), path: "x")
            }
        }
        #expect(throws: NPYError.badHeader(path: "x", reason: "'fortran_order' is 0, expected True or False")) {
            try NPYArray(data: npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }"), path: "x")
        }
        #expect(throws: NPYError.sizeMismatch(path: "x", expectedBytes: 24, actualBytes: 4)) {
            try NPYArray(data: npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data: [0, 0, 0, 0]), path: "x")
        }
        // Scalars and empty tuples: one element.
        let scalar = try NPYArray(data: npy("{'descr': '<i2', 'fortran_order': False, 'shape': (), }", data: [7, 0]))
        #expect(scalar.shape == [])
        #expect(try scalar.ints == [7])
    }

    @Test func floatsWithoutAnIntegerValueAreRefusedAsInts() throws {
        #expect(try NPYArray(float64: [2.9, -2.9, 0]).ints == [2, -2, 0])
        #expect(throws: NPYError.notAnInteger(index: 1, value: .infinity)) { try NPYArray(float64: [1, .infinity]).ints }
        #expect(throws: NPYError.notAnInteger(index: 0, value: 1e300)) { try NPYArray(float64: [1e300]).ints }
        #expect(throws: NPYError.self) { try NPYArray(float32: [.nan]).ints }
    }

    @Test func refusesBadFiles() {
        #expect(throws: NPYError.badMagic(path: "x")) { try NPYArray(data: Array("hello world".utf8), path: "x") }
        var good = NPYArray(float32: [1, 2, 3]).encoded()
        good.removeLast()
        #expect(throws: NPYError.sizeMismatch(path: "x", expectedBytes: 12, actualBytes: 11)) { try NPYArray(data: good, path: "x") }
        var rng = TestRNG(seed: 1)
        let valid = NPYArray(float64: [1, 2, 3, 4], shape: [2, 2]).encoded()
        for _ in 0..<2000 {
            var b = valid
            for _ in 0..<4 { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? NPYArray(data: Array(b.prefix(Int.random(in: 0...b.count, using: &rng))))
        }
    }
}
