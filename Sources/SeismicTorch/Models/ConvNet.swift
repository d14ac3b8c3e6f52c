// ConvNet: the reference's network shape — 3 × (Conv → BN → GELU → MaxPool → Dropout), then 3 Linear.

import SeismicNN

/// The hyper-parameters that make a `ConvNet` one of the reference's two models.
public struct ConvNetArchitecture: Codable, Equatable, Sendable {
    /// "EarthquakeCNN" or "SpectrogramCNN".
    public var name: String
    /// Input [channels, height, width] of one item.
    public var inputShape: [Int]
    /// Output channels of conv1…conv3.
    public var channels: [Int]
    public var kernel: [Int]
    public var pool: [Int]
    /// Widths of fc1 and fc2 (fc3 maps to the classes).
    public var hidden: [Int]
    public var classCount: Int
    public var dropout: Float

    /// EarthquakeCNN: [N,1,80,3] → 3 × (Conv (3,1), BN, GELU, MaxPool (3,1), Dropout 0.1) with 16/32/64
    /// channels → 384 → 64 → 16 → classes. 33,795 parameters with 3 classes.
    public static func earthquake(classCount: Int = 3) -> ConvNetArchitecture {
        ConvNetArchitecture(
            name: "EarthquakeCNN", inputShape: [1, 80, 3], channels: [16, 32, 64], kernel: [3, 1],
            pool: [3, 1], hidden: [64, 16], classCount: classCount, dropout: 0.1)
    }

    /// SpectrogramCNN: [N,3,100,150] → 3 × (Conv 3×3, BN, GELU, MaxPool 2×2, Dropout 0.1) with 48/96/192
    /// channels → 32640 → 1280 → 64 → classes. 42,072,258 parameters with 2 classes.
    public static func spectrogram(classCount: Int = 2) -> ConvNetArchitecture {
        ConvNetArchitecture(
            name: "SpectrogramCNN", inputShape: [3, 100, 150], channels: [48, 96, 192], kernel: [3, 3],
            pool: [2, 2], hidden: [1280, 64], classCount: classCount, dropout: 0.1)
    }

    /// Shapes [C, H, W] after each block.
    public var blockOutputShapes: [[Int]] {
        var (h, w) = (inputShape[1], inputShape[2])
        return channels.map { c in
            h = (h - kernel[0] + 1) / pool[0]
            w = (w - kernel[1] + 1) / pool[1]
            return [c, h, w]
        }
    }

    public var flattenedFeatures: Int { blockOutputShapes.last!.reduce(1, *) }

    /// Every state entry in PyTorch `state_dict()` order with the seed's names.
    public var stateSpecs: [(name: String, shape: [Int], kind: StateKind)] {
        var specs: [(name: String, shape: [Int], kind: StateKind)] = []
        var inC = inputShape[0]
        for (i, c) in channels.enumerated() {
            specs += ConvBlock.specs(
                convolution: "conv\(i + 1)", normalisation: "bn\(i + 1)", inChannels: inC, outChannels: c,
                kernel: (kernel[0], kernel[1]))
            inC = c
        }
        let widths = [flattenedFeatures] + hidden + [classCount]
        for i in 0..<(widths.count - 1) {
            specs += Linear.specs("fc\(i + 1)", inFeatures: widths[i], outFeatures: widths[i + 1])
        }
        return specs
    }

    /// Multiply-adds of one item's forward pass through the convolutions and linear layers, the
    /// arithmetic a FLOP count states (2 FLOP each; BatchNorm, GELU and pooling not counted), as
    /// PyTorch's `torch.utils.flop_counter` counts it: EarthquakeCNN 258,064, SpectrogramCNN
    /// 319,443,712.
    public var multiplyAddsPerItem: Int { layerMultiplyAdds.reduce(0, +) }

