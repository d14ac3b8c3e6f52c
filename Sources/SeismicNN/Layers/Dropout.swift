// Dropout: zero each value with probability p in training, scale survivors by 1/(1−p) (torch.nn.Dropout).

/// Identity in evaluation or when p = 0. The mask comes from the layer's own seeded generator.
public final class Dropout: Layer {
    public var probability: Float
    public var generator: SeededGenerator
    private var mask: [Float]?

    public init(probability: Float, seed: UInt64) {
        precondition((0..<1).contains(probability), "dropout probability \(probability) must be in [0, 1)")
        self.probability = probability
        generator = SeededGenerator(seed: seed)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, probability > 0 else { mask = nil; return x }
        let keep = 1 - probability
        let scale = 1 / keep
        // Two 32-bit draws per generator step; a value survives when its draw is below keep·2³².
        let threshold = UInt64(Double(keep) * 4_294_967_296.0)
        let n = x.count
        let m = [Float](unsafeUninitializedCapacity: n) { buf, count in
            var i = 0
            while i < n {
                let r = generator.next()
                buf[i] = (r & 0xFFFF_FFFF) < threshold ? scale : 0
                if i + 1 < n { buf[i + 1] = (r >> 32) < threshold ? scale : 0 }
                i += 2
            }
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
