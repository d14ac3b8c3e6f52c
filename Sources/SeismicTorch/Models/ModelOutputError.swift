// ModelOutputError: a model whose outputs are not finite numbers (weights that overflow float32).

import SeismicNN

/// A forward pass gave NaN or ±inf: the weights are finite (checked on load) but so large that the
/// arithmetic overflows float32, or the input was out of range. Never turned into a label.
public struct ModelOutputError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint or model (its path when known).
    public var model: String
    /// Where: the window or batch whose output was not finite.
    public var context: String

    public var description: String {
        "\(model): the model's output is not a finite number (\(context)); its weights overflow float32 arithmetic "
            + "— the checkpoint is unusable"
    }

    /// The indices along the first axis of `tensor` (`[N, …]`) whose values include NaN or ±inf.
    public static func nonFiniteRows(_ tensor: Tensor) -> [Int] {
        guard let n = tensor.shape.first, n > 0 else { return [] }
        let width = tensor.storage.count / n
        return (0..<n).filter { i in !tensor.storage[(i * width)..<((i + 1) * width)].allSatisfy(\.isFinite) }
    }

    /// Throws when any value of `output` (logits or probabilities) is NaN or ±inf.
    public static func check(_ output: Tensor, model: String, context: @autoclosure () -> String) throws(ModelOutputError) {
        guard output.storage.allSatisfy(\.isFinite) else { throw ModelOutputError(model: model, context: context()) }
    }
}
