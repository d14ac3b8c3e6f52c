// Model cards validated on load: every field against what ConvNet can build, weights finite, errors naming the file.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

private func temporaryPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("card-\(UUID()).\(ext)").path
}

/// The earthquake checkpoint with its card JSON replaced by `edit` applied to the valid card's JSON object.
private func checkpoint(editingCard edit: (inout [String: Any]) -> Void, model: ConvNet = ConvNet(.earthquake(), seed: 5)) throws -> SafeTensorsFile {
    var file = try Checkpoint.encode(model: model, card: .earthquakePretraining())
    var card = try JSONSerialization.jsonObject(with: Data(file.metadata[Checkpoint.cardKey]!.utf8)) as! [String: Any]
    edit(&card)
    file.metadata[Checkpoint.cardKey] = String(decoding: try JSONSerialization.data(withJSONObject: card), as: UTF8.self)
    return file
}

/// Loads `file` from disk; returns the error's description, or nil after checking the loaded model is usable.
private func loadOutcome(_ file: SafeTensorsFile, _ path: String) throws -> String? {
    try file.write(to: path)
    do {
        let (model, card) = try Checkpoint.load(from: path)
        try card.validate()
        let x = Tensor(
            shape: [2] + card.architecture.inputShape,
            storage: (0..<(2 * card.architecture.inputShape.reduce(1, *))).map { Float($0 % 7) - 3 })
        let p = model.predict(x)
        #expect(p.storage.allSatisfy { $0.isFinite }, "a loaded checkpoint predicts non-finite probabilities")
        #expect(p.shape == [2, card.classNames.count])
        return nil
    } catch let e as CheckpointError {
        return e.description
    }
}

@Suite struct ModelCardValidationTests {
    @Test func referenceCardsAreValid() throws {
        try ModelCard.earthquakePretraining().validate()
        try ModelCard.spectrogramEvents().validate()
    }

    /// The hand-found crash kinds: each is refused naming the file, the field and the value.
    @Test func brokenCardsAreRefusedNamingFileFieldAndValue() throws {
        let cases: [(String, Any, String, String)] = [
            ("pool", [0, 1] as Any, "architecture.pool[0]", "0"),
            ("channels", [16, -32, 64] as Any, "architecture.channels[1]", "-32"),
            ("windowSamples", 0 as Any, "windowSamples", "0"),
            ("samplingRateHz", 1e300 as Any, "samplingRateHz", "1e+300"),
            ("classNames", ["P", "S"] as Any, "classNames", "[\"P\", \"S\"]"),
            ("kernel", [60, 1] as Any, "architecture.kernel", "[60, 1]"),
            ("inputShape", [1, 80] as Any, "architecture.inputShape", "[1, 80]"),
            ("classCount", 0 as Any, "architecture.classCount", "0"),
            ("dropout", 1.5 as Any, "architecture.dropout", "1.5"),
            ("componentOrder", ["E", "E", "Z"] as Any, "componentOrder[1]", "'E'"),
            ("units", "furlongs" as Any, "units", "'furlongs'")
        ]
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (key, value, field, shown) in cases {
            let file = try checkpoint(editingCard: { card in
                if ["pool", "channels", "kernel", "inputShape", "classCount", "dropout"].contains(key) {
                    var arch = card["architecture"] as! [String: Any]
                    arch[key] = value
                    card["architecture"] = arch
                } else {
                    card[key] = value
                }
            })
            let message = try #require(try loadOutcome(file, path))
            #expect(message.hasPrefix(path + ": model card field '\(field)' is \(shown); expected"), "\(message)")
        }
    }

    @Test func filterCornersAboveNyquistAndBadOrdersAreRefused() throws {
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (key, value, expected) in [
            ("highpassCornerHz", 1e9 as Any, "below the Nyquist frequency 20.0 Hz"),
            ("highpassCornerHz", 0 as Any, "above 0"), ("highpassCorners", 0 as Any, "1…10"),
            ("highpassCorners", 400 as Any, "1…10"), ("taperFraction", -0.1 as Any, "0…0.5"),
            ("sourceSamplingRateHz", 0 as Any, "Hz"), ("detrend", "demean" as Any, "'linear'"),
            ("amplitudeChain", ["normalize"] as Any, "one of"),
            ("amplitudeChain", ["spectrogram", "image_100x150"] as Any, "for the input [1, 80, 3]")
        ] {
            let file = try checkpoint(editingCard: { card in
                var p = card["preprocessing"] as! [String: Any]
                p[key] = value
                card["preprocessing"] = p
            })
            let message = try #require(try loadOutcome(file, path))
            #expect(message.contains("'preprocessing.\(key)'") && message.contains(expected), "\(message)")
        }
    }

