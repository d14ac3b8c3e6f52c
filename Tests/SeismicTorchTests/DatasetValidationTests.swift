// Prepared datasets validated on load (attributes, shapes, labels, finite values) and against the model that uses them.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

private func temporaryPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ds-\(UUID()).\(ext)").path
}

/// The contents of a prepared-dataset file, written as `PreparedDataset.save` lays it out.
private struct DatasetFile {
    enum Attribute { case double(Double), string(String) }
    var x: [Float]
    var xShape: [Int]
    var y: [Int64]
    var attributes: [String: Attribute]

    /// A valid file of `count` time-series windows [80, 3] at 40 Hz, P/S/Noise, labels cycling.
    static func valid(count: Int = 6, seed: UInt64 = 1) -> DatasetFile {
        var rng = TestRNG(seed: seed)
        return DatasetFile(
            x: (0..<(count * 240)).map { _ in Float.random(in: -1...1, using: &rng) }, xShape: [count, 80, 3],
            y: (0..<count).map { Int64($0 % 3) },
            attributes: [
                "class_names": .string("P-wave,S-wave,Noise"), "sampling_rate_hz": .double(40),
                "window_samples": .double(80), "component_order": .string("E,N,Z")
            ])
    }

    func write(to path: String) throws {
        let f = try HDF5File(creatingAt: path)
        try f.write("X", floats: x, shape: xShape)
        try f.write("y", int64s: y, shape: [y.count])
        for (name, a) in attributes {
            switch a {
            case .double(let d): try f.setAttribute(name, double: d)
            case .string(let s): try f.setAttribute(name, string: s)
            }
        }
        f.flush()
    }
}

/// Writes and loads `file`: the error's description, or nil after checking the loaded dataset is usable.
private func loadOutcome(_ file: DatasetFile, _ path: String) throws -> String? {
    try? FileManager.default.removeItem(atPath: path)
    try file.write(to: path)
    do {
        let d = try PreparedDataset.load(from: path)
        #expect(d.values.allSatisfy { $0.isFinite })
        #expect(d.labels.allSatisfy { (0..<d.metadata.classNames.count).contains($0) })
        #expect(d.metadata.samplingRateHz.isFinite && d.metadata.samplingRateHz > 0)
        #expect(d.itemShape.count != 2 || d.metadata.windowSamples == d.itemShape[0])
        #expect(d.windowDataset().count == d.count)
        return nil
    } catch {
        return error.description
    }
}

