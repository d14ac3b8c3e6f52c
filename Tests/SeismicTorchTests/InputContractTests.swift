// One input contract for models and datasets: units in it, the fields each use compares, the
// training-time window chain from the card, and fine-tuning's start.

import Foundation
import SeismicIO
import SeismicNN
import SeismicSignal
import SeismicTorch
import TestSupport
import Testing

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID())-\(name)").path
}

/// A dataset of `count` time-series windows [80, 3] of the reference's contract in `units`, each
/// a ramp of peak `peak(i)`, labels cycling over three classes.
private func dataset(count: Int, units: SampleUnit, classNames: [String] = ["P-wave", "S-wave", "Noise"], peak: (Int) -> Float = { _ in 1 })
    -> PreparedDataset
{
    var values: [Float] = []
    for i in 0..<count { values += (0..<240).map { peak(i) * Float($0 % 17) / 16 * ($0 % 2 == 0 ? 1 : -1) } }
    let metadata = DatasetMetadata(classNames: classNames, samplingRateHz: 40, windowSamples: 80, componentOrder: ["E", "N", "Z"], units: units)
    return PreparedDataset(
        values: values, itemShape: [80, 3], labels: (0..<count).map { $0 % classNames.count },
        provenance: (0..<count).map { WindowProvenance(source: "w\($0)", station: "", startTime: 0, method: "test") }, metadata: metadata)
}

/// Changes the attributes of the HDF5 file at `path`, closed again before this returns.
private func editAttributes(_ path: String, _ edit: (HDF5File) throws -> Void) throws {
    let f = try HDF5File(readingAt: path, writable: true)
    try edit(f)
    f.flush()
}

@Suite struct InputContractTests {
    @Test func unitsAreComparedForEvaluationAndInferenceButNotFineTuning() {
        let model = ModelCard.earthquakePretraining().input
        var data = model
        data.units = .counts
        #expect(model.disagreement(withDataset: data, use: .evaluation)! == ("units", "counts", "m/s^2"))
        #expect(model.disagreement(withDataset: data, use: .inference)! == ("units", "counts", "m/s^2"))
        #expect(model.disagreement(withDataset: data, use: .fineTuning) == nil)
        data.classNames = ["Event", "Noise", "Other"]
        #expect(model.disagreement(withDataset: data, use: .evaluation)?.field == "class names")
        #expect(model.disagreement(withDataset: data, use: .inference)?.field == "units")
    }

    /// Component orders of two schemes meet position by position only when each position holds
    /// components of one kind: E,N,Z windows fit an X,Y,Z model (X east, Y north); N,E,Z and
    /// Z,N,E do not.
    @Test func componentOrdersMeetByKind() {
        var model = ModelCard.earthquakePretraining().input
        model.componentOrder = ["X", "Y", "Z"]
        for (order, fits) in [(["E", "N", "Z"], true), (["2", "1", "Z"], true), (["N", "E", "Z"], false), (["Z", "N", "E"], false), (["Y", "X", "Z"], false)] {
            var data = model
            data.componentOrder = order
            #expect((model.disagreement(withDataset: data, use: .fineTuning) == nil) == fits, "\(order)")
        }
    }

    @Test func unitNamesRoundTripAndOldDatasetWordsAreRead() {
        for unit in [SampleUnit.counts, .acceleration(.mps2), .acceleration(.gal), .acceleration(.g)] {
            #expect(SampleUnit(name: unit.name) == unit)
        }
        #expect(SampleUnit(name: "counts (response-free: instrument responses are not removed offline)") == .counts)
        #expect(SampleUnit(name: "m/s**2") == .acceleration(.mps2))
        #expect(SampleUnit(name: "countsx") == nil && SampleUnit(name: "volts") == nil)
    }

    /// The units travel in the dataset file; files written before have them in the preparation
    /// notes (or nowhere: m/s²); a word this code does not know is refused naming the attribute.
    @Test func datasetFilesCarryTheirUnits() throws {
        let path = temporaryPath("units.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try dataset(count: 3, units: .acceleration(.gal)).save(to: path)
        #expect(try PreparedDataset.load(from: path).metadata.units == .acceleration(.gal))

        for (notes, attribute, expected) in [
            (["units": "counts (response-free)"], nil, SampleUnit.counts), ([:], nil, .metersPerSecondSquared),
            (["units": "m/s^2"], "gal", .acceleration(.gal))
        ] as [([String: String], String?, SampleUnit)] {
            var d = dataset(count: 2, units: .metersPerSecondSquared)
            d.metadata.preparation = notes
            try d.save(to: path)
            try editAttributes(path) { f in
                try f.removeAttribute("units")
                if let attribute { try f.setAttribute("units", string: attribute) }
            }
            #expect(try PreparedDataset.load(from: path).metadata.units == expected, "\(notes) \(attribute ?? "-")")
        }
        try editAttributes(path) { try $0.setAttribute("units", string: "volts") }
        #expect {
            try PreparedDataset.load(from: path)
        } throws: { "\($0)".contains("'units' is volts") && "\($0)".contains(SampleUnit.accepted) }
    }