    /// Cards written before the units were part of the input contract kept them in
    /// `preprocessing.units`: they are read from there, checked the same way, and m/s² when absent.
    @Test func unitsOfEarlierCardsAreReadFromPreprocessing() throws {
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (word, expected) in [("gal", SampleUnit.acceleration(.gal)), ("counts", .counts), (nil, .metersPerSecondSquared)] as [(String?, SampleUnit)] {
            let file = try checkpoint(editingCard: { card in
                card["units"] = nil
                var p = card["preprocessing"] as! [String: Any]
                p["units"] = word
                card["preprocessing"] = p
            })
            try file.write(to: path)
            #expect(try Checkpoint.load(from: path).1.units == expected)
        }
        let file = try checkpoint(editingCard: { card in
            card["units"] = nil
            var p = card["preprocessing"] as! [String: Any]
            p["units"] = "furlongs"
            card["preprocessing"] = p
        })
        let message = try #require(try loadOutcome(file, path))
        #expect(message.contains("'preprocessing.units'") && message.contains(SampleUnit.accepted), "\(message)")
    }

    @Test func aNonFiniteWeightOrNegativeVarianceIsRefusedNamingTheTensor() throws {
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (name, index, value) in [("conv2.weight", 7, Float.nan), ("fc1.bias", 3, .infinity), ("bn3.running_var", 5, -1)] {
            let model = ConvNet(.earthquake(), seed: 5)
            model.store.withMutableValues(of: model.store.require(name)) { $0[index] = value }
            let message = try #require(try loadOutcome(try checkpoint(editingCard: { _ in }, model: model), path))
            #expect(message.hasPrefix("\(path): tensor '\(name)' value \(index) is \(value); expected"), "\(message)")
        }
    }

    @Test func anInferredCardWithZeroClassesIsRefused() throws {
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = try Checkpoint.encode(model: ConvNet(.earthquake()), card: .earthquakePretraining())
        file.metadata = [:]
        file.tensors["fc3.weight"] = .init(float32: [], shape: [0, 16])
        let message = try #require(try loadOutcome(file, path))
        #expect(message.contains("'architecture.classCount' is 0"), "\(message)")
    }

    /// Structure-aware fuzzing of the card: every field set to extremes, removed, or given another type.
    /// Each case loads into a model that predicts finite probabilities, or throws a CheckpointError.
    @Test func cardFieldMutationsLoadValidOrThrow() throws {
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base = try checkpoint(editingCard: { _ in })
        let json = try JSONSerialization.jsonObject(with: Data(base.metadata[Checkpoint.cardKey]!.utf8)) as! [String: Any]
        // Every leaf path of the card: ["architecture", "pool", 0], ["samplingRateHz"], …
        var leaves: [[Any]] = []
        func walk(_ v: Any, _ path: [Any]) {
            if let d = v as? [String: Any] {
                for (k, x) in d { walk(x, path + [k]) }
            } else if let a = v as? [Any] {
                for (i, x) in a.enumerated() { walk(x, path + [i]) }; leaves.append(path)
            } else {
                leaves.append(path)
            }
        }
        walk(json, [])
        func set(_ v: Any, _ path: ArraySlice<Any>, _ new: Any?) -> Any? {
            guard let head = path.first else { return new }
            if var d = v as? [String: Any], let k = head as? String {
                d[k] = set(d[k] as Any, path.dropFirst(), new)
                return d
            }
            if var a = v as? [Any], let i = head as? Int {
                if let x = set(a[i], path.dropFirst(), new) { a[i] = x } else { a.remove(at: i) }
                return a
            }
            return v
        }
        let values: [Any?] = [nil, 0, -1, 1, 2, 1e300, -1e300, Int.max, Int.min, 1 << 40, 0.5, "NaN", "", "x,y", [] as [Any], [0, 0, 0, 0]]
        var refused = 0, loaded = 0
        for leaf in leaves where leaf.first as? String != "history" {
            for v in values {
                let mutated = set(json, leaf[...], v) as! [String: Any]
                var file = base
                file.metadata[Checkpoint.cardKey] = String(decoding: try JSONSerialization.data(withJSONObject: mutated), as: UTF8.self)
                if try loadOutcome(file, path) == nil { loaded += 1 } else { refused += 1 }
            }
        }
        #expect(refused + loaded == leaves.filter { $0.first as? String != "history" }.count * values.count)
        #expect(refused > loaded, "most extreme values must be refused (\(refused) refused, \(loaded) loaded)")
        #expect(refused + loaded > 500)
    }
}
