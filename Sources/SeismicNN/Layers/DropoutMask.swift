// DropoutMask: which values dropout keeps, for the reference Dropout and the fused ConvBlock alike.

/// Dropout's state: the probability p of zeroing a value, the seeded generator that draws one key
/// per training-mode call, and `firstSample`, this batch's first sample in the global batch (0
/// unless training in data parallel, where it makes every process draw the masks the whole batch
/// would have in one process).
public struct DropoutMasks: Sendable {
    public var probability: Float
    public var generator: SeededGenerator
    public var firstSample = 0

    /// p in [0, 1) (a programming error otherwise: architectures are validated before).
    public init(probability: Float, seed: UInt64) {
        precondition((0..<1).contains(probability), "dropout probability \(probability) must be in [0, 1)")
        self.probability = probability
        generator = SeededGenerator(seed: seed)
    }

    /// The mask of one call over samples of `itemSize` values (draws the call's key), or nil when
    /// dropout is the identity (evaluation, or p = 0; no key is drawn then).
    public mutating func next(training: Bool, itemSize: Int) -> DropoutMask? {
        guard training, probability > 0 else { return nil }
        let keep = Double(1 - probability)
        let threshold = UInt32(max(1, min(keep * 4_294_967_296.0, 4_294_967_295.0)))
        return DropoutMask(
            key: generator.next(), threshold: threshold, scale: 1 / (1 - probability),
            first: firstSample * itemSize, stride: itemSize)
    }
}

/// One call's mask: value i of the batch (flat channels-first index) survives when a hash of
/// (first + i, key) falls below `threshold` (keep probability · 2³²) and is then multiplied by
/// `scale` = 1/(1 − p). The hash is counter-based (two rounds of a 32-bit integer mixer), so masks
/// are reproducible and independent of how the work is split; the C kernels compute the same one
/// (`sk_dropout_keep`, tested against this).
public struct DropoutMask: Sendable, Equatable {
    public let key: UInt64
    public let threshold: UInt32
    public let scale: Float
    /// Flat index of the batch's first value in the global batch, and values per sample.
    public let first: Int
    public let stride: Int

    /// scale when value i of this batch survives, else 0.
    public func factor(_ i: Int) -> Float { Self.keeps(UInt64(bitPattern: Int64(first + i)), key: key, threshold: threshold) ? scale : 0 }

    /// Whether global flat index `i` survives under `key`.
    public static func keeps(_ i: UInt64, key: UInt64, threshold: UInt32) -> Bool {
        func mix(_ v: UInt32) -> UInt32 {
            var h = v
            h ^= h >> 16; h &*= 0x7feb_352d; h ^= h >> 15; h &*= 0x846c_a68b; h ^= h >> 16
            return h
        }
        var h = mix(UInt32(truncatingIfNeeded: i) ^ UInt32(truncatingIfNeeded: key))
        h &+= UInt32(truncatingIfNeeded: key >> 32) ^ (UInt32(truncatingIfNeeded: i >> 32) &* 0x9E37_79B9)
        return mix(h) < threshold
    }
}
