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
        var m = [Float](repeating: 0, count: x.count)
        var y = x
        for i in 0..<x.count where generator.nextUnitFloat() < keep { m[i] = scale }
        for i in 0..<x.count { y.storage[i] *= m[i] }
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
