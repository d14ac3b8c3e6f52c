// Checkpoints: safetensors round trips, the reference's names, and refusals that name the offender.

import Foundation
import SeismicIO
import SeismicNN
import SeismicTorch
import TestSupport
import Testing

private func temporaryPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID()).\(ext)").path
}

@Suite struct CheckpointTests {
    /// Loading a checkpoint into a model that has already run (its blocks hold weight matrices built
    /// from the old values), or re-initialising it, gives the new weights' answer bit for bit.
    @Test func loadingIntoAModelThatHasRunReplacesItsWeights() throws {
        var rng = TestRNG(seed: 3)
        let x = Tensor(shape: [4, 1, 80, 3], storage: (0..<960).map { _ in Float.random(in: -1...1, using: &rng) })
        let model = ConvNet(.earthquake(), seed: 1), other = ConvNet(.earthquake(), seed: 2)
        let before = model.forward(x, training: false)
        try Checkpoint.load(try Checkpoint.encode(model: other, card: .earthquakePretraining()), into: model, path: "other.safetensors")
        let loaded = model.forward(x, training: false)
        #expect(loaded != before)
        #expect(loaded == other.forward(x, training: false))
        model.initialize(seed: 1)
        #expect(model.forward(x, training: false) == before)
    }

    @Test func saveThenLoadGivesTheSameModelBitForBit() throws {
        let model = ConvNet(.earthquake(), seed: 42)
        // Give BatchNorm non-default state, as after training.
        model.store.counters[0] = 17
        model.store.buffers[3] = 0.25
        var card = ModelCard.earthquakePretraining()
        card.history = [
            EpochRecord(
                epoch: 0, learningRate: 1e-3, trainLoss: 1, trainAccuracy: 0.5, validationLoss: 0.9,
                validationAccuracy: 0.6, seconds: 1.5)
        ]
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(model: model, card: card, to: path)
        let (back, backCard) = try Checkpoint.load(from: path)
        #expect(backCard == card)
        for e in model.store.entries {
            if e.kind == .counter {
                #expect(back.store.counters[e.offset] == model.store.counters[e.offset])
            } else {
                #expect(back.store.tensor(e.name).storage.map(\.bitPattern) == model.store.tensor(e.name).storage.map(\.bitPattern))
            }
        }
        var rng = TestRNG(seed: 1)
        let x = Tensor(shape: [5, 1, 80, 3], storage: (0..<1200).map { _ in Float.random(in: -1...1, using: &rng) })
        #expect(back.forward(x, training: false) == model.forward(x, training: false))
        let file = try SafeTensorsFile(contentsOf: path)
        #expect(file.tensors["bn1.num_batches_tracked"]?.dtype == .i64)
        #expect(file.tensors["bn1.num_batches_tracked"]?.shape == [])
        #expect(Set(file.tensors.keys) == Set(model.store.entries.map(\.name)))
    }

    @Test func loadsAReferenceStateDictWithoutCard() throws {
        let model = ConvNet(.earthquake(), seed: 3)
        var file = try Checkpoint.encode(model: model, card: .earthquakePretraining())
        file.metadata = [:]
        let path = temporaryPath("safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(to: path)
        let (back, card) = try Checkpoint.load(from: path)
        #expect(card.classNames == ["P-wave", "S-wave", "Noise"])
        #expect(back.store.tensor("fc3.weight") == model.store.tensor("fc3.weight"))
    }

    @Test func refusesUnknownNamesAndWrongShapesNamingThem() throws {
        let model = ConvNet(.earthquake(), seed: 3)
        var file = try Checkpoint.encode(model: model, card: .earthquakePretraining())
        file.tensors["fc4.weight"] = .init(float32: [1], shape: [1])
        #expect { try Checkpoint.load(file, into: ConvNet(.earthquake()), path: "x") } throws: { "\($0)".contains("fc4.weight") }
        file.tensors["fc4.weight"] = nil
        file.tensors["fc2.weight"] = .init(float32: [Float](repeating: 0, count: 64 * 17), shape: [17, 64])
        #expect { try Checkpoint.load(file, into: ConvNet(.earthquake()), path: "x") } throws: {
            "\($0)".contains("fc2.weight") && "\($0)".contains("[16, 64]")
        }
        file.tensors["fc2.weight"] = nil
        #expect { try Checkpoint.load(file, into: ConvNet(.earthquake()), path: "x") } throws: { "\($0)".contains("missing tensors: fc2.weight") }
    }

    @Test func corruptFilesGiveErrorsNotCrashes() throws {
        let good = try Checkpoint.encode(model: ConvNet(.earthquake()), card: .earthquakePretraining()).encoded()
        var rng = TestRNG(seed: 4)
        for round in 0..<400 {
            var bytes = good
            if round % 2 == 0 {
                bytes = bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))
            } else {
                for _ in 0..<4 { bytes[Int.random(in: 0..<min(bytes.count, 3000), using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            }
            _ = try? SafeTensorsFile(data: bytes)
        }
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(data: Data([1, 2, 3])) }
    }
}
