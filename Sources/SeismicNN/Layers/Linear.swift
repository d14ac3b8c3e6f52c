// Linear: y = x Wᵀ + b with W [out, in] (reference: torch.nn.Linear), forward and backward.

import CSeismicKernels

/// Batched through sgemm; rows of the batch (forward, dx) and rows of W (dW) split across cores;
/// one or two rows through `sk_gemv_bias`, which reads W once at the memory's speed. Evaluation
/// with a weight of fewer than `rowIndependentLimit` values (all of EarthquakeCNN's,
/// SpectrogramCNN's fc2 and fc3) runs every batch size through one product, `sk_gemm_bias` on a
/// cached Wᵀ: each output row is bias + Σ x·Wᵀ in the same order whatever the batch, so a window's
/// scores do not depend on which windows share its call (a live monitor batches what is due).
public final class Linear: Layer {
    /// Weights with fewer values take the batch-independent evaluation product (above); larger ones
    /// (SpectrogramCNN's fc1, 41.8 M values) take a path by batch size (one or two rows, a few, many),
    /// so their rounding depends on the batch size beyond two rows.
    public static let rowIndependentLimit = 1_000_000
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: StateEntry, bias: StateEntry
    let store: ParameterStore
    private var input: Tensor?

    public init(store: ParameterStore, prefix: String, inFeatures: Int, outFeatures: Int) {
        self.store = store
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = store.require(prefix + ".weight")
        bias = store.require(prefix + ".bias")
        precondition(weight.shape == [outFeatures, inFeatures], "\(prefix).weight shape \(weight.shape)")
    }

    public static func specs(_ prefix: String, inFeatures: Int, outFeatures: Int) -> [(name: String, shape: [Int], kind: StateKind)] {
        [(prefix + ".weight", [outFeatures, inFeatures], .parameter), (prefix + ".bias", [outFeatures], .parameter)]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        var y = Tensor(uninitialized: [x.batch, outFeatures])
        product(x, training: training, into: &y)
        return y
    }

    /// Evaluation, `forward(x, training: false)`, into `output` [N, out] (`Tensor.prepareOutput`: its
    /// storage reused when it holds as many values), without keeping `x`: no `backward` may follow
    /// (a network's inference, whose activations are reused from call to call).
    public func evaluate(_ x: Tensor, into output: inout Tensor) {
        input = nil
        output.prepareOutput(shape: [x.batch, outFeatures])
        product(x, training: false, into: &output)
    }