@Suite struct DatasetValidationTests {
    @Test func aValidFileLoads() throws {
        let path = temporaryPath("h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try loadOutcome(.valid(), path) == nil)
    }

    @Test func badAttributesAreRefusedNamingFileAttributeAndValue() throws {
        let path = temporaryPath("h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cases: [(String, DatasetFile.Attribute, String)] = [
            ("window_samples", .double(.nan), "'window_samples' is nan; expected 80"),
            ("window_samples", .double(0), "'window_samples' is 0.0; expected 80"),
            ("window_samples", .double(-80), "'window_samples' is -80.0; expected 80"),
            ("window_samples", .double(1e300), "'window_samples' is 1e+300; expected 80"),
            ("sampling_rate_hz", .double(.nan), "'sampling_rate_hz' is nan; expected a finite rate"),
            ("sampling_rate_hz", .double(.infinity), "'sampling_rate_hz' is inf; expected a finite rate"),
            ("sampling_rate_hz", .double(0), "'sampling_rate_hz' is 0.0; expected a finite rate"),
            ("class_names", .string("P-wave,P-wave,Noise"), "'class_names' is [\"P-wave\", \"P-wave\", \"Noise\"]; expected unique"),
            ("class_names", .string("P-wave,,Noise"), "'class_names' is [\"P-wave\", \"\", \"Noise\"]; expected unique"),
            ("component_order", .string("E,N"), "'component_order' is [\"E\", \"N\"]; expected 3 unique component codes")
        ]
        for (name, value, expected) in cases {
            var file = DatasetFile.valid()
            file.attributes[name] = value
            let message = try #require(try loadOutcome(file, path))
            #expect(message.hasPrefix("\(path): \(expected)"), "\(message)")
        }
        var file = DatasetFile.valid()
        file.y[4] = 3
        #expect(try loadOutcome(file, path) == "\(path): 'y' is 3 at window 4; expected a label in 0..<3")
        file = .valid()
        file.attributes["sampling_rate_hz"] = nil
        #expect(try loadOutcome(file, path) == "\(path): not a SeismicTorch dataset: no sampling_rate_hz attribute")
    }

    /// Labels stored as floats (h5py writes float64 labels when given floats) are used only when each
    /// is finite, whole and in 0..<classes; 0.5 or 1.7 is refused naming the window, never truncated.
    @Test func floatLabelsAreRefusedUnlessWholeNumbersInRange() throws {
        let path = temporaryPath("h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = "expected a whole-number label in 0..<3", inRange = "expected a label in 0..<3"
        let cases: [(Double, String?)] = [
            (0.5, "'y' is 0.5 at window 4; \(whole)"), (1.7, "'y' is 1.7 at window 4; \(whole)"),
            (2.999999, "'y' is 2.999999 at window 4; \(whole)"), (.nan, "'y' is nan at window 4; \(whole)"),
            (.infinity, "'y' is inf at window 4; \(whole)"), (-.infinity, "'y' is -inf at window 4; \(whole)"),
            (3, "'y' is 3.0 at window 4; \(inRange)"), (-1, "'y' is -1.0 at window 4; \(inRange)"),
            (1e300, "'y' is 1e+300 at window 4; \(inRange)"), (2, nil), (0, nil)
        ]
        for (value, expected) in cases {
            let file = DatasetFile.valid()
            try? FileManager.default.removeItem(atPath: path)
            try file.write(to: path)
            var y = file.y.map(Double.init)
            y[4] = value
            do {
                let f = try HDF5File(readingAt: path, writable: true)
                try f.write("y", doubles: y, shape: [y.count])
                f.flush()
            }
            do {
                let d = try PreparedDataset.load(from: path)
                #expect(expected == nil, "label \(value) loaded")
                #expect(d.labels == y.map { Int($0) })
            } catch {
                #expect("\(error)" == "\(path): \(expected ?? "no error")", "label \(value)")
            }
        }
    }

    @Test func aNonFiniteWindowValueIsRefusedNamingWindowComponentAndSample() throws {
        let path = temporaryPath("h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = DatasetFile.valid()
        file.x[2 * 240 + 40 * 3 + 1] = .nan
        #expect(try loadOutcome(file, path) == "\(path): window 2, component N, sample 40 is nan; expected finite values")
        file = .valid()
        file.x[5 * 240 + 79 * 3 + 2] = -.infinity
        #expect(try loadOutcome(file, path) == "\(path): window 5, component Z, sample 79 is -inf; expected finite values")
    }

    /// evaluate: a dataset at another sampling rate, with other classes or no windows is refused naming both files.
    @Test func evaluationRefusesMismatchedAndEmptyDatasets() throws {
        let model = temporaryPath("safetensors"), path = temporaryPath("h5")
        defer { for p in [model, path] { try? FileManager.default.removeItem(atPath: p) } }
        try Checkpoint.save(model: ConvNet(.earthquake(), seed: 2), card: .earthquakePretraining(), to: model)
        var file = DatasetFile.valid()
        try file.write(to: path)
        #expect(try Evaluation.run(checkpoint: model, dataset: path).confusion.total == 6)
        file.attributes["sampling_rate_hz"] = .double(100)
        try? FileManager.default.removeItem(atPath: path)
        try file.write(to: path)
        #expect { try Evaluation.run(checkpoint: model, dataset: path) } throws: {
            "\($0)" == "\(path): sampling rate 100.0 Hz does not fit the model \(model), which expects 40.0 Hz"
        }
        file = .valid()
        file.attributes["class_names"] = .string("P,S,N")
        try? FileManager.default.removeItem(atPath: path)
        try file.write(to: path)
        #expect { try Evaluation.run(checkpoint: model, dataset: path) } throws: {
            "\($0)" == "\(path): class names [\"P\", \"S\", \"N\"] does not fit the model \(model), which expects [\"P-wave\", \"S-wave\", \"Noise\"]"
        }
        // The model's components in another order are refused; another naming scheme is matched by position.
        file = .valid()
        file.attributes["component_order"] = .string("Z,N,E")
        try? FileManager.default.removeItem(atPath: path)
        try file.write(to: path)
        #expect { try Evaluation.run(checkpoint: model, dataset: path) } throws: { "\($0)".contains("component order") }
        file = .valid()
        file.attributes["component_order"] = .string("X,Y,Z")
        try? FileManager.default.removeItem(atPath: path)
        try file.write(to: path)
        #expect(try Evaluation.run(checkpoint: model, dataset: path).confusion.total == 6)
        file = DatasetFile.valid(count: 0)
        try? FileManager.default.removeItem(atPath: path)
        try file.write(to: path)
        #expect { try Evaluation.run(checkpoint: model, dataset: path) } throws: {
            "\($0)" == "\(path): the dataset has no windows: X holds 0 windows"
        }
    }

    /// Structure-aware fuzzing: attributes set to extremes or removed, X given non-finite values or
    /// another shape, labels moved out of range. Each case loads into a valid dataset or throws a typed error.
    @Test func attributeAndValueMutationsLoadValidOrThrow() throws {
        let path = temporaryPath("h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var rng = TestRNG(seed: 12)
        let doubles: [Double] = [.nan, .infinity, -.infinity, 0, -1, 1, 79, 80, 80.5, 81, 1e300, -1e300, 9.3e18, 4e-324]
        let strings = ["", ",", "a", "a,b", "a,b,c", "a,a,b", "P-wave,S-wave,Noise", "E,N,Z", "a,b,c,d"]
        var refused = 0, loaded = 0
        for round in 0..<600 {
            var file = DatasetFile.valid(count: 1 + round % 5, seed: UInt64(round))
            for _ in 0..<(1 + round % 3) {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0:
                    let name = ["window_samples", "sampling_rate_hz"].randomElement(using: &rng)!
                    file.attributes[name] = Bool.random(using: &rng) ? .double(doubles.randomElement(using: &rng)!) : nil
                case 1:
                    let name = ["class_names", "component_order"].randomElement(using: &rng)!
                    file.attributes[name] = Bool.random(using: &rng) ? .string(strings.randomElement(using: &rng)!) : nil
                case 2:
                    file.x[Int.random(in: 0..<file.x.count, using: &rng)] = [Float.nan, .infinity, -.infinity].randomElement(using: &rng)!
                case 3:
                    file.y[Int.random(in: 0..<file.y.count, using: &rng)] = [-1, 3, 4, .max, .min].randomElement(using: &rng)!
                case 4:
                    let n = file.xShape[0]
                    file.xShape = [[n, 240], [n, 40, 6], [n, 1, 80, 3], [n, 3, 80]].randomElement(using: &rng)!
                default:
                    file.attributes["window_samples"] = .string("80")
                }
            }
            if try loadOutcome(file, path) == nil { loaded += 1 } else { refused += 1 }
        }
        #expect(refused > 400 && loaded > 10, "\(refused) refused, \(loaded) loaded")
    }
}