    /// Multiply-adds of one item in a training step: the forward pass, every layer's weight
    /// gradient, and the input gradient of every layer but the first (which reads data), as
    /// `torch.utils.flop_counter` counts forward + backward: EarthquakeCNN 762,960.
    public var trainingMultiplyAddsPerItem: Int { 3 * multiplyAddsPerItem - layerMultiplyAdds[0] }

    /// Per item: each convolution's multiply-adds, then each linear layer's.
    private var layerMultiplyAdds: [Int] {
        var (h, w, inC) = (inputShape[1], inputShape[2], inputShape[0])
        var counts: [Int] = []
        for c in channels {
            let (ho, wo) = (h - kernel[0] + 1, w - kernel[1] + 1)
            counts.append(ho * wo * c * inC * kernel[0] * kernel[1])
            (h, w, inC) = (ho / pool[0], wo / pool[1], c)
        }
        let widths = [flattenedFeatures] + hidden + [classCount]
        return counts + (0..<(widths.count - 1)).map { widths[$0] * widths[$0 + 1] }
    }

    public var parameterCount: Int {
        stateSpecs.filter { $0.kind == .parameter }.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }
}

/// One of the reference's networks, with forward and backward through every layer. One call at a
/// time: a network keeps per-call state (the blocks' caches, evaluation's activations and working
/// memory), so threads that classify concurrently each need their own copy.
public final class ConvNet {
    public let architecture: ConvNetArchitecture
    public let store: ParameterStore
    /// The three Conv → BN → GELU → MaxPool → Dropout blocks, computed channels-last and fused.
    public let blocks: [ConvBlock]
    public let linears: [Linear]
    public let headActivations: [GELU]
    private var lastConvShape: [Int] = []

    /// A network with PyTorch's default initialisation drawn from `seed`. `architecture` must pass
    /// `validate()` (every path from a file validates first; this is an internal invariant).
    public init(_ architecture: ConvNetArchitecture, seed: UInt64 = 0) {
        do { try architecture.validate() } catch { preconditionFailure("invalid architecture: \(error)") }
        self.architecture = architecture
        let store = ParameterStore(architecture.stateSpecs)
        self.store = store
        var blocks: [ConvBlock] = []
        var inC = architecture.inputShape[0]
        for (i, c) in architecture.channels.enumerated() {
            blocks.append(
                ConvBlock(
                    store: store, convolution: "conv\(i + 1)", normalisation: "bn\(i + 1)", inChannels: inC, outChannels: c,
                    kernel: (architecture.kernel[0], architecture.kernel[1]), pool: (architecture.pool[0], architecture.pool[1]),
                    dropout: architecture.dropout, seed: seed &+ 1000 &+ UInt64(i)))
            inC = c
        }
        self.blocks = blocks
        activationValuesPerItem = Self.activationValues(architecture, blocks: blocks)
        // Nothing needs the gradient with respect to the input data.
        blocks[0].computeInputGradient = false
        let widths = [architecture.flattenedFeatures] + architecture.hidden + [architecture.classCount]
        linears = (0..<(widths.count - 1)).map {
            Linear(store: store, prefix: "fc\($0 + 1)", inFeatures: widths[$0], outFeatures: widths[$0 + 1])
        }
        headActivations = architecture.hidden.map { _ in GELU() }
        initialize(seed: seed)
    }

    /// PyTorch's default initialisation: weights and biases U(−1/√fan_in, 1/√fan_in) (Kaiming
    /// uniform with a = √5 gives the same bound), BatchNorm γ = 1, β = 0, running stats 0 / 1.
    public func initialize(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for conv in blocks.map(\.convolution) {
            fillUniform(conv.weight, bound: 1 / Float(conv.fanIn).squareRoot(), &rng)
            fillUniform(conv.bias, bound: 1 / Float(conv.fanIn).squareRoot(), &rng)
        }
        for layer in linears {
            fillUniform(layer.weight, bound: 1 / Float(layer.inFeatures).squareRoot(), &rng)
            fillUniform(layer.bias, bound: 1 / Float(layer.inFeatures).squareRoot(), &rng)
        }
        blocks.forEach { $0.normalisation.resetToDefaults() }
    }

