// Adam: torch.optim.Adam (bias-corrected moments, ε added after the square root), over one arena.

import Foundation

/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε),
/// with optional L2 weight decay added to g first (PyTorch's `weight_decay`). Walks the store's
/// one parameter arena; `frozen` entries are skipped (fine-tuning).
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    public private(set) var step: Int = 0
    let store: ParameterStore
    public let firstMoment: UnsafeMutablePointer<Float>
    public let secondMoment: UnsafeMutablePointer<Float>
    /// Parameter ranges that are updated (all by default).
    public private(set) var active: [Range<Int>]

    public init(
        store: ParameterStore, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        eps: Float = 1e-8, weightDecay: Float = 0, frozen: Set<String> = []
    ) {
        self.store = store
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        let n = max(store.parameterCount, 1)
        firstMoment = .allocate(capacity: n)
        firstMoment.initialize(repeating: 0, count: n)
        secondMoment = .allocate(capacity: n)
        secondMoment.initialize(repeating: 0, count: n)
        active = store.parameterEntries.filter { !frozen.contains($0.name) }.map { $0.offset..<($0.offset + $0.count) }
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
    }

    /// Restores the step count and moments (checkpoint resume).
    public func restore(step: Int, first: [Float], second: [Float]) {
        precondition(first.count == store.parameterCount && second.count == store.parameterCount, "moment sizes")
        self.step = step
        first.withUnsafeBufferPointer { firstMoment.update(from: $0.baseAddress!, count: first.count) }
        second.withUnsafeBufferPointer { secondMoment.update(from: $0.baseAddress!, count: second.count) }
    }

    /// One update from the gradients in the store.
    public func update() {
        step += 1
        // Bias corrections in double precision, as PyTorch computes them from a Python float.
        let t = Double(step)
        let bc1 = 1 - pow(Double(beta1), t)
        let bc2Sqrt = Float((1 - pow(Double(beta2), t)).squareRoot())
        let stepSize = Float(Double(learningRate) / bc1)
        let (b1, b2, e, wd) = (beta1, beta2, eps, weightDecay)
        let g = store.gradients, m = firstMoment, v = secondMoment
        store.withMutableParameters { p in
            for range in active {
                Parallel.forEachChunk(range.count, minimumPerChunk: 1 << 15) { _, r in
                    for i in (range.lowerBound + r.lowerBound)..<(range.lowerBound + r.upperBound) {
                        var gi = g[i]
                        if wd != 0 { gi += wd * p[i] }
                        m[i] += (1 - b1) * (gi - m[i])  // lerp, as exp_avg.lerp_(grad, 1 − β₁)
                        v[i] = b2 * v[i] + (1 - b2) * gi * gi
                        let denom = v[i].squareRoot() / bc2Sqrt + e
                        p[i] -= stepSize * (m[i] / denom)
                    }
                }
            }
        }
    }
}
