// CrossEntropy: softmax and mean cross-entropy from logits (reference: torch.nn.functional.cross_entropy).

import Foundation

/// Softmax and the mean negative log-likelihood over a batch, computed stably (max subtracted).
public enum CrossEntropy {
    /// Row-wise softmax of [N, C] logits.
    public static func softmax(_ logits: Tensor) -> Tensor {
        precondition(logits.rank == 2, "softmax expects [N, C], got \(logits.shape)")
        let c = logits.shape[1]
        var p = logits
        for n in 0..<logits.shape[0] {
            let row = n * c
            var m = -Float.infinity
            for j in 0..<c { m = max(m, p.storage[row + j]) }
            var s: Float = 0
            for j in 0..<c { let e = expf(p.storage[row + j] - m); p.storage[row + j] = e; s += e }
            for j in 0..<c { p.storage[row + j] /= s }
        }
        return p
    }

    /// L = −(1/N) Σ_n log softmax(z_n)[y_n] and ∂L/∂z = (softmax(z) − onehot(y)) / N.
    public static func loss(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "logits \(logits.shape) vs \(labels.count) labels")
        let (n, c) = (logits.shape[0], logits.shape[1])
        var grad = logits
        var total = 0.0
        for b in 0..<n {
            let y = labels[b]
            precondition((0..<c).contains(y), "label \(y) outside 0..<\(c)")
            let row = b * c
            var m = -Float.infinity
            for j in 0..<c { m = max(m, logits.storage[row + j]) }
            var s: Float = 0
            for j in 0..<c { s += expf(logits.storage[row + j] - m) }
            let logSum = logf(s) + m
            total += Double(logSum - logits.storage[row + y])
            for j in 0..<c {
                let p = expf(logits.storage[row + j] - logSum)
                grad.storage[row + j] = (p - (j == y ? 1 : 0)) / Float(n)
            }
        }
        return (Float(total / Double(n)), grad)
    }
}
