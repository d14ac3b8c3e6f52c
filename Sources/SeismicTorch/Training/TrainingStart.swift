// TrainingStart: a new network made ready for a dataset — its card from the dataset's contract,
// fresh weights, the training windows — before `TrainingRun.run` trains it (`FineTuning` starts
// from a checkpoint instead).

import Foundation
import SeismicNN

/// The start of a training from scratch: the model, the card it will be written with and the
/// training windows.
public struct TrainingStart {
    public var model: ConvNet
    public var card: ModelCard
    /// The dataset's windows through the card's training-time chain (`Preprocessing.trainingWindows`).
    public var windows: WindowDataset

    /// A `kind` network for `prepared` (`ModelCard.training(_:on:)`), initialised from `seed`, with
    /// the conv blocks' dropout probability `dropout`.
    /// - Throws: `ModelInputMismatch` when the dataset's items are not the network's input.
    public init(kind: ModelKind, dataset prepared: PreparedDataset, seed: UInt64, dropout: Float) throws {
        card = try ModelCard.training(kind, on: prepared)
        model = ConvNet(card.architecture, seed: seed)
        model.dropoutProbability = dropout
        windows = card.preprocessing.trainingWindows(of: prepared)
    }
}