    private func fillUniform(_ e: StateEntry, bound: Float, _ rng: inout SeededGenerator) {
        store.withMutableValues(of: e) { p in
            for i in 0..<e.count { p[i] = (rng.nextUnitFloat() * 2 - 1) * bound }
        }
    }

    /// Dropout probability of every block (0 turns dropout off in training, as the fixtures need).
    public var dropoutProbability: Float {
        get { blocks[0].dropout.probability }
        set { blocks.forEach { $0.dropout.probability = newValue } }
    }

    /// The blocks' dropout generators, in block order (saved with a run so a resumed one draws the
    /// same masks; a list of another length is a programming error).
    public var dropoutGenerators: [SeededGenerator] {
        get { blocks.map(\.dropout.generator) }
        set {
            precondition(newValue.count == blocks.count, "\(newValue.count) dropout generators for \(blocks.count) blocks")
            for (block, g) in zip(blocks, newValue) { block.dropout.generator = g }
        }
    }

    /// Data-parallel training: this batch's first sample in the global batch, so every share draws
    /// the dropout masks the whole batch would have in one process (0 otherwise).
    public func setDropoutOffset(firstSample: Int) {
        blocks.forEach { $0.dropout.firstSample = firstSample }
    }

    /// The collective over which the BatchNorms sum their batch statistics and gradient sums
    /// (synchronised BatchNorm in data-parallel training), or nil for a single process.
    public func setBatchNormCollective(_ collective: Collective?) {
        blocks.forEach { $0.normalisation.collective = collective }
    }

