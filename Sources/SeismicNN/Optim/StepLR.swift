// StepLR: the learning rate multiplied by γ every `stepSize` epochs (torch.optim.lr_scheduler.StepLR).

/// lr(epoch) = base · γ^⌊epoch / stepSize⌋, computed the way PyTorch does (repeated multiplication
/// in double precision at each boundary), so the values match bit for bit.
public struct StepLR: Sendable, Equatable {
    public let baseLearningRate: Double
    public let stepSize: Int
    public let gamma: Double

    public init(baseLearningRate: Double = 1e-3, stepSize: Int = 7, gamma: Double = 0.5) {
        precondition(stepSize > 0, "StepLR step size must be positive")
        self.baseLearningRate = baseLearningRate
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// The learning rate in effect during `epoch` (0-based).
    public func learningRate(epoch: Int) -> Double {
        var lr = baseLearningRate
        for _ in 0..<(epoch / stepSize) { lr *= gamma }
        return lr
    }
}
