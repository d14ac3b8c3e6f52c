// Dropout: zero each value with probability p in training, scale survivors by 1/(1−p) (torch.nn.Dropout),
// forward and backward as plain loops: the reference the fused ConvBlock is tested against.

/// y[i] = x[i]·mask[i] with mask[i] ∈ {0, 1/(1 − p)} from `DropoutMask` (one key per training-mode
/// call); the identity in evaluation or when p = 0. Any shape; i is the flat index.
public final class Dropout: Layer {
    public var masks: DropoutMasks
    private var mask: DropoutMask?

    public init(probability: Float, seed: UInt64) {
        masks = DropoutMasks(probability: probability, seed: seed)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        mask = masks.next(training: training, itemSize: x.itemSize)
        guard let m = mask else { return x }
        var y = x
        for i in 0..<y.count { y.storage[i] *= m.factor(i) }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let m = mask else { return dy }
        var dx = dy
        for i in 0..<dx.count { dx.storage[i] *= m.factor(i) }
        return dx
    }
}
