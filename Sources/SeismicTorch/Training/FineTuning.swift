// FineTuning: a pre-trained model made ready for a new dataset — the data checked against it, a
// new output layer for new classes, the frozen set — before `TrainingRun.run` trains it.

import Foundation
import SeismicNN

/// The start of a fine-tuning run: the model (the pre-trained one, or a copy with a fresh output
/// layer), the card it will be written with, the parameters kept fixed and the training windows.
public struct FineTuning {
    public var model: ConvNet
    public var card: ModelCard
    /// Parameter names (PyTorch's) not updated: the feature extractor's with `freezeConvolutions`.
    public var frozen: Set<String>
    /// The dataset's windows through the card's training-time chain (`Preprocessing.trainingWindows`).
    public var windows: WindowDataset

    /// - Parameters:
    ///   - pretrained, pretrainedCard, checkpoint: the model, its card and its path (for messages
    ///     and the card's `fine-tuned from` note).
    ///   - prepared, datasetPath: the dataset and its path.
    ///   - replaceHead: allow the dataset's classes to differ from the checkpoint's: fc3 is then
    ///     replaced by a fresh layer for them, initialised from `seed`.
    ///   - freezeConvolutions: keep conv1–3 and bn1–3 fixed (`ConvNet.featureParameterNames`).
    ///   - dropout: the conv blocks' dropout probability while training.
    /// - Throws: `DatasetError.modelMismatch` when the windows do not fit the model (shape, rate,
    ///   components); `TrainingRunError.classMismatch` when the classes differ without
    ///   `replaceHead`; `ModelInputMismatch`.
    public init(
        pretrained: ConvNet, card pretrainedCard: ModelCard, checkpoint: String, dataset prepared: PreparedDataset, datasetPath: String,
        replaceHead: Bool, freezeConvolutions: Bool, seed: UInt64, dropout: Float
    ) throws {
        // The windows must fit the pre-trained model; the classes (and units: the windows are
        // normalised, and the fine-tuned card takes the dataset's) may differ.
        try prepared.checkCompatible(with: pretrainedCard, modelPath: checkpoint, path: datasetPath, use: .fineTuning)
        var net = pretrained
        if pretrainedCard.classNames != prepared.metadata.classNames {
            guard replaceHead else { throw TrainingRunError.classMismatch(checkpoint: pretrainedCard.classNames, dataset: prepared.metadata.classNames) }
            net = pretrained.replacingHead(classCount: prepared.metadata.classNames.count, seed: seed)
        }
        var card = try ModelCard.training(ModelKind(card: pretrainedCard), on: prepared)
        card.architecture = net.architecture
        card.notes["fine-tuned from"] = checkpoint
        net.dropoutProbability = dropout
        model = net
        self.card = card
        frozen = freezeConvolutions ? net.featureParameterNames : []
        windows = card.preprocessing.trainingWindows(of: prepared)
    }
}