    /// Evaluating a model on windows in other units is refused with both named.
    @Test func evaluationRefusesADatasetInOtherUnits() throws {
        let model = temporaryPath("m.safetensors"), data = temporaryPath("d.h5")
        defer { for p in [model, data] { try? FileManager.default.removeItem(atPath: p) } }
        let card = ModelCard.earthquakePretraining()
        try Checkpoint.save(model: ConvNet(card.architecture, seed: 1), card: card, to: model)
        try dataset(count: 6, units: .counts).save(to: data)
        #expect {
            try Evaluation.run(checkpoint: model, dataset: data)
        } throws: { "\($0)" == "\(data): units counts does not fit the model \(model), which expects m/s^2" }
    }

    /// The training-time chain: no-signal windows dropped, and in an acceleration unit those
    /// reaching 2 g (19.62 m/s², 1962 gal, 2 g); counts have no upper limit.
    @Test func trainingWindowsDropByTheDatasetsUnits() {
        let peaks: [Float] = [0, 1, 19, 19.7, 1500, 1961, 1963, 1e6]
        let windows = dataset(count: peaks.count, units: .counts) { peaks[$0] }.windowDataset().windows
        let p = Preprocessing.reference
        #expect(p.trainingWindows(windows, units: .metersPerSecondSquared).kept == [1, 2])
        #expect(p.trainingWindows(windows, units: .acceleration(.gal)).kept == [1, 2, 3, 4, 5])
        #expect(p.trainingWindows(windows, units: .acceleration(.g)).kept == [1])
        #expect(p.trainingWindows(windows, units: .counts).kept == [1, 2, 3, 4, 5, 6, 7])
        var image = p
        image.amplitudeChain = .spectrogramImage
        #expect(image.trainingWindows(windows, units: .metersPerSecondSquared).kept == Array(0..<peaks.count))
    }

    /// The card's training-time chain on the seed's fixture (fixtures/signal/amplitude_pipeline,
    /// m/s²): the same windows kept and the same values, bit for bit, as NumPy's
    /// remove_small_amplitude → remove_large_amplitude → normalize → quantize → normalize.
    @Test func trainingWindowsMatchTheSeed() throws {
        func batch(_ name: String) throws -> WindowBatch {
            let a = try Fixtures.npy("signal/amplitude_pipeline", name)
            return WindowBatch(values: a.floats, count: a.shape[0], length: a.shape[1], components: a.shape[2])
        }
        let (windows, kept) = Preprocessing.reference.trainingWindows(try batch("x"), units: .metersPerSecondSquared)
        let small = try Fixtures.npy("signal/amplitude_pipeline", "kept_after_small").ints
        let large = try Fixtures.npy("signal/amplitude_pipeline", "kept_after_large").ints
        #expect(kept == large.map { small[$0] })
        #expect(windows.values == (try batch("final")).values)
    }

    /// Fine-tuning's start: the dataset's classes need `replaceHead` (fc3 replaced, the rest kept),
    /// `freezeConvolutions` fixes exactly conv1–3 and bn1–3, and the card takes the dataset's
    /// contract (units included) with its provenance note.
    @Test func fineTuningAdaptsTheModelToTheDataset() throws {
        let card = ModelCard.earthquakePretraining()
        let pretrained = ConvNet(card.architecture, seed: 2)
        let data = dataset(count: 12, units: .acceleration(.gal), classNames: ["Event", "Noise"])
        #expect(throws: TrainingRunError.self) {
            try FineTuning(
                pretrained: pretrained, card: card, checkpoint: "pre.safetensors", dataset: data, datasetPath: "d.h5",
                replaceHead: false, freezeConvolutions: false, seed: 1, dropout: 0.1)
        }
        let start = try FineTuning(
            pretrained: pretrained, card: card, checkpoint: "pre.safetensors", dataset: data, datasetPath: "d.h5",
            replaceHead: true, freezeConvolutions: true, seed: 1, dropout: 0.2)
        #expect(start.card.input == data.metadata.input && start.card.architecture.classCount == 2)
        #expect(start.card.notes["fine-tuned from"] == "pre.safetensors")
        #expect(start.model.dropoutProbability == 0.2 && start.windows.count == 12)
        let names = start.model.store.parameterEntries.map(\.name)
        #expect(start.frozen == Set(names.filter { $0.hasPrefix("conv") || $0.hasPrefix("bn") }))
        #expect(start.frozen.count == 12 && !start.frozen.contains { $0.hasPrefix("fc") })
        for e in pretrained.store.entries where !e.name.hasPrefix("fc3.") && e.kind != .counter {
            let kept = start.model.store.require(e.name)
            #expect(
                Array(UnsafeBufferPointer(start: start.model.store.pointer(kept), count: kept.count))
                    == Array(UnsafeBufferPointer(start: pretrained.store.pointer(e), count: e.count)), "\(e.name)")
        }
        let wrongRate = {
            var d = data; d.metadata.samplingRateHz = 100; return d
        }()
        #expect(throws: DatasetError.self) {
            try FineTuning(
                pretrained: pretrained, card: card, checkpoint: "pre.safetensors", dataset: wrongRate, datasetPath: "d.h5",
                replaceHead: true, freezeConvolutions: false, seed: 1, dropout: 0.1)
        }
    }

    /// A preparation for another window length (`QSISSettings.windowSamples`, the card's
    /// preprocessing) writes windows of that length at the matching rate, not the built-in 80.
    @Test func qsisPreparationFollowsTheGivenWindow() throws {
        let folder = temporaryPath("qsis")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SyntheticCorpus.writeQSIS(folder: folder, kind: .earthquake, count: 2, stations: 1, durationSeconds: 420, seed: 3)
        var settings = QSISSettings()
        settings.windowSamples = 60
        let (data, _) = QSIS.prepare(folder: folder, event: true, settings: settings)
        #expect(data.count > 0 && data.itemShape == [60, 3])
        #expect(data.metadata.samplingRateHz == 30 && data.metadata.windowSamples == 60)
        #expect(data.metadata.units == .metersPerSecondSquared)
    }

    /// The chain travels with the windows: saved and read back; a file without it (written
    /// before) is the reference chain; a chain this code cannot run is refused naming the
    /// attribute; a model and a dataset made with different chains are refused for every use,
    /// and datasets with different contracts are not merged.
    @Test func theChainTravelsWithTheWindowsAndMustAgree() throws {
        let path = temporaryPath("chain.h5"), other = temporaryPath("other.h5")
        defer { for p in [path, other] { try? FileManager.default.removeItem(atPath: p) } }
        var d = dataset(count: 4, units: .metersPerSecondSquared)
        d.metadata.preprocessing.highpassCornerHz = 1
        try d.save(to: path)
        #expect(try PreparedDataset.load(from: path).metadata.preprocessing == d.metadata.preprocessing)
        try editAttributes(path) { try $0.removeAttribute("preprocessing") }
        #expect(try PreparedDataset.load(from: path).metadata.preprocessing == .reference)
        try editAttributes(path) { try $0.setAttribute("preprocessing", string: "{\"detrend\": \"demean\"}") }
        #expect { try PreparedDataset.load(from: path) } throws: { "\($0)".contains("'preprocessing' is") }

        let card = ModelCard.earthquakePretraining()
        for use in [ModelUse.evaluation, .inference, .fineTuning] {
            let field = card.input.disagreement(withDataset: d.metadata.input, use: use)
            #expect(field?.field == "preprocessing" && field?.dataset.contains("highpass 1.0 Hz") == true && field?.model.contains("highpass 0.5 Hz") == true)
        }
        #expect(throws: DatasetError.self) {
            try FineTuning(
                pretrained: ConvNet(card.architecture, seed: 1), card: card, checkpoint: "pre.safetensors", dataset: d, datasetPath: "d.h5",
                replaceHead: false, freezeConvolutions: false, seed: 1, dropout: 0.1)
        }
        let plain = dataset(count: 4, units: .metersPerSecondSquared)
        #expect { try PreparedDataset.merge([("a.h5", plain), ("b.h5", d)], seed: 1) } throws: {
            "\($0)".hasPrefix("b.h5: cannot be merged: preprocessing ") && "\($0)".contains("a.h5 has")
        }
        var counts = plain
        counts.metadata.units = .counts
        #expect { try PreparedDataset.merge([("a.h5", plain), ("b.h5", counts)], seed: 1) } throws: {
            "\($0)" == "b.h5: cannot be merged: units counts, a.h5 has m/s^2"
        }
        var xyz = plain
        xyz.metadata.componentOrder = ["X", "Y", "Z"]
        #expect { try PreparedDataset.merge([("a.h5", plain), ("b.h5", xyz)], seed: 1) } throws: { "\($0)".contains("component order") }
        // A card whose chain's window is not the card's window is refused, and so is a dataset.
        var odd = card
        odd.preprocessing.sourceWindowSamples = 300
        #expect { try odd.validate() } throws: { "\($0)".contains("preprocessing.sourceWindowSamples") }
        var oddData = plain
        oddData.metadata.preprocessing.sourceWindowSamples = 300
        try oddData.save(to: path)
        #expect { try PreparedDataset.load(from: path) } throws: { "\($0)".contains("'preprocessing' is preprocessing.sourceWindowSamples = 300") }
    }
}