    /// y [N, out] = x [N, in] · Wᵀ + b into `y`, already of that shape.
    private func product(_ x: Tensor, training: Bool, into y: inout Tensor) {
        let n = x.batch
        precondition(x.itemSize == inFeatures, "Linear(\(inFeatures)→\(outFeatures)) got \(x.shape)")
        let (i, o) = (inFeatures, outFeatures)
        let wp = UnsafePointer(store.pointer(weight)), bp = store.pointer(bias)
        if !training && i * o < Self.rowIndependentLimit {
            let wt = UnsafePointer(transposedWeight().pointer)
            x.storage.withUnsafeBufferPointer { xb in
                y.storage.withUnsafeMutableBufferPointer { yb in
                    let xp = xb.baseAddress!, yp = yb.baseAddress!
                    // Rows are independent: any split gives the same bits; small products run inline.
                    let chunks = n * i * o < 65_536 ? 1 : Parallel.effectiveWorkers
                    Parallel.forEachChunk(n, chunks: chunks) { _, r in
                        sk_gemm_bias(xp + r.lowerBound * i, r.count, i, wt, o, bp, yp + r.lowerBound * o)
                    }
                }
            }
            return
        }
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                // Split over rows of the batch, or over output features when the batch is small;
                // run inline when the product is too small to pay for waking a thread.
                if n <= 2 {
                    // One or two windows (latency): a matrix-vector product bound by reading W once
                    // (sk_gemv_bias, at the rate the cores read memory); a large W (SpectrogramCNN's fc1,
                    // 167 MB) is read by all cores, a row range each.
                    let split = i * o >= 1_000_000 ? Parallel.effectiveWorkers : 1
                    Parallel.forEachChunk(o, chunks: split) { _, r in
                        sk_gemv_bias(wp + r.lowerBound * i, r.count, i, xp, n, bp + r.lowerBound, yp + r.lowerBound, o)
                    }
                } else if n <= 64 && i * o >= 1_000_000 {
                    // A few rows through a large W (SpectrogramCNN's fc1: 167 MB): yᵀ = W·xᵀ with the
                    // kernels' product, W's rows split across cores and each read once from memory
                    // (OpenBLAS packs all of W on every call).
                    let xT = UnsafeMutablePointer<Float>.allocate(capacity: i * n)
                    let zeros = [Float](repeating: 0, count: n)
                    defer { xT.deallocate() }
                    for row in 0..<n { for f in 0..<i { xT[f * n + row] = xp[row * i + f] } }
                    Parallel.forEachChunk(o, minimumPerChunk: 16) { _, r in
                        let yT = UnsafeMutablePointer<Float>.allocate(capacity: r.count * n)
                        defer { yT.deallocate() }
                        sk_gemm_bias(wp + r.lowerBound * i, r.count, i, xT, n, zeros, yT)
                        for (k, f) in r.enumerated() { for row in 0..<n { yp[row * o + f] = yT[k * n + row] + bp[f] } }
                    }
                } else if n * i * o < 65_536 {
                    for row in 0..<n { (yp + row * o).update(from: bp, count: o) }
                    sgemm(transA: false, transB: true, m: n, n: o, k: i, a: xp, lda: i, b: wp, ldb: i, beta: 1, c: yp, ldc: o)
                } else if n >= Parallel.effectiveWorkers * 4 || o < 64 {
                    Parallel.forEachChunk(n, minimumPerChunk: 16) { _, r in
                        for row in r { (yp + row * o).update(from: bp, count: o) }
                        sgemm(
                            transA: false, transB: true, m: r.count, n: o, k: i, a: xp + r.lowerBound * i, lda: i,
                            b: wp, ldb: i, beta: 1, c: yp + r.lowerBound * o, ldc: o)
                    }
                } else {
                    for row in 0..<n { (yp + row * o).update(from: bp, count: o) }
                    Parallel.forEachChunk(o, minimumPerChunk: 32) { _, r in
                        sgemm(
                            transA: false, transB: true, m: n, n: r.count, k: i, a: xp, lda: i,
                            b: wp + r.lowerBound * i, ldb: i, beta: 1, c: yp + r.lowerBound, ldc: o)
                    }
                }
            }
        }
    }

    /// Wᵀ [in, out], rebuilt when the store's parameter version moved since it was built (every
    /// write of a parameter advances it), as `ConvBlock`'s weight matrices.
    private func transposedWeight() -> Buffer<Float> {
        if let t = transposed, t.version == store.version { return t.values }
        let (i, o) = (inFeatures, outFeatures)
        let w = store.pointer(weight), t = Buffer<Float>(count: i * o)
        for f in 0..<o { for q in 0..<i { t[q * o + f] = w[f * i + q] } }
        transposed = (store.version, t)
        return t
    }
    private var transposed: (version: UInt64, values: Buffer<Float>)?

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Linear.backward before forward") }
        let n = x.batch
        let (i, o) = (inFeatures, outFeatures)
        precondition(dy.shape == [n, o], "gradient shape \(dy.shape)")
        var dx = Tensor(zeros: x.shape)
        let wp = UnsafePointer(store.pointer(weight))
        let gw = store.gradient(weight), gb = store.gradient(bias)
        x.storage.withUnsafeBufferPointer { xb in
            dy.storage.withUnsafeBufferPointer { db in
                dx.storage.withUnsafeMutableBufferPointer { dxb in
                    let xp = xb.baseAddress!, dp = db.baseAddress!, dxp = dxb.baseAddress!
                    // dW[o-range, :] += dy[:, o-range]ᵀ · x ; db += Σ rows of dy
                    Parallel.forEachChunk(o, minimumPerChunk: 8) { _, r in
                        sgemm(
                            transA: true, transB: false, m: r.count, n: i, k: n, a: dp + r.lowerBound, lda: o,
                            b: xp, ldb: i, beta: 1, c: gw + r.lowerBound * i, ldc: i)
                        for f in r {
                            var s: Float = 0
                            for row in 0..<n { s += dp[row * o + f] }
                            gb[f] += s
                        }
                    }
                    // dx = dy · W
                    Parallel.forEachChunk(n, minimumPerChunk: 16) { _, r in
                        sgemm(
                            transA: false, transB: false, m: r.count, n: i, k: o, a: dp + r.lowerBound * o, lda: o,
                            b: wp, ldb: i, beta: 0, c: dxp + r.lowerBound * i, ldc: i)
                    }
                }
            }
        }
        return dx
    }
}
