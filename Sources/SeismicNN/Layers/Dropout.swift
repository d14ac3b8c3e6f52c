// Dropout: zero each value with probability p in training, scale survivors by 1/(1−p) (torch.nn.Dropout).

import CSeismicKernels

/// Identity in evaluation or when p = 0. Each training-mode call draws one key from the layer's
/// seeded generator; value i of the batch survives when a hash of (key, i) falls below the keep
/// probability, so masks are reproducible, cheap to vectorise and independent of how the work is
/// split. In data-parallel training, `firstSample` (this share's first sample in the global batch)
/// makes every process draw the mask the whole batch would have in one process.
public final class Dropout: Layer {
    public var probability: Float
    public var generator: SeededGenerator
    /// Index of this batch's first sample in the global batch (0 unless training in data parallel).
    public var firstSample = 0
    private var mask: [Float]?

    public init(probability: Float, seed: UInt64) {
        precondition((0..<1).contains(probability), "dropout probability \(probability) must be in [0, 1)")
        self.probability = probability
        generator = SeededGenerator(seed: seed)
    }

    /// The mask of this call for items of `itemSize` values (draws the call's key), or nil when the
    /// layer is the identity.
    func maskParameters(training: Bool, itemSize: Int) -> sk_dropout_params? {
        guard training, probability > 0 else { return nil }
        let keep = Double(1 - probability)
        let threshold = UInt32(max(1, min(keep * 4_294_967_296.0, 4_294_967_295.0)))
        return sk_dropout_params(key: generator.next(), threshold: threshold, scale: 1 / (1 - probability),
                                 first: Int64(firstSample * itemSize), stride: Int64(itemSize))
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard let p = maskParameters(training: training, itemSize: x.itemSize) else { mask = nil; return x }
        let n = x.count
        let m = [Float](unsafeUninitializedCapacity: n) { buf, count in
            sk_dropout_mask(buf.baseAddress!, n, p.first, p.key, p.threshold, p.scale)
            count = n
        }
        var y = Tensor(uninitialized: x.shape)
        x.storage.withUnsafeBufferPointer { xb in
            m.withUnsafeBufferPointer { mb in
                y.storage.withUnsafeMutableBufferPointer { yb in
                    for i in 0..<n { yb[i] = xb[i] * mb[i] }
                }
            }
        }
        mask = m
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let m = mask else { return dy }
        var dx = dy
        for i in 0..<dx.count { dx.storage[i] *= m[i] }
        return dx
    }
}
