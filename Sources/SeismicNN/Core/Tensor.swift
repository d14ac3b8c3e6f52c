// Tensor: Float32 values in one contiguous buffer with a shape (NCHW for images, [N, F] for features).

/// A dense float32 tensor in C order. A value type: copies are cheap until written (array CoW).
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var storage: [Float]

    public init(shape: [Int], storage: [Float]) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) holds \(shape.reduce(1, *)) values, got \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, storage: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor whose values are unspecified: for kernels that overwrite every element.
    public init(uninitialized shape: [Int]) {
        let n = shape.reduce(1, *)
        self.init(shape: shape, storage: [Float](unsafeUninitializedCapacity: n) { _, count in count = n })
    }

    /// Makes this tensor an output of `newShape` for a kernel that overwrites every element: the
    /// storage is kept when it holds as many values (its values then unspecified), else replaced.
    /// Outputs reused from call to call this way allocate nothing once their size settles.
    public mutating func prepareOutput(shape newShape: [Int]) {
        let n = newShape.reduce(1, *)
        if storage.count != n { storage = [Float](unsafeUninitializedCapacity: n) { _, count in count = n } }
        if shape != newShape { shape = newShape }
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    /// Size of the first axis (the batch).
    public var batch: Int { shape[0] }
    /// Values per batch item.
    public var itemSize: Int { shape.dropFirst().reduce(1, *) }

    /// The same values under another shape with the same count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }

    /// Index of the largest value in each row of a [N, C] tensor (ties: first).
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows needs [N, C], got \(shape)")
        let c = shape[1]
        return (0..<shape[0]).map { n in Self.argmax(storage[(n * c)..<((n + 1) * c)]) }
    }

    /// Position (0-based, from the slice's start) of the largest of `values` (ties: the first),
    /// as `torch.argmax` over one row; 0 for an empty row.
    public static func argmax(_ values: ArraySlice<Float>) -> Int {
        var best = values.startIndex
        for j in values.indices where values[j] > values[best] { best = j }
        return best - values.startIndex
    }
}
