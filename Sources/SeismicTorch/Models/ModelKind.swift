// ModelKind: the two networks a run can train, and the card a prepared dataset gives each.

import Foundation

/// The networks of the project: EarthquakeCNN on time-series windows, SpectrogramCNN on images.
public enum ModelKind: String, CaseIterable, Sendable {
    case earthquake, spectrogram

    /// The kind of an existing card's network: time-series input [1, samples, components] is
    /// EarthquakeCNN's, image input SpectrogramCNN's.
    public init(card: ModelCard) { self = card.isTimeSeries ? .earthquake : .spectrogram }

    /// The reference task's card for this network (`earthquakePretraining`, `spectrogramEvents`).
    public var referenceCard: ModelCard { self == .earthquake ? .earthquakePretraining() : .spectrogramEvents() }
}

/// A dataset whose items do not fit the network chosen for it.
public struct ModelInputMismatch: Error, CustomStringConvertible, Equatable {
    public var network: String
    public var expected: [Int]
    public var found: [Int]
    /// "windows" or "images (seismic prep spectrograms)".
    public var items: String
    public var description: String { "\(network) needs [N, \(expected.map(String.init).joined(separator: ", "))] \(items); this dataset holds \(found)" }
}

extension ModelCard {
    /// The card of a `kind` network trained on `prepared`: the reference card's architecture with
    /// one output per dataset class, and the dataset's input contract (classes, sampling rate,
    /// window, component order, units; the network's input shape must be the dataset's items).
    /// - Throws: `ModelInputMismatch` when the dataset's items are not the network's input.
    public static func training(_ kind: ModelKind, on prepared: PreparedDataset) throws(ModelInputMismatch) -> ModelCard {
        var card = kind.referenceCard
        let classes = prepared.metadata.classNames.count
        card.architecture = kind == .earthquake ? .earthquake(classCount: classes) : .spectrogram(classCount: classes)
        let shape = card.architecture.inputShape
        let items = card.isTimeSeries ? Array(shape.dropFirst()) : shape
        guard prepared.itemShape == items else {
            throw ModelInputMismatch(
                network: card.architecture.name, expected: items, found: prepared.itemShape,
                items: card.isTimeSeries ? "windows" : "images (seismic prep spectrograms)")
        }
        card.input = prepared.metadata.input
        card.notes["dataset"] = prepared.provenance.first?.source ?? ""
        return card
    }
}
