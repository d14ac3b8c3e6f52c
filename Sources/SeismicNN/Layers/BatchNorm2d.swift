// BatchNorm2d: per-channel batch normalisation over N, H, W (reference: torch.nn.BatchNorm2d).

import CSeismicKernels
import Foundation

/// Training: y = γ (x − μ_B) / √(σ²_B + ε) + β with the batch mean and *biased* variance; running
/// stats updated as r ← (1 − m) r + m s with the *unbiased* variance, m = 0.1, and
/// `num_batches_tracked` += 1. Evaluation: the running stats instead. ε = 1e-5.
public final class BatchNorm2d: Layer {
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    public let weight: StateEntry, bias: StateEntry
    public let runningMean: StateEntry, runningVar: StateEntry, batchesTracked: StateEntry
    let store: ParameterStore
    /// When set, `forward` returns GELU(BN(x)) in one pass and `backward` takes the gradient of
    /// that (the block's Conv → BN → GELU), saving a pass over the activations.
    public var fusedGELU = false
    /// In data-parallel training, batch statistics (and their gradients) are summed over all
    /// processes, so every process normalises with the statistics of the whole global batch
    /// (synchronised BatchNorm) and K processes compute what one would.
    public var collective: Collective?
    private var globalCount = 0
    private var preActivation: Tensor?
    private var input: Tensor?
    private var batchMean: [Float] = []
    private var invStd: [Float] = []
    private var trainedBatch = false

    public init(store: ParameterStore, prefix: String, channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        self.store = store
        self.channels = channels
        self.eps = eps
        self.momentum = momentum
        weight = store.require(prefix + ".weight")
        bias = store.require(prefix + ".bias")
        runningMean = store.require(prefix + ".running_mean")
        runningVar = store.require(prefix + ".running_var")
        batchesTracked = store.require(prefix + ".num_batches_tracked")
    }

    public static func specs(_ prefix: String, channels: Int) -> [(name: String, shape: [Int], kind: StateKind)] {
        [(prefix + ".weight", [channels], .parameter), (prefix + ".bias", [channels], .parameter),
         (prefix + ".running_mean", [channels], .buffer), (prefix + ".running_var", [channels], .buffer),
         (prefix + ".num_batches_tracked", [], .counter)]
    }

    /// PyTorch's initial values: γ = 1, β = 0, running mean 0, running variance 1.
    public func resetToDefaults() {
        store.pointer(weight).update(repeating: 1, count: channels)
        store.pointer(bias).update(repeating: 0, count: channels)
        store.pointer(runningMean).update(repeating: 0, count: channels)
        store.pointer(runningVar).update(repeating: 1, count: channels)
        store.counters[batchesTracked.offset] = 0
    }

    /// Mean, biased and unbiased variance per channel over the whole global batch: Σx, Σx² and the
    /// count summed across processes (double precision).
    private func synchronisedStatistics(_ x: Tensor) -> [(mean: Double, variance: Double, unbiased: Double)] {
        let (n, c, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
        var flat = [Double](repeating: 0, count: 2 * c + 1)
        x.storage.withUnsafeBufferPointer { xb in
            for ch in 0..<c {
                for i in 0..<n {
                    let p = xb.baseAddress! + (i * c + ch) * plane
                    flat[2 * ch] += sk_sum(p, plane)
                    flat[2 * ch + 1] += sk_sum_squared_deviation(p, plane, 0)
                }
            }
        }
        flat[2 * c] = Double(n * plane)
        flat.withUnsafeMutableBufferPointer { collective!.sum($0.baseAddress!, count: 2 * c + 1) }
        let m = flat[2 * c]
        globalCount = Int(m)
        return (0..<c).map { ch in
            let mean = flat[2 * ch] / m
            let variance = max(flat[2 * ch + 1] / m - mean * mean, 0)
            return (mean, variance, m > 1 ? variance * m / (m - 1) : variance)
        }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == channels, "BatchNorm2d(\(channels)) got \(x.shape)")
        let (n, c, plane) = (x.shape[0], channels, x.shape[2] * x.shape[3])
        let m = n * plane
        var y = Tensor(uninitialized: x.shape)
        let fused = fusedGELU
        var pre = Tensor(uninitialized: fused && training ? x.shape : [0])
        var means = [Float](repeating: 0, count: c)
        var inv = [Float](repeating: 0, count: c)
        let g = store.pointer(weight), b = store.pointer(bias)
        let rm = store.pointer(runningMean), rv = store.pointer(runningVar)
        let mom = momentum, eps = eps
        let globalStats = training && collective != nil ? synchronisedStatistics(x) : nil
        x.storage.withUnsafeBufferPointer { xb in
            y.storage.withUnsafeMutableBufferPointer { yb in
              pre.storage.withUnsafeMutableBufferPointer { pb in
                means.withUnsafeMutableBufferPointer { mb in
                    inv.withUnsafeMutableBufferPointer { ib in
                        let xp = xb.baseAddress!, yp = yb.baseAddress!, mp = mb.baseAddress!, ip = ib.baseAddress!
                        let pp = fused && training ? pb.baseAddress : nil
                        Parallel.forEachChunk(c, minimumPerChunk: max(1, 32_768 / max(m, 1))) { _, channelsRange in
                            for ch in channelsRange {
                                var mean: Float, variance: Float
                                if training, let g = globalStats {
                                    mean = Float(g[ch].mean)
                                    variance = Float(g[ch].variance)
                                    rm[ch] = (1 - mom) * rm[ch] + mom * mean
                                    rv[ch] = (1 - mom) * rv[ch] + mom * Float(g[ch].unbiased)
                                } else if training {
                                    // Two-pass statistics in double precision: exact enough for any batch.
                                    var s = 0.0
                                    for i in 0..<n { s += sk_sum(xp + (i * c + ch) * plane, plane) }
                                    let mu = s / Double(m)
                                    var ss = 0.0
                                    for i in 0..<n { ss += sk_sum_squared_deviation(xp + (i * c + ch) * plane, plane, mu) }
                                    mean = Float(mu)
                                    variance = Float(ss / Double(m))
                                    let unbiased = m > 1 ? Float(ss / Double(m - 1)) : variance
                                    rm[ch] = (1 - mom) * rm[ch] + mom * mean
                                    rv[ch] = (1 - mom) * rv[ch] + mom * unbiased
                                } else {
                                    mean = rm[ch]
                                    variance = rv[ch]
                                }
                                let istd = 1 / (variance + eps).squareRoot()
                                mp[ch] = mean
                                ip[ch] = istd
                                // y = (x − μ)·istd·γ + β as one multiply-add per value.
                                let scale = istd * g[ch], shift = b[ch] - mean * istd * g[ch]
                                for i in 0..<n {
                                    let o = (i * c + ch) * plane
                                    if fused {
                                        sk_affine_gelu(xp + o, yp + o, pp.map { $0 + o }, plane, scale, shift)
                                    } else {
                                        sk_affine(xp + o, yp + o, plane, scale, shift)
                                    }
                                }
                            }
                        }
                    }
                }
              }
            }
        }
        preActivation = fused && training ? pre : nil
        if training { store.counters[batchesTracked.offset] += 1 }
        input = x
        batchMean = means
        invStd = inv
        trainedBatch = training
        return y
    }