    /// Logits [N, classes] for input [N, C, H, W].
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(
            Array(x.shape.dropFirst()) == architecture.inputShape,
            "\(architecture.name) expects [N, \(architecture.inputShape.map(String.init).joined(separator: ", "))], got \(x.shape)")
        if !training { return evaluate(x) }
        // The blocks work channels-last; the head sees PyTorch's flattening order (C, H, W).
        var h = x.channelsLast()
        for block in blocks { h = block.forward(h, training: training) }
        lastConvShape = h.shape
        h = h.channelsFirst()
        h = h.reshaped([h.batch, h.itemSize])
        for i in linears.indices {
            h = linears[i].forward(h, training: training)
            if i < headActivations.count { h = headActivations[i].forward(h, training: training) }
        }
        return h
    }

    /// Evaluation's activations between the layers, kept from call to call so that a run of calls
    /// of one batch size (a live monitor's windows one at a time) allocates none of them after the
    /// first; kept only for batches within `keptActivationLimit` values.
    private var activations: [Tensor] = []

    /// Values of activations kept between evaluation calls at most (1 Mi values, 4 MB: EarthquakeCNN's
    /// are 2,944 values per window, so batches of up to 356 windows; SpectrogramCNN's 321,504 per
    /// image, up to 3 images). A larger batch keeps none and holds at most two activations at a time
    /// during its call, each freed as the next layer is done with it, where the allocation is small
    /// against the arithmetic.
    public static let keptActivationLimit = 1 << 20

    /// Values of evaluation's activations held between calls now (4 bytes each).
    public var keptActivationValues: Int { activations.reduce(0) { $0 + $1.count } }

    /// Values of the activations between the layers for one input (`keptActivationLimit`'s measure):
    /// each block's output, the flattened features, and each hidden layer's output before and after
    /// its activation.
    public let activationValuesPerItem: Int

    private static func activationValues(_ architecture: ConvNetArchitecture, blocks: [ConvBlock]) -> Int {
        var shape = [1, architecture.inputShape[1], architecture.inputShape[2], architecture.inputShape[0]]
        var values = 0
        for block in blocks {
            shape = block.outputShape(shape)
            values += shape.reduce(1, *)
        }
        return values + shape.reduce(1, *) + 2 * architecture.hidden.reduce(0, +)
    }

    /// `forward(x, training: false)`: the same kernels and bits, each layer writing into its kept
    /// activation (`activations`) or, for a batch past the limit, into a fresh one; the logits are
    /// always a fresh tensor the caller owns. No layer keeps a reference to an activation past the
    /// call, so each kept one is uniquely held here and rewritten in place. One call at a time.
    private func evaluate(_ x: Tensor) -> Tensor {
        let count = blocks.count + 1 + headActivations.count * 2
        let keep = x.batch * activationValuesPerItem <= Self.keptActivationLimit
        if !keep {
            activations = []
        } else if activations.count != count {
            activations = Array(repeating: Tensor(zeros: [0]), count: count)
        }
        /// The output of the layer at `slot`, written by `body` into the kept activation or a fresh one.
        func stage(_ slot: Int, _ body: (inout Tensor) -> Void) -> Tensor {
            guard keep else {
                var fresh = Tensor(zeros: [0])
                body(&fresh)
                return fresh
            }
            body(&activations[slot])
            return activations[slot]
        }
        // The blocks work channels-last; the head sees PyTorch's flattening order (C, H, W), which
        // Linear takes as [N, C·H·W].
        var h = x.channelsLast()
        var slot = 0
        for block in blocks {
            let input = h
            h = stage(slot) { block.evaluate(input, into: &$0) }
            slot += 1
        }
        lastConvShape = h.shape
        let features = h
        h = stage(slot) { features.channelsFirst(into: &$0) }
        slot += 1
        for i in linears.indices.dropLast() {
            let input = h
            h = stage(slot) { linears[i].evaluate(input, into: &$0) }
            slot += 1
            if i < headActivations.count {
                let hidden = h
                h = stage(slot) { headActivations[i].evaluate(hidden, into: &$0) }
                slot += 1
            }
        }
        var logits = Tensor(uninitialized: [x.batch, architecture.classCount])
        linears[linears.count - 1].evaluate(h, into: &logits)
        return logits
    }

    /// Back-propagates ∂L/∂logits, accumulating every parameter's gradient in `store`.
    /// Returns ∂L/∂input [N, C, H, W] when `blocks[0].computeInputGradient` is set (off by default: zeros).
    @discardableResult
    public func backward(_ dLogits: Tensor) -> Tensor {
        var g = dLogits
        for i in linears.indices.reversed() {
            if i < headActivations.count { g = headActivations[i].backward(g) }
            g = linears[i].backward(g)
        }
        let s = lastConvShape
        g = g.reshaped([s[0], s[3], s[1], s[2]]).channelsLast()
        for block in blocks.reversed() { g = block.backward(g) }
        return g.channelsFirst()
    }

    /// A copy of this network for `classCount` classes: every layer's state is kept except fc3,
    /// which is freshly initialised from `seed` (fine-tuning to a new label set).
    public func replacingHead(classCount: Int, seed: UInt64) -> ConvNet {
        var arch = architecture
        arch.classCount = classCount
        let fresh = ConvNet(arch, seed: seed)
        for e in store.entries where !e.name.hasPrefix("fc3.") {
            let target = fresh.store.require(e.name)
            if e.kind == .counter {
                fresh.store.counters[target.offset] = store.counters[e.offset]
            } else {
                fresh.store.withMutableValues(of: target) { $0.update(from: store.pointer(e), count: e.count) }
            }
        }
        fresh.dropoutProbability = dropoutProbability
        return fresh
    }

    /// Names of the feature extractor's parameters — the convolutions and their BatchNorms
    /// (`conv1…3.*`, `bn1…3.*`), what fine-tuning with frozen convolutions keeps fixed.
    public var featureParameterNames: Set<String> {
        Set(store.parameterEntries.map(\.name).filter { $0.hasPrefix("conv") || $0.hasPrefix("bn") })
    }

    /// Class probabilities [N, classes] in evaluation mode.
    public func predict(_ x: Tensor) -> Tensor { CrossEntropy.softmax(forward(x, training: false)) }
}
