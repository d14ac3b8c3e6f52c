// SGD: torch.optim.SGD with momentum (no dampening, no Nesterov), over one arena.

/// b ← μb + g (b = g on the first step); p ← p − lr·b. Plain SGD when μ = 0.
public final class SGD {
    public var learningRate: Float
    public let momentum: Float
    let store: ParameterStore
    public let velocity: UnsafeMutablePointer<Float>
    private var started = false

    public init(store: ParameterStore, learningRate: Float, momentum: Float = 0.9) {
        self.store = store
        self.learningRate = learningRate
        self.momentum = momentum
        velocity = .allocate(capacity: max(store.parameterCount, 1))
        velocity.initialize(repeating: 0, count: max(store.parameterCount, 1))
    }

    deinit { velocity.deallocate() }

    public func update() {
        let g = store.gradients, b = velocity
        let (lr, mu, first) = (learningRate, momentum, !started)
        store.withMutableParameters { p in
            for i in 0..<store.parameterCount {
                if mu != 0 {
                    b[i] = first ? g[i] : mu * b[i] + g[i]
                    p[i] -= lr * b[i]
                } else {
                    p[i] -= lr * g[i]
                }
            }
        }
        started = true
    }
}