    public func backward(_ upstream: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm2d.backward before forward") }
        precondition(upstream.shape == x.shape, "gradient shape \(upstream.shape) vs \(x.shape)")
        var dy = upstream
        if fusedGELU {
            guard let pre = preActivation else { preconditionFailure("fused BatchNorm2d+GELU backward needs a training-mode forward") }
            // dy·GELU'(pre) into a fresh buffer: one pass, no copy of the caller's gradient.
            dy = GELU.gradient(input: pre, upstream: upstream)
        }
        let (n, c, plane) = (dy.shape[0], channels, dy.shape[2] * dy.shape[3])
        let m = Float(n * plane)
        var dx = Tensor(uninitialized: dy.shape)
        let g = store.pointer(weight)
        let gg = store.gradient(weight), gb = store.gradient(bias)
        let training = trainedBatch
        let inv = invStd, means = batchMean
        // Σdy and Σdy·x̂ per channel (summed over all processes in data-parallel training).
        var flat = [Double](repeating: 0, count: 2 * c)
        dy.storage.withUnsafeBufferPointer { db in
            x.storage.withUnsafeBufferPointer { xb in
                flat.withUnsafeMutableBufferPointer { fb in
                    let dp = db.baseAddress!, xp = xb.baseAddress!, fp = fb.baseAddress!
                    Parallel.forEachChunk(c, minimumPerChunk: max(1, 32_768 / max(n * plane, 1))) { _, channelsRange in
                        for ch in channelsRange {
                            for i in 0..<n { let o = (i * c + ch) * plane; sk_bn_backward_sums(xp + o, dp + o, plane, means[ch], inv[ch], fp + 2 * ch) }
                        }
                    }
                }
            }
        }
        let count = training && collective != nil ? Float(globalCount) : m
        if training, let col = collective { flat.withUnsafeMutableBufferPointer { col.sum($0.baseAddress!, count: 2 * c) } }
        let sums = (0..<c).map { (flat[2 * $0], flat[2 * $0 + 1]) }
        dy.storage.withUnsafeBufferPointer { db in
            x.storage.withUnsafeBufferPointer { xb in
                dx.storage.withUnsafeMutableBufferPointer { ob in
                    let dp = db.baseAddress!, xp = xb.baseAddress!, op = ob.baseAddress!
                    Parallel.forEachChunk(c, minimumPerChunk: max(1, 32_768 / max(n * plane, 1))) { _, channelsRange in
                        for ch in channelsRange {
                            // x̂ is recomputed from the cached input: (x − μ)·istd.
                            let mu = means[ch], istd = inv[ch]
                            let (sumDy, sumDyH) = sums[ch]
                            gg[ch] += Float(sumDyH)
                            gb[ch] += Float(sumDy)
                            let k = g[ch] * istd
                            if training {
                                let a = Float(sumDy) / count, bb = Float(sumDyH) / count
                                for i in 0..<n {
                                    let o = (i * c + ch) * plane
                                    sk_bn_backward_dx(xp + o, dp + o, op + o, plane, mu, istd, k, a, bb)
                                }
                            } else {
                                for i in 0..<n {
                                    let o = (i * c + ch) * plane
                                    sk_affine(dp + o, op + o, plane, k, 0)
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
