// The card a training gets from its dataset, and the kind of an existing card's network.

import SeismicTorch
import Testing

@Suite struct ModelKindTests {
    private func dataset(itemShape: [Int], classes: [String]) -> PreparedDataset {
        let meta = DatasetMetadata(classNames: classes, samplingRateHz: 40, windowSamples: 80, componentOrder: ["Z", "N", "E"])
        let n = 3
        return PreparedDataset(
            values: [Float](repeating: 0.5, count: n * itemShape.reduce(1, *)), itemShape: itemShape,
            labels: (0..<n).map { $0 % classes.count },
            provenance: (0..<n).map { _ in WindowProvenance(source: "src.h5", station: "ST", startTime: 0, method: "m") },
            metadata: meta)
    }

    @Test func aTrainingCardTakesTheDatasetsClassesRateAndComponents() throws {
        let card = try ModelCard.training(.earthquake, on: dataset(itemShape: [80, 3], classes: ["quake", "quiet"]))
        #expect(card.architecture == .earthquake(classCount: 2))
        #expect(card.classNames == ["quake", "quiet"] && card.samplingRateHz == 40 && card.componentOrder == ["Z", "N", "E"])
        #expect(card.windowSamples == 80 && card.notes["dataset"] == "src.h5")
        try card.validate()
        #expect(ModelKind(card: card) == .earthquake)
        #expect(ModelKind(card: .spectrogramEvents()) == .spectrogram)
    }

    @Test func itemsThatAreNotTheNetworksInputAreRefusedNamingBoth() {
        #expect { try ModelCard.training(.spectrogram, on: dataset(itemShape: [80, 3], classes: ["a", "b"])) } throws: {
            "\($0)" == "SpectrogramCNN needs [N, 3, 100, 150] images (seismic prep spectrograms); this dataset holds [80, 3]"
        }
        #expect { try ModelCard.training(.earthquake, on: dataset(itemShape: [100, 3], classes: ["a", "b", "c"])) } throws: {
            "\($0)" == "EarthquakeCNN needs [N, 80, 3] windows; this dataset holds [100, 3]"
        }
    }
}
